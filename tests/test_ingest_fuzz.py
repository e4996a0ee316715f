"""Fuzz smoke test: mutated deliveries (byte flips, truncation, stray separators and quotes,
junk lines, other encodings) never give a traceback; every file is loaded (rows in = loaded +
rejected) or quarantined with a reason."""

from __future__ import annotations

import datetime as dt
import io
import logging
import random
from pathlib import Path

import duckdb
import xlsxwriter
from hypothesis import given, settings
from hypothesis import strategies as st

from capacity.ingest import run_ingest
from capacity.ingest.discover import InputFile
from capacity.ingest.model import QUARANTINE_REASONS
from capacity.ingest.profiles import load_profiles
from capacity.ingest.pseudonym import PseudonymKey
from capacity.ingest.run import FileReader

FIXTURES = Path(__file__).parent / "fixtures" / "ingest"
PROFILES = load_profiles()[0]
KEY = PseudonymKey(key=b"k" * 32, path=Path("unused.key"))
N_CSV = 60
N_XLSX = 6
INSERTS = [b'"', b";", b"\r", b"\n", b"\x00", b"\xff\xfe", b"\xef\xbb\xbf", b"9" * 40, b"\x81",
           b"\xe6", b";;;;;;;;;;;;;;", b'"";"', b"\t", "€–„".encode()]  # fmt: skip
CODECS = ["utf-8", "utf-8-sig", "cp1252", "latin-1", "utf-16", "utf-16-le", "mac_roman", "cp850"]


def mutate(seed: bytes, rng: random.Random) -> bytes:
    data = bytearray(seed)
    for _ in range(rng.randint(1, 6)):
        op = rng.choice(["flip", "insert", "delete", "duplicate", "truncate", "junk", "recode"])
        pos = rng.randrange(len(data) + 1) if data else 0
        if op == "flip" and data:
            data[min(pos, len(data) - 1)] ^= 1 << rng.randrange(8)
        elif op == "insert":
            data[pos:pos] = rng.choice(INSERTS)
        elif op == "delete":
            del data[pos : pos + rng.randint(1, 40)]
        elif op == "duplicate":
            chunk = data[pos : pos + rng.randint(1, 200)]
            data[pos:pos] = chunk
        elif op == "truncate":
            del data[pos:]
        elif op == "junk":
            junk = bytes(rng.randrange(256) for _ in range(rng.randint(1, 80)))
            data[pos:pos] = b"\n" + junk + b"\n"
        elif op == "recode":
            text = bytes(data).decode("utf-8", errors="replace")
            data = bytearray(text.encode(rng.choice(CODECS), errors="replace"))
    return bytes(data)


def _xlsx(rng: random.Random) -> bytes:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet()
    ws.write_row(0, 0, ["Barnets CPR", "Lovhjemmel", "Leverandør", "Ydelse startdato", "Takst"])
    for r in range(1, 30):
        ws.write_row(
            r, 0, [rng.randint(10**8, 3 * 10**9), rng.choice(["BL § 43", "§ 66", 7]),
                   rng.choice(["Skovholm", "", None, 3.5]), rng.choice([44927, "01-02-2024", "x"]),
                   rng.choice([1234.5, "1.234,50", -3, None])],
        )  # fmt: skip
    wb.close()
    return buf.getvalue()


def test_fuzzed_deliveries_are_loaded_or_quarantined(tmp_path, caplog):
    rng = random.Random(20240501)
    seeds = [
        (FIXTURES / "canonical_messy.csv").read_bytes(),
        (FIXTURES / "sensum_cp1252.csv").read_bytes(),
    ]
    data_raw = tmp_path / "data_raw"
    folder = data_raw / "placements" / "751"
    folder.mkdir(parents=True)
    (data_raw / "tilbudsportalen").mkdir()
    (data_raw / "tilbudsportalen" / "2024-01-01.csv").write_bytes(
        mutate((FIXTURES / "tilbudsportalen_2024-01-01.csv").read_bytes(), rng)
    )
    for i in range(N_CSV):
        (folder / f"fuzz_{i:02d}.csv").write_bytes(mutate(rng.choice(seeds), rng))
    for i in range(N_XLSX):
        book = _xlsx(rng)
        if i % 2:  # a damaged workbook
            book = mutate(book, rng)
        (folder / f"fuzz_{i:02d}.xlsx").write_bytes(book)

    caplog.set_level(logging.INFO)
    db = tmp_path / "capacity.duckdb"
    result = run_ingest(data_raw, db)

    assert len(result.files) == N_CSV + N_XLSX + 1
    for f in result.files:
        assert f.status in ("loaded", "quarantined"), f.file
        if f.status == "loaded":
            assert f.rows_in == f.rows_loaded + f.rows_rejected, f.file
        else:
            assert f.reason in QUARANTINE_REASONS, f.file
    loaded = [f for f in result.files if f.status == "loaded"]
    assert len(loaded) > N_CSV // 3  # most mutations leave a readable table
    assert sum(f.rows_rejected for f in loaded) > 0
    # The catch-all for unexpected parser errors was never needed for a CSV file.
    unexpected = [r.getMessage() for r in caplog.records if r.getMessage().startswith("Could not")]
    assert not [m for m in unexpected if ".csv" in m], unexpected
    with duckdb.connect(str(db), read_only=True) as con:
        logged = con.execute(
            "SELECT file, rows_in, rows_loaded, rows_rejected FROM load_log"
        ).fetchall()
        assert len(logged) == len(result.files)
        for file, rows_in, n_loaded, n_rejected in logged:
            table = "offers" if file.startswith("tilbudsportalen") else "placement_rows"
            (n,) = con.execute(f"SELECT count(*) FROM {table} WHERE file = ?", [file]).fetchone()
            (r,) = con.execute(
                "SELECT count(DISTINCT line) FROM rejects WHERE file = ?", [file]
            ).fetchone()
            assert (n, r) == (n_loaded, n_rejected) and rows_in == n + r, file


# --- property: every line of a generated delivery is accounted for, with the right reason ----

BAD = {
    "cpr": ("12345", "invalid_cpr"),
    "paragraf": ("SEL § 999", "unknown_paragraph"),
    "startdato": ("31-02-2020", "invalid_date"),
    "pris": ("ca. 3000", "invalid_price"),
}
FIELDS = ["cpr", "paragraf", "leverandoer", "startdato", "pris", "prisenhed"]


@st.composite
def delivery_line(draw, i: int):
    kind = draw(st.sampled_from(["good", "good", "bad", "blank"]))
    if kind == "blank":
        return draw(st.sampled_from(["", "  ", "\t", ";;;;;", " ; "])), None
    born = draw(st.dates(dt.date(1900, 1, 1), dt.date(1999, 12, 31)))
    cpr = f"{born:%d%m%y}{draw(st.integers(0, 3))}{draw(st.integers(0, 999)):03d}"
    if draw(st.booleans()):
        cpr = f"{cpr[:6]}-{cpr[6:]}"
    row = {
        "cpr": cpr,
        "paragraf": draw(st.sampled_from(["SEL § 108", "§107", "ABL § 105 / SEL § 85"])),
        "leverandoer": f"Bosted Ærø – {i} €",  # unique per line: no accidental duplicates
        "startdato": draw(st.dates(dt.date(2000, 1, 1), dt.date(2030, 12, 31))).strftime(
            draw(st.sampled_from(["%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d"]))
        ),
        "pris": draw(st.sampled_from(["1.234,50", "999", "12,5"])),
        "prisenhed": draw(st.sampled_from(["dag", "Måned", "år"])),
    }
    broken = set()
    if kind == "bad":
        broken = set(draw(st.lists(st.sampled_from(sorted(BAD)), min_size=1, max_size=3)))
        for fld in broken:
            row[fld] = BAD[fld][0]
    return ";".join(row[f] for f in FIELDS), {(fld, BAD[fld][1]) for fld in broken}


@st.composite
def delivery(draw):
    n = draw(st.integers(0, 25))
    return [draw(delivery_line(i)) for i in range(n)]


@settings(max_examples=150, deadline=None)
@given(
    lines=delivery(),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]),
    newline=st.sampled_from(["\n", "\r\n"]),
)
def test_every_generated_line_is_loaded_blank_or_rejected_for_its_reason(lines, encoding, newline):
    text = newline.join([";".join(FIELDS), *(line for line, _ in lines)]) + newline
    inp = InputFile(
        path=Path("delivery.csv"), rel="placements/751/delivery.csv", kind="placements",
        folder=None, folder_code="751",
    )  # fmt: skip
    raw = text.encode(encoding)
    load = FileReader(PROFILES, KEY).read(inp, raw, "sha")
    r = load.result
    # cp1252 bytes that happen to be plain ASCII are valid UTF-8, and strict UTF-8 is tried first
    expected_encoding = encoding
    if encoding == "cp1252" and raw.isascii():
        expected_encoding = "utf-8"
    assert (r.status, r.encoding) == ("loaded", expected_encoding)
    expected = {n: reasons for n, (_, reasons) in enumerate(lines, start=2) if reasons is not None}
    assert r.rows_in == len(expected) == r.rows_loaded + r.rows_rejected
    assert r.blank_lines == len(lines) - len(expected)
    got: dict[int, set] = {}
    for line, fld, reason in load.rejects.iter_rows():
        got.setdefault(line, set()).add((fld, reason))
    assert got == {n: reasons for n, reasons in expected.items() if reasons}
    assert sorted(load.tables["placement_rows"]["line"].to_list()) == sorted(
        n for n, reasons in expected.items() if not reasons
    )
    assert "cpr10" not in load.tables["placement_rows"].columns
