"""Errors that the CLI and the API report as one line, never as a stack trace."""


class DigitsError(Exception):
    """A problem the user can act on; its message is complete on its own."""


class DataError(DigitsError):
    """A data file is missing, truncated, corrupt or of the wrong kind."""


class ModelError(DigitsError):
    """A model name, file, card or run folder that cannot be used."""


class ImageError(DigitsError):
    """A file that is not a usable image."""


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message, or its type's name when the message is empty.

    Third-party libraries (Keras, ONNX Runtime, the converter) raise long,
    multi-line messages; the user needs the first line of them.
    """
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
