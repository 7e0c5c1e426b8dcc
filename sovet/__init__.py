"""Sovet: software for councils that govern themselves."""

__version__ = "0.1.0"
