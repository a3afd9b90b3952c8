"""Every error fazhi-kg raises on purpose, in one place.

Each message says what went wrong *and what to do*; the CLI and the web
service print ``str(error)`` and never a traceback.
"""
from __future__ import annotations


class FazhiError(Exception):
    """Base class: an error the user can act on."""


class InputError(FazhiError):
    """A report file that cannot be read or understood."""

    def __init__(self, file: str, reason: str) -> None:
        self.file = file
        self.reason = reason
        super().__init__(f"{file}: {reason}")


class StageError(FazhiError):
    """A pipeline stage failed on a file; names both."""

    def __init__(self, stage: str, file: str, cause: BaseException) -> None:
        self.stage = stage
        self.file = file
        self.cause = cause
        super().__init__(f"{file}: stage '{stage}' failed: {type(cause).__name__}: {cause}")


class StoreError(FazhiError):
    """The store cannot be opened, read or written."""


class QueryError(FazhiError):
    """A SPARQL query that is malformed, refused or too expensive."""

    def __init__(self, message: str, *, status: int = 400, setting: str | None = None) -> None:
        self.status = status
        self.setting = setting
        super().__init__(message)


class SettingError(FazhiError):
    """A setting with a bad value; the message names the setting."""


class PipelineError(FazhiError):
    """The pipeline cannot be built: a component's target does not import, or
    a component requires what only a later one assigns.  Names them."""
