"""No CPR number is persisted or printed: a sentinel CPR put through passing, rejected and
quarantined deliveries is absent from the database file, its WAL, logs, stdout/stderr and the
rejects table; no column holds a CPR-shaped value; plain hashing of a CPR appears nowhere."""

from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb

import capacity.ingest.run as ingest_run
from capacity.config import PACKAGE_DIR
from capacity.ingest import run_ingest

SENTINEL = "0308814127"  # 3 August 1981, digit 7 = 4: a valid CPR that belongs to nobody
FORMS = [SENTINEL, f"{SENTINEL[:6]}-{SENTINEL[6:]}", SENTINEL.lstrip("0")]
MARKER = "SENTINELPROVIDERNAME"  # positive control: this text must be found in the file
HEADER = "cpr;handlekommune;paragraf;leverandoer;startdato;pris;prisenhed\n"
EXTRACT = (
    "tilbud_id;tilbudsnavn;afdeling_id;virksomhedsform;beliggenhedskommune;paragraf;pladser\n"
    "4711;Bostedet Ærøhøj;1;Kommune;751;SEL § 108;24\n"
)
FILES: dict[str, bytes] = {
    "tilbudsportalen/2024-01-01.csv": EXTRACT.encode(),
    "placements/751/passing.csv": (
        HEADER
        + f"{FORMS[0]};751;SEL § 108;{MARKER};01-02-2020;1000;dag\n"
        + f"{FORMS[1]};751;SEL § 108;{MARKER};31-02-2020;1000;dag\n"  # rejected: date
        + f"{FORMS[2]};751;SEL § 107;{MARKER};01-02-2021;1000;dag\n"
        + f"{FORMS[1]};751\n"  # rejected: wrong column count
        + f"{FORMS[0][:4]}99{FORMS[0][6:]};751;SEL § 999;X;01-02-2020;x;dag\n"  # invalid cpr
    ).encode("cp1252"),
    "placements/751/no_profile.csv": f"navn;nummer\nx;{FORMS[0]}\n{FORMS[1]};1\n".encode(),
    "placements/751/bad_encoding.csv": (HEADER + f"{FORMS[0]};751;\x81;x;y;1;dag\n").encode(
        "latin-1"
    ),
    "placements/751/no_header.csv": f"{FORMS[1]};751;SEL § 108;x;01-02-2020;1;dag\n".encode(),
    "waiting_list.csv": (
        "cpr;handlekommune;maalgruppe;henvisningsdato;placeringsdato\n"
        f"{FORMS[1]};751;V1;15-01-2024;\n{FORMS[2]};751;V1;15-13-2024;\n"
    ).encode(),
}


def _write(root: Path) -> Path:
    data_raw = root / "data_raw"
    for rel, content in FILES.items():
        (data_raw / rel).parent.mkdir(parents=True, exist_ok=True)
        (data_raw / rel).write_bytes(content)
    return data_raw


def _leaks(blob: bytes) -> list[str]:
    digest = hashlib.sha256(SENTINEL.encode()).hexdigest()
    return [f for f in [*FORMS, digest] if f.encode() in blob]


class _WalSpy:
    """Delegates to a DuckDB connection; copies the WAL right after every COMMIT of a file."""

    def __init__(self, con, wal: Path, copies: list[bytes]):
        self._con, self._wal, self._copies = con, wal, copies

    def execute(self, sql, *args):
        out = self._con.execute(sql, *args)
        if sql == "COMMIT" and self._wal.exists():
            self._copies.append(self._wal.read_bytes())
        return out

    def __getattr__(self, name):
        return getattr(self._con, name)


def test_sentinel_cpr_is_absent_everywhere(tmp_path, monkeypatch, caplog):
    data_raw = _write(tmp_path)
    db = tmp_path / "clean" / "capacity.duckdb"
    wal_copies: list[bytes] = []
    original = ingest_run.replace_file
    monkeypatch.setattr(
        ingest_run,
        "replace_file",
        lambda con, load, rules, **kw: original(
            _WalSpy(con, db.with_name(db.name + ".wal"), wal_copies), load, rules, **kw
        ),
    )
    caplog.set_level(logging.DEBUG)
    # Uncompressed storage: strings are stored as plain bytes, so a grep can find them.
    result = run_ingest(data_raw, db, duckdb_config={"force_compression": "uncompressed"})

    status = {f.file: (f.status, f.reason) for f in result.files}
    assert status["placements/751/passing.csv"] == ("loaded", None)
    assert status["placements/751/no_profile.csv"] == ("quarantined", "no_profile")
    assert status["placements/751/bad_encoding.csv"] == ("quarantined", "encoding")
    assert status["placements/751/no_header.csv"] == ("quarantined", "no_profile")
    passing = next(f for f in result.files if f.file == "placements/751/passing.csv")
    assert (passing.rows_loaded, passing.rows_rejected) == (2, 3)

    db_bytes = db.read_bytes()
    assert MARKER.encode() in db_bytes, "control: uncompressed text must be greppable"
    assert wal_copies, "control: a WAL existed after a commit"
    assert _leaks(db_bytes) == []
    for wal in wal_copies:
        assert _leaks(wal) == []
    assert _leaks(caplog.text.encode()) == []
    assert _leaks(repr(result).encode()) == []
    with duckdb.connect(str(db), read_only=True) as con:
        assert_no_cpr_values(con)
        assert con.execute("SELECT count(DISTINCT person_key) FROM placement_rows").fetchone() == (
            1,
        )
        # the waiting list links to the same person
        assert (
            con.execute(
                "SELECT count(*) FROM waiting_list w JOIN placement_rows p USING (person_key)"
            ).fetchone()[0]
            > 0
        )
        columns = [r[0] for r in con.execute("DESCRIBE rejects").fetchall()]
        assert columns == ["file", "line", "field", "reason"]


def assert_no_cpr_values(con: duckdb.DuckDBPyConnection) -> None:
    """No text column of any table holds a CPR-shaped value or the sentinel."""
    cols = con.execute(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = 'main' AND data_type = 'VARCHAR'"
    ).fetchall()
    for table, column in cols:
        n = con.execute(
            f'SELECT count(*) FROM "{table}" WHERE regexp_full_match(trim("{column}"), '
            r"'\d{6}-?\d{4}|\d{9}') OR contains(" + f'"{column}", ?)',
            [SENTINEL],
        ).fetchall()[0][0]
        assert n == 0, f"{table}.{column}"
    names = {c for _, c in cols}
    assert not {"cpr", "cpr10", "cpr_nr", "personnummer"} & names


CLI = """
import logging, sys
import typer
from capacity.commands.ingest import ingest
logging.basicConfig(level=logging.DEBUG, handlers=[
    logging.StreamHandler(sys.stderr), logging.FileHandler(sys.argv[1])], force=True)
app = typer.Typer()
app.command()(ingest)
app(sys.argv[2:])
"""


def test_cli_output_and_log_file_hold_no_cpr(tmp_path):
    data_raw = _write(tmp_path)
    log_file = tmp_path / "ingest.log"
    env = {**os.environ, "COLUMNS": "200"}
    proc = subprocess.run(
        [sys.executable, "-c", CLI, str(log_file), "--data-raw", str(data_raw), "--db",
         str(tmp_path / "capacity.duckdb")],
        check=False, capture_output=True, cwd=PACKAGE_DIR.parent, env=env, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stderr.decode()[-2000:]  # quarantined files -> exit 1
    out = proc.stdout.decode()
    assert "placements/751/passing.csv" in out and "quarantined" in out
    assert "Traceback" not in proc.stderr.decode()
    for blob in (proc.stdout, proc.stderr, log_file.read_bytes()):
        assert _leaks(blob) == []


# A hash function applied to something named cpr ("HMAC-SHA256(key, CPR)" in prose is fine).
PLAIN_HASH = re.compile(
    r"(?<![-\w])(sha(1|224|256|384|512)|md5|blake2[bs]|sha3_\d+)\s*\([^)]*\bcpr", re.IGNORECASE
)
HASHLIB_NEW = re.compile(r"hashlib\.new\([^)]*\bcpr", re.IGNORECASE)


def test_no_plain_hash_of_a_cpr_in_the_code():
    offenders = []
    for path in sorted(PACKAGE_DIR.rglob("*")):
        if path.suffix not in (".py", ".sql") or "vendor" in path.parts:
            continue
        for n, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
            if PLAIN_HASH.search(line) or HASHLIB_NEW.search(line):
                offenders.append(f"{path.relative_to(PACKAGE_DIR)}:{n}")
    assert offenders == []
    # The scan would catch one.
    assert PLAIN_HASH.search("h = hashlib.sha256(cpr.encode()).hexdigest()")
    assert PLAIN_HASH.search("SELECT sha256(cpr) FROM staging")
    assert not PLAIN_HASH.search("person_key = HMAC-SHA256(key, 10-digit CPR)")


def test_key_never_reaches_the_database_or_result(tmp_path):
    data_raw = _write(tmp_path)
    db = tmp_path / "capacity.duckdb"
    result = run_ingest(data_raw, db, duckdb_config={"force_compression": "uncompressed"})
    key_hex = Path(os.environ["KAPACITET_KEY_FILE"]).read_text().strip()
    assert key_hex.encode() not in db.read_bytes()
    assert bytes.fromhex(key_hex) not in db.read_bytes()
    assert key_hex not in repr(result)
    shutil.rmtree(data_raw)
