"""Length of stay (Kaplan-Meier with censoring and late entry) and the Little's law check."""

from __future__ import annotations

import polars as pl
import pytest
from metrics_fixtures import add_placement, d, make_db, rebuild

from capacity.metrics import compute_length_of_stay, compute_littles_law


@pytest.fixture(scope="module")
def los_con():
    con = make_db()
    autism = {"birth": "1990-05-01", "primary": "Autisme"}
    # three episodes starting in the window (2019) and one from before it
    add_placement(con, person="a", start="2019-01-01", end="2019-01-10", **autism)  # 10 days
    add_placement(con, person="b", start="2019-01-01", end="2019-01-20", **autism)  # 20 days
    add_placement(con, person="c", start="2019-01-01", **autism)  # censored at 365 days
    # began 2015-01-01 (1,461 days before the window), ended 2019-06-01: 1,613 days
    add_placement(con, person="p", start="2015-01-01", end="2019-06-01", **autism)
    # one V3 episode of 100 days
    add_placement(
        con, person="q", birth="1990-05-01", start="2019-03-01", end="2019-06-08", primary="Angst"
    )
    rebuild(con, data_date=d("2019-12-31"), first_year=2019)
    return con


def test_kaplan_meier_by_hand(los_con) -> None:
    summary, survival = compute_length_of_stay(los_con)
    v1 = summary.filter(pl.col("target_group") == "V1").to_dicts()[0]
    assert (v1["n"], v1["events"], v1["censored"]) == (4, 3, 1)
    # at 10 days 3 at risk (p enters only at day 1,461): S = 2/3; at 20 days 2 at risk:
    # S = 2/3 x 1/2 = 1/3; c is censored at 365; at 1,613 days only p is at risk: S = 0
    curve = survival.filter(pl.col("target_group") == "V1")
    steps = dict(zip(curve["days"].to_list(), curve["survival"].to_list(), strict=True))
    assert steps[0.0] == pytest.approx(1.0)
    assert steps[10.0] == pytest.approx(2 / 3)
    assert steps[20.0] == pytest.approx(1 / 3)
    assert steps[1613.0] == pytest.approx(0.0)
    assert v1["median_days"] == pytest.approx(20.0)
    # area under the curve up to 1,613 days: 10 x 1 + 10 x 2/3 + 1,593 x 1/3
    assert v1["restricted_to_days"] == pytest.approx(1613.0)
    assert v1["mean_days_restricted"] == pytest.approx(10 + 10 * 2 / 3 + 1593 / 3)
    assert v1["survival_1y"] == pytest.approx(1 / 3)
    assert summary["target_group"].to_list() == ["V1", "V3"]
    assert survival.columns == [
        "target_group",
        "days",
        "survival",
        "ci_lower",
        "ci_upper",
        "at_risk",
    ]


def test_median_not_reached_is_null_and_group_filter(los_con) -> None:
    summary, survival = compute_length_of_stay(los_con, target_group="V3")
    assert summary["target_group"].to_list() == ["V3"]
    row = summary.to_dicts()[0]
    # one episode of 1 Mar-8 Jun 2019 = 100 days, observed to end
    assert (row["n"], row["events"], row["median_days"]) == (1, 1, 100.0)
    assert set(survival["target_group"]) == {"V3"}

    con = make_db()
    add_placement(con, person="x", birth="1990-01-01", start="2019-01-01", primary="Autisme")
    rebuild(con, data_date=d("2019-12-31"))
    summary, _ = compute_length_of_stay(con)
    assert summary["median_days"].to_list() == [None]


def test_littles_law_steady_state_and_flag() -> None:
    con = make_db()
    # one V1 stay of a calendar year in each of 2015-2020 (a new person each year)
    for year in range(2015, 2021):
        add_placement(
            con,
            person=f"v{year}",
            birth="1980-01-01",
            start=f"{year}-01-01",
            end=f"{year}-12-31",
            primary="Autisme",
        )
    # a V3 resident since 2010 who never leaves: census 1 but no inflow to explain it
    add_placement(con, person="old", birth="1960-01-01", start="2010-01-01", primary="Angst")
    rebuild(con, data_date=d("2020-12-31"), first_year=2015)
    out = compute_littles_law(con)
    v1 = out.filter(pl.col("target_group") == "V1").to_dicts()[0]
    # census 1 every year; inflow 1 per year; stays of 365 days (366 in the leap years 2016
    # and 2020), all ended: restricted mean = (4 x 365 + 2 x 366) / 6 = 365.33 days
    # = 1.00023 years
    assert v1["census_mean"] == pytest.approx(1.0)
    assert v1["inflow_mean"] == pytest.approx(1.0)
    assert v1["mean_los_years"] == pytest.approx((4 * 365 + 2 * 366) / 6 / 365.25)
    assert v1["ratio"] == pytest.approx(1 / ((4 * 365 + 2 * 366) / 6 / 365.25))
    assert v1["flagged"] is False
    v3 = out.filter(pl.col("target_group") == "V3").to_dicts()[0]
    assert v3["census_mean"] == pytest.approx(1.0)
    assert v3["inflow_mean"] == 0
    assert v3["flagged"] is True
    # a group without any activity is not flagged
    assert out.filter(pl.col("target_group") == "V2")["flagged"].to_list() == [False]
    # tolerance: a ratio of 0.99977 is flagged only with a tolerance below 0.00023
    strict = compute_littles_law(con, tolerance=0.0001)
    assert strict.filter(pl.col("target_group") == "V1")["flagged"].to_list() == [True]
