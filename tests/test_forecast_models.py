"""Series models on exact series: a straight line, a constant, a decline towards zero."""

from __future__ import annotations

import contextlib
import dataclasses

import numpy as np
import polars as pl
import pytest

from capacity.forecast import forecast_target_group
from capacity.forecast import models_stats as ms
from capacity.forecast.results import forecast_from_intervals
from capacity.forecast.settings import load_forecast_settings
from capacity.forecast.synthetic import make_history_input

SERIES_MODELS = [
    "naive",
    "mean",
    "drift",
    "demographic_constant",
    "demographic_trend",
    "ets",
    "theta",
    "arima",
]
K, T, H = 4, 10, 6


def _settings():
    return dataclasses.replace(load_forecast_settings(), n_paths=100, n_paths_backtest=50)


def _region(table: pl.DataFrame, model: str, quantity: str = "census") -> pl.DataFrame:
    return table.filter(
        (pl.col("level") == "region")
        & (pl.col("quantity") == quantity)
        & (pl.col("model") == model)
    ).sort("year")


@pytest.fixture(scope="module")
def linear_result():
    # each municipality on its own exact line; the region is their sum (slope 2+3+4+5 = 14)
    line = np.array([[50 + 5 * k + (2 + k) * t for t in range(T)] for k in range(K)], float)
    pop = np.full((K, T + H), 10_000.0)
    inp = make_history_input({"census": line, "stock": line, "inflow": line}, pop)
    return forecast_target_group(inp, horizon=H, models=SERIES_MODELS, settings=_settings())


def test_linear_trend_is_forecast_within_tolerance(linear_result):
    region_last = sum(50 + 5 * k + (2 + k) * (T - 1) for k in range(K))
    truth = region_last + 14.0 * np.arange(1, H + 1)
    # drift and ARIMA recover a straight line exactly
    for model in ("drift", "arima"):
        got = _region(linear_result.table, model)["mean"].to_numpy()
        np.testing.assert_allclose(got, truth, rtol=1e-3, err_msg=model)
    # the backtest sees that and picks a model within 2 % of the line at every horizon
    principal = _region(linear_result.table, "principal")["mean"].to_numpy()
    assert np.all(np.abs(principal - truth) / truth < 0.02)
    # naive, by contrast, misses by the slope times the horizon
    naive = _region(linear_result.table, "naive")["mean"].to_numpy()
    np.testing.assert_allclose(truth - naive, 14.0 * np.arange(1, H + 1), rtol=1e-6)


def test_linear_trend_backtest_ranks_drift_above_naive(linear_result):
    summary = linear_result.backtest.summary.filter(pl.col("quantity") == "census")
    rmae = dict(zip(summary["model"].to_list(), summary["rmae"].to_list(), strict=True))
    assert rmae["drift"] == pytest.approx(0.0, abs=1e-6)
    assert rmae["naive"] == pytest.approx(1.0)
    assert rmae["mean"] > 1.0


def test_constant_series_gives_flat_forecast_with_narrow_intervals():
    level = np.array([[40.0], [7.0], [0.0], [120.0]]) * np.ones((K, T))
    pop = np.full((K, T + H), 5_000.0)
    inp = make_history_input({"census": level, "stock": level, "inflow": level}, pop)
    result = forecast_target_group(inp, horizon=H, models=SERIES_MODELS, settings=_settings())
    fc = result.table.filter(pl.col("kind") == "forecast")
    expected = {"1082": 167.0, "615": 40.0, "657": 7.0, "661": 0.0, "665": 120.0}
    for model in [*SERIES_MODELS, "principal"]:
        part = fc.filter((pl.col("model") == model) & (pl.col("quantity") == "census"))
        codes = expected
        if model == "arima":
            # region-only: shared out to municipalities with count noise (an assumption the
            # model cannot check), so only its own region forecast is held to this
            codes = {"1082": expected["1082"]}
        for code, value in codes.items():
            rows = part.filter(pl.col("kommunekode") == code)
            assert rows.height == H, (model, code)
            np.testing.assert_allclose(rows["mean"].to_numpy(), value, atol=1e-6 + 1e-6 * value)
            width = (rows["p975"] - rows["p025"]).to_numpy()
            assert np.all(width <= 0.01 * max(value, 1.0)), (model, code, width)


def test_declining_small_counts_never_go_negative():
    rng = np.random.default_rng(3)
    base = np.array([30.0, 6.0, 2.0, 1.0])[:, None]
    decline = base * np.exp(-0.35 * np.arange(T))[None, :]
    noisy = rng.poisson(decline).astype(float)
    pop = np.full((K, T + H), 3_000.0) * np.linspace(1.0, 0.8, T + H)[None, :]
    inp = make_history_input({"census": noisy, "stock": noisy, "inflow": noisy}, pop)
    result = forecast_target_group(inp, horizon=H, models=SERIES_MODELS, settings=_settings())
    fc = result.table.filter(pl.col("kind") == "forecast")
    for col in ("mean", "p025", "p10", "p50", "p90", "p975"):
        assert fc[col].min() >= 0.0, col
    # without truncation the Gaussian lower bounds of these models would be negative
    raw_drift_low = noisy[:, -1] - 3.0 * noisy.std(axis=1)
    assert (raw_drift_low < 0).any()


def test_quantiles_are_ordered_everywhere(linear_result):
    fc = linear_result.table.filter(pl.col("kind") == "forecast")
    for lo, hi in (("p025", "p10"), ("p10", "p50"), ("p50", "p90"), ("p90", "p975")):
        assert (fc[lo] <= fc[hi] + 1e-9).all(), (lo, hi)


def test_statsforecast_shortcut_gives_identical_numbers(monkeypatch):
    rng = np.random.default_rng(0)
    series = [np.maximum(0, 30 + np.cumsum(rng.normal(0, 3, n))) for n in (6, 8, 10, 12)]
    names = ("naive", "drift", "ets", "theta")
    fast = ms._run(series, 4, names, ms.StatsSettings())
    monkeypatch.setattr(ms, "shared_standard_normal", contextlib.nullcontext)
    slow = ms._run(series, 4, names, ms.StatsSettings())
    for n in names:
        np.testing.assert_array_equal(fast[n], slow[n])


def test_native_intervals_are_centred_on_the_point_forecast():
    mean = np.array([[10.0, 11.0]])
    # an interval lying entirely below its point forecast (as theta's simulation can give)
    fc = forecast_from_intervals(mean, mean - 6, mean - 5, mean - 1, mean)
    np.testing.assert_allclose(fc.quantiles[0, :, 2], [10.0, 11.0])
    np.testing.assert_allclose(fc.quantiles[0, :, 3] - fc.quantiles[0, :, 1], [4.0, 4.0])
    assert np.all(fc.quantiles[0, :, 1] < mean[0]) and np.all(fc.quantiles[0, :, 3] > mean[0])
