"""Errors that services raise for bad input; views and the CLI turn them into messages."""


class ServiceError(ValueError):
    """A request the service refuses, with a message fit to show the user."""
