"""Costs: spend in the year, distributions, expensive cases, § 176 refund (hand-worked)."""

from __future__ import annotations

import polars as pl
import pytest
from metrics_fixtures import add_offer, add_placement, d, make_db, rebuild

from capacity.metrics import (
    compute_cost_distribution,
    compute_expensive_cases,
    compute_expensive_providers,
    compute_person_cost_distribution,
    compute_refund_estimate,
    table_person_costs,
)
from capacity.metrics.costs import refund_amount, refund_tiers

TIERS_2020 = [(830_000.0, 0.25), (1_630_000.0, 0.50), (2_050_000.0, 0.75)]
TIERS_2022 = [(860_000.0, 0.25), (1_680_000.0, 0.50), (2_120_000.0, 0.75)]


@pytest.fixture(scope="module")
def con():
    con = make_db()
    add_offer(con, extract="2020-01-01", tilbud_id=1, pladser=10, name="Bostedet Solhøj")
    add_offer(
        con,
        extract="2020-01-01",
        tilbud_id=3,
        pladser=10,
        name="Regionshuset",
        ejerform="regional",
        driftsherre="1082",
    )
    v1 = {"primary": "Autisme", "kommune": "751"}
    # P1: § 108 all of 2021 at 730,000 + a § 104 day offer at 36,500 -> 766,500
    add_placement(
        con, person="P1", birth="1981-03-01", start="2020-01-01", annual_cost=730_000, **v1
    )
    add_placement(
        con,
        person="P1",
        birth="1981-03-01",
        start="2020-01-01",
        paragraf="SEL_104",
        annual_cost=36_500,
        **v1,
    )
    # P2: 3,650,000 a year from 1 July 2021: 184 days -> 3,650,000 x 184 / 365 = 1,840,000
    add_placement(
        con, person="P2", birth="1991-01-01", start="2021-07-01", annual_cost=3_650_000, **v1
    )
    # P5: no price delivered
    add_placement(con, person="P5", birth="1991-01-01", start="2020-01-01", **v1)
    v3 = {"primary": "Angst", "kommune": "657"}
    # P3: 2,500,000 all year, aged 50; P4: 5,000,000 all year, aged 70 (no § 176 refund)
    add_placement(
        con,
        person="P3",
        birth="1970-06-01",
        start="2020-01-01",
        tilbud_id=1,
        annual_cost=2_500_000,
        **v3,
    )
    add_placement(
        con,
        person="P4",
        birth="1950-06-01",
        start="2020-01-01",
        tilbud_id=3,
        annual_cost=5_000_000,
        **v3,
    )
    rebuild(con, data_date=d("2021-12-31"), first_year=2021)
    return con


def test_person_costs(con) -> None:
    persons = table_person_costs(con, year=2021)
    got = {
        r["person_key"]: (r["target_group"], r["placements"], r["spend"])
        for r in persons.to_dicts()
    }
    assert got == {
        "P1": ("V1", 2, pytest.approx(766_500.0)),
        "P2": ("V1", 1, pytest.approx(1_840_000.0)),
        "P3": ("V3", 1, pytest.approx(2_500_000.0)),
        "P4": ("V3", 1, pytest.approx(5_000_000.0)),
        "P5": ("V1", 1, 0.0),
    }


def test_cost_distribution_per_placement(con) -> None:
    out = compute_cost_distribution(con, year=2021)
    v1 = out.filter((pl.col("target_group") == "V1") & (pl.col("paragraf") == "SEL_108"))
    row = v1.to_dicts()[0]
    # prices 730,000 and 3,650,000 (P5 without price): linear quantiles between them
    assert (row["n"], row["n_missing"]) == (2, 1)
    assert row["median"] == pytest.approx(2_190_000)
    assert row["q1"] == pytest.approx(730_000 + 0.25 * 2_920_000)
    assert row["q3"] == pytest.approx(730_000 + 0.75 * 2_920_000)
    assert row["p90"] == pytest.approx(730_000 + 0.90 * 2_920_000)
    assert row["spend"] == pytest.approx(730_000 + 1_840_000)
    day = out.filter(pl.col("paragraf") == "SEL_104").to_dicts()[0]
    assert (day["target_group"], day["n"], day["median"]) == ("V1", 1, 36_500)
    by_group = compute_cost_distribution(con, year=2021, by=("target_group",))
    assert by_group["target_group"].to_list() == ["V1", "V3"]


def test_person_cost_distribution(con) -> None:
    out = compute_person_cost_distribution(con, year=2021)
    rows = {r["target_group"]: r for r in out.to_dicts()}
    assert list(rows) == ["V1", "V3", "ALL"]
    # V1 persons: 0 (P5), 766,500, 1,840,000
    assert rows["V1"]["n"] == 3
    assert rows["V1"]["median"] == pytest.approx(766_500)
    assert rows["V1"]["mean"] == pytest.approx((766_500 + 1_840_000) / 3)
    assert rows["V3"]["median"] == pytest.approx(3_750_000)
    assert rows["ALL"]["median"] == pytest.approx(1_840_000)
    assert rows["ALL"]["spend"] == pytest.approx(10_106_500)


def test_expensive_cases(con) -> None:
    out = compute_expensive_cases(con, year=2021)
    got = {(r["target_group"], r["threshold"]): r for r in out.to_dicts()}
    v1 = got[("V1", 1_000_000.0)]
    assert (v1["persons"], v1["persons_total"]) == (1, 3)  # P2
    assert v1["persons_share"] == pytest.approx(1 / 3)
    assert v1["spend_share"] == pytest.approx(1_840_000 / 2_606_500)
    assert got[("V1", 2_000_000.0)]["persons"] == 0
    assert got[("V3", 2_000_000.0)]["persons"] == 2
    assert got[("V3", 4_000_000.0)]["spend_share"] == pytest.approx(5 / 7.5)
    all_1m = got[("ALL", 1_000_000.0)]
    assert (all_1m["persons"], all_1m["spend"]) == (3, pytest.approx(9_340_000))
    assert all_1m["spend_share"] == pytest.approx(9_340_000 / 10_106_500)
    # groups without persons: shares undefined
    assert got[("B1", 1_000_000.0)]["persons_share"] is None
    assert out.height == 9 * 3


def test_expensive_providers(con) -> None:
    out = compute_expensive_providers(con, year=2021, threshold=2_000_000)
    assert out.select("tilbud_id", "provider", "persons", "spend").rows() == [
        (3, "Regionshuset", 1, 5_000_000.0),
        (1, "Bostedet Solhøj", 1, 2_500_000.0),
    ]


def test_refund_tiers_and_amount() -> None:
    assert refund_tiers(2022) == (2022, TIERS_2022)
    assert refund_tiers(2024) == (2022, TIERS_2022)  # latest earlier year
    assert refund_tiers(2021) == (2020, TIERS_2020)
    assert refund_tiers(2015) == (2020, TIERS_2020)  # before the table: earliest year
    # 2,500,000 at the 2022 level: 25 % of 820,000 + 50 % of 440,000 + 75 % of 380,000
    assert refund_amount(2_500_000, TIERS_2022) == pytest.approx(205_000 + 220_000 + 285_000)
    assert refund_amount(800_000, TIERS_2022) == 0.0


def test_refund_estimate(con) -> None:
    out = compute_refund_estimate(con, year=2021)
    rows = {(r["kommunekode"], r["target_group"]): r for r in out.to_dicts()}
    # 2021 uses the 2020 thresholds. P2: 25 % x 800,000 + 50 % x 210,000 = 305,000
    v1 = rows[("751", "V1")]
    assert (v1["persons"], v1["persons_with_refund"], v1["thresholds_year"]) == (3, 1, 2020)
    assert v1["refund"] == pytest.approx(305_000)
    # P3: 25 % x 800,000 + 50 % x 420,000 + 75 % x 450,000 = 747,500; P4 (70) is excluded
    v3 = rows[("657", "V3")]
    assert (v3["persons"], v3["spend"]) == (1, pytest.approx(2_500_000))
    assert v3["refund"] == pytest.approx(747_500)
    region = compute_refund_estimate(con, year=2021, level="region")
    assert region["refund"].sum() == pytest.approx(305_000 + 747_500)
