"""Costs: annual cost per placement and person, expensive single cases, § 176 refund."""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import polars as pl

from capacity.config import load_conf
from capacity.metrics.base import (
    check_level,
    derived_state,
    group_ids,
    query,
    region_code,
)

ALL_GROUPS = "ALL"


def table_placement_costs(
    con: duckdb.DuckDBPyConnection, *, year: int | None = None, all_offer_types: bool = True
) -> pl.DataFrame:
    """Placements in force in ``year`` (default: the latest complete year) with their spend.

    Columns: file, line, person_key, kommunekode, target_group, paragraf, offer_type,
    tilbud_id, provider, ejerform, age_1_january, start_date, annual_cost (kr. per year; null
    when delivered without a price), days (in the year), spend (annual_cost x days / days of
    the year). Every offer type by default: the municipality pays for all of them.
    """
    state = derived_state(con)
    return query(
        con,
        "placement_costs",
        {
            **state.rule_params,
            "year": year or state.default_year(),
            "offer_types": None if all_offer_types else state.offer_types,
        },
    )


def _distribution(value: str) -> list[pl.Expr]:
    col = pl.col(value)
    return [
        col.count().cast(pl.Int64).alias("n"),
        col.null_count().cast(pl.Int64).alias("n_missing"),
        col.median().alias("median"),
        col.quantile(0.25, interpolation="linear").alias("q1"),
        col.quantile(0.75, interpolation="linear").alias("q3"),
        col.quantile(0.90, interpolation="linear").alias("p90"),
        col.mean().alias("mean"),
    ]


def compute_cost_distribution(
    con: duckdb.DuckDBPyConnection,
    *,
    year: int | None = None,
    by: Sequence[str] = ("target_group", "paragraf"),
) -> pl.DataFrame:
    """Distribution of the annual cost per placement (kr. per year) in ``year``.

    One row per combination of ``by`` (columns of table_placement_costs): n (placements with
    a price), n_missing (without), median, q1, q3, p90, mean of annual_cost, and spend (total
    expenditure in the year).
    """
    costs = table_placement_costs(con, year=year)
    return (
        costs.group_by(*by)
        .agg(*_distribution("annual_cost"), pl.col("spend").sum().alias("spend"))
        .sort(*by)
    )


def table_person_costs(con: duckdb.DuckDBPyConnection, *, year: int | None = None) -> pl.DataFrame:
    """Expenditure per person in ``year`` (sum over all the person's placements).

    Columns: person_key, kommunekode, target_group (both from the placement with the largest
    spend; ties: latest start), age_1_january, placements, spend. Placements without a price
    add nothing.
    """
    costs = table_placement_costs(con, year=year).with_columns(pl.col("spend").fill_null(0.0))
    main = (
        costs.sort(["spend", "start_date", "file", "line"], descending=[True, True, False, False])
        .group_by("person_key", maintain_order=True)
        .first()
        .select("person_key", "kommunekode", "target_group", "age_1_january")
    )
    totals = costs.group_by("person_key").agg(
        pl.len().cast(pl.Int64).alias("placements"), pl.col("spend").sum().alias("spend")
    )
    return main.join(totals, on="person_key").sort("person_key")


def compute_person_cost_distribution(
    con: duckdb.DuckDBPyConnection, *, year: int | None = None
) -> pl.DataFrame:
    """Distribution of the expenditure per person in ``year`` per target group (+ ALL).

    Columns: target_group, n (persons), median, q1, q3, p90, mean, spend (total).
    """
    persons = table_person_costs(con, year=year)
    both = pl.concat([persons, persons.with_columns(pl.lit(ALL_GROUPS).alias("target_group"))])
    out = both.group_by("target_group").agg(
        *_distribution("spend"), pl.col("spend").sum().alias("spend_total")
    )
    order = {g: i for i, g in enumerate([*group_ids(), ALL_GROUPS])}
    return (
        out.drop("n_missing")
        .rename({"spend_total": "spend"})
        .sort(pl.col("target_group").replace_strict(order, default=len(order)), "target_group")
    )


def compute_expensive_cases(
    con: duckdb.DuckDBPyConnection,
    *,
    year: int | None = None,
    thresholds: Sequence[float] | None = None,
) -> pl.DataFrame:
    """Expensive single cases (dyre enkeltsager): persons whose spend in the year exceeds each
    threshold (default 1, 2 and 4 mio. kr., metrics.yaml), per target group and ALL.

    Columns: target_group, threshold, persons (above), persons_share (of the group's persons),
    spend (of those persons), spend_share (of the group's total spend), persons_total,
    spend_total.
    """
    if thresholds is None:
        thresholds = load_conf("metrics")["expensive_thresholds"]
    persons = table_person_costs(con, year=year)
    both = pl.concat([persons, persons.with_columns(pl.lit(ALL_GROUPS).alias("target_group"))])
    groups = [*group_ids(), ALL_GROUPS]
    rows = []
    for group in groups:
        sub = both.filter(pl.col("target_group") == group)
        total_persons = sub.height
        total_spend = float(sub["spend"].sum()) if total_persons else 0.0
        for threshold in thresholds:
            above = sub.filter(pl.col("spend") > threshold)
            spend = float(above["spend"].sum()) if above.height else 0.0
            rows.append(
                {
                    "target_group": group,
                    "threshold": float(threshold),
                    "persons": above.height,
                    "persons_share": above.height / total_persons if total_persons else None,
                    "spend": spend,
                    "spend_share": spend / total_spend if total_spend else None,
                    "persons_total": total_persons,
                    "spend_total": total_spend,
                }
            )
    return pl.DataFrame(
        rows,
        schema={
            "target_group": pl.String,
            "threshold": pl.Float64,
            "persons": pl.Int64,
            "persons_share": pl.Float64,
            "spend": pl.Float64,
            "spend_share": pl.Float64,
            "persons_total": pl.Int64,
            "spend_total": pl.Float64,
        },
        orient="row",
    )


def compute_expensive_providers(
    con: duckdb.DuckDBPyConnection, *, year: int | None = None, threshold: float = 2_000_000
) -> pl.DataFrame:
    """Providers of the expensive cases: for persons whose spend in the year exceeds
    ``threshold``, their placements grouped by offer.

    Columns: tilbud_id (null when unmatched), provider (offer name, else the provider name as
    delivered), ejerform, persons, spend (those persons' spend at this provider).
    """
    costs = table_placement_costs(con, year=year).with_columns(pl.col("spend").fill_null(0.0))
    persons = table_person_costs(con, year=year).filter(pl.col("spend") > threshold)
    chosen = costs.join(persons.select("person_key"), on="person_key", how="semi")
    return (
        chosen.group_by("tilbud_id", "provider", "ejerform")
        .agg(
            pl.col("person_key").n_unique().cast(pl.Int64).alias("persons"),
            pl.col("spend").sum().alias("spend"),
        )
        .sort(["spend", "provider"], descending=[True, False], nulls_last=True)
    )


def refund_tiers(year: int) -> tuple[int, list[tuple[float, float]]]:
    """(thresholds year used, [(above, rate), ...]) from refund_thresholds.yaml for ``year``.

    The latest year on or before ``year``; the earliest listed year when ``year`` is older.
    """
    table = {int(y): tiers for y, tiers in load_conf("refund_thresholds")["years"].items()}
    earlier = [y for y in table if y <= year]
    used = max(earlier) if earlier else min(table)
    tiers = sorted((float(t["above"]), float(t["rate"])) for t in table[used])
    return used, tiers


def refund_amount(spend: float, tiers: Sequence[tuple[float, float]]) -> float:
    """§ 176 refund of one person's yearly spend under marginal tiers [(above, rate), ...]."""
    refund = 0.0
    for i, (above, rate) in enumerate(tiers):
        upper = tiers[i + 1][0] if i + 1 < len(tiers) else float("inf")
        refund += rate * max(0.0, min(spend, upper) - above)
    return refund


def _refund_expr(spend: pl.Expr, tiers: Sequence[tuple[float, float]]) -> pl.Expr:
    """refund_amount as a polars expression (same marginal tiers)."""
    parts = []
    for i, (above, rate) in enumerate(tiers):
        last = i + 1 == len(tiers)
        capped = spend if last else pl.min_horizontal(spend, pl.lit(tiers[i + 1][0]))
        parts.append(rate * (capped - above).clip(lower_bound=0.0))
    return pl.sum_horizontal(parts) if parts else pl.lit(0.0)


def compute_refund_estimate(
    con: duckdb.DuckDBPyConnection, *, year: int | None = None, level: str = "municipality"
) -> pl.DataFrame:
    """Estimated § 176 refund (refusion for særligt dyre enkeltsager) per kommunekode x group.

    Per person under the age limit (refund_thresholds.yaml max_age, age on 1 January) the
    refund is 25/50/75 % of the spend above each threshold of the year. Only placements are in
    our data, so the estimate is a lower bound of the real refund base. Columns: kommunekode
    ("1082" at level region), target_group, persons (under the age limit with spend),
    persons_with_refund, spend, refund, thresholds_year.
    """
    check_level(level)
    state = derived_state(con)
    year = year or state.default_year()
    used, tiers = refund_tiers(year)
    max_age = int(load_conf("refund_thresholds")["max_age"])
    persons = table_person_costs(con, year=year).filter(pl.col("age_1_january") < max_age)
    persons = persons.with_columns(_refund_expr(pl.col("spend"), tiers).alias("refund"))
    if level == "region":
        persons = persons.with_columns(pl.lit(region_code()).alias("kommunekode"))
    return (
        persons.group_by("kommunekode", "target_group")
        .agg(
            pl.len().cast(pl.Int64).alias("persons"),
            (pl.col("refund") > 0).sum().cast(pl.Int64).alias("persons_with_refund"),
            pl.col("spend").sum().alias("spend"),
            pl.col("refund").sum().alias("refund"),
        )
        .with_columns(pl.lit(used, dtype=pl.Int64).alias("thresholds_year"))
        .sort("kommunekode", "target_group")
    )
