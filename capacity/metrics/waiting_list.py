"""The joint waiting list (venteliste): open referrals and waiting times per target group."""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl

from capacity.metrics.base import full_grid, group_ids, municipality_codes

WAITING_COLUMNS = [
    "target_group",
    "open_referrals",
    "open_wait_median_days",
    "open_wait_p75_days",
    "placed",
    "wait_median_days",
    "wait_p75_days",
    "ref_date",
]


def compute_waiting_list(
    con: duckdb.DuckDBPyConnection,
    *,
    ref_date: dt.date | None = None,
    by_municipality: bool = False,
) -> pl.DataFrame:
    """Open referrals and waiting times per target group on ``ref_date``.

    ref_date defaults to the latest referral or placement date on the list. Open referral:
    referred on or before ref_date and not placed by then; its wait so far = ref_date -
    referral date. Waiting time of a placed referral = placement date - referral date (placed on
    or before ref_date). Medians and 75th percentiles in days (null when there are none).
    Columns: [kommunekode,] target_group, open_referrals, open_wait_median_days,
    open_wait_p75_days, placed, wait_median_days, wait_p75_days, ref_date. Zeros filled.
    """
    wl = con.sql(
        "SELECT handlekommune AS kommunekode, target_group, referral_date, placement_date "
        "FROM waiting_list"
    ).pl()
    if ref_date is None:
        latest = [
            d for d in (wl["referral_date"].max(), wl["placement_date"].max()) if d is not None
        ]
        ref_date = max(latest) if latest else None
    keys = ["kommunekode", "target_group"] if by_municipality else ["target_group"]
    # an empty list has no date of its own: every figure is then 0 or empty
    ref = pl.lit(ref_date, dtype=pl.Date)
    wl = wl.filter(pl.col("referral_date") <= ref) if ref_date is not None else wl.clear()
    is_open = pl.col("placement_date").is_null() | (pl.col("placement_date") > ref)
    open_wait = (ref - pl.col("referral_date")).dt.total_days()
    wait = (pl.col("placement_date") - pl.col("referral_date")).dt.total_days()
    stats = wl.group_by(keys).agg(
        is_open.sum().cast(pl.Int64).alias("open_referrals"),
        open_wait.filter(is_open).median().alias("open_wait_median_days"),
        open_wait.filter(is_open)
        .quantile(0.75, interpolation="linear")
        .alias("open_wait_p75_days"),
        (~is_open).sum().cast(pl.Int64).alias("placed"),
        wait.filter(~is_open).median().alias("wait_median_days"),
        wait.filter(~is_open).quantile(0.75, interpolation="linear").alias("wait_p75_days"),
    )
    groups = group_ids()
    if by_municipality:
        grid = full_grid(
            {
                "kommunekode": municipality_codes(wl["kommunekode"].unique().to_list()),
                "target_group": groups,
            },
            {"kommunekode": pl.String, "target_group": pl.String},
        )
    else:
        grid = pl.DataFrame({"target_group": groups})
    out = grid.join(stats, on=keys, how="left").with_columns(
        pl.col("open_referrals", "placed").fill_null(0),
        ref.alias("ref_date"),
    )
    order = {g: i for i, g in enumerate(groups)}
    sort_keys = [*keys[:-1], pl.col("target_group").replace_strict(order, default=len(order))]
    return out.sort(sort_keys).select(*keys[:-1], *WAITING_COLUMNS)
