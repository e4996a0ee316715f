"""Supply (tilbudsviften): places per target group, occupancy and capacity changes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import duckdb
import polars as pl

from capacity.config import load_conf
from capacity.errors import MissingDataError
from capacity.metrics.base import derived_state, group_ids, query
from capacity.metrics.geography import table_placement_status
from capacity.metrics.settings import paragraph_attributes
from capacity.targetgroups import TargetGroupRules, load_rules, table_name_classification

SUPPLY_BY = ("paragraf", "ejerform", "beliggenhedskommune")
# Column name of a budgeted occupancy in the offers table (reference/domain.md §5b), used
# when the extract carries it.
BUDGET_COLUMN = "budget_occupancy_pct"


def extract_dates(con: duckdb.DuckDBPyConnection) -> list[dt.date]:
    """The Tilbudsportalen extract dates in the database, oldest first."""
    rows = con.execute("SELECT DISTINCT extract_date FROM offers ORDER BY 1").fetchall()
    return [r[0] for r in rows]


def _latest(con: duckdb.DuckDBPyConnection) -> dt.date:
    dates = extract_dates(con)
    if not dates:
        raise MissingDataError(
            "No Tilbudsportalen extract is loaded. Put one in data_raw/tilbudsportalen/ "
            "and run `capacity ingest`."
        )
    return dates[-1]


def table_offer_groups(
    con: duckdb.DuckDBPyConnection,
    *,
    extract_date: dt.date | None = None,
    all_offer_types: bool = False,
    rules: TargetGroupRules | None = None,
) -> pl.DataFrame:
    """Approved offer rows in the region of one extract with the target groups they serve.

    An offer row serves every group whose rule its målgrupper satisfy in its area (the
    paragraph's area; when unknown, children if alder_til < 18, adults if alder_fra >= 18,
    else both); none -> X. Columns: the offer fields, offer_type, groups (list), n_groups.
    """
    rules = rules or load_rules()
    extract_date = extract_date or _latest(con)
    offers = query(con, "offers_extract", {"extract_date": extract_date})
    attrs = paragraph_attributes(con)
    para = pl.DataFrame(
        [
            {"paragraf": c, "paragraf_area": a.get("area"), "offer_type": a.get("offer_type")}
            for c, a in sorted(attrs.items())
        ],
        schema={"paragraf": pl.String, "paragraf_area": pl.String, "offer_type": pl.String},
        orient="row",
    )
    offers = offers.join(para, on="paragraf", how="left")
    if not all_offer_types:
        counted = derived_state(con).offer_types
        if counted is not None:
            offers = offers.filter(pl.col("offer_type").is_in(list(counted)))
    lookup = table_name_classification(offers["maalgrupper"].unique().to_list(), rules).select(
        pl.col("tg_key").alias("maalgrupper"), "tg_child_all", "tg_adult_all"
    )
    offers = offers.join(lookup, on="maalgrupper", how="left")
    area = (
        pl.when(pl.col("paragraf_area").is_not_null())
        .then(pl.col("paragraf_area"))
        .when(pl.col("alder_til") < rules.age_cut)
        .then(pl.lit("children"))
        .when(pl.col("alder_fra") >= rules.age_cut)
        .then(pl.lit("adults"))
        .otherwise(pl.lit("both"))
    )
    other = rules.other_group
    both = pl.concat_list("tg_child_all", "tg_adult_all").list.unique(maintain_order=True)
    both = (
        pl.when(both.list.len() > 1)
        .then(both.list.set_difference(pl.lit([other])))
        .otherwise(both)
    )
    offers = offers.with_columns(area.alias("area")).with_columns(
        pl.when(pl.col("area") == "children")
        .then(pl.col("tg_child_all"))
        .when(pl.col("area") == "adults")
        .then(pl.col("tg_adult_all"))
        .otherwise(both)
        .alias("groups")
    )
    return offers.with_columns(pl.col("groups").list.len().alias("n_groups")).drop(
        "tg_child_all", "tg_adult_all", "paragraf_area"
    )


def compute_supply(
    con: duckdb.DuckDBPyConnection,
    *,
    extract_date: dt.date | None = None,
    by: Sequence[str] = (),
    all_offer_types: bool = False,
    rules: TargetGroupRules | None = None,
) -> pl.DataFrame:
    """Places per target group in the region from one extract (default: the latest).

    Approved offers located in the region; by default only offer types that count as places.
    Offers list several target groups, so both methods are shown: places_apportioned (an
    offer row's places split equally across the groups it serves: totals add up) and
    places_counted (all its places counted in every group it serves: totals exceed the
    places). Columns: extract_date, target_group, [by...], offers (distinct tilbud_id),
    places_apportioned, places_counted. ``by`` may hold paragraf, ejerform,
    beliggenhedskommune.
    """
    unknown = set(by) - set(SUPPLY_BY)
    if unknown:
        raise ValueError(f"by may only hold {SUPPLY_BY}, not {sorted(unknown)}")
    extract_date = extract_date or _latest(con)
    rows = table_offer_groups(
        con, extract_date=extract_date, all_offer_types=all_offer_types, rules=rules
    )
    exploded = rows.explode("groups").rename({"groups": "target_group"})
    keys = ["target_group", *by]
    observed = exploded.group_by(keys).agg(
        pl.col("tilbud_id").n_unique().cast(pl.Int64).alias("offers"),
        (pl.col("pladser") / pl.col("n_groups")).sum().alias("places_apportioned"),
        pl.col("pladser").sum().cast(pl.Int64).alias("places_counted"),
    )
    if not by:
        grid = pl.DataFrame({"target_group": group_ids(rules)})
        observed = grid.join(observed, on="target_group", how="left").with_columns(
            pl.col("offers", "places_counted").fill_null(0),
            pl.col("places_apportioned").fill_null(0.0),
        )
    order = {g: i for i, g in enumerate(group_ids(rules))}
    return (
        observed.with_columns(pl.lit(extract_date).alias("extract_date"))
        .sort(pl.col("target_group").replace_strict(order, default=len(order)), *by)
        .select("extract_date", *keys, "offers", "places_apportioned", "places_counted")
    )


def _budget_by_offer(con: duckdb.DuckDBPyConnection, extract_date: dt.date) -> pl.DataFrame:
    has = con.execute(
        "SELECT count(*) FROM information_schema.columns "
        "WHERE table_name = 'offers' AND column_name = ?",
        [BUDGET_COLUMN],
    ).fetchall()[0][0]
    if not has:
        return pl.DataFrame(schema={"tilbud_id": pl.Int32, "budgeted_occupancy": pl.Float64})
    return (
        con.sql(
            f"SELECT tilbud_id, sum({BUDGET_COLUMN} * pladser) / nullif(sum(pladser), 0) / 100 "
            "AS budgeted_occupancy FROM offers WHERE extract_date = $d AND godkendt AND in_region "
            f"AND {BUDGET_COLUMN} IS NOT NULL GROUP BY tilbud_id",
            params={"d": extract_date},
        )
        .pl()
        .with_columns(pl.col("budgeted_occupancy").cast(pl.Float64))
    )


def compute_offer_occupancy(
    con: duckdb.DuckDBPyConnection,
    *,
    extract_date: dt.date | None = None,
    rules: TargetGroupRules | None = None,
) -> pl.DataFrame:
    """Places and our citizens per offer in the region on an extract date (default: latest).

    observed_occupancy_lower_bound = persons from the region's 19 municipalities placed in the
    offer on the extract date / its approved places. It is a LOWER BOUND: citizens of other
    municipalities (outside the region) who use the offer are not in our data.
    vacant_places_upper_bound = places - those persons. budgeted_occupancy (share, from the
    extract's budgeted belægningsprocent) is null when the extract does not carry it.
    Columns: tilbud_id, tilbudsnavn, ejerform, beliggenhedskommune, places, persons_observed,
    observed_occupancy_lower_bound, vacant_places_upper_bound, budgeted_occupancy.
    """
    extract_date = extract_date or _latest(con)
    rows = table_offer_groups(con, extract_date=extract_date, rules=rules)
    offers = rows.group_by("tilbud_id").agg(
        pl.col("tilbudsnavn").first(),
        pl.col("ejerform").first(),
        pl.col("beliggenhedskommune").first(),
        pl.col("pladser").sum().cast(pl.Int64).alias("places"),
    )
    status = table_placement_status(con, ref_date=extract_date)
    persons = (
        status.filter(pl.col("tilbud_id").is_not_null())
        .group_by("tilbud_id")
        .agg(pl.col("person_key").n_unique().cast(pl.Int64).alias("persons_observed"))
    )
    out = (
        offers.join(persons, on="tilbud_id", how="left")
        .join(_budget_by_offer(con, extract_date), on="tilbud_id", how="left")
        .with_columns(pl.col("persons_observed").fill_null(0))
        .with_columns(
            pl.when(pl.col("places") > 0)
            .then(pl.col("persons_observed") / pl.col("places"))
            .otherwise(None)
            .alias("observed_occupancy_lower_bound"),
            (pl.col("places") - pl.col("persons_observed")).alias("vacant_places_upper_bound"),
        )
    )
    return out.sort("tilbud_id").select(
        "tilbud_id",
        "tilbudsnavn",
        "ejerform",
        "beliggenhedskommune",
        "places",
        "persons_observed",
        "observed_occupancy_lower_bound",
        "vacant_places_upper_bound",
        "budgeted_occupancy",
    )


def compute_group_occupancy(
    con: duckdb.DuckDBPyConnection,
    *,
    extract_date: dt.date | None = None,
    rules: TargetGroupRules | None = None,
) -> pl.DataFrame:
    """Per target group: places in the region vs our citizens placed in the region's offers.

    persons_observed = persons from the 19 municipalities in force in an offer located in the
    region on the extract date (target group at that date). Both occupancy ratios are LOWER
    BOUNDS (other buyers of the places are not in our data). Columns: extract_date,
    target_group, places_apportioned, places_counted, persons_observed,
    occupancy_apportioned_lower_bound, occupancy_counted_lower_bound.
    """
    extract_date = extract_date or _latest(con)
    supply = compute_supply(con, extract_date=extract_date, rules=rules)
    status = table_placement_status(con, ref_date=extract_date)
    in_region = set(
        table_offer_groups(con, extract_date=extract_date, rules=rules)["tilbud_id"].to_list()
    )
    persons = (
        status.filter(pl.col("tilbud_id").is_in(list(in_region)))
        .group_by("target_group")
        .agg(pl.col("person_key").n_unique().cast(pl.Int64).alias("persons_observed"))
    )
    return (
        supply.join(persons, on="target_group", how="left")
        .with_columns(pl.col("persons_observed").fill_null(0))
        .with_columns(
            pl.when(pl.col("places_apportioned") > 0)
            .then(pl.col("persons_observed") / pl.col("places_apportioned"))
            .alias("occupancy_apportioned_lower_bound"),
            pl.when(pl.col("places_counted") > 0)
            .then(pl.col("persons_observed") / pl.col("places_counted"))
            .alias("occupancy_counted_lower_bound"),
        )
        .drop("offers")
    )


def compute_capacity_changes(
    con: duckdb.DuckDBPyConnection,
    *,
    from_date: dt.date | None = None,
    to_date: dt.date | None = None,
    threshold: int | None = None,
) -> pl.DataFrame:
    """Offers in the region whose approved places changed between two extracts.

    Defaults: the two latest extracts; threshold from metrics.yaml (10). change_type: 'lukket'
    (places in the first extract, none in the second: closed, not approved or not listed),
    'nyt' (none before, some now), 'ændret' (both, different). needs_approval (the list for
    DASSOS): a closure, or a change of more than the threshold (a new offer with more places
    than the threshold included). Columns: tilbud_id, tilbudsnavn, ejerform, driftsherre,
    beliggenhedskommune, places_from, places_to, change, change_type, needs_approval, from_date,
    to_date. Unchanged offers are left out.
    """
    dates = extract_dates(con)
    if to_date is None or from_date is None:
        if len(dates) < 2:
            raise MissingDataError(
                "Capacity changes need two Tilbudsportalen extracts; the database holds "
                f"{len(dates)}."
            )
        to_date = to_date or dates[-1]
        from_date = from_date or max(d for d in dates if d < to_date)
    if threshold is None:
        threshold = int(load_conf("metrics")["capacity_change_threshold"])
    places = query(con, "capacity_changes", {"from_date": from_date, "to_date": to_date})
    out = places.with_columns(
        (pl.col("places_to") - pl.col("places_from")).alias("change"),
        pl.when((pl.col("places_from") > 0) & (pl.col("places_to") == 0))
        .then(pl.lit("lukket"))
        .when((pl.col("places_from") == 0) & (pl.col("places_to") > 0))
        .then(pl.lit("nyt"))
        .when(pl.col("places_from") != pl.col("places_to"))
        .then(pl.lit("ændret"))
        .otherwise(None)
        .alias("change_type"),
    ).filter(pl.col("change_type").is_not_null())
    out = out.with_columns(
        ((pl.col("change_type") == "lukket") | (pl.col("change").abs() > threshold)).alias(
            "needs_approval"
        ),
        pl.lit(from_date).alias("from_date"),
        pl.lit(to_date).alias("to_date"),
    )
    return out.sort(
        ["needs_approval", pl.col("change").abs(), "tilbud_id"],
        descending=[True, True, False],
    )
