"""Supply and occupancy: places per target group (both counting methods), the region's
citizens in them, places by ownership and location, and the capacity changes between two
Tilbudsportalen extracts that need DASSOS approval."""

from __future__ import annotations

import duckdb
import plotly.graph_objects as go
import polars as pl

from capacity import metrics
from capacity.views.common import (
    GROUP_SHORT_LABELS,
    format_date_da,
    group_ids,
    group_label,
    group_order,
    municipality_name,
    paragraph_label,
    paragraph_rank,
    publish_columns,
    publish_figure,
    show_suppressed,
    style_figure,
)
from capacity.views.suppressed import (
    memo,
)

# -- 9. supply and occupancy -------------------------------------------------------------------


def group_occupancy(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return memo(con, "group_occupancy", metrics.compute_group_occupancy)


def _budgeted_by_group(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Places-weighted budgeted occupancy of the offers serving each group (null when the
    extract does not carry it)."""
    from capacity.metrics.supply import table_offer_groups

    offers = memo(con, "offer_occupancy", metrics.compute_offer_occupancy)
    groups = memo(con, "offer_groups", table_offer_groups)
    rows = (
        groups.select("tilbud_id", "groups")
        .unique("tilbud_id")
        .explode("groups")
        .rename({"groups": "target_group"})
        .join(offers.select("tilbud_id", "places", "budgeted_occupancy"), on="tilbud_id")
        .filter(pl.col("budgeted_occupancy").is_not_null())
    )
    return rows.group_by("target_group").agg(
        ((pl.col("budgeted_occupancy") * pl.col("places")).sum() / pl.col("places").sum()).alias(
            "budgeted"
        )
    )


def table_supply(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Places per target group in approved offers in the region (latest Tilbudsportalen
    extract), both counting methods, the region's citizens in those offers, and occupancy:
    observed (a lower bound) and budgeted (when the extract carries it)."""
    occ = group_occupancy(con).join(_budgeted_by_group(con), on="target_group", how="left")
    offers = memo(con, "supply", metrics.compute_supply).select("target_group", "offers")
    occ = occ.join(offers, on="target_group", how="left")
    published = publish_columns(
        occ,
        row="target_group",
        columns=["persons_observed"],
        follow={
            "persons_observed": [
                "occupancy_apportioned_lower_bound",
                "occupancy_counted_lower_bound",
            ]
        },
    )
    order = group_order()
    frame = published.sort(pl.col("target_group").replace_strict(order)).select(
        pl.col("target_group")
        .map_elements(group_label, return_dtype=pl.String)
        .alias("Målgruppe"),
        pl.col("offers").alias("Antal tilbud"),
        pl.col("places_apportioned").round(0).alias("Pladser, fordelt"),
        pl.col("places_counted").alias("Pladser, talt i hver målgruppe"),
        pl.col("persons_observed").alias("Borgere fra regionen i tilbuddene"),
        (100 * pl.col("occupancy_apportioned_lower_bound")).alias(
            "Belægning mindst, fordelte pladser (%)"
        ),
        (100 * pl.col("occupancy_counted_lower_bound")).alias(
            "Belægning mindst, talte pladser (%)"
        ),
        (100 * pl.col("budgeted")).round(0).alias("Budgetteret belægning (%)"),
    )
    return show_suppressed(
        frame,
        {
            "Borgere fra regionen i tilbuddene": [
                "Belægning mindst, fordelte pladser (%)",
                "Belægning mindst, talte pladser (%)",
            ]
        },
    ).with_columns(pl.col("Budgetteret belægning (%)").cast(pl.String).fill_null("ikke oplyst"))


def plot_supply(con: duckdb.DuckDBPyConnection) -> go.Figure:
    """Per target group: places in the region (apportioned and counted in every group) and the
    region's citizens placed in those offers."""
    occ = group_occupancy(con)
    published = publish_columns(occ, row="target_group", columns=["persons_observed"])
    groups = [g for g in group_ids() if g in published["target_group"].to_list()]
    look = {r["target_group"]: r for r in published.iter_rows(named=True)}
    labels = [GROUP_SHORT_LABELS.get(g, g).split(" ", 1)[0] for g in groups]
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            x=labels, y=[round(look[g]["places_apportioned"]) for g in groups],
            name="Pladser, fordelt mellem målgrupper", marker_color="#6baed6",
            hovertemplate="%{x}: %{y:,.0f} pladser<extra>%{fullData.name}</extra>",
        )
    )  # fmt: skip
    fig.add_trace(
        go.Bar(
            x=labels, y=[look[g]["places_counted"] for g in groups],
            name="Pladser, talt i hver målgruppe", marker_color="#c6dbef",
            hovertemplate="%{x}: %{y:,.0f} pladser<extra>%{fullData.name}</extra>",
        )
    )  # fmt: skip
    fig.add_trace(
        go.Scatter(
            x=labels, y=[look[g]["persons_observed"] for g in groups], mode="markers",
            name="Borgere fra regionen i tilbuddene",
            marker={"color": "#d94801", "size": 14, "symbol": "diamond"},
            hovertemplate="%{x}: %{y:,.0f} borgere<extra></extra>",
        )
    )  # fmt: skip
    fig.update_layout(barmode="group")
    extract = occ["extract_date"][0] if occ.height else None
    style_figure(
        fig,
        "Pladser i regionens tilbud og regionens borgere i dem"
        + (f", Tilbudsportalen {format_date_da(extract)}" if extract else ""),
        height=460,
        xaxis_title="Målgruppe",
        yaxis_title="Pladser / borgere",
    )
    return publish_figure(fig, person_traces=[2])


def table_supply_by_ownership(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Places (apportioned) per target group and paragraph (rows) and ownership (columns)."""
    supply = memo(con, "supply_by_ownership", metrics.compute_supply, by=("paragraf", "ejerform"))
    kinds = ["kommunal", "regional", "selvejende", "privat"]
    kinds += sorted(set(supply["ejerform"].drop_nulls().to_list()) - set(kinds))
    wide = supply.pivot(
        on="ejerform", index=["target_group", "paragraf"], values="places_apportioned"
    )
    present = [k for k in kinds if k in wide.columns]
    order = group_order()
    wide = wide.with_columns(pl.col(present).fill_null(0.0)).with_columns(
        pl.sum_horizontal(present).alias("I alt")
    )
    return wide.sort(
        pl.col("target_group").replace_strict(order, default=len(order)),
        pl.col("paragraf").map_elements(paragraph_rank, return_dtype=pl.Int64),
    ).select(
        pl.col("target_group")
        .map_elements(group_label, return_dtype=pl.String)
        .alias("Målgruppe"),
        pl.col("paragraf").map_elements(paragraph_label, return_dtype=pl.String).alias("Paragraf"),
        *[pl.col(k).round(0).alias(f"Pladser, {k}") for k in present],
        pl.col("I alt").round(0).alias("Pladser i alt"),
    )


def table_supply_by_municipality(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Places (apportioned) per municipality where the offers lie (rows) and target group."""
    supply = memo(
        con, "supply_by_municipality", metrics.compute_supply, by=("beliggenhedskommune",)
    )
    wide = supply.pivot(
        on="target_group", index="beliggenhedskommune", values="places_apportioned"
    ).fill_null(0.0)
    present = [g for g in group_ids() if g in wide.columns]
    wide = wide.with_columns(pl.sum_horizontal(present).alias("I alt")).with_columns(
        pl.col("beliggenhedskommune")
        .map_elements(municipality_name, return_dtype=pl.String)
        .alias("Kommune")
    )
    return wide.sort("Kommune").select(
        "Kommune",
        *[pl.col(g).round(0).alias(f"Pladser {g}") for g in present],
        pl.col("I alt").round(0).alias("Pladser i alt"),
    )


# -- 10. capacity changes for DASSOS -----------------------------------------------------------


def capacity_changes(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """capacity.metrics.compute_capacity_changes (empty with one extract only)."""
    from capacity.errors import MissingDataError

    try:
        return memo(con, "capacity_changes", metrics.compute_capacity_changes)
    except MissingDataError:
        return pl.DataFrame()


def table_capacity_changes(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Offers in the region whose approved places changed so much between the two latest
    Tilbudsportalen extracts that DASSOS must approve it: closures and changes of more than
    ±10 places (configurable)."""
    changes = capacity_changes(con)
    if changes.is_empty():
        return pl.DataFrame({"Besked": ["Der er kun ét udtræk fra Tilbudsportalen."]})
    changes = changes.filter(pl.col("needs_approval"))
    d0, d1 = changes["from_date"][0], changes["to_date"][0]
    kinds = {"lukket": "Lukket", "nyt": "Nyt tilbud", "ændret": "Ændret"}
    return changes.select(
        pl.col("tilbudsnavn").alias("Tilbud"),
        pl.col("ejerform").str.to_titlecase().alias("Ejerform"),
        pl.col("beliggenhedskommune")
        .map_elements(municipality_name, return_dtype=pl.String)
        .alias("Beliggenhed"),
        pl.col("change_type").replace_strict(kinds, default="").alias("Ændring"),
        pl.col("places_from").alias(f"Pladser {d0.isoformat() if d0 else ''}"),
        pl.col("places_to").alias(f"Pladser {d1.isoformat() if d1 else ''}"),
        pl.col("change").alias("Ændring i pladser"),
    )
