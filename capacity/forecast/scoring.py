"""Backtest scores: per-point errors, the scoreboard, and the principal-model rule.

Scoreboard columns (one row per target group x quantity x level x model x horizon):
  n          number of backtest outcomes
  mae        mean absolute error of the mean forecast (persons / places)
  rmae       mae / naive's mae on the same outcomes (< 1: better than naive)
  mase       mean of |error| / the series' mean absolute yearly change before the cutoff
             (outcomes of series with no change are left out)
  bias       mean of forecast - outcome (> 0: over-forecast)
  cov80      share of outcomes inside the 80 % interval (p10-p90); nominal 0.80
  cov95      share inside the 95 % interval (p025-p975); nominal 0.95
  is80       interval score of the 80 % interval (width + penalty for misses; lower is better)
  crps       continuous ranked probability score from the sample paths (path models only)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

POINT_SCHEMA = {
    "target_group": pl.String,
    "quantity": pl.String,
    "model": pl.String,
    "reconciler": pl.String,
    "level": pl.String,
    "kommunekode": pl.String,
    "cutoff": pl.Int64,
    "h": pl.Int64,
    "year": pl.Int64,
    "observed": pl.Float64,
    "mean": pl.Float64,
    "p025": pl.Float64,
    "p10": pl.Float64,
    "p50": pl.Float64,
    "p90": pl.Float64,
    "p975": pl.Float64,
    "scale": pl.Float64,
    "crps": pl.Float64,
}


def crps_from_samples(samples: np.ndarray, observed: np.ndarray) -> np.ndarray:
    """Sample-based CRPS per row: E|X - y| - 0.5 E|X - X'| (samples (N, P), observed (N,))."""
    x = np.sort(np.asarray(samples, dtype=float), axis=1)
    p = x.shape[1]
    term1 = np.mean(np.abs(x - observed[:, None]), axis=1)
    weights = (2.0 * np.arange(1, p + 1) - p - 1.0) / (p * p)
    mean_abs_diff = 2.0 * (x @ weights)
    return term1 - 0.5 * mean_abs_diff


def table_scoreboard(points: pl.DataFrame, baseline: str = "naive") -> pl.DataFrame:
    """Aggregate backtest points into the scoreboard (see module docstring)."""
    keys = ["target_group", "quantity", "level", "model", "reconciler", "h"]
    pts = points.with_columns(
        err=pl.col("mean") - pl.col("observed"),
        abs_err=(pl.col("mean") - pl.col("observed")).abs(),
        in80=(pl.col("observed") >= pl.col("p10") - 1e-9)
        & (pl.col("observed") <= pl.col("p90") + 1e-9),
        in95=(pl.col("observed") >= pl.col("p025") - 1e-9)
        & (pl.col("observed") <= pl.col("p975") + 1e-9),
        is80=(pl.col("p90") - pl.col("p10"))
        + 10.0 * (pl.col("p10") - pl.col("observed")).clip(lower_bound=0)
        + 10.0 * (pl.col("observed") - pl.col("p90")).clip(lower_bound=0),
        scaled=pl.when(pl.col("scale") > 0)
        .then((pl.col("mean") - pl.col("observed")).abs() / pl.col("scale"))
        .otherwise(None),
    )
    base = (
        pts.filter(pl.col("model") == baseline)
        .select(
            [
                "target_group",
                "quantity",
                "level",
                "kommunekode",
                "cutoff",
                "h",
                pl.col("abs_err").alias("base_abs_err"),
            ]
        )
        .unique(["target_group", "quantity", "level", "kommunekode", "cutoff", "h"])
    )
    pts = pts.join(
        base, on=["target_group", "quantity", "level", "kommunekode", "cutoff", "h"], how="left"
    )
    board = (
        pts.group_by(keys)
        .agg(
            n=pl.len(),
            mae=pl.col("abs_err").mean(),
            base_mae=pl.col("base_abs_err").mean(),
            mase=pl.col("scaled").mean(),
            bias=pl.col("err").mean(),
            cov80=pl.col("in80").mean(),
            cov95=pl.col("in95").mean(),
            is80=pl.col("is80").mean(),
            crps=pl.col("crps").mean(),
        )
        .with_columns(
            rmae=pl.when(pl.col("base_mae") > 0)
            .then(pl.col("mae") / pl.col("base_mae"))
            .otherwise(None)
        )
        .drop("base_mae")
        .sort(keys)
    )
    return board.select(
        [*keys, "n", "mae", "rmae", "mase", "bias", "cov80", "cov95", "is80", "crps"]
    )


@dataclass(frozen=True)
class PrincipalRule:
    """How the principal model is chosen (capacity/conf/forecast.yaml, `principal`)."""

    level: str = "region"
    horizons: tuple[int, ...] = (1, 2, 3, 4)
    region_cov80_min: float = 0.65
    region_cov95_min: float = 0.85
    municipality_cov80_min: float = 0.70
    municipality_cov95_min: float = 0.88
    min_evidence: float = 0.75
    candidates: tuple[str, ...] | None = None

    @classmethod
    def from_conf(cls, conf: dict | None) -> PrincipalRule:
        conf = dict(conf or {})
        out = {}
        for key, value in conf.items():
            if key in cls.__dataclass_fields__:
                out[key] = tuple(value) if isinstance(value, list) else value
        return cls(**out)


def table_model_summary(scoreboard: pl.DataFrame, rule: PrincipalRule) -> pl.DataFrame:
    """Per quantity x model: mean rMAE over the rule's horizons at the decision level and
    pooled coverage at both levels, with the eligibility verdict of the rule."""
    sb = scoreboard.filter(pl.col("h").is_in(list(rule.horizons)))
    region = (
        sb.filter(pl.col("level") == rule.level)
        .group_by(["target_group", "quantity", "model", "reconciler"])
        .agg(
            rmae=pl.col("rmae").mean(),
            n=pl.col("n").sum(),
            mae=pl.col("mae").mean(),
            region_cov80=(pl.col("cov80") * pl.col("n")).sum() / pl.col("n").sum(),
            region_cov95=(pl.col("cov95") * pl.col("n")).sum() / pl.col("n").sum(),
            crps=pl.col("crps").mean(),
        )
    )
    muni = (
        sb.filter(pl.col("level") == "municipality")
        .group_by(["target_group", "quantity", "model", "reconciler"])
        .agg(
            municipality_rmae=pl.col("rmae").mean(),
            municipality_cov80=(pl.col("cov80") * pl.col("n")).sum() / pl.col("n").sum(),
            municipality_cov95=(pl.col("cov95") * pl.col("n")).sum() / pl.col("n").sum(),
        )
    )
    out = region.join(muni, on=["target_group", "quantity", "model", "reconciler"], how="left")
    # evidence: outcomes scored relative to the most any model has (naive runs everywhere)
    out = out.with_columns(
        evidence=pl.col("n") / pl.col("n").max().over(["target_group", "quantity"])
    )
    eligible = (
        (pl.col("evidence") >= rule.min_evidence)
        & (pl.col("region_cov80") >= rule.region_cov80_min)
        & (pl.col("region_cov95") >= rule.region_cov95_min)
        & (pl.col("municipality_cov80").fill_null(0.8) >= rule.municipality_cov80_min)
        & (pl.col("municipality_cov95").fill_null(0.95) >= rule.municipality_cov95_min)
    )
    if rule.candidates is not None:
        eligible = eligible & pl.col("model").is_in(list(rule.candidates))
    miscalibration = (
        (pl.col("region_cov80") - 0.80).abs()
        + (pl.col("region_cov95") - 0.95).abs()
        + (pl.col("municipality_cov80").fill_null(0.8) - 0.80).abs()
        + (pl.col("municipality_cov95").fill_null(0.95) - 0.95).abs()
    )
    return out.with_columns(eligible=eligible, miscalibration=miscalibration).sort(
        ["target_group", "quantity", "rmae"]
    )


def choose_principal(summary: pl.DataFrame, rule: PrincipalRule | None = None) -> dict[str, str]:
    """Principal model per quantity: the lowest mean rMAE among models whose intervals are
    acceptable (eligible); if none is, the best calibrated model with enough evidence that
    did no worse than naive (naive itself qualifies)."""
    rule = rule or PrincipalRule()
    chosen: dict[str, str] = {}
    for quantity in summary["quantity"].unique().sort().to_list():
        part = summary.filter(pl.col("quantity") == quantity).filter(pl.col("rmae").is_not_null())
        if part.height == 0:
            continue
        ok = part.filter(pl.col("eligible"))
        if ok.height:
            best = ok.sort(["rmae", "model"]).row(0, named=True)
        else:
            # nothing acceptable: the best calibrated model that did no worse than naive
            pool = part.filter((pl.col("evidence") >= rule.min_evidence) & (pl.col("rmae") <= 1.0))
            pool = pool if pool.height else part
            best = pool.sort(["miscalibration", "rmae", "model"]).row(0, named=True)
        chosen[quantity] = str(best["model"])
    return chosen


def write_scoreboard(scoreboard: pl.DataFrame, path: Path | str) -> Path:
    """Write the scoreboard as Parquet (sorted, so the file is identical between runs)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    keys = [c for c in ("target_group", "quantity", "level", "model", "h") if c in scoreboard]
    scoreboard.sort(keys).write_parquet(path)
    return path
