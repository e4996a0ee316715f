"""Capacity by year: today's places plus planned projects and scenario places as they open."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl

from capacity.gap.inputs import Supply
from capacity.gap.scenarios import ScenarioParams


def filter_planned(planned: pl.DataFrame, statuses: Sequence[str] | None) -> pl.DataFrame:
    """Planned projects whose status counts (None = every status; case-insensitive)."""
    if statuses is None:
        return planned
    wanted = [s.strip().lower() for s in statuses]
    return planned.filter(pl.col("status").str.strip_chars().str.to_lowercase().is_in(wanted))


def compute_planned_by_year(
    supply: Supply, years: Sequence[int], statuses: Sequence[str] | None = None
) -> pl.DataFrame:
    """Cumulative planned places (and of those for other municipalities) existing in each year.

    A project counts from its opening year on (`year` = first year the places exist).
    """
    planned = filter_planned(supply.planned, statuses)
    rows = []
    for year in years:
        upto = planned.filter(pl.col("year") <= year)
        rows.append(
            {
                "year": int(year),
                "planned_places": float(upto["places"].sum() or 0.0),
                "planned_for_others": float(upto["for_other_municipalities"].sum() or 0.0),
            }
        )
    return pl.DataFrame(
        rows,
        schema={"year": pl.Int64, "planned_places": pl.Float64, "planned_for_others": pl.Float64},
    )


def compute_capacity(
    supply: Supply,
    years: Sequence[int],
    params: ScenarioParams,
    method: str,
    statuses: Sequence[str] | None = None,
) -> np.ndarray:
    """Places available to the region's citizens in each year:

    (current places + planned places opened by then + scenario places opened by then)
    × (1 − share of places used by other regions).
    """
    planned = compute_planned_by_year(supply, years, statuses)["planned_places"].to_numpy()
    extra = np.array([params.new_places_by(supply.target_group, y) for y in years], dtype=float)
    return (supply.places(method) + planned + extra) * (1.0 - params.other_regions_use_share)
