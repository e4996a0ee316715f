"""Ingest: every delivery in data_raw/ into DuckDB, checked, pseudonymised, nothing lost.

Entry point: ``run_ingest(data_raw, db) -> IngestResult``. See docs/data-contract.md for the
inputs, docs/schema.md for the tables and docs/profiles.md for new source formats.
"""

from capacity.ingest.model import FileResult, IngestResult
from capacity.ingest.run import run_ingest

__all__ = ["FileResult", "IngestResult", "run_ingest"]
