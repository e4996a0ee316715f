"""Scores, the scoreboard, interval calibration and the principal-model rule."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from scipy import stats

from capacity.forecast.calibration import (
    CalibrationSettings,
    calibrate_points,
    calibration_factors,
)
from capacity.forecast.scoring import (
    POINT_SCHEMA,
    PrincipalRule,
    choose_principal,
    crps_from_samples,
    table_model_summary,
    table_scoreboard,
    write_scoreboard,
)


def test_crps_of_a_point_mass_is_the_absolute_error():
    samples = np.full((3, 50), 4.0)
    np.testing.assert_allclose(crps_from_samples(samples, np.array([4.0, 6.0, 1.0])), [0, 2, 3])


def test_crps_of_normal_samples_matches_the_closed_form():
    rng = np.random.default_rng(0)
    y = np.array([0.0, 1.0, -2.0])
    got = crps_from_samples(rng.standard_normal((3, 20_000)), y)
    # Gneiting & Raftery (2007): CRPS(N(0,1), y) = y(2F(y)-1) + 2f(y) - 1/sqrt(pi)
    want = y * (2 * stats.norm.cdf(y) - 1) + 2 * stats.norm.pdf(y) - 1 / np.sqrt(np.pi)
    np.testing.assert_allclose(got, want, atol=0.01)


def _points(model: str, errors: list[float], width: float, level: str = "region") -> list[dict]:
    rows = []
    for i, e in enumerate(errors):
        obs = 100.0
        mean = obs + e
        rows.append(
            {
                "target_group": "V1",
                "quantity": "census",
                "model": model,
                "reconciler": "bottom_up",
                "level": level,
                "kommunekode": "1082" if level == "region" else str(600 + i),
                "cutoff": 2018 + i % 4,
                "h": 1 + i % 2,
                "year": 2019 + i % 4 + i % 2,
                "observed": obs,
                "mean": mean,
                "p025": mean - 2 * width,
                "p10": mean - width,
                "p50": mean,
                "p90": mean + width,
                "p975": mean + 2 * width,
                "scale": 5.0,
                "crps": None,
            }
        )
    return rows


def _frame(rows: list[dict]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=POINT_SCHEMA)


def test_scoreboard_relative_mae_bias_and_coverage():
    naive = _points("naive", [10, -10, 10, -10, 10, -10, 10, -10], width=20)
    good = _points("drift", [2, -2, 4, -4, 2, -2, 30, -30], width=5)
    board = table_scoreboard(_frame(naive + good))
    drift = board.filter(pl.col("model") == "drift").sort("h")
    # h=1 errors 2, 4, 2, 30 against naive's 10s
    assert drift["rmae"][0] == pytest.approx((2 + 4 + 2 + 30) / 4 / 10)
    assert drift["mae"][0] == pytest.approx(9.5)
    assert drift["bias"][0] == pytest.approx((2 + 4 + 2 + 30) / 4)
    assert drift["cov80"][0] == pytest.approx(0.75)  # |30| > 5
    assert drift["mase"][0] == pytest.approx(9.5 / 5.0)
    naive_rows = board.filter(pl.col("model") == "naive")
    assert (naive_rows["rmae"] == 1.0).all()
    assert (naive_rows["cov80"] == 1.0).all()


def test_write_scoreboard_is_byte_identical(tmp_path):
    board = table_scoreboard(_frame(_points("naive", [1.0, -2.0, 3.0, 0.5], width=2)))
    a = write_scoreboard(board, tmp_path / "a.parquet")
    b = write_scoreboard(board.sample(fraction=1.0, shuffle=True, seed=1), tmp_path / "b.parquet")
    assert a.read_bytes() == b.read_bytes()
    assert pl.read_parquet(a).equals(
        board.sort(["target_group", "quantity", "level", "model", "h"])
    )


def test_calibration_widens_overconfident_intervals_using_only_known_outcomes():
    rng = np.random.default_rng(0)
    rows = []
    for cutoff in range(2015, 2023):
        for h in (1, 2):
            for k in range(30):
                err = rng.normal(0, 10)
                mean = 100 + err
                rows.append(
                    {
                        "target_group": "V1",
                        "quantity": "census",
                        "model": "ets",
                        "reconciler": "bottom_up",
                        "level": "municipality",
                        "kommunekode": str(600 + k),
                        "cutoff": cutoff,
                        "h": h,
                        "year": cutoff + h,
                        "observed": 100.0,
                        "mean": mean,
                        # nominal 80 % half-width 4 although the errors have sd 10
                        "p025": mean - 6.0,
                        "p10": mean - 4.0,
                        "p50": mean,
                        "p90": mean + 4.0,
                        "p975": mean + 6.0,
                        "scale": 3.0,
                        "crps": None,
                    }
                )
    points = _frame(rows)
    settings = CalibrationSettings(prior_points=20)
    factors = calibration_factors(points, list(range(2015, 2023)), settings)
    first = factors.filter(pl.col("cutoff") == 2015)
    assert first.height == 0 or (first["n"] == 0).all()  # nothing known yet at the start
    last = factors.filter(pl.col("cutoff") == 2022).row(0, named=True)
    # 80 % of |N(0,10)| lies below 12.8: about 3.2 half-widths of 4
    assert last["k80"] == pytest.approx(12.8 / 4.0, rel=0.15)
    calibrated = calibrate_points(points, factors, settings)
    late = calibrated.filter(pl.col("cutoff") >= 2020)
    inside = ((late["observed"] >= late["p10"]) & (late["observed"] <= late["p90"])).mean()
    assert inside == pytest.approx(0.8, abs=0.06)
    # the first cutoff is untouched: no earlier outcomes to learn from
    early = calibrated.filter(pl.col("cutoff") == 2015)
    assert ((early["p90"] - early["p50"]) - 4.0).abs().max() < 1e-9


def test_path_models_are_not_recalibrated():
    rows = _points("stockflow", [20.0] * 8, width=1.0, level="municipality")
    points = _frame(rows)
    settings = CalibrationSettings()
    factors = calibration_factors(points, [2030], settings)
    assert factors.height == 0
    assert calibrate_points(points, factors, settings).equals(points)


def _summary_rows(spec: dict[str, tuple[float, float, float, float]]) -> pl.DataFrame:
    rows = []
    for model, (rmae, cov80, cov95, mcov80) in spec.items():
        for level, c80, c95 in (("region", cov80, cov95), ("municipality", mcov80, 0.95)):
            for h in (1, 2, 3, 4):
                rows.append(
                    {
                        "target_group": "V1",
                        "quantity": "census",
                        "level": level,
                        "model": model,
                        "reconciler": "bottom_up",
                        "h": h,
                        "n": 10,
                        "mae": rmae,
                        "rmae": rmae,
                        "mase": 1.0,
                        "bias": 0.0,
                        "cov80": c80,
                        "cov95": c95,
                        "is80": 1.0,
                        "crps": None,
                    }
                )
    return pl.DataFrame(rows)


def test_principal_is_the_most_accurate_model_with_acceptable_intervals():
    board = _summary_rows(
        {
            "naive": (1.0, 0.8, 0.95, 0.8),
            "theta": (0.5, 0.4, 0.6, 0.5),  # most accurate but overconfident
            "drift": (0.7, 0.75, 0.9, 0.78),
            "ets": (0.8, 0.85, 0.97, 0.8),
        }
    )
    rule = PrincipalRule()
    summary = table_model_summary(board, rule)
    assert choose_principal(summary, rule) == {"census": "drift"}


def test_without_acceptable_models_the_fallback_is_never_worse_than_naive():
    board = _summary_rows(
        {
            "naive": (1.0, 0.5, 0.7, 0.5),
            "mean": (2.5, 0.6, 0.8, 0.8),  # better calibrated, far less accurate
            "theta": (0.9, 0.3, 0.5, 0.4),
        }
    )
    rule = PrincipalRule()
    summary = table_model_summary(board, rule)
    assert not summary["eligible"].any()
    assert choose_principal(summary, rule) == {"census": "naive"}
