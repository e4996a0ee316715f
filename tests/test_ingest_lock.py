"""One writer at a time, with a message naming the holder; and the CLI's exit codes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from capacity.commands.ingest import ingest
from capacity.config import PACKAGE_DIR
from capacity.errors import WriterLockedError
from capacity.ingest import run_ingest

EXTRACT = (
    "tilbud_id;tilbudsnavn;afdeling_id;virksomhedsform;beliggenhedskommune;paragraf;pladser\n"
    "4711;Bostedet Ærøhøj;1;Kommune;751;SEL § 108;24\n"
)
DELIVERY = "cpr;paragraf;leverandoer;startdato\n0101901234;SEL § 108;Bostedet Ærøhøj;01-02-2020\n"

HOLD_WRITER_LOCK = """
import sys, time
from pathlib import Path
from capacity.ingest.lock import writer_lock
with writer_lock(Path(sys.argv[1]), command="capacity ingest --test-holder"):
    print("ready", flush=True)
    sys.stdin.read()
"""
HOLD_DUCKDB = """
import sys, duckdb
con = duckdb.connect(sys.argv[1])
print("ready", flush=True)
sys.stdin.read()
"""


def make_data_raw(root: Path, extra: dict[str, str] | None = None) -> Path:
    data_raw = root / "data_raw"
    for rel, text in {
        "tilbudsportalen/2024-01-01.csv": EXTRACT,
        "placements/751/a.csv": DELIVERY,
        **(extra or {}),
    }.items():
        (data_raw / rel).parent.mkdir(parents=True, exist_ok=True)
        (data_raw / rel).write_text(text, "utf-8")
    return data_raw


class Holder:
    """A subprocess holding a lock until the test ends."""

    def __init__(self, code: str, db: Path):
        self.proc = subprocess.Popen(
            [sys.executable, "-c", code, str(db)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=PACKAGE_DIR.parent,
            text=True,
        )
        assert self.proc.stdout.readline().strip() == "ready"

    def release(self) -> None:
        self.proc.communicate("", timeout=30)


def test_second_writer_is_told_who_holds_the_lock(tmp_path):
    data_raw = make_data_raw(tmp_path)
    db = tmp_path / "capacity.duckdb"
    holder = Holder(HOLD_WRITER_LOCK, db)
    try:
        with pytest.raises(WriterLockedError) as info:
            run_ingest(data_raw, db)
    finally:
        holder.release()
    message = str(info.value)
    assert f"PID {holder.proc.pid}" in message
    assert "capacity ingest --test-holder" in message and "started" in message
    assert "Could not set lock" not in message
    assert not db.exists()  # nothing was written
    assert run_ingest(data_raw, db).ok  # the lock is free again


def test_a_kernel_holding_the_database_gets_a_friendly_message(tmp_path):
    data_raw = make_data_raw(tmp_path)
    db = tmp_path / "capacity.duckdb"
    run_ingest(data_raw, db)
    holder = Holder(HOLD_DUCKDB, db)
    try:
        with pytest.raises(WriterLockedError) as info:
            run_ingest(data_raw, db)
    finally:
        holder.release()
    message = str(info.value)
    assert f"process {holder.proc.pid}" in message and "JupyterLab" in message
    assert "Conflicting lock" not in message


def _cli() -> typer.Typer:
    app = typer.Typer()
    app.command()(ingest)
    return app


def test_cli_exit_codes_and_summary(tmp_path, monkeypatch):
    runner = CliRunner()
    data_raw = make_data_raw(tmp_path)
    db = tmp_path / "capacity.duckdb"
    ok = runner.invoke(_cli(), ["--data-raw", str(data_raw), "--db", str(db)])
    assert ok.exit_code == 0, ok.output
    assert "placements/751/a.csv" in ok.output
    assert "2 rows in = 2 loaded + 0 rejected" in ok.output
    assert "Not found (optional, skipped): waiting_list.csv" in ok.output

    (data_raw / "placements/751/b.csv").write_text("foo;bar\n1;2\n", "utf-8")
    bad = runner.invoke(_cli(), ["--data-raw", str(data_raw), "--db", str(db)])
    assert bad.exit_code == 1
    assert "no profile matches" in " ".join(bad.output.split())

    other_key = tmp_path / "other.key"
    other_key.write_text("cd" * 32)
    monkeypatch.setenv("KAPACITET_KEY_FILE", str(other_key))
    mismatch = runner.invoke(_cli(), ["--data-raw", str(data_raw), "--db", str(db)])
    assert mismatch.exit_code == 2
    assert "not the key this database was built with" in " ".join(mismatch.output.split())

    monkeypatch.undo()
    holder = Holder(HOLD_WRITER_LOCK, db)
    try:
        locked = runner.invoke(_cli(), ["--data-raw", str(data_raw), "--db", str(db)])
    finally:
        holder.release()
    assert locked.exit_code == 2
    assert "Another ingest is writing" in " ".join(locked.output.split())
