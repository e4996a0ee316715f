"""The waiting list: open referrals and waiting times (hand-worked days)."""

from __future__ import annotations

import polars as pl
import pytest
from metrics_fixtures import d, make_db

from capacity.metrics import compute_waiting_list


@pytest.fixture(scope="module")
def con():
    con = make_db()
    rows = [
        ("751", "V1", "2024-01-01", "2024-03-01"),  # waited 60 days (2024 is a leap year)
        ("751", "V1", "2024-02-01", "2024-02-11"),  # 10 days
        ("751", "V1", "2024-05-01", None),  # open
        ("657", "V1", "2024-06-01", "2024-12-01"),  # open on 1 July, placed later
        ("751", "V3", "2024-03-01", None),  # open
        ("751", "V3", "2024-08-01", None),  # referred after 1 July
    ]
    for i, (kommune, group, referral, placement) in enumerate(rows):
        con.execute(
            "INSERT INTO waiting_list (person_key, birth_year, sex, handlekommune, "
            "target_group, referral_date, placement_date) VALUES (?, 1990, 'M', ?, ?, ?, ?)",
            [f"w{i}", kommune, group, d(referral), d(placement) if placement else None],
        )
    return con


def test_waiting_list_on_a_date(con) -> None:
    out = compute_waiting_list(con, ref_date=d("2024-07-01"))
    rows = {r["target_group"]: r for r in out.to_dicts()}
    assert list(rows) == ["B1", "B2", "B3", "V1", "V2", "V3", "V4", "X"]
    v1 = rows["V1"]
    # open on 1 July: referred 1 May (61 days) and 1 June (30 days)
    assert v1["open_referrals"] == 2
    assert v1["open_wait_median_days"] == pytest.approx(45.5)
    assert v1["open_wait_p75_days"] == pytest.approx(30 + 0.75 * 31)
    # placed by 1 July: 60 and 10 days
    assert v1["placed"] == 2
    assert v1["wait_median_days"] == pytest.approx(35.0)
    assert v1["wait_p75_days"] == pytest.approx(10 + 0.75 * 50)
    v3 = rows["V3"]
    assert (v3["open_referrals"], v3["open_wait_median_days"], v3["placed"]) == (1, 122.0, 0)
    assert v3["wait_median_days"] is None
    assert rows["B1"]["open_referrals"] == 0


def test_waiting_list_defaults_and_by_municipality(con) -> None:
    out = compute_waiting_list(con)
    # default date: the latest date on the list (placement 1 December 2024)
    assert set(out["ref_date"]) == {d("2024-12-01")}
    v1 = out.filter(pl.col("target_group") == "V1").to_dicts()[0]
    assert (v1["open_referrals"], v1["placed"]) == (1, 3)
    per = compute_waiting_list(con, ref_date=d("2024-07-01"), by_municipality=True)
    assert per.columns[0] == "kommunekode"
    herning = per.filter((pl.col("kommunekode") == "657") & (pl.col("target_group") == "V1"))
    assert herning.select("open_referrals", "open_wait_median_days").rows() == [(1, 30.0)]
    assert per.height == 19 * 8


def test_empty_waiting_list() -> None:
    out = compute_waiting_list(make_db())
    assert out["open_referrals"].to_list() == [0] * 8
    assert out["ref_date"].to_list() == [None] * 8
