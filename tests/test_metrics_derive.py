"""Derived tables: offer resolution, target-group source, episodes, the data window."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from metrics_fixtures import add_offer, add_placement, d, make_db, rebuild, settings_with

from capacity.derive import resolve_window
from capacity.errors import MissingDataError
from capacity.metrics import table_episodes
from capacity.metrics.base import derived_state


def _placements(con) -> list[dict]:
    return con.sql("SELECT * FROM placements ORDER BY line").pl().to_dicts()


def test_offer_resolution_and_extract_in_force() -> None:
    con = make_db()
    add_offer(
        con,
        extract="2019-01-01",
        tilbud_id=1,
        pladser=5,
        ejerform="privat",
        driftsherre=None,
        beliggenhed="657",
        maalgrupper="Angst",
    )
    add_offer(
        con,
        extract="2021-01-01",
        tilbud_id=1,
        pladser=5,
        ejerform="selvejende",
        driftsherre=None,
        beliggenhed="657",
        maalgrupper="Autismespektrum",
    )
    add_offer(
        con,
        extract="2021-01-01",
        tilbud_id=2,
        pladser=9,
        ejerform="kommunal",
        driftsherre="751",
        beliggenhed="751",
    )
    con.execute("INSERT INTO provider_map (leverandoer, tilbud_id) VALUES ('Mapped', 2)")
    # delivered id wins over the mapping; the 2019 extract is in force for a 2020 start
    add_placement(
        con, person="a", birth="1990-01-01", start="2020-05-01", tilbud_id=1, leverandoer="Mapped"
    )
    # id from the provider mapping; offer only in a later extract -> the earliest one
    add_placement(con, person="b", birth="1990-01-01", start="2018-05-01", leverandoer="Mapped")
    # no id, no mapping
    add_placement(con, person="c", birth="1990-01-01", start="2020-05-01", leverandoer="Ukendt")
    # a 2022 start uses the 2021 extract
    add_placement(con, person="e", birth="1990-01-01", start="2022-05-01", tilbud_id=1)
    rebuild(con, data_date=d("2022-12-31"))
    rows = _placements(con)
    got = [
        (
            r["person_key"],
            r["tilbud_id"],
            r["tilbud_id_source"],
            r["offer_extract_date"],
            r["ejerform"],
            r["tg_source"],
            r["target_group"],
        )
        for r in rows
    ]
    assert got == [
        ("a", 1, "delivered", d("2019-01-01"), "privat", "offer", "V3"),  # Angst in 2019
        ("b", 2, "provider_map", d("2021-01-01"), "kommunal", "none", "X"),
        ("c", None, None, None, None, "none", "X"),
        ("e", 1, "delivered", d("2021-01-01"), "selvejende", "offer", "V1"),
    ]


def test_target_group_source_prefers_citizen_then_offer_paragraph() -> None:
    con = make_db()
    add_offer(
        con,
        extract="2020-01-01",
        tilbud_id=5,
        pladser=4,
        paragraf="SEL_108",
        maalgrupper="Erhvervet hjerneskade",
    )
    add_offer(
        con,
        extract="2020-01-01",
        tilbud_id=5,
        pladser=4,
        paragraf="SEL_107",
        afdeling_id=51,
        maalgrupper="Autismespektrum",
    )
    # citizen's own names win
    add_placement(
        con,
        person="a",
        birth="1990-01-01",
        start="2020-02-01",
        tilbud_id=5,
        primary="Sindslidelse",
    )
    # offer names for the placement's paragraph (SEL_107 -> autism), not the whole offer
    add_placement(
        con, person="b", birth="1990-01-01", start="2020-02-01", tilbud_id=5, paragraf="SEL_107"
    )
    # a paragraph the offer does not list -> all of the offer's names (V2 beats V1)
    add_placement(
        con,
        person="c",
        birth="1990-01-01",
        start="2020-02-01",
        tilbud_id=5,
        paragraf="ABL_105_SEL_85",
    )
    rebuild(con, data_date=d("2020-12-31"))
    got = [
        (r["person_key"], r["tg_source"], r["tg_names"], r["target_group"])
        for r in _placements(con)
    ]
    assert got == [
        ("a", "citizen", ["Psykiske vanskeligheder"], "V3"),
        ("b", "offer", ["Autismespektrum"], "V1"),
        ("c", "offer", ["Autismespektrum", "Erhvervet hjerneskade"], "V2"),
    ]


def test_episodes_chain_moves_within_the_gap() -> None:
    con = make_db()
    # p1: ends 10 Jan, next starts 25 Jan: 14 days without placement (11..24) -> same episode
    add_placement(con, person="p1", birth="1980-01-01", start="2020-01-01", end="2020-01-10")
    add_placement(
        con,
        person="p1",
        birth="1980-01-01",
        start="2020-01-25",
        end="2020-03-01",
        paragraf="SEL_107",
        leverandoer="Andet sted",
    )
    # p2: ends 10 Jan, next starts 26 Jan: 15 days -> a new episode
    add_placement(con, person="p2", birth="1980-01-01", start="2020-01-01", end="2020-01-10")
    add_placement(con, person="p2", birth="1980-01-01", start="2020-01-26")
    # p3: overlapping placements (a long one containing a short one) -> one episode
    add_placement(con, person="p3", birth="1980-01-01", start="2020-01-01", end="2020-12-31")
    add_placement(con, person="p3", birth="1980-01-01", start="2020-03-01", end="2020-04-01")
    add_placement(con, person="p3", birth="1980-01-01", start="2021-01-05", end="2021-02-01")
    # p4: a day offer (§ 104) is not a place: no episode
    add_placement(con, person="p4", birth="1980-01-01", start="2020-01-01", paragraf="SEL_104")
    rebuild(con, data_date=d("2021-12-31"))
    ep = table_episodes(con)
    got = [
        (r["person_key"], r["start_date"], r["end_date"], r["n_placements"]) for r in ep.to_dicts()
    ]
    assert got == [
        ("p1", d("2020-01-01"), d("2020-03-01"), 2),
        ("p2", d("2020-01-01"), d("2020-01-10"), 1),
        ("p2", d("2020-01-26"), None, 1),
        ("p3", d("2020-01-01"), d("2021-02-01"), 3),
    ]
    assert ep.filter(pl.col("person_key") == "p1")["last_paragraf"].to_list() == ["SEL_107"]
    day_offer = con.execute("SELECT episode_id FROM placements WHERE person_key = 'p4'")
    assert day_offer.fetchall() == [(None,)]


def test_gap_days_is_configurable() -> None:
    con = make_db()
    add_placement(con, person="p", birth="1980-01-01", start="2020-01-01", end="2020-01-10")
    add_placement(con, person="p", birth="1980-01-01", start="2020-02-01")  # 21 days between
    rebuild(con, data_date=d("2020-12-31"))
    assert table_episodes(con).height == 2
    rebuild(con, data_date=d("2020-12-31"), episodes_gap_days=30)
    assert table_episodes(con).height == 1
    assert derived_state(con).episode_gap_days == 30


def test_child_to_adult_move_splits_the_episode_by_area() -> None:
    con = make_db()
    # a child placement until the day before the 18th birthday, then § 107 the next day
    add_placement(
        con,
        person="y",
        birth="2002-03-15",
        start="2016-01-01",
        end="2020-03-14",
        paragraf="SEL_52_3_7",
        primary="Autisme",
    )
    add_placement(
        con,
        person="y",
        birth="2002-03-15",
        start="2020-03-15",
        paragraf="SEL_107",
        primary="Autisme",
    )
    rebuild(con, data_date=d("2021-12-31"))
    got = [
        (r["area"], r["target_group"], r["start_date"], r["end_date"])
        for r in table_episodes(con).sort("start_date").to_dicts()
    ]
    assert got == [
        ("children", "B1", d("2016-01-01"), d("2020-03-14")),
        ("adults", "V1", d("2020-03-15"), None),
    ]
    rebuild(con, data_date=d("2021-12-31"), episodes_split_by_area=False)
    assert table_episodes(con).height == 1


def test_end_after_the_data_date_is_ongoing() -> None:
    con = make_db()
    add_placement(con, person="p", birth="1980-01-01", start="2020-01-01", end="2026-06-30")
    rebuild(con, data_date=d("2021-12-31"))
    assert table_episodes(con)["end_date"].to_list() == [None]


def test_episode_group_uses_citizen_names_of_earlier_placement() -> None:
    con = make_db()
    add_placement(
        con,
        person="p",
        birth="1980-01-01",
        start="2019-01-01",
        end="2019-06-30",
        primary="Autisme",
    )
    # moved to an unmatched provider delivered without target groups
    add_placement(con, person="p", birth="1980-01-01", start="2019-07-01", leverandoer="Ny")
    rebuild(con, data_date=d("2021-12-31"))
    rows = con.execute("SELECT year, target_group FROM episode_years ORDER BY year").fetchall()
    assert rows == [(2019, "V1"), (2020, "V1"), (2021, "V1")]


def test_rebuild_replaces_the_interim_view_and_is_idempotent() -> None:
    con = make_db()
    con.execute("CREATE VIEW placements AS SELECT * FROM placement_rows")
    add_placement(con, person="p", birth="1980-01-01", start="2019-01-01", primary="Autisme")
    first = rebuild(con, data_date=d("2020-12-31"))
    snapshot = con.sql("SELECT * FROM placements").pl()
    years = con.sql("SELECT * FROM episode_years ORDER BY year").pl()
    second = rebuild(con, data_date=d("2020-12-31"))
    assert first == second
    assert con.sql("SELECT * FROM placements").pl().equals(snapshot)
    assert con.sql("SELECT * FROM episode_years ORDER BY year").pl().equals(years)
    kind = con.execute(
        "SELECT table_type FROM information_schema.tables WHERE table_name = 'placements'"
    ).fetchall()
    assert kind == [("BASE TABLE",)]


def test_data_window_resolution() -> None:
    con = make_db()
    add_placement(con, person="a", birth="1980-01-01", start="2005-01-01", end="2014-03-01")
    add_placement(con, person="b", birth="1980-01-01", start="2016-01-01")
    add_placement(con, person="c", birth="1980-01-01", start="2025-12-10")
    auto = settings_with()
    # data date = latest start (10 Dec, within 31 days of year end -> 2025 complete);
    # first year = year of the earliest end date (earlier years are incomplete)
    window = resolve_window(con, auto)
    assert (window.data_date, window.first_year, window.last_year) == (d("2025-12-10"), 2014, 2025)
    strict = settings_with(complete_year_slack_days=10)
    assert resolve_window(con, strict).last_year == 2024
    con.execute("INSERT INTO meta VALUES ('data_date', '2024-06-30')")
    window = resolve_window(con, auto)
    assert (window.data_date, window.last_year) == (d("2024-06-30"), 2023)
    fixed = settings_with(data_date=dt.date(2023, 12, 31), first_year=2016)
    window = resolve_window(con, fixed)
    assert (window.data_date, window.first_year, window.last_year) == (d("2023-12-31"), 2016, 2023)


def test_metrics_need_the_derived_tables() -> None:
    con = make_db()
    with pytest.raises(MissingDataError, match="capacity ingest"):
        table_episodes(con)
    rebuild(con)  # no placements at all
    with pytest.raises(MissingDataError, match="no placements"):
        table_episodes(con)
