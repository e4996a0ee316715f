"""Crash safety: kill -9 at random moments during a load; the database reopens in the state
before or after each file's load, never in between."""

from __future__ import annotations

import hashlib
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import polars as pl
import pytest

from capacity.config import PACKAGE_DIR
from capacity.ingest import run_ingest

EXTRACT = (
    "tilbud_id;tilbudsnavn;afdeling_id;virksomhedsform;beliggenhedskommune;paragraf;pladser\n"
    "4711;Bostedet Ærøhøj;1;Kommune;751;SEL § 108;24\n"
)
RUN = """
import sys
from pathlib import Path
from capacity.ingest import run_ingest
print("start", flush=True)
run_ingest(Path(sys.argv[1]), Path(sys.argv[2]))
print("done", flush=True)
"""


def write_delivery(path: Path, rows: int, seed: int) -> str:
    """A canonical delivery with ``rows`` valid rows plus a few rejects; returns its sha256."""
    rng = random.Random(seed)
    i = pl.int_range(0, rows, eager=True)
    frame = pl.DataFrame({"i": i}).select(
        cpr=(
            ((pl.col("i") % 28) + 1).cast(pl.String).str.zfill(2)
            + ((pl.col("i") // 28 % 12) + 1).cast(pl.String).str.zfill(2)
            + (pl.col("i") % 90 + 10).cast(pl.String)
            + pl.lit(str(rng.randint(0, 3)))
            + (pl.col("i") % 997).cast(pl.String).str.zfill(3)
        ),
        paragraf=pl.lit("SEL § 108"),
        leverandoer=pl.lit("Bostedet Ærøhøj"),
        startdato=pl.lit(f"01-0{rng.randint(1, 9)}-2020"),
        pris=(pl.col("i") % 5000 + 100).cast(pl.String) + ",50",
        prisenhed=pl.lit("dag"),
    )
    lines = frame.select(pl.concat_str(pl.all(), separator=";")).to_series().to_list()
    lines += ["x;SEL § 108;a;01-01-2020;1;dag"] * 3  # invalid CPR
    text = "cpr;paragraf;leverandoer;startdato;pris;prisenhed\n" + "\n".join(lines) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")
    return hashlib.sha256(text.encode()).hexdigest()


def check_state(db: Path, versions: dict[str, tuple[int, int]]) -> str:
    """Assert the database is consistent; return the sha256 the big file is at."""
    # Open read-write, as the next ingest would: WAL replay happens here.
    con = duckdb.connect(str(db))
    try:
        for file, rows_in, loaded, rejected in con.execute(
            "SELECT file, rows_in, rows_loaded, rows_rejected FROM load_log"
        ).fetchall():
            table = "offers" if file.startswith("tilbudsportalen") else "placement_rows"
            (n,) = con.execute(f"SELECT count(*) FROM {table} WHERE file = ?", [file]).fetchone()
            (r,) = con.execute(
                "SELECT count(DISTINCT line) FROM rejects WHERE file = ?", [file]
            ).fetchone()
            assert (n, r) == (loaded, rejected) and rows_in == n + r, file
        sha, loaded, rejected = con.execute(
            "SELECT sha256, rows_loaded, rows_rejected FROM load_log "
            "WHERE file = 'placements/751/big.csv'"
        ).fetchone()
        assert sha in versions and versions[sha] == (loaded, rejected)
        (orphans,) = con.execute(
            "SELECT count(*) FROM placement_rows WHERE file NOT IN (SELECT file FROM load_log)"
        ).fetchone()
        assert orphans == 0
        return sha
    finally:
        con.close()


@pytest.mark.slow
def test_kill_9_during_load_leaves_before_or_after_state(tmp_path):
    data_raw = tmp_path / "data_raw"
    (data_raw / "tilbudsportalen").mkdir(parents=True)
    (data_raw / "tilbudsportalen" / "2024-01-01.csv").write_text(EXTRACT, "utf-8")
    big = data_raw / "placements" / "751" / "big.csv"
    db = tmp_path / "capacity.duckdb"
    sizes = [150_000, 120_000]
    versions: dict[str, tuple[int, int]] = {}
    shas = []
    for k, rows in enumerate(sizes):
        sha = write_delivery(big, rows, seed=k)
        versions[sha] = (rows, 3)
        shas.append(sha)
    write_delivery(big, sizes[0], seed=0)
    assert run_ingest(data_raw, db).ok
    state = check_state(db, versions)

    def start() -> tuple[subprocess.Popen, float]:
        proc = subprocess.Popen(
            [sys.executable, "-c", RUN, str(data_raw), str(db)],
            stdout=subprocess.PIPE,
            cwd=PACKAGE_DIR.parent,
            text=True,
            env=os.environ.copy(),
        )
        assert proc.stdout.readline().strip() == "start"
        return proc, time.perf_counter()

    # Calibrate: how long does a load take after the imports?
    write_delivery(big, sizes[1], seed=1)
    proc, started = start()
    assert proc.wait(timeout=300) == 0
    duration = time.perf_counter() - started
    state = check_state(db, versions)
    assert state == shas[1]

    rng = random.Random(9)
    outcomes = []
    for _ in range(6):
        k = 0 if state == shas[1] else 1  # always a change to load
        write_delivery(big, sizes[k], seed=k)
        before = state
        proc, started = start()
        time.sleep(rng.uniform(0.0, duration))
        proc.send_signal(signal.SIGKILL)
        code = proc.wait(timeout=60)
        state = check_state(db, versions)
        assert state in (before, shas[k])
        outcomes.append((code, "after" if state != before else "before"))
    print("kill -9 outcomes (exit code, state):", outcomes)
    killed = [o for o in outcomes if o[0] == -signal.SIGKILL]
    assert len(killed) >= 5, outcomes  # the kills landed while the load ran
    # The next ingest finishes the job: the database holds the file as it is now.
    assert run_ingest(data_raw, db).ok
    assert check_state(db, versions) == shas[k]
