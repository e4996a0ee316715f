"""Length of stay (Kaplan-Meier), the Little's-law consistency check and the waiting list."""

from __future__ import annotations

import datetime as dt

import duckdb
import plotly.graph_objects as go
import polars as pl

from capacity import metrics
from capacity.views.common import (
    GROUP_SHORT_LABELS,
    format_number,
    group_colour,
    group_column,
    group_ids,
    group_label,
    publish_columns,
    publish_figure,
    show_suppressed,
    style_figure,
    threshold,
)
from capacity.views.suppressed import (
    CountColumn,
    memo,
    suppress_one_way,
)

# -- 11. length of stay and Little's law -------------------------------------------------------


def _length_of_stay(con: duckdb.DuckDBPyConnection) -> tuple[pl.DataFrame, pl.DataFrame]:
    return memo(con, "length_of_stay", metrics.compute_length_of_stay)


def table_length_of_stay(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Kaplan-Meier length of stay per target group (group at the start of the stay): median
    and restricted mean in years, and the share still in a place after 1, 2 and 5 years."""
    summary, _curve = _length_of_stay(con)
    published = publish_columns(
        summary,
        row="target_group",
        columns=["n", "events"],
        follow={
            "n": ["median_days", "median_ci_lower", "median_ci_upper", "mean_days_restricted",
                  "survival_1y", "survival_2y", "survival_5y"],
        },
    )  # fmt: skip
    years = 365.25

    def interval(lo: float | None, hi: float | None) -> str:
        if lo is None or hi is None:
            return ""
        return f"{format_number(lo / years, 1)}-{format_number(hi / years, 1)}"

    rows = []
    for r in published.iter_rows(named=True):
        rows.append(
            {
                "Målgruppe": group_label(r["target_group"]),
                "Antal forløb": r["n"],
                "Antal afsluttede forløb": r["events"],
                "Median opholdstid (år)": None
                if r["median_days"] is None
                else round(r["median_days"] / years, 1),
                "95 %-interval for medianen (år)": interval(
                    r["median_ci_lower"], r["median_ci_upper"]
                ),
                "Gennemsnitlig opholdstid, afgrænset (år)": None
                if r["mean_days_restricted"] is None
                else round(r["mean_days_restricted"] / years, 1),
                "Stadig i tilbud efter 1 år (%)": _pct(r["survival_1y"]),
                "Efter 2 år (%)": _pct(r["survival_2y"]),
                "Efter 5 år (%)": _pct(r["survival_5y"]),
            }
        )
    return show_suppressed(
        pl.DataFrame(rows, infer_schema_length=None),
        {
            "Antal forløb": [
                "Median opholdstid (år)",
                "95 %-interval for medianen (år)",
                "Gennemsnitlig opholdstid, afgrænset (år)",
                "Stadig i tilbud efter 1 år (%)",
                "Efter 2 år (%)",
                "Efter 5 år (%)",
            ],
            "Antal afsluttede forløb": [],
        },
        decimals={"Median opholdstid (år)": 1, "Gennemsnitlig opholdstid, afgrænset (år)": 1},
    )


def _pct(share: float | None) -> float | None:
    return None if share is None else round(100 * share)


def plot_length_of_stay(con: duckdb.DuckDBPyConnection) -> go.Figure:
    """Kaplan-Meier curves per target group: share of stays still going after x years. A
    curve stops where fewer than the threshold number of stays are still at risk."""
    _summary, curve = _length_of_stay(con)
    limit = threshold()
    fig = go.Figure()
    for g in group_ids():
        part = curve.filter((pl.col("target_group") == g) & (pl.col("at_risk") >= limit))
        if part.is_empty():
            continue
        # a monthly grid keeps the page light (the step function has a point per event)
        grid = pl.DataFrame(
            {"days": [float(d) for d in range(0, int(part["days"].max()) + 1, 30)]}
        )
        sampled = grid.join_asof(part.sort("days"), on="days", strategy="backward")
        fig.add_trace(
            go.Scatter(
                x=(sampled["days"] / 365.25).round(2).to_list(),
                y=(100 * sampled["survival"]).round(1).to_list(),
                name=GROUP_SHORT_LABELS.get(g, g),
                mode="lines",
                line={"color": group_colour(g), "width": 2.5, "shape": "hv"},
                hovertemplate="Efter %{x:.1f} år: %{y:.0f} %<extra>%{fullData.name}</extra>",
            )
        )
    style_figure(
        fig,
        "Opholdstid: andel af forløbene, der stadig er i gang (Kaplan-Meier)",
        height=480,
        xaxis_title="År siden forløbets start",
        yaxis_title="Stadig i tilbud (%)",
    )
    fig.update_yaxes(range=[0, 100])
    fig.update_xaxes(range=[0, 15])
    return publish_figure(fig, person_traces="none")


def table_littles_law(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Little's law check per target group: does the average daily census match inflow x mean
    length of stay? A flag is a prompt to look closer, not an error."""
    check = memo(con, "littles_law", metrics.compute_littles_law)
    published = publish_columns(
        check.with_columns(pl.col("census_mean").round(0)),
        row="target_group",
        columns=["census_mean"],
        follow={"census_mean": ["expected_census", "ratio"]},
    )
    frame = published.select(
        pl.col("target_group")
        .map_elements(group_label, return_dtype=pl.String)
        .alias("Målgruppe"),
        pl.col("census_mean").alias("Borgere pr. dag (gns. over perioden)"),
        pl.col("inflow_mean").round(0).alias("Nye forløb pr. år (gns.)"),
        pl.col("mean_los_years")
        .map_elements(lambda v: format_number(v, 1), return_dtype=pl.String)
        .alias("Gennemsnitlig opholdstid (år)"),
        pl.col("expected_census").alias("Forventet belægning: tilgang × opholdstid"),
        pl.col("ratio").alias("Forhold"),
        pl.col("flagged").replace_strict({True: "ja", False: "nej"}, return_dtype=pl.String)
        .alias("Afviger mere end 25 %"),
    )  # fmt: skip
    return show_suppressed(
        frame,
        {
            "Borgere pr. dag (gns. over perioden)": [
                "Forventet belægning: tilgang × opholdstid",
                "Forhold",
            ]
        },
        decimals={"Forhold": 2},
    )


# -- 12. waiting list --------------------------------------------------------------------------


def table_waiting_list(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Open referrals waiting for a place and waiting times per target group on the latest
    date of the waiting list; small counts suppressed (and the waiting times with them)."""
    waiting = memo(con, "waiting_list", metrics.compute_waiting_list)
    if waiting.is_empty() or int(waiting["open_referrals"].sum() + waiting["placed"].sum()) == 0:
        return pl.DataFrame({"Besked": ["Der er ingen venteliste i data."]})
    frame = waiting_values(con).select(
        group_column(),
        pl.col("open_referrals").alias("Antal åbne henvisninger"),
        pl.col("open_wait_median_days").alias("Ventet indtil nu, median (dage)"),
        pl.col("open_wait_p75_days").alias("Ventet indtil nu, 75 %-fraktil (dage)"),
        pl.col("placed").alias("Antal placeret fra listen"),
        pl.col("wait_median_days").alias("Ventetid, median (dage)"),
        pl.col("wait_p75_days").alias("Ventetid, 75 %-fraktil (dage)"),
    )
    return show_suppressed(
        frame,
        {
            "Antal åbne henvisninger": [
                "Ventet indtil nu, median (dage)",
                "Ventet indtil nu, 75 %-fraktil (dage)",
            ],
            "Antal placeret fra listen": [
                "Ventetid, median (dage)",
                "Ventetid, 75 %-fraktil (dage)",
            ],
        },
    )


def waiting_values(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Published waiting-list figures per target group and in total (target_group null):
    open referrals and placed referrals suppressed, waiting times hidden with their count."""
    waiting = memo(con, "waiting_list", metrics.compute_waiting_list)
    waiting = waiting.filter(pl.col("target_group").is_in(group_ids()))
    return suppress_one_way(
        waiting,
        row="target_group",
        columns=[
            CountColumn("open_referrals", means=("open_wait_median_days", "open_wait_p75_days")),
            CountColumn("placed", means=("wait_median_days", "wait_p75_days")),
        ],
    )


def waiting_list_date(con: duckdb.DuckDBPyConnection) -> dt.date | None:
    """The reference date of the waiting-list figures (None without a list)."""
    waiting = memo(con, "waiting_list", metrics.compute_waiting_list)
    return waiting["ref_date"][0] if waiting.height else None
