"""One error family for problems with the data, with plain-language messages.

Messages name the file, the line and the problem, never a row's content: a row may hold a
CPR number.
"""

from __future__ import annotations


class DataQualityError(Exception):
    """Base class: something is wrong with the input data, not with the code."""

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None):
        self.file = file
        self.line = line
        where = ""
        if file is not None:
            where = f"{file}"
            if line is not None:
                where += f", line {line}"
            where += ": "
        super().__init__(f"{where}{message}")


class QuarantinedFileError(DataQualityError):
    """A whole input file could not be read (encoding, no matching profile, not a table)."""


class KeyMismatchError(DataQualityError):
    """The pseudonymisation key differs from the one the database was built with."""


class WriterLockedError(DataQualityError):
    """Another process holds the database for writing."""


class MissingDataError(DataQualityError):
    """An input or a database table that a step needs is absent."""
