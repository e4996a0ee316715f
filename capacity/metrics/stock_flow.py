"""Stocks and flows per municipality x target group x year (bestand, belægning, tilgang,
afgang)."""

from __future__ import annotations

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
    year_days,
)

STOCK_FLOW_COLUMNS = [
    "kommunekode",
    "target_group",
    "year",
    "stock",
    "census",
    "person_days",
    "inflow",
    "outflow",
]


def compute_stock_flow(
    con: duckdb.DuckDBPyConnection, *, level: str = "municipality"
) -> pl.DataFrame:
    """Stock on 1 January, average daily census, person-days, inflow and outflow.

    One row per kommunekode (handlekommune; "1082" at ``level="region"``) x target group x
    year of the data window, zeros filled (the 19 municipalities plus any other code in the
    data; every group including X). Columns: kommunekode, target_group, year, stock, census
    (person-days / days in the year), person_days, inflow, outflow. The target group is the
    one at the reference date of the year (docs/metrics.md).
    """
    check_level(level)
    state = derived_state(con)
    by_region = level == "region"
    observed = query(con, "stock_flow", {"by_region": by_region, "region_code": region_code()})
    codes = (
        [region_code()]
        if by_region
        else municipality_codes(observed["kommunekode"].unique().to_list())
    )
    groups = group_ids()
    groups += sorted(set(observed["target_group"].to_list()) - set(groups))
    grid = full_grid(
        {"kommunekode": codes, "target_group": groups, "year": state.years},
        {"kommunekode": pl.String, "target_group": pl.String, "year": pl.Int64},
    )
    counts = ["stock", "person_days", "inflow", "outflow"]
    out = grid.join(
        observed.with_columns(
            pl.col("year").cast(pl.Int64), *(pl.col(c).cast(pl.Int64) for c in counts)
        ),
        on=["kommunekode", "target_group", "year"],
        how="left",
    ).with_columns(pl.col(c).fill_null(0) for c in counts)
    out = out.with_columns((pl.col("person_days") / year_days(pl.col("year"))).alias("census"))
    return out.select(STOCK_FLOW_COLUMNS).sort(["kommunekode", "target_group", "year"])
