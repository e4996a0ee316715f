"""Price difference between private and public (municipal/regional) provision per target group.

A lånepulje application compares the expected rate of new municipal places with today's private
rates (DASSOS, March 2024, item 1.2). Two price measures are set side by side:
- paid price: the annual cost the municipalities actually pay per placement (case systems);
- takst: the døgntakst of the offers on Tilbudsportalen (× 365 for a year).
"""

from __future__ import annotations

import polars as pl

PRICE_INPUT_COLUMNS = ("target_group", "provider", "paid_annual_cost", "takst_per_day")
PROVIDERS = ("public", "private")

PRICE_SCHEMA = {
    "target_group": pl.String,
    "paid_public": pl.Float64,
    "paid_private": pl.Float64,
    "paid_difference": pl.Float64,
    "paid_ratio": pl.Float64,
    "takst_public": pl.Float64,
    "takst_private": pl.Float64,
    "takst_difference": pl.Float64,
    "takst_difference_per_year": pl.Float64,
    "n_placements_public": pl.Int64,
    "n_placements_private": pl.Int64,
    "n_offers_public": pl.Int64,
    "n_offers_private": pl.Int64,
}


def compute_price_difference(prices: pl.DataFrame) -> pl.DataFrame:
    """Private minus public, per target group.

    `prices`: one row per target_group × provider ('public' = kommunal/regional, 'private' =
    selvejende/privat) with paid_annual_cost (kr. per year, typical placement — the metrics
    package's median), takst_per_day (kr. per døgn, typical offer) and optionally n_placements,
    n_offers. A missing side gives empty differences, never a guess.
    """
    missing = set(PRICE_INPUT_COLUMNS) - set(prices.columns)
    if missing:
        raise ValueError(f"price input lacks columns {sorted(missing)}")
    bad = set(prices["provider"].unique().to_list()) - set(PROVIDERS)
    if bad:
        raise ValueError(f"unknown provider kinds {sorted(bad)} (public | private)")
    frame = prices
    for col in ("n_placements", "n_offers"):
        if col not in frame.columns:
            frame = frame.with_columns(pl.lit(None, dtype=pl.Int64).alias(col))
    frame = frame.select(
        "target_group",
        "provider",
        pl.col("paid_annual_cost").cast(pl.Float64),
        pl.col("takst_per_day").cast(pl.Float64),
        pl.col("n_placements").cast(pl.Int64),
        pl.col("n_offers").cast(pl.Int64),
    )
    groups = frame.select("target_group").unique().sort("target_group")
    out = groups
    for prov in PROVIDERS:
        side = frame.filter(pl.col("provider") == prov).select(
            "target_group",
            pl.col("paid_annual_cost").alias(f"paid_{prov}"),
            pl.col("takst_per_day").alias(f"takst_{prov}"),
            pl.col("n_placements").alias(f"n_placements_{prov}"),
            pl.col("n_offers").alias(f"n_offers_{prov}"),
        )
        out = out.join(side, on="target_group", how="left")
    out = out.with_columns(
        (pl.col("paid_private") - pl.col("paid_public")).alias("paid_difference"),
        pl.when(pl.col("paid_public") > 0)
        .then(pl.col("paid_private") / pl.col("paid_public"))
        .alias("paid_ratio"),
        (pl.col("takst_private") - pl.col("takst_public")).alias("takst_difference"),
        ((pl.col("takst_private") - pl.col("takst_public")) * 365).alias(
            "takst_difference_per_year"
        ),
    )
    return out.select([pl.col(c).cast(t) for c, t in PRICE_SCHEMA.items()]).sort("target_group")
