"""Where and with whom citizens are placed: ownership, location and the flow matrix."""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl

from capacity.metrics.base import (
    check_level,
    derived_state,
    full_grid,
    group_ids,
    municipality_codes,
    query,
    region_code,
)

OWNERSHIP_LABELS = {
    "kommunal_egen": "Kommunal, egen kommune",
    "kommunal_anden": "Kommunal, anden kommune",
    "regional": "Regional",
    "selvejende": "Selvejende",
    "privat": "Privat",
    "ukendt": "Ukendt (tilbud ikke fundet)",
}
LOCATION_LABELS = {
    "egen_kommune": "I egen kommune",
    "regionen": "Andre steder i regionen",
    "uden_for_regionen": "Uden for regionen",
    "ukendt": "Ukendt (tilbud ikke fundet)",
}


def table_placement_status(
    con: duckdb.DuckDBPyConnection,
    *,
    ref_date: dt.date | None = None,
    all_offer_types: bool = False,
) -> pl.DataFrame:
    """Placements in force on ``ref_date`` (default: the data date), one row each.

    Columns: file, line, person_key, kommunekode (handlekommune), target_group (at
    ref_date), target_groups_all (multi-membership at ref_date), age (at ref_date), area,
    start_date, paragraf, offer_type, tilbud_id, tilbudsnavn, ejerform, driftsherre,
    beliggenhedskommune, ownership, location, annual_cost. Only offer types that count as
    places unless ``all_offer_types``.
    """
    state = derived_state(con)
    return query(
        con,
        "placement_status",
        {
            **state.rule_params,
            "ref_date": ref_date or state.data_date,
            "offer_types": None if all_offer_types else state.offer_types,
        },
    )


def _by_category(
    status: pl.DataFrame, category: str, categories: list[str], level: str
) -> pl.DataFrame:
    check_level(level)
    if level == "region":
        status = status.with_columns(pl.lit(region_code()).alias("kommunekode"))
    observed = status.group_by("kommunekode", "target_group", category).agg(
        pl.col("person_key").n_unique().cast(pl.Int64).alias("persons"),
        pl.len().cast(pl.Int64).alias("placements"),
        pl.col("annual_cost").cast(pl.Float64).sum().alias("annual_cost"),
    )
    codes = (
        [region_code()]
        if level == "region"
        else municipality_codes(observed["kommunekode"].unique().to_list())
    )
    grid = full_grid(
        {"kommunekode": codes, "target_group": group_ids(), category: categories},
        {"kommunekode": pl.String, "target_group": pl.String, category: pl.String},
    )
    return (
        grid.join(observed, on=["kommunekode", "target_group", category], how="left")
        .with_columns(
            pl.col("persons", "placements").fill_null(0), pl.col("annual_cost").fill_null(0.0)
        )
        .sort(
            "kommunekode",
            "target_group",
            pl.col(category).replace_strict(
                {c: i for i, c in enumerate(categories)}, return_dtype=pl.Int64
            ),
        )
    )


def compute_ownership(
    con: duckdb.DuckDBPyConnection,
    *,
    ref_date: dt.date | None = None,
    level: str = "municipality",
    all_offer_types: bool = False,
) -> pl.DataFrame:
    """Citizens per kommunekode x target group x ownership of the offer on ``ref_date``.

    ownership: kommunal_egen (run by the placing municipality itself), kommunal_anden
    (another municipality), regional, selvejende, privat, ukendt (offer not matched); Danish
    labels in OWNERSHIP_LABELS. Columns: kommunekode, target_group, ownership, persons
    (distinct; a person in offers of two kinds counts in both), placements, annual_cost
    (sum of the placements' annual cost, kr. per year). Zeros filled.
    """
    status = table_placement_status(con, ref_date=ref_date, all_offer_types=all_offer_types)
    return _by_category(status, "ownership", list(OWNERSHIP_LABELS), level)


def compute_location(
    con: duckdb.DuckDBPyConnection,
    *,
    ref_date: dt.date | None = None,
    level: str = "municipality",
    all_offer_types: bool = False,
) -> pl.DataFrame:
    """Citizens per kommunekode x target group x location of the offer on ``ref_date``.

    location: egen_kommune (the offer lies in the placing municipality), regionen (elsewhere in
    the region), uden_for_regionen, ukendt (offer not matched); Danish labels in
    LOCATION_LABELS. Columns as compute_ownership with ``location``.
    """
    status = table_placement_status(con, ref_date=ref_date, all_offer_types=all_offer_types)
    return _by_category(status, "location", list(LOCATION_LABELS), level)


def compute_flow_matrix(
    con: duckdb.DuckDBPyConnection,
    *,
    ref_date: dt.date | None = None,
    target_group: str | None = None,
    all_offer_types: bool = False,
) -> pl.DataFrame:
    """Placing municipality -> municipality where the offer lies, on ``ref_date``.

    Columns: kommunekode (handlekommune), beliggenhedskommune ('ukendt' when the offer is not
    matched), persons, placements, annual_cost. Only pairs that occur; optionally one group.
    """
    status = table_placement_status(con, ref_date=ref_date, all_offer_types=all_offer_types)
    if target_group is not None:
        status = status.filter(pl.col("target_group") == target_group)
    return (
        status.with_columns(pl.col("beliggenhedskommune").fill_null("ukendt"))
        .group_by("kommunekode", "beliggenhedskommune")
        .agg(
            pl.col("person_key").n_unique().cast(pl.Int64).alias("persons"),
            pl.len().cast(pl.Int64).alias("placements"),
            pl.col("annual_cost").cast(pl.Float64).sum().alias("annual_cost"),
        )
        .sort("kommunekode", "beliggenhedskommune")
    )


def compute_memberships(
    con: duckdb.DuckDBPyConnection,
    *,
    ref_date: dt.date | None = None,
    level: str = "municipality",
    all_offer_types: bool = False,
) -> pl.DataFrame:
    """Persons per target group on ``ref_date``: exclusive and multi-membership side by side.

    persons_exclusive counts each placement in its one group by precedence (groups add up,
    apart from persons with placements in two groups); persons_any counts a person in every
    group whose rule their names satisfy (overlapping counts, reference/domain.md §1.5 mode b).
    Columns: kommunekode ("1082" at level region), target_group, persons_exclusive,
    persons_any. Zeros filled.
    """
    check_level(level)
    status = table_placement_status(con, ref_date=ref_date, all_offer_types=all_offer_types)
    if level == "region":
        status = status.with_columns(pl.lit(region_code()).alias("kommunekode"))
    exclusive = status.group_by("kommunekode", "target_group").agg(
        pl.col("person_key").n_unique().cast(pl.Int64).alias("persons_exclusive")
    )
    multi = (
        status.explode("target_groups_all")
        .group_by("kommunekode", pl.col("target_groups_all").alias("target_group"))
        .agg(pl.col("person_key").n_unique().cast(pl.Int64).alias("persons_any"))
    )
    codes = (
        [region_code()]
        if level == "region"
        else municipality_codes(status["kommunekode"].unique().to_list())
    )
    grid = full_grid(
        {"kommunekode": codes, "target_group": group_ids()},
        {"kommunekode": pl.String, "target_group": pl.String},
    )
    order = {g: i for i, g in enumerate(group_ids())}
    return (
        grid.join(exclusive, on=["kommunekode", "target_group"], how="left")
        .join(multi, on=["kommunekode", "target_group"], how="left")
        .with_columns(pl.col("persons_exclusive", "persons_any").fill_null(0))
        .sort("kommunekode", pl.col("target_group").replace_strict(order, default=len(order)))
    )
