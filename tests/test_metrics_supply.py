"""Supply: places per target group (apportioned and counted), occupancy, capacity changes."""

from __future__ import annotations

import polars as pl
import pytest
from metrics_fixtures import add_offer, add_placement, d, make_db, rebuild

from capacity.errors import MissingDataError
from capacity.metrics import (
    compute_capacity_changes,
    compute_group_occupancy,
    compute_offer_occupancy,
    compute_supply,
)

Y1, Y2 = "2024-01-01", "2025-01-01"


@pytest.fixture(scope="module")
def con():
    con = make_db()
    mixed = "Autismespektrum|Udviklingshæmning|Angst"  # adults: V4, V1 and V3
    children = "Udadreagerende adfærd|Selvskadende adfærd|Omsorgssvigt"  # B2 and B3
    for extract, p10, p12 in [(Y1, 12, 9), (Y2, 30, 14)]:
        add_offer(con, extract=extract, tilbud_id=10, pladser=p10, maalgrupper=mixed)
        add_offer(
            con,
            extract=extract,
            tilbud_id=12,
            pladser=p12,
            paragraf="BL_ANBRINGELSE",
            maalgrupper=children,
            alder_fra=12,
            alder_til=23,
            ejerform="selvejende",
            driftsherre=None,
        )
        add_offer(
            con,
            extract=extract,
            tilbud_id=13,
            pladser=20,
            paragraf="SEL_104",
            maalgrupper="Autismespektrum",
        )  # a day offer: not a place by default
        add_offer(
            con,
            extract=extract,
            tilbud_id=14,
            pladser=30,
            godkendt=False,
            maalgrupper="Autismespektrum",
        )  # not approved
        add_offer(
            con,
            extract=extract,
            tilbud_id=15,
            pladser=40,
            beliggenhed="851",
            in_region=False,
            maalgrupper="Autismespektrum",
        )  # outside the region
        add_offer(con, extract=extract, tilbud_id=16, pladser=5, maalgrupper="Hjemløshed")
    add_offer(
        con,
        extract=Y1,
        tilbud_id=11,
        pladser=6,
        paragraf="SEL_107",
        maalgrupper="Erhvervet hjerneskade",
        ejerform="privat",
        driftsherre=None,
    )
    add_offer(con, extract=Y2, tilbud_id=17, pladser=12, maalgrupper="Autismespektrum")
    add_offer(con, extract=Y2, tilbud_id=18, pladser=3, maalgrupper="Autismespektrum")
    adult = {"birth": "1980-01-01", "primary": "Autisme"}
    for person in ("a", "b", "c"):
        add_placement(con, person=person, start="2023-01-01", tilbud_id=10, **adult)
    add_placement(con, person="d", start="2023-01-01", end="2023-12-31", tilbud_id=10, **adult)
    add_placement(
        con,
        person="e",
        birth="1980-01-01",
        start="2023-01-01",
        tilbud_id=11,
        paragraf="SEL_107",
        primary="Erhvervet hjerneskade",
    )
    add_placement(con, person="f", start="2023-01-01", tilbud_id=15, **adult)
    rebuild(con, data_date=d("2024-12-31"))
    return con


def test_supply_apportioned_and_counted(con) -> None:
    out = compute_supply(con, extract_date=d(Y1))
    assert out.columns == [
        "extract_date",
        "target_group",
        "offers",
        "places_apportioned",
        "places_counted",
    ]
    got = {
        r["target_group"]: (r["offers"], r["places_apportioned"], r["places_counted"])
        for r in out.to_dicts()
    }
    # offer 10 (12 places) serves V4, V1, V3: 4 each apportioned, 12 each counted;
    # offer 12 (9 places) serves B2 and B3: 4.5 each; 11: V2 6; 16: X 5
    assert got == {
        "B1": (0, 0.0, 0),
        "B2": (1, 4.5, 9),
        "B3": (1, 4.5, 9),
        "V1": (1, 4.0, 12),
        "V2": (1, 6.0, 6),
        "V3": (1, 4.0, 12),
        "V4": (1, 4.0, 12),
        "X": (1, 5.0, 5),
    }
    # apportioned places add up to the places (12 + 9 + 6 + 5)
    assert out["places_apportioned"].sum() == pytest.approx(32.0)
    assert set(out["extract_date"]) == {d(Y1)}


def test_supply_latest_extract_options(con) -> None:
    latest = compute_supply(con)
    assert set(latest["extract_date"]) == {d(Y2)}
    # 2025: offer 10 has 30 places (10 each), 17 and 18 add 15 autism places to V1
    v1 = latest.filter(pl.col("target_group") == "V1").to_dicts()[0]
    assert (v1["offers"], v1["places_apportioned"], v1["places_counted"]) == (3, 25.0, 45)
    every = compute_supply(con, extract_date=d(Y1), all_offer_types=True)
    v1 = every.filter(pl.col("target_group") == "V1").to_dicts()[0]
    assert (v1["offers"], v1["places_apportioned"]) == (2, 24.0)
    by = compute_supply(con, extract_date=d(Y1), by=("ejerform",))
    v2 = by.filter(pl.col("target_group") == "V2")
    assert v2.select("ejerform", "places_counted").rows() == [("privat", 6)]
    with pytest.raises(ValueError, match="by may only hold"):
        compute_supply(con, by=("tilbudsnavn",))


def test_offer_occupancy_is_a_lower_bound(con) -> None:
    out = compute_offer_occupancy(con, extract_date=d(Y1))
    assert "observed_occupancy_lower_bound" in out.columns
    got = {
        r["tilbud_id"]: (
            r["places"],
            r["persons_observed"],
            r["observed_occupancy_lower_bound"],
            r["vacant_places_upper_bound"],
        )
        for r in out.to_dicts()
    }
    # offer 10: a, b, c on 1 January 2024 (d left on 31 December): 3 of 12
    assert got[10] == (12, 3, pytest.approx(0.25), 9)
    assert got[11] == (6, 1, pytest.approx(1 / 6), 5)
    assert got[12] == (9, 0, 0.0, 9)
    assert 15 not in got  # outside the region
    assert out["budgeted_occupancy"].to_list() == [None] * out.height


def test_group_occupancy(con) -> None:
    out = compute_group_occupancy(con, extract_date=d(Y1))
    v1 = out.filter(pl.col("target_group") == "V1").to_dicts()[0]
    # 3 V1 citizens in the region's offers (f is in an offer outside the region)
    assert v1["persons_observed"] == 3
    assert v1["occupancy_apportioned_lower_bound"] == pytest.approx(3 / 4)
    assert v1["occupancy_counted_lower_bound"] == pytest.approx(3 / 12)
    v2 = out.filter(pl.col("target_group") == "V2").to_dicts()[0]
    assert v2["occupancy_apportioned_lower_bound"] == pytest.approx(1 / 6)


def test_capacity_changes(con) -> None:
    out = compute_capacity_changes(con)
    assert out.select(
        "tilbud_id", "places_from", "places_to", "change", "change_type", "needs_approval"
    ).rows() == [
        (10, 12, 30, 18, "ændret", True),
        (17, 0, 12, 12, "nyt", True),
        (11, 6, 0, -6, "lukket", True),  # a closure always needs approval
        (12, 9, 14, 5, "ændret", False),
        (18, 0, 3, 3, "nyt", False),
    ]
    assert set(out["from_date"]) == {d(Y1)} and set(out["to_date"]) == {d(Y2)}
    lower = compute_capacity_changes(con, threshold=4)
    assert lower.filter(pl.col("tilbud_id") == 12)["needs_approval"].to_list() == [True]


def test_capacity_changes_need_two_extracts() -> None:
    con = make_db()
    add_offer(con, extract=Y1, tilbud_id=1, pladser=3)
    with pytest.raises(MissingDataError, match="two Tilbudsportalen extracts"):
        compute_capacity_changes(con)
