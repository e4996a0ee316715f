"""The faster derive and read paths give exactly what the earlier, plainer formulations gave.

capacity.derive numbers episodes in polars (one sort, running maximum, cumulative sum) and picks
each episode-year's representative placement on packed integer keys; the CSV reader parses
well-formed files with polars' CSV reader directly and validates UTF-8 without decoding. Each
test here compares the fast path with the previous formulation (window functions and arg_min /
arg_max over every candidate, kept below as reference SQL; Python's csv module; bytes.decode) on
random inputs, including ties, gaps at the limit, ongoing placements and awkward person keys.
"""

from __future__ import annotations

import datetime as dt
import random

import duckdb
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from metrics_fixtures import PARAGRAPHS, add_offer, add_placement, make_db, rebuild

from capacity.ingest.encoding import decode_bytes
from capacity.ingest.model import FileQuarantined
from capacity.ingest.readers import _split_direct, _split_with_csv_module, split_csv
from capacity.ingest.validate import duplicate_mask

# --- reference SQL: the formulations the derive SQL had before it was made faster ----------

REFERENCE_EPISODE_IDS = """
WITH chain AS (
    SELECT
        file, line, person_key, start_date,
        CASE tg_source WHEN 'citizen' THEN 0 WHEN 'offer' THEN 1 ELSE 2 END AS source_rank,
        CASE WHEN $split_by_area THEN area ELSE '' END AS part,
        coalesce(end_date, DATE '9999-12-31') AS end_open
    FROM placements
    WHERE coalesce(CAST($offer_types AS VARCHAR[]) IS NULL
                   OR list_contains(CAST($offer_types AS VARCHAR[]), offer_type), false)
),
lagged AS (
    SELECT *, max(end_open) OVER (
        PARTITION BY person_key, part ORDER BY start_date, end_open, file, line
        ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS previous_end
    FROM chain
),
flagged AS (
    SELECT *, CASE
        WHEN previous_end IS NULL THEN 1
        WHEN date_diff('day', previous_end, start_date) - 1 > $gap_days THEN 1
        ELSE 0 END AS opens_episode
    FROM lagged
),
numbered AS (
    SELECT file, line, person_key, part, start_date, source_rank,
        sum(opens_episode) OVER (
            PARTITION BY person_key, part ORDER BY start_date, end_open, file, line
            ROWS UNBOUNDED PRECEDING) AS sequence_no
    FROM flagged
)
SELECT
    file, line,
    dense_rank() OVER (ORDER BY person_key, part, sequence_no) AS episode_id,
    CAST(row_number() OVER (
        PARTITION BY person_key, part, sequence_no
        ORDER BY start_date, source_rank, file, line) AS INTEGER) AS episode_seq
FROM numbered
"""

REFERENCE_EPISODES = """
SELECT
    episode_id,
    arg_min(person_key, episode_seq) AS person_key,
    arg_min(birth_date, episode_seq) AS birth_date,
    arg_min(birth_year, episode_seq) AS birth_year,
    arg_min(sex, episode_seq) AS sex,
    arg_min(area, episode_seq) AS area,
    arg_min(handlekommune, episode_seq) AS kommunekode,
    arg_min(target_group, episode_seq) AS target_group,
    arg_min(tg_source, episode_seq) AS tg_source,
    min(start_date) AS start_date,
    CASE WHEN bool_or(end_date IS NULL OR end_date > $data_date) THEN NULL
         ELSE max(end_date) END AS end_date,
    arg_min(paragraf, episode_seq) AS paragraf,
    arg_min_null(paragraf_series, episode_seq) AS paragraf_series,
    arg_min_null(tilbud_id, episode_seq) AS tilbud_id,
    arg_max(handlekommune, episode_seq) AS last_kommunekode,
    arg_max(paragraf, episode_seq) AS last_paragraf,
    arg_max_null(tilbud_id, episode_seq) AS last_tilbud_id,
    CAST(count(*) AS INTEGER) AS n_placements
FROM placements
WHERE episode_id IS NOT NULL
GROUP BY episode_id
"""

REFERENCE_EPISODE_YEARS = """
WITH years AS (
    SELECT CAST(unnest(range($first_year, $last_year + 1)) AS INTEGER) AS year
),
episode_year AS (
    SELECT e.episode_id, e.person_key, e.start_date, e.end_date, y.year,
        make_date(y.year, 1, 1) AS year_start, make_date(y.year, 12, 31) AS year_end,
        greatest(e.start_date, make_date(y.year, 1, 1)) AS ref_date
    FROM episodes e
    JOIN years y ON e.start_date <= make_date(y.year, 12, 31)
        AND (e.end_date IS NULL OR e.end_date >= make_date(y.year, 1, 1))
    WHERE e.start_date <= $data_date
),
candidates AS (
    SELECT ey.*, p.handlekommune, p.birth_date, p.tg_child, p.tg_adult, p.aftercare,
        CAST(p.end_date IS NULL OR p.end_date >= ey.ref_date AS INTEGER) AS covers,
        CASE p.tg_source WHEN 'citizen' THEN 2 WHEN 'offer' THEN 1 ELSE 0 END AS source_score,
        p.episode_seq
    FROM episode_year ey
    JOIN placements p ON p.episode_id = ey.episode_id AND p.start_date <= ey.ref_date
),
representative AS (
    SELECT episode_id, year, year_start, year_end, ref_date, person_key, start_date, end_date,
        arg_max(handlekommune, covers * 1000000 + episode_seq) AS handlekommune,
        arg_max({'b': birth_date, 'c': tg_child, 'a': tg_adult, 'f': aftercare},
                source_score * 10000000 + covers * 1000000 + episode_seq) AS names
    FROM candidates
    GROUP BY ALL
)
SELECT
    episode_id, person_key, CAST(year AS SMALLINT) AS year, handlekommune AS kommunekode,
    CASE WHEN date_sub('year', names.b, ref_date) < $age_cut
            OR (names.f AND date_sub('year', names.b, ref_date) <= $aftercare_max_age)
        THEN names.c ELSE names.a END AS target_group,
    ref_date,
    start_date < year_start AS in_stock,
    start_date >= year_start AS entered,
    coalesce(end_date <= year_end, false) AS exited,
    CAST(date_diff('day', greatest(start_date, year_start),
                   least(coalesce(end_date, year_end), year_end)) + 1 AS INTEGER) AS person_days
FROM representative
"""

REFERENCE_EXTRACT_DATE = """
SELECT p.file, p.line,
    coalesce(max(o.extract_date) FILTER (WHERE o.extract_date <= p.start_date),
             min(o.extract_date)) AS offer_extract_date
FROM placements p
JOIN (SELECT DISTINCT tilbud_id, extract_date FROM offers) o ON o.tilbud_id = p.tilbud_id
GROUP BY p.file, p.line
"""

GROUPS = ["Autismespektrum", "Erhvervet hjerneskade", "Udviklingshæmning", "Angst", "Misbrug"]


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: dict | None = None) -> list[tuple]:
    return sorted(con.execute(sql, params or {}).fetchall(), key=repr)


def _random_db(seed: int, gap_days: int) -> duckdb.DuckDBPyConnection:
    """Placements of ~40 persons built to hit ties, gap limits, ongoing stays and offers."""
    rng = random.Random(seed)
    con = make_db()
    for tilbud_id in (11, 12, 13):
        for extract in ("2016-01-01", "2019-06-30", "2022-01-01"):
            if rng.random() < 0.8:
                add_offer(
                    con,
                    extract=extract,
                    tilbud_id=tilbud_id,
                    pladser=10,
                    maalgrupper=rng.choice([None, "Autismespektrum", "Angst|Misbrug"]),
                    paragraf=rng.choice(["SEL_108", "SEL_107", "BL_ANBRINGELSE"]),
                )
    days = [dt.date(2012, 1, 1) + dt.timedelta(days=rng.randrange(12 * 365)) for _ in range(60)]
    for p in range(40):
        person = f"{rng.getrandbits(256):064x}" if p % 3 else rng.choice(["p1", "P1", "a", "ä"])
        person += "" if p % 3 else str(p)
        birth = dt.date(rng.randint(1995, 2010), rng.randint(1, 12), rng.randint(1, 28))
        end: dt.date | None = None
        for _ in range(rng.randint(1, 7)):
            start = rng.choice(days)  # repeated days: placements starting on the same day
            if end is not None and rng.random() < 0.5:
                # the next stay begins exactly at, just inside or just beyond the gap limit
                start = end + dt.timedelta(days=1 + gap_days + rng.choice([-1, 0, 1]))
            end = None
            if rng.random() < 0.75:
                end = start + dt.timedelta(days=rng.choice([0, 13, 14, 15, 90, 400, 1500]))
            primary = rng.choice([None, None, *GROUPS])
            add_placement(
                con,
                person=person,
                birth=birth.isoformat(),
                start=start.isoformat(),
                end=end.isoformat() if end else None,
                kommune=rng.choice(["751", "730", "615"]),
                paragraf=rng.choice(sorted(PARAGRAPHS)),
                tilbud_id=rng.choice([None, 11, 12, 13, 99]),
                primary=primary,
                secondary=rng.choice([None, "Angst|Misbrug"]) if primary else None,
                file=rng.choice(["placements/751/a.csv", "placements/751/b.csv", "p/ø.csv"]),
            )
    return con


@pytest.mark.parametrize("seed", range(12))
def test_derived_tables_equal_reference_formulation(seed):
    rng = random.Random(1000 + seed)
    gap_days = rng.choice([0, 14, 90])
    con = _random_db(seed, gap_days)
    changes = {
        "episodes_gap_days": gap_days,
        "episodes_split_by_area": rng.random() < 0.5,
        "episodes_offer_types": rng.choice([None, ["residential"], ["residential", "day"]]),
    }
    summary = rebuild(con, **changes)
    window = summary.window
    assert summary.placements > 0 and summary.episodes > 0 and summary.episode_years > 0

    chain_params = {
        "gap_days": changes["episodes_gap_days"],
        "split_by_area": changes["episodes_split_by_area"],
        "offer_types": changes["episodes_offer_types"],
    }
    got = _rows(con, "SELECT file, line, episode_id, episode_seq FROM placements")
    counted = _rows(con, REFERENCE_EPISODE_IDS, chain_params)
    keys = {(f, ln) for f, ln, *_ in counted}
    expected = counted + [(f, ln, None, None) for f, ln, *_ in got if (f, ln) not in keys]
    assert got == sorted(expected, key=repr)

    assert _rows(con, "SELECT * FROM episodes") == _rows(
        con, REFERENCE_EPISODES, {"data_date": window.data_date}
    )
    year_params = {
        "first_year": window.first_year,
        "last_year": window.last_year,
        "data_date": window.data_date,
        "age_cut": 18,
        "aftercare_max_age": int(con.execute(
            "SELECT value FROM derived_meta WHERE key = 'aftercare_max_age'"
        ).fetchall()[0][0]),
    }  # fmt: skip
    assert _rows(con, "SELECT * FROM episode_years") == _rows(
        con, REFERENCE_EPISODE_YEARS, year_params
    )
    picked = dict(((f, ln), d) for f, ln, d in con.execute(REFERENCE_EXTRACT_DATE).fetchall())
    for f, ln, tilbud_id, d in con.execute(
        "SELECT file, line, tilbud_id, offer_extract_date FROM placements"
    ).fetchall():
        assert d == picked.get((f, ln)), (tilbud_id, d)


# --- CSV: the direct polars parse equals the line-by-line and csv-module paths --------------

_cell = st.text(alphabet="abcæø 0123456789-,.§|\t", max_size=6)


@settings(max_examples=150, deadline=None)
@given(
    rows=st.lists(st.lists(_cell, min_size=3, max_size=3), max_size=20),
    odd=st.sampled_from(["", "  ", ";;", " ; ;", "a;b", "a;b;c;d", "x;y;z;"]),
    where=st.integers(min_value=0, max_value=20),
    layout=st.tuples(st.booleans(), st.booleans(), st.booleans()),
)
def test_direct_csv_parse_equals_csv_module(rows, odd, where, layout):
    crlf, final_newline, leading_blank = layout
    newline = "\r\n" if crlf else "\n"
    lines = [";".join(r) for r in rows]
    if where < len(lines):
        lines.insert(where, odd)  # a blank or ragged line: the direct parse must step aside
    head = ["", " ;"] if leading_blank else []
    text = newline.join([*head, "h1;h2;h3", *lines]) + (newline if final_newline else "")
    decoded = decode_bytes(text.encode(), "x.csv")
    reference = _split_with_csv_module(decoded, ";", "x.csv")
    table = split_csv(decoded, ";", "x.csv")
    assert (table.header, table.header_line, table.blank_lines) == (
        reference.header,
        reference.header_line,
        reference.blank_lines,
    )
    assert table.rows.to_dicts() == reference.rows.to_dicts()
    blank = [ln for ln in lines if not ln.replace(";", "").replace(",", "").strip(" \t|")]
    ragged = [ln for ln in lines if ln.count(";") != 2]
    direct = _split_direct(decoded, ";")
    if lines and not blank and not ragged:
        assert direct is not None, "a well-formed file takes the direct parse"
    if blank or ragged:
        assert direct is None


def test_direct_csv_parse_on_a_large_regular_file():
    body = pl.DataFrame({"i": range(30_000)}).select(
        pl.format("{};Bostedet Ærø {};{}-01-2020", "i", pl.col("i") % 7, pl.col("i") % 28 + 1)
    )
    text = "cpr;leverandoer;startdato\r\n" + "\r\n".join(body.to_series().to_list()) + "\r\n"
    decoded = decode_bytes(text.encode(), "x.csv")
    direct = _split_direct(decoded, ";")
    assert direct is not None
    reference = _split_with_csv_module(decoded, ";", "x.csv")
    assert direct.rows.equals(reference.rows)
    assert direct.rows["line"].to_list()[:2] == [2, 3]


# --- encoding: UTF-8 validation without decoding agrees with bytes.decode --------------------


@settings(max_examples=300, deadline=None)
@given(
    data=st.one_of(
        st.binary(max_size=40),
        st.text(max_size=30).map(lambda t: t.encode("utf-8")),
        st.text(alphabet="abcæøå€–„", max_size=30).map(lambda t: t.encode("cp1252")),
    )
)
def test_utf8_detection_equals_strict_decode(data):
    try:
        decoded = decode_bytes(b"h;x\n" + data, "x.csv")
    except FileQuarantined as exc:
        assert exc.reason == "encoding"
        return
    raw = b"h;x\n" + data
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        assert decoded.encoding == "cp1252"
        assert decoded.text == raw.decode("cp1252")
    else:
        assert decoded.encoding == "utf-8" and decoded.utf8 == raw
        assert decoded.head(1) == "h;x\n"  # before the whole text is decoded
        assert decoded.text == text


# --- duplicate rows: hashing a few columns first finds exactly the same duplicates -----------


@settings(max_examples=150, deadline=None)
@given(
    rows=st.lists(
        st.tuples(st.sampled_from(["a", "b", ""]), st.sampled_from(["1", "2"]), st.booleans()),
        max_size=30,
    ),
    prefilter=st.sampled_from([["c0"], ["c1"], ["c0", "c1"], ["c2"]]),
)
def test_duplicate_prefilter_finds_the_same_rows(rows, prefilter):
    frame = pl.DataFrame(
        [(a, b, "x" if flag else None) for a, b, flag in rows],
        schema={"c0": pl.String, "c1": pl.String, "c2": pl.String},
        orient="row",
    )
    columns = ["c0", "c1", "c2"]
    expected = [any(rows[j] == row for j in range(i)) for i, row in enumerate(rows)]
    assert duplicate_mask(frame, columns, prefilter).to_list() == expected
    assert duplicate_mask(frame, columns).to_list() == expected
