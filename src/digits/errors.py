"""Errors that the CLI reports as one line, never as a stack trace."""


class DigitsError(Exception):
    """A problem the user can act on; its message is complete on its own."""


class DataError(DigitsError):
    """A data file is missing, truncated, corrupt or of the wrong kind."""


class ModelError(DigitsError):
    """A model name, file or run folder that cannot be used."""
