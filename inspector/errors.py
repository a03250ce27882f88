"""Errors that mean "the user's input is wrong", as opposed to bugs.

Every front end shows an `InspectorError` as its one-line message (the CLI as `error: ...` with exit code 2,
the window as a dialog); any other exception is a bug and is reported with a traceback.
"""


class InspectorError(Exception):
    """A problem with the user's input, explained in one line (what, where, what was expected)."""


class ModelFileError(InspectorError):
    """The model file is missing, foreign, truncated, corrupt or not a Keras model."""


class DataError(InspectorError):
    """The dataset cannot be read or does not fit the model."""


class UnsafeModelError(InspectorError):
    """Running the model would execute code stored in the file, and the user has not allowed that."""


class UnsupportedModelError(InspectorError):
    """The model is readable but cannot be built or run by this tool."""


class ReadTimeoutError(InspectorError):
    """Reading a user's file (model, weights or data) did not end within its time limit: a corrupt or hostile file
    that keeps the reading library looping. Raised by the supervisor of the reading process, which was ended."""


class ReaderDiedError(InspectorError):
    """The process reading a user's file was killed by a signal inside a read (HDF5 crashing on a corrupt file);
    its supervisor reports it in one line, as it reports a read that never ends."""
