"""Cost at fixed prices of forecast demand (the takstaftale freezes rates: no price index).

cost_t = demand_t (occupied place-years, wherever met) × unit cost, where the unit cost is
today's paid price per occupied place-year, weighted by the provider mix:

    unit cost_t = (1 − p_t) × public unit cost + p_t × private unit cost,
    p_t = today's private share × (1 − share moved to municipal provision by the scenario).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from capacity.errors import MissingDataError
from capacity.gap.inputs import GapInputs, ProvisionMix
from capacity.gap.scenarios import Scenario, apply_scenario, get_scenario

COST_SCHEMA = {
    "target_group": pl.String,
    "scenario": pl.String,
    "year": pl.Int64,
    "private_share": pl.Float64,
    "unit_cost": pl.Float64,
    "cost_mean": pl.Float64,
    "cost_p10": pl.Float64,
    "cost_p50": pl.Float64,
    "cost_p90": pl.Float64,
    "cost_today": pl.Float64,
    "price_basis": pl.String,
}


def unit_costs(mix: ProvisionMix) -> tuple[float, float]:
    """(public, private) paid price per occupied place-year; one stands in for the other when
    a group has only one kind of provider."""
    pub, priv = mix.unit_cost_public, mix.unit_cost_private
    if pub is None and priv is None:
        raise MissingDataError(
            f"Target group {mix.target_group}: no paid prices, so the cost of demand cannot be "
            "computed. Check that placements carry a price (pris, prisenhed)."
        )
    return (priv if pub is None else pub), (pub if priv is None else priv)


def compute_unit_cost(mix: ProvisionMix, shift: float) -> tuple[float, float]:
    """(private share after the shift, blended unit cost per place-year)."""
    pub, priv = unit_costs(mix)
    p = mix.private_share * (1.0 - shift)
    return p, (1.0 - p) * pub + p * priv


def compute_costs(
    inputs: GapInputs, scenario: Scenario | None = None, price_basis: str = ""
) -> pl.DataFrame:
    """Cost per forecast year at fixed prices (kr. per year): mean, P10, P50, P90 over the
    sample paths, and today's cost for comparison. `price_basis` names the price year shown."""
    scenario = scenario or get_scenario("basis")
    sd = apply_scenario(inputs.demand, inputs.mix, scenario)
    _, unit_today = compute_unit_cost(inputs.mix, 0.0)
    share, unit = compute_unit_cost(inputs.mix, scenario.params.private_to_municipal_share)
    basis = price_basis or f"faste {inputs.demand.base_year}-priser"
    rows = []
    for j, year in enumerate(sd.years):
        cost = sd.total_paths[:, j] * unit
        p10, p50, p90 = np.quantile(cost, [0.1, 0.5, 0.9])
        rows.append(
            {
                "target_group": inputs.target_group,
                "scenario": scenario.name,
                "year": year,
                "private_share": share,
                "unit_cost": unit,
                "cost_mean": float(cost.mean()),
                "cost_p10": float(p10),
                "cost_p50": float(p50),
                "cost_p90": float(p90),
                "cost_today": sd.base_census * unit_today,
                "price_basis": basis,
            }
        )
    return pl.DataFrame(rows, schema=COST_SCHEMA)
