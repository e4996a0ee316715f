"""Capacity gap, scenarios and the lånepulje: "how many places, for whom, by when".

Inputs are explicit (capacity.gap.inputs); `capacity.gap.adapters.load_gap_inputs` fills them
from the metrics and forecast packages. docs/capacity.md explains every figure.
"""

from capacity.gap.compute import compare_scenarios, compute_gap, compute_gap_all
from capacity.gap.costs import compute_costs
from capacity.gap.inputs import DemandPaths, GapInputs, ProvisionMix, Supply
from capacity.gap.lanepulje import (
    compute_lanepulje,
    compute_planned_projects,
    compute_use_of_places,
)
from capacity.gap.prices import compute_price_difference
from capacity.gap.scenarios import Scenario, apply_scenario, get_scenario, load_scenarios
from capacity.gap.waterfall import compute_waterfall

__all__ = [
    "DemandPaths",
    "GapInputs",
    "ProvisionMix",
    "Scenario",
    "Supply",
    "apply_scenario",
    "compare_scenarios",
    "compute_costs",
    "compute_gap",
    "compute_gap_all",
    "compute_lanepulje",
    "compute_planned_projects",
    "compute_price_difference",
    "compute_use_of_places",
    "compute_waterfall",
    "get_scenario",
    "load_scenarios",
]
