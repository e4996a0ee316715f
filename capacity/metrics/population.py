"""Population of each target group's age band (befolkning i aldersgruppen), actual and
projected."""

from __future__ import annotations

import duckdb
import polars as pl

from capacity.config import read_sql
from capacity.metrics.base import check_level, region_code
from capacity.targetgroups import TargetGroupRules, load_rules

POPULATION_COLUMNS = ["kommunekode", "target_group", "year", "population", "kind", "vintage"]


def table_age_bands(rules: TargetGroupRules | None = None) -> pl.DataFrame:
    """Each group's population age band (target_groups.yaml population_age_bands)."""
    rules = rules or load_rules()
    return pl.DataFrame(
        [
            {"target_group": g, "age_from": lo, "age_to": hi}
            for g, (lo, hi) in rules.population_age_bands.items()
        ],
        schema={"target_group": pl.String, "age_from": pl.Int64, "age_to": pl.Int64},
        orient="row",
    )


def compute_population_by_group(
    con: duckdb.DuckDBPyConnection,
    *,
    level: str = "municipality",
    rules: TargetGroupRules | None = None,
) -> pl.DataFrame:
    """Population of each group's relevant age band per kommunekode x target group x year.

    Columns: kommunekode ("1082" at ``level="region"``), target_group, year, population,
    kind ('actual' = 1 January, DST FOLK1A; 'projection' = DST FRKM), vintage (projection
    vintage; null for actual figures). Bands: children's groups 0-17, adults' groups 18-64,
    X all ages (configurable in target_groups.yaml).
    """
    check_level(level)
    con.register("age_bands", table_age_bands(rules))
    try:
        out = con.sql(
            read_sql("population_by_group"),
            params={"by_region": level == "region", "region_code": region_code()},
        ).pl()
    finally:
        con.unregister("age_bands")
    return (
        out.with_columns(
            pl.col("year").cast(pl.Int64),
            pl.col("population").cast(pl.Int64),
            pl.col("vintage").cast(pl.String),
        )
        .select(POPULATION_COLUMNS)
        .sort(["kind", "vintage", "kommunekode", "target_group", "year"], nulls_last=False)
    )
