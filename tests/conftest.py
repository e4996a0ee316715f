"""Shared fixtures. Tests never touch the user's real key, data_raw/, data_clean/ or reports/."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

# A session-wide pseudonymisation key outside the repository and the user's config dir.
_KEY_DIR = Path(tempfile.mkdtemp(prefix="kapacitet-test-key-"))
os.environ["KAPACITET_KEY_FILE"] = str(_KEY_DIR / "pseudonymisation.key")


@pytest.fixture(scope="session")
def demo_data_raw(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo region written once per test session (default seed)."""
    from capacity.demo import write_demo

    data_raw = tmp_path_factory.mktemp("demo") / "data_raw"
    write_demo(data_raw, seed=2024)
    return data_raw


@pytest.fixture(scope="session")
def demo_db(demo_data_raw: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo region ingested once per test session; open it read-only in tests."""
    from capacity.ingest import run_ingest

    db = tmp_path_factory.mktemp("db") / "capacity.duckdb"
    result = run_ingest(demo_data_raw, db)
    assert result.ok or any(f.status == "quarantined" for f in result.files)
    return db


@pytest.fixture(scope="session")
def demo_report(demo_db: Path, tmp_path_factory: pytest.TempPathFactory):
    """One full report run on the demo database, shared by the report and browser tests."""
    from capacity.report.runner import run_report

    return run_report(demo_db, tmp_path_factory.mktemp("reports"))
