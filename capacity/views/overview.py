"""The regional overview page (overblik): status today, trends, rates per 10,000 and the
section mix, and the headline figures of the whole page.

Every ``table_*`` returns a publishable polars frame with Danish headers (person counts
suppressed by capacity.disclosure, money in mio. kr.); every ``plot_*`` a plotly figure whose
person-count traces are marked and checked. The figures come from capacity.metrics
(docs/metrics.md); nothing here re-defines a metric. The other sections of the page live in
geography, costs, supply and stays.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb
import plotly.graph_objects as go
import polars as pl

from capacity import metrics
from capacity.config import load_conf
from capacity.disclosure import SuppressedTable, format_for_display, publish_counts, suppress_table
from capacity.metrics.settings import paragraph_attributes
from capacity.views.common import (
    ADULT_RESIDENTIAL,
    GROUP_SHORT_LABELS,
    HIDDEN_CELL_COLOUR,
    PARAGRAPH_COLOURS,
    format_date_da,
    format_int_da,
    format_number,
    group_colour,
    group_ids,
    group_ids_of_area,
    group_label,
    group_order,
    markdown,
    municipality_name,
    nulls_to_none,
    paragraph_label,
    publish_columns,
    publish_figure,
    region_municipalities,
    relabel_cross,
    series_label,
    series_rank,
    share_percent,
    show_suppressed,
    style_figure,
)
from capacity.views.costs import expensive_share_values
from capacity.views.geography import location_table, ownership_table
from capacity.views.stays import waiting_list_date, waiting_values
from capacity.views.supply import capacity_changes, group_occupancy
from capacity.views.suppressed import (
    cost_year,
    data_date,
    grand_total,
    inner_cells,
    load_publishable_series,
    memo,
    persons_in_places,
    region_code,
    row_totals,
    stock_table,
)

# -- 1. status today ---------------------------------------------------------------------------


# The status tables are split by the area of the placement (adults' offers / children's
# placements): young adults still in a children's placement, or a child in an adults' offer,
# would otherwise be a few persons in many cells, and their secondary suppression would hide
# the large cells of the table. They are shown as one row of their own instead.
OTHER_AREA = "anden_aldersgruppe"
OTHER_AREA_LABELS = {
    "adults": "Børn og unge under 18 år (børnemålgrupper)",
    "children": "Unge over 18 år (voksenmålgrupper)",
}
AREA_TITLES = {
    "adults": "Voksne i botilbud og botilbudslignende tilbud",
    "children": "Børn og unge i anbringelse og efterværn",
}


def _row_label(key: str, area: str) -> str:
    if key == OTHER_AREA:
        return OTHER_AREA_LABELS[area]
    if key not in group_ids(include_other=False):  # X is in both areas' tables
        return f"{group_label(key)} ({'børn og unge' if area == 'children' else 'voksne'})"
    return group_label(key)


def area_table(
    con: duckdb.DuckDBPyConnection, area: str, *, all_offer_types: bool = False
) -> SuppressedTable:
    """Citizens in a place on the data date whose (latest) placement is in the children's or
    adults' ``area``, per target group x paragraph series (SEL § 52 and barnets lov together),
    suppressed with margins. Groups of the other age area form one row (OTHER_AREA).

    With ``all_offer_types`` the count is placements of every offer type (day offers and
    support too), since a person may have several."""
    if area not in OTHER_AREA_LABELS:
        raise ValueError("area must be 'adults' or 'children'")
    attrs = paragraph_attributes(con)
    if all_offer_types:
        frame = memo(
            con, "placement_status_all", metrics.table_placement_status, all_offer_types=True
        )
    else:
        frame = persons_in_places(con)
    frame = frame.with_columns(
        pl.col("paragraf")
        .map_elements(lambda c: (attrs.get(c) or {}).get("area"), return_dtype=pl.String)
        .alias("_area"),
        pl.col("paragraf")
        .map_elements(lambda c: (attrs.get(c) or {}).get("series") or c, return_dtype=pl.String)
        .alias("series"),
    ).filter(pl.col("_area") == area)
    own = group_ids_of_area(area)
    frame = frame.with_columns(
        pl.when(pl.col("target_group").is_in(own))
        .then(pl.col("target_group"))
        .otherwise(pl.lit(OTHER_AREA))
        .alias("row")
    )
    rows = [g for g in group_ids() if g in own]
    if frame.filter(pl.col("row") == OTHER_AREA).height:
        rows.append(OTHER_AREA)
    series = sorted(frame["series"].unique().to_list(), key=series_rank)
    grid = pl.DataFrame({"row": rows}).join(pl.DataFrame({"series": series}), how="cross")
    counts = frame.group_by("row", "series").agg(pl.len().cast(pl.Int64).alias("persons"))
    body = grid.join(counts, on=["row", "series"], how="left").with_columns(
        pl.col("persons").fill_null(0)
    )
    return memo(
        con,
        f"area_table_{area}_{all_offer_types}",
        lambda _c: suppress_table(body, row="row", col="series", count="persons"),
    )


def table_status(con: duckdb.DuckDBPyConnection, area: str = "adults") -> pl.DataFrame:
    """Citizens in a place on the data date in the adults' offers (``area='adults'``: §§ 107,
    108, ABL § 105 + SEL § 85) or the children's placements (``'children'``) per target group
    and paragraph, with totals; small counts suppressed."""
    return relabel_cross(
        format_for_display(area_table(con, area)),
        row_label=lambda k: _row_label(k, area),
        col_label=series_label,
    )


def table_placements_all_types(
    con: duckdb.DuckDBPyConnection, area: str = "adults"
) -> pl.DataFrame:
    """Placements in force on the data date per target group x paragraph, every offer type
    (also day offers and support, §§ 85, 103, 104), in the adults' or children's area, with
    totals; small counts suppressed."""
    return relabel_cross(
        format_for_display(area_table(con, area, all_offer_types=True), title="Antal placeringer"),
        row_label=lambda k: _row_label(k, area),
        col_label=series_label,
    )


def status_totals(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Published totals of both status tables: persons in a place in all (None when either
    total is hidden) and per target group (its own area's row total)."""
    totals = {}
    grand = 0
    for area in ("adults", "children"):
        table = area_table(con, area)
        total = grand_total(table)
        grand = None if grand is None or total is None else grand + total
        for key, value in row_totals(table).select("row", "persons").iter_rows():
            if key != OTHER_AREA:
                totals[key] = value if key not in totals else _add(totals[key], value)
    return {"total": grand, "groups": totals}


def _add(a: int | None, b: int | None) -> int | None:
    return None if a is None or b is None else a + b


def plot_status(con: duckdb.DuckDBPyConnection) -> go.Figure:
    """Horizontal stacked bars: citizens in a place per target group, split by paragraph
    (children's placements and adults' offers), from the two suppressed status tables."""
    fig = go.Figure()
    present = {
        area: inner_cells(area_table(con, area))["row"].unique(maintain_order=True).to_list()
        for area in ("children", "adults")
    }
    bars = [
        GROUP_SHORT_LABELS.get(g, g)
        for g in group_ids()
        if any(g in keys for keys in present.values())
    ]
    bars += [OTHER_AREA_LABELS[a] for a, keys in present.items() if OTHER_AREA in keys]
    order = list(reversed(bars))  # first group on top
    for area in ("children", "adults"):
        cells = inner_cells(area_table(con, area))
        for series in cells["series"].unique(maintain_order=True).to_list():
            part = cells.filter(pl.col("series") == series)
            values = {
                (OTHER_AREA_LABELS[area] if k == OTHER_AREA else GROUP_SHORT_LABELS.get(k, k)): v
                for k, v in zip(part["row"], part["persons"], strict=True)
            }
            if not any(values.values()):
                continue
            fig.add_trace(
                go.Bar(
                    y=order,
                    x=[values.get(b) for b in order],
                    name=series_label(series),
                    orientation="h",
                    marker_color=PARAGRAPH_COLOURS.get(series),
                    hovertemplate="%{y}<br>%{fullData.name}: %{x:,.0f} borgere<extra></extra>",
                )
            )
    fig.update_layout(barmode="stack", legend_traceorder="normal")
    style_figure(
        fig,
        f"Borgere i botilbud og anbringelse pr. målgruppe, {format_date_da(data_date(con))}",
        height=560,
        xaxis_title="Antal borgere",
    )
    return publish_figure(fig)


# -- 2. trends ---------------------------------------------------------------------------------


def _region_flows(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return memo(con, "stock_flow_region", metrics.compute_stock_flow, level="region")


def table_trend(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Citizens in a place on 1 January per target group (rows) and year (columns), region."""
    flows = _region_flows(con).select("target_group", "year", "stock")
    table = suppress_table(flows, row="target_group", col="year", count="stock", margins=False)
    return relabel_cross(format_for_display(table), row_label=group_label)


def plot_trend(con: duckdb.DuckDBPyConnection, measure: str = "stock") -> go.Figure:
    """One line per target group over the data window: the stock on 1 January
    (``measure='stock'``) or the average daily census (``'census'``), region."""
    if measure not in ("stock", "census"):
        raise ValueError("measure must be 'stock' or 'census'")
    flows = _region_flows(con).with_columns(pl.col("census").round(1))
    published = publish_counts(
        flows.select("target_group", "year", measure), row="year", count=measure, by="target_group"
    )
    fig = go.Figure()
    for g in group_ids():
        part = published.filter(pl.col("target_group") == g).sort("year")
        fig.add_trace(
            go.Scatter(
                x=part["year"].to_list(),
                y=nulls_to_none(part[measure].to_list()),
                name=GROUP_SHORT_LABELS.get(g, g),
                mode="lines+markers",
                line={"color": group_colour(g), "width": 2.5},
                hovertemplate="%{x}: %{y:,.0f}<extra>%{fullData.name}</extra>",
            )
        )
    title = (
        "Borgere i botilbud og anbringelse pr. 1. januar, hele regionen"
        if measure == "stock"
        else "Gennemsnitlig daglig belægning (borgere pr. dag), hele regionen"
    )
    style_figure(
        fig,
        title,
        height=480,
        xaxis_title="År",
        yaxis_title="Antal borgere" if measure == "stock" else "Borgere pr. dag (gns.)",
    )
    fig.update_xaxes(dtick=1)
    fig.update_yaxes(rangemode="tozero")
    return publish_figure(fig)


def plot_inflow_outflow(con: duckdb.DuckDBPyConnection) -> go.Figure:
    """Bars of new (tilgang) and ended (afgang) stays per year, all target groups, region."""
    flows = (
        _region_flows(con)
        .group_by("year")
        .agg(pl.col("inflow").sum(), pl.col("outflow").sum())
        .sort("year")
    )
    fig = go.Figure()
    for col, name, colour in (
        ("inflow", "Tilgang (nye forløb)", "#2ca02c"),
        ("outflow", "Afgang (afsluttede forløb)", "#d62728"),
    ):
        published = publish_counts(flows.select("year", col), row="year", count=col)
        fig.add_trace(
            go.Bar(
                x=published["year"].to_list(),
                y=nulls_to_none(published[col].to_list()),
                name=name,
                marker_color=colour,
                hovertemplate="%{x}: %{y:,.0f}<extra>%{fullData.name}</extra>",
            )
        )
    fig.update_layout(barmode="group")
    style_figure(
        fig,
        "Tilgang og afgang pr. år, alle målgrupper, hele regionen",
        height=420,
        xaxis_title="År",
        yaxis_title="Antal forløb",
    )
    fig.update_xaxes(dtick=1)
    return publish_figure(fig)


def table_flows(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Per target group: stock at the start and end of the window, inflow, outflow and average
    daily census in the last year, and the change since the first year (region)."""
    flows = _region_flows(con)
    first, last = int(flows["year"].min()), int(flows["year"].max())
    wide = (
        flows.filter(pl.col("year") == first)
        .select("target_group", pl.col("stock").alias("stock_first"))
        .join(
            flows.filter(pl.col("year") == last).select(
                "target_group", "stock", "inflow", "outflow", pl.col("census").round(0)
            ),
            on="target_group",
        )
        .with_columns(
            pl.when(pl.col("stock_first") > 0)
            .then(100 * (pl.col("stock") / pl.col("stock_first") - 1))
            .alias("change_pct")
        )
    )
    published = publish_columns(
        wide,
        row="target_group",
        columns=["stock_first", "stock", "inflow", "outflow", "census"],
        follow={"stock_first": ["change_pct"], "stock": ["change_pct"]},
    )
    order = group_order()
    change = f"Ændring {first}-{last} (%)"
    frame = published.sort(pl.col("target_group").replace_strict(order)).select(
        pl.col("target_group")
        .map_elements(group_label, return_dtype=pl.String)
        .alias("Målgruppe"),
        pl.col("stock_first").alias(f"Borgere 1. januar {first}"),
        pl.col("stock").alias(f"Borgere 1. januar {last}"),
        pl.col("change_pct").alias(change),
        pl.col("inflow").alias(f"Antal tilgange {last}"),
        pl.col("outflow").alias(f"Antal afgange {last}"),
        pl.col("census").alias(f"Borgere pr. dag {last} (gns.)"),
    )
    return show_suppressed(
        frame,
        {
            f"Borgere 1. januar {first}": [change],
            f"Borgere 1. januar {last}": [change],
            f"Antal tilgange {last}": [],
            f"Antal afgange {last}": [],
            f"Borgere pr. dag {last} (gns.)": [],
        },
    )


def table_publishable_series(con: duckdb.DuckDBPyConnection, run_dir: Any = None) -> pl.DataFrame:
    """Per municipality (rows) and target group (columns): may its yearly series — and so a
    municipality-level forecast — be published? ('ja' / 'nej')."""
    series = load_publishable_series(con, run_dir).filter(pl.col("level") == "municipality")
    rows = []
    for code, name in sorted(region_municipalities().items(), key=lambda kv: kv[1]):
        part = series.filter(pl.col("kommune") == code)
        flags = {
            (g if g is not None else "Alle"): p
            for g, p in zip(part["target_group"], part["publishable"], strict=True)
        }
        row: dict[str, str] = {"Kommune": name}
        for g in group_ids():
            row[g] = "ja" if flags.get(g) else "nej"
        row["Alle målgrupper"] = "ja" if flags.get("Alle") else "nej"
        rows.append(row)
    return pl.DataFrame(rows)


# -- 3. rates per 10,000 and index vs region ---------------------------------------------------


def table_rates(con: duckdb.DuckDBPyConnection, measure: str = "rate") -> pl.DataFrame:
    """Rate per 10,000 inhabitants of the group's age band (``measure='rate'``) or index vs the
    region (``'index'``, region = 100) per municipality (rows) and target group (columns), on
    1 January of the latest year with population figures. Hidden where the count is hidden."""
    if measure not in ("rate", "index"):
        raise ValueError("measure must be 'rate' or 'index'")
    stock = stock_table(con)
    hidden = stock.table.cells.filter(pl.col("cell_kind") == "cell").select(
        "kommunekode", "target_group", "suppressed"
    )
    col = "rate_per_10000" if measure == "rate" else "index_vs_region"
    values = stock.rates.join(hidden, on=["kommunekode", "target_group"], how="left")
    symbol = stock.table.rules.symbol
    rows = []
    region = values.filter(pl.col("kommunekode") == region_code())
    region_row = {"Kommune": municipality_name(region_code())}
    for g in group_ids():
        v = region.filter(pl.col("target_group") == g)[col]
        region_row[g] = format_number(v[0] if v.len() else None, 1 if measure == "rate" else 0)
    for code, name in sorted(region_municipalities().items(), key=lambda kv: kv[1]):
        part = values.filter(pl.col("kommunekode") == code)
        row = {"Kommune": name}
        for g in group_ids():
            cell = part.filter(pl.col("target_group") == g)
            if cell.is_empty():
                row[g] = ""
            elif cell["suppressed"][0]:
                row[g] = symbol
            else:
                row[g] = format_number(cell[col][0], 1 if measure == "rate" else 0)
        rows.append(row)
    rows.append(region_row)
    return pl.DataFrame(rows)


def rates_year(con: duckdb.DuckDBPyConnection) -> int:
    """The year (1 January) the rates and the municipality comparison refer to."""
    return stock_table(con).year


def plot_rate_index(con: duckdb.DuckDBPyConnection) -> go.Figure:
    """Heatmap: index vs the region (100 = as the region) per municipality x target group;
    blank where the count behind it is suppressed."""
    stock = stock_table(con)
    hidden = stock.table.cells.filter(pl.col("cell_kind") == "cell").select(
        "kommunekode", "target_group", "suppressed"
    )
    values = stock.rates.join(hidden, on=["kommunekode", "target_group"], how="inner")
    munis = sorted(region_municipalities().items(), key=lambda kv: kv[1], reverse=True)
    groups = group_ids()
    z, text = [], []
    for code, _name in munis:
        part = values.filter(pl.col("kommunekode") == code)
        zrow, trow = [], []
        for g in groups:
            cell = part.filter(pl.col("target_group") == g)
            v = None
            if not cell.is_empty() and not cell["suppressed"][0]:
                v = cell["index_vs_region"][0]
            zrow.append(None if v is None else round(float(v)))
            trow.append("" if v is None else f"{round(float(v))}")
        z.append(zrow)
        text.append(trow)
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=[GROUP_SHORT_LABELS.get(g, g).split(":")[0] for g in groups],
            y=[name for _c, name in munis],
            text=text,
            texttemplate="%{text}",
            colorscale="RdBu_r",
            zmid=100,
            zmin=0,
            zmax=200,
            colorbar={"title": {"text": "Indeks"}},
            hovertemplate="%{y}, %{x}: indeks %{z}<extra></extra>",
            xgap=2,
            ygap=2,
        )
    )
    fig.update_layout(plot_bgcolor=HIDDEN_CELL_COLOUR)
    fig.update_xaxes(showgrid=False)
    fig.update_yaxes(showgrid=False)
    style_figure(
        fig,
        f"Andel borgere i tilbud i forhold til regionen (indeks, regionen = 100), "
        f"1. januar {stock.year}",
        height=680,
        horizontal_legend=False,
    )
    fig.update_xaxes(side="top", title_text="")
    return publish_figure(fig, person_traces="none")


# -- 4. section mix ----------------------------------------------------------------------------


def table_section_mix(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Share (%) of each target group's citizens in a place by paragraph on the data date
    (children's placements and adults' offers); hidden where the count behind it is hidden."""
    rows: list[dict[str, str]] = []
    columns: list[str] = []
    for area in ("children", "adults"):
        table = area_table(con, area)
        symbol = table.rules.symbol
        cells = inner_cells(table)
        totals = row_totals(table).select("row", pl.col("persons").alias("total"))
        shares = cells.join(totals, on="row").with_columns(
            pl.when(pl.col("total") > 0)
            .then(100 * pl.col("persons") / pl.col("total"))
            .alias("pct")
        )
        for key in cells["row"].unique(maintain_order=True).to_list():
            part = shares.filter(pl.col("row") == key)
            row = {"Målgruppe": _row_label(key, area)}
            for series, pct, persons in zip(
                part["series"], part["pct"], part["persons"], strict=True
            ):
                col = f"{series_label(series)} (%)"
                if col not in columns:
                    columns.append(col)
                row[col] = symbol if persons is None else format_number(pct, 0)
            rows.append(row)
    return pl.DataFrame(
        [{c: r.get(c, "") for c in ["Målgruppe", *columns]} for r in rows],
        schema={c: pl.String for c in ["Målgruppe", *columns]},
    )


def plot_section_shift(con: duckdb.DuckDBPyConnection) -> go.Figure:
    """Adults in § 107, § 108 and ABL § 105 + SEL § 85 on 1 January of each year: the shift
    from § 108 to § 105 + § 85 (each person once, by the latest-started placement)."""
    state = metrics.derived_state(con)
    rows = []
    for year in state.years:
        persons = persons_in_places(con, ref_date=dt.date(year, 1, 1))
        for code in ADULT_RESIDENTIAL:
            rows.append(
                {
                    "paragraf": code,
                    "year": year,
                    "persons": persons.filter(pl.col("paragraf") == code).height,
                }
            )
    frame = pl.DataFrame(rows)
    published = publish_counts(frame, row="year", count="persons", by="paragraf")
    fig = go.Figure()
    for code in ADULT_RESIDENTIAL:
        part = published.filter(pl.col("paragraf") == code).sort("year")
        fig.add_trace(
            go.Scatter(
                x=part["year"].to_list(),
                y=nulls_to_none(part["persons"].to_list()),
                name=paragraph_label(code),
                mode="lines+markers",
                line={"color": PARAGRAPH_COLOURS.get(code), "width": 3},
                hovertemplate="%{x}: %{y:,.0f} borgere<extra>%{fullData.name}</extra>",
            )
        )
    style_figure(
        fig,
        "Voksne i botilbud pr. 1. januar efter paragraf: fra § 108 mod ABL § 105 + SEL § 85",
        height=440,
        xaxis_title="År",
        yaxis_title="Antal borgere",
    )
    fig.update_xaxes(dtick=1)
    fig.update_yaxes(rangemode="tozero")
    return publish_figure(fig)


# -- headline figures --------------------------------------------------------------------------


def summary_overview(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Headline figures for summary.json and the index page, all from published (suppressed)
    frames; person counts under keys ending in ``_persons``."""
    status = status_totals(con)
    persons_total = status["total"]
    groups = [
        {"target_group": g, "label": group_label(g), "placed_persons": p}
        for g, p in status["groups"].items()
    ]
    groups.sort(key=lambda d: -(d["placed_persons"] or 0))
    location = location_table(con)
    loc_total = location.publishable().filter(pl.col("cell_kind") == "col_total")
    loc = dict(zip(loc_total["location"], loc_total["persons"], strict=True))
    own = ownership_table(con).publishable().filter(pl.col("cell_kind") == "col_total")
    owner = dict(zip(own["ownership"], own["persons"], strict=True))
    private = (
        None
        if owner.get("privat") is None or owner.get("selvejende") is None
        else owner["privat"] + owner["selvejende"]
    )
    placements = memo(con, "placement_status", metrics.table_placement_status).height
    out: dict[str, Any] = {
        "data_date": data_date(con).isoformat(),
        "placed_persons": persons_total,
        "placements_in_places": placements,
        "groups": groups,
        "share_own_municipality_pct": _round(
            share_percent(loc.get("egen_kommune"), persons_total)
        ),
        "share_elsewhere_in_region_pct": _round(share_percent(loc.get("regionen"), persons_total)),
        "share_outside_region_pct": _round(
            share_percent(loc.get("uden_for_regionen"), persons_total)
        ),
        "share_private_pct": _round(share_percent(private, persons_total)),
    }
    expensive = expensive_share_values(con).filter(pl.col("target_group").is_null())
    if expensive.height:
        r = expensive.row(0, named=True)
        out["cost_year"] = cost_year(con)
        out["spend_mio"] = None if r["spend"] is None else round(r["spend"] / 1e6, 1)
        out["expensive_over_2mio_persons"] = r["over2_persons"]
        out["expensive_over_2mio_spend_share_pct"] = _round(r["over2_spend_pct"])
    occ = group_occupancy(con)
    out["places_in_region"] = round(float(occ["places_apportioned"].sum()))
    changes = capacity_changes(con)
    if not changes.is_empty():
        out["capacity_changes_for_approval"] = int(changes["needs_approval"].sum())
    if waiting_list_date(con) is not None:
        waiting = waiting_values(con).filter(pl.col("target_group").is_null())
        out["open_referrals_persons"] = waiting["open_referrals"][0] if waiting.height else None
    return out


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def describe_overview(con: duckdb.DuckDBPyConnection) -> Any:
    """The page's answers in a few plain Danish sentences, from the published headline
    figures (summary_overview)."""
    s = summary_overview(con)
    day = format_date_da(data_date(con))
    lines = [
        f"- Pr. {day} var **{format_int_da(s['placed_persons'])} borgere** fra regionens "
        "kommuner i et botilbud, et botilbudslignende tilbud eller en anbringelse."
    ]
    top = [g for g in s["groups"] if g["placed_persons"] is not None and g["target_group"] != "X"]
    if len(top) >= 2:
        lines.append(
            f"- De største målgrupper er {top[0]['label']} "
            f"({format_int_da(top[0]['placed_persons'])}) og {top[1]['label']} "
            f"({format_int_da(top[1]['placed_persons'])})."
        )
    if s.get("share_own_municipality_pct") is not None:
        lines.append(
            f"- {format_number(s['share_own_municipality_pct'], 0)} % bor i et tilbud i egen "
            f"kommune, {format_number(s['share_elsewhere_in_region_pct'], 0)} % andre steder "
            f"i regionen og {format_number(s['share_outside_region_pct'], 0)} % uden for "
            "regionen."
        )
    if s.get("share_private_pct") is not None:
        lines.append(
            f"- {format_number(s['share_private_pct'], 0)} % bor i et privat eller "
            "selvejende tilbud."
        )
    if s.get("spend_mio") is not None:
        text = (
            f"- Kommunernes udgift til borgerne i {s['cost_year']} var "
            f"{format_number(s['spend_mio'], 0)} mio. kr. (alle tilbudstyper)"
        )
        if s.get("expensive_over_2mio_persons") is not None:
            text += (
                f"; {format_int_da(s['expensive_over_2mio_persons'])} borgere kostede over "
                f"2 mio. kr. og stod for "
                f"{format_number(s['expensive_over_2mio_spend_share_pct'], 0)} % af udgiften"
            )
        lines.append(text + ".")
    lines.append(
        f"- Regionens tilbud har {format_int_da(s['places_in_region'])} pladser "
        "(Tilbudsportalen, fordelt på målgrupper)."
    )
    if s.get("capacity_changes_for_approval") is not None:
        lines.append(
            f"- {s['capacity_changes_for_approval']} tilbud er lukket, nye eller ændret med mere "
            f"end ±{load_conf('metrics')['capacity_change_threshold']} pladser mellem de to "
            "seneste udtræk og skal godkendes i DASSOS."
        )
    if s.get("open_referrals_persons") is not None:
        lines.append(
            f"- {format_int_da(s['open_referrals_persons'])} henvisninger venter på en plads "
            "(venteliste)."
        )
    return markdown("\n".join(lines))
