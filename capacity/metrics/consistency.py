"""Consistency diagnostic: Little's law per target group (census ≈ inflow x mean stay)."""

from __future__ import annotations

import duckdb
import polars as pl

from capacity.config import load_conf
from capacity.metrics.length_of_stay import compute_length_of_stay
from capacity.metrics.stock_flow import compute_stock_flow

DAYS_PER_YEAR = 365.25


def compute_littles_law(
    con: duckdb.DuckDBPyConnection, *, tolerance: float | None = None
) -> pl.DataFrame:
    """Little's law check per target group at region level over the data window.

    census_mean = average daily census averaged over the window years; inflow_mean = episodes
    starting per year; mean_los_years = Kaplan-Meier restricted mean length of stay / 365.25;
    expected_census = inflow_mean x mean_los_years; ratio = census_mean / expected_census;
    flagged when |ratio - 1| > tolerance (metrics.yaml littles_law_tolerance, 0.25). In a
    steady state the ratio is 1; trends, a short window (long stays not yet observed) or data
    problems (missing end dates, double registrations) move it away.
    Columns: target_group, years, census_mean, inflow_mean, mean_los_years, expected_census,
    ratio, flagged (also when there is a census but no inflow or stay to explain it),
    tolerance.
    """
    if tolerance is None:
        tolerance = float(load_conf("metrics")["littles_law_tolerance"])
    flows = compute_stock_flow(con, level="region")
    per_group = flows.group_by("target_group", maintain_order=True).agg(
        pl.len().cast(pl.Int64).alias("years"),
        pl.col("census").mean().alias("census_mean"),
        pl.col("inflow").mean().alias("inflow_mean"),
    )
    summary, _ = compute_length_of_stay(con)
    los = summary.select(
        "target_group", (pl.col("mean_days_restricted") / DAYS_PER_YEAR).alias("mean_los_years")
    )
    out = per_group.join(los, on="target_group", how="left").with_columns(
        (pl.col("inflow_mean") * pl.col("mean_los_years")).alias("expected_census")
    )
    out = out.with_columns(
        pl.when(pl.col("expected_census") > 0)
        .then(pl.col("census_mean") / pl.col("expected_census"))
        .alias("ratio")
    ).with_columns(
        pl.when(pl.col("ratio").is_null())
        .then(pl.col("census_mean") > 0)
        .otherwise((pl.col("ratio") - 1).abs() > tolerance)
        .alias("flagged"),
        pl.lit(tolerance).alias("tolerance"),
    )
    return out.select(
        "target_group",
        "years",
        "census_mean",
        "inflow_mean",
        "mean_los_years",
        "expected_census",
        "ratio",
        "flagged",
        "tolerance",
    )
