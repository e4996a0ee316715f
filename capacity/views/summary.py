"""The regional summary for the framework agreement (and the inputs the theme-day slides share):
one table of the seven target groups, the lånepulje view, municipality forecasts where they
may be published, and a short Danish narrative answering DESIGN.md §1.

In a report run everything is read from the target-group pages' results (capacity.results):
nothing is forecast again. An analyst in JupyterLab (no run folder) gets the same figures
computed on the spot (`load_summary_inputs`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb
import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from capacity import metrics
from capacity.disclosure import round_money, suppress_table
from capacity.disclosure.display import format_for_display
from capacity.errors import MissingDataError
from capacity.figures import band_trace
from capacity.forecast.outputs import MODEL_LABELS
from capacity.gap.inputs import DemandPaths, GapInputs
from capacity.gap.labels import SEVEN_GROUPS
from capacity.views.common import (
    GROUP_SHORT_LABELS,
    format_int_da,
    format_number,
    format_percent_da,
    group_colour,
    group_label,
    markdown,
    municipality_name,
    region_municipalities,
    style_figure,
    suppression_footnote,
    threshold,
)
from capacity.views.target_group import (
    ReportYears,
    compute_expected_transitions,
    count_text,
    interval_text,
    is_small_count,
    person_value,
    plot_forecast_table,
    publish_or_explain,
    published_mix_shares,
    report_years,
)


@dataclass(frozen=True)
class SummaryInputs:
    """What the summary and the slides show, for every target group with results."""

    forecasts: pl.DataFrame  # DESIGN §4b forecast tables, all groups
    scoreboards: pl.DataFrame  # backtest scoreboards (principal flag), all groups
    gap: pl.DataFrame  # basis scenario, every group and forecast year
    costs: pl.DataFrame  # basis scenario
    inputs: tuple[GapInputs, ...]  # demand paths, supply and today's mix per group
    prices: pl.DataFrame  # private vs public prices per group
    years: ReportYears
    from_run: bool  # read from the run's stage-1 results (True) or computed here
    missing: tuple[str, ...] = ()  # groups without results (their page failed)

    @property
    def groups(self) -> list[str]:
        return [i.target_group for i in self.inputs]

    def by_group(self, target_group: str) -> GapInputs:
        for i in self.inputs:
            if i.target_group == target_group:
                return i
        raise KeyError(target_group)


def build_gap_inputs(
    con: duckdb.DuckDBPyConnection, demand: dict[str, DemandPaths]
) -> tuple[GapInputs, ...]:
    """GapInputs from saved demand paths plus today's supply and mix (capacity.gap.adapters);
    the shared metrics are read once."""
    from capacity.gap.adapters import load_planned, load_provision_mix, load_supply
    from capacity.metrics.base import derived_state

    supply = metrics.compute_supply(con)
    planned = load_planned(con)
    status = metrics.table_placement_status(con)
    year = derived_state(con).default_year()
    costs = metrics.table_placement_costs(con, year=year, all_offer_types=False)
    return tuple(
        GapInputs(
            demand[g],
            load_supply(con, g, supply=supply, planned=planned),
            load_provision_mix(con, g, status=status, costs=costs, year=year),
        )
        for g in SEVEN_GROUPS
        if g in demand
    )


def _compute_here(con: duckdb.DuckDBPyConnection) -> SummaryInputs:
    """Forecast (with backtest) and derive everything, as the target-group pages would."""
    from capacity.forecast import forecast_target_group, load_forecast_input
    from capacity.gap import compute_costs, compute_gap_all
    from capacity.gap.adapters import load_all_gap_inputs, load_price_difference

    results = {g: forecast_target_group(load_forecast_input(con, g)) for g in SEVEN_GROUPS}
    loaded = load_all_gap_inputs(con, SEVEN_GROUPS, forecasts=results)
    boards = [
        r.scoreboard.join(
            pl.DataFrame(
                {"quantity": list(r.principal), "model": list(r.principal.values())},
                schema={"quantity": pl.String, "model": pl.String},
            ).with_columns(pl.lit(True).alias("principal")),
            on=["quantity", "model"],
            how="left",
        ).with_columns(pl.col("principal").fill_null(False))
        for r in results.values()
        if r.scoreboard.width
    ]
    demand = loaded.inputs[0].demand
    return SummaryInputs(
        forecasts=pl.concat([r.table for r in results.values()], how="diagonal_relaxed"),
        scoreboards=pl.concat(boards, how="diagonal_relaxed") if boards else pl.DataFrame(),
        gap=compute_gap_all(loaded.inputs),
        costs=pl.concat([compute_costs(i) for i in loaded.inputs]),
        inputs=tuple(loaded.inputs),
        prices=load_price_difference(con),
        years=report_years(demand.years, demand.base_year),
        from_run=False,
    )


def load_summary_inputs(page: Any) -> SummaryInputs:
    """The summary's inputs: from the run's stage-1 results when there are any, otherwise
    (an analyst outside a report run) computed on the spot."""
    from capacity.gap.adapters import load_price_difference
    from capacity.results import (
        load_run_costs,
        load_run_demand,
        load_run_forecasts,
        load_run_gaps,
        load_run_scoreboards,
    )

    demand = load_run_demand(page)
    forecasts = load_run_forecasts(page)
    gaps = load_run_gaps(page)
    if demand is None or forecasts is None or gaps is None:
        return _compute_here(page.con)
    inputs = build_gap_inputs(page.con, demand)
    groups = [i.target_group for i in inputs]
    first = inputs[0].demand
    costs = load_run_costs(page)
    boards = load_run_scoreboards(page)
    return SummaryInputs(
        forecasts=forecasts,
        scoreboards=boards if boards is not None else pl.DataFrame(),
        gap=gaps.filter(pl.col("target_group").is_in(groups)),
        costs=costs if costs is not None else pl.DataFrame(),
        inputs=inputs,
        prices=load_price_difference(page.con),
        years=report_years(first.years, first.base_year),
        from_run=True,
        missing=tuple(g for g in SEVEN_GROUPS if g not in groups),
    )


# Decimals of the numeric columns of this module's tables (Page.table's `decimals`).
DECIMALS: dict[str, int] = {
    "Pladser i dag": 0,
    "Mangel før planlagte pladser": 0,
    "Mangel efter planlagte pladser": 0,
    "Besparelse (+) / merudgift (−) hvis de planlagte pladser erstatter private, mio. kr./år": 1,
}


# -- helpers -----------------------------------------------------------------------------------


def _principal(si: SummaryInputs, group: str, year: int, level: str = "region") -> dict:
    rows = si.forecasts.filter(
        (pl.col("target_group") == group)
        & (pl.col("level") == level)
        & (pl.col("quantity") == "census")
        & (pl.col("model") == "principal")
        & (pl.col("year") == year)
    )
    return rows.row(0, named=True) if rows.height else {}


def _gap(si: SummaryInputs, group: str, year: int) -> dict:
    rows = si.gap.filter((pl.col("target_group") == group) & (pl.col("year") == year))
    return rows.row(0, named=True) if rows.height else {}


def _cost(si: SummaryInputs, group: str, year: int) -> dict:
    if si.costs.is_empty():
        return {}
    rows = si.costs.filter((pl.col("target_group") == group) & (pl.col("year") == year))
    return rows.row(0, named=True) if rows.height else {}


def service_level(si: SummaryInputs) -> str:
    """The service level every gap figure is stated at."""
    return str(si.gap["service_level"][0]) if si.gap.height else ""


def page_link(target_group: str) -> str:
    """Relative link to a target group's page in the run folder."""
    from capacity.views.target_group import target_group_slug

    return f"{target_group_slug(target_group)}.html"


# -- the table of the seven groups -------------------------------------------------------------


def summary_caption(si: SummaryInputs) -> str:
    """Title of the framework table, stating the service level and the counting method."""
    method = si.gap["counting_method"][0] if si.gap.height else "apportioned"
    count = "fordelte pladser" if method == "apportioned" else "pladser talt i alle målgrupper"
    return (
        f"De syv målgrupper: borgere, fremskrivning, pladser og udgift — hele regionen, "
        f"serviceniveau {service_level(si)}, kapacitet opgjort som {count}"
    )


def table_framework(si: SummaryInputs) -> pl.DataFrame:
    """One row per target group (and a total): citizens today, the forecast at the end of the
    agreement period and at the horizon (80 % interval), places today by both counts, planned
    places, places required, the gap by both counts, P(shortage) and the cost at fixed prices.

    A total of gaps is left out: places to spare in one group do not cover a shortage in
    another."""
    y = si.years
    a, h = y.agreement_year, y.horizon_year
    rows = []
    totals: dict[str, float] = {}

    def add(key: str, value: float | None) -> float | None:
        if value is not None:
            totals[key] = totals.get(key, 0.0) + float(value)
        return value

    def with_interval(row: dict, key: str) -> str:
        mean = count_text(add(key, row.get("mean")))
        interval = interval_text(row.get("p10"), row.get("p90"))
        return f"{mean} ({interval})" if interval else mean

    for g in si.groups:
        fa, fh = _principal(si, g, a), _principal(si, g, h)
        ga, gh = _gap(si, g, a), _gap(si, g, h)
        ch = _cost(si, g, h)
        places = (
            f"{format_number(add('pa', gh.get('places_apportioned')))} / "
            f"{format_number(gh.get('places_counted'))}"
        )
        rows.append(
            {
                "Målgruppe": GROUP_SHORT_LABELS.get(g, g),
                f"Borgere pr. dag {y.base_year}": count_text(
                    add("today", si.by_group(g).demand.base_census)
                ),
                f"Forventet {a} (80 %-interval)": with_interval(fa, "fa"),
                f"Forventet {h} (80 %-interval)": with_interval(fh, "fh"),
                "Pladser i dag: fordelte / talt i alle": places,
                f"Heraf planlagte, åbnet {h}": format_number(add("pl", gh.get("planned_places"))),
                f"Nødvendige pladser {h}": format_number(add("req", gh.get("required"))),
                f"Manglende (+) / overskud (−) {a}": format_number(ga.get("gap")),
                f"Manglende (+) / overskud (−) {h}: fordelte / talt i alle": (
                    f"{format_number(gh.get('gap'))} / {format_number(gh.get('gap_counted'))}"
                    if gh
                    else ""
                ),
                f"Sandsynlighed for mangel {h}": _pct(gh.get("p_shortage")),
                f"Udgift i dag / {h} (mio. kr.)": (
                    f"{_mio(add('ct', ch.get('cost_today')))} / "
                    f"{_mio(add('cm', ch.get('cost_mean')))}"
                    if ch
                    else ""
                ),
            }
        )
    if rows:
        rows.append(
            {
                "Målgruppe": "I alt (syv målgrupper)",
                f"Borgere pr. dag {y.base_year}": count_text(totals.get("today")),
                f"Forventet {a} (80 %-interval)": count_text(totals.get("fa")),
                f"Forventet {h} (80 %-interval)": count_text(totals.get("fh")),
                "Pladser i dag: fordelte / talt i alle": format_number(totals.get("pa")),
                f"Heraf planlagte, åbnet {h}": format_number(totals.get("pl")),
                f"Nødvendige pladser {h}": format_number(totals.get("req")),
                f"Manglende (+) / overskud (−) {a}": "",
                f"Manglende (+) / overskud (−) {h}: fordelte / talt i alle": "",
                f"Sandsynlighed for mangel {h}": "",
                f"Udgift i dag / {h} (mio. kr.)": (
                    f"{_mio(totals.get('ct'))} / {_mio(totals.get('cm'))}"
                ),
            }
        )
    return pl.DataFrame(rows)


def _pct(value: float | None, decimals: int = 0) -> str:
    return "" if value is None else format_percent_da(100.0 * float(value), decimals)


def _mio(value: float | None) -> str:
    return "" if value is None else format_number(float(value) / 1e6, 1)


def table_forecast_quality(si: SummaryInputs) -> pl.DataFrame:
    """Per target group: the principal model of the census forecast and how it did in the
    backtest at region level (relative MAE vs naive at 1-2 and 3-4 years ahead, coverage)."""
    if si.scoreboards.is_empty():
        return pl.DataFrame({"Besked": ["Ingen backtest i denne kørsel."]})
    board = si.scoreboards.filter(
        (pl.col("quantity") == "census") & (pl.col("level") == "region") & pl.col("principal")
    )
    rows = []
    for g in si.groups:
        part = board.filter(pl.col("target_group") == g)
        if part.is_empty():
            continue
        near = part.filter(pl.col("h") <= 2)
        far = part.filter(pl.col("h") >= 3)
        n = float(part["n"].sum())
        rows.append(
            {
                "Målgruppe": GROUP_SHORT_LABELS.get(g, g),
                "Hovedmodel": MODEL_LABELS.get(part["model"][0], part["model"][0]),
                "Relativ MAE 1-2 år frem": format_number(near["rmae"].mean(), 2),
                "Relativ MAE 3-4 år frem": format_number(far["rmae"].mean(), 2),
                "Dækning af 80 %-interval": _pct(float((part["cov80"] * part["n"]).sum()) / n)
                if n
                else "",
                "Dækning af 95 %-interval": _pct(float((part["cov95"] * part["n"]).sum()) / n)
                if n
                else "",
            }
        )
    return pl.DataFrame(rows)


# -- figures -----------------------------------------------------------------------------------


def plot_forecasts(si: SummaryInputs, height: int = 620) -> go.Figure:
    """Small multiples: each group's observed census and principal forecast with its 80 %
    band, region level."""
    groups = si.groups
    cols = 4
    rows = (len(groups) + cols - 1) // cols
    fig = make_subplots(
        rows=rows,
        cols=cols,
        subplot_titles=[GROUP_SHORT_LABELS.get(g, g) for g in groups],
        horizontal_spacing=0.06,
        vertical_spacing=0.14,
    )
    for k, g in enumerate(groups):
        r, c = k // cols + 1, k % cols + 1
        part = si.forecasts.filter(
            (pl.col("target_group") == g)
            & (pl.col("level") == "region")
            & (pl.col("quantity") == "census")
        )
        obs = part.filter(pl.col("model") == "observed").sort("year")
        fc = part.filter(pl.col("model") == "principal").sort("year")
        # the forecast starts from the last observed value, so the lines join up
        last = obs.tail(1)
        start_x, start_y = last["year"].to_list(), last["observed"].to_list()
        years = start_x + fc["year"].to_list()
        colour = group_colour(g)
        fig.add_trace(
            band_trace(
                years,
                start_y + fc["p10"].to_list(),
                start_y + fc["p90"].to_list(),
                name="80 %-interval",
                fillcolor="rgba(31, 119, 180, 0.2)",
                mode="lines",
                showlegend=k == 0,
                legendgroup="band",
            ),
            row=r,
            col=c,
        )
        fig.add_trace(
            go.Scatter(
                x=obs["year"].to_list(),
                y=obs["observed"].to_list(),
                mode="lines",
                line={"color": "black", "width": 2},
                showlegend=k == 0,
                name="Observeret",
                legendgroup="obs",
            ),
            row=r,
            col=c,
        )
        fig.add_trace(
            go.Scatter(
                x=years,
                y=start_y + fc["mean"].to_list(),
                mode="lines",
                line={"color": colour, "width": 3},
                showlegend=k == 0,
                name="Fremskrivning (hovedmodel)",
                legendgroup="fc",
            ),
            row=r,
            col=c,
        )
    title = "Borgere pr. dag (gennemsnitlig belægning) pr. målgruppe, observeret og fremskrevet"
    style_figure(fig, title, height=height)
    if len(groups) % cols:  # the legend goes into the empty panel
        fig.update_layout(
            legend={
                "orientation": "v",
                "x": 0.8,
                "y": 0.25,
                "xanchor": "left",
                "yanchor": "middle",
            }
        )
    fig.update_yaxes(rangemode="tozero")
    fig.update_xaxes(dtick=4)
    return publish_or_explain(fig, title)


def plot_gap_by_group(si: SummaryInputs, height: int = 460) -> go.Figure:
    """Places missing (+) or to spare (−) per group in the agreement year and at the
    horizon, principal count (the other count is in table_framework: on one axis, its much
    larger surpluses would flatten the bars)."""
    y = si.years
    fig = go.Figure()
    for year, colour in ((y.agreement_year, "#6baed6"), (y.horizon_year, "#08519c")):
        part = si.gap.filter(pl.col("year") == year).sort("target_group")
        fig.add_trace(
            go.Bar(
                x=part["target_group"].to_list(),
                y=part["gap"].round(0).to_list(),
                name=f"{year}, {_method_label(si)}",
                marker_color=colour,
                offsetgroup=str(year),
            )
        )
    title = (
        f"Manglende pladser (+) / overskud (−) pr. målgruppe, {_method_label(si)}"
        f"<br><sup>{service_level(si)} · talt i alle målgrupper: se tabellen</sup>"
    )
    style_figure(fig, title, height=height, xaxis_title="Målgruppe", yaxis_title="Pladser")
    fig.update_layout(barmode="group")
    fig.add_hline(y=0, line_color="#555")
    return publish_or_explain(fig, title, "none")


def _method(si: SummaryInputs) -> str:
    return str(si.gap["counting_method"][0]) if si.gap.height else "apportioned"


def _method_label(si: SummaryInputs, method: str | None = None) -> str:
    method = method or _method(si)
    return "fordelte pladser" if method == "apportioned" else "talt i alle målgrupper"


# -- the lånepulje -----------------------------------------------------------------------------


def compute_lanepulje_view(si: SummaryInputs, year: int | None = None) -> pl.DataFrame:
    """capacity.gap.compute_lanepulje for the basis gap in `year` (default: the agreement
    year), with today's mixes and the paid price difference."""
    from capacity.gap import compute_lanepulje

    year = year or si.years.agreement_year
    return compute_lanepulje(
        si.gap, year, [i.mix for i in si.inputs], _published_prices(si.prices)
    )


def _published_prices(prices: pl.DataFrame) -> pl.DataFrame:
    """Prices with the paid price hidden where it rests on fewer placements than the
    threshold (money follows its count); the difference then disappears too."""
    limit = threshold()
    return prices.with_columns(
        pl.when(pl.col("n_placements_public").fill_null(0) < limit)
        .then(None)
        .otherwise(pl.col("paid_public"))
        .alias("paid_public"),
        pl.when(pl.col("n_placements_private").fill_null(0) < limit)
        .then(None)
        .otherwise(pl.col("paid_private"))
        .alias("paid_private"),
    ).with_columns((pl.col("paid_private") - pl.col("paid_public")).alias("paid_difference"))


def table_lanepulje(si: SummaryInputs, year: int | None = None) -> pl.DataFrame:
    """Planned places per group against the gap, internal vs for other municipalities."""
    from capacity.gap.tables import table_lanepulje as gap_table

    view = compute_lanepulje_view(si, year)
    return (
        gap_table(view)
        .drop("Målgruppe (navn)", "Serviceniveau")
        .with_columns(pl.col("År").cast(pl.String))
    )


def lanepulje_caption(si: SummaryInputs, year: int | None = None) -> str:
    """Title of the lånepulje table, stating the year and the service level."""
    year = year or si.years.agreement_year
    return f"Lånepuljen og andre planer mod behovet i {year} — serviceniveau {service_level(si)}"


def plot_lanepulje(si: SummaryInputs, year: int | None = None, height: int = 460) -> go.Figure:
    """Places missing before plans against planned places (internal / for others)."""
    from capacity.gap.plots import plot_lanepulje as gap_plot

    fig = gap_plot(compute_lanepulje_view(si, year), height=height)
    fig.update_layout(font={"size": 13})
    fig.add_hline(y=0, line_color="#555")
    return publish_or_explain(fig, fig.layout.title.text, "none")


def table_planned_projects(si: SummaryInputs) -> pl.DataFrame:
    """Every planned project (lånepulje and other plans)."""
    from capacity.gap import compute_planned_projects
    from capacity.gap.tables import table_planned_projects as gap_table

    projects = compute_planned_projects([i.supply for i in si.inputs])
    if projects.is_empty():
        return pl.DataFrame({"Besked": ["Ingen planlagte projekter."]})
    return gap_table(projects).with_columns(pl.col("Åbner").cast(pl.String))


def table_prices(si: SummaryInputs) -> pl.DataFrame:
    """Private vs public prices per group: median paid annual price (hidden where fewer
    placements than the threshold), median døgntakst, and the differences."""
    prices = _published_prices(si.prices).filter(pl.col("target_group").is_in(si.groups))
    symbol = format_int_da(None)
    limit = threshold()
    rows = []
    for r in prices.sort("target_group").iter_rows(named=True):

        def paid(side: str, r: dict = r) -> str:
            n = r[f"n_placements_{side}"] or 0
            if 0 < n < limit:
                return symbol
            value = r[f"paid_{side}"]
            return "" if value is None else format_number(round_money(value))

        diff = r["paid_difference"]
        rows.append(
            {
                "Målgruppe": GROUP_SHORT_LABELS.get(r["target_group"], r["target_group"]),
                "Betalt pris, offentlig (kr. pr. år)": paid("public"),
                "Betalt pris, privat/selvejende (kr. pr. år)": paid("private"),
                "Forskel betalt pris (kr. pr. år)": ""
                if diff is None
                else format_number(round_money(diff)),
                "Døgntakst, offentlig (kr.)": _kr(r["takst_public"]),
                "Døgntakst, privat/selvejende (kr.)": _kr(r["takst_private"]),
                "Forskel døgntakst (kr.)": _kr(r["takst_difference"]),
            }
        )
    return pl.DataFrame(rows)


def _kr(value: float | None) -> str:
    return "" if value is None else format_number(round(float(value)))


# -- municipality forecasts --------------------------------------------------------------------


def table_municipality_forecasts(si: SummaryInputs, publishable: pl.DataFrame) -> pl.DataFrame:
    """Expected citizens per day at the horizon per municipality × target group (principal
    model), shown only where the municipality's series may be published (docs/privacy.md
    §2.4) and audited like a count table, so a hidden cell cannot be worked out from the
    region totals (`publishable`: capacity.views.suppressed.load_publishable_series)."""
    h = si.years.horizon_year
    names = region_municipalities()
    codes = sorted(names, key=lambda c: names[c])  # alphabetical, as readers look them up
    part = si.forecasts.filter(
        (pl.col("level") == "municipality")
        & (pl.col("quantity") == "census")
        & (pl.col("model") == "principal")
        & (pl.col("year") == h)
        & pl.col("kommunekode").is_in(codes)
    ).select("kommunekode", "target_group", pl.col("mean").round(0).alias("expected"))
    if part.is_empty():
        return pl.DataFrame({"Besked": ["Ingen fremskrivninger pr. kommune i denne kørsel."]})
    allowed = publishable.filter(
        (pl.col("level") == "municipality") & pl.col("target_group").is_not_null()
    ).select(
        pl.col("kommune").alias("kommunekode"),
        "target_group",
        (~pl.col("publishable")).alias("hidden"),
    )
    frame = (
        part.join(allowed, on=["kommunekode", "target_group"], how="left")
        .with_columns(pl.col("hidden").fill_null(True))
        .sort(
            pl.col("kommunekode").replace_strict({c: i for i, c in enumerate(codes)}),
            pl.col("target_group"),
        )
    )
    table = suppress_table(
        frame, row="kommunekode", col="target_group", count="expected", extra_primary="hidden"
    )
    shown = format_for_display(table, title="Kommune")
    total = table.rules.total_label
    return shown.with_columns(
        pl.col("Kommune").map_elements(
            lambda k: "Hele regionen" if k == total else municipality_name(k),
            return_dtype=pl.String,
        )
    ).rename({total: "Alle syv målgrupper"}, strict=False)


# -- narrative ---------------------------------------------------------------------------------


def describe_framework(si: SummaryInputs, con: duckdb.DuckDBPyConnection) -> Any:
    """Short Danish answers to the questions of DESIGN.md §1, from published figures."""
    y = si.years
    a, h = y.agreement_year, y.horizon_year
    groups = si.groups
    today = {g: si.by_group(g).demand.base_census for g in groups}
    fh = {g: _principal(si, g, h).get("mean") for g in groups}
    ranked = sorted(groups, key=lambda g: -today[g])
    biggest = ", ".join(f"{g} ({count_text(today[g])})" for g in ranked[:3])

    shares = {g: published_mix_shares(si.by_group(g).mix) for g in groups}
    outside = {g: shares[g][0] for g in groups}
    private = {g: shares[g][1] for g in groups}
    most_out = max((g for g in groups if outside[g] is not None), key=lambda g: outside[g])
    most_priv = max((g for g in groups if private[g] is not None), key=lambda g: private[g])

    growth = {g: (fh[g] / today[g] - 1.0) for g in groups if fh[g] is not None and today[g]}
    rising = [g for g in sorted(growth, key=lambda g: -growth[g]) if growth[g] > 0.05]
    falling = [g for g in sorted(growth, key=lambda g: growth[g]) if growth[g] < -0.05]

    short_a = [g for g in groups if (_gap(si, g, a).get("gap") or 0) > 0]
    short_h = [g for g in groups if (_gap(si, g, h).get("gap") or 0) > 0]
    lp = compute_lanepulje_view(si, a)
    planned = float(lp["planned_places"].sum())
    others = float(lp["planned_for_others"].sum())

    lines = [
        "### Hvad siger tallene?",
        f"- **Hvilke målgrupper fylder mest?** Flest borgere pr. dag er der i {biggest}. "
        f"Størst andel uden for regionen har {most_out} ({_pct(outside[most_out])}), størst "
        f"andel hos private og selvejende tilbud har {most_priv} ({_pct(private[most_priv])}) — "
        "her er en fælles løsning mest oplagt.",
        f"- **Hvordan udvikler efterspørgslen sig frem til {h}?** "
        + (
            "Stigende: " + ", ".join(f"{g} ({_signed_pct(growth[g])})" for g in rising) + ". "
            if rising
            else "Ingen målgruppe stiger mere end 5 %. "
        )
        + (
            "Faldende: " + ", ".join(f"{g} ({_signed_pct(growth[g])})" for g in falling) + "."
            if falling
            else ""
        ),
        f"- **Passer pladserne til behovet?** Ved serviceniveauet {service_level(si)} og med "
        f"{_method_label(si)} mangler der pladser i "
        + (", ".join(short_a) if short_a else "ingen målgrupper")
        + f" i {a} og i "
        + (", ".join(short_h) if short_h else "ingen målgrupper")
        + f" i {h}. Talt i alle målgrupper er billedet mere gunstigt; sandheden ligger imellem.",
        f"- **Nye pladser og lånepuljen:** de planlagte projekter giver "
        f"{format_number(planned)} pladser frem til {a}, heraf {format_number(others)} til "
        "andre kommuner end den, der bygger (det fælles element).",
    ]
    lines += _pipeline_line(si, con)
    lines += _other_answers(con)
    if si.missing:
        lines.append(
            f"- *Bemærk:* der mangler resultater for {', '.join(si.missing)} (siden fejlede "
            "i denne kørsel)."
        )
    return markdown("\n".join(lines))


def _signed_pct(value: float) -> str:
    sign = "+" if value >= 0 else "−"
    return f"{sign}{format_percent_da(abs(100 * value), 0)}"


def _pipeline_line(si: SummaryInputs, con: duckdb.DuckDBPyConnection) -> list[str]:
    adults = [g for g in si.groups if g.startswith("V")]
    young = metrics.compute_pipeline(con, level="region")
    rates = metrics.compute_transition_rates(con)
    expected = {g: compute_expected_transitions(con, g, rates=rates, young=young) for g in adults}
    total = float(young["persons"].sum())
    parts = ", ".join(
        f"{g} ca. {count_text(v)}" for g, v in expected.items() if not is_small_count(v)
    )
    return [
        f"- **Fra børn til voksne:** {count_text(total)} unge på 15-17 år er i dag anbragt "
        f"eller i et børnetilbud. Med de observerede overgangsrater venter de næste tre år "
        f"{parts} unge i voksenmålgrupperne."
    ]


def _other_answers(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Expensive single cases, capacity changes needing approval and the waiting list."""
    out = []
    cases = metrics.compute_expensive_cases(con).filter(
        (pl.col("target_group") == "ALL") & (pl.col("threshold") == 2_000_000)
    )
    if cases.height:
        r = cases.row(0, named=True)
        out.append(
            f"- **Dyre enkeltsager:** {count_text(r['persons'])} borgere kostede over 2 mio. "
            f"kr. i året ({_pct(r['persons_share'], 1)} af borgerne, "
            f"{_pct(r['spend_share'])} af udgiften); se *Regionalt overblik*."
        )
    try:
        changes = metrics.compute_capacity_changes(con)
    except MissingDataError:  # fewer than two Tilbudsportalen extracts: nothing to compare
        changes = None
    if changes is not None:
        approval = changes.filter(pl.col("needs_approval"))
        out.append(
            f"- **Kapacitetsændringer:** {format_number(approval.height)} tilbud har ændret "
            f"pladstallet med mere end ±10 eller er lukket mellem de to seneste udtræk og skal "
            "forelægges DASSOS; se *Regionalt overblik*."
        )
    waiting = metrics.compute_waiting_list(con)
    open_refs = float(waiting["open_referrals"].sum()) if waiting.height else 0.0
    if open_refs:
        out.append(
            f"- **Venteliste:** {count_text(open_refs)} henviste borgere venter på en plads "
            "(fælles venteliste som prognoseværktøj); se *Regionalt overblik*."
        )
    return out


def describe_sources(si: SummaryInputs) -> Any:
    """Where the figures come from (run results or computed here) and the years used."""
    y = si.years
    source = (
        "målgruppesidernes resultater i denne kørsel"
        if si.from_run
        else "en ny beregning (siden er kørt uden for en rapportkørsel)"
    )
    links = " · ".join(f"[{g}]({page_link(g)})" for g in si.groups)
    return markdown(
        f"Tallene kommer fra {source}. *I dag* er {y.base_year} (sidste hele år med data); "
        f"{y.agreement_label} slutter i {y.agreement_year}; udsynet går til {y.horizon_year}. "
        f"Detaljer for hver målgruppe: {links}."
    )


# -- what the page hands on --------------------------------------------------------------------


def summary_framework(si: SummaryInputs) -> dict[str, Any]:
    """Headline per target group for summary.json and the index: {"V1": {...}, ...}."""
    y = si.years
    out: dict[str, Any] = {}
    for g in si.groups:
        fa, fh = _principal(si, g, y.agreement_year), _principal(si, g, y.horizon_year)
        ga, gh = _gap(si, g, y.agreement_year), _gap(si, g, y.horizon_year)
        ch = _cost(si, g, y.horizon_year)
        out[g] = {
            "label": group_label(g),
            "base_year": y.base_year,
            "agreement_year": y.agreement_year,
            "horizon_year": y.horizon_year,
            "service_level": gh.get("service_level"),
            "census_today_persons": person_value(si.by_group(g).demand.base_census),
            "forecast_agreement_persons": person_value(fa.get("mean")),
            "forecast_horizon_persons": person_value(fh.get("mean")),
            "forecast_horizon_p10_persons": person_value(fh.get("p10")),
            "forecast_horizon_p90_persons": person_value(fh.get("p90")),
            "principal_model": fh.get("source_model"),
            "places_apportioned": _round(gh.get("places_apportioned")),
            "places_counted": _round(gh.get("places_counted")),
            "planned_places_horizon": _round(gh.get("planned_places")),
            "required_places_horizon": gh.get("required"),
            "gap_agreement": _round(ga.get("gap")),
            "gap_horizon": _round(gh.get("gap")),
            "gap_counted_horizon": _round(gh.get("gap_counted")),
            "p_shortage_agreement": _round(ga.get("p_shortage"), 3),
            "p_shortage_horizon": _round(gh.get("p_shortage"), 3),
            "cost_today_mio_kr": _round((ch.get("cost_today") or 0) / 1e6) if ch else None,
            "cost_horizon_mio_kr": _round((ch.get("cost_mean") or 0) / 1e6) if ch else None,
        }
    return out


def _round(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(float(value), digits)


def headline_figures(si: SummaryInputs) -> dict[str, go.Figure]:
    """The run's headline figures for static PNG copies: every group's fan chart and gap
    chart, and the summary's overview figures."""
    from capacity.gap.plots import plot_gap

    figures: dict[str, go.Figure] = {
        "fremskrivning_alle_maalgrupper": plot_forecasts(si),
        "manglende_pladser": plot_gap_by_group(si),
        "laanepulje": plot_lanepulje(si),
    }
    for g in si.groups:
        figures[f"fremskrivning_{g}"] = plot_forecast_table(si.forecasts, g, si.years)
        figures[f"kapacitet_{g}"] = publish_or_explain(
            plot_gap(si.gap, g), f"{g}: efterspørgsel og kapacitet", "none"
        )
    return figures


def footnote_suppressed() -> str:
    """The footnote under tables with suppressed cells."""
    return suppression_footnote()


__all__ = [
    "DECIMALS",
    "SummaryInputs",
    "build_gap_inputs",
    "compute_lanepulje_view",
    "describe_framework",
    "describe_sources",
    "footnote_suppressed",
    "headline_figures",
    "lanepulje_caption",
    "load_summary_inputs",
    "page_link",
    "plot_forecasts",
    "plot_gap_by_group",
    "plot_lanepulje",
    "service_level",
    "summary_caption",
    "summary_framework",
    "table_forecast_quality",
    "table_framework",
    "table_lanepulje",
    "table_municipality_forecasts",
    "table_planned_projects",
    "table_prices",
]
