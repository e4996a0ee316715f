"""Deliveries in documented formats this repository never generates load without code changes:
the canonical template as xlsx with shuffled and extra columns, other delimiters and encodings,
and new source formats described only by a profile YAML."""

from __future__ import annotations

import codecs
import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import duckdb
import xlsxwriter

from capacity.ingest import run_ingest

EXTRACT = (
    "tilbud_id;tilbudsnavn;afdeling_id;virksomhedsform;beliggenhedskommune;paragraf;pladser\n"
    "4711;Bostedet Ærøhøj;1;Kommune;751;SEL § 108;24\n"
)


def make_data_raw(root: Path, files: dict[str, bytes | str]) -> Path:
    data_raw = root / "data_raw"
    for rel, content in {"tilbudsportalen/2024-01-01.csv": EXTRACT, **files}.items():
        path = data_raw / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return data_raw


def rows(db: Path, file: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(
            "SELECT line, birth_date, handlekommune, paragraf, leverandoer, start_date, end_date, "
            "pris, prisenhed, annual_cost FROM placement_rows WHERE file = ? ORDER BY line",
            [file],
        ).fetchall()


def test_canonical_template_as_xlsx_with_shuffled_and_extra_columns(tmp_path):
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet("Udtræk")
    date_fmt = wb.add_format({"num_format": "dd.mm.yyyy"})
    header = [" Leverandoer", "Sagsbehandler", "STARTDATO", "Paragraf", "CPR", "pris",
              "PrisEnhed", "slutdato", "Intern note"]  # fmt: skip
    ws.write_row(0, 0, header)
    data = [
        ["Bostedet Ærøhøj", "Hanne", dt.datetime(2021, 3, 1), "§ 108", 101901234, 1234.5,
         "dag", None, "ok"],
        ["Bostedet Ærøhøj", "Ib", 44927, "SEL § 107", "020202-4128", "2.000,00", "Måned",
         "31-12-2023", None],
        ["Bostedet Ærøhøj", None, "2023-05-01", "SEL § 999", 3002901234, 10, "dag", None, None],
    ]  # fmt: skip
    for r, row in enumerate(data, start=2):  # row 2 (sheet row 2) left empty on purpose
        for c, value in enumerate(row):
            if isinstance(value, dt.datetime):
                ws.write_datetime(r, c, value, date_fmt)
            elif value is not None:
                ws.write(r, c, value)
    wb.close()
    data_raw = make_data_raw(tmp_path, {"placements/746/skanderborg.xlsx": buf.getvalue()})
    db = tmp_path / "capacity.duckdb"
    result = run_ingest(data_raw, db)
    f = next(x for x in result.files if x.kind == "placements")
    assert (f.status, f.profile, f.encoding) == ("loaded", "canonical", "xlsx")
    assert (f.rows_in, f.rows_loaded, f.rows_rejected, f.blank_lines) == (3, 2, 1, 1)
    assert f.reject_counts == {"invalid_cpr": 1, "unknown_paragraph": 1}
    assert rows(db, "placements/746/skanderborg.xlsx") == [
        (3, dt.date(1990, 1, 1), "746", "SEL_108", "Bostedet Ærøhøj", dt.date(2021, 3, 1), None,
         Decimal("1234.50"), "dag", Decimal("450592.50")),
        (4, dt.date(2002, 2, 2), "746", "SEL_107", "Bostedet Ærøhøj", dt.date(2023, 1, 1),
         dt.date(2023, 12, 31), Decimal("2000.00"), "maaned", Decimal("24000.00")),
    ]  # fmt: skip


NEXUS_PROFILE = """
name: nexus_test
description: A case system this repository has never seen (comma-separated, US-style quotes)
formats: [csv]
detect:
  required_headers: [Borger CPR, Ydelse, Leverandør, Bevilget fra]
csv:
  delimiter: ","
  decimal: ","
  thousands: "."
date_formats: ["%d/%m/%Y"]
columns:
  cpr: Borger CPR
  paragraf: Ydelse
  leverandoer: Leverandør
  startdato: Bevilget fra
  slutdato: Bevilget til
  pris: Beløb
  prisenhed: Enhed
  handlekommune: [Handlekommune, Kommune]
values:
  prisenhed: {"Døgn": dag, "Md.": maaned}
"""

NEXUS_DATA = (
    "Borger CPR,Ydelse,Leverandør,Bevilget fra,Bevilget til,Beløb,Enhed,Kommune\r\n"
    '0101901234,"Længerevarende botilbud (SEL § 108)","Bo & Co, Aarhus",'
    '01/02/2022,,"2.100,00",Døgn,\r\n'
    '0101901234,"ABL § 105, stk. 2 / SEL § 85",Lyngly,'
    '15/03/2023,30/06/2024,"12.500,50",Md.,Aarhus\r\n'
)


def test_new_format_with_profile_in_the_municipality_folder(tmp_path):
    data_raw = make_data_raw(
        tmp_path,
        {
            "placements/751/profile.yaml": NEXUS_PROFILE,
            "placements/751/nexus_export.csv": NEXUS_DATA.encode("cp1252"),
        },
    )
    db = tmp_path / "capacity.duckdb"
    result = run_ingest(data_raw, db)
    f = next(x for x in result.files if x.kind == "placements")
    assert (f.status, f.profile, f.encoding, f.rows_loaded) == (
        "loaded",
        "nexus_test",
        "cp1252",
        2,
    )
    assert rows(db, "placements/751/nexus_export.csv") == [
        (2, dt.date(1990, 1, 1), "751", "SEL_108", "Bo & Co, Aarhus", dt.date(2022, 2, 1), None,
         Decimal("2100.00"), "dag", Decimal("766500.00")),
        (3, dt.date(1990, 1, 1), "751", "ABL_105_SEL_85", "Lyngly", dt.date(2023, 3, 15),
         dt.date(2024, 6, 30), Decimal("12500.50"), "maaned", Decimal("150006.00")),
    ]  # fmt: skip


def test_extra_profile_folder_is_detected_by_header(tmp_path, monkeypatch):
    profiles = tmp_path / "profiles"
    profiles.mkdir()
    (profiles / "cura.yaml").write_text(
        NEXUS_PROFILE.replace("nexus_test", "cura_test").replace(
            'delimiter: ","', 'delimiter: "\\t"'
        ),
        "utf-8",
    )
    monkeypatch.setenv("CAPACITY_PROFILES_DIR", str(profiles))
    tab = NEXUS_DATA.replace('"2.100,00"', "2.100,00").replace('"12.500,50"', "12.500,50")
    tab = tab.replace('"Bo & Co, Aarhus"', "Bo & Co").replace(
        '"ABL § 105, stk. 2 / SEL § 85"', "ABL § 105 / SEL § 85"
    )
    tab = (
        tab.replace(",", "\t").replace("2.100\t00", "2.100,00").replace("12.500\t50", "12.500,50")
    )
    data_raw = make_data_raw(tmp_path, {"placements/730/cura.csv": tab})
    result = run_ingest(data_raw, tmp_path / "capacity.duckdb")
    f = next(x for x in result.files if x.kind == "placements")
    assert (f.status, f.profile, f.rows_loaded) == ("loaded", "cura_test", 2)


CANONICAL = (
    "cpr;paragraf;leverandoer;startdato;pris;prisenhed\n"
    "010190-1234;SEL § 108;Bostedet Ærøhøj;01-02-2020;1.234,50;dag\n"
    "0101901234;SEL § 107;Bostedet Ærøhøj;01.02.2021;99,5;aar\n"
)


def test_other_delimiters_encodings_and_line_endings(tmp_path):
    comma = CANONICAL.replace(";", ",").replace("1.234,50", '"1.234,50"').replace("99,5", '"99,5"')
    files = {
        "placements/751/comma_bom_crlf.csv": codecs.BOM_UTF8
        + comma.replace("\n", "\r\n").encode(),
        "placements/751/unicode_text.csv": codecs.BOM_UTF16_LE
        + CANONICAL.replace(";", "\t").encode("utf-16-le"),
        "placements/751/mac.csv": CANONICAL.replace("\n", "\r").encode("cp1252"),
        "placements/751/header_case.csv": CANONICAL.replace(
            "cpr;paragraf;leverandoer;startdato", " CPR ; Paragraf;LEVERANDOER ;StartDato "
        ),
    }
    data_raw = make_data_raw(tmp_path, files)
    db = tmp_path / "capacity.duckdb"
    result = run_ingest(data_raw, db)
    assert result.ok, [(f.file, f.reason) for f in result.files]
    for name in files:
        f = next(x for x in result.files if x.file == name)
        assert (f.profile, f.rows_in, f.rows_loaded) == ("canonical", 2, 2), name
        assert rows(db, name)[0][7:] == (Decimal("1234.50"), "dag", Decimal("450592.50")), name


def test_profile_yaml_naming_a_profile(tmp_path):
    data_raw = make_data_raw(
        tmp_path,
        {
            "placements/751/profile.yaml": "profile: canonical\n",
            "placements/751/a.csv": CANONICAL,
            "placements/730/profile.yaml": "profile: no_such_profile\n",
            "placements/730/b.csv": CANONICAL,
        },
    )
    result = run_ingest(data_raw, tmp_path / "capacity.duckdb")
    by_file = {f.file: f for f in result.files}
    assert by_file["placements/751/a.csv"].profile == "canonical"
    b = by_file["placements/730/b.csv"]
    assert (b.status, b.reason) == ("quarantined", "no_profile")
    assert "no_such_profile" in b.message
