"""The database side of ingest: schema, key check, and one transaction per input file.

Per file: BEGIN; delete the file's previous rows from every table; plain INSERT (never INSERT
OR REPLACE, which drops rows silently); load_log row; reconciliation assert; COMMIT. DDL runs
before and outside the load transactions and is followed by CHECKPOINT (WAL replay after DDL has
known upstream bugs). The run ends with a CHECKPOINT, so the WAL is empty between runs; during
a run DuckDB checkpoints whenever the WAL passes 16 MiB, and bulk inserts bypass the WAL. A
CHECKPOINT after every file cost 20 ms each, a fifth of the ingest time at 20x the region
(docs/benchmarks.md, "Scale"); a kill -9 mid-run still leaves each file before or after
(tests/test_ingest_crash.py). DuckDB error texts can quote row content, so every error
leaving this module is rewritten without it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb
import polars as pl

from capacity.config import read_sql
from capacity.db import OFFLINE_SETTINGS
from capacity.errors import DataQualityError
from capacity.ingest.lock import friendly_duckdb_lock_error
from capacity.ingest.model import FileResult

# Tables whose rows belong to one input file (deleted and re-inserted per file).
FILE_TABLES = (
    "placement_rows",
    "offers",
    "provider_map",
    "population",
    "planned_capacity",
    "waiting_list",
    "rejects",
    "load_warnings",
    "load_log",
)

# Staged text -> exact DECIMAL, rounded half away from zero.
_MONEY = "CAST(ROUND(CAST({col} AS DECIMAL(38, 10)){factor}, 2) AS DECIMAL({p}, 2))"
# Money columns: (staged key columns, {column: expression over the keys}). They are computed
# by DuckDB once per distinct key (a delivery repeats its prices; exact 38-digit arithmetic on
# every row costs more than a join) and joined to the staged rows in their order.
MONEY: dict[str, tuple[tuple[str, ...], dict[str, str]]] = {
    "placement_rows": (
        ("pris_text", "price_factor"),
        {
            "pris": _MONEY.format(col="pris_text", factor="", p=14),
            "annual_cost": _MONEY.format(col="pris_text", factor=" * price_factor", p=14),
        },
    ),
    "offers": (("takst_text",), {"takst": _MONEY.format(col="takst_text", factor="", p=12)}),
}

# Target table -> {column: SQL expression over the staged frame}; None = same-named column.
INSERTS: dict[str, dict[str, str | None]] = {
    "placement_rows": {
        "line": None,
        "person_key": None,
        "birth_date": None,
        "birth_year": None,
        "sex": None,
        "handlekommune": None,
        "betalingskommune": None,
        "paragraf": None,
        "paragraf_raw": None,
        "leverandoer": None,
        "tilbud_id": None,
        "start_date": None,
        "end_date": None,
        "pris": None,
        "prisenhed": None,
        "annual_cost": None,
        "primaer_maalgruppe": None,
        "sekundaer_maalgruppe": None,
        "afslutningsaarsag": None,
        "leverandoer_cvr": None,
        "leverandoer_kommune": None,
    },
    "offers": {
        "line": None,
        "extract_date": None,
        "tilbud_id": None,
        "tilbudsnavn": None,
        "afdeling_id": None,
        "afdelingsnavn": None,
        "cvr": None,
        "virksomhedsform": None,
        "ejerform": None,
        "driftsherre": None,
        "beliggenhedskommune": None,
        "in_region": None,
        "paragraf": None,
        "pladser": None,
        "maalgrupper": None,
        "alder_fra": None,
        "alder_til": None,
        "takst": None,
        "godkendt": None,
        "paragraf_raw": None,
    },
    "provider_map": {"leverandoer": None, "tilbud_id": None, "line": None},
    "population": {
        "kommunekode": None,
        "aar": None,
        "alder": None,
        "koen": None,
        "antal": None,
        "kind": None,
        "vintage": None,
        "line": None,
    },
    "planned_capacity": {
        "kommunekode": None,
        "projekt": None,
        "target_group": None,
        "paragraf": None,
        "pladser": None,
        "pladser_andre_kommuner": None,
        "aar": None,
        "status": None,
        "line": None,
    },
    "waiting_list": {
        "person_key": None,
        "birth_year": None,
        "sex": None,
        "handlekommune": None,
        "target_group": None,
        "referral_date": None,
        "placement_date": None,
        "line": None,
    },
}


class LoadError(DataQualityError):
    """The database refused a load; the message names the file and the error type only."""


class ReconciliationError(LoadError):
    """rows_in != rows_loaded + rows_rejected inside the load transaction (rolled back)."""


@dataclass
class FileLoad:
    """Everything one file contributes: rows per table, rejects, warnings and its log row."""

    result: FileResult
    tables: dict[str, pl.DataFrame] = field(default_factory=dict)
    rejects: pl.DataFrame | None = None
    warnings: pl.DataFrame | None = None


def connect_writer(db: Path, config: dict | None = None) -> duckdb.DuckDBPyConnection:
    """Open the database read-write (offline settings); DuckDB lock errors become friendly."""
    db.parent.mkdir(parents=True, exist_ok=True)
    settings = {
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": False,
        **(config or {}),
    }
    try:
        con = duckdb.connect(str(db), config=settings)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise friendly_duckdb_lock_error(db, str(exc)) from None
        raise LoadError(f"The database {db} cannot be opened ({type(exc).__name__}).") from None
    except duckdb.Error as exc:
        # Opening reads no delivery, so the message cannot quote a row: keep it.
        raise LoadError(f"The database {db} cannot be opened: {exc}") from None
    for stmt in OFFLINE_SETTINGS:
        con.execute(stmt)
    # DuckDB's own progress bar would print over the CLI's.
    con.execute("SET enable_progress_bar = false")
    return con


def stored_fingerprint(con: duckdb.DuckDBPyConnection) -> str | None:
    """The key fingerprint the database was built with (None for a new database)."""
    # fetchall, not fetchone: DuckDB 2.0 keeps a half-read result open on the connection.
    ((has_meta,),) = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'meta' "
        "AND table_schema = 'main'"
    ).fetchall()
    if not has_meta:
        return None
    rows = con.execute("SELECT value FROM meta WHERE key = 'key_fingerprint'").fetchall()
    return str(rows[0][0]) if rows else None


def _columns(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, str]]:
    rows = con.execute(
        "SELECT table_name, column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = 'main' ORDER BY table_name, ordinal_position"
    ).fetchall()
    out: dict[str, dict[str, str]] = {}
    for table, column, dtype in rows:
        out.setdefault(table, {})[column] = dtype
    return out


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create missing tables and add columns a newer schema.sql has; then CHECKPOINT."""
    ddl = read_sql("schema")
    con.execute(ddl)
    reference = duckdb.connect(":memory:")
    try:
        reference.execute(ddl)
        expected = _columns(reference)
    finally:
        reference.close()
    actual = _columns(con)
    for table, columns in expected.items():
        for column, dtype in columns.items():
            if column not in actual.get(table, {}):
                # Older databases: new columns are nullable additions, never renames.
                con.execute(f'ALTER TABLE {table} ADD COLUMN "{column}" {dtype}')
    con.execute("CHECKPOINT")


def set_meta(con: duckdb.DuckDBPyConnection, values: dict[str, str]) -> None:
    """Write meta keys in one transaction."""
    con.execute("BEGIN")
    try:
        for key, value in values.items():
            con.execute("DELETE FROM meta WHERE key = ?", [key])
            con.execute("INSERT INTO meta VALUES (?, ?)", [key, value])
        con.execute("COMMIT")
    except duckdb.Error as exc:
        con.execute("ROLLBACK")
        raise LoadError(f"Writing settings failed ({type(exc).__name__}).") from None


def query_frame(
    con: duckdb.DuckDBPyConnection, sql: str, params: list | dict | None = None
) -> pl.DataFrame:
    """A query's result as a polars frame."""
    relation = con.sql(sql, params=params)
    frame = pl.from_arrow(relation.to_arrow_table()) if relation is not None else None
    assert isinstance(frame, pl.DataFrame)
    return frame


def previous_loads(con: duckdb.DuckDBPyConnection) -> dict[str, dict]:
    """load_log rows by file."""
    frame = query_frame(con, "SELECT * FROM load_log")
    return {row["file"]: row for row in frame.to_dicts()}


def _insert(con: duckdb.DuckDBPyConnection, table: str, file: str, frame: pl.DataFrame) -> None:
    spec = INSERTS[table]
    columns = ["file", *spec]
    exprs = ["$file", *[(expr or f'"{col}"') for col, expr in spec.items()]]
    if table in MONEY:
        frame = _with_money(con, frame, *MONEY[table])
    con.register("_stage", frame.to_arrow())
    con.execute(
        f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(exprs)} FROM _stage",
        {"file": file},
    )
    con.unregister("_stage")


def _with_money(
    con: duckdb.DuckDBPyConnection,
    frame: pl.DataFrame,
    keys: tuple[str, ...],
    money: dict[str, str],
) -> pl.DataFrame:
    """``frame`` with the money columns, computed by DuckDB on the distinct keys only."""
    con.register("_money_keys", frame.select(keys).unique().to_arrow())
    try:
        computed = ", ".join(f"{expr} AS {name}" for name, expr in money.items())
        values = query_frame(con, f"SELECT *, {computed} FROM _money_keys")
    finally:
        con.unregister("_money_keys")
    return frame.drop(list(money), strict=False).join(
        values, on=list(keys), how="left", nulls_equal=True, maintain_order="left"
    )


_RECONCILE = """
SELECT CASE WHEN
    (SELECT count(*) FROM {table} WHERE file = $file) <> $loaded
    OR (SELECT count(DISTINCT line) FROM rejects WHERE file = $file) <> $rejected
    OR $rows_in <> $loaded + $rejected
    OR (SELECT count(*) FROM {table} t JOIN rejects r ON t.file = r.file AND t.line = r.line
        WHERE t.file = $file) <> 0
THEN error('reconciliation failed') END
"""


def replace_file(
    con: duckdb.DuckDBPyConnection, load: FileLoad, config_sha256: str, *, logged: bool = True
) -> None:
    """Replace one file's rows atomically (see module docstring).

    ``logged=False`` says load_log has no row for the file; then no table has rows of it
    either (they are written in one transaction), and the deletes are skipped.
    """
    r = load.result
    con.execute("BEGIN")
    try:
        for table in FILE_TABLES if logged else ():
            con.execute(f"DELETE FROM {table} WHERE file = ?", [r.file])
        for table, frame in load.tables.items():
            if frame.height:
                _insert(con, table, r.file, frame)
        if load.rejects is not None and load.rejects.height:
            con.register("_rejects", load.rejects.to_arrow())
            con.execute(
                "INSERT INTO rejects (file, line, field, reason) "
                "SELECT ?, line, field, reason FROM _rejects",
                [r.file],
            )
            con.unregister("_rejects")
        if load.warnings is not None and load.warnings.height:
            con.register("_warnings", load.warnings.to_arrow())
            con.execute(
                "INSERT INTO load_warnings (file, line, field, code) "
                "SELECT ?, line, field, code FROM _warnings",
                [r.file],
            )
            con.unregister("_warnings")
        con.execute(
            "INSERT INTO load_log (file, kind, sha256, profile, encoding, rows_in, rows_loaded, "
            "rows_rejected, blank_lines, status, reason, loaded_at, warnings, config_sha256) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                r.file,
                r.kind,
                r.sha256,
                r.profile,
                r.encoding,
                r.rows_in,
                r.rows_loaded,
                r.rows_rejected,
                r.blank_lines,
                r.status,
                r.reason,
                datetime.now().replace(microsecond=0),
                r.warnings,
                config_sha256,
            ],
        )
        for table in load.tables or {"placement_rows": None}:
            con.execute(
                _RECONCILE.format(table=table),
                {
                    "file": r.file,
                    "loaded": r.rows_loaded,
                    "rejected": r.rows_rejected,
                    "rows_in": r.rows_in,
                },
            ).fetchall()
        con.execute("COMMIT")
    except duckdb.Error as exc:
        con.execute("ROLLBACK")
        if "reconciliation failed" in str(exc):
            raise ReconciliationError(
                "rows in, rows loaded and rows rejected do not add up; the file's load was "
                "rolled back",
                file=r.file,
            ) from None
        raise LoadError(
            f"the database refused the load ({type(exc).__name__}); it was rolled back",
            file=r.file,
        ) from None


def remove_files(con: duckdb.DuckDBPyConnection, files: list[str]) -> None:
    """Delete every row of files that are no longer in data_raw/ (one transaction)."""
    if not files:
        return
    con.execute("BEGIN")
    try:
        for table in FILE_TABLES:
            con.execute(f"DELETE FROM {table} WHERE list_contains(?, file)", [files])
        con.execute("COMMIT")
    except duckdb.Error as exc:
        con.execute("ROLLBACK")
        raise LoadError(f"Removing vanished files failed ({type(exc).__name__}).") from None
    con.execute("CHECKPOINT")


def replace_table(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> None:
    """Replace a whole rebuilt table (suggestions, paragraph list) in one transaction."""
    con.execute("BEGIN")
    try:
        con.execute(f"DELETE FROM {table}")
        if frame.height:
            con.register("_stage", frame.to_arrow())
            cols = ", ".join(f'"{c}"' for c in frame.columns)
            con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM _stage")
            con.unregister("_stage")
        con.execute("COMMIT")
    except duckdb.Error as exc:
        con.execute("ROLLBACK")
        raise LoadError(f"Rebuilding {table} failed ({type(exc).__name__}).") from None


# Columns that record when something ran, not what was loaded.
VOLATILE = {"load_log": ["loaded_at"]}
VOLATILE_META_KEYS = ("ingested_at",)


def fingerprint_tables(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """An ordered content hash of every table and view (md5 over the sorted rows as text),
    leaving out run timestamps: equal fingerprints = the same data."""
    names = [
        r[0]
        for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' "
            "ORDER BY table_name"
        ).fetchall()
    ]
    out: dict[str, str] = {}
    for name in names:
        exclude = VOLATILE.get(name, [])
        cols = "* EXCLUDE (" + ", ".join(exclude) + ")" if exclude else "*"
        where = (
            " WHERE key NOT IN (" + ", ".join(f"'{k}'" for k in VOLATILE_META_KEYS) + ")"
            if name == "meta"
            else ""
        )
        ((count, digest),) = con.execute(
            f"SELECT count(*), md5(coalesce(string_agg(CAST(t AS VARCHAR), chr(10) "
            f"ORDER BY CAST(t AS VARCHAR)), '')) FROM (SELECT {cols} FROM \"{name}\"{where}) t"
        ).fetchall()
        out[name] = f"{count}:{digest}"
    return out
