"""Prices and expensive single cases: annual cost per placement, paid price vs døgntakst,
citizens above 1/2/4 mio. kr. and the § 176 refund estimate. Money in mio. kr.; amounts
hidden wherever the count of persons behind them is hidden."""

from __future__ import annotations

from typing import Any

import duckdb
import plotly.graph_objects as go
import polars as pl

from capacity import metrics
from capacity.disclosure import format_for_display
from capacity.views.common import (
    GROUP_SHORT_LABELS,
    format_number,
    format_percent_da,
    group_column,
    group_ids,
    group_label,
    group_order,
    markdown,
    paragraph_label,
    paragraph_rank,
    publish_columns,
    publish_figure,
    relabel_cross,
    share_percent,
    show_suppressed,
    style_figure,
    threshold,
)
from capacity.views.suppressed import (
    CountColumn,
    cost_year,
    expensive_band_table,
    expensive_bands,
    expensive_top_counts,
    inner_cells,
    memo,
    suppress_one_way,
)

# -- 7. prices ---------------------------------------------------------------------------------


def table_cost_distribution(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Annual cost per placement (mio. kr. per year) per target group and paragraph in the
    latest complete year: median, quartiles and 90th percentile, and the year's spend;
    shown only where at least the threshold number of placements carry a price."""
    dist = memo(con, "cost_distribution", metrics.compute_cost_distribution).filter(
        (pl.col("n") + pl.col("n_missing")) > 0
    )
    money = ["median", "q1", "q3", "p90", "spend"]
    dist = dist.with_columns((pl.col(c) / 1e6).alias(c) for c in money)
    published = publish_columns(
        dist, row=["target_group", "paragraf"], columns=["n", "n_missing"], follow={"n": money}
    )
    order = group_order()
    frame = published.sort(
        pl.col("target_group").replace_strict(order, default=len(order)),
        pl.col("paragraf").map_elements(paragraph_rank, return_dtype=pl.Int64),
    ).select(
        pl.col("target_group")
        .map_elements(group_label, return_dtype=pl.String)
        .alias("Målgruppe"),
        pl.col("paragraf").map_elements(paragraph_label, return_dtype=pl.String).alias("Paragraf"),
        pl.col("n").alias("Antal placeringer med pris"),
        pl.col("n_missing").alias("Antal uden pris"),
        pl.col("q1").alias("Nedre kvartil (mio. kr./år)"),
        pl.col("median").alias("Median (mio. kr./år)"),
        pl.col("q3").alias("Øvre kvartil (mio. kr./år)"),
        pl.col("p90").alias("90 %-fraktil (mio. kr./år)"),
        pl.col("spend").alias("Udgift i året (mio. kr.)"),
    )
    money_cols = [
        "Nedre kvartil (mio. kr./år)", "Median (mio. kr./år)", "Øvre kvartil (mio. kr./år)",
        "90 %-fraktil (mio. kr./år)", "Udgift i året (mio. kr.)",
    ]  # fmt: skip
    return show_suppressed(
        frame,
        {"Antal placeringer med pris": money_cols, "Antal uden pris": []},
        decimals={c: 2 for c in money_cols[:-1]} | {"Udgift i året (mio. kr.)": 1},
    )


def plot_cost_distribution(con: duckdb.DuckDBPyConnection) -> go.Figure:
    """Annual cost per placement in a place (botilbud/anbringelse) per target group: the bar
    spans the middle half (quartiles), the dot is the median, the tick the 90th percentile."""
    dist = memo(
        con,
        "cost_distribution_residential",
        metrics.compute_cost_distribution,
        by=("target_group", "offer_type"),
    ).filter(pl.col("offer_type") == "residential")
    money = ["median", "q1", "q3", "p90"]
    dist = dist.with_columns((pl.col(c) / 1e6).alias(c) for c in money)
    published = publish_columns(dist, row="target_group", columns=["n"], follow={"n": money})
    groups = [g for g in reversed(group_ids()) if g in published["target_group"].to_list()]
    look = {r["target_group"]: r for r in published.iter_rows(named=True)}
    labels = [GROUP_SHORT_LABELS.get(g, g) for g in groups]

    def values(col: str) -> list[float | None]:
        return [None if look[g][col] is None else round(look[g][col], 2) for g in groups]

    q1, q3 = values("q1"), values("q3")
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            y=labels,
            base=q1,
            x=[
                None if a is None or b is None else round(b - a, 2)
                for a, b in zip(q1, q3, strict=True)
            ],
            orientation="h",
            name="Midterste halvdel (kvartiler)",
            marker_color="#9ecae1",
            customdata=[[a, b] for a, b in zip(q1, q3, strict=True)],
            hovertemplate="%{y}<br>Kvartiler: %{customdata[0]:.2f}-%{customdata[1]:.2f} "
            "mio. kr.<extra></extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            y=labels, x=values("median"), mode="markers", name="Median",
            marker={"color": "#08306b", "size": 12},
            hovertemplate="%{y}<br>Median: %{x:.2f} mio. kr.<extra></extra>",
        )
    )  # fmt: skip
    fig.add_trace(
        go.Scatter(
            y=labels, x=values("p90"), mode="markers", name="90 %-fraktil",
            marker={"color": "#d94801", "size": 14, "symbol": "line-ns-open",
                    "line": {"width": 3, "color": "#d94801"}},
            hovertemplate="%{y}<br>90 %%-fraktil: %{x:.2f} mio. kr.<extra></extra>",
        )
    )  # fmt: skip
    style_figure(
        fig,
        f"Årlig pris pr. placering i botilbud og anbringelse, {cost_year(con)}",
        height=460,
        xaxis_title="Mio. kr. pr. år",
    )
    fig.update_xaxes(rangemode="tozero")
    return publish_figure(fig, person_traces="none")


def table_price_vs_takst(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Price paid per year (median of the placements, case systems) vs the døgntakst on
    Tilbudsportalen x 365 (median of the offers), per target group and public/private
    provider, in mio. kr. per year."""
    from capacity.gap.adapters import load_price_inputs

    prices = memo(con, "price_inputs", load_price_inputs)
    prices = prices.with_columns(
        pl.col("n_placements").fill_null(0),
        (pl.col("paid_annual_cost") / 1e6).alias("paid"),
        (pl.col("takst_per_day") * 365 / 1e6).alias("takst_year"),
    ).with_columns(
        pl.when(pl.col("takst_year") > 0)
        .then(100 * (pl.col("paid") / pl.col("takst_year") - 1))
        .alias("diff_pct")
    )
    published = publish_columns(
        prices,
        row=["target_group", "provider"],
        columns=["n_placements"],
        follow={"n_placements": ["paid", "diff_pct"]},
    )
    order = group_order()
    provider = {"public": "Offentlig (kommunal/regional)", "private": "Privat/selvejende"}
    frame = (
        published.filter(pl.col("target_group").is_in(group_ids()))
        .sort(pl.col("target_group").replace_strict(order), "provider", descending=[False, True])
        .select(
            pl.col("target_group")
            .map_elements(group_label, return_dtype=pl.String)
            .alias("Målgruppe"),
            pl.col("provider").replace_strict(provider, default="").alias("Leverandør"),
            pl.col("n_placements").alias("Antal placeringer"),
            pl.col("paid").alias("Betalt pris, median (mio. kr./år)"),
            pl.col("n_offers").alias("Antal tilbud med takst"),
            pl.col("takst_year")
            .map_elements(lambda v: format_number(v, 2), return_dtype=pl.String)
            .alias("Døgntakst × 365, median (mio. kr./år)"),
            pl.col("diff_pct").alias("Betalt pris over takst (%)"),
        )
    )
    return show_suppressed(
        frame,
        {
            "Antal placeringer": [
                "Betalt pris, median (mio. kr./år)",
                "Betalt pris over takst (%)",
            ]
        },
        decimals={"Betalt pris, median (mio. kr./år)": 2},
    )


# -- 8. expensive single cases -----------------------------------------------------------------


def table_expensive_cases(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Citizens whose spend in the year lies in each cost band (1-2, 2-4, over 4 mio. kr.)
    per target group, with totals (the 'I alt' column = over 1 mio. kr.)."""
    return relabel_cross(
        format_for_display(expensive_band_table(con, "target_group")),
        row_label=group_label,
    )


def expensive_share_values(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Per target group and in total (target_group null): persons with spend, spend (kr.),
    persons above 1 and 2 mio. kr. and the share (%) of the spend they carry. Published
    values only: null where the count behind it is suppressed."""
    bands = expensive_band_table(con, "target_group")
    pub = bands.publishable()
    labels = [b[0] for b in expensive_bands()]
    persons = memo(con, "person_costs_total", _person_totals)
    totals = suppress_one_way(
        persons, row="target_group", columns=[CountColumn("persons", values=("spend",))]
    )
    rows = []
    for g in [*group_ids(), None]:
        key = pl.col("target_group").is_null() if g is None else pl.col("target_group") == g
        tot = totals.filter(key)
        over1 = pub.filter(key & pl.col("band").is_null())
        upper = pub.filter(key & (pl.col("band") == labels[-1]))
        over2, over2_spend = upper["persons"][0], upper["spend"][0]
        spend_total = tot["spend"][0]
        rows.append(
            {
                "target_group": g,
                "persons": tot["persons"][0],
                "spend": spend_total,
                "over1_persons": over1["persons"][0],
                "over1_spend_pct": share_percent(over1["spend"][0], spend_total),
                "over2_persons": over2,
                "over2_spend_pct": share_percent(over2_spend, spend_total),
            }
        )
    return pl.DataFrame(
        rows,
        schema={
            "target_group": pl.String,
            "persons": pl.Int64,
            "spend": pl.Float64,
            "over1_persons": pl.Int64,
            "over1_spend_pct": pl.Float64,
            "over2_persons": pl.Int64,
            "over2_spend_pct": pl.Float64,
        },
    )


def table_expensive_share(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Per target group: citizens with spend, spend in the year (mio. kr.), and how many
    citizens above the first two thresholds (1 and 2 mio. kr.) and what share of the spend
    they carry."""
    values = expensive_share_values(con)
    low, high = (f"{format_number(b[1] / 1e6, 0)} mio. kr." for b in expensive_bands()[:2])
    over_low, over_high = f"Antal over {low}", f"Antal over {high}"
    share_low = f"Andel af udgiften, over {low} (%)"
    share_high = f"Andel af udgiften, over {high} (%)"
    frame = values.select(
        group_column(),
        pl.col("persons").alias("Antal borgere med udgift"),
        (pl.col("spend") / 1e6).alias("Udgift i året (mio. kr.)"),
        pl.col("over1_persons").alias(over_low),
        pl.col("over1_spend_pct").alias(share_low),
        pl.col("over2_persons").alias(over_high),
        pl.col("over2_spend_pct").alias(share_high),
    )
    return show_suppressed(
        frame,
        {
            "Antal borgere med udgift": ["Udgift i året (mio. kr.)"],
            over_low: [share_low],
            over_high: [share_high],
        },
        decimals={"Udgift i året (mio. kr.)": 1},
    )


def describe_expensive_top(con: duckdb.DuckDBPyConnection) -> Any:
    """One sentence on the most expensive cases region-wide (e.g. above 4 mio. kr.)."""
    parts = []
    for item in expensive_top_counts(con):
        if item["persons"] is None:
            parts.append(
                f"Antallet af borgere med en udgift {item['label'].lower()} vises ikke, "
                "fordi det er for lille til at blive offentliggjort."
            )
        else:
            share = format_percent_da(item["spend_share_pct"], 1)
            parts.append(
                f"I hele regionen havde **{item['persons']} borgere** en udgift "
                f"{item['label'].lower()} i {cost_year(con)}; de stod for {share} af "
                "udgiften. Pr. målgruppe er tallene så små, at de ikke vises."
            )
    return markdown(" ".join(parts) or "Der er ingen højere beløbsgrænse i opgørelsen.")


def _person_totals(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    from capacity.views.suppressed import person_costs

    persons = person_costs(con).filter(pl.col("target_group").is_in(group_ids()))
    agg = persons.group_by("target_group").agg(
        pl.len().cast(pl.Int64).alias("persons"), pl.col("spend").sum().alias("spend")
    )
    return (
        pl.DataFrame({"target_group": group_ids()})
        .join(agg, on="target_group", how="left")
        .with_columns(pl.col("persons").fill_null(0), pl.col("spend").fill_null(0.0))
    )


def plot_expensive_cases(con: duckdb.DuckDBPyConnection) -> go.Figure:
    """Stacked bars per target group: citizens whose spend in the year is 1-2, 2-4 and over
    4 mio. kr."""
    cells = inner_cells(expensive_band_table(con, "target_group"))
    groups = list(reversed(group_ids()))
    colours = ["#fdae6b", "#e6550d", "#a63603"]
    fig = go.Figure()
    for i, (label, _low, _high) in enumerate(expensive_bands()):
        part = cells.filter(pl.col("band") == label)
        look = dict(zip(part["target_group"], part["persons"], strict=True))
        fig.add_trace(
            go.Bar(
                y=[GROUP_SHORT_LABELS.get(g, g) for g in groups],
                x=[look.get(g) for g in groups],
                name=label,
                orientation="h",
                marker_color=colours[i % len(colours)],
                hovertemplate="%{y}<br>%{fullData.name}: %{x} borgere<extra></extra>",
            )
        )
    fig.update_layout(barmode="stack")
    style_figure(
        fig,
        f"Dyre enkeltsager: borgere med en udgift over 1 mio. kr. i {cost_year(con)}",
        height=460,
        xaxis_title="Antal borgere",
    )
    return publish_figure(fig)


def table_expensive_providers(con: duckdb.DuckDBPyConnection, top: int = 10) -> pl.DataFrame:
    """Offers serving citizens with a spend above 2 mio. kr. in the year: the ``top`` offers
    with most such citizens (at least the threshold number) by name, the rest together; no
    amounts per offer (a single provider's costs are not published)."""
    providers = memo(con, "expensive_providers", metrics.compute_expensive_providers)
    limit = threshold()
    ownership = {
        "kommunal": "Kommunal",
        "regional": "Regional",
        "selvejende": "Selvejende",
        "privat": "Privat",
    }
    # the offers with most such citizens by name (at most `top`), the rest together
    rank = providers.select(pl.col("persons").rank("ordinal", descending=True)).to_series()
    named = providers.with_columns(rank.alias("_rank")).with_columns(
        pl.when((pl.col("persons") >= limit) & (pl.col("_rank") <= top))
        .then(pl.col("provider"))
        .otherwise(pl.lit("Øvrige tilbud"))
        .alias("Tilbud"),
        pl.when((pl.col("persons") >= limit) & (pl.col("_rank") <= top))
        .then(pl.col("ejerform").replace_strict(ownership, default="Ukendt"))
        .otherwise(pl.lit(""))
        .alias("Ejerform"),
    )
    agg = (
        named.group_by("Tilbud", "Ejerform")
        .agg(pl.col("persons").sum())
        .sort(pl.col("Tilbud") == "Øvrige tilbud", pl.col("persons"), descending=[False, True])
        .with_columns(pl.concat_str(["Tilbud", "Ejerform"], separator="\u0001").alias("key"))
    )
    if agg.is_empty():
        return pl.DataFrame(
            {"Tilbud": [], "Ejerform": [], "Antal borgere over 2 mio. kr.": []},
            schema={"Tilbud": pl.String, "Ejerform": pl.String,
                    "Antal borgere over 2 mio. kr.": pl.Int64},
        )  # fmt: skip
    published = suppress_one_way(agg.select("key", "persons"), row="key", columns=[
        CountColumn("persons")
    ])  # fmt: skip
    keys = published["key"].to_list()
    frame = pl.DataFrame(
        {
            "Tilbud": ["I alt" if k is None else k.split("\u0001")[0] for k in keys],
            "Ejerform": ["" if k is None else k.split("\u0001")[1] for k in keys],
            "Antal borgere over 2 mio. kr.": published["persons"],
        }
    )
    return show_suppressed(frame, {"Antal borgere over 2 mio. kr.": []})


def table_refund(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Estimated § 176 refund (refusion for særligt dyre enkeltsager) per target group in the
    latest complete year, mio. kr.; a lower bound (only placements are in the data)."""
    refund = memo(con, "refund_region", metrics.compute_refund_estimate, level="region")
    body = (
        pl.DataFrame({"target_group": group_ids()})
        .join(refund.select("target_group", "persons", "persons_with_refund", "spend", "refund"),
              on="target_group", how="left")
        .with_columns(
            pl.col("persons", "persons_with_refund").fill_null(0),
            (pl.col("spend").fill_null(0.0) / 1e6).alias("spend"),
            (pl.col("refund").fill_null(0.0) / 1e6).alias("refund"),
        )
    )  # fmt: skip
    published = suppress_one_way(
        body,
        row="target_group",
        columns=[
            CountColumn("persons", values=("spend",)),
            CountColumn("persons_with_refund", values=("refund",)),
        ],
    )
    frame = published.select(
        group_column(),
        pl.col("persons").alias("Borgere under 67 år med udgift"),
        pl.col("spend").alias("Udgift i året (mio. kr.)"),
        pl.col("persons_with_refund").alias("Antal med refusion"),
        pl.col("refund").alias("Anslået refusion (mio. kr.)"),
    )
    return show_suppressed(
        frame,
        {
            "Borgere under 67 år med udgift": ["Udgift i året (mio. kr.)"],
            "Antal med refusion": ["Anslået refusion (mio. kr.)"],
        },
        decimals={"Udgift i året (mio. kr.)": 1, "Anslået refusion (mio. kr.)": 1},
    )
