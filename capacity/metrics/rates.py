"""Rates per 10,000 inhabitants of the group's age band, and the index against the region."""

from __future__ import annotations

import duckdb
import polars as pl

from capacity.metrics.base import region_code
from capacity.metrics.population import compute_population_by_group
from capacity.metrics.stock_flow import compute_stock_flow
from capacity.targetgroups import TargetGroupRules

RATE_COLUMNS = [
    "kommunekode",
    "target_group",
    "year",
    "stock",
    "census",
    "inflow",
    "population",
    "rate_per_10000",
    "census_rate_per_10000",
    "inflow_rate_per_10000",
    "region_rate_per_10000",
    "index_vs_region",
]


def _rates(flows: pl.DataFrame, population: pl.DataFrame) -> pl.DataFrame:
    pop = population.filter(pl.col("kind") == "actual").select(
        "kommunekode", "target_group", "year", "population"
    )
    per = pl.col("population").cast(pl.Float64)
    return flows.join(pop, on=["kommunekode", "target_group", "year"], how="left").with_columns(
        (pl.col("stock") / per * 10_000).alias("rate_per_10000"),
        (pl.col("census") / per * 10_000).alias("census_rate_per_10000"),
        (pl.col("inflow") / per * 10_000).alias("inflow_rate_per_10000"),
    )


def compute_rates(
    con: duckdb.DuckDBPyConnection, *, rules: TargetGroupRules | None = None
) -> pl.DataFrame:
    """Rates per 10,000 of the relevant age band per kommunekode x target group x year.

    rate_per_10000 = stock on 1 January / population on 1 January x 10,000 (census and inflow
    rates likewise); index_vs_region = 100 x the municipality's rate / the region's rate
    (100 = as the region; null when the region rate is 0). Region rows (kommunekode "1082",
    index 100) come first. Population: actual figures (null where the year has none).
    """
    municipal = _rates(
        compute_stock_flow(con, level="municipality"),
        compute_population_by_group(con, level="municipality", rules=rules),
    )
    region = _rates(
        compute_stock_flow(con, level="region"),
        compute_population_by_group(con, level="region", rules=rules),
    )
    region_rate = region.select(
        "target_group", "year", pl.col("rate_per_10000").alias("region_rate_per_10000")
    )
    out = pl.concat(
        [
            region.join(region_rate, on=["target_group", "year"], how="left"),
            municipal.join(region_rate, on=["target_group", "year"], how="left"),
        ]
    ).with_columns(
        pl.when(pl.col("region_rate_per_10000") > 0)
        .then(pl.col("rate_per_10000") / pl.col("region_rate_per_10000") * 100)
        .otherwise(None)
        .alias("index_vs_region")
    )
    region_first = pl.col("kommunekode") != region_code()
    return (
        out.with_columns(region_first.alias("_order"))
        .sort(["_order", "kommunekode", "target_group", "year"])
        .select(RATE_COLUMNS)
    )
