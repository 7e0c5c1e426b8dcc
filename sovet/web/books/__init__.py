"""Books: the tables that store each council's book, and the services that append to it."""
