"""Named scenarios (capacity/conf/scenarios.yaml) and how they change demand on the pool.

The forecast paths are the basis. A scenario rescales them with factors that have a plain
meaning (docs/capacity.md, appendix):

    pool demand_t = forecast_t × rate adjustment_t × length-of-stay factor_t × pool share_t

- rate adjustment: the forecast's non-demographic trend g_t = mean forecast_t ÷ (census today ×
  population index_t) becomes max(0, 1 + m·(g_t − 1))·(1 + e)^(t − base year) for the
  multiplier m and an extra yearly change e in the use rate;
- length-of-stay factor: 1 + δ·min(1, years since base ÷ phase-in years) (Little's law);
- pool share: the share of demand met by places in the region, 1 − out-of-region share, where
  moving a share of private placements home lowers the out-of-region share.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator

from capacity.config import load_conf
from capacity.gap.inputs import DemandPaths, ProvisionMix

# One person-day is 1/366 of a census place; anything below this is no one placed today (and
# would overflow the trend ratio).
MIN_CENSUS = 1e-6


class ScenarioParams(BaseModel):
    """The parameters of one scenario (all have defaults in scenarios.yaml)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    rate_trend_multiplier: float = Field(1.0, ge=0)
    extra_rate_growth: float = Field(0.0, gt=-1)
    los_change: float = Field(0.0, gt=-1)
    los_phase_in_years: int = Field(3, ge=1)
    private_to_municipal_share: float = Field(0.0, ge=0, le=1)
    out_of_region_share: float | None = Field(None, ge=0, le=1)
    other_regions_use_share: float = Field(0.0, ge=0, lt=1)
    new_places: dict[str, dict[int, float]] = Field(default_factory=dict)

    @field_validator("new_places")
    @classmethod
    def _non_negative_places(cls, value: dict[str, dict[int, float]]) -> dict:
        for group, by_year in value.items():
            if any(v < 0 for v in by_year.values()):
                raise ValueError(f"new places for {group} must be non-negative")
        return value

    def new_places_by(self, target_group: str, year: int) -> float:
        """Extra places for the group that exist in `year` (cumulative from their year)."""
        by_year = self.new_places.get(target_group, {})
        return float(sum(v for y, v in by_year.items() if int(y) <= year))


@dataclass(frozen=True)
class Scenario:
    """A named parameter set."""

    name: str
    label: str
    description: str
    params: ScenarioParams


def load_scenarios() -> dict[str, Scenario]:
    """All named scenarios of capacity/conf/scenarios.yaml (defaults plus overrides)."""
    conf = load_conf("scenarios")
    defaults = dict(conf.get("defaults") or {})
    out: dict[str, Scenario] = {}
    for name, spec in (conf.get("scenarios") or {}).items():
        params = ScenarioParams(**{**defaults, **(spec.get("overrides") or {})})
        out[name] = Scenario(name, spec.get("label", name), spec.get("description", ""), params)
    return out


def get_scenario(name: str = "basis", **overrides: Any) -> Scenario:
    """One named scenario, optionally with further overrides (e.g. in a notebook)."""
    scenarios = load_scenarios()
    if name not in scenarios:
        raise KeyError(f"unknown scenario {name!r}; known: {', '.join(sorted(scenarios))}")
    base = scenarios[name]
    if not overrides:
        return base
    params = ScenarioParams(**{**base.params.model_dump(), **overrides})
    return Scenario(name, base.label, base.description, params)


def load_gap_settings() -> dict[str, Any]:
    """Service level, counting method and planned statuses from scenarios.yaml."""
    conf = load_conf("scenarios")
    return {
        "max_shortage_probability": float(conf["service_level"]["max_shortage_probability"]),
        "counting_method": conf.get("counting_method", "apportioned"),
        "planned_statuses": conf.get("planned_statuses"),
    }


@dataclass(frozen=True)
class ScenarioDemand:
    """Demand under a scenario, with the factors that produced it (one value per year).

    pool_paths: demand on the region's places (n_paths, n_years).
    total_paths: demand wherever met (used for cost).
    """

    target_group: str
    years: list[int]
    base_census: float
    base_pool_share: float
    population_index: np.ndarray
    rate_factor: np.ndarray
    los_factor: np.ndarray
    pool_share: np.ndarray
    pool_paths: np.ndarray
    total_paths: np.ndarray

    @property
    def base_pool_demand(self) -> float:
        """Today's demand on the region's places: census × today's in-region share."""
        return self.base_census * self.base_pool_share

    @property
    def has_base(self) -> bool:
        """Is anyone placed in the region today (so that changes can be taken as factors)?"""
        return self.base_census > MIN_CENSUS and self.base_pool_share > 0


def compute_rate_factor(
    demand: DemandPaths, multiplier: float, extra_growth: float = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """(population index, scenario rate trend) per year.

    The forecast's own non-demographic trend g_t = mean_t ÷ (census today × population index_t);
    the scenario's trend is max(0, 1 + m·(g_t − 1))·(1 + e)^(t − base year). Without a
    population index every change counts as rate trend. With no one placed today there is no
    rate to scale: the trend is the forecast's own level and only e applies.
    """
    means = demand.paths.mean(axis=0)
    pop = (
        demand.population_index
        if demand.population_index is not None
        else np.ones(len(demand.years))
    )
    elapsed = np.array([y - demand.base_year for y in demand.years], dtype=float)
    extra = (1.0 + extra_growth) ** elapsed
    if demand.base_census <= MIN_CENSUS:
        return pop, extra
    trend = means / (demand.base_census * pop)
    return pop, np.clip(1.0 + multiplier * (trend - 1.0), 0.0, None) * extra


def compute_los_factor(years: list[int], base_year: int, change: float, phase: int) -> np.ndarray:
    """Census factor of a length-of-stay change phased in linearly over `phase` years."""
    elapsed = np.array([y - base_year for y in years], dtype=float)
    return 1.0 + change * np.clip(elapsed / phase, 0.0, 1.0)


def compute_pool_share(mix: ProvisionMix, params: ScenarioParams) -> tuple[float, float]:
    """(today's in-region share, the scenario's in-region share) of demand."""
    today = 1.0 - mix.outside_share
    outside = (
        mix.outside_share if params.out_of_region_share is None else params.out_of_region_share
    )
    outside = max(0.0, outside - params.private_to_municipal_share * mix.private_outside_share)
    return today, 1.0 - outside


def apply_scenario(demand: DemandPaths, mix: ProvisionMix, scenario: Scenario) -> ScenarioDemand:
    """Demand paths under a scenario (see the module docstring for the formula)."""
    p = scenario.params
    pop, rate = compute_rate_factor(demand, p.rate_trend_multiplier, p.extra_rate_growth)
    means = demand.paths.mean(axis=0)
    if demand.base_census > MIN_CENSUS:
        baseline_trend = means / (demand.base_census * pop)
        # Paths are rescaled so that their mean follows the scenario's trend.
        rate_adj = np.divide(
            rate, baseline_trend, out=np.ones_like(rate), where=baseline_trend > 0
        )
    else:
        rate_adj = rate
    los = compute_los_factor(demand.years, demand.base_year, p.los_change, p.los_phase_in_years)
    share_today, share = compute_pool_share(mix, p)
    total = demand.paths * rate_adj * los
    return ScenarioDemand(
        target_group=demand.target_group,
        years=list(demand.years),
        base_census=float(demand.base_census),
        base_pool_share=share_today,
        population_index=pop,
        rate_factor=rate,
        los_factor=los,
        pool_share=np.full(len(demand.years), share),
        pool_paths=total * share,
        total_paths=total,
    )
