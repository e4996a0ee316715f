"""Base forecasts of every model for a set of cutoffs, then their coherent versions.

One statsforecast batch covers all cutoffs and quantities; the demographic models and the
stock-flow Monte Carlo run per cutoff. "Base" means each series' own forecast; `reconcile_all`
turns them into coherent forecasts with every candidate method (the backtest then chooses),
and builds the ensemble from the coherent members.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import stats

from capacity.forecast.models_baseline import forecast_demographic
from capacity.forecast.models_stats import STATS_MODELS, forecast_stats_batch
from capacity.forecast.panel import Panel
from capacity.forecast.reconcile import allocate_top_down, reconcile_many
from capacity.forecast.results import (
    QUANTILE_LEVELS,
    Forecast,
    average_forecasts,
    clip_nonnegative,
    forecast_from_intervals,
    forecast_from_paths,
)
from capacity.forecast.settings import ForecastSettings
from capacity.forecast.stockflow import StockFlowFit, simulate_stockflow

PATHS = "paths"  # reconciler label of path models: coherent by construction
SHARES = "top_down_shares"  # reconciler label of region-only forecasts shared out


@dataclass(frozen=True)
class CutoffJob:
    """Forecast from the end of `cutoff` for `horizon` years with `n_paths` sample paths."""

    cutoff: int
    horizon: int
    n_paths: int


Key = tuple[int, str, str]  # cutoff, quantity, model
RecKey = tuple[int, str, str, str]  # cutoff, quantity, model, reconciler


def rng_for(seed: int, target_group: str, cutoff: int) -> np.random.Generator:
    """An independent, reproducible random stream per target group and cutoff."""
    return np.random.default_rng(
        np.random.SeedSequence([int(seed), zlib.crc32(target_group.encode()), int(cutoff)])
    )


def _recent_shares(values: np.ndarray, years: int = 3) -> np.ndarray:
    """Municipalities' share of the region over the last few years (equal if all zero)."""
    recent = values[1:, -years:].sum(axis=1)
    total = recent.sum()
    if total <= 0:
        return np.full(recent.size, 1.0 / recent.size)
    return recent / total


def _from_raw(block: np.ndarray) -> Forecast:
    """Forecast from statsforecast's [mean, lo95, lo80, hi80, hi95] array (S, h, 5)."""
    return forecast_from_intervals(
        block[..., 0], block[..., 1], block[..., 2], block[..., 3], block[..., 4]
    )


def _shared_out(region: Forecast, shares: np.ndarray) -> Forecast:
    """A region-only forecast shared out top-down by recent municipality shares.

    A municipality's spread is its share of the region's spread plus count noise around its
    own mean (variance = mean, as for Poisson counts): the region's spread alone would make
    small municipalities far too certain. Normal approximation, truncated at zero."""
    mean = allocate_top_down(region.mean, shares)
    z = stats.norm.ppf(QUANTILE_LEVELS)
    region_sd = (region.quantiles[0, :, 3] - region.quantiles[0, :, 1]) / (z[3] - z[1])
    sd = np.sqrt((shares[:, None] * region_sd[None, :]) ** 2 + mean[1:])
    kommune = mean[1:, :, None] + sd[..., None] * z
    quant = np.concatenate([region.quantiles, kommune], axis=0)
    return clip_nonnegative(Forecast(mean, quant))


def compute_base_forecasts(
    panel: Panel,
    jobs: list[CutoffJob],
    models: tuple[str, ...],
    settings: ForecastSettings,
    seed: int,
) -> tuple[dict[Key, Forecast], dict[int, StockFlowFit]]:
    """Each model's own forecast per cutoff and quantity (region row 0, municipalities 1..K)."""
    out: dict[Key, Forecast] = {}
    fits: dict[int, StockFlowFit] = {}
    truncated = {job.cutoff: panel.truncate(job.cutoff) for job in jobs}
    quantities = settings.quantities
    s_count = panel.n_kommuner + 1

    stats_models = tuple(m for m in models if m in STATS_MODELS)
    st = settings.stats
    if stats_models:
        series: list[np.ndarray] = []
        wanted: list[tuple[str, ...]] = []
        keys: list[tuple[int, str, int]] = []
        for job in jobs:
            tp = truncated[job.cutoff]
            for q in quantities:
                runs = tuple(m for m in stats_models if st.runs(m, q))
                for s in range(s_count):
                    series.append(tp.values[q][s])
                    wanted.append(
                        runs if s == 0 else tuple(m for m in runs if not st.region_only(m, q))
                    )
                    keys.append((job.cutoff, q, s))
        horizon = max(job.horizon for job in jobs)
        raw = forecast_stats_batch(series, wanted, horizon, st)
        first = {(c, q): i for i, (c, q, s) in enumerate(keys) if s == 0}
        for job in jobs:
            tp = truncated[job.cutoff]
            for q in quantities:
                i0 = first[(job.cutoff, q)]
                for m, arr in raw.items():
                    block = arr[i0 : i0 + s_count, : job.horizon]  # (S, h, 5)
                    if np.isnan(block[0]).any():
                        continue
                    if st.region_only(m, q):
                        region = _from_raw(block[:1])
                        out[(job.cutoff, q, m)] = _shared_out(region, _recent_shares(tp.values[q]))
                    elif not np.isnan(block).any():
                        out[(job.cutoff, q, m)] = _from_raw(block)

    for job in jobs:
        tp = truncated[job.cutoff]
        for q in quantities:
            for m, trend in (("demographic_constant", False), ("demographic_trend", True)):
                if m in models:
                    out[(job.cutoff, q, m)] = forecast_demographic(
                        tp, q, job.horizon, trend=trend, settings=settings.demographic
                    )
        if "stockflow" in models:
            sim = simulate_stockflow(
                tp,
                job.cutoff,
                job.horizon,
                job.n_paths,
                rng_for(seed, panel.target_group, job.cutoff),
                settings=settings.stockflow,
                chunk_paths=settings.chunk_paths,
            )
            fits[job.cutoff] = sim.fit
            for q in quantities:
                kp = sim.quantity(q).astype(float)
                paths = np.concatenate([kp.sum(axis=1, keepdims=True), kp], axis=1)
                out[(job.cutoff, q, "stockflow")] = forecast_from_paths(paths)
    return out, fits


def reconcile_all(
    bases: dict[Key, Forecast],
    reconcilers: tuple[str, ...],
    ensemble_members: tuple[str, ...],
    with_ensemble: bool,
    region_only: Callable[[str, str], bool] = lambda m, q: m == "arima",
) -> dict[RecKey, Forecast]:
    """Coherent forecasts with every candidate reconciler.

    Path models keep their summed paths (reconciler 'paths'); region-only models are already
    shared out top-down ('top_down_shares'). The ensemble averages the coherent members.
    """
    out: dict[RecKey, Forecast] = {}
    for m, q in sorted({(k[2], k[1]) for k in bases}):
        keys = sorted(k for k in bases if k[2] == m and k[1] == q)
        if m == "stockflow":
            for k in keys:
                out[(*k, PATHS)] = bases[k]
            continue
        if region_only(m, q):
            for k in keys:
                out[(*k, SHARES)] = bases[k]
            continue
        for r in reconcilers:
            done = reconcile_many([bases[k] for k in keys], r)
            for k, fc in zip(keys, done, strict=True):
                out[(*k, r)] = fc
    if with_ensemble:
        out.update(_ensembles(out, reconcilers, ensemble_members))
    return out


def _ensembles(
    coherent: dict[RecKey, Forecast],
    reconcilers: tuple[str, ...],
    members: tuple[str, ...],
) -> dict[RecKey, Forecast]:
    out: dict[RecKey, Forecast] = {}
    cells = sorted({(k[0], k[1]) for k in coherent})
    for cutoff, q in cells:
        for r in reconcilers:
            chosen: list[Forecast] = []
            for m in members:
                for rec in (r, PATHS, SHARES):
                    fc = coherent.get((cutoff, q, m, rec))
                    if fc is not None:
                        chosen.append(fc)
                        break
            if len(chosen) >= 2:
                out[(cutoff, q, "ensemble", r)] = average_forecasts(chosen)
    return out
