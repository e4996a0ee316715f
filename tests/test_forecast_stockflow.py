"""The stock-flow Monte Carlo: survival sampling, coherence, seeds, age rule, pipeline."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import polars as pl
import pytest

from capacity.forecast import forecast_target_group
from capacity.forecast.panel import age_on, build_panel, jan1
from capacity.forecast.pipeline import pipeline_history
from capacity.forecast.settings import load_forecast_settings
from capacity.forecast.stockflow import (
    StockFlowSettings,
    fit_age_rule,
    simulate_stockflow,
)
from capacity.forecast.survival import fit_survival
from capacity.forecast.synthetic import SyntheticSpec, make_synthetic_input


def _settings(**kw):
    base = load_forecast_settings()
    return dataclasses.replace(base, n_paths=200, n_paths_backtest=100, **kw)


def test_survival_sampling_matches_the_curve_and_respects_elapsed_time():
    rng = np.random.default_rng(1)
    true_mean = 900.0
    durations = np.ceil(rng.exponential(true_mean, size=4000))
    censor = rng.uniform(0, 3000, size=4000)
    events = durations <= censor
    observed = np.minimum(durations, np.ceil(censor))
    curve = fit_survival(observed, events)
    assert curve.mean_days() == pytest.approx(true_mean, rel=0.08)
    draws = curve.sample(rng.random(200_000))
    assert draws.mean() == pytest.approx(curve.mean_days(), rel=0.03)
    elapsed = np.full(50_000, 1500.0)
    cond = curve.sample(rng.random(50_000), elapsed)
    assert (cond > elapsed).all()
    # exponential stays are memoryless: the remaining stay has the same mean again
    assert (cond - elapsed).mean() == pytest.approx(true_mean, rel=0.12)


@pytest.fixture(scope="module")
def adult_input():
    spec = SyntheticSpec(
        n_kommuner=5, rate_per_10k=6.0, mean_los_years=2.5, feeder_rate_per_10k=12.0
    )
    return make_synthetic_input(spec, seed=5)


@pytest.fixture(scope="module")
def adult_result(adult_input):
    return forecast_target_group(
        adult_input, horizon=4, models=["naive", "stockflow"], settings=_settings()
    )


def test_municipality_paths_sum_exactly_to_region_paths(adult_result):
    for quantity, paths in adult_result.paths.items():
        assert paths.shape[0] == 200
        np.testing.assert_allclose(
            paths[:, 0, :], paths[:, 1:, :].sum(axis=1), rtol=0, atol=1e-9, err_msg=quantity
        )
    # and the table's stock-flow means add up the same way
    fc = adult_result.table.filter(
        (pl.col("model") == "stockflow") & (pl.col("quantity") == "census")
    )
    region = fc.filter(pl.col("level") == "region").sort("year")["mean"].to_numpy()
    munis = (
        fc.filter(pl.col("level") == "municipality")
        .group_by("year")
        .agg(pl.col("mean").sum())
        .sort("year")["mean"]
        .to_numpy()
    )
    np.testing.assert_allclose(region, munis, rtol=1e-9)


def test_first_year_stock_is_the_known_stock_at_the_cutoff(adult_input):
    panel = build_panel(adult_input, 4)
    cutoff = 2020
    sim = simulate_stockflow(panel.truncate(cutoff), cutoff, 3, 50, np.random.default_rng(0))
    known = panel.values["stock"][1:, panel.years == cutoff + 1][:, 0]
    # everyone in care on 1 January after the cutoff is known at the cutoff (no joins here)
    assert (sim.stock[:, :, 0] == known[None, :]).all()


def test_same_seed_same_output_and_another_seed_differs(adult_input):
    settings = _settings()
    a = forecast_target_group(
        adult_input, horizon=3, models=["stockflow"], seed=7, settings=settings, backtest=False
    )
    b = forecast_target_group(
        adult_input, horizon=3, models=["stockflow"], seed=7, settings=settings, backtest=False
    )
    c = forecast_target_group(
        adult_input, horizon=3, models=["stockflow"], seed=8, settings=settings, backtest=False
    )
    assert a.table.equals(b.table)
    np.testing.assert_array_equal(a.paths["census"], b.paths["census"])
    assert not np.array_equal(a.paths["census"], c.paths["census"])


def test_stationary_process_is_forecast_flat_and_unbiased():
    errors = []
    for seed in range(4):
        spec = SyntheticSpec(
            n_kommuner=6, rate_per_10k=8.0, mean_los_years=2.0, year_sd=0.0, pop_growth=0.0
        )
        panel = build_panel(make_synthetic_input(spec, seed=seed), 4)
        cutoff = 2020
        sim = simulate_stockflow(
            panel.truncate(cutoff), cutoff, 4, 300, np.random.default_rng(seed)
        )
        forecast = sim.census.sum(axis=1).mean(axis=0)
        actual = panel.values["census"][0, panel.years > cutoff]
        errors.append((forecast - actual) / actual)
        # flat: no drift over the horizon in a stationary process
        assert abs(forecast[-1] / forecast[0] - 1) < 0.05
    assert abs(np.mean(errors)) < 0.03


def test_children_age_rule_is_estimated_and_applied():
    spec = SyntheticSpec(
        target_group="B1",
        area="children",
        n_kommuner=5,
        band_share=0.2,
        rate_per_10k=40.0,
        mean_los_years=6.0,
        aftercare_share=0.3,
    )
    inp = make_synthetic_input(spec, seed=2)
    panel = build_panel(inp, 4)
    cutoff = 2021
    rule = fit_age_rule(
        panel.episodes.known_at(jan1(cutoff + 1) - 1), jan1(cutoff + 1) - 1, StockFlowSettings()
    )
    assert rule.n > 50
    assert rule.p_after == pytest.approx(0.3, abs=0.1)
    assert rule.p_end == pytest.approx(0.7, abs=0.1)
    sim = simulate_stockflow(panel.truncate(cutoff), cutoff, 4, 100, np.random.default_rng(0))
    actual = panel.values["census"][0, panel.years > cutoff]
    forecast = sim.census.sum(axis=1).mean(axis=0)[: actual.size]
    np.testing.assert_allclose(forecast, actual, rtol=0.08)


def test_pipeline_history_counts_the_transitions_of_cohort_members(adult_input):
    panel = build_panel(adult_input, 4)
    own = panel.episodes.subset(panel.episodes.entered)
    hist = pipeline_history(own, panel.feeder, panel.years, panel.n_kommuner)
    # the same count worked out with polars from the frames: adult episodes starting within
    # [18th birthday - 183 days, + 365 days] of people in a children's placement on
    # 1 January of the year they turn 18
    feeder = adult_input.feeder_episodes
    members = []
    for year in range(int(panel.years[0]) - 1, int(panel.years[-1]) + 1):
        day = dt.date(year, 1, 1)
        stock = feeder.filter(
            (pl.col("start_date") < day)
            & (pl.col("end_date").is_null() | (pl.col("end_date") >= day))
        )
        ages = age_on(jan1(year), stock["birth_date"].cast(pl.Int64).to_numpy().astype(np.int64))
        members.append(stock.filter(pl.Series(ages == 17)).select("person_key", "birth_date"))
    cohort = pl.concat(members).unique("person_key")
    adults = adult_input.episodes.join(cohort, on="person_key", suffix="_c")
    b18 = pl.col("birth_date_c").dt.offset_by("18y")
    hits = adults.filter(
        (pl.col("start_date") >= b18 - pl.duration(days=183))
        & (pl.col("start_date") <= b18 + pl.duration(days=365))
        & (pl.col("start_date").dt.year() >= int(panel.years[0]))
    )
    assert hist.n_transitions == hits.height
    assert hist.n_transitions > 20
