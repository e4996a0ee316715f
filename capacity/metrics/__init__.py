"""Metrics on the derived tables: stocks and flows, length of stay, rates, where and with whom,
costs, supply, the child -> adult pipeline, the waiting list and consistency checks.

Every function takes an open DuckDB connection (read-only is enough) and returns polars frames
ordered deterministically. docs/metrics.md defines each figure.
"""

from capacity.metrics.base import DerivedState, compute_data_date, derived_state
from capacity.metrics.consistency import compute_littles_law
from capacity.metrics.costs import (
    compute_cost_distribution,
    compute_expensive_cases,
    compute_expensive_providers,
    compute_person_cost_distribution,
    compute_refund_estimate,
    table_person_costs,
    table_placement_costs,
)
from capacity.metrics.episodes import table_episodes
from capacity.metrics.geography import (
    LOCATION_LABELS,
    OWNERSHIP_LABELS,
    compute_flow_matrix,
    compute_location,
    compute_memberships,
    compute_ownership,
    table_placement_status,
)
from capacity.metrics.length_of_stay import compute_length_of_stay
from capacity.metrics.pipeline import (
    compute_pipeline,
    compute_transition_rates,
    table_transitions,
)
from capacity.metrics.population import compute_population_by_group
from capacity.metrics.rates import compute_rates
from capacity.metrics.stock_flow import compute_stock_flow
from capacity.metrics.supply import (
    compute_capacity_changes,
    compute_group_occupancy,
    compute_offer_occupancy,
    compute_supply,
    table_offer_groups,
)
from capacity.metrics.waiting_list import compute_waiting_list

__all__ = [
    "DerivedState",
    "LOCATION_LABELS",
    "OWNERSHIP_LABELS",
    "compute_capacity_changes",
    "compute_cost_distribution",
    "compute_data_date",
    "compute_expensive_cases",
    "compute_expensive_providers",
    "compute_flow_matrix",
    "compute_group_occupancy",
    "compute_length_of_stay",
    "compute_littles_law",
    "compute_location",
    "compute_memberships",
    "compute_offer_occupancy",
    "compute_ownership",
    "compute_person_cost_distribution",
    "compute_pipeline",
    "compute_population_by_group",
    "compute_rates",
    "compute_refund_estimate",
    "compute_stock_flow",
    "compute_supply",
    "compute_transition_rates",
    "compute_waiting_list",
    "derived_state",
    "table_episodes",
    "table_offer_groups",
    "table_person_costs",
    "table_placement_costs",
    "table_placement_status",
    "table_transitions",
]
