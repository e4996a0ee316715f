"""Series breaks: a relabelling at a law change must not read as a change in demand."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import polars as pl
import pytest

from capacity.forecast import forecast_target_group
from capacity.forecast.breaks import BreakSpec, find_relabelling, repair_relabelling
from capacity.forecast.settings import load_forecast_settings
from capacity.forecast.synthetic import SyntheticSpec, make_synthetic_input

BREAK = dt.date(2024, 1, 1)
SPEC = SyntheticSpec(
    target_group="B3",
    area="children",
    n_kommuner=5,
    band_share=0.2,
    rate_per_10k=30.0,
    mean_los_years=3.0,
    last_year=2025,
)


@pytest.fixture(scope="module")
def inputs():
    clean = make_synthetic_input(SPEC, seed=4)
    broken = make_synthetic_input(dataclasses.replace(SPEC, relabel_date=BREAK), seed=4)
    return clean, broken


def _region(history: pl.DataFrame, quantity: str) -> dict[int, float]:
    agg = history.group_by("year").agg(pl.col(quantity).sum()).sort("year")
    return dict(zip(agg["year"].to_list(), agg[quantity].to_list(), strict=True))


def test_relabelling_shows_as_a_false_jump_without_repair(inputs):
    clean, broken = inputs
    spanning = clean.episodes.filter(
        (pl.col("start_date") < BREAK)
        & (pl.col("end_date").is_null() | (pl.col("end_date") >= BREAK))
    ).height
    assert spanning > 50
    inflow_clean, inflow_broken = (
        _region(clean.history, "inflow"),
        _region(broken.history, "inflow"),
    )
    assert inflow_broken[2024] - inflow_clean[2024] == spanning
    assert (
        _region(broken.history, "stock")[2024] == _region(clean.history, "stock")[2024] - spanning
    )
    # the census does not see the relabelling: the days in care are the same
    assert _region(broken.history, "census") == pytest.approx(_region(clean.history, "census"))


def test_repair_finds_every_pair_and_restores_the_history(inputs):
    clean, broken = inputs
    specs = [BreakSpec(date=BREAK, series="CHILD_PLACEMENT")]
    report = find_relabelling(broken.episodes, specs)
    spanning = clean.episodes.filter(
        (pl.col("start_date") < BREAK)
        & (pl.col("end_date").is_null() | (pl.col("end_date") >= BREAK))
    ).height
    assert report.n_pairs == spanning
    repaired, _ = repair_relabelling(broken, specs)
    cols = ["kommunekode", "year", "census", "stock", "inflow", "outflow"]
    got = repaired.history.select(cols).sort(["kommunekode", "year"])
    want = clean.history.select(cols).sort(["kommunekode", "year"])
    assert got.equals(want)


def test_other_series_and_far_dates_are_not_joined(inputs):
    _, broken = inputs
    other = [BreakSpec(date=BREAK, series="SEL_107")]
    assert find_relabelling(broken.episodes, other).n_pairs == 0
    elsewhere = [BreakSpec(date=dt.date(2019, 7, 1), series="CHILD_PLACEMENT")]
    assert find_relabelling(broken.episodes, elsewhere).n_pairs == 0


def test_forecast_is_the_same_as_without_the_break(inputs):
    clean, broken = inputs
    settings = dataclasses.replace(load_forecast_settings(), n_paths=100, n_paths_backtest=50)
    models = ["naive", "drift", "demographic_constant", "stockflow"]
    a = forecast_target_group(clean, horizon=3, models=models, seed=1, settings=settings)
    b = forecast_target_group(broken, horizon=3, models=models, seed=1, settings=settings)
    assert b.breaks is not None and b.breaks.n_pairs > 0
    assert any("joined" in n for n in b.notes)
    assert a.principal == b.principal
    assert a.table.equals(b.table)
    np.testing.assert_array_equal(a.paths["inflow"], b.paths["inflow"])
