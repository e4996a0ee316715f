"""Where and with whom (hvor og hos hvem): provider type by persons and cost, location of
the offers, and the municipality -> location flow matrix. Suppressed as in overview."""

from __future__ import annotations

from pathlib import Path

import duckdb
import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from capacity.disclosure import SuppressedTable, format_for_display, load_rules, suppress_table
from capacity.views.common import (
    GROUP_SHORT_LABELS,
    HIDDEN_CELL_COLOUR,
    LOCATION_COLOURS,
    LOCATION_ORDER,
    LOCATION_SHORT_LABELS,
    OWNERSHIP_COLOURS,
    OWNERSHIP_ORDER,
    OWNERSHIP_SHORT_LABELS,
    display_cross,
    format_number,
    format_percent_da,
    group_ids,
    group_label,
    municipality_name,
    publish_figure,
    region_municipalities,
    relabel_cross,
    show_suppressed,
    style_figure,
)
from capacity.views.suppressed import (
    OUTSIDE_REGION,
    UNKNOWN_OFFER,
    inner_cells,
    load_municipality_frames,
    location_by_municipality,
    memo,
    persons_in_places,
    row_totals,
)

# -- 5. provider type (ejerform) ---------------------------------------------------------------


def ownership_table(con: duckdb.DuckDBPyConnection) -> SuppressedTable:
    """Persons in a place per target group x ownership on the data date (each person once),
    with the annual cost (mio. kr.) beside the count; suppressed with margins."""
    return _category_by_group(con, "ownership", OWNERSHIP_ORDER)


def location_table(con: duckdb.DuckDBPyConnection) -> SuppressedTable:
    """Persons in a place per target group x location on the data date (each person once)."""
    return _category_by_group(con, "location", LOCATION_ORDER)


def _category_by_group(
    con: duckdb.DuckDBPyConnection, category: str, order: tuple[str, ...]
) -> SuppressedTable:
    persons = persons_in_places(con)
    grid = pl.DataFrame({"target_group": group_ids()}).join(
        pl.DataFrame({category: list(order)}), how="cross"
    )
    counts = persons.group_by("target_group", category).agg(
        pl.len().cast(pl.Int64).alias("persons"),
        (pl.col("annual_cost").cast(pl.Float64).sum() / 1e6).alias("cost_mio"),
    )
    body = grid.join(counts, on=["target_group", category], how="left").with_columns(
        pl.col("persons").fill_null(0), pl.col("cost_mio").fill_null(0.0)
    )
    return memo(
        con,
        f"group_{category}",
        lambda _c: suppress_table(
            body, row="target_group", col=category, count="persons", values=["cost_mio"]
        ),
    )


def table_ownership(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Citizens in a place per target group (rows) and provider type (columns), with totals."""
    return relabel_cross(
        format_for_display(ownership_table(con)),
        row_label=group_label,
        col_label=lambda k: OWNERSHIP_SHORT_LABELS.get(k, k),
    )


def _shares(table: SuppressedTable, category: str, measure: str) -> pl.DataFrame:
    cells = inner_cells(table)
    totals = row_totals(table).select("target_group", pl.col(measure).alias("total"))
    return cells.join(totals, on="target_group").with_columns(
        pl.when((pl.col("total") > 0) & pl.col(measure).is_not_null())
        .then(100 * pl.col(measure) / pl.col("total"))
        .alias("pct")
    )


def table_ownership_cost(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Share (%) of each group's annual cost (placements in force on the data date) by
    provider type, and the annual cost in mio. kr.; hidden where the count is hidden."""
    table = ownership_table(con)
    shares = _shares(table, "ownership", "cost_mio")
    totals = row_totals(table)
    symbol = table.rules.symbol
    rows = []
    for g in group_ids():
        part = shares.filter(pl.col("target_group") == g)
        row = {"Målgruppe": group_label(g)}
        for k, pct, cost in zip(part["ownership"], part["pct"], part["cost_mio"], strict=True):
            row[f"{OWNERSHIP_SHORT_LABELS[k]} (%)"] = (
                symbol if cost is None else format_percent_da(pct, 0).replace(" %", "")
            )
        total = totals.filter(pl.col("target_group") == g)["cost_mio"]
        row["Årlig udgift i alt (mio. kr.)"] = (
            symbol if total[0] is None else format_number(total[0], 1)
        )
        rows.append(row)
    return pl.DataFrame(rows)


def plot_ownership(con: duckdb.DuckDBPyConnection) -> go.Figure:
    """Two panels of 100 % bars per target group: provider type by citizens and by annual
    cost. Shares rest only on published counts."""
    table = ownership_table(con)
    by_persons = _shares(table, "ownership", "persons")
    by_cost = _shares(table, "ownership", "cost_mio")
    fig = make_subplots(
        rows=1,
        cols=2,
        shared_yaxes=True,
        horizontal_spacing=0.04,
        subplot_titles=("Andel af borgerne", "Andel af den årlige udgift"),
    )
    groups = list(reversed(group_ids()))
    labels = [GROUP_SHORT_LABELS.get(g, g) for g in groups]
    for col, frame in ((1, by_persons), (2, by_cost)):
        for k in OWNERSHIP_ORDER:
            part = frame.filter(pl.col("ownership") == k)
            pct = dict(zip(part["target_group"], part["pct"], strict=True))
            fig.add_trace(
                go.Bar(
                    y=labels,
                    x=[None if pct.get(g) is None else round(pct[g], 1) for g in groups],
                    name=OWNERSHIP_SHORT_LABELS[k],
                    orientation="h",
                    marker_color=OWNERSHIP_COLOURS[k],
                    legendgroup=k,
                    showlegend=col == 1,
                    hovertemplate="%{y}<br>%{fullData.name}: %{x:.0f} %<extra></extra>",
                ),
                row=1,
                col=col,
            )
    fig.update_layout(barmode="stack")
    fig.update_xaxes(range=[0, 100], ticksuffix=" %")
    style_figure(
        fig,
        "Hvem driver tilbuddene? Ejerform efter borgere og efter udgift",
        height=520,
    )
    fig.update_layout(margin={"t": 130})
    return publish_figure(fig, person_traces="none")


# -- 6. geography ------------------------------------------------------------------------------


def table_location(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Citizens in a place per target group (rows) and where the offer lies (columns)."""
    return relabel_cross(
        format_for_display(location_table(con)),
        row_label=group_label,
        col_label=lambda k: LOCATION_SHORT_LABELS.get(k, k),
    )


def plot_location(con: duckdb.DuckDBPyConnection) -> go.Figure:
    """100 % bars per target group: in the own municipality, elsewhere in the region, outside."""
    shares = _shares(location_table(con), "location", "persons")
    groups = list(reversed(group_ids()))
    fig = go.Figure()
    for k in LOCATION_ORDER:
        part = shares.filter(pl.col("location") == k)
        pct = dict(zip(part["target_group"], part["pct"], strict=True))
        fig.add_trace(
            go.Bar(
                y=[GROUP_SHORT_LABELS.get(g, g) for g in groups],
                x=[None if pct.get(g) is None else round(pct[g], 1) for g in groups],
                name=LOCATION_SHORT_LABELS[k],
                orientation="h",
                marker_color=LOCATION_COLOURS[k],
                hovertemplate="%{y}<br>%{fullData.name}: %{x:.0f} %<extra></extra>",
            )
        )
    fig.update_layout(barmode="stack")
    fig.update_xaxes(range=[0, 100], ticksuffix=" %")
    style_figure(fig, "Hvor bor borgerne? Tilbuddets beliggenhed", height=480)
    return publish_figure(fig, person_traces="none")


def _destination_label(key: str) -> str:
    if key == OUTSIDE_REGION:
        return "Uden for regionen"
    if key == UNKNOWN_OFFER:
        return "Ukendt tilbud"
    return municipality_name(key)


def flow_frame(con: duckdb.DuckDBPyConnection, run_dir: Path | None = None) -> pl.DataFrame:
    """Published flow matrix: placing municipality x where the offer lies (municipalities
    outside the region merged into one column, unmatched offers into another), persons in a
    place on the data date (each person once), suppressed consistently with the ownership
    per municipality (capacity.views.suppressed.municipality_tables). Computed once per run
    and shared with the municipality profiles."""
    return load_municipality_frames(con, run_dir).flow


def table_flow_matrix(
    con: duckdb.DuckDBPyConnection, *, run_dir: Path | None = None
) -> pl.DataFrame:
    """Citizens per placing municipality (rows) and municipality where the offer lies
    (columns), with totals; small cells suppressed (køb og salg af pladser)."""
    return display_cross(
        flow_frame(con, run_dir),
        row="kommunekode",
        col="destination",
        count="persons",
        title=load_rules().count_label,
        row_label=municipality_name,
        col_label=_destination_label,
    )


def table_trade_balance(
    con: duckdb.DuckDBPyConnection, *, run_dir: Path | None = None
) -> pl.DataFrame:
    """Buying and selling of places per municipality, from the published flow matrix:
    citizens placed in the municipality itself, bought elsewhere in the region, placed outside
    the region or with an unknown offer, and the places the municipality's offers sell to the
    other municipalities of the region. A figure is hidden when a flow cell behind it is."""
    frames = load_municipality_frames(con, run_dir)
    flow = frames.flow
    col_total = flow.filter(pl.col("cell_kind") == "col_total")
    locations = location_by_municipality(frames)
    rows = []
    for code, name in sorted(region_municipalities().items(), key=lambda kv: kv[1]):
        mine = locations.filter(pl.col("kommunekode") == code)
        look = dict(zip(mine["location"], mine["persons"], strict=True))
        own = look.get("egen_kommune")
        sold_total = col_total.filter(pl.col("destination") == code)["persons"]
        in_offers = sold_total[0] if sold_total.len() else None
        rows.append(
            {
                "Kommune": name,
                "Antal i egen kommune": own,
                "Antal købt i andre kommuner i regionen": look.get("regionen"),
                "Antal uden for regionen": look.get(OUTSIDE_REGION),
                "Antal med ukendt tilbud": look.get(UNKNOWN_OFFER),
                "Antal borgere i alt": look.get(None),
                "Antal solgt til andre kommuner": None
                if own is None or in_offers is None
                else in_offers - own,
                "Antal borgere i kommunens tilbud i alt": in_offers,
            }
        )
    frame = pl.DataFrame(rows, infer_schema_length=None)
    return show_suppressed(frame, {c: [] for c in frame.columns[1:]})


def plot_flow_matrix(con: duckdb.DuckDBPyConnection, *, run_dir: Path | None = None) -> go.Figure:
    """Heatmap of the flow matrix: rows the placing municipality, columns where the offer lies;
    suppressed cells are blank."""
    cells = flow_frame(con, run_dir).filter(pl.col("cell_kind") == "cell")
    rows = cells["kommunekode"].unique(maintain_order=True).to_list()
    cols = cells["destination"].unique(maintain_order=True).to_list()
    z = []
    for r in reversed(rows):
        part = cells.filter(pl.col("kommunekode") == r)
        lookup = dict(zip(part["destination"], part["persons"], strict=True))
        z.append([lookup.get(c) for c in cols])
    published = [v for row in z for v in row if v]
    top = sorted(published)[int(0.95 * (len(published) - 1))] if published else 1
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=[_destination_label(c) for c in cols],
            y=[municipality_name(r) for r in reversed(rows)],
            colorscale="Blues",
            zmin=0,
            zmax=max(top, 1),
            colorbar={"title": {"text": "Borgere"}},
            hovertemplate="Fra %{y} til %{x}: %{z:,.0f} borgere<extra></extra>",
            xgap=1,
            ygap=1,
        )
    )
    fig.update_layout(plot_bgcolor=HIDDEN_CELL_COLOUR)
    fig.update_xaxes(showgrid=False)
    fig.update_yaxes(showgrid=False)
    style_figure(
        fig,
        "Hvor placerer kommunerne deres borgere? Borgere pr. handlekommune og tilbuddets "
        "beliggenhed",
        height=720,
        horizontal_legend=False,
    )
    fig.update_xaxes(side="top", tickangle=-45, title_text="")
    fig.update_yaxes(title_text="Handlekommune")
    fig.update_layout(margin={"t": 190, "l": 140})
    return publish_figure(fig)
