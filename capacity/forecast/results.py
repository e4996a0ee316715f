"""The container every model returns: mean, quantiles and (for path models) sample paths.

Arrays have one row per series (row 0 = region, rows 1..K = municipalities) and one column
per horizon year. Quantile levels are fixed: 2.5 %, 10 %, 50 %, 90 %, 97.5 %.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

QUANTILE_LEVELS = np.array([0.025, 0.10, 0.50, 0.90, 0.975])
QUANTILE_COLUMNS = ("p025", "p10", "p50", "p90", "p975")


@dataclass
class Forecast:
    """One model's forecast of one quantity from one cutoff (all series, all horizons)."""

    mean: np.ndarray  # (S, H)
    quantiles: np.ndarray  # (S, H, 5)
    paths: np.ndarray | None = None  # (P, S, H), coherent sample paths

    @property
    def horizon(self) -> int:
        return int(self.mean.shape[1])

    def head(self, h: int) -> Forecast:
        """The first h horizon years."""
        return Forecast(
            mean=self.mean[:, :h],
            quantiles=self.quantiles[:, :h],
            paths=None if self.paths is None else self.paths[:, :, :h],
        )


def forecast_from_gaussian(mean: np.ndarray, sd: np.ndarray) -> Forecast:
    """Normal predictive distributions, truncated at zero (counts are never negative)."""
    mean = np.asarray(mean, dtype=float)
    sd = np.maximum(np.asarray(sd, dtype=float), 0.0)
    z = stats.norm.ppf(QUANTILE_LEVELS)
    q = mean[..., None] + sd[..., None] * z
    return clip_nonnegative(Forecast(mean=mean, quantiles=q))


def forecast_from_intervals(
    mean: np.ndarray, lo95: np.ndarray, lo80: np.ndarray, hi80: np.ndarray, hi95: np.ndarray
) -> Forecast:
    """Forecast from native interval bounds (statsforecast), centred on the point forecast.

    The bounds' widths are kept; they are centred on the mean because a simulated interval
    (theta) can sit off its own point forecast, and the median is taken to be the mean."""
    mean = np.asarray(mean, dtype=float)
    half80 = np.abs(np.asarray(hi80, dtype=float) - np.asarray(lo80, dtype=float)) / 2.0
    half95 = np.abs(np.asarray(hi95, dtype=float) - np.asarray(lo95, dtype=float)) / 2.0
    half95 = np.maximum(half95, half80)
    q = np.stack([mean - half95, mean - half80, mean, mean + half80, mean + half95], axis=-1)
    return clip_nonnegative(Forecast(mean=mean, quantiles=q))


def forecast_from_paths(paths: np.ndarray) -> Forecast:
    """Mean and quantiles of sample paths (P, S, H)."""
    paths = np.asarray(paths, dtype=float)
    q = np.moveaxis(np.quantile(paths, QUANTILE_LEVELS, axis=0), 0, -1)
    return Forecast(mean=paths.mean(axis=0), quantiles=q, paths=paths)


def clip_nonnegative(fc: Forecast) -> Forecast:
    """Truncate at zero and keep quantiles ordered (a count model never goes below 0)."""
    mean = np.maximum(fc.mean, 0.0)
    q = np.maximum(np.sort(fc.quantiles, axis=-1), 0.0)
    paths = None if fc.paths is None else np.maximum(fc.paths, 0.0)
    return Forecast(mean=mean, quantiles=q, paths=paths)


def shift_forecast(fc: Forecast, new_mean: np.ndarray) -> Forecast:
    """Move a forecast to a new (reconciled) mean, keeping the spread around it."""
    delta = np.asarray(new_mean, dtype=float) - fc.mean
    return clip_nonnegative(
        Forecast(mean=np.asarray(new_mean, dtype=float), quantiles=fc.quantiles + delta[..., None])
    )


def average_forecasts(members: list[Forecast]) -> Forecast:
    """Equal-weight combination: mean of means and mean of quantiles (quantile averaging)."""
    mean = np.mean([m.mean for m in members], axis=0)
    q = np.mean([m.quantiles for m in members], axis=0)
    return clip_nonnegative(Forecast(mean=mean, quantiles=q))
