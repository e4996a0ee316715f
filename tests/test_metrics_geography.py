"""Where and with whom: ownership, location and the flow matrix on a hand-built fixture."""

from __future__ import annotations

import polars as pl
import pytest
from metrics_fixtures import add_offer, add_placement, d, make_db, rebuild

from capacity.metrics import (
    compute_flow_matrix,
    compute_location,
    compute_memberships,
    compute_ownership,
    table_placement_status,
)

REF = d("2021-01-01")


@pytest.fixture(scope="module")
def con():
    con = make_db()
    offers = [
        (1, "kommunal", "751", "751", True),
        (2, "kommunal", "657", "657", True),
        (3, "regional", "1082", "740", True),
        (4, "privat", None, "851", False),  # Aalborg, outside the region
        (5, "selvejende", None, "751", True),
    ]
    for tilbud, ejerform, drift, belig, in_region in offers:
        add_offer(
            con,
            extract="2020-01-01",
            tilbud_id=tilbud,
            pladser=10,
            ejerform=ejerform,
            driftsherre=drift,
            beliggenhed=belig,
            in_region=in_region,
        )
        add_offer(
            con,
            extract="2020-01-01",
            tilbud_id=tilbud,
            pladser=10,
            ejerform=ejerform,
            driftsherre=drift,
            beliggenhed=belig,
            in_region=in_region,
            paragraf="SEL_104",
            afdeling_id=tilbud * 10 + 1,
        )
    v1 = {"birth": "1980-01-01", "start": "2020-01-01", "primary": "Autisme"}
    add_placement(con, person="a", tilbud_id=1, annual_cost=500_000, **v1)
    add_placement(con, person="b", tilbud_id=2, annual_cost=600_000, **v1)
    add_placement(con, person="c", tilbud_id=3, annual_cost=700_000, **v1)
    add_placement(con, person="d", tilbud_id=4, annual_cost=800_000, **v1)
    add_placement(con, person="e", tilbud_id=5, annual_cost=900_000, **v1)
    add_placement(con, person="f", leverandoer="Ukendt", annual_cost=1_000_000, **v1)
    # ended the day before the reference date: not counted
    add_placement(
        con,
        person="g",
        tilbud_id=1,
        annual_cost=1,
        birth="1980-01-01",
        start="2020-01-01",
        end="2020-12-31",
        primary="Autisme",
    )
    # Herning's citizen in Herning's own offer
    add_placement(
        con,
        person="h",
        tilbud_id=2,
        kommune="657",
        annual_cost=100_000,
        birth="1980-01-01",
        start="2020-01-01",
        primary="Angst",
    )
    # a day offer (§ 104) for person a: only with all_offer_types
    add_placement(con, person="a", tilbud_id=1, paragraf="SEL_104", annual_cost=50_000, **v1)
    rebuild(con, data_date=d("2021-12-31"))
    return con


def _cells(df: pl.DataFrame, kommune: str, group: str, column: str) -> dict:
    sub = df.filter((pl.col("kommunekode") == kommune) & (pl.col("target_group") == group))
    return {r[column]: (r["persons"], r["placements"], r["annual_cost"]) for r in sub.to_dicts()}


def test_status_on_the_reference_date(con) -> None:
    status = table_placement_status(con, ref_date=REF)
    assert sorted(status["person_key"].to_list()) == ["a", "b", "c", "d", "e", "f", "h"]
    assert table_placement_status(con, ref_date=REF, all_offer_types=True).height == 8


def test_ownership(con) -> None:
    out = compute_ownership(con, ref_date=REF)
    assert out.columns == [
        "kommunekode",
        "target_group",
        "ownership",
        "persons",
        "placements",
        "annual_cost",
    ]
    assert _cells(out, "751", "V1", "ownership") == {
        "kommunal_egen": (1, 1, 500_000.0),
        "kommunal_anden": (1, 1, 600_000.0),
        "regional": (1, 1, 700_000.0),
        "selvejende": (1, 1, 900_000.0),
        "privat": (1, 1, 800_000.0),
        "ukendt": (1, 1, 1_000_000.0),
    }
    # the same municipal offer is "own" for Herning
    assert _cells(out, "657", "V3", "ownership")["kommunal_egen"] == (1, 1, 100_000.0)
    # zeros filled: 19 municipalities x 8 groups x 6 kinds
    assert out.height == 19 * 8 * 6
    # the day offer joins a's own-municipality cell: 1 person, 2 placements
    every = compute_ownership(con, ref_date=REF, all_offer_types=True)
    assert _cells(every, "751", "V1", "ownership")["kommunal_egen"] == (1, 2, 550_000.0)


def test_location(con) -> None:
    out = compute_location(con, ref_date=REF)
    assert _cells(out, "751", "V1", "location") == {
        "egen_kommune": (2, 2, 1_400_000.0),  # a (municipal, 751) and e (selvejende, 751)
        "regionen": (2, 2, 1_300_000.0),  # b (Herning) and c (regional, Silkeborg)
        "uden_for_regionen": (1, 1, 800_000.0),  # d (Aalborg)
        "ukendt": (1, 1, 1_000_000.0),  # f (provider not matched)
    }
    region = compute_location(con, ref_date=REF, level="region")
    assert set(region["kommunekode"]) == {"1082"}
    assert _cells(region, "1082", "V3", "location")["egen_kommune"] == (1, 1, 100_000.0)


def test_flow_matrix(con) -> None:
    out = compute_flow_matrix(con, ref_date=REF)
    assert out.select("kommunekode", "beliggenhedskommune", "persons").rows() == [
        ("657", "657", 1),
        ("751", "657", 1),
        ("751", "740", 1),
        ("751", "751", 2),
        ("751", "851", 1),
        ("751", "ukendt", 1),
    ]
    only_v3 = compute_flow_matrix(con, ref_date=REF, target_group="V3")
    assert only_v3.select("kommunekode", "beliggenhedskommune").rows() == [("657", "657")]


def test_exclusive_and_multi_membership() -> None:
    con = make_db()
    # one person matching V4, V1 and V3 (exclusive: V4), one with autism only (V1)
    add_placement(
        con,
        person="m",
        birth="1980-01-01",
        start="2020-01-01",
        primary="Udviklingshæmning",
        secondary="Autismespektrum|Depression",
    )
    add_placement(con, person="n", birth="1980-01-01", start="2020-01-01", primary="Autisme")
    rebuild(con, data_date=d("2021-12-31"))
    out = compute_memberships(con, ref_date=REF, level="region")
    got = {r["target_group"]: (r["persons_exclusive"], r["persons_any"]) for r in out.to_dicts()}
    assert got == {
        "B1": (0, 0),
        "B2": (0, 0),
        "B3": (0, 0),
        "V1": (1, 2),
        "V2": (0, 0),
        "V3": (0, 1),
        "V4": (1, 1),
        "X": (0, 0),
    }
