"""Interval calibration from each model's own backtest errors (conformal-style).

A model's native intervals rest on its assumptions; on short, changing series they are often
too narrow (or too wide). For each model, quantity and level we measure how far outcomes fell
from the median in units of the interval's half-width on that side:

    z80 = (outcome - p50) / (p90 - p50)   above the median,  (p50 - outcome) / (p50 - p10) below

A calibrated 80 % interval has 80 % of z80 below 1, so the factor k80 = the 80th percentile
of z80 rescales the half-widths (k95 likewise for the 95 % interval). Factors are shrunk
towards 1 with the amount of evidence, k = exp(log k_hat * n / (n + prior_points)), and
bounded. In the backtest the factor used at a cutoff comes only from outcomes known by that
cutoff (nested), so scored coverage is honest; the final forecast uses every backtest outcome.

The stock-flow model is not recalibrated: its intervals come from sample paths whose region is
the sum of the municipalities path by path, and rescaling each level separately would break
that. Its coverage is reported as it is.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from capacity.forecast.results import Forecast, clip_nonnegative

KEY = ["quantity", "model", "reconciler", "level"]


@dataclass(frozen=True)
class CalibrationSettings:
    """Settings (capacity/conf/forecast.yaml, `calibration`)."""

    enabled: bool = True
    prior_points: int = 20
    min_factor: float = 0.5
    max_factor: float = 3.0
    exclude: tuple[str, ...] = ("stockflow",)

    @classmethod
    def from_conf(cls, conf: dict | None) -> CalibrationSettings:
        conf = dict(conf or {})
        out = {k: v for k, v in conf.items() if k in cls.__dataclass_fields__}
        if "exclude" in out:
            out["exclude"] = tuple(out["exclude"])
        return cls(**out)


def _with_scores(points: pl.DataFrame) -> pl.DataFrame:
    """Add z80 and z95 (null where the interval has no width on the outcome's side)."""

    def score(lo: str, hi: str) -> pl.Expr:
        above = pl.col("observed") >= pl.col("p50")
        width = (
            pl.when(above).then(pl.col(hi) - pl.col("p50")).otherwise(pl.col("p50") - pl.col(lo))
        )
        dist = (pl.col("observed") - pl.col("p50")).abs()
        return pl.when(width > 1e-9).then(dist / width).otherwise(None)

    return points.with_columns(z80=score("p10", "p90"), z95=score("p025", "p975"))


def _shrunk(raw: pl.Expr, n: pl.Expr, settings: CalibrationSettings) -> pl.Expr:
    weight = n / (n + settings.prior_points)
    return (
        (raw.clip(lower_bound=1e-6).log() * weight)
        .exp()
        .clip(settings.min_factor, settings.max_factor)
        .fill_null(1.0)
    )


def calibration_factors(
    points: pl.DataFrame, cutoffs: list[int], settings: CalibrationSettings
) -> pl.DataFrame:
    """Factors k80, k95 per model variant x level for each cutoff in `cutoffs`, each from
    the outcomes with target year <= that cutoff. Columns: KEY, cutoff, n, k80, k95."""
    scored = _with_scores(points).filter(~pl.col("model").is_in(list(settings.exclude)))
    grid = pl.DataFrame({"cutoff_eval": cutoffs}, schema={"cutoff_eval": pl.Int64})
    known = scored.join(grid, how="cross").filter(pl.col("year") <= pl.col("cutoff_eval"))
    factors = known.group_by([*KEY, "cutoff_eval"]).agg(
        n=pl.col("z80").is_not_null().sum(),
        raw80=pl.col("z80").drop_nulls().quantile(0.80, interpolation="linear"),
        raw95=pl.col("z95").drop_nulls().quantile(0.95, interpolation="linear"),
    )
    return factors.select(
        *KEY,
        pl.col("cutoff_eval").alias("cutoff"),
        "n",
        _shrunk(pl.col("raw80"), pl.col("n"), settings).alias("k80"),
        _shrunk(pl.col("raw95"), pl.col("n"), settings).alias("k95"),
    ).sort([*KEY, "cutoff"])


def _rescale(lo: pl.Expr, mid: pl.Expr, hi: pl.Expr, k: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    return (mid - k * (mid - lo)).clip(lower_bound=0.0), mid + k * (hi - mid)


def calibrate_points(
    points: pl.DataFrame, factors: pl.DataFrame, settings: CalibrationSettings
) -> pl.DataFrame:
    """Backtest points with each cutoff's intervals rescaled by the factors known then."""
    if not settings.enabled or points.height == 0:
        return points
    joined = points.join(factors.drop("n"), on=[*KEY, "cutoff"], how="left").with_columns(
        pl.col("k80").fill_null(1.0), pl.col("k95").fill_null(1.0)
    )
    p10, p90 = _rescale(pl.col("p10"), pl.col("p50"), pl.col("p90"), pl.col("k80"))
    p025, p975 = _rescale(pl.col("p025"), pl.col("p50"), pl.col("p975"), pl.col("k95"))
    return joined.with_columns(p10=p10, p90=p90, p025=p025, p975=p975).drop(["k80", "k95"])


def calibrate_forecast(fc: Forecast, k80: np.ndarray, k95: np.ndarray) -> Forecast:
    """Rescale a forecast's interval half-widths per series (k arrays of length S)."""
    q = fc.quantiles.copy()
    mid = q[:, :, 2]
    for lo, hi, k in ((1, 3, k80), (0, 4, k95)):
        kk = np.asarray(k, dtype=float)[:, None]
        q[:, :, lo] = mid - kk * (mid - q[:, :, lo])
        q[:, :, hi] = mid + kk * (q[:, :, hi] - mid)
    return clip_nonnegative(Forecast(mean=fc.mean, quantiles=q, paths=fc.paths))
