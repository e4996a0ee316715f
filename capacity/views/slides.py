"""The theme-day slides: one message per slide, large type for a projector, 1280×760 canvas.

Built on the summary's inputs (capacity.views.summary.load_summary_inputs), so in a report run
the slides show exactly the figures of the target-group pages and the summary. Every figure is
at region level and goes through the same disclosure checks as the report pages.
"""

from __future__ import annotations

from typing import Any

import duckdb
import plotly.graph_objects as go
import polars as pl

from capacity import metrics
from capacity.config import load_conf
from capacity.disclosure import publish_counts, suppress_table
from capacity.views.common import (
    GROUP_SHORT_LABELS,
    format_number,
    format_percent_da,
    group_colour,
    markdown,
    nulls_to_none,
    style_figure,
    threshold,
)
from capacity.views.summary import (
    SummaryInputs,
    compute_lanepulje_view,
    plot_forecasts,
    plot_gap_by_group,
    plot_lanepulje,
    service_level,
)
from capacity.views.target_group import (
    LOCATION_LABELS,
    PROVIDER_LABELS,
    compute_expected_transitions,
    count_text,
    publish_or_explain,
)

SLIDE_HEIGHT = 580  # the figure under a slide heading on reveal's 1280×760 canvas
SLIDE_FONT = 19


def style_slide(fig: go.Figure, height: int = SLIDE_HEIGHT) -> go.Figure:
    """Projector type sizes for a figure already styled for the report."""
    fig.update_layout(
        height=height,
        font={"size": SLIDE_FONT},
        title_font={"size": 25},
        legend={"font": {"size": 17}},
        margin={"l": 80, "r": 30, "t": 100, "b": 70},
    )
    fig.update_annotations(font_size=SLIDE_FONT)
    return fig


def _message_title(message: str, detail: str = "") -> str:
    return f"{message}<br><sup>{detail}</sup>" if detail else message


# -- 2. where citizens are placed --------------------------------------------------------------

_MIX_CATEGORIES = (
    (LOCATION_LABELS["in_region"], PROVIDER_LABELS["public"], "public_in_region", "#08519c"),
    (LOCATION_LABELS["in_region"], PROVIDER_LABELS["private"], "private_in_region", "#fd8d3c"),
    (LOCATION_LABELS["outside"], PROVIDER_LABELS["public"], "public_outside", "#6baed6"),
    (LOCATION_LABELS["outside"], PROVIDER_LABELS["private"], "private_outside", "#d94801"),
)


def plot_placement(si: SummaryInputs) -> go.Figure:
    """Placements today per target group by location and provider (stacked bars), from one
    group × category table suppressed with its margins."""
    rows = [
        {
            "target_group": i.target_group,
            "category": f"{loc}, {prov.lower()}",
            "n": float(getattr(i.mix, attr)),
        }
        for i in si.inputs
        for loc, prov, attr, _ in _MIX_CATEGORIES
    ]
    table = suppress_table(
        pl.DataFrame(rows), row="target_group", col="category", count="n"
    ).publishable()
    cells = table.filter(pl.col("cell_kind") == "cell")
    fig = go.Figure()
    for loc, prov, _attr, colour in _MIX_CATEGORIES:
        name = f"{loc}, {prov.lower()}"
        part = cells.filter(pl.col("category") == name)
        values = dict(zip(part["target_group"], part["n"], strict=True))
        fig.add_trace(
            go.Bar(
                y=[GROUP_SHORT_LABELS.get(g, g) for g in si.groups],
                x=nulls_to_none([values.get(g) for g in si.groups]),
                name=name,
                orientation="h",
                marker_color=colour,
            )
        )
    totals = table.filter(pl.col("cell_kind") == "col_total")
    by_cat = dict(zip(totals["category"], totals["n"], strict=True))
    grand = table.filter(pl.col("cell_kind") == "total")["n"][0]
    private = [by_cat.get(f"{loc}, {PROVIDER_LABELS['private'].lower()}") for loc in
               (LOCATION_LABELS["in_region"], LOCATION_LABELS["outside"])]  # fmt: skip
    outside = [by_cat.get(f"{LOCATION_LABELS['outside']}, {p.lower()}") for p in
               (PROVIDER_LABELS["public"], PROVIDER_LABELS["private"])]  # fmt: skip
    detail = []
    if grand and None not in private:
        detail.append(
            f"{format_percent_da(100 * sum(private) / grand)} er hos private/selvejende tilbud"
        )
    if grand and None not in outside:
        detail.append(f"{format_percent_da(100 * sum(outside) / grand)} uden for regionen")
    title = _message_title(
        (" og ".join(detail) or "Placeringer i dag efter beliggenhed og udbyder").capitalize(),
        "Placeringer i dag med kendt tilbud, pr. målgruppe, hele regionen",
    )
    style_figure(fig, title, xaxis_title="Placeringer i dag")
    fig.update_layout(barmode="stack")
    fig.update_yaxes(autorange="reversed")
    style_slide(fig)
    # the legend between title and bars: under the bars it would cover the axis title
    fig.update_layout(
        legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0, "font": {"size": 16}},
        margin={"t": 150},
    )
    return publish_or_explain(fig, title)


# -- 3. demand per group and trend -------------------------------------------------------------


def plot_trend(con: duckdb.DuckDBPyConnection, si: SummaryInputs) -> go.Figure:
    """Citizens per day (average daily census) per target group over the data window."""
    flows = metrics.compute_stock_flow(con, level="region").filter(
        pl.col("target_group").is_in(si.groups)
    )
    published = publish_counts(
        flows.select("target_group", "year", pl.col("census").round(0)),
        row="year",
        count="census",
        by="target_group",
    )
    fig = go.Figure()
    for g in si.groups:
        part = published.filter(pl.col("target_group") == g).sort("year")
        fig.add_trace(
            go.Scatter(
                x=part["year"].to_list(),
                y=nulls_to_none(part["census"].to_list()),
                name=GROUP_SHORT_LABELS.get(g, g),
                mode="lines",
                line={"color": group_colour(g), "width": 4},
            )
        )
    first, last = int(flows["year"].min()), int(flows["year"].max())
    change = (
        flows.filter(pl.col("year").is_in([first, last]))
        .group_by("target_group")
        .agg(
            pl.col("census").sort_by("year").first().alias("a"),
            pl.col("census").sort_by("year").last().alias("b"),
        )  # fmt: skip
        .with_columns(((pl.col("b") / pl.col("a")) - 1).alias("g"))
        .sort("g", descending=True)
    )
    top = change.row(0, named=True)
    title = _message_title(
        f"Efterspørgslen pr. målgruppe {first}-{last}",
        f"Størst vækst: {top['target_group']} ({format_percent_da(100 * top['g'])}) · "
        "borgere pr. dag, hele regionen",
    )
    style_figure(fig, title, xaxis_title="År", yaxis_title="Borgere pr. dag")
    fig.update_layout(legend={"orientation": "v", "y": 0.5, "x": 1.02, "yanchor": "middle"})
    fig.update_yaxes(rangemode="tozero")
    return publish_or_explain(style_slide(fig), title)


# -- 4. forecast to the horizon ----------------------------------------------------------------


def plot_growth(si: SummaryInputs) -> go.Figure:
    """Change in expected citizens per day from today to the horizon per group, with the
    80 % interval (region; principal model)."""
    y = si.years
    groups, mid, lo, hi, labels = [], [], [], [], []
    for g in si.groups:
        row = si.forecasts.filter(
            (pl.col("target_group") == g)
            & (pl.col("level") == "region")
            & (pl.col("quantity") == "census")
            & (pl.col("model") == "principal")
            & (pl.col("year") == y.horizon_year)
        )
        today = si.by_group(g).demand.base_census
        if row.is_empty() or not today:
            continue
        r = row.row(0, named=True)
        groups.append(GROUP_SHORT_LABELS.get(g, g))
        mid.append(round(100 * (r["mean"] / today - 1), 1))
        lo.append(round(100 * (r["p10"] / today - 1), 1))
        hi.append(round(100 * (r["p90"] / today - 1), 1))
        labels.append(f"{count_text(today)} → {count_text(r['mean'])}")
    fig = go.Figure(
        go.Bar(
            y=groups,
            x=mid,
            orientation="h",
            marker_color=[group_colour(g.split(" ")[0]) for g in groups],
            error_x={
                "type": "data",
                "symmetric": False,
                "array": [h - m for h, m in zip(hi, mid, strict=True)],
                "arrayminus": [m - low for m, low in zip(mid, lo, strict=True)],
                "thickness": 2.5,
                "width": 8,
            },
            hovertext=labels,
            name="Ændring",
        )
    )
    for g, label in zip(groups, labels, strict=True):
        fig.add_annotation(
            y=g, x=1.01, xref="paper", text=label, showarrow=False, xanchor="left",
            font={"size": 17, "color": "#333"},
        )  # fmt: skip
    fig.add_annotation(
        y=1.0, yref="paper", yanchor="bottom", x=1.01, xref="paper", xanchor="left",
        text=f"<b>{y.base_year} → {y.horizon_year}</b>", showarrow=False, font={"size": 17},
    )  # fmt: skip
    title = _message_title(
        f"Fremskrivning {y.base_year}-{y.horizon_year}: ændring i borgere pr. dag",
        "Stregen viser 80 %-intervallet (8 ud af 10 udfald) · hovedmodellen, hele regionen",
    )
    style_figure(fig, title, xaxis_title="Ændring i forhold til i dag, %", horizontal_legend=False)
    fig.update_layout(showlegend=False)
    fig.update_yaxes(autorange="reversed")
    fig.add_vline(x=0, line_color="#555")
    style_slide(fig)
    fig.update_layout(margin={"r": 190})
    return publish_or_explain(fig, title, "none")


def plot_forecast_panels(si: SummaryInputs) -> go.Figure:
    """Each group's observed census and forecast with its 80 % band, slide-sized."""
    fig = plot_forecasts(si, height=SLIDE_HEIGHT + 60)
    fig.update_layout(title_text="Fremskrivning med usikkerhed pr. målgruppe (borgere pr. dag)")
    return style_slide(fig, SLIDE_HEIGHT + 60)


# -- 5. the gap, 6. the lånepulje --------------------------------------------------------------


def plot_gap(si: SummaryInputs) -> go.Figure:
    """Places missing or to spare per group at the service level, slide-sized."""
    return style_slide(plot_gap_by_group(si))


def plot_lanepulje_slide(si: SummaryInputs) -> go.Figure:
    """Planned places (internal / for other municipalities) against the gap, slide-sized."""
    return style_slide(plot_lanepulje(si))


# -- 7. children -> adults ---------------------------------------------------------------------


def plot_pipeline(con: duckdb.DuckDBPyConnection, si: SummaryInputs) -> go.Figure:
    """Young people expected to move from children's placements into each adult group over
    the next three years (today's 15-17-year-olds × observed transition rates)."""
    young = metrics.compute_pipeline(con, level="region")
    rates = metrics.compute_transition_rates(con)
    adults = [g for g in si.groups if _is_adult(g)]
    expected = {g: compute_expected_transitions(con, g, rates=rates, young=young) for g in adults}
    shown = {g: (None if _hidden(v) else round(v)) for g, v in expected.items()}
    fig = go.Figure(
        go.Bar(
            y=[GROUP_SHORT_LABELS.get(g, g) for g in adults],
            x=[shown[g] for g in adults],
            orientation="h",
            marker_color=[group_colour(g) for g in adults],
            text=[count_text(v) for v in expected.values()],
            textposition="outside",
            name="Forventede unge",
        )
    )
    total = float(young["persons"].sum())
    title = _message_title(
        f"Fra børn til voksne: ca. {count_text(sum(expected.values()))} unge de næste tre år",
        f"{count_text(total)} unge på 15-17 år er i dag anbragt eller i et børnetilbud · "
        "forventet tilgang til voksenmålgrupperne ved de observerede overgangsrater",
    )
    style_figure(fig, title, xaxis_title="Unge over de næste tre år")
    fig.update_layout(showlegend=False)
    fig.update_xaxes(rangemode="tozero")
    fig.update_yaxes(autorange="reversed")
    return publish_or_explain(style_slide(fig), title)


def _is_adult(group: str) -> bool:
    groups = load_conf("target_groups").get("groups", {})
    return groups.get(group, {}).get("area") == "adults"


def _hidden(value: float) -> bool:
    return 0 < round(value) < threshold()


# -- 8. what DASSOS is asked to decide ---------------------------------------------------------


def describe_decisions(si: SummaryInputs, con: duckdb.DuckDBPyConnection) -> Any:
    """The questions the figures put to DASSOS, computed from the gap and the lånepulje."""
    y = si.years
    lp = compute_lanepulje_view(si, y.agreement_year)
    short = lp.filter(pl.col("gap_after_plans") > 0).sort("gap_after_plans", descending=True)
    spare = lp.filter(pl.col("gap_after_plans") < 0)
    bullets = []
    if short.height:
        listed = ", ".join(
            f"{r['target_group']} (ca. {format_number(r['gap_after_plans'])})"
            for r in short.iter_rows(named=True)
        )
        bullets.append(
            f"**Nye pladser:** efter de planlagte projekter mangler der i {y.agreement_year} "
            f"pladser i {listed}. Hvor mange skal etableres, og hvor mange som fælles pladser "
            "for andre kommuner?"
        )
    planned = float(lp["planned_places"].sum())
    others = float(lp["planned_for_others"].sum())
    bullets.append(
        f"**Lånepuljen:** godkende de planlagte {format_number(planned)} pladser, heraf "
        f"{format_number(others)} til andre kommuner, og prisen sammenlignet med private "
        "tilbud?"
    )
    if spare.height:
        bullets.append(
            f"**Overskud i {', '.join(spare['target_group'].to_list())}:** skal pladser "
            "omstilles til målgrupper med mangel? Ændringer over ±10 pladser og lukninger "
            "kræver DASSOS' godkendelse."
        )
    young = metrics.compute_pipeline(con, level="region")
    rates = metrics.compute_transition_rates(con)
    coming = sum(
        compute_expected_transitions(con, g, rates=rates, young=young)
        for g in si.groups
        if _is_adult(g)
    )
    bullets.append(
        f"**Overgangen til voksenområdet:** hvordan sikres pladser til de ca. "
        f"{count_text(coming)} unge, der ventes at gå fra børne- til voksentilbud de næste "
        "tre år?"
    )
    bullets.append(
        f"**Serviceniveau:** er {service_level(si)} det rigtige grundlag for planlægningen?"
    )
    return markdown("\n".join(f"- {b}" for b in bullets))


# -- 9. method and data ------------------------------------------------------------------------


def describe_method(si: SummaryInputs, con: duckdb.DuckDBPyConnection, synthetic: bool) -> Any:
    """Method and data in a few lines (and the synthetic-data label when it applies)."""
    from capacity.forecast.settings import load_forecast_settings
    from capacity.metrics.supply import extract_dates

    state = metrics.derived_state(con)
    extracts = extract_dates(con)
    lines = [
        f"**Data:** placeringer fra de 19 kommuners fagsystemer (pseudonymiseret) til "
        f"{state.data_date:%d.%m.%Y}; Tilbudsportalen pr. {extracts[-1]:%d.%m.%Y}; Danmarks "
        "Statistiks befolkning og befolkningsfremskrivning.",
        f"**Fremskrivning:** {len(load_forecast_settings().models)} modeller pr. målgruppe, "
        "fra de simple (sidste år, trend) til en simulering af tilgang og opholdstid; "
        "hovedmodellen er valgt ved backtest på de seneste års data.",
        f"**Pladser:** nødvendige pladser ved {service_level(si)}; tilbud med flere målgrupper "
        "tælles både fordelt og i alle målgrupper.",
        f"**Diskretion:** ingen tal under {threshold()} personer vises.",
    ]
    if synthetic:
        lines.append(
            "**SYNTETISKE DATA:** slides er lavet på demodatasættet og handler ikke om "
            "rigtige borgere."
        )
    return markdown("\n".join(f"- {line}" for line in lines))


def describe_title(si: SummaryInputs) -> Any:
    """The title slide's subtitle: the question and the years."""
    y = si.years
    return markdown(
        f"**Hvor mange pladser skal vi bruge — til hvem og hvor?**\n\n"
        f"Efterspørgsel og pladser pr. målgruppe, i dag ({y.base_year}), ved udgangen af "
        f"{y.agreement_label} ({y.agreement_year}) og i {y.horizon_year}."
    )


__all__ = [
    "describe_decisions",
    "describe_method",
    "describe_title",
    "plot_forecast_panels",
    "plot_gap",
    "plot_growth",
    "plot_lanepulje_slide",
    "plot_pipeline",
    "plot_placement",
    "plot_trend",
    "style_slide",
]
