"""Rolling-origin backtest (expanding window): every model, both levels, horizons 1-4.

Cutoffs run from the end of the `min_train_years`-th complete year to the year before the
last; from each cutoff every model forecasts using only what was known then (history up to
the cutoff, episodes as registered by then). Population is the one exception: the backtest
uses the actual population of the target years (a projection published at each cutoff is not
kept), which flatters the demographic models slightly - docs/forecasting.md says so.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from capacity.forecast.base import RecKey
from capacity.forecast.panel import Panel
from capacity.forecast.results import QUANTILE_COLUMNS, Forecast
from capacity.forecast.scoring import POINT_SCHEMA, crps_from_samples


@dataclass(frozen=True)
class BacktestResult:
    """Scores of one target group's backtest and the choices made from them."""

    target_group: str
    cutoffs: tuple[int, ...]
    points: pl.DataFrame  # one row per cutoff x series x horizon x model (calibrated)
    scoreboard: pl.DataFrame  # the chosen reconciliation of every model (table_scoreboard)
    scoreboard_all: pl.DataFrame  # every reconciliation variant
    summary: pl.DataFrame  # per quantity x model: rMAE, coverage, eligibility
    reconcilers: dict[tuple[str, str], str]  # (quantity, model) -> chosen reconciler
    principal: dict[str, str]  # quantity -> principal model
    calibration: pl.DataFrame  # factors for the final forecast (calibration.KEY, k80, k95)


def backtest_cutoffs(years: np.ndarray, min_train_years: int, max_cutoffs: int) -> list[int]:
    """Cutoff years of the rolling origin: at least `min_train_years` of history before."""
    first, last = int(years[0]), int(years[-1])
    cutoffs = list(range(first + min_train_years - 1, last))
    return cutoffs[-max_cutoffs:] if max_cutoffs > 0 else cutoffs


def mase_scale(values: np.ndarray) -> np.ndarray:
    """Per series: mean absolute yearly change over the training window (0 if constant)."""
    if values.shape[1] < 2:
        return np.zeros(values.shape[0])
    return np.mean(np.abs(np.diff(values, axis=1)), axis=1)


def score_points(
    panel: Panel, forecasts: dict[RecKey, Forecast], horizons: tuple[int, ...]
) -> pl.DataFrame:
    """One row per scored outcome (observed value known, horizon in `horizons`)."""
    codes = np.array(panel.series_codes(), dtype=object)
    levels = np.array(["region"] + ["municipality"] * panel.n_kommuner, dtype=object)
    cols: dict[str, list[np.ndarray]] = {c: [] for c in POINT_SCHEMA}
    year_index = {int(y): i for i, y in enumerate(panel.years)}
    max_h = max(horizons)
    for (cutoff, q, model, rec), fc in sorted(forecasts.items()):
        hs = [h for h in range(1, min(fc.horizon, max_h) + 1) if (cutoff + h) in year_index]
        hs = [h for h in hs if h in horizons]
        if not hs:
            continue
        h_idx = np.array(hs) - 1
        cols_obs = np.array([year_index[cutoff + h] for h in hs])
        observed = panel.values[q][:, cols_obs]  # (S, nh)
        train = panel.values[q][:, : year_index[cutoff] + 1]
        scale = mase_scale(train)
        s_count, nh = observed.shape
        mean = fc.mean[:, h_idx]
        quant = fc.quantiles[:, h_idx, :]
        if fc.paths is not None:
            samples = fc.paths[:, :, h_idx].reshape(fc.paths.shape[0], -1).T
            crps = crps_from_samples(samples, observed.reshape(-1)).reshape(s_count, nh)
        else:
            crps = np.full((s_count, nh), np.nan)
        n = s_count * nh
        cols["target_group"].append(np.full(n, panel.target_group, dtype=object))
        cols["quantity"].append(np.full(n, q, dtype=object))
        cols["model"].append(np.full(n, model, dtype=object))
        cols["reconciler"].append(np.full(n, rec, dtype=object))
        cols["level"].append(np.repeat(levels, nh))
        cols["kommunekode"].append(np.repeat(codes, nh))
        cols["cutoff"].append(np.full(n, cutoff))
        cols["h"].append(np.tile(np.array(hs), s_count))
        cols["year"].append(np.tile(np.array(hs) + cutoff, s_count))
        cols["observed"].append(observed.reshape(-1))
        cols["mean"].append(mean.reshape(-1))
        for j, c in enumerate(QUANTILE_COLUMNS):
            cols[c].append(quant[:, :, j].reshape(-1))
        cols["scale"].append(np.repeat(scale, nh))
        cols["crps"].append(crps.reshape(-1))
    if not cols["model"]:
        return pl.DataFrame(schema=POINT_SCHEMA)
    data = {c: np.concatenate(v) for c, v in cols.items()}
    frame = pl.DataFrame(
        {c: (data[c].tolist() if data[c].dtype == object else data[c]) for c in POINT_SCHEMA}
    )
    return frame.select([pl.col(c).cast(t) for c, t in POINT_SCHEMA.items()])


def choose_reconcilers(scoreboard_all: pl.DataFrame, horizons: tuple[int, ...]) -> dict:
    """Per quantity x model: the reconciler with the lowest region MAE (then municipality)."""
    sb = scoreboard_all.filter(pl.col("h").is_in(list(horizons)))
    region = (
        sb.filter(pl.col("level") == "region")
        .group_by(["quantity", "model", "reconciler"])
        .agg(region_mae=pl.col("mae").mean())
    )
    muni = (
        sb.filter(pl.col("level") == "municipality")
        .group_by(["quantity", "model", "reconciler"])
        .agg(municipality_mae=pl.col("mae").mean())
    )
    both = region.join(muni, on=["quantity", "model", "reconciler"], how="left").sort(
        ["quantity", "model", "region_mae", "municipality_mae", "reconciler"]
    )
    best = both.unique(["quantity", "model"], keep="first", maintain_order=True)
    return {(r["quantity"], r["model"]): r["reconciler"] for r in best.iter_rows(named=True)}
