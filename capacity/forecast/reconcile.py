"""Coherence: municipality forecasts that add up to the region (hierarchicalforecast).

Within one target group the hierarchy is a tree: the region over its municipalities, so
besides BottomUp and MinTrace the top-down method with forecast proportions is valid too.
The candidates, chosen per model by the backtest:

bottom_up             region = sum of the municipalities' own forecasts;
mintrace_ols          MinTrace, identity weights (all base forecasts count equally);
mintrace_wls_struct   MinTrace, weights from the structure (needs no residuals: robust with
                      few years);
top_down              the region's own forecast, shared out in proportion to the
                      municipalities' forecasts.

MinTrace is solved without the non-negativity constraint first; only columns that come out
negative are solved again with `nonnegative=True` (a small quadratic programme each).
Path models (the stock-flow Monte Carlo) need none of this: their region is the sum of the
municipality paths, path by path. Quantiles move with the mean (the spread around each
series' own forecast is kept), truncated at zero.
"""

from __future__ import annotations

import warnings

import numpy as np

from capacity.forecast.results import Forecast, shift_forecast

RECONCILERS = ("bottom_up", "mintrace_ols", "mintrace_wls_struct", "top_down")


def summing_matrix(k_count: int) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """S (K+1, K) with the region in row 0, and the level tags hierarchicalforecast wants."""
    s = np.vstack([np.ones((1, k_count)), np.eye(k_count)])
    tags = {"region": np.array([0]), "region/kommune": np.arange(1, k_count + 1)}
    return s, tags


def reconcile_means(base: np.ndarray, method: str) -> np.ndarray:
    """Coherent means for base forecasts (S, N) - N columns may mix horizons and cutoffs."""
    from hierarchicalforecast.methods import BottomUp, MinTrace, TopDown

    base = np.maximum(np.asarray(base, dtype=float), 0.0)
    k_count = base.shape[0] - 1
    s, tags = summing_matrix(k_count)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if method == "bottom_up":
            out = BottomUp().fit_predict(S=s, y_hat=base)["mean"]
        elif method == "top_down":
            out = TopDown(method="forecast_proportions").fit_predict(S=s, y_hat=base, tags=tags)[
                "mean"
            ]
        elif method in ("mintrace_ols", "mintrace_wls_struct"):
            kind = method.removeprefix("mintrace_")
            out = MinTrace(method=kind).fit_predict(S=s, y_hat=base)["mean"]
            negative = (out < -1e-9).any(axis=0)
            if negative.any():
                fixed = MinTrace(method=kind, nonnegative=True).fit_predict(
                    S=s, y_hat=base[:, negative]
                )["mean"]
                out[:, negative] = fixed
        else:
            raise ValueError(f"Unknown reconciliation method {method!r}.")
    return np.maximum(np.asarray(out, dtype=float), 0.0)


def allocate_top_down(region: np.ndarray, shares: np.ndarray) -> np.ndarray:
    """Region-only forecasts (1, N) shared out by fixed municipality shares (K,): (K+1, N).

    Used for region-only models (arima); shares are the municipalities' recent share of the
    region (hierarchicalforecast TopDown 'average_proportions' on the recent history).
    """
    from hierarchicalforecast.methods import TopDown

    k_count = shares.size
    s, tags = summing_matrix(k_count)
    base = np.vstack([np.maximum(region, 0.0), np.zeros((k_count, region.shape[1]))])
    # recent history in the insample layout TopDown reads (region row, municipality rows)
    insample = np.vstack([np.ones((1, 1)), shares[:, None]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = TopDown(method="average_proportions").fit_predict(
            S=s, y_hat=base, tags=tags, y_insample=insample
        )["mean"]
    return np.maximum(np.asarray(out, dtype=float), 0.0)


def reconcile_forecast(fc: Forecast, method: str) -> Forecast:
    """A model's base forecast (S, H) made coherent; quantiles shifted with the mean."""
    return shift_forecast(fc, reconcile_means(fc.mean, method))


def reconcile_many(forecasts: list[Forecast], method: str) -> list[Forecast]:
    """Reconcile several forecasts in one call (columns stacked: one QP set, less overhead)."""
    if not forecasts:
        return []
    stacked = np.hstack([f.mean for f in forecasts])
    rec = reconcile_means(stacked, method)
    out: list[Forecast] = []
    col = 0
    for f in forecasts:
        h = f.mean.shape[1]
        out.append(shift_forecast(f, rec[:, col : col + h]))
        col += h
    return out
