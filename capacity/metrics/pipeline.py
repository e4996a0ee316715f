"""The child -> adult pipeline: young people aged 15-17 and observed transitions at 18."""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl

from capacity.config import load_conf
from capacity.metrics.base import (
    check_level,
    derived_state,
    full_grid,
    municipality_codes,
    query,
    region_code,
)
from capacity.metrics.geography import table_placement_status
from capacity.targetgroups import TargetGroupRules, load_rules

PIPELINE_AGES = (15, 16, 17)
NO_TRANSITION = "ingen"


def compute_pipeline(
    con: duckdb.DuckDBPyConnection,
    *,
    ref_date: dt.date | None = None,
    level: str = "municipality",
    rules: TargetGroupRules | None = None,
) -> pl.DataFrame:
    """Young people aged 15-17 in a children's-area placement on ``ref_date`` (default: the
    data date) per kommunekode x children's target group x age: the coming years' candidates
    for adult offers. A person with several placements counts once (latest started).
    Columns: kommunekode ("1082" at level region), target_group, age, persons. Zeros filled.
    """
    check_level(level)
    rules = rules or load_rules()
    status = table_placement_status(con, ref_date=ref_date)
    young = (
        status.filter((pl.col("area") == "children") & pl.col("age").is_in(list(PIPELINE_AGES)))
        .sort(["start_date", "file", "line"], descending=[True, False, False])
        .unique("person_key", keep="first", maintain_order=True)
    )
    if level == "region":
        young = young.with_columns(pl.lit(region_code()).alias("kommunekode"))
    observed = young.group_by("kommunekode", "target_group", "age").agg(
        pl.len().cast(pl.Int64).alias("persons")
    )
    codes = (
        [region_code()]
        if level == "region"
        else municipality_codes(observed["kommunekode"].unique().to_list())
    )
    groups = [*rules.precedence["children"], rules.other_group]
    groups = sorted(groups, key=rules.group_ids.index)
    grid = full_grid(
        {"kommunekode": codes, "target_group": groups, "age": list(PIPELINE_AGES)},
        {"kommunekode": pl.String, "target_group": pl.String, "age": pl.Int32},
    )
    return (
        grid.join(observed, on=["kommunekode", "target_group", "age"], how="left")
        .with_columns(pl.col("persons").fill_null(0))
        .sort("kommunekode", "target_group", "age")
    )


def table_transitions(
    con: duckdb.DuckDBPyConnection,
    *,
    months_before_18: int | None = None,
    months_after_18: int | None = None,
    all_offer_types: bool = False,
) -> pl.DataFrame:
    """One row per young person of a complete cohort (see compute_transition_rates):
    person_key, cohort_year (year of the 18th birthday), kommunekode, from_group, to_group."""
    state = derived_state(con)
    conf = load_conf("metrics")["transition"]
    return query(
        con,
        "transitions",
        {
            "offer_types": None if all_offer_types else state.offer_types,
            "window_start": dt.date(state.first_year or state.data_date.year, 1, 1),
            "data_date": state.data_date,
            "months_before": months_before_18
            if months_before_18 is not None
            else int(conf["months_before_18"]),
            "months_after": months_after_18
            if months_after_18 is not None
            else int(conf["months_after_18"]),
        },
    )


def compute_transition_rates(
    con: duckdb.DuckDBPyConnection,
    *,
    by_cohort: bool = False,
    months_before_18: int | None = None,
    months_after_18: int | None = None,
    rules: TargetGroupRules | None = None,
) -> pl.DataFrame:
    """Observed transition rates from children's placements into adult offers around 18.

    Cohort: persons in a children's-area placement while aged 17 whose 17th year lies in the
    data window and whose follow-up has passed. Transitioned: an adults'-area placement that
    overlaps the window from ``months_before_18`` before to ``months_after_18`` after the 18th
    birthday (metrics.yaml: 6 and 12). Columns: [cohort_year,] from_group, to_group (an adult
    group, X, or 'ingen'), persons, cohort_persons (the from_group's cohort), rate
    (persons / cohort_persons). Zeros filled.
    """
    rules = rules or load_rules()
    rows = table_transitions(
        con, months_before_18=months_before_18, months_after_18=months_after_18
    )
    keys = ["cohort_year", "from_group"] if by_cohort else ["from_group"]
    counts = rows.group_by(*keys, "to_group").agg(pl.len().cast(pl.Int64).alias("persons"))
    from_groups = sorted(
        [*rules.precedence["children"], rules.other_group], key=rules.group_ids.index
    )
    to_groups = [*sorted(rules.precedence["adults"]), rules.other_group, NO_TRANSITION]
    axes: dict[str, list] = {"from_group": from_groups, "to_group": to_groups}
    dtypes = {"cohort_year": pl.Int32, "from_group": pl.String, "to_group": pl.String}
    if by_cohort:
        axes = {"cohort_year": sorted(set(rows["cohort_year"].to_list())), **axes}
    grid = full_grid(axes, dtypes)
    out = grid.join(counts, on=[*keys, "to_group"], how="left").with_columns(
        pl.col("persons").fill_null(0)
    )
    out = out.with_columns(pl.col("persons").sum().over(keys).alias("cohort_persons"))
    out = out.with_columns(
        pl.when(pl.col("cohort_persons") > 0)
        .then(pl.col("persons") / pl.col("cohort_persons"))
        .alias("rate")
    )
    order = {g: i for i, g in enumerate(to_groups)}
    return out.sort(*keys, pl.col("to_group").replace_strict(order, return_dtype=pl.Int64)).select(
        *keys, "to_group", "persons", "cohort_persons", "rate"
    )
