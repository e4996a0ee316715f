"""The municipality profile (kommuneprofil): one municipality's own figures against the region.

Every count is a cell of a table suppressed once for all 19 municipalities (capacity.views.
suppressed), so two profiles never hide a cell differently and the region totals cannot be
used to recover a hidden cell. A small municipality (Samsø) therefore shows mostly the
suppression symbol, and the page says so in plain Danish. The municipality-level forecast is
shown only for series that capacity.disclosure.suppress_series_for_publication allows.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from capacity import quality
from capacity.config import load_conf
from capacity.figures import band_trace
from capacity.views.common import (
    GROUP_SHORT_LABELS,
    LOCATION_SHORT_LABELS,
    OWNERSHIP_SHORT_LABELS,
    format_date_da,
    format_int_da,
    format_number,
    genitive,
    group_colour,
    group_column,
    group_ids,
    markdown,
    municipality_name,
    nulls_to_none,
    publish_figure,
    region_municipalities,
    share_percent,
    show_suppressed,
    style_figure,
    threshold,
)
from capacity.views.suppressed import (
    ProfileFrames,
    col_totals,
    cost_year,
    data_date,
    expensive_bands,
    grand_total,
    load_publishable_series,
    location_by_municipality,
)

# Share of a municipality's cells that may be hidden before the page says "mostly hidden".
_MOSTLY_HIDDEN = 0.5


def _check_code(kommunekode: str) -> str:
    code = str(kommunekode)
    if code not in region_municipalities():
        from capacity.errors import DataQualityError

        raise DataQualityError(
            f"Kommunekode {code!r} er ikke en af regionens 19 kommuner "
            "(capacity/conf/municipalities.yaml)."
        )
    return code


def _cells(frame: pl.DataFrame, code: str) -> pl.DataFrame:
    """The municipality's inner cells of a published municipality table."""
    return frame.filter((pl.col("cell_kind") == "cell") & (pl.col("kommunekode") == code))


def _total(frame: pl.DataFrame, code: str, measure: str) -> Any:
    """The municipality's published row total (None when hidden)."""
    rows = frame.filter((pl.col("cell_kind") == "row_total") & (pl.col("kommunekode") == code))
    return rows[measure][0] if rows.height else None


def _margin(frame: pl.DataFrame, kind: str) -> pl.DataFrame:
    """Column totals ('col_total') or the grand total ('total') of a published table."""
    return frame.filter(pl.col("cell_kind") == kind)


def _grand(frame: pl.DataFrame, measure: str) -> Any:
    rows = _margin(frame, "total")
    return rows[measure][0] if rows.height else None


def _hidden_share(frame: pl.DataFrame, code: str, measure: str) -> float:
    """Share of the municipality's non-zero cells that are hidden (zeros are always shown)."""
    cells = _cells(frame, code).filter(pl.col(measure).is_null() | (pl.col(measure) > 0))
    return float(cells["suppressed"].mean()) if cells.height else 0.0


def page_slug(kommunekode: str) -> str:
    """The slug the report runner gives this municipality's profile page (the report.yaml
    entry of reports/profile.py, fanned out over the municipalities), so the page's annex
    tables and summary land under the same name as its HTML."""
    for entry in load_conf("report")["pages"]:
        if entry["notebook"] == "reports/profile.py":
            return f"{entry['slug']}-{kommunekode}".lower()
    return f"profil-{kommunekode}".lower()


# -- heading and plain-language summary -------------------------------------------------------


def describe_profile(
    con: duckdb.DuckDBPyConnection, kommunekode: str, *, run_dir: Path | None = None
) -> Any:
    """The municipality's name, the reference dates and, when most of its figures are hidden,
    a plain-Danish explanation why (small numbers are not published)."""
    code = _check_code(kommunekode)
    name = municipality_name(code)
    stock = ProfileFrames(con, run_dir).stock
    year = int(stock["year"][0])
    total = _total(stock, code, "stock")
    region_total = _grand(stock, "stock")
    lines = [f"## {name} Kommune", ""]
    if total is None:
        lines.append(
            f"Antallet af borgere fra {name} i botilbud og anbringelse pr. 1. januar "
            f"{year} vises ikke, fordi det er for lille til at blive offentliggjort."
        )
    else:
        share = share_percent(total, region_total)
        lines.append(
            f"Pr. 1. januar {year} var **{format_int_da(total)} borgere** fra {name} i "
            f"botilbud eller anbringelse, svarende til {format_number(share, 1)} % af "
            f"regionens {format_int_da(region_total)}."
        )
    hidden = _hidden_share(stock, code, "stock")
    if hidden > _MOSTLY_HIDDEN:
        lines += [
            "",
            f"**{name} har så få borgere i de enkelte målgrupper, at de fleste tal på denne "
            f"side er skjult (vist som ·).** Tal under {threshold()} borgere offentliggøres "
            "ikke, og enkelte andre tal skjules, så de skjulte ikke kan regnes ud. "
            "Se regionens tal på siden Regionalt overblik og siderne for målgrupperne; "
            "kommunens egne detaljer kan ses i analysemiljøet med adgangskontrol.",
        ]
    lines += [
        "",
        f"Status i dag er opgjort pr. {format_date_da(data_date(con))}; udgifter for hele "
        f"{cost_year(con)}.",
    ]
    return markdown("\n".join(lines))


# -- citizens per target group, rate and index ------------------------------------------------


def profile_groups_values(
    con: duckdb.DuckDBPyConnection, kommunekode: str, *, run_dir: Path | None = None
) -> pl.DataFrame:
    """Per target group (and 'I alt', target_group null): the municipality's persons on
    1 January (published; null = suppressed), its rate per 10,000 and index vs the region
    (null where the count is hidden), the region's persons and rate."""
    code = _check_code(kommunekode)
    stock = ProfileFrames(con, run_dir).stock
    mine = _cells(stock, code).select("target_group", "stock", "rate_per_10000", "index_vs_region")
    region_counts = _margin(stock, "col_total").select(
        "target_group", pl.col("stock").alias("region_stock")
    )
    region_rates = _margin(stock, "region").select(
        "target_group", pl.col("rate_per_10000").alias("region_rate")
    )
    body = (
        pl.DataFrame({"target_group": group_ids()})
        .join(mine, on="target_group", how="left")
        .join(region_counts, on="target_group", how="left")
        .join(region_rates, on="target_group", how="left")
    )
    total = pl.DataFrame(
        {
            "target_group": [None],
            "stock": [_total(stock, code, "stock")],
            "rate_per_10000": [None],
            "index_vs_region": [None],
            "region_stock": [_grand(stock, "stock")],
            "region_rate": [None],
        },
        schema=body.schema,
    )
    return pl.concat([body, total])


def table_profile_groups(
    con: duckdb.DuckDBPyConnection, kommunekode: str, *, run_dir: Path | None = None
) -> pl.DataFrame:
    """Citizens per target group on 1 January: the municipality and the region, rate per
    10,000 inhabitants of the group's age band and index vs the region (100 = as the region)."""
    values = profile_groups_values(con, kommunekode, run_dir=run_dir)
    year = int(ProfileFrames(con, run_dir).stock["year"][0])
    own = f"Antal borgere 1. januar {year}"
    frame = values.select(
        group_column(),
        pl.col("stock").alias(own),
        pl.col("rate_per_10000").alias("Pr. 10.000 indbyggere i aldersgruppen"),
        pl.col("index_vs_region").alias("Indeks (regionen = 100)"),
        pl.col("region_stock").alias("Antal borgere i regionen"),
        pl.col("region_rate").alias("Regionen: pr. 10.000 indbyggere"),
    )
    return show_suppressed(
        frame,
        {
            own: ["Pr. 10.000 indbyggere i aldersgruppen", "Indeks (regionen = 100)"],
            "Antal borgere i regionen": ["Regionen: pr. 10.000 indbyggere"],
        },
        decimals={
            "Pr. 10.000 indbyggere i aldersgruppen": 1,
            "Regionen: pr. 10.000 indbyggere": 1,
        },
    )


def plot_profile_rates(
    con: duckdb.DuckDBPyConnection, kommunekode: str, *, run_dir: Path | None = None
) -> go.Figure:
    """Bars per target group: the municipality's rate per 10,000 next to the region's
    (the municipality's bar is missing where its count is hidden)."""
    code = _check_code(kommunekode)
    values = profile_groups_values(con, code, run_dir=run_dir).filter(
        pl.col("target_group").is_not_null()
    )
    labels = [GROUP_SHORT_LABELS.get(g, g).split(":")[0] for g in values["target_group"]]
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            x=labels,
            y=[None if v is None else round(v, 1) for v in values["rate_per_10000"]],
            name=municipality_name(code),
            marker_color="#08519c",
            hovertemplate="%{x}: %{y:.1f} pr. 10.000<extra>%{fullData.name}</extra>",
        )
    )
    fig.add_trace(
        go.Bar(
            x=labels,
            y=[None if v is None else round(v, 1) for v in values["region_rate"]],
            name="Hele regionen",
            marker_color="#bdbdbd",
            hovertemplate="%{x}: %{y:.1f} pr. 10.000<extra>%{fullData.name}</extra>",
        )
    )
    fig.update_layout(barmode="group")
    style_figure(
        fig,
        f"Borgere i tilbud pr. 10.000 indbyggere i aldersgruppen, 1. januar "
        f"{ProfileFrames(con, run_dir).stock['year'][0]}",
        height=420,
        xaxis_title="Målgruppe",
        yaxis_title="Pr. 10.000 indbyggere",
    )
    return publish_figure(fig, person_traces="none")


# -- where and with whom ------------------------------------------------------------------------


def _category_values(
    con: duckdb.DuckDBPyConnection, code: str, category: str, run_dir: Path | None
) -> pl.DataFrame:
    """The municipality's persons per location or ownership (published values), its shares,
    and the region's counts and shares (from the overview's tables of the same persons)."""
    from capacity.views.geography import location_table, ownership_table

    frames = ProfileFrames(con, run_dir).places
    if category == "location":
        rows = location_by_municipality(frames).filter(pl.col("kommunekode") == code)
        mine = rows.filter(pl.col("location").is_not_null()).select("location", "persons")
        total = rows.filter(pl.col("location").is_null())["persons"][0]
        region_table = location_table(con)
    else:
        own = frames.ownership.filter(pl.col("kommunekode") == code)
        mine = own.filter(pl.col("cell_kind") == "cell").select("ownership", "persons")
        total = own.filter(pl.col("cell_kind") == "row_total")["persons"][0]
        region_table = ownership_table(con)
    region = col_totals(region_table).select(category, pl.col("persons").alias("region"))
    region_total = grand_total(region_table)
    values = mine.join(region, on=category, how="left").with_columns(
        pl.col("persons")
        .map_elements(lambda v: share_percent(v, total), return_dtype=pl.Float64)
        .alias("share"),
        pl.col("region")
        .map_elements(lambda v: share_percent(v, region_total), return_dtype=pl.Float64)
        .alias("region_share"),
    )
    return pl.concat(
        [
            values,
            pl.DataFrame(
                {
                    category: [None],
                    "persons": [total],
                    "region": [region_total],
                    "share": [None if total is None else 100.0],
                    "region_share": [100.0],
                },
                schema=values.schema,
            ),
        ]
    )


def _category_table(
    con: duckdb.DuckDBPyConnection,
    kommunekode: str,
    category: str,
    labels: dict[str, str],
    heading: str,
    *,
    run_dir: Path | None,
) -> pl.DataFrame:
    code = _check_code(kommunekode)
    frame = _category_values(con, code, category, run_dir).select(
        pl.col(category)
        .replace_strict(labels, default=pl.col(category))
        .fill_null("I alt")
        .alias(heading),
        pl.col("persons").alias("Antal borgere"),
        pl.col("share").alias("Andel (%)"),
        pl.col("region").alias("Antal borgere i regionen"),
        pl.col("region_share").alias("Andel i regionen (%)"),
    )
    return show_suppressed(
        frame,
        {"Antal borgere": ["Andel (%)"], "Antal borgere i regionen": ["Andel i regionen (%)"]},
    )


def table_profile_location(
    con: duckdb.DuckDBPyConnection, kommunekode: str, *, run_dir: Path | None = None
) -> pl.DataFrame:
    """Where the municipality's citizens in a place live: in the municipality, elsewhere in
    the region, outside the region; with the region's shares beside them."""
    return _category_table(
        con, kommunekode, "location", LOCATION_SHORT_LABELS, "Beliggenhed", run_dir=run_dir
    )


def table_profile_ownership(
    con: duckdb.DuckDBPyConnection, kommunekode: str, *, run_dir: Path | None = None
) -> pl.DataFrame:
    """With whom the municipality's citizens are placed: the provider type of the offer."""
    return _category_table(
        con, kommunekode, "ownership", OWNERSHIP_SHORT_LABELS, "Ejerform", run_dir=run_dir
    )


def plot_profile_placement(
    con: duckdb.DuckDBPyConnection, kommunekode: str, *, run_dir: Path | None = None
) -> go.Figure:
    """Two panels of bars: the share of the municipality's citizens by location and by
    provider type, next to the region's shares (shares rest on published counts only)."""
    code = _check_code(kommunekode)
    location = _category_values(con, code, "location", run_dir).filter(
        pl.col("location").is_not_null()
    )
    ownership = _category_values(con, code, "ownership", run_dir).filter(
        pl.col("ownership").is_not_null()
    )
    fig = make_subplots(
        rows=2,
        cols=1,
        vertical_spacing=0.14,
        subplot_titles=("Hvor ligger tilbuddet?", "Hvem driver tilbuddet?"),
    )
    panels = (
        (1, location, "location", LOCATION_SHORT_LABELS),
        (2, ownership, "ownership", OWNERSHIP_SHORT_LABELS),
    )
    for panel, frame, key, labels in panels:
        names = [labels[k] for k in frame[key]]
        for measure, legend, colour in (
            ("share", municipality_name(code), "#08519c"),
            ("region_share", "Hele regionen", "#bdbdbd"),
        ):
            fig.add_trace(
                go.Bar(
                    y=names,
                    x=[None if v is None else round(v, 1) for v in frame[measure]],
                    name=legend,
                    orientation="h",
                    marker_color=colour,
                    legendgroup=measure,
                    showlegend=panel == 1,
                    hovertemplate="%{y}: %{x:.0f} %<extra>%{fullData.name}</extra>",
                ),
                row=panel,
                col=1,
            )
    fig.update_layout(barmode="group")
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(ticksuffix=" %", rangemode="tozero")
    style_figure(
        fig,
        f"Hvor og hos hvem er borgerne placeret? {format_date_da(data_date(con))}",
        height=620,
    )
    fig.update_layout(margin={"t": 90, "l": 180})
    if location["share"].null_count() + ownership["share"].null_count() == (
        location.height + ownership.height
    ):
        fig.add_annotation(
            text=f"{genitive(municipality_name(code))} andele vises ikke: for få borgere",
            x=1, y=1.06, xref="paper", yref="paper", xanchor="right", showarrow=False,
            font={"size": 14, "color": "#b00020"},
        )  # fmt: skip
    return publish_figure(fig, person_traces="none")


# -- costs and expensive cases -------------------------------------------------------------------


def table_profile_costs(
    con: duckdb.DuckDBPyConnection, kommunekode: str, *, run_dir: Path | None = None
) -> pl.DataFrame:
    """Citizens with spend and the spend in the year per target group (mio. kr.), with the
    spend per citizen next to the region's; amounts only where the count is published."""
    code = _check_code(kommunekode)
    table = ProfileFrames(con, run_dir).spend
    mine = _cells(table, code).select("target_group", "persons", "spend")
    region = _margin(table, "col_total").select(
        "target_group", pl.col("persons").alias("region_persons"), pl.col("spend").alias("rs")
    )
    total = pl.DataFrame(
        {
            "target_group": [None],
            "persons": [_total(table, code, "persons")],
            "spend": [_total(table, code, "spend")],
            "region_persons": [_grand(table, "persons")],
            "rs": [_grand(table, "spend")],
        },
        schema={
            "target_group": pl.String,
            "persons": pl.Int64,
            "spend": pl.Float64,
            "region_persons": pl.Int64,
            "rs": pl.Float64,
        },
    )
    values = pl.concat(
        [mine.join(region, on="target_group", how="left"), total], how="vertical_relaxed"
    ).with_columns(
        (pl.col("spend") / 1e6).alias("spend"),
        (pl.col("spend") / pl.col("persons") / 1e6).alias("per_person"),
        (pl.col("rs") / pl.col("region_persons") / 1e6).alias("region_per_person"),
    )
    frame = values.select(
        group_column(),
        pl.col("persons").alias("Antal borgere med udgift"),
        pl.col("spend").alias("Udgift i året (mio. kr.)"),
        pl.col("per_person").alias("Udgift pr. borger (mio. kr.)"),
        pl.col("region_persons").alias("Antal borgere i regionen"),
        pl.col("region_per_person").alias("Regionen: udgift pr. borger (mio. kr.)"),
    )
    return show_suppressed(
        frame,
        {
            "Antal borgere med udgift": [
                "Udgift i året (mio. kr.)",
                "Udgift pr. borger (mio. kr.)",
            ],
            "Antal borgere i regionen": ["Regionen: udgift pr. borger (mio. kr.)"],
        },
        decimals={
            "Udgift i året (mio. kr.)": 1,
            "Udgift pr. borger (mio. kr.)": 2,
            "Regionen: udgift pr. borger (mio. kr.)": 2,
        },
    )


def table_profile_expensive(
    con: duckdb.DuckDBPyConnection, kommunekode: str, *, run_dir: Path | None = None
) -> pl.DataFrame:
    """Expensive single cases: citizens whose spend in the year is 1-2 and over 2 mio. kr.,
    and the estimated § 176 refund, for the municipality and the region."""
    code = _check_code(kommunekode)
    frames = ProfileFrames(con, run_dir)
    bands = frames.bands
    labels = [b[0] for b in expensive_bands()]
    mine = _cells(bands, code)
    region = _margin(bands, "col_total")
    refund_rows = frames.refund
    my_refund = refund_rows.filter(pl.col("kommunekode") == code)
    region_refund = _margin(refund_rows, "total")

    def band(frame: pl.DataFrame, label: str) -> Any:
        hit = frame.filter(pl.col("band") == label)
        return hit["persons"][0] if hit.height else None

    rows = []
    for who, frame, total, ref in (
        (municipality_name(code), mine, _total(bands, code, "persons"), my_refund),
        ("Hele regionen", region, _grand(bands, "persons"), region_refund),
    ):
        row: dict[str, Any] = {"": who}
        for label in labels:
            row[f"Antal {label[0].lower()}{label[1:]}"] = band(frame, label)
        row["Antal over 1 mio. kr. i alt"] = total
        row["Antal med § 176-refusion"] = ref["persons_with_refund"][0]
        refund_mio = ref["refund"][0]
        row["Anslået § 176-refusion (mio. kr.)"] = None if refund_mio is None else refund_mio / 1e6
        rows.append(row)
    frame = pl.DataFrame(rows, infer_schema_length=None)
    counts = {c: [] for c in frame.columns[1:] if c.startswith("Antal")}
    counts["Antal med § 176-refusion"] = ["Anslået § 176-refusion (mio. kr.)"]
    return show_suppressed(
        frame.rename({"": "Opgørelse"}),
        counts,
        decimals={"Anslået § 176-refusion (mio. kr.)": 1},
    )


# -- data quality of the municipality's deliveries ---------------------------------------------


def table_profile_deliveries(con: duckdb.DuckDBPyConnection, kommunekode: str) -> pl.DataFrame:
    """The municipality's delivered files: format, rows in, loaded and rejected, status."""
    code = _check_code(kommunekode)
    files = quality.table_files(con).filter(pl.col("Fil").str.starts_with(f"placements/{code}/"))
    return files.select(
        pl.col("Fil").str.split("/").list.last().alias("Fil"),
        "Profil",
        "Tegnsæt",
        "Rækker ind",
        "Indlæst",
        "Afvist",
        "Status",
        "Karantæneårsag",
    )


def table_profile_rejects(con: duckdb.DuckDBPyConnection, kommunekode: str) -> pl.DataFrame:
    """The municipality's rejected rows by reason (rows, not persons) and where its target
    groups come from (the citizen's own, the offer's, none)."""
    code = _check_code(kommunekode)
    name = municipality_name(code)
    rejects = quality.table_rejects_by_municipality(con).filter(pl.col("Kommune") == name)
    rows: list[dict[str, Any]] = []
    if rejects.height:
        for reason in rejects.columns[1:]:
            if reason == "I alt":
                continue
            value = int(rejects[reason][0])
            if value:
                rows.append({"Opgørelse": f"Afviste rækker: {reason}", "Værdi": str(value)})
        rows.append({"Opgørelse": "Afviste rækker i alt", "Værdi": str(int(rejects["I alt"][0]))})
    else:
        rows.append({"Opgørelse": "Afviste rækker i alt", "Værdi": "0"})
    source = quality.table_classification_source(con).filter(pl.col("Kommune") == name)
    if source.height:
        for col in source.columns[2:]:
            rows.append(
                {
                    "Opgørelse": f"Placeringer med {col[0].lower()}{col[1:]}",
                    "Værdi": format_number(source[col][0], 1),
                }
            )
    return pl.DataFrame(rows, schema={"Opgørelse": pl.String, "Værdi": pl.String})


# -- municipality-level forecast ------------------------------------------------------------------


def load_series_flags(con: duckdb.DuckDBPyConnection, run_dir: Path | None) -> pl.DataFrame:
    """Which municipality x target-group series may be published (computed once per run)."""
    return load_publishable_series(con, run_dir)


def publishable_groups(series: pl.DataFrame, kommunekode: str) -> list[str]:
    """Target groups whose series for this municipality may be published, in report order."""
    code = str(kommunekode)
    ok = series.filter(
        (pl.col("level") == "municipality")
        & (pl.col("kommune") == code)
        & pl.col("target_group").is_not_null()
        & pl.col("publishable")
    )["target_group"].to_list()
    return [g for g in group_ids() if g in ok]


def _forecast_rows(forecasts: pl.DataFrame, code: str, groups: list[str]) -> pl.DataFrame:
    quantities = set(forecasts["quantity"].unique().to_list())
    quantity = "census" if "census" in quantities else "stock"
    return forecasts.filter(
        (pl.col("level") == "municipality")
        & (pl.col("kommunekode") == code)
        & pl.col("target_group").is_in(groups)
        & (pl.col("quantity") == quantity)
        & pl.col("model").is_in(["observed", "principal"])
    ).with_columns(pl.lit(quantity).alias("quantity"))


def describe_forecast(
    forecasts: pl.DataFrame | None, series: pl.DataFrame, kommunekode: str
) -> Any:
    """Which target groups' forecasts are shown for the municipality, and why the others
    are not (plain Danish)."""
    code = _check_code(kommunekode)
    name = municipality_name(code)
    shown = publishable_groups(series, code)
    if forecasts is not None and not forecasts.is_empty():
        present = set(
            _forecast_rows(forecasts, code, shown)
            .filter(pl.col("model") == "principal")["target_group"]
            .to_list()
        )
        shown = [g for g in shown if g in present]
    hidden = [g for g in group_ids() if g not in shown]
    if forecasts is None or forecasts.is_empty():
        return markdown(
            "Fremskrivningen for kommunen er ikke tilgængelig i denne kørsel. "
            "Regionens fremskrivning pr. målgruppe står på målgruppesiderne."
        )
    if not shown:
        return markdown(
            f"**Der vises ingen fremskrivning for {name}.** Kommunens tidsserier har i et "
            f"eller flere år under {threshold()} borgere i målgrupperne, og en fremskrivning "
            "ville afsløre dem. Se i stedet regionens fremskrivning på målgruppesiderne; "
            "kommunen indgår i den."
        )
    text = (
        f"Fremskrivningen vises for de målgrupper, hvor {genitive(name)} tidsserie kan "
        f"offentliggøres: {', '.join(shown)}. Den fuldt optrukne linje er det observerede, "
        "den stiplede linje den forventede udvikling og det skraverede bånd det interval, "
        "udviklingen med 80 % sandsynlighed ligger i."
    )
    if hidden:
        text += (
            f" For {', '.join(hidden)} er tallene for små til at blive vist for kommunen; "
            "se regionens fremskrivning på målgruppesiderne."
        )
    return markdown(text)


def plot_profile_forecast(
    forecasts: pl.DataFrame | None, series: pl.DataFrame, kommunekode: str
) -> go.Figure | None:
    """Small multiples, one per publishable target group: the municipality's history and its
    principal forecast with the 80 % band. None when nothing may be shown (the page then
    says why, see describe_forecast)."""
    code = _check_code(kommunekode)
    if forecasts is None or forecasts.is_empty():
        return None
    groups = publishable_groups(series, code)
    rows = _forecast_rows(forecasts, code, groups)
    groups = [
        g for g in groups if rows.filter(pl.col("target_group") == g)["model"].n_unique() == 2
    ]
    if not groups:
        return None
    rules_threshold = threshold()

    def clean(values: list[Any]) -> list[Any]:
        # a forecast below the threshold would disclose as much as a count
        return [
            None if v is None or (0 < v < rules_threshold) else round(float(v), 1)
            for v in nulls_to_none(values)
        ]

    cols = min(4, len(groups))
    n_rows = -(-len(groups) // cols)
    fig = make_subplots(
        rows=n_rows,
        cols=cols,
        subplot_titles=[GROUP_SHORT_LABELS.get(g, g) for g in groups],
        horizontal_spacing=0.06,
        vertical_spacing=0.16,
    )
    for i, g in enumerate(groups):
        r, c = i // cols + 1, i % cols + 1
        part = rows.filter(pl.col("target_group") == g)
        hist = part.filter(pl.col("model") == "observed").sort("year")
        fc = part.filter(pl.col("model") == "principal").sort("year")
        colour = group_colour(g)
        first = i == 0
        fig.add_trace(
            band_trace(
                fc["year"].to_list(),
                clean(fc["p10"].to_list()),
                clean(fc["p90"].to_list()),
                name="80 %-interval",
                fillcolor="rgba(120,120,120,0.2)",
                mode="lines",
                legendgroup="band",
                showlegend=first,
            ),
            row=r,
            col=c,
        )
        fig.add_trace(
            go.Scatter(
                x=hist["year"].to_list(),
                y=clean(hist["observed"].to_list()),
                mode="lines+markers",
                line={"color": colour, "width": 2},
                marker={"size": 4},
                name="Observeret",
                legendgroup="hist",
                showlegend=first,
                hovertemplate="%{x}: %{y:.0f}<extra>Observeret</extra>",
            ),
            row=r,
            col=c,
        )
        fig.add_trace(
            go.Scatter(
                x=fc["year"].to_list(),
                y=clean(fc["mean"].to_list()),
                mode="lines",
                line={"color": colour, "width": 2, "dash": "dash"},
                name="Forventet",
                legendgroup="mean",
                showlegend=first,
                hovertemplate="%{x}: %{y:.0f}<extra>Forventet</extra>",
            ),
            row=r,
            col=c,
        )
    fig.update_yaxes(rangemode="tozero")
    quantity = rows["quantity"][0]
    what = "borgere pr. dag (gns.)" if quantity == "census" else "borgere pr. 1. januar"
    style_figure(
        fig,
        f"Forventet udvikling for {municipality_name(code)}: {what}",
        height=300 * n_rows + 140,
    )
    fig.update_layout(margin={"t": 140})
    return publish_figure(fig)


# -- headline figures ----------------------------------------------------------------------------


def summary_profile(
    con: duckdb.DuckDBPyConnection, kommunekode: str, *, run_dir: Path | None = None
) -> dict[str, Any]:
    """Headline figures of the profile for summary.json (published values only)."""
    code = _check_code(kommunekode)
    stock = ProfileFrames(con, run_dir).stock
    return {
        "kommunekode": code,
        "name": municipality_name(code),
        "year": int(stock["year"][0]),
        "stock_persons": _total(stock, code, "stock"),
        "share_of_cells_suppressed_pct": round(100 * _hidden_share(stock, code, "stock"), 1),
    }
