"""Notifications: an inbox on the site and e-mail when something concerns a person."""
