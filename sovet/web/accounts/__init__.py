"""Accounts: the person (the user model), sign up, log in, log out, profile."""
