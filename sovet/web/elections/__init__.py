"""Elections in the browser: the list, the call, nominations and slates, ranking, results."""
