"""Time-series baselines and challengers from statsforecast, run in one batch.

naive (last value), mean (historic average), drift (random walk with drift), ets (AutoETS,
additive or multiplicative error, trend chosen by AICc, no season), theta (dynamic optimised
theta) and arima (AutoARIMA; region series only, and only when they are long enough - it is
slow and unstable on a handful of points). All give native prediction intervals. A fit that
fails falls back to naive (statsforecast `fallback_model`); a series shorter than
`min_length` gets the naive forecast for every model, because nothing better can be
estimated from so few points.

Every series of every cutoff and quantity goes into one `StatsForecast.forecast` call
(n_jobs=1), identified by an integer job number, which keeps the overhead small.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import pandas as pd

STATS_MODELS = ("naive", "mean", "drift", "ets", "theta", "arima")


@dataclass(frozen=True)
class StatsSettings:
    """Settings (capacity/conf/forecast.yaml, `stats`)."""

    ets_model: str = "ZZN"
    min_length: int = 4
    arima_min_length: int = 8
    arima_quantities: tuple[str, ...] = ("census",)
    municipal_quantities: tuple[str, ...] = ("census",)

    def region_only(self, model: str, quantity: str) -> bool:
        """True when a model runs on the region series only and is shared out top-down."""
        if model == "arima":
            return True
        return model in ("ets", "theta") and quantity not in self.municipal_quantities

    def runs(self, model: str, quantity: str) -> bool:
        return model != "arima" or quantity in self.arima_quantities

    @classmethod
    def from_conf(cls, conf: dict | None) -> StatsSettings:
        conf = dict(conf or {})
        out = {k: v for k, v in conf.items() if k in cls.__dataclass_fields__}
        for key in ("arima_quantities", "municipal_quantities"):
            if key in out:
                out[key] = tuple(out[key])
        return cls(**out)


def _model(name: str, settings: StatsSettings) -> object:
    from statsforecast.models import (
        AutoARIMA,
        AutoETS,
        DynamicOptimizedTheta,
        HistoricAverage,
        Naive,
        RandomWalkWithDrift,
    )

    factories = {
        "naive": lambda: Naive(alias="naive"),
        "mean": lambda: HistoricAverage(alias="mean"),
        "drift": lambda: RandomWalkWithDrift(alias="drift"),
        "ets": lambda: AutoETS(season_length=1, model=settings.ets_model, alias="ets"),
        "theta": lambda: DynamicOptimizedTheta(season_length=1, alias="theta"),
        "arima": lambda: AutoARIMA(season_length=1, alias="arima"),
    }
    return factories[name]()


class _ScaledNormal:
    """scipy's norm(scale=sigma) for the two methods statsforecast calls, built on one shared
    standard normal: scipy computes both as standard value * scale + loc, so the numbers are
    the same."""

    def __init__(self, standard: object, sigma: float):
        self._standard = standard
        self._sigma = sigma

    def rvs(self, size: object = None, random_state: object = None) -> np.ndarray:
        return self._standard.rvs(size=size, random_state=random_state) * self._sigma + 0.0

    def ppf(self, q: object) -> np.ndarray:
        return self._standard.ppf(q) * self._sigma + 0.0


@contextmanager
def shared_standard_normal() -> Iterator[None]:
    """Within this block statsforecast reuses one frozen standard normal.

    statsforecast creates a new scipy frozen normal per series and model for its interval
    quantiles and theta's simulated intervals; scipy spends ~0.5 ms building each (mostly
    docstrings) - half the run time here. The results are identical (tests check it); other
    distributions and sigma = 0 go to the original function untouched.
    """
    import statsforecast.distributions as dist_mod
    import statsforecast.simulation as sim_mod

    original = dist_mod.frozen_error_distribution
    standard = original(1.0, "normal", None)

    def fast(sigma: float, distribution: str, params: object = None) -> object:
        if distribution == "normal" and not params and np.ndim(sigma) == 0 and sigma > 0:
            return standard if sigma == 1.0 else _ScaledNormal(standard, float(sigma))
        return original(sigma, distribution, params)

    dist_mod.frozen_error_distribution = fast
    sim_mod.frozen_error_distribution = fast
    try:
        yield
    finally:
        dist_mod.frozen_error_distribution = original
        sim_mod.frozen_error_distribution = original


def _run(
    series: Sequence[np.ndarray], horizon: int, names: Sequence[str], settings: StatsSettings
) -> dict[str, np.ndarray]:
    """statsforecast on equal-purpose series; returns name -> (n, H, 5) [mean, lo95, lo80,
    hi80, hi95]."""
    from statsforecast import StatsForecast
    from statsforecast.models import Naive

    ids = np.concatenate([np.full(len(y), i) for i, y in enumerate(series)])
    ds = np.concatenate([np.arange(len(y)) for y in series])
    df = pd.DataFrame({"unique_id": ids, "ds": ds, "y": np.concatenate(series).astype(float)})
    sf = StatsForecast(
        models=[_model(n, settings) for n in names],
        freq=1,
        n_jobs=1,
        fallback_model=Naive(),
    )
    with warnings.catch_warnings(), shared_standard_normal():
        warnings.simplefilter("ignore")
        out = sf.forecast(df=df, h=horizon, level=[80, 95])
    out = out.sort_values(["unique_id", "ds"])
    order = out["unique_id"].to_numpy().reshape(-1, horizon)[:, 0]
    result: dict[str, np.ndarray] = {}
    for n in names:
        cols = [n, f"{n}-lo-95", f"{n}-lo-80", f"{n}-hi-80", f"{n}-hi-95"]
        arr = out[cols].to_numpy(dtype=float).reshape(len(series), horizon, 5)
        full = np.empty_like(arr)
        full[order] = arr
        result[n] = full
    return result


def forecast_stats_batch(
    series: Sequence[np.ndarray],
    wanted: Sequence[Sequence[str]],
    horizon: int,
    settings: StatsSettings | None = None,
) -> dict[str, np.ndarray]:
    """Forecast each 1-D series with the models named for it.

    Returns model -> array (n_series, H, 5) of [mean, lo95, lo80, hi80, hi95], NaN where the
    model did not run. Series are grouped by model set, one statsforecast call per set.
    arima needs `arima_min_length` points and is absent otherwise."""
    settings = settings or StatsSettings()
    n_series = len(series)
    raw: dict[str, np.ndarray] = {}
    short = [i for i, y in enumerate(series) if len(y) < settings.min_length]
    if short:
        naive = _naive_short([series[i] for i in short], horizon)
        for j, i in enumerate(short):
            for n in wanted[i]:
                if n != "arima":
                    raw.setdefault(n, np.full((n_series, horizon, 5), np.nan))[i] = naive[j]
    groups: dict[tuple[str, ...], list[int]] = {}
    for i, names in enumerate(wanted):
        if len(series[i]) < settings.min_length:
            continue
        names_i = tuple(
            n
            for n in names
            if n in STATS_MODELS and (n != "arima" or len(series[i]) >= settings.arima_min_length)
        )
        if names_i:
            groups.setdefault(names_i, []).append(i)
    for names_g, idx in sorted(groups.items()):
        got = _run([series[i] for i in idx], horizon, names_g, settings)
        for n in names_g:
            raw.setdefault(n, np.full((n_series, horizon, 5), np.nan))[idx] = got[n]
    return raw


def _naive_short(series: Sequence[np.ndarray], horizon: int) -> np.ndarray:
    """Naive forecast with intervals from the only spread available (Poisson-like, sqrt)."""
    from scipy import stats

    out = np.empty((len(series), horizon, 5))
    z80, z95 = stats.norm.ppf(0.9), stats.norm.ppf(0.975)
    steps = np.sqrt(np.arange(1, horizon + 1))
    for i, y in enumerate(series):
        last = float(y[-1]) if len(y) else 0.0
        sd = np.sqrt(max(last, 1.0)) * steps
        out[i, :, 0] = last
        out[i, :, 1] = last - z95 * sd
        out[i, :, 2] = last - z80 * sd
        out[i, :, 3] = last + z80 * sd
        out[i, :, 4] = last + z95 * sd
    return out
