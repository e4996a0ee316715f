"""Opening the database. Only ingest opens it for writing; everything else uses read-only."""

from __future__ import annotations

from pathlib import Path

import duckdb

from capacity.config import db_path
from capacity.errors import MissingDataError, WriterLockedError

# Offline by construction: a missing extension must fail loudly, never download.
OFFLINE_SETTINGS = (
    "SET autoinstall_known_extensions = false",
    "SET autoload_known_extensions = false",
)


def connect_readonly(path: Path | str | None = None) -> duckdb.DuckDBPyConnection:
    """Open the workbench database read-only (many readers may do this at once)."""
    db = Path(path) if path is not None else db_path()
    if not db.exists():
        raise MissingDataError(
            f"The database {db} does not exist yet. Run `capacity ingest` first."
        )
    try:
        con = duckdb.connect(str(db), read_only=True)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise WriterLockedError(
                f"The database {db} is being written by another process (capacity ingest). "
                "Wait for it to finish and try again."
            ) from None
        raise
    for stmt in OFFLINE_SETTINGS:
        con.execute(stmt)
    return con
