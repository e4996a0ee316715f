"""Ingest end to end on small fixtures: every row loaded or rejected with a reason, every file
loaded or quarantined, idempotent reloads, corrected and vanished deliveries, supporting inputs,
provider suggestions, meta and the key check."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from capacity.errors import KeyMismatchError
from capacity.ingest import run_ingest
from capacity.ingest.load import fingerprint_tables

FIXTURES = Path(__file__).parent / "fixtures" / "ingest"
SUPPORTING = {
    "tilbudsportalen/2024-01-01.csv": "tilbudsportalen_2024-01-01.csv",
    "mappings/leverandoerer.csv": "leverandoerer.csv",
    "population/folk1a.csv": "folk1a.csv",
    "population/frkm_2025.csv": "frkm_2025.csv",
    "planned_capacity.csv": "planned_capacity.csv",
    "waiting_list.csv": "waiting_list.csv",
}


def make_data_raw(root: Path, files: dict[str, bytes | str], supporting: bool = True) -> Path:
    """A data_raw/ folder: the supporting fixtures plus the given files (path -> content)."""
    data_raw = root / "data_raw"
    if supporting:
        for rel, name in SUPPORTING.items():
            (data_raw / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(FIXTURES / name, data_raw / rel)
    for rel, content in files.items():
        path = data_raw / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return data_raw


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def query(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def assert_reconciled(db: Path) -> None:
    """rows_in = loaded + rejected for every file, and the tables agree with load_log."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute(
            "SELECT file, kind, rows_in, rows_loaded, rows_rejected, status FROM load_log"
        ).fetchall()
        tables = {
            "placements": "placement_rows",
            "tilbudsportalen": "offers",
            "provider_mapping": "provider_map",
            "population": "population",
            "projection": "population",
            "planned_capacity": "planned_capacity",
            "waiting_list": "waiting_list",
        }
        for file, kind, rows_in, loaded, rejected, status in rows:
            assert rows_in == loaded + rejected, file
            (n,) = con.execute(
                f"SELECT count(*) FROM {tables[kind]} WHERE file = ?", [file]
            ).fetchone()
            (r,) = con.execute(
                "SELECT count(DISTINCT line) FROM rejects WHERE file = ?", [file]
            ).fetchone()
            assert (n, r) == (loaded, rejected), file
            if status == "quarantined":
                assert (rows_in, n, r) == (0, 0, 0), file
    finally:
        con.close()


# line -> [(field, reason)] for tests/fixtures/ingest/canonical_messy.csv
MESSY_REJECTS = {
    6: [("cpr", "invalid_cpr")],
    8: [("paragraf", "unknown_paragraph")],
    9: [("handlekommune", "unknown_municipality")],
    10: [("startdato", "invalid_date")],
    11: [("slutdato", "end_before_start")],
    12: [("pris", "invalid_price")],
    13: [("pris", "invalid_price")],
    14: [("prisenhed", "invalid_price_unit")],
    15: [("prisenhed", "missing_required")],
    16: [("tilbud_id", "invalid_tilbud_id")],
    17: [
        ("cpr", "missing_required"),
        ("leverandoer", "missing_required"),
        ("startdato", "missing_required"),
    ],
    18: [(None, "wrong_column_count")],
    19: [(None, "wrong_column_count")],
    21: [(None, "duplicate_row")],
    22: [("cpr", "invalid_cpr"), ("pris", "invalid_price")],
}


def test_messy_delivery_every_row_loaded_or_rejected(tmp_path):
    data_raw = make_data_raw(
        tmp_path, {"placements/751/messy.csv": fixture("canonical_messy.csv")}
    )
    db = tmp_path / "db" / "capacity.duckdb"
    result = run_ingest(data_raw, db)

    f = next(x for x in result.files if x.file == "placements/751/messy.csv")
    assert (f.status, f.profile, f.encoding) == ("loaded", "canonical", "utf-8")
    assert (f.rows_in, f.rows_loaded, f.rows_rejected, f.blank_lines) == (20, 5, 15, 3)
    rejects = query(
        db,
        "SELECT line, field, reason FROM rejects WHERE file = 'placements/751/messy.csv' "
        "ORDER BY line, field NULLS FIRST",
    )
    expected = [
        (line, fld, reason) for line, items in MESSY_REJECTS.items() for fld, reason in items
    ]
    assert rejects == sorted(expected, key=lambda r: (r[0], r[1] or ""))
    loaded = query(
        db,
        "SELECT line, birth_date, sex, handlekommune, betalingskommune, paragraf, tilbud_id, "
        "start_date, end_date, pris, prisenhed, annual_cost, sekundaer_maalgruppe, "
        "length(person_key) FROM placement_rows WHERE file = 'placements/751/messy.csv' "
        "ORDER BY line",
    )
    assert loaded == [
        (2, date(1990, 1, 1), "M", "751", None, "SEL_108", None, date(2020, 2, 1), None,
         Decimal("1234.50"), "dag", Decimal("450592.50"), "Angst|Udviklingshæmning", 64),
        (3, date(1990, 1, 1), "K", "730", "751", "SEL_107", 4711, date(2020, 2, 1),
         date(2021, 6, 30), Decimal("30000.00"), "maaned", Decimal("360000.00"), None, 64),
        (5, date(1990, 12, 31), "M", "751", None, "ABL_105_SEL_85", None, date(2019, 3, 1),
         None, Decimal("250000.00"), "aar", Decimal("250000.00"), None, 64),
        (23, date(1990, 1, 1), "K", "751", None, "BL_ANBRINGELSE", None, date(2020, 2, 1),
         None, Decimal("3000.00"), "dag", Decimal("1095000.00"), None, 64),
        (24, date(1990, 1, 1), "M", "751", None, "SEL_108", None, date(2020, 2, 1), None,
         Decimal("1000.00"), "dag", Decimal("365000.00"), None, 64),
    ]  # fmt: skip
    # BL § 43 before 2024 is loaded but flagged.
    assert query(db, "SELECT line, field, code FROM load_warnings") == [
        (23, "paragraf", "paragraph_not_valid_at_start")
    ]
    assert f.warning_counts == {"paragraph_not_valid_at_start": 1}
    assert_reconciled(db)


def test_sensum_cp1252_text_round_trips(tmp_path):
    data_raw = make_data_raw(tmp_path, {"placements/730/sensum.csv": fixture("sensum_cp1252.csv")})
    db = tmp_path / "capacity.duckdb"
    result = run_ingest(data_raw, db)
    f = next(x for x in result.files if x.kind == "placements")
    assert (f.profile, f.encoding, f.rows_in, f.rows_loaded) == ("sensum", "cp1252", 3, 3)
    rows = query(
        db,
        "SELECT handlekommune, betalingskommune, paragraf, paragraf_raw, leverandoer, pris, "
        "prisenhed, annual_cost, primaer_maalgruppe, sekundaer_maalgruppe, afslutningsaarsag "
        "FROM placement_rows ORDER BY line",
    )
    assert rows == [
        ("730", "730", "SEL_108", "Servicelovens § 108", "Bofællesskabet Åløkke",
         Decimal("2345.75"), "dag", Decimal("856198.75"), "Udviklingshæmning",
         "Autismespektrum|Udadreagerende adfærd", None),
        ("730", None, "SEL_107", "SEL § 107", "Botilbud „Søholm“", Decimal("45000.00"),
         "maaned", Decimal("540000.00"), "Sindslidelse", None,
         "Flyttet – egenbetaling 250 € tilbagebetalt"),
        ("730", None, "SEL_104", "SEL § 104", "Værkstedet Øster", Decimal("312.50"), "dag",
         Decimal("114062.50"), "Psykiske vanskeligheder|Angst", None, None),
    ]  # fmt: skip


def test_supporting_inputs(tmp_path):
    data_raw = make_data_raw(
        tmp_path, {"placements/751/messy.csv": fixture("canonical_messy.csv")}
    )
    db = tmp_path / "capacity.duckdb"
    result = run_ingest(data_raw, db)
    by_file = {f.file: f for f in result.files}
    counts = {
        "tilbudsportalen/2024-01-01.csv": (7, 6, 1),
        "mappings/leverandoerer.csv": (4, 2, 2),
        "population/folk1a.csv": (8, 4, 4),
        "population/frkm_2025.csv": (2, 2, 0),
        "planned_capacity.csv": (3, 2, 1),
        "waiting_list.csv": (4, 2, 2),
    }
    for file, expected in counts.items():
        f = by_file[file]
        assert (f.rows_in, f.rows_loaded, f.rows_rejected) == expected, file
    assert by_file["tilbudsportalen/2024-01-01.csv"].reject_counts == {
        "invalid_number": 1,
        "invalid_value": 3,
        "unknown_municipality": 1,
    }
    assert by_file["population/folk1a.csv"].reject_counts == {
        "duplicate_key": 1,
        "duplicate_row": 1,
        "invalid_number": 2,
        "invalid_value": 1,
        "unknown_municipality": 1,
    }
    offers = query(
        db,
        "SELECT tilbud_id, afdeling_id, ejerform, driftsherre, beliggenhedskommune, in_region, "
        "paragraf, paragraf_raw, pladser, takst, godkendt, extract_date FROM offers ORDER BY line",
    )
    assert [o[:7] for o in offers] == [
        (4711, 1, "kommunal", "751", "751", True, "SEL_108"),
        (4711, 1, "kommunal", "751", "751", True, "SEL_107"),
        (5120, 2, "regional", "1082", "615", True, "ABL_105_SEL_85"),
        (6001, 3, "privat", None, "671", True, "BL_ANBRINGELSE"),
        (6001, 3, "privat", None, "671", True, "BL_ANBRINGELSE"),
        (7002, 4, "selvejende", None, "461", False, "SEL_104"),
    ]
    assert offers[3][7] == "Barnets lov § 43, stk. 1, nr. 5"
    assert offers[0][9] == Decimal("2310.50") and offers[5][9] is None
    assert offers[5][10] is False and offers[0][11] == date(2024, 1, 1)
    assert query(db, "SELECT leverandoer, tilbud_id FROM provider_map ORDER BY 1") == [
        ("Bocenter Lyngly", 5120),
        ("Opholdsstedet Skovholm", 6001),
    ]
    assert query(
        db,
        "SELECT kommunekode, aar, alder, koen, antal, kind, vintage FROM population ORDER BY ALL",
    ) == [
        ("730", 2024, 99, "K", 40, "actual", None),
        ("751", 2024, 0, "K", 1998, "actual", None),
        ("751", 2024, 0, "M", 2100, "actual", None),
        ("751", 2024, 99, "M", 12, "actual", None),
        ("751", 2030, 0, "K", 2200, "projection", "2025"),
        ("751", 2030, 0, "M", 2300, "projection", "2025"),
    ]
    assert query(
        db,
        "SELECT kommunekode, target_group, paragraf, pladser, pladser_andre_kommuner, aar, "
        "status FROM planned_capacity ORDER BY line",
    ) == [
        ("751", "V1", "SEL_108", 12, 4, 2026, "besluttet"),
        ("1082", "V2", "SEL_107", 8, 8, 2027, "planlagt"),
    ]
    waiting = query(
        db,
        "SELECT w.birth_year, w.sex, w.handlekommune, w.target_group, w.referral_date, "
        "w.placement_date, p.line FROM waiting_list w LEFT JOIN placement_rows p "
        "USING (person_key) ORDER BY w.line",
    )
    # The same CPR gets the same person_key in the waiting list and in the placements.
    assert waiting == [
        (1990, "M", "751", "V1", date(2024, 1, 15), None, 2),
        (1990, "K", "730", "V4", date(2024, 2, 1), date(2024, 5, 1), 3),
    ]
    assert query(
        db, "SELECT line, field, reason FROM rejects WHERE file = 'waiting_list.csv' ORDER BY 1"
    ) == [(4, "placeringsdato", "end_before_start"), (5, "cpr", "invalid_cpr")]
    assert_reconciled(db)


def test_quarantined_files_and_header_only(tmp_path):
    files = {
        "placements/751/good.csv": fixture("canonical_messy.csv"),
        "placements/751/header_only.csv": "cpr;paragraf;leverandoer;startdato\r\n",
        "placements/751/no_profile.csv": "foo;bar\n1;2\n",
        "placements/751/latin1.csv": b"cpr;paragraf;leverandoer;startdato\n\x81;a;b;c\n",
        "placements/751/empty.csv": b"",
        "placements/751/blank.csv": "\n  \n;;;\n",
        "placements/751/broken.xlsx": b"PK\x03\x04 this is not a workbook",
        "placements/751/notes.txt": "ignored: not a table",
        "placements/751/~$lock.xlsx": b"Excel lock file",
    }
    data_raw = make_data_raw(tmp_path, files)
    (data_raw / "waiting_list.csv").write_text("cpr;maalgruppe\n0101901234;V1\n", "utf-8")
    db = tmp_path / "capacity.duckdb"
    result = run_ingest(data_raw, db)
    status = {f.file: (f.status, f.reason) for f in result.files}
    assert status["placements/751/header_only.csv"] == ("loaded", None)
    assert status["placements/751/no_profile.csv"] == ("quarantined", "no_profile")
    assert status["placements/751/latin1.csv"] == ("quarantined", "encoding")
    assert status["placements/751/empty.csv"] == ("quarantined", "empty_file")
    assert status["placements/751/blank.csv"] == ("quarantined", "empty_file")
    assert status["placements/751/broken.xlsx"] == ("quarantined", "unreadable")
    assert status["waiting_list.csv"] == ("quarantined", "missing_columns")
    assert "placements/751/notes.txt" not in status and "placements/751/~$lock.xlsx" not in status
    assert not result.ok
    # files in = loaded + quarantined, in the result and in load_log
    logged = query(db, "SELECT status, count(*) FROM load_log GROUP BY 1 ORDER BY 1")
    assert sum(n for _, n in logged) == len(result.files) == 13
    assert dict(logged) == {"loaded": 7, "quarantined": 6}
    messages = " ".join(f.message or "" for f in result.quarantined)
    assert "placements/751/no_profile.csv: no profile matches" in messages
    assert "henvisningsdato" in messages  # the missing column is named
    assert_reconciled(db)


def test_second_run_is_identical_and_skips_unchanged(tmp_path):
    data_raw = make_data_raw(
        tmp_path,
        {
            "placements/751/messy.csv": fixture("canonical_messy.csv"),
            "placements/730/sensum.csv": fixture("sensum_cp1252.csv"),
            "placements/730/bad.csv": "foo\n1\n",
        },
    )
    db = tmp_path / "capacity.duckdb"
    run_ingest(data_raw, db)
    with duckdb.connect(str(db), read_only=True) as con:
        first = fingerprint_tables(con)
    again = run_ingest(data_raw, db)
    assert all(f.unchanged for f in again.files)
    with duckdb.connect(str(db), read_only=True) as con:
        assert fingerprint_tables(con) == first
    forced = run_ingest(data_raw, db, force=True)
    assert not any(f.unchanged for f in forced.files)
    with duckdb.connect(str(db), read_only=True) as con:
        assert fingerprint_tables(con) == first
    # A rebuild into a fresh file gives the same data too.
    fresh = tmp_path / "fresh.duckdb"
    run_ingest(data_raw, fresh)
    with duckdb.connect(str(fresh), read_only=True) as con:
        assert fingerprint_tables(con) == first


def test_corrected_delivery_replaces_and_vanished_file_is_removed(tmp_path):
    messy = fixture("canonical_messy.csv")
    data_raw = make_data_raw(
        tmp_path,
        {
            "placements/751/messy.csv": messy,
            "placements/730/sensum.csv": fixture("sensum_cp1252.csv"),
        },
    )
    db = tmp_path / "capacity.duckdb"
    run_ingest(data_raw, db)
    # Correct the delivery: keep the header and the first two data rows only.
    corrected = b"\n".join(messy.split(b"\n")[:3]) + b"\n"
    (data_raw / "placements/751/messy.csv").write_bytes(corrected)
    (data_raw / "placements/730/sensum.csv").unlink()
    result = run_ingest(data_raw, db)
    assert result.removed_files == ["placements/730/sensum.csv"]
    f = next(x for x in result.files if x.file == "placements/751/messy.csv")
    assert (f.rows_in, f.rows_loaded, f.rows_rejected, f.unchanged) == (2, 2, 0, False)
    assert query(db, "SELECT file, line FROM placement_rows ORDER BY 1, 2") == [
        ("placements/751/messy.csv", 2),
        ("placements/751/messy.csv", 3),
    ]
    for table in ("rejects", "load_warnings", "load_log"):
        assert query(db, f"SELECT count(*) FROM {table} WHERE file LIKE 'placements/730/%'") == [
            (0,)
        ]
    assert query(db, "SELECT count(*) FROM rejects WHERE file = 'placements/751/messy.csv'") == [
        (0,)
    ]
    assert_reconciled(db)


def test_missing_inputs_are_reported_and_the_rest_loads(tmp_path):
    data_raw = make_data_raw(
        tmp_path, {"placements/751/messy.csv": fixture("canonical_messy.csv")}, supporting=False
    )
    result = run_ingest(data_raw, tmp_path / "capacity.duckdb")
    assert not result.ok
    assert any("tilbudsportalen" in m for m in result.missing_required)
    assert len(result.missing_optional) == 5
    assert result.files[0].rows_loaded == 5


def test_meta_records_synthetic_label_hash_and_key(tmp_path):
    data_raw = make_data_raw(
        tmp_path, {"placements/751/messy.csv": fixture("canonical_messy.csv")}
    )
    (data_raw / "demo_manifest.json").write_text(json.dumps({"synthetic": True}), "utf-8")
    db = tmp_path / "capacity.duckdb"
    run_ingest(data_raw, db)
    meta = dict(query(db, "SELECT key, value FROM meta"))
    assert meta["synthetic"] == "true"
    assert len(meta["data_raw_sha256"]) == 64 and len(meta["key_fingerprint"]) == 16
    assert meta["ingested_at"][:4].isdigit()
    (data_raw / "demo_manifest.json").unlink()
    run_ingest(data_raw, db)
    assert dict(query(db, "SELECT key, value FROM meta"))["synthetic"] == "false"


def test_provider_suggestions_review_file(tmp_path):
    data_raw = make_data_raw(
        tmp_path, {"placements/751/messy.csv": fixture("canonical_messy.csv")}
    )
    db = tmp_path / "clean" / "capacity.duckdb"
    result = run_ingest(data_raw, db)
    assert result.suggestions_file == tmp_path / "clean" / "provider_suggestions.csv"
    lines = result.suggestions_file.read_text("utf-8-sig").splitlines()
    assert lines[0] == "leverandoer;antal_placeringer;forslag_tilbud_id;forslag_navn;score"
    # "Bostedet Ærøhøj" has no mapping; loaded rows 2 and 24 lack a tilbud_id (3 has 4711).
    assert lines[1] == "Bostedet Ærøhøj;2;4711;Bostedet Ærøhøj;100"
    # 'Opholdsstedet Skovholm' is in the mapping file, so it needs no suggestion.
    assert not any(line.startswith("Opholdsstedet Skovholm") for line in lines)
    assert result.unmatched_providers == 1
    rows = query(
        db, "SELECT leverandoer, rank, forslag_tilbud_id, basis FROM provider_suggestions"
    )
    assert rows[0] == ("Bostedet Ærøhøj", 1, 4711, "name")


def test_review_file_is_never_written_under_data_raw(tmp_path):
    data_raw = make_data_raw(
        tmp_path, {"placements/751/messy.csv": fixture("canonical_messy.csv")}
    )
    result = run_ingest(data_raw, data_raw / "db" / "capacity.duckdb")
    assert result.suggestions_file is None
    assert not list(data_raw.rglob("provider_suggestions.csv"))
    assert any("data_raw" in n for n in result.notices)


def test_key_is_created_private_and_a_different_key_aborts(tmp_path, monkeypatch):
    key_file = tmp_path / "config" / "kapacitet-midt" / "pseudonymisation.key"
    monkeypatch.setenv("KAPACITET_KEY_FILE", str(key_file))
    data_raw = make_data_raw(
        tmp_path, {"placements/751/messy.csv": fixture("canonical_messy.csv")}
    )
    db = tmp_path / "capacity.duckdb"
    result = run_ingest(data_raw, db)
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert key_file.parent.stat().st_mode & 0o777 == 0o700
    assert len(bytes.fromhex(key_file.read_text().strip())) == 32
    notice = " ".join(result.notices)
    assert str(key_file) in notice and "secret" in notice and "back it up" in notice
    with duckdb.connect(str(db), read_only=True) as con:
        before = fingerprint_tables(con)

    other = tmp_path / "other.key"
    other.write_text("ab" * 32)
    monkeypatch.setenv("KAPACITET_KEY_FILE", str(other))
    (data_raw / "placements/751/new.csv").write_bytes(fixture("canonical_messy.csv"))
    with pytest.raises(KeyMismatchError, match="not the key this database was built with"):
        run_ingest(data_raw, db)
    missing = tmp_path / "nowhere" / "pseudonymisation.key"
    monkeypatch.setenv("KAPACITET_KEY_FILE", str(missing))
    with pytest.raises(KeyMismatchError, match="no key file"):
        run_ingest(data_raw, db)
    assert not missing.exists()
    with duckdb.connect(str(db), read_only=True) as con:
        assert fingerprint_tables(con) == before


def test_a_delivery_that_turns_unreadable_loses_its_old_rows(tmp_path):
    data_raw = make_data_raw(
        tmp_path, {"placements/751/messy.csv": fixture("canonical_messy.csv")}
    )
    db = tmp_path / "capacity.duckdb"
    run_ingest(data_raw, db)
    (data_raw / "placements/751/messy.csv").write_bytes(b"cpr;x\n\x81\x8d\n")
    result = run_ingest(data_raw, db)
    f = next(x for x in result.files if x.file == "placements/751/messy.csv")
    assert (f.status, f.reason) == ("quarantined", "encoding")
    for table in ("placement_rows", "rejects", "load_warnings"):
        assert query(db, f"SELECT count(*) FROM {table} WHERE file LIKE 'placements/%'") == [(0,)]
    assert_reconciled(db)


def test_a_second_copy_of_a_single_input_is_ignored(tmp_path):
    data_raw = make_data_raw(
        tmp_path, {"placements/751/messy.csv": fixture("canonical_messy.csv")}
    )
    (data_raw / "population" / "folk1a.xlsx").write_bytes(b"not read")
    (data_raw / "population" / "notes.csv").write_text("x\n1\n", "utf-8")
    result = run_ingest(data_raw, tmp_path / "capacity.duckdb")
    assert result.ignored_files == ["population/folk1a.xlsx", "population/notes.csv"]
    assert [f.file for f in result.files if f.kind == "population"] == ["population/folk1a.csv"]


def test_mojibake_is_flagged_but_loaded(tmp_path):
    text = "cpr;paragraf;leverandoer;startdato\n0101901234;SEL § 108;Bostedet Ærøhøj;01-02-2020\n"
    twice = text.encode("utf-8").decode("cp1252").encode("utf-8")  # re-encoded on its way
    data_raw = make_data_raw(tmp_path, {"placements/751/twice.csv": twice})
    result = run_ingest(data_raw, tmp_path / "capacity.duckdb")
    f = next(x for x in result.files if x.kind == "placements")
    # "SEL Â§ 108" still reads as § 108; the provider name is kept as delivered and flagged
    assert (f.rows_loaded, f.warning_counts) == (1, {"possible_mojibake": 1})


def test_documented_codes_match_the_code():
    from capacity.ingest.model import QUARANTINE_REASONS
    from capacity.ingest.validate import REJECT_REASONS, WARNING_CODES

    contract = (Path(__file__).parents[1] / "docs" / "data-contract.md").read_text("utf-8")
    section = contract.split("## Reject and quarantine reason codes", 1)[1]
    documented = set(re.findall(r"^\| `([a-z_0-9]+)` \|", section, flags=re.MULTILINE))
    assert documented == set(REJECT_REASONS) | set(QUARANTINE_REASONS) | set(WARNING_CODES)


def test_a_database_from_an_older_schema_gets_the_new_columns(tmp_path):
    data_raw = make_data_raw(
        tmp_path, {"placements/751/messy.csv": fixture("canonical_messy.csv")}
    )
    db = tmp_path / "capacity.duckdb"
    run_ingest(data_raw, db)
    with duckdb.connect(str(db)) as con:
        con.execute("ALTER TABLE offers DROP COLUMN paragraf_raw")
        con.execute("ALTER TABLE load_log DROP COLUMN config_sha256")
        con.execute("DROP TABLE load_warnings")
    result = run_ingest(data_raw, db)
    assert not any(f.unchanged for f in result.files)  # no rules hash stored: read again
    assert query(db, "SELECT count(paragraf_raw) FROM offers") == [(6,)]
    assert query(db, "SELECT count(*) FROM load_warnings") == [(1,)]
    assert_reconciled(db)


@pytest.mark.parametrize("failing_side", ["reader", "writer"])
def test_reading_ahead_keeps_file_order_and_stops_its_thread_on_a_failure(
    tmp_path, monkeypatch, failing_side
):
    """Files are read in a background thread but written in discovery order. When reading or
    writing one fails, the error reaches the caller, the files written before it stay
    committed, and the reader thread is gone."""
    import threading

    from capacity.ingest import run as ingest_run
    from capacity.ingest.load import LoadError

    content = fixture("canonical_messy.csv")
    deliveries = {f"placements/751/del_{i}.csv": content for i in range(6)}
    data_raw = make_data_raw(tmp_path, deliveries)
    db = tmp_path / "capacity.duckdb"
    seen: list[str] = []
    result = run_ingest(data_raw, db, progress=lambda done, total, rel: seen.append(rel))
    written = [f.file for f in result.files]
    assert [s for s in seen if s] == written
    placements = [f for f in written if f.startswith("placements/")]
    assert placements == sorted(placements) and len(placements) == 6
    assert_reconciled(db)

    broken = "placements/751/del_3.csv"
    if failing_side == "reader":
        read = ingest_run.FileReader.read

        def failing_read(self, inp, data, sha):
            if inp.rel == broken:
                raise OSError("disk went away")
            return read(self, inp, data, sha)

        monkeypatch.setattr(ingest_run.FileReader, "read", failing_read)
    else:
        write = ingest_run.replace_file

        def failing_write(con, load, rules, **kw):
            if load.result.file == broken:
                raise LoadError("the database refused the load", file=broken)
            return write(con, load, rules, **kw)

        monkeypatch.setattr(ingest_run, "replace_file", failing_write)
    (data_raw / "placements/751/del_0.csv").write_bytes(content + b"\n")
    (data_raw / "placements/751/del_5.csv").write_bytes(content + b"\n\n")
    with pytest.raises((OSError, LoadError)):
        run_ingest(data_raw, db, force=True)
    assert not [t for t in threading.enumerate() if t.name.startswith("ingest-read")]
    # del_0 was rewritten before the failure; del_5 was never reached.
    sha = dict(query(db, "SELECT file, sha256 FROM load_log WHERE file LIKE '%del_%'"))
    assert sha["placements/751/del_0.csv"] == _sha256(data_raw / "placements/751/del_0.csv")
    assert sha["placements/751/del_5.csv"] == hashlib.sha256(content).hexdigest()
    assert_reconciled(db)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
