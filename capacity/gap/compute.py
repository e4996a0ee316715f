"""The capacity gap per target group × horizon year at region level, under a scenario."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl

from capacity.gap.inputs import GapInputs
from capacity.gap.labels import format_service_level
from capacity.gap.places import compute_capacity, compute_planned_by_year
from capacity.gap.queueing import (
    erlang_b,
    erlang_b_required_places,
    mixed_poisson_shortage_probability,
    poisson_required_places,
)
from capacity.gap.required import compute_gap_figures, shortage_probability
from capacity.gap.scenarios import Scenario, apply_scenario, get_scenario, load_gap_settings

GAP_SCHEMA = {
    "target_group": pl.String,
    "scenario": pl.String,
    "year": pl.Int64,
    "max_shortage_probability": pl.Float64,
    "service_level": pl.String,
    "counting_method": pl.String,
    "base_year": pl.Int64,
    "census_today": pl.Float64,
    "pool_demand_today": pl.Float64,
    "pool_share": pl.Float64,
    "demand_mean": pl.Float64,
    "demand_p10": pl.Float64,
    "demand_p50": pl.Float64,
    "demand_p90": pl.Float64,
    "places_apportioned": pl.Float64,
    "places_counted": pl.Float64,
    "planned_places": pl.Float64,
    "planned_for_others": pl.Float64,
    "scenario_new_places": pl.Float64,
    "available_share": pl.Float64,
    "capacity_apportioned": pl.Float64,
    "capacity_counted": pl.Float64,
    "capacity": pl.Float64,
    "required": pl.Int64,
    "gap": pl.Float64,
    "gap_apportioned": pl.Float64,
    "gap_counted": pl.Float64,
    "p_shortage": pl.Float64,
    "p_shortage_apportioned": pl.Float64,
    "p_shortage_counted": pl.Float64,
    "expected_unmet": pl.Float64,
    "expected_idle": pl.Float64,
    "offered_load": pl.Float64,
    "poisson_required": pl.Int64,
    "erlang_b_required": pl.Int64,
    "erlang_b_blocking": pl.Float64,
    "p_shortage_daily": pl.Float64,
    "n_paths": pl.Int64,
}


def _resolve(
    scenario: Scenario | None,
    max_shortage_prob: float | None,
    counting_method: str | None,
    planned_statuses: Sequence[str] | None | str,
) -> tuple[Scenario, float, str, Sequence[str] | None]:
    settings = load_gap_settings()
    scenario = scenario or get_scenario("basis")
    alpha = (
        settings["max_shortage_probability"] if max_shortage_prob is None else max_shortage_prob
    )
    method = counting_method or settings["counting_method"]
    statuses = settings["planned_statuses"] if planned_statuses == "conf" else planned_statuses
    if method not in ("apportioned", "counted"):
        raise ValueError(f"unknown counting method {method!r} (apportioned | counted)")
    return scenario, float(alpha), method, statuses


def compute_gap(
    inputs: GapInputs,
    scenario: Scenario | None = None,
    *,
    max_shortage_prob: float | None = None,
    counting_method: str | None = None,
    planned_statuses: Sequence[str] | None | str = "conf",
) -> pl.DataFrame:
    """One row per forecast year: demand, places (both counting methods, planned, scenario),
    required places at the service level, gap, P(shortage), expected unmet and idle places,
    and the Erlang/Poisson cross-check.

    Defaults (service level, principal counting method, planned statuses) come from
    capacity/conf/scenarios.yaml; `scenario` defaults to 'basis'.
    """
    scenario, alpha, method, statuses = _resolve(
        scenario, max_shortage_prob, counting_method, planned_statuses
    )
    demand, supply = inputs.demand, inputs.supply
    sd = apply_scenario(demand, inputs.mix, scenario)
    years = demand.years
    params = scenario.params
    caps = {
        m: compute_capacity(supply, years, params, m, statuses) for m in ("apportioned", "counted")
    }
    planned = compute_planned_by_year(supply, years, statuses)
    rows = []
    for j, year in enumerate(years):
        samples = sd.pool_paths[:, j]
        cap = float(caps[method][j])
        fig = compute_gap_figures(samples, cap, alpha)
        load = fig.demand_mean  # Little: E[census] = inflow × mean length of stay
        rows.append(
            {
                "target_group": demand.target_group,
                "scenario": scenario.name,
                "year": year,
                "max_shortage_probability": alpha,
                "service_level": format_service_level(alpha),
                "counting_method": method,
                "base_year": demand.base_year,
                "census_today": demand.base_census,
                "pool_demand_today": sd.base_pool_demand,
                "pool_share": float(sd.pool_share[j]),
                "demand_mean": fig.demand_mean,
                "demand_p10": fig.demand_p10,
                "demand_p50": fig.demand_p50,
                "demand_p90": fig.demand_p90,
                "places_apportioned": supply.places("apportioned"),
                "places_counted": supply.places("counted"),
                "planned_places": float(planned["planned_places"][j]),
                "planned_for_others": float(planned["planned_for_others"][j]),
                "scenario_new_places": params.new_places_by(demand.target_group, year),
                "available_share": 1.0 - params.other_regions_use_share,
                "capacity_apportioned": float(caps["apportioned"][j]),
                "capacity_counted": float(caps["counted"][j]),
                "capacity": cap,
                "required": fig.required,
                "gap": fig.gap,
                "gap_apportioned": fig.required - float(caps["apportioned"][j]),
                "gap_counted": fig.required - float(caps["counted"][j]),
                "p_shortage": fig.p_shortage,
                "p_shortage_apportioned": shortage_probability(samples, caps["apportioned"][j]),
                "p_shortage_counted": shortage_probability(samples, caps["counted"][j]),
                "expected_unmet": fig.expected_unmet,
                "expected_idle": fig.expected_idle,
                "offered_load": load,
                "poisson_required": poisson_required_places(load, alpha),
                "erlang_b_required": erlang_b_required_places(load, alpha),
                "erlang_b_blocking": erlang_b(int(np.floor(cap)), load),
                "p_shortage_daily": mixed_poisson_shortage_probability(samples, cap),
                "n_paths": demand.n_paths,
            }
        )
    return pl.DataFrame(rows, schema=GAP_SCHEMA)


def compute_gap_all(
    inputs: Sequence[GapInputs],
    scenario: Scenario | None = None,
    **kwargs,
) -> pl.DataFrame:
    """compute_gap for several target groups, stacked and ordered by group and year."""
    frames = [compute_gap(i, scenario, **kwargs) for i in inputs]
    if not frames:
        return pl.DataFrame(schema=GAP_SCHEMA)
    return pl.concat(frames).sort("target_group", "year")


def compare_scenarios(
    inputs: Sequence[GapInputs], scenarios: Sequence[Scenario], **kwargs
) -> pl.DataFrame:
    """The gap under each scenario, stacked (column `scenario` tells them apart)."""
    frames = [compute_gap_all(inputs, s, **kwargs) for s in scenarios]
    return pl.concat(frames).sort("target_group", "year", "scenario")
