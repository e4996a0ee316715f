"""Results of an ingest run and the small value types passed between the ingest modules."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from capacity.errors import QuarantinedFileError

# Reasons a whole file is set aside (load_log.reason); documented in docs/data-contract.md.
QUARANTINE_REASONS = (
    "no_profile",
    "missing_columns",
    "encoding",
    "unreadable",
    "empty_file",
)


class FileQuarantined(QuarantinedFileError):
    """A file cannot be loaded at all; ``reason`` is one of QUARANTINE_REASONS."""

    def __init__(self, reason: str, message: str, *, file: str | None = None):
        self.reason = reason
        super().__init__(message, file=file)


@dataclass
class RawTable:
    """A delivery split into fields, everything still text.

    ``rows`` has a ``line`` column (1-based physical line or sheet row of the record's start),
    one String column per header position (``c0``, ``c1``, ...) holding the raw cell text, and
    ``shape_ok`` (False when a CSV record has the wrong number of fields).
    """

    header: list[str]
    header_line: int
    rows: pl.DataFrame
    blank_lines: int
    encoding: str
    delimiter: str | None = None


@dataclass
class Checked:
    """A validated delivery: typed rows to load, and where and why other rows were rejected."""

    rows: pl.DataFrame
    rejects: pl.DataFrame  # line, field, reason
    warnings: pl.DataFrame  # line, field, code
    rows_in: int

    @property
    def rows_rejected(self) -> int:
        return self.rejects.get_column("line").n_unique() if self.rejects.height else 0


@dataclass
class FileResult:
    """One input file's outcome, as shown in the ingest summary table."""

    file: str
    kind: str
    sha256: str
    status: str  # loaded | quarantined | failed
    profile: str | None = None
    encoding: str | None = None
    rows_in: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    blank_lines: int = 0
    warnings: int = 0
    reason: str | None = None
    message: str | None = None
    unchanged: bool = False  # same content and rules as the last load: not re-read
    reject_counts: dict[str, int] = field(default_factory=dict)
    warning_counts: dict[str, int] = field(default_factory=dict)


@dataclass
class IngestResult:
    """What an ingest run did; ``ok`` is False when a file was quarantined or failed."""

    data_raw: Path
    db: Path
    files: list[FileResult] = field(default_factory=list)
    missing_required: list[str] = field(default_factory=list)
    missing_optional: list[str] = field(default_factory=list)
    removed_files: list[str] = field(default_factory=list)
    ignored_files: list[str] = field(default_factory=list)  # tables not in the layout
    notices: list[str] = field(default_factory=list)
    suggestions_file: Path | None = None
    unmatched_providers: int = 0
    # Seconds per phase (read = decode/split/check/pseudonymise, load = database writes).
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.missing_required and all(f.status == "loaded" for f in self.files)

    @property
    def quarantined(self) -> list[FileResult]:
        return [f for f in self.files if f.status == "quarantined"]

    @property
    def failed(self) -> list[FileResult]:
        return [f for f in self.files if f.status == "failed"]

    def totals(self) -> dict[str, int]:
        """Sums over all files for the one-line total."""
        return {
            "files": len(self.files),
            "loaded": sum(f.status == "loaded" for f in self.files),
            "quarantined": len(self.quarantined),
            "failed": len(self.failed),
            "rows_in": sum(f.rows_in for f in self.files),
            "rows_loaded": sum(f.rows_loaded for f in self.files),
            "rows_rejected": sum(f.rows_rejected for f in self.files),
            "blank_lines": sum(f.blank_lines for f in self.files),
            "warnings": sum(f.warnings for f in self.files),
        }
