"""Demographic-rate baselines: rate x projected population of the group's age band.

demographic_constant: the rate stays where it is (the last year's rate for stocks; the mean
    of the last `flow_anchor_years` years for inflow, which is noisy) and demand moves only
    with the population of the age band - the approach planners know (NHP, prevalence method).
demographic_trend: the same, times a damped log-linear rate trend estimated on the region
    totals with a quasi-Poisson GLM (population as exposure) - non-demographic growth pooled
    across municipalities; shrunk by its uncertainty as in `inflow_model`.

Intervals: stocks treat the rate as a random walk (spread from the year-on-year rate changes,
growing with the square root of the horizon); inflow treats it as noise around a level, never
narrower than Poisson noise; the trend variant adds the trend's parameter uncertainty.
Normal, truncated at zero.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from capacity.forecast.inflow_model import damped_steps, fit_inflow
from capacity.forecast.panel import Panel
from capacity.forecast.results import Forecast, forecast_from_gaussian

FLOW_QUANTITIES = frozenset({"inflow"})


@dataclass(frozen=True)
class DemographicSettings:
    """Settings (capacity/conf/forecast.yaml, `demographic`)."""

    flow_anchor_years: int = 3
    rate_years: int = 8
    damping: float = 0.9
    trend_change_sd: float = 0.02

    @classmethod
    def from_conf(cls, conf: dict | None) -> DemographicSettings:
        conf = dict(conf or {})
        return cls(**{k: v for k, v in conf.items() if k in cls.__dataclass_fields__})


def _rates(panel: Panel, quantity: str) -> tuple[np.ndarray, np.ndarray]:
    y = panel.values[quantity]
    pop = panel.population_for(panel.years)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(pop > 0, y / pop, 0.0)
    return rate, pop


def forecast_demographic(
    panel: Panel,
    quantity: str,
    horizon: int,
    *,
    trend: bool,
    settings: DemographicSettings | None = None,
) -> Forecast:
    """Rate x future population for every series (region row and municipalities)."""
    settings = settings or DemographicSettings()
    rate, _ = _rates(panel, quantity)
    n_years = rate.shape[1]
    future_years = np.arange(panel.last_year + 1, panel.last_year + horizon + 1)
    pop_future = panel.population_for(future_years)
    steps = np.arange(1, horizon + 1, dtype=float)
    if quantity in FLOW_QUANTITIES:
        window = rate[:, -min(settings.flow_anchor_years, n_years) :]
        anchor = window.mean(axis=1)
        resid_sd = window.std(axis=1, ddof=1) if window.shape[1] > 1 else np.zeros(len(anchor))
        # noise around a level: spread of single years plus the anchor's own uncertainty
        rate_sd = resid_sd[:, None] * np.sqrt(1.0 + 1.0 / window.shape[1]) * np.ones(horizon)
    else:
        anchor = rate[:, -1]
        diffs = np.diff(rate, axis=1)[:, -settings.rate_years :]
        if diffs.shape[1] >= 2 and trend:
            # the trend model explains the average change: only the rest is noise
            step_sd = diffs.std(axis=1, ddof=1)
        elif diffs.shape[1] >= 1:
            step_sd = np.sqrt(np.mean(diffs**2, axis=1))
        else:
            step_sd = np.zeros(len(anchor))
        rate_sd = step_sd[:, None] * np.sqrt(steps)[None, :]
    mean_rate = anchor[:, None] * np.ones(horizon)
    if trend:
        model = fit_inflow(
            panel.values[quantity][1:],
            panel.population_for(panel.years)[1:],
            rate_years=settings.rate_years,
            damping=settings.damping,
            trend_change_sd=settings.trend_change_sd,
            # stocks and census are levels, not event counts: no Poisson floor
            min_dispersion=1.0 if quantity in FLOW_QUANTITIES else 0.0,
        )
        if not model.zero:
            d = damped_steps(steps, settings.damping)
            factor = np.exp(model.coef[1] * d)
            mean_rate = mean_rate * factor[None, :]
            trend_sd = mean_rate * d[None, :] * np.sqrt(max(model.cov[1, 1], 0.0))
            rate_sd = np.sqrt(rate_sd**2 + trend_sd**2)
    mean = mean_rate * pop_future
    sd = rate_sd * pop_future
    if quantity in FLOW_QUANTITIES:
        # a yearly count is never less uncertain than Poisson noise around its mean
        sd = np.sqrt(sd**2 + mean)
    return forecast_from_gaussian(mean, sd)
