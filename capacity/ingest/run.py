"""``run_ingest``: every delivery in data_raw/ into the database, each file loaded or quarantined.

Order of a run: writer lock -> open database -> key check (before any write) -> schema ->
one transaction per changed file -> remove vanished files -> paragraph list, provider
suggestions, meta -> derived tables (capacity.derive) -> CHECKPOINT.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb
import polars as pl

from capacity import derive
from capacity.config import SQL_DIR, conf_path, data_raw_dir, db_path
from capacity.errors import MissingDataError
from capacity.ingest.discover import (
    TABLE_OF_KIND,
    InputFile,
    discover_inputs,
    missing_inputs,
)
from capacity.ingest.encoding import decode_bytes
from capacity.ingest.load import (
    FileLoad,
    LoadError,
    ReconciliationError,
    connect_writer,
    ensure_schema,
    previous_loads,
    remove_files,
    replace_file,
    replace_table,
    set_meta,
    stored_fingerprint,
)
from capacity.ingest.lock import writer_lock
from capacity.ingest.model import Checked, FileQuarantined, FileResult, IngestResult, RawTable
from capacity.ingest.profiles import (
    REQUIRED_FIELDS,
    FolderProfile,
    Profile,
    detect_profile,
    load_profiles,
    profile_dirs,
    read_folder_profile,
)
from capacity.ingest.providers import refresh_provider_suggestions
from capacity.ingest.pseudonym import PseudonymKey, check_key, key_notice, pseudonymise
from capacity.ingest.readers import (
    FALLBACK_DELIMITERS,
    header_candidates,
    normalise_newlines,
    read_xlsx,
    split_csv,
)
from capacity.ingest.supporting import (
    check_offers,
    check_planned_capacity,
    check_population,
    check_provider_mapping,
    check_waiting_list,
)
from capacity.ingest.validate import check_placements
from capacity.ingest.vocab import paragraph_table

log = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]
FOLDER_PROFILE = "profile.yaml"
# Files read ahead of the one being written to the database (bounds the memory held).
READ_AHEAD = 3


def rules_sha256() -> str:
    """Hash of everything that decides how a file is read: ingest code, rules and profiles.

    A file whose bytes and rules are unchanged since its last load is not read again.
    """
    h = hashlib.sha256()
    paths = sorted(Path(__file__).parent.glob("*.py"))
    paths += [conf_path(n) for n in ("paragraphs", "municipalities", "ingest")]
    paths.append(SQL_DIR / "schema.sql")
    for directory in profile_dirs():
        if directory.is_dir():
            paths += sorted(directory.glob("*.y*ml"))
    for path in paths:
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def _where(exc: BaseException) -> str:
    """Code location of an unexpected error (never its message: it may quote a value)."""
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return type(exc).__name__
    last = frames[-1]
    return f"{type(exc).__name__} at {Path(last.filename).name}:{last.lineno}"


class FileReader:
    """Reads and checks one input file into a FileLoad (no database access)."""

    def __init__(self, profiles: dict[str, Profile], key: PseudonymKey):
        self.profiles = profiles
        self.key = key
        self._folder_profiles: dict[Path, FolderProfile | None] = {}

    def folder_profile(self, folder: Path | None) -> FolderProfile | None:
        if folder is None:
            return None
        if folder not in self._folder_profiles:
            path = folder / FOLDER_PROFILE
            self._folder_profiles[folder] = read_folder_profile(path) if path.is_file() else None
        return self._folder_profiles[folder]

    def read(self, inp: InputFile, data: bytes, sha256: str) -> FileLoad:
        result = FileResult(file=inp.rel, kind=inp.kind, sha256=sha256, status="loaded")
        table = TABLE_OF_KIND[inp.kind]
        try:
            raw, profile = self._raw_table(inp, data, result)
            checked = self._check(inp, raw, profile)
        except FileQuarantined as exc:
            result.status, result.reason, result.message = "quarantined", exc.reason, str(exc)
            return FileLoad(result=result, tables={table: pl.DataFrame()})
        except Exception as exc:
            # Parser libraries may quote cell content in their messages: keep only the type.
            log.error("Could not parse %s (%s)", inp.rel, _where(exc))
            result.status, result.reason = "quarantined", "unreadable"
            result.message = f"{inp.rel}: the file could not be parsed ({type(exc).__name__})"
            return FileLoad(result=result, tables={table: pl.DataFrame()})
        rows = checked.rows
        if "cpr10" in rows.columns:
            # Pseudonymise, then drop the CPR number: nothing after this point ever sees it.
            rows = rows.with_columns(person_key=pseudonymise(rows["cpr10"], self.key)).drop(
                "cpr10"
            )
        result.blank_lines = raw.blank_lines
        result.rows_in = checked.rows_in
        result.rows_loaded = rows.height
        result.rows_rejected = checked.rows_rejected
        result.warnings = checked.warnings.get_column("line").n_unique()
        result.reject_counts = _counts(checked.rejects, "reason")
        result.warning_counts = _counts(checked.warnings, "code")
        return FileLoad(
            result=result,
            tables={table: rows},
            rejects=checked.rejects,
            warnings=checked.warnings,
        )

    def _raw_table(
        self, inp: InputFile, data: bytes, result: FileResult
    ) -> tuple[RawTable, Profile | None]:
        suffix = inp.path.suffix.lower()
        fmt = "csv" if suffix == ".csv" else "xlsx"
        forced: Profile | None = None
        if inp.kind == "placements":
            folder = self.folder_profile(inp.folder)
            if folder is not None:
                forced = self._forced_profile(folder, inp)
        if not data or data.isspace():
            raise FileQuarantined("empty_file", "the file is empty", file=inp.rel)
        if fmt == "xlsx":
            result.encoding = suffix.lstrip(".").replace("xlsm", "xlsx")
            raw = read_xlsx(data, inp.rel, result.encoding)
            candidates: dict[str | None, list[str]] = {None: raw.header}
        else:
            decoded = normalise_newlines(decode_bytes(data, inp.rel))
            result.encoding = decoded.encoding
            raw = None
            delimiters = [d for p in self.profiles.values() for d in p.csv.delimiters]
            if forced is not None:
                delimiters += forced.csv.delimiters
            delimiters += list(FALLBACK_DELIMITERS)
            candidates = dict(header_candidates(decoded.head(), delimiters))
            if not candidates:
                raise FileQuarantined("empty_file", "the file has no header", file=inp.rel)
        profile = None
        delimiter = ";"
        if inp.kind == "placements":
            match = detect_profile(candidates, self.profiles, fmt, forced)
            if match is None:
                raise FileQuarantined("no_profile", self._no_profile_message(forced), file=inp.rel)
            profile, found_delimiter = match
            result.profile = profile.name
            delimiter = found_delimiter or delimiter
        else:
            delimiter = _supporting_delimiter(candidates)
        if raw is None:
            raw = split_csv(decoded, delimiter, inp.rel)
        if profile is not None:
            positions = profile.column_positions(raw.header)
            missing = [f for f in REQUIRED_FIELDS if f not in positions]
            if missing or not profile.matches(raw.header):
                raise FileQuarantined(
                    "missing_columns",
                    f"the header lacks the column(s) profile '{profile.name}' maps to "
                    f"{', '.join(missing) or 'its required headers'}",
                    file=inp.rel,
                )
        return raw, profile

    def _forced_profile(self, folder: FolderProfile, inp: InputFile) -> Profile:
        if folder.error:
            raise FileQuarantined(
                "no_profile",
                f"the folder's {FOLDER_PROFILE} is not usable: {folder.error}",
                file=inp.rel,
            )
        if folder.profile is not None:
            return folder.profile
        profile = self.profiles.get(folder.name or "")
        if profile is None:
            raise FileQuarantined(
                "no_profile",
                f"the folder's {FOLDER_PROFILE} names profile '{folder.name}', which does not "
                f"exist (known: {', '.join(sorted(self.profiles))})",
                file=inp.rel,
            )
        return profile

    def _no_profile_message(self, forced: Profile | None) -> str:
        # Never show the file's header: a file without one has a data row (a CPR) there.
        if forced is not None:
            return (
                f"the header does not have the columns profile '{forced.name}' (named in "
                f"{FOLDER_PROFILE}) requires: {', '.join(forced.detect.required_headers)}"
            )
        return (
            "no profile matches the header row (known profiles: "
            f"{', '.join(sorted(self.profiles))}). Add a profile for this format "
            "(docs/profiles.md) or a profile.yaml in the municipality's folder"
        )

    def _check(self, inp: InputFile, raw: RawTable, profile: Profile | None) -> Checked:
        if inp.kind == "placements":
            assert profile is not None
            return check_placements(raw, profile, inp.folder_code)
        if inp.kind == "tilbudsportalen":
            return check_offers(raw, inp.rel, inp.file_date)
        if inp.kind == "provider_mapping":
            return check_provider_mapping(raw, inp.rel)
        if inp.kind in ("population", "projection"):
            return check_population(raw, inp.rel, inp.kind, inp.vintage)
        if inp.kind == "planned_capacity":
            return check_planned_capacity(raw, inp.rel)
        return check_waiting_list(raw, inp.rel)


def _supporting_delimiter(candidates: dict[str | None, list[str]]) -> str:
    """Supporting inputs are ';'-separated; accept ',' or tab when the header says so."""
    best, width = ";", len(candidates.get(";", []))
    for delim, header in candidates.items():
        if delim is not None and len(header) > width:
            best, width = delim, len(header)
    return best


def _counts(frame: pl.DataFrame, column: str) -> dict[str, int]:
    if not frame.height:
        return {}
    grouped = frame.group_by(column).len().sort(column)
    return dict(zip(grouped[column].to_list(), grouped["len"].to_list(), strict=True))


def _unchanged_result(con: duckdb.DuckDBPyConnection, row: dict) -> FileResult:
    result = FileResult(
        file=row["file"],
        kind=row["kind"],
        sha256=row["sha256"],
        status=row["status"],
        profile=row["profile"],
        encoding=row["encoding"],
        rows_in=row["rows_in"],
        rows_loaded=row["rows_loaded"],
        rows_rejected=row["rows_rejected"],
        blank_lines=row["blank_lines"],
        warnings=row["warnings"] or 0,
        reason=row["reason"],
        unchanged=True,
    )
    if result.status == "quarantined":
        result.message = f"{row['file']}: quarantined at the last load ({row['reason']})"
    for table, column, target in (
        ("rejects", "reason", result.reject_counts),
        ("load_warnings", "code", result.warning_counts),
    ):
        for key, n in con.execute(
            f"SELECT {column}, count(*) FROM {table} WHERE file = ? GROUP BY 1 ORDER BY 1",
            [row["file"]],
        ).fetchall():
            target[key] = n
    return result


def _manifest_synthetic(data_raw: Path, notices: list[str]) -> bool:
    path = data_raw / "demo_manifest.json"
    if not path.is_file():
        return False
    try:
        return bool(json.loads(path.read_text(encoding="utf-8")).get("synthetic", False))
    except (OSError, ValueError, AttributeError):
        notices.append(f"{path} is not readable JSON; the data is not labelled synthetic.")
        return False


def _review_dir(db: Path, data_raw: Path, notices: list[str]) -> Path | None:
    directory = db.resolve().parent
    if directory.is_relative_to(data_raw.resolve()):
        notices.append(
            "The database lies under data_raw/; the provider review file is not written there "
            "(data_raw/ is input only). The suggestions are in the provider_suggestions table."
        )
        return None
    return directory


def run_ingest(
    data_raw: Path | None = None,
    db: Path | None = None,
    *,
    progress: Progress | None = None,
    force: bool = False,
    duckdb_config: dict | None = None,
) -> IngestResult:
    """Load every input file in ``data_raw`` into the database ``db``.

    Each file is loaded in its own transaction or quarantined; unchanged files (same bytes,
    same rules) are not read again unless ``force``. ``progress(done, total, file)`` is called
    per file. ``duckdb_config`` adds DuckDB settings (tests use it to store data
    uncompressed). Raises WriterLockedError (another writer), KeyMismatchError (wrong key),
    MissingDataError (no data_raw/) and LoadError (the database refused a write).
    """
    data_raw = Path(data_raw) if data_raw is not None else data_raw_dir()
    db = Path(db) if db is not None else db_path()
    if not data_raw.is_dir():
        raise MissingDataError(
            f"The input folder {data_raw} does not exist. Run `capacity demo` or put the "
            "deliveries there (docs/data-contract.md)."
        )
    files, ignored = discover_inputs(data_raw)
    result = IngestResult(data_raw=data_raw, db=db)
    result.missing_required, result.missing_optional = missing_inputs(files)
    result.ignored_files = ignored
    with writer_lock(db, command="capacity ingest"):
        con = connect_writer(db, duckdb_config)
        try:
            _run(con, files, result, progress, force)
        finally:
            con.close()
    return result


@dataclass
class _Prepared:
    """One input file hashed and, unless unchanged since the last load, read and checked."""

    inp: InputFile
    sha: str
    file_rules: str
    prev: dict | None
    load: FileLoad | None
    seconds: float


def _prepare(
    inp: InputFile, reader: FileReader, rules: str, previous: dict[str, dict], force: bool
) -> _Prepared:
    started = time.perf_counter()
    data = inp.path.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    file_rules = rules
    folder = reader.folder_profile(inp.folder)
    if folder is not None and inp.folder is not None:
        extra = (inp.folder / FOLDER_PROFILE).read_bytes()
        file_rules = hashlib.sha256(rules.encode() + extra).hexdigest()
    prev = previous.get(inp.rel)
    unchanged = (
        not force
        and prev is not None
        and prev["sha256"] == sha
        and prev["config_sha256"] == file_rules
    )
    if unchanged:
        return _Prepared(inp, sha, file_rules, prev, None, 0.0)
    load = reader.read(inp, data, sha)
    return _Prepared(inp, sha, file_rules, prev, load, time.perf_counter() - started)


def _prepared_files(
    files: list[InputFile],
    reader: FileReader,
    rules: str,
    previous: dict[str, dict],
    force: bool,
) -> Iterator[_Prepared]:
    """The files prepared in order, read up to READ_AHEAD files ahead in one background thread.

    Reading (decode, parse, validate, pseudonymise: mostly polars and hashing) then overlaps the
    database work on the file before. The database is written by the caller's thread only, and
    the reader never touches it.
    """
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-read") as pool:
        pending: deque[Future[_Prepared]] = deque()
        upcoming = iter(files)
        try:
            while True:
                while len(pending) < READ_AHEAD and (inp := next(upcoming, None)) is not None:
                    pending.append(pool.submit(_prepare, inp, reader, rules, previous, force))
                if not pending:
                    return
                yield pending.popleft().result()
        finally:
            for future in pending:
                future.cancel()


def _load_files(
    con: duckdb.DuckDBPyConnection,
    prepared: Iterator[_Prepared],
    total: int,
    result: IngestResult,
    progress: Progress | None,
) -> list[tuple[str, str]]:
    """Write each prepared file in its own transaction, in order (the single writer); return
    (file, sha256) of every file."""
    file_hashes: list[tuple[str, str]] = []
    for done, ready in enumerate(prepared):
        inp = ready.inp
        if progress is not None:
            progress(done, total, inp.rel)
        file_hashes.append((inp.rel, ready.sha))
        if ready.load is None:
            result.files.append(_unchanged_result(con, ready.prev))
            continue
        load = ready.load
        _add_time(result, "read", ready.seconds)
        loading = time.perf_counter()
        try:
            replace_file(con, load, ready.file_rules, logged=ready.prev is not None)
        except ReconciliationError as exc:
            load.result.status, load.result.reason = "failed", "reconciliation_failed"
            load.result.message = str(exc)
        log.info(
            "%s: %s (%d in, %d loaded, %d rejected)",
            inp.rel,
            load.result.status,
            load.result.rows_in,
            load.result.rows_loaded,
            load.result.rows_rejected,
        )
        result.files.append(load.result)
        _add_time(result, "load", time.perf_counter() - loading)
    return file_hashes


def _run(
    con: duckdb.DuckDBPyConnection,
    files: list[InputFile],
    result: IngestResult,
    progress: Progress | None,
    force: bool,
) -> None:
    key = check_key(stored_fingerprint(con))
    if key.created:
        result.notices.append(key_notice(key))
    ensure_schema(con)
    set_meta(con, {"key_fingerprint": key.fingerprint})
    profiles, notices = load_profiles()
    result.notices += notices
    reader = FileReader(profiles, key)
    rules = rules_sha256()
    previous = previous_loads(con)
    # closing(): on an error the reader thread is stopped here, not whenever the generator is
    # collected.
    with closing(_prepared_files(files, reader, rules, previous, force)) as prepared:
        file_hashes = _load_files(con, prepared, len(files), result, progress)
    if progress is not None:
        progress(len(files), len(files), "")
    vanished = sorted(set(previous) - {f.rel for f in files})
    remove_files(con, vanished)
    result.removed_files = vanished
    started = time.perf_counter()
    replace_table(con, "paragraphs", paragraph_table())
    review_dir = _review_dir(result.db, result.data_raw, result.notices)
    result.unmatched_providers, result.suggestions_file = refresh_provider_suggestions(
        con, review_dir
    )
    _add_time(result, "suggestions", time.perf_counter() - started)
    listing = "\n".join(f"{rel}\t{sha}" for rel, sha in sorted(file_hashes))
    set_meta(
        con,
        {
            "synthetic": "true"
            if _manifest_synthetic(result.data_raw, result.notices)
            else "false",
            "data_raw_sha256": hashlib.sha256(listing.encode()).hexdigest(),
            "ingested_at": datetime.now().isoformat(timespec="seconds"),
        },
    )
    started = time.perf_counter()
    try:
        derive.rebuild_derived(con)
    except duckdb.Error as exc:
        try:
            con.execute("ROLLBACK")
        except duckdb.Error:
            pass
        raise LoadError(f"Rebuilding the derived tables failed ({type(exc).__name__}).") from None
    con.execute("CHECKPOINT")
    _add_time(result, "derive", time.perf_counter() - started)


def _add_time(result: IngestResult, phase: str, seconds: float) -> None:
    result.timings[phase] = round(result.timings.get(phase, 0.0) + seconds, 3)
