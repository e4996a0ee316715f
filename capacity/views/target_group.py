"""The target-group page (one per group): history, forecast with uncertainty, the backtest,
the capacity gap at the service level, scenarios, use of places and prices, cost at fixed
prices, the child -> adult pipeline and length of stay.

`compute_target_group` runs the forecast and its backtest once and derives everything else
from that result; the `table_*` / `plot_*` / `describe_*` functions only present it.

Disclosure (docs/privacy.md): everything here is at region level. Observed counts go through
capacity.disclosure (publish_counts / suppress_table), figures are checked with
publish_figure. Forecast means and quantiles are *modelled persons*: they are treated as
person counts (traces marked, no value 1-4 shown) and published at region level only;
municipality-level forecasts appear only on the summary page, where the series passes
suppress_series_for_publication.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import duckdb
import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from capacity import metrics
from capacity.config import load_conf
from capacity.disclosure import (
    DisclosureError,
    SuppressedTable,
    publish_counts,
    round_money,
    suppress_table,
)
from capacity.disclosure.display import format_for_display
from capacity.figures import band_trace
from capacity.forecast import ForecastResult
from capacity.forecast.outputs import MODEL_LABELS
from capacity.gap.inputs import GapInputs, ProvisionMix
from capacity.views.common import (
    empty_figure,
    format_int_da,
    format_mio_da,
    format_number,
    format_percent_da,
    group_colour,
    group_label,
    markdown,
    nulls_to_none,
    publish_figure,
    style_figure,
    suppression_footnote,
    threshold,
)

# The gap's principal counting method and the other one, as readers see them.
METHOD_SHORT = {"apportioned": "fordelte pladser", "counted": "talt i alle målgrupper"}
PROVIDER_LABELS = {"public": "Offentlig (kommunal/regional)", "private": "Privat/selvejende"}
LOCATION_LABELS = {"in_region": "I regionen", "outside": "Uden for regionen"}


# -- the years a page states figures for -------------------------------------------------------


@dataclass(frozen=True)
class ReportYears:
    """The years the report states figures for (capacity/conf/report.yaml,
    `framework_agreement`), clamped to the forecast years."""

    base_year: int  # last complete year of data: "today"
    agreement_year: int  # the end of the framework-agreement period
    horizon_year: int  # the outlook year
    agreement_label: str
    agreement_period: tuple[int, int]


def report_years(forecast_years: Sequence[int], base_year: int) -> ReportYears:
    """The agreement's end year and the outlook year for a forecast covering `forecast_years`."""
    conf = load_conf("report").get("framework_agreement") or {}
    years = sorted(int(y) for y in forecast_years)
    if not years:
        raise ValueError("no forecast years")

    def clamp(year: Any) -> int:
        return min(max(int(year), years[0]), years[-1])

    horizon = clamp(conf.get("outlook_year", years[-1]))
    agreement = min(clamp(conf.get("end_year", years[0])), horizon)
    period = conf.get("period") or [agreement - 1, agreement]
    label = str(conf.get("label") or f"Rammeaftale {period[0]}-{str(period[1])[-2:]}")
    return ReportYears(base_year, agreement, horizon, label, (int(period[0]), int(period[1])))


def target_group_slug(target_group: str) -> str:
    """The page slug the runner gives a target group's page (capacity/conf/report.yaml), so
    the page's annex tables and summary land under the same name."""
    for entry in load_conf("report")["pages"]:
        if entry.get("notebook") == "reports/target_group.py" and entry.get("foreach"):
            return f"{entry['slug']}-{target_group}".lower()
    return f"maalgruppe-{target_group}".lower()


# -- the one computation per page --------------------------------------------------------------


@dataclass(frozen=True)
class TargetGroupAnalysis:
    """Everything one target-group page shows, from one forecast with backtest."""

    target_group: str
    forecast: ForecastResult
    inputs: GapInputs
    gap: pl.DataFrame  # basis scenario, every forecast year (capacity.gap.compute_gap)
    scenarios: pl.DataFrame  # every named scenario (capacity.gap.compare_scenarios)
    costs: pl.DataFrame  # basis scenario (capacity.gap.compute_costs)
    waterfall: pl.DataFrame  # basis scenario, base year -> horizon year
    prices: pl.DataFrame  # private vs public prices, every group
    years: ReportYears
    notes: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return group_label(self.target_group)

    def gap_row(self, year: int) -> dict[str, Any]:
        """The basis gap figures of one forecast year."""
        return self.gap.filter(pl.col("year") == year).row(0, named=True)


def compute_target_group(
    con: duckdb.DuckDBPyConnection,
    target_group: str,
    *,
    horizon: int | None = None,
    seed: int | None = None,
) -> TargetGroupAnalysis:
    """Forecast one target group with its backtest (once) and derive the gap, scenarios,
    costs, waterfall and prices from it."""
    from capacity.forecast import forecast_target_group, load_forecast_input
    from capacity.gap import (
        compare_scenarios,
        compute_costs,
        compute_gap,
        compute_waterfall,
        load_scenarios,
    )
    from capacity.gap.adapters import load_all_gap_inputs, load_price_difference

    horizon = int(horizon or load_conf("forecast").get("horizon", 6))
    result = forecast_target_group(
        load_forecast_input(con, target_group), horizon=horizon, seed=seed
    )
    loaded = load_all_gap_inputs(con, [target_group], forecasts={target_group: result})
    inputs = loaded.by_group(target_group)
    years = report_years(inputs.demand.years, inputs.demand.base_year)
    return TargetGroupAnalysis(
        target_group=target_group,
        forecast=result,
        inputs=inputs,
        gap=compute_gap(inputs),
        scenarios=compare_scenarios([inputs], list(load_scenarios().values())),
        costs=compute_costs(inputs),
        waterfall=compute_waterfall(inputs, years.horizon_year),
        prices=load_price_difference(con),
        years=years,
        notes=tuple(loaded.notes.get(target_group, ())),
    )


# -- small helpers -----------------------------------------------------------------------------


def is_small_count(value: float | None) -> bool:
    """Is this (modelled) person count one that must not be published (1-4)?"""
    from capacity.disclosure import load_rules

    return value is not None and load_rules().is_small(float(value))


def count_text(value: float | None, decimals: int = 0) -> str:
    """A (modelled) person count for text and tables: '·' when it is 1-4 or missing."""
    if value is None or is_small_count(value):
        return format_int_da(None)
    return format_number(value, decimals)


def person_value(value: float | None, decimals: int = 0) -> float | None:
    """A (modelled) person count for summary.json: rounded, None when it is 1-4."""
    if value is None or is_small_count(round(float(value), decimals)):
        return None
    return round(float(value), decimals)


def interval_text(lo: float | None, hi: float | None, decimals: int = 0) -> str:
    """'1.180-1.290' for an interval of modelled persons; '·' when an end is 1-4."""
    if lo is None or hi is None:
        return ""
    if is_small_count(lo) or is_small_count(hi):
        return format_int_da(None)
    return f"{format_number(lo, decimals)}-{format_number(hi, decimals)}"


def _shown(value: float | None, decimals: int = 0) -> str:
    """A published count as text: the suppression symbol where it was suppressed (None)."""
    return format_int_da(None) if value is None else format_number(value, decimals)


def _pct(value: float | None, decimals: int = 0) -> str:
    return "" if value is None else format_percent_da(100.0 * float(value), decimals)


def publish_or_explain(fig: go.Figure, title: str, person_traces: Any = "all") -> go.Figure:
    """publish_figure, or a figure saying why nothing is shown when a value is 1-4."""
    try:
        return publish_figure(fig, person_traces)
    except DisclosureError:
        return empty_figure(
            title, f"Tallene er for små til at kunne vises (under {threshold()} personer)."
        )


def _region_flows(con: duckdb.DuckDBPyConnection, target_group: str) -> pl.DataFrame:
    flows = metrics.compute_stock_flow(con, level="region")
    return flows.filter(pl.col("target_group") == target_group).sort("year")


def _published(frame: pl.DataFrame, count: str, *, total: bool = False) -> pl.DataFrame:
    return publish_counts(frame.select("year", count), row="year", count=count, total=total)


# -- the first screen --------------------------------------------------------------------------


def describe_headline(tg: TargetGroupAnalysis) -> Any:
    """The page's first screen in words: today, the forecast, the places needed."""
    y = tg.years
    fc = principal_rows(tg, "census")
    today = tg.inputs.demand.base_census
    horizon = fc.filter(pl.col("year") == y.horizon_year).row(0, named=True)
    gap_a, gap_h = tg.gap_row(y.agreement_year), tg.gap_row(y.horizon_year)
    change = (horizon["mean"] / today - 1.0) if today else None
    model = MODEL_LABELS.get(tg.forecast.principal.get("census", ""), "")
    lines = [
        f"**I dag ({y.base_year})** er der i gennemsnit **{count_text(today)} borgere pr. dag** "
        f"fra regionens 19 kommuner i et tilbud i målgruppen.",
        f"**I {y.horizon_year}** forventes **{count_text(horizon['mean'])}** borgere pr. dag "
        f"(80 %-interval {interval_text(horizon['p10'], horizon['p90'])}), "
        + (
            f"{'en stigning' if change >= 0 else 'et fald'} på "
            f"{format_percent_da(abs(100 * change), 0)}. "
            if change is not None
            else ""
        )
        + f"Hovedmodel: {model.lower()} (valgt ved backtest).",
        f"**Pladser** ved serviceniveauet {gap_h['service_level']}: der skal bruges "
        f"**{format_int_da(gap_a['required'])}** pladser i {y.agreement_year} og "
        f"**{format_int_da(gap_h['required'])}** i {y.horizon_year}. "
        + _gap_sentence(gap_h, y.horizon_year)
        + (" Se bemærkningen under kapacitetsbehov." if model_divergence(tg) else ""),
    ]
    bullets = "\n\n".join(f"- {line}" for line in lines)
    return markdown(f"## {tg.label}\n\n{bullets}")


def _gap_sentence(row: dict[str, Any], year: int) -> str:
    gap = row["gap"]
    other = "counted" if row["counting_method"] == "apportioned" else "apportioned"
    if gap > 0:
        verdict = f"mangler der **{format_number(gap, 0)} pladser**"
    elif gap < 0:
        verdict = f"er der **{format_number(-gap, 0)} pladser i overskud**"
    else:
        verdict = "passer kapaciteten præcist"
    return (
        f"Med {METHOD_SHORT[row['counting_method']]} (inkl. planlagte) {verdict} i {year}; "
        f"sandsynligheden for mangel er {_pct(row['p_shortage'])}. Talt i alle målgrupper er "
        f"tallet {format_number(row[f'gap_{other}'], 0)} (+ = mangel, − = overskud)."
    )


# -- history -----------------------------------------------------------------------------------


def table_history(con: duckdb.DuckDBPyConnection, target_group: str) -> pl.DataFrame:
    """Stock on 1 January, average daily census, inflow and outflow per year (region)."""
    flows = _region_flows(con, target_group)
    cols = {
        "stock": "Borgere pr. 1. januar",
        "census": "Borgere pr. dag (gns. belægning)",
        "inflow": "Nye forløb i året (tilgang)",
        "outflow": "Afsluttede forløb i året (afgang)",
    }
    out = flows.select(pl.col("year").cast(pl.String).alias("År"))
    for col, label in cols.items():
        published = _published(flows.with_columns(pl.col("census").round(1)), col)
        decimals = 1 if col == "census" else 0
        out = out.with_columns(
            pl.Series(label, [_shown(v, decimals) for v in published[col].to_list()])
        )
    return out


def plot_history(con: duckdb.DuckDBPyConnection, target_group: str) -> go.Figure:
    """Left: citizens on 1 January and per day; right: new and ended stays per year."""
    flows = _region_flows(con, target_group).with_columns(pl.col("census").round(1))
    fig = make_subplots(
        rows=1,
        cols=2,
        subplot_titles=("Borgere i tilbud", "Tilgang og afgang pr. år"),
        horizontal_spacing=0.09,
    )
    colour = group_colour(target_group)
    for col, name, dash in (
        ("stock", "Borgere pr. 1. januar", "solid"),
        ("census", "Borgere pr. dag (gns.)", "dot"),
    ):
        p = _published(flows, col)
        fig.add_trace(
            go.Scatter(
                x=p["year"].to_list(),
                y=nulls_to_none(p[col].to_list()),
                name=name,
                mode="lines+markers",
                line={"color": colour, "dash": dash, "width": 2.5},
            ),
            row=1,
            col=1,
        )
    for col, name, bar_colour in (
        ("inflow", "Tilgang (nye forløb)", "#2ca02c"),
        ("outflow", "Afgang (afsluttede forløb)", "#d62728"),
    ):
        p = _published(flows, col)
        fig.add_trace(
            go.Bar(
                x=p["year"].to_list(),
                y=nulls_to_none(p[col].to_list()),
                name=name,
                marker_color=bar_colour,
            ),
            row=1,
            col=2,
        )
    title = f"{group_label(target_group)}: udviklingen i hele regionen"
    style_figure(fig, title, height=430)
    fig.update_layout(barmode="group", legend={"y": -0.2, "yanchor": "top"})
    fig.update_xaxes(dtick=2)
    fig.update_yaxes(rangemode="tozero")
    fig.update_yaxes(title_text="Antal borgere", row=1, col=1)
    fig.update_yaxes(title_text="Antal forløb", row=1, col=2)
    return publish_or_explain(fig, title)


# -- forecast ----------------------------------------------------------------------------------


def principal_rows(tg: TargetGroupAnalysis, quantity: str = "census") -> pl.DataFrame:
    """Region rows of the principal model of one quantity, one per forecast year."""
    return tg.forecast.table.filter(
        (pl.col("level") == "region")
        & (pl.col("quantity") == quantity)
        & (pl.col("model") == "principal")
    ).sort("year")


def _observed(tg: TargetGroupAnalysis, quantity: str) -> pl.DataFrame:
    return tg.forecast.table.filter(
        (pl.col("level") == "region")
        & (pl.col("quantity") == quantity)
        & (pl.col("model") == "observed")
    ).sort("year")


def plot_forecast(tg: TargetGroupAnalysis, quantity: str = "census") -> go.Figure:
    """Fan chart at region level: observed history, the principal model's forecast, its 80 %
    and 95 % intervals; the framework-agreement period is shaded."""
    return plot_forecast_table(tg.forecast.table, tg.target_group, tg.years, quantity)


def plot_forecast_table(
    table: pl.DataFrame, target_group: str, years: ReportYears, quantity: str = "census"
) -> go.Figure:
    """plot_forecast from a forecast table (DESIGN §4b), e.g. one a report run saved."""
    from capacity.forecast.plots import plot_fan_chart

    table = table.filter(pl.col("target_group") == target_group)
    fig = plot_fan_chart(table, quantity=quantity, level="region", model="principal")
    for trace in fig.data:
        if trace.fill == "toself":  # bands: no markers on their outline
            trace.update(mode="lines")
    source = table.filter((pl.col("model") == "principal") & (pl.col("quantity") == quantity))[
        "source_model"
    ]
    model = MODEL_LABELS.get(source[0], source[0]) if source.len() else ""
    what = {
        "census": "borgere pr. dag (gennemsnitlig belægning)",
        "stock": "borgere pr. 1. januar",
        "inflow": "nye forløb pr. år",
    }[quantity]
    title = (
        f"{group_label(target_group)}: {what}, observeret og fremskrevet"
        f"<br><sup>Hovedmodel: {model.lower()} · bånd: 80 % og 95 % af de sandsynlige "
        f"udfald · hele regionen</sup>"
    )
    start, end = years.agreement_period
    fig.add_vrect(
        x0=start - 0.5,
        x1=end + 0.5,
        fillcolor="#c9a227",
        opacity=0.12,
        line_width=0,
        annotation_text=years.agreement_label,
        annotation_position="top left",
    )
    style_figure(fig, title, height=470, xaxis_title="År", yaxis_title=what.capitalize())
    all_years = table["year"]
    fig.update_xaxes(dtick=1, range=[int(all_years.min()) - 0.5, int(all_years.max()) + 0.5])
    fig.update_yaxes(rangemode="tozero")
    return publish_or_explain(fig, title)


def table_forecast(tg: TargetGroupAnalysis) -> pl.DataFrame:
    """The principal forecast per year at region level: census with 80 % and 95 % intervals,
    stock on 1 January and new stays, after the last observed year."""
    census = principal_rows(tg, "census")
    others = {q: principal_rows(tg, q) for q in ("stock", "inflow")}
    obs = {q: _observed(tg, q) for q in ("census", "stock", "inflow")}
    base = tg.years.base_year

    def observed(q: str) -> str:
        row = obs[q].filter(pl.col("year") == base)
        return count_text(row["observed"][0], 1 if q == "census" else 0) if row.height else ""

    rows = [
        {
            "År": f"{base} (observeret)",
            "Borgere pr. dag, forventet": observed("census"),
            "80 %-interval": "",
            "95 %-interval": "",
            "Borgere pr. 1. januar, forventet": observed("stock"),
            "Nye forløb i året, forventet": observed("inflow"),
        }
    ]
    for r in census.iter_rows(named=True):
        year = r["year"]
        extra = {q: f.filter(pl.col("year") == year)["mean"].to_list() for q, f in others.items()}
        rows.append(
            {
                "År": str(year),
                "Borgere pr. dag, forventet": count_text(r["mean"], 1),
                "80 %-interval": interval_text(r["p10"], r["p90"]),
                "95 %-interval": interval_text(r["p025"], r["p975"]),
                "Borgere pr. 1. januar, forventet": count_text(
                    extra["stock"][0] if extra["stock"] else None
                ),
                "Nye forløb i året, forventet": count_text(
                    extra["inflow"][0] if extra["inflow"] else None
                ),
            }
        )
    return pl.DataFrame(rows)


# -- backtest ----------------------------------------------------------------------------------


def _region_scores(tg: TargetGroupAnalysis, quantity: str) -> pl.DataFrame:
    from capacity.forecast.settings import load_forecast_settings

    bt = tg.forecast.backtest
    if bt is None:
        return pl.DataFrame()
    horizons = list(load_forecast_settings().principal.horizons)
    sb = bt.scoreboard.filter(
        (pl.col("quantity") == quantity)
        & (pl.col("level") == "region")
        & pl.col("h").is_in(horizons)
    )
    board = sb.group_by("model").agg(
        rmae=pl.col("rmae").mean(),
        mase=pl.col("mase").mean(),
        bias=pl.col("bias").mean(),
        cov80=(pl.col("cov80") * pl.col("n")).sum() / pl.col("n").sum(),
        cov95=(pl.col("cov95") * pl.col("n")).sum() / pl.col("n").sum(),
        crps=pl.col("crps").mean(),
        n=pl.col("n").sum(),
    )
    verdict = bt.summary.filter(pl.col("quantity") == quantity).select(
        "model", "eligible", "municipality_cov80", "municipality_cov95"
    )
    return board.join(verdict, on="model", how="left").sort("rmae", "model", nulls_last=True)


def table_backtest(tg: TargetGroupAnalysis, quantity: str = "census") -> pl.DataFrame:
    """The backtest scoreboard at region level, one row per model (horizons 1-4 pooled):
    relative MAE vs naive, MASE, bias, interval coverage, CRPS and whether the model was
    acceptable and chosen."""
    scores = _region_scores(tg, quantity)
    if scores.is_empty():
        return pl.DataFrame({"Besked": ["Historikken er for kort til en backtest."]})
    principal = tg.forecast.principal.get(quantity)
    # NaN (e.g. no CRPS for a model without paths) is "not available": null, not a number
    scores = scores.with_columns(pl.col(pl.Float64).fill_nan(None))
    return scores.select(
        pl.col("model").replace_strict(MODEL_LABELS, default=pl.col("model")).alias("Model"),
        pl.when(pl.col("model") == principal)
        .then(pl.lit("hovedmodel"))
        .otherwise(pl.lit(""))
        .alias("Valgt"),
        pl.col("rmae").round(2).alias("Relativ MAE (naiv = 1)"),
        pl.col("mase").round(2).alias("MASE"),
        pl.col("bias").round(1).alias("Skævhed (gns. fejl, borgere pr. dag)"),
        (100 * pl.col("cov80")).round(0).alias("Dækning af 80 %-interval, %"),
        (100 * pl.col("cov95")).round(0).alias("Dækning af 95 %-interval, %"),
        pl.col("crps").round(1).alias("CRPS"),
        pl.col("eligible")
        .replace_strict({True: "ja", False: "nej"}, default="")
        .alias("Acceptable intervaller"),
        pl.col("n").alias("Prognoser i backtesten"),
    )


def describe_principal(tg: TargetGroupAnalysis, quantity: str = "census") -> Any:
    """Why the principal model was chosen, in plain Danish."""
    from capacity.forecast.settings import load_forecast_settings

    scores = _region_scores(tg, quantity)
    principal = tg.forecast.principal.get(quantity, "")
    label = MODEL_LABELS.get(principal, principal)
    if scores.is_empty():
        return markdown(
            f"Historikken er for kort til en backtest; fremskrivningen bruger "
            f"{label.lower()} som standard."
        )
    rule = load_forecast_settings().principal
    row = scores.filter(pl.col("model") == principal).row(0, named=True)
    bt = tg.forecast.backtest
    cutoffs = f"{bt.cutoffs[0]}-{bt.cutoffs[-1]}" if bt and bt.cutoffs else ""
    better = 1.0 - (row["rmae"] or 1.0)
    if row.get("eligible"):
        why = (
            f"Den havde den laveste fejl blandt de modeller, hvis usikkerhedsbånd holdt: "
            f"relativ MAE {format_number(row['rmae'], 2)}, dvs. "
            + (
                f"{format_percent_da(100 * better, 0)} mindre fejl end den naive fremskrivning"
                if better > 0
                else "ikke mindre fejl end den naive fremskrivning"
            )
            + "."
        )
    else:
        why = (
            "Ingen model havde usikkerhedsbånd, der holdt på alle krav; valgt er den bedst "
            "kalibrerede model, der ikke var dårligere end den naive fremskrivning."
        )
    text = (
        f"**Hovedmodel: {label}.** Alle modeller er prøvet på fortiden: fra hvert startår "
        f"{cutoffs} er de fremskrevet 1-4 år frem med kun de data, der fandtes dengang, og "
        f"sammenlignet med det, der faktisk skete. {why} Dens 80 %-bånd ramte "
        f"{_pct(row['cov80'])} af udfaldene og 95 %-båndene {_pct(row['cov95'])} "
        f"(kravet er mindst {_pct(rule.region_cov80_min)} og {_pct(rule.region_cov95_min)} "
        f"for regionen). MASE under 1 betyder mindre fejl end et typisk års ændring; skævhed "
        f"over 0 betyder, at modellen har ramt for højt."
    )
    if principal != "stockflow" and "census" in tg.forecast.paths:
        text += (
            "\n\nKapacitetsberegningen nedenfor bruger bestand-strøm-modellens 1.000 "
            "simulerede forløb, fordi kun den giver en hel fordeling af efterspørgslen, som "
            "summerer fra kommuner til region."
        )
    return markdown(text)


def plot_backtest(tg: TargetGroupAnalysis, quantity: str = "census") -> go.Figure:
    """Relative MAE vs naive by horizon for every model; the principal model stands out."""
    from capacity.forecast.plots import plot_backtest_skill

    title = "Backtest: fejl i forhold til den naive fremskrivning (under 1 = bedre)"
    if tg.forecast.backtest is None:
        return empty_figure(title, "Historikken er for kort til en backtest.")
    fig = plot_backtest_skill(tg.forecast.backtest.scoreboard, quantity=quantity, level="region")
    principal = MODEL_LABELS.get(tg.forecast.principal.get(quantity, ""), "")
    for trace in fig.data:
        if trace.name == principal:
            trace.update(line={"width": 4, "color": "#111111"}, name=f"{principal} (hovedmodel)")
        else:
            trace.update(line={"width": 1.5}, opacity=0.55)
    style_figure(
        fig,
        title,
        height=430,
        xaxis_title="År frem",
        yaxis_title="Relativ MAE",
        horizontal_legend=False,
    )
    # a model far worse than naive would squash the others: values above 2 run off the top
    fig.update_yaxes(range=[0, 2])
    fig.update_xaxes(dtick=1)
    return publish_or_explain(fig, title, "none")


# -- capacity gap ------------------------------------------------------------------------------


_GAP_ROWS: tuple[tuple[str, str, str], ...] = (
    ("Forventet efterspørgsel på regionens pladser (borgere pr. dag)", "demand_mean", "n1"),
    ("80 %-interval for efterspørgslen (P10-P90)", "demand_p10:demand_p90", "range"),
    ("Kapacitet, fordelte pladser (inkl. planlagte)", "capacity_apportioned", "n1"),
    ("Kapacitet, talt i alle målgrupper (inkl. planlagte)", "capacity_counted", "n1"),
    ("Heraf planlagte pladser åbnet", "planned_places", "n0"),
    ("Nødvendige pladser ved serviceniveauet", "required", "n0"),
    ("Manglende pladser (+) / overskud (−), fordelte pladser", "gap_apportioned", "n0"),
    ("Manglende pladser (+) / overskud (−), talt i alle målgrupper", "gap_counted", "n0"),
    ("Sandsynlighed for mangel, fordelte pladser", "p_shortage_apportioned", "pct"),
    ("Sandsynlighed for mangel, talt i alle målgrupper", "p_shortage_counted", "pct"),
    ("Forventet udækket behov (pladsår), hovedoptælling", "expected_unmet", "n1"),
    ("Forventede tomme pladser, hovedoptælling", "expected_idle", "n1"),
    ("Krydstjek: nødvendige pladser efter Poisson-formlen", "poisson_required", "n0"),
    ("Krydstjek: Erlang-B, andel afviste ved kapaciteten", "erlang_b_blocking", "pct"),
    ("Krydstjek: daglig sandsynlighed for fuld belægning", "p_shortage_daily", "pct"),
)  # fmt: skip


def gap_caption(tg: TargetGroupAnalysis) -> str:
    """Title of the gap table, stating the service level and the principal count."""
    row = tg.gap.row(0, named=True)
    return (
        f"Kapacitetsbehov for {tg.target_group} pr. år, hele regionen — serviceniveau "
        f"{row['service_level']}, hovedoptælling: {METHOD_SHORT[row['counting_method']]}"
    )


def table_gap(tg: TargetGroupAnalysis) -> pl.DataFrame:
    """The gap per forecast year (columns) at the service level: demand on the region's
    places, capacity by both counting methods, places required, gap, P(shortage), expected
    unmet and idle places, and the Erlang/Poisson cross-check (rows)."""
    frame = tg.gap.sort("year")
    data: dict[str, list[str]] = {"Nøgletal": [label for label, _, _ in _GAP_ROWS]}
    for r in frame.iter_rows(named=True):
        column = []
        for _label, col, kind in _GAP_ROWS:
            if kind == "range":
                lo, hi = col.split(":")
                column.append(interval_text(r[lo], r[hi]))
            elif kind == "pct":
                column.append(_pct(r[col]))
            elif col.startswith("demand"):
                column.append(count_text(r[col], 1))
            else:
                column.append(format_number(r[col], 1 if kind == "n1" else 0))
        data[str(r["year"])] = column
    return pl.DataFrame(data)


def plot_gap(tg: TargetGroupAnalysis) -> go.Figure:
    """Demand on the region's places (80 % band, median) against capacity (both counting
    methods, planned places included) and the places required at the service level."""
    from capacity.gap.plots import plot_gap as gap_figure

    fig = gap_figure(tg.gap, tg.target_group)
    fig.update_layout(separators=",.", font={"size": 13}, height=470)
    title = fig.layout.title.text
    return publish_or_explain(fig, title, "none")


def model_divergence(
    tg: TargetGroupAnalysis, year: int | None = None
) -> tuple[float, float] | None:
    """(simulated mean, principal mean) of the region's census in `year` (default: horizon)
    when the gap's simulated paths and the principal model differ by more than 5 %."""
    principal = tg.forecast.principal.get("census")
    if principal in (None, "stockflow"):
        return None
    year = year or tg.years.horizon_year
    rows = tg.forecast.table.filter(
        (pl.col("level") == "region")
        & (pl.col("quantity") == "census")
        & (pl.col("year") == year)
        & pl.col("model").is_in(["stockflow", "principal"])
    )
    means = dict(zip(rows["model"], rows["mean"], strict=True))
    sim, main = means.get("stockflow"), means.get("principal")
    if sim is None or not main or abs(sim / main - 1.0) <= 0.05:
        return None
    return float(sim), float(main)


def _divergence_text(tg: TargetGroupAnalysis) -> str:
    diverge = model_divergence(tg)
    if diverge is None:
        return ""
    sim, main = diverge
    direction = "højere" if sim > main else "lavere"
    return (
        f"**Bemærk:** pladsberegningen bygger på den simulerende bestand-strøm-model, som i "
        f"{tg.years.horizon_year} forventer {count_text(sim)} borgere pr. dag i alt, mens "
        f"hovedmodellen forventer {count_text(main)}. Behovet for pladser er derfor {direction} "
        f"end hovedmodellen alene ville give; læs pladstallene sammen med backtesten ovenfor."
    )


def describe_gap(tg: TargetGroupAnalysis) -> Any:
    """The gap in words for the agreement year and the horizon, with the cross-check."""
    y = tg.years
    a, h = tg.gap_row(y.agreement_year), tg.gap_row(y.horizon_year)
    share = a["pool_share"]
    text = (
        f"Beregningen gælder efterspørgslen på **regionens egne pladser**: i dag dækkes "
        f"{_pct(share)} af borgernes behov af tilbud i regionen, resten uden for regionen "
        f"(se afsnittet om brug af pladser). Pladserne er godkendte pladser i regionens "
        f"tilbud på Tilbudsportalen ({tg.inputs.supply.extract_date}) plus planlagte pladser "
        f"fra det år, de åbner.\n\n"
        f"- **{y.agreement_year}** ({y.agreement_label} slutter): "
        f"{format_int_da(a['required'])} nødvendige pladser. "
        + _gap_sentence(a, y.agreement_year)
        + f"\n- **{y.horizon_year}**: {format_int_da(h['required'])} nødvendige pladser. "
        + _gap_sentence(h, y.horizon_year)
        + f"\n- **Krydstjek**: en klassisk kømodel (Poisson) med samme forventede efterspørgsel "
        f"giver {format_int_da(h['poisson_required'])} pladser i {y.horizon_year}; den tager "
        f"højde for udsving fra dag til dag, som årsgennemsnit ikke viser. Ved den nuværende "
        f"kapacitet ville {_pct(h['erlang_b_blocking'], 1)} af henvisningerne møde fuldt "
        f"belagte pladser (Erlang-B)."
    )
    note = _divergence_text(tg)
    return markdown(text + (f"\n\n{note}" if note else ""))


# -- scenarios and the waterfall ---------------------------------------------------------------


def table_scenarios(tg: TargetGroupAnalysis) -> pl.DataFrame:
    """Required places, gap and P(shortage) under each named scenario, in the agreement year
    and the horizon year."""
    from capacity.gap.tables import table_scenarios as gap_scenarios

    years = sorted({tg.years.agreement_year, tg.years.horizon_year})
    frame = pl.concat([gap_scenarios(tg.scenarios, y) for y in years])
    # the service level is the same on every row: the caption states it (scenario_caption)
    return frame.drop("Målgruppe", "Serviceniveau").with_columns(
        pl.col("År").cast(pl.String),
        pl.col("Forventet efterspørgsel").round(0),
        pl.col("Manglende pladser (+) / overskud (−)").round(0),
    )


def scenario_caption(tg: TargetGroupAnalysis) -> str:
    """Title of the scenario table, stating the service level."""
    return (
        f"{tg.target_group}: scenarier i {tg.years.agreement_year} og {tg.years.horizon_year} — "
        f"serviceniveau {tg.gap['service_level'][0]}"
    )


def plot_scenarios(tg: TargetGroupAnalysis) -> go.Figure:
    """Places missing (+) or to spare (−) under each scenario, agreement year and horizon."""
    from capacity.gap.scenarios import load_scenarios

    labels = {k: v.label for k, v in load_scenarios().items()}
    names = tg.scenarios["scenario"].unique(maintain_order=True).to_list()
    fig = go.Figure()
    for year, colour in ((tg.years.agreement_year, "#6baed6"), (tg.years.horizon_year, "#08519c")):
        part = tg.scenarios.filter(pl.col("year") == year)
        gaps = dict(zip(part["scenario"].to_list(), part["gap"].to_list(), strict=True))
        fig.add_trace(
            go.Bar(
                x=[labels.get(n, n) for n in names],
                y=[round(gaps[n], 1) for n in names],
                name=str(year),
                marker_color=colour,
            )
        )
    level = tg.gap["service_level"][0]
    title = (
        f"{tg.target_group}: manglende pladser (+) / overskud (−) i scenarierne"
        f"<br><sup>{level}</sup>"
    )
    style_figure(fig, title, height=430, yaxis_title="Pladser")
    fig.update_layout(barmode="group")
    fig.add_hline(y=0, line_color="#555")
    return publish_or_explain(fig, title, "none")


def plot_waterfall(tg: TargetGroupAnalysis) -> go.Figure:
    """What drives the change in expected demand on the region's places to the horizon."""
    from capacity.gap.plots import plot_waterfall as gap_waterfall

    fig = gap_waterfall(tg.waterfall)
    fig.update_layout(height=430)
    return publish_or_explain(fig, fig.layout.title.text, "none")


def table_waterfall(tg: TargetGroupAnalysis) -> pl.DataFrame:
    """The waterfall's parts (they add up to the change from today to the horizon)."""
    from capacity.gap.tables import table_waterfall as gap_table

    return (
        gap_table(tg.waterfall)
        .drop("Målgruppe")
        .with_columns(pl.col(pl.Float64).round(1), pl.col("År").cast(pl.String))
    )


# -- use of places, prices, costs --------------------------------------------------------------


def use_of_places_table(mix: ProvisionMix) -> SuppressedTable:
    """Today's placements by location × provider, suppressed with margins.

    The 2 × 2 cross table with its margins is what the gap's in-region share rests on, so
    publishing it with secondary suppression keeps that share from revealing a small cell."""
    rows = [
        (LOCATION_LABELS["in_region"], PROVIDER_LABELS["public"], mix.public_in_region),
        (LOCATION_LABELS["in_region"], PROVIDER_LABELS["private"], mix.private_in_region),
        (LOCATION_LABELS["outside"], PROVIDER_LABELS["public"], mix.public_outside),
        (LOCATION_LABELS["outside"], PROVIDER_LABELS["private"], mix.private_outside),
    ]
    frame = pl.DataFrame(
        {
            "Placering": [r[0] for r in rows],
            "Udbyder": [r[1] for r in rows],
            "placements": [float(r[2]) for r in rows],
        }
    )
    return suppress_table(frame, row="Placering", col="Udbyder", count="placements")


def published_mix_shares(mix: ProvisionMix) -> tuple[float | None, float | None]:
    """(share outside the region, share with private providers) of today's placements with a
    known offer, from the published margins of use_of_places_table (None when hidden)."""
    cells = use_of_places_table(mix).publishable()
    margins = {
        (r["Placering"], r["Udbyder"]): r["placements"]
        for r in cells.filter(pl.col("cell_kind") != "cell").iter_rows(named=True)
    }
    total = margins.get((None, None))
    outside = margins.get((LOCATION_LABELS["outside"], None))
    private = margins.get((None, PROVIDER_LABELS["private"]))
    if not total:
        return None, None
    return (
        None if outside is None else outside / total,
        None if private is None else private / total,
    )


def table_use_of_places(tg: TargetGroupAnalysis) -> pl.DataFrame:
    """Where and with whom the region's citizens in the group are placed today."""
    return format_for_display(use_of_places_table(tg.inputs.mix), title="Antal placeringer i dag")


def describe_use_of_places(tg: TargetGroupAnalysis) -> Any:
    """Shares outside the region and with private providers, from the published margins."""
    outside, private = published_mix_shares(tg.inputs.mix)
    parts = []
    if outside is not None:
        parts.append(f"{format_percent_da(100 * outside, 0)} er uden for regionen")
    if private is not None:
        parts.append(
            f"{format_percent_da(100 * private, 0)} er hos private eller selvejende tilbud"
        )

    unknown = tg.inputs.mix.unknown
    text = (
        "Af dagens placeringer med kendt tilbud " + " og ".join(parts) + "."
        if parts
        else "Fordelingen kan ikke vises, fordi tallene er for små."
    )
    text += (
        f" {count_text(unknown)} placeringer har en leverandør, der ikke kunne kobles til "
        "Tilbudsportalen (ukendt tilbud); de indgår ikke i andelene."
        if unknown and not is_small_count(unknown)
        else ""
    )
    text += (
        " Kapacitetsberegningen regner med, at samme andel som i dag dækkes uden for regionen "
        "(scenariet *Hjemtagning* viser effekten af at flytte private placeringer hjem)."
    )
    return markdown(text)


def table_prices(tg: TargetGroupAnalysis) -> pl.DataFrame:
    """Private vs public prices for the group: the median paid annual price (hidden when it
    rests on fewer placements than the threshold) and the median døgntakst on Tilbudsportalen,
    with the difference a lånepulje application argues from."""
    row = tg.prices.filter(pl.col("target_group") == tg.target_group)
    if row.is_empty():
        return pl.DataFrame({"Besked": ["Ingen priser for målgruppen."]})
    r = row.row(0, named=True)
    limit = threshold()
    paid = {
        side: r[f"paid_{side}"] if (r[f"n_placements_{side}"] or 0) >= limit else None
        for side in ("public", "private")
    }
    takst = {side: r[f"takst_{side}"] for side in ("public", "private")}
    symbol = format_int_da(None)

    def money(value: float | None, hidden: bool, *, annual: bool = True) -> str:
        if hidden:
            return symbol
        if value is None:
            return ""
        # yearly amounts to the nearest 1.000 kr. (docs/privacy.md), a døgntakst to the krone
        return format_number(round_money(value) if annual else round(value), 0)

    def diff(a: float | None, b: float | None) -> float | None:
        return None if a is None or b is None else b - a

    n_pub, n_priv = r["n_placements_public"] or 0, r["n_placements_private"] or 0
    rows = []
    for side, n in (("public", n_pub), ("private", n_priv)):
        rows.append(
            {
                "Udbyder": PROVIDER_LABELS[side],
                "Betalt pris, median (kr. pr. år)": money(
                    paid[side], paid[side] is None and n > 0
                ),
                "Døgntakst på Tilbudsportalen, median (kr.)": money(
                    takst[side], False, annual=False
                ),
                "Døgntakst omregnet til kr. pr. år": money(
                    None if takst[side] is None else 365 * takst[side], False
                ),
                "Antal placeringer med pris": count_text(n),
                "Tilbud med takst": format_number(r[f"n_offers_{side}"] or 0, 0),
            }
        )
    paid_diff = diff(paid["public"], paid["private"])
    takst_diff = diff(takst["public"], takst["private"])
    rows.append(
        {
            "Udbyder": "Forskel (privat − offentlig)",
            "Betalt pris, median (kr. pr. år)": money(
                paid_diff, paid_diff is None and (n_pub > 0 and n_priv > 0)
            ),
            "Døgntakst på Tilbudsportalen, median (kr.)": money(takst_diff, False, annual=False),
            "Døgntakst omregnet til kr. pr. år": money(
                None if takst_diff is None else 365 * takst_diff, False
            ),
            "Antal placeringer med pris": "",
            "Tilbud med takst": "",
        }
    )
    return pl.DataFrame(rows)


def table_costs(tg: TargetGroupAnalysis) -> pl.DataFrame:
    """Cost of the forecast demand at fixed prices (takster frozen), mio. kr. per year."""
    from capacity.gap.tables import table_costs as gap_costs

    return (
        gap_costs(tg.costs)
        .drop("Målgruppe", "Scenarie")
        .with_columns(pl.col("År").cast(pl.String))
    )


def describe_costs(tg: TargetGroupAnalysis) -> Any:
    """Cost today and at the horizon in words."""
    row = tg.costs.filter(pl.col("year") == tg.years.horizon_year).row(0, named=True)
    return markdown(
        f"Udgiften til målgruppens pladser er i dag ca. **{format_mio_da(row['cost_today'])}** "
        f"om året og forventes i {tg.years.horizon_year} at blive "
        f"**{format_mio_da(row['cost_mean'])}** (80 %-interval "
        f"{format_mio_da(row['cost_p10'])} til {format_mio_da(row['cost_p90'])}) i "
        f"{row['price_basis']}. Priserne holdes faste, fordi takstaftalen fastfryser taksterne; "
        "beløbet viser altså udgiften til flere eller færre borgere, ikke prisudvikling."
    )


# -- the child -> adult pipeline ---------------------------------------------------------------


def _is_adult_group(target_group: str) -> bool:
    groups = load_conf("target_groups").get("groups", {})
    return groups.get(target_group, {}).get("area") == "adults"


def table_pipeline(con: duckdb.DuckDBPyConnection, target_group: str) -> pl.DataFrame:
    """Adult groups: young people who moved into the group from each children's group around
    their 18th birthday (all cohorts) and the share of each cohort that did. Children's groups:
    where the group's young people went at 18 (adult group, other, or no adult offer)."""
    rates = metrics.compute_transition_rates(con)
    adult = _is_adult_group(target_group)
    part = (
        rates.filter(pl.col("to_group") == target_group)
        if adult
        else rates.filter(pl.col("from_group") == target_group)
    )
    key = "from_group" if adult else "to_group"
    frame = part.select(pl.col(key).alias("key"), pl.col("persons").cast(pl.Float64))
    published = publish_counts(frame, row="key", count="persons", total=True)
    cohorts = {k: float(v) for k, v in zip(part[key], part["cohort_persons"], strict=True)}
    # adults: each children's group has its own cohort; children: one cohort, the group's own
    total_cohort = sum(cohorts.values()) if adult else next(iter(cohorts.values()), 0.0)
    symbol = format_int_da(None)
    rows = []
    for r in published.iter_rows(named=True):
        k, n = r["key"], r["persons"]
        cohort = cohorts.get(k, 0.0) if adult and k is not None else total_cohort
        share = None if n is None or not cohort else 100.0 * n / cohort
        row = {
            ("Fra børnemålgruppe" if adult else "Til"): "I alt"
            if k is None
            else _pipeline_label(k),
            "Antal unge": _shown(n),
            ("Andel af årgangen" if adult else "Andel"): symbol
            if n is None
            else format_percent_da(share, 1),
        }
        if adult:
            row["Unge i årgangene (17 år i børneanbringelse)"] = count_text(cohort)
        rows.append(row)
    return pl.DataFrame(rows)


def _pipeline_label(key: str) -> str:
    if key == "ingen":
        return "Intet voksentilbud inden for et år"
    return group_label(key, short=True)


def plot_pipeline(con: duckdb.DuckDBPyConnection, target_group: str) -> go.Figure:
    """Adult groups: young people moving into the group from children's placements per
    cohort (year of the 18th birthday). Children's groups: the group's 15-17-year-olds in a
    placement today, by age."""
    if _is_adult_group(target_group):
        rows = metrics.table_transitions(con).filter(pl.col("to_group") == target_group)
        per_year = rows.group_by("cohort_year").agg(pl.len().cast(pl.Float64).alias("persons"))
        years = metrics.compute_transition_rates(con, by_cohort=True)["cohort_year"].unique()
        frame = (
            pl.DataFrame({"year": years.cast(pl.Int64).sort()})
            .join(
                per_year.select(pl.col("cohort_year").cast(pl.Int64).alias("year"), "persons"),
                on="year",
                how="left",
            )
            .with_columns(pl.col("persons").fill_null(0.0))
        )
        published = publish_counts(frame, row="year", count="persons", total=True).filter(
            pl.col("year").is_not_null()
        )
        title = f"Unge fra børneområdet, der er gået videre til {target_group}, pr. årgang"
        fig = go.Figure(
            go.Bar(
                x=published["year"].to_list(),
                y=nulls_to_none(published["persons"].to_list()),
                marker_color=group_colour(target_group),
                name="Unge",
            )
        )
        style_figure(fig, title, height=380, xaxis_title="Årgang (år for 18-årsdagen)",
                     yaxis_title="Antal unge")  # fmt: skip
        fig.update_xaxes(dtick=1)
        return publish_or_explain(fig, title)
    young = metrics.compute_pipeline(con, level="region").filter(
        pl.col("target_group") == target_group
    )
    frame = young.select(pl.col("age").cast(pl.Int64), pl.col("persons").cast(pl.Float64))
    published = publish_counts(frame, row="age", count="persons", total=True).filter(
        pl.col("age").is_not_null()
    )
    title = f"Unge på 15-17 år i {target_group} i dag: de kommende års overgange til voksenområdet"
    fig = go.Figure(
        go.Bar(
            x=[f"{a} år" for a in published["age"].to_list()],
            y=nulls_to_none(published["persons"].to_list()),
            marker_color=group_colour(target_group),
            name="Unge",
        )
    )
    style_figure(fig, title, height=380, xaxis_title="Alder i dag", yaxis_title="Antal unge")
    return publish_or_explain(fig, title)


def _published_transitions(rates: pl.DataFrame, key: str) -> tuple[dict[str, float], float | None]:
    """Transition counts as published by table_pipeline (suppressed ones left out) and the
    published total; text computed from these reveals nothing the table does not."""
    frame = rates.select(pl.col(key).alias("key"), pl.col("persons").cast(pl.Float64))
    published = publish_counts(frame, row="key", count="persons", total=True)
    cells = {
        r["key"]: r["persons"]
        for r in published.iter_rows(named=True)
        if r["key"] is not None and r["persons"] is not None
    }
    total = published.filter(pl.col("key").is_null())["persons"]
    return cells, (None if total.is_empty() else total[0])


def compute_expected_transitions(
    con: duckdb.DuckDBPyConnection,
    target_group: str,
    *,
    rates: pl.DataFrame | None = None,
    young: pl.DataFrame | None = None,
) -> float:
    """Young people expected to move into an adult group over the next three years: today's
    15-17-year-olds in children's placements times the observed transition rates, from the
    published cells of the transition table (suppressed cells enter with one pooled rate,
    which the published total implies)."""
    rates = rates if rates is not None else metrics.compute_transition_rates(con)
    young = young if young is not None else metrics.compute_pipeline(con, level="region")
    part = rates.filter(pl.col("to_group") == target_group)
    cohorts = dict(zip(part["from_group"], part["cohort_persons"], strict=True))
    cells, total = _published_transitions(part, "from_group")
    hidden = [g for g in cohorts if g not in cells]
    hidden_cohort = sum(float(cohorts[g]) for g in hidden)
    pooled = (
        (total - sum(cells.values())) / hidden_cohort
        if total is not None and hidden_cohort
        else 0.0
    )
    rate = {g: (cells[g] / cohorts[g] if cohorts[g] else 0.0) for g in cells}
    rate |= dict.fromkeys(hidden, pooled)
    return float(
        sum(r["persons"] * rate.get(r["target_group"], 0.0) for r in young.iter_rows(named=True))
    )


def describe_pipeline(con: duckdb.DuckDBPyConnection, target_group: str) -> Any:
    """Expected transitions of today's 15-17-year-olds at the observed transition rates,
    computed from the published cells of the transition table only."""
    rates = metrics.compute_transition_rates(con)
    young = metrics.compute_pipeline(con, level="region")
    if _is_adult_group(target_group):
        expected = compute_expected_transitions(con, target_group, rates=rates, young=young)
        total_young = float(young["persons"].sum())
        return markdown(
            f"I dag er {count_text(total_young)} unge på 15-17 år anbragt eller i et "
            f"børnetilbud. Med de observerede overgangsrater svarer det til omkring "
            f"**{count_text(expected)} unge i {target_group} over de næste tre år** (ca. "
            f"{count_text(expected / 3)} om året). Fremskrivningens bestand-strøm-model "
            f"bruger samme kobling: tilgangen fra børneområdet indgår i målgruppens tilgang."
        )
    own = float(young.filter(pl.col("target_group") == target_group)["persons"].sum())
    part = rates.filter(pl.col("from_group") == target_group)
    cells, total = _published_transitions(part, "to_group")
    text = f"I dag er **{count_text(own)} unge på 15-17 år** i målgruppen."
    if total and "ingen" in cells:
        onward = (total - cells["ingen"]) / total
        text += (
            f" Med de observerede overgangsrater går omkring **{_pct(onward)}** af en årgang "
            f"videre til et voksentilbud (botilbud og lignende) inden for et år efter "
            f"18-årsdagen — det svarer til ca. {count_text(own * onward)} af dagens "
            f"15-17-årige over de næste tre år."
        )
    return markdown(text)


# -- length of stay ----------------------------------------------------------------------------


def _length_of_stay(con: duckdb.DuckDBPyConnection, target_group: str):
    return metrics.compute_length_of_stay(con, target_group=target_group)


def table_length_of_stay(con: duckdb.DuckDBPyConnection, target_group: str) -> pl.DataFrame:
    """Kaplan-Meier length of stay of the group's stays: median with 95 % interval and the
    share still in a place after 1, 2 and 5 years."""
    summary, _ = _length_of_stay(con, target_group)
    if summary.is_empty():
        return pl.DataFrame({"Besked": ["Ingen forløb i målgruppen."]})
    r = summary.row(0, named=True)
    years = 365.25
    if is_small_count(r["n"]):
        return pl.DataFrame({"Besked": [f"Færre end {threshold()} forløb: vises ikke."]})

    def yrs(v: float | None) -> str:
        return "" if v is None else format_number(v / years, 1)

    return pl.DataFrame(
        {
            "Antal forløb": [count_text(r["n"])],
            "Heraf afsluttede": [count_text(r["events"])],
            "Median opholdstid (år)": [yrs(r["median_days"])],
            "95 %-interval for medianen (år)": [
                f"{yrs(r['median_ci_lower'])}-{yrs(r['median_ci_upper'])}"
                if r["median_ci_lower"] is not None and r["median_ci_upper"] is not None
                else ""
            ],
            "Stadig i tilbud efter 1 år": [_pct(r["survival_1y"])],
            "Efter 2 år": [_pct(r["survival_2y"])],
            "Efter 5 år": [_pct(r["survival_5y"])],
        }
    )


def plot_length_of_stay(con: duckdb.DuckDBPyConnection, target_group: str) -> go.Figure:
    """Kaplan-Meier curve with its 95 % band; it stops where fewer than the threshold number
    of stays are still at risk (so a step never stands for one or two persons)."""
    _, curve = _length_of_stay(con, target_group)
    title = f"{target_group}: andel af forløbene, der stadig er i gang (Kaplan-Meier)"
    part = curve.filter(pl.col("at_risk") >= threshold()).sort("days")
    if part.is_empty():
        return empty_figure(title, "For få forløb til at vise en kurve.")
    grid = pl.DataFrame({"days": [float(d) for d in range(0, int(part["days"].max()) + 1, 30)]})
    sampled = grid.join_asof(part, on="days", strategy="backward")
    x = (sampled["days"] / 365.25).round(2).to_list()
    fig = go.Figure()
    fig.add_trace(
        band_trace(
            x,
            (100 * sampled["ci_lower"]).round(1).to_list(),
            (100 * sampled["ci_upper"]).round(1).to_list(),
            name="95 %-interval",
            fillcolor="rgba(31, 95, 139, 0.15)",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=x,
            y=(100 * sampled["survival"]).round(1).to_list(),
            mode="lines",
            line={"color": group_colour(target_group), "width": 3, "shape": "hv"},
            name="Stadig i tilbud",
            hovertemplate="Efter %{x:.1f} år: %{y:.0f} %<extra></extra>",
        )
    )
    style_figure(
        fig,
        title,
        height=400,
        xaxis_title="År siden forløbets start",
        yaxis_title="Stadig i tilbud (%)",
    )
    fig.update_yaxes(range=[0, 100])
    fig.update_xaxes(range=[0, min(20.0, max(x) if x else 20.0)])
    return publish_or_explain(fig, title, "none")


# -- what the page hands on --------------------------------------------------------------------


def summary_target_group(tg: TargetGroupAnalysis) -> dict[str, Any]:
    """Headline figures for summary.json (keys of person counts end in `_persons`; modelled
    persons count as persons, and a value 1-4 is left out)."""
    y = tg.years
    fc = principal_rows(tg, "census")

    def at(year: int) -> dict[str, Any]:
        return fc.filter(pl.col("year") == year).row(0, named=True)

    a, h = at(y.agreement_year), at(y.horizon_year)
    gap_a, gap_h = tg.gap_row(y.agreement_year), tg.gap_row(y.horizon_year)
    cost_h = tg.costs.filter(pl.col("year") == y.horizon_year).row(0, named=True)
    principal = tg.forecast.principal.get("census", "")
    return {
        "target_group": tg.target_group,
        "label": tg.label,
        "base_year": y.base_year,
        "agreement_year": y.agreement_year,
        "horizon_year": y.horizon_year,
        "census_today_persons": person_value(tg.inputs.demand.base_census),
        "forecast_agreement_persons": person_value(a["mean"]),
        "forecast_horizon_persons": person_value(h["mean"]),
        "forecast_horizon_p10_persons": person_value(h["p10"]),
        "forecast_horizon_p90_persons": person_value(h["p90"]),
        "principal_model": principal,
        "principal_model_label": MODEL_LABELS.get(principal, principal),
        "service_level": gap_h["service_level"],
        "counting_method": gap_h["counting_method"],
        "places_apportioned": round(float(gap_h["places_apportioned"]), 1),
        "places_counted": round(float(gap_h["places_counted"]), 1),
        "required_places_agreement": int(gap_a["required"]),
        "required_places_horizon": int(gap_h["required"]),
        "gap_places_agreement": round(float(gap_a["gap"]), 1),
        "gap_places_horizon": round(float(gap_h["gap"]), 1),
        "gap_counted_places_horizon": round(float(gap_h["gap_counted"]), 1),
        "p_shortage_agreement": round(float(gap_a["p_shortage"]), 3),
        "p_shortage_horizon": round(float(gap_h["p_shortage"]), 3),
        "cost_today_mio_kr": round(float(cost_h["cost_today"]) / 1e6, 1),
        "cost_horizon_mio_kr": round(float(cost_h["cost_mean"]) / 1e6, 1),
    }


def _danish_note(note: str) -> str | None:
    """A technical note of the forecast or gap library in Danish (None: already explained on
    the page)."""
    import re

    if "as principal census model" in note:
        return None  # describe_principal explains why the gap uses the simulated paths
    m = re.match(r"(\d+) episodes split by a relabelling", note)
    if m:
        n = int(m.group(1))
        amount = count_text(n) if not is_small_count(n) else "nogle"
        return (
            f"{amount} forløb, der var delt i to af en omkodning ved et databrud (fx "
            "overgangen til barnets lov i 2024), er samlet igen, så bruddet ikke ligner en "
            "ændring i efterspørgslen"
        )
    if note.startswith("population projection missing"):
        return "befolkningsprognosen mangler for nogle år; det seneste kendte år er ført videre"
    if note.startswith("no backtest"):
        return "historikken er for kort til en backtest; standardmodellen er brugt"
    m = re.match(r"prices and today's mix are from (\d+), the forecast's base year is (\d+)", note)
    if m:
        return (
            f"priser og dagens fordeling på udbydere er fra {m.group(1)}, fremskrivningens "
            f"basisår er {m.group(2)}"
        )
    return note


def forecast_notes(tg: TargetGroupAnalysis) -> Any:
    """The forecast's and the gap's technical notes (series breaks, fallbacks), in Danish."""
    notes = [_danish_note(n) for n in dict.fromkeys([*tg.forecast.notes, *tg.notes])]
    notes = [n for n in notes if n]
    if not notes:
        return markdown("")
    return markdown("*Tekniske noter til beregningen:* " + "; ".join(notes) + ".")


# Decimals of the numeric columns of this module's tables (Page.table's `decimals`).
DECIMALS: dict[str, int] = {
    "Relativ MAE (naiv = 1)": 2,
    "MASE": 2,
    "Skævhed (gns. fejl, borgere pr. dag)": 1,
    "CRPS": 1,
    "Sandsynlighed for mangel, %": 1,
    "Udgift i dag (mio. kr.)": 1,
    "Forventet udgift (mio. kr.)": 1,
    "Udgift P10 (mio. kr.)": 1,
    "Udgift P90 (mio. kr.)": 1,
    "I dag": 1,
    "Demografi": 1,
    "Udvikling i forbrugsrate": 1,
    "Opholdstid": 1,
    "Scenarie (hjemtagning m.m.)": 1,
    "I horisontåret": 1,
}


def footnote_suppressed() -> str:
    """The footnote under tables with suppressed cells."""
    return suppression_footnote()


__all__ = [
    "DECIMALS",
    "ReportYears",
    "TargetGroupAnalysis",
    "compute_expected_transitions",
    "compute_target_group",
    "count_text",
    "describe_costs",
    "describe_gap",
    "describe_headline",
    "describe_pipeline",
    "describe_principal",
    "describe_use_of_places",
    "interval_text",
    "is_small_count",
    "footnote_suppressed",
    "forecast_notes",
    "gap_caption",
    "person_value",
    "model_divergence",
    "plot_backtest",
    "plot_forecast",
    "plot_forecast_table",
    "plot_gap",
    "plot_history",
    "plot_length_of_stay",
    "plot_pipeline",
    "plot_scenarios",
    "plot_waterfall",
    "principal_rows",
    "publish_or_explain",
    "published_mix_shares",
    "report_years",
    "scenario_caption",
    "summary_target_group",
    "table_backtest",
    "table_costs",
    "table_forecast",
    "table_gap",
    "table_history",
    "table_length_of_stay",
    "table_pipeline",
    "table_prices",
    "table_scenarios",
    "table_use_of_places",
    "table_waterfall",
    "target_group_slug",
    "use_of_places_table",
]
