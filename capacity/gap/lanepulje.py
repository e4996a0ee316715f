"""The lånepulje view: planned projects per target group against the gap.

The lånepulje 2025/26 funds §§ 107-108 places with a joint element: part of the places must be
open to other municipalities than the one that builds them (DASSOS, March 2024, item 1.2). So
every planned place is shown as internal (for the building municipality) or for others.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from capacity.gap.inputs import ProvisionMix, Supply
from capacity.gap.places import filter_planned

LANEPULJE_SCHEMA = {
    "target_group": pl.String,
    "scenario": pl.String,
    "year": pl.Int64,
    "service_level": pl.String,
    "required": pl.Int64,
    "current_capacity": pl.Float64,
    "gap_before_plans": pl.Float64,
    "planned_places": pl.Float64,
    "planned_internal": pl.Float64,
    "planned_for_others": pl.Float64,
    "scenario_new_places": pl.Float64,
    "gap_after_plans": pl.Float64,
    "share_of_gap_covered": pl.Float64,
    "private_placements_today": pl.Float64,
    "paid_difference": pl.Float64,
    "saving_if_replacing_private": pl.Float64,
}


def compute_lanepulje(
    gap: pl.DataFrame,
    year: int,
    mixes: Sequence[ProvisionMix] = (),
    price_difference: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Per target group in `year`: required places, the gap before and after planned projects,
    planned places split internal / for other municipalities, the share of the gap the plans
    cover, and — with prices — the yearly saving if planned places replace private placements
    (at most as many as are privately placed today) at today's paid price difference.

    `gap`: compute_gap_all output for one scenario.
    """
    rows = gap.filter(pl.col("year") == year)
    if rows.is_empty():
        raise ValueError(f"no gap rows for year {year}")
    if rows["scenario"].n_unique() != 1:
        raise ValueError("pass the gap of one scenario")
    private = {m.target_group: m.private_share * m.known for m in mixes}
    diff: dict[str, float | None] = {}
    if price_difference is not None:
        diff = dict(
            zip(
                price_difference["target_group"].to_list(),
                price_difference["paid_difference"].to_list(),
                strict=True,
            )
        )
    out = []
    for r in rows.iter_rows(named=True):
        current = (
            r["places_apportioned"]
            if r["counting_method"] == "apportioned"
            else r["places_counted"]
        ) * r["available_share"]
        before = r["required"] - current
        planned = r["planned_places"]
        priv = private.get(r["target_group"])
        d = diff.get(r["target_group"])
        saving = None
        if priv is not None and d is not None:
            saving = min(planned, priv) * d
        out.append(
            {
                "target_group": r["target_group"],
                "scenario": r["scenario"],
                "year": year,
                "service_level": r["service_level"],
                "required": r["required"],
                "current_capacity": current,
                "gap_before_plans": before,
                "planned_places": planned,
                "planned_internal": planned - r["planned_for_others"],
                "planned_for_others": r["planned_for_others"],
                "scenario_new_places": r["scenario_new_places"],
                "gap_after_plans": r["gap"],
                "share_of_gap_covered": min(1.0, planned / before) if before > 0 else None,
                "private_placements_today": priv,
                "paid_difference": d,
                "saving_if_replacing_private": saving,
            }
        )
    return pl.DataFrame(out, schema=LANEPULJE_SCHEMA).sort("target_group")


def compute_planned_projects(
    supplies: Sequence[Supply], statuses: Sequence[str] | None = None
) -> pl.DataFrame:
    """Every planned project, one row each, with its internal places next to those for others."""
    frames = [
        filter_planned(s.planned, statuses).with_columns(
            pl.lit(s.target_group).alias("target_group")
        )
        for s in supplies
    ]
    if not frames:
        return pl.DataFrame()
    return (
        pl.concat(frames)
        .with_columns((pl.col("places") - pl.col("for_other_municipalities")).alias("internal"))
        .select(
            "target_group",
            "municipality",
            "project",
            "year",
            "status",
            "places",
            "internal",
            "for_other_municipalities",
        )
        .sort("target_group", "year", "municipality", "project", nulls_last=True)
    )


def compute_use_of_places(mixes: Sequence[ProvisionMix]) -> pl.DataFrame:
    """Today's census per target group by location and provider, with the shares of demand met
    outside the region and by private providers."""
    rows = [
        {
            "target_group": m.target_group,
            "public_in_region": m.public_in_region,
            "private_in_region": m.private_in_region,
            "public_outside": m.public_outside,
            "private_outside": m.private_outside,
            "unknown": m.unknown,
            "census_total": m.known + m.unknown,
            "outside_share": m.outside_share,
            "private_share": m.private_share,
            "private_outside_share": m.private_outside_share,
        }
        for m in mixes
    ]
    return pl.DataFrame(rows).sort("target_group") if rows else pl.DataFrame()
