"""Data quality: what each delivery contributed, what was rejected and why, what is unmatched."""

from __future__ import annotations

import duckdb
import plotly.graph_objects as go
import polars as pl

from capacity.config import load_conf, municipalities, read_sql


def _municipality_name(code: str) -> str:
    names = municipalities() | {
        str(m["code"]): m["name"] for m in load_conf("municipalities")["outside_region"]
    }
    return names.get(code, code or "—")


def table_files(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """One row per input file: profile, encoding, rows in/loaded/rejected, status."""
    labels = load_conf("labels")
    df = con.sql(read_sql("quality_files")).pl()
    kinds = labels["input_kinds"]
    return df.select(
        pl.col("kind").replace_strict(kinds, default=pl.col("kind")).alias("Input"),
        pl.col("file").alias("Fil"),
        pl.col("profile").alias("Profil"),
        pl.col("encoding").alias("Tegnsæt"),
        pl.col("rows_in").alias("Rækker ind"),
        pl.col("rows_loaded").alias("Indlæst"),
        pl.col("rows_rejected").alias("Afvist"),
        pl.col("blank_lines").alias("Tomme linjer"),
        pl.col("status").replace_strict(labels["file_status"], default=pl.col("status"))
        .alias("Status"),
        pl.col("reason")
        .replace_strict(labels["quarantine_reasons"], default=pl.col("reason"))
        .alias("Karantæneårsag"),
    )  # fmt: skip


def table_rejects_by_municipality(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Rejected placement rows per delivering municipality (rows) and reason (columns)."""
    labels = load_conf("labels")["reject_reasons"]
    df = con.sql(read_sql("quality_rejects")).pl()
    if df.is_empty():
        return pl.DataFrame(
            {"Kommune": [], "I alt": []}, schema={"Kommune": pl.String, "I alt": pl.Int64}
        )
    df = df.with_columns(
        pl.col("kommunekode").map_elements(_municipality_name, return_dtype=pl.String)
        .alias("Kommune"),
        pl.col("reason").replace_strict(labels, default=pl.col("reason")).alias("reason"),
    )  # fmt: skip
    wide = df.pivot(on="reason", index="Kommune", values="rows_rejected", sort_columns=True)
    wide = wide.fill_null(0).sort("Kommune")
    reasons = [c for c in wide.columns if c != "Kommune"]
    return wide.with_columns(pl.sum_horizontal(reasons).alias("I alt"))


def table_unmatched_providers(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Provider names that could not be tied to a Tilbudsportalen offer, with placements."""
    return (
        con.sql(read_sql("quality_unmatched_providers"))
        .pl()
        .rename(
            {
                "leverandoer": "Leverandør",
                "placements": "Placeringer",
                "municipalities": "Kommuner",
            }
        )
    )


def table_classification_source(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Share of placements whose target group comes from the citizen, the offer, or nothing."""
    df = con.sql(read_sql("quality_tg_source")).pl()
    total = df.select(
        pl.lit("Hele regionen").alias("kommunekode"), pl.all().exclude("kommunekode").sum()
    )
    df = pl.concat(
        [
            df.with_columns(
                pl.col("kommunekode").map_elements(_municipality_name, return_dtype=pl.String)
            ),
            total,
        ]
    )
    return df.select(
        pl.col("kommunekode").alias("Kommune"),
        pl.col("placements").alias("Placeringer"),
        _share("from_citizen").alias("Borgerens målgruppe (%)"),
        _share("from_offer").alias("Tilbuddets målgrupper (%)"),
        _share("from_none").alias("Ingen målgruppe (%)"),
    )


def _share(column: str) -> pl.Expr:
    return (100 * pl.col(column) / pl.col("placements")).round(1)


def table_extracts(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Tilbudsportalen extracts: offers, departments and places per extract date."""
    return (
        con.sql(read_sql("quality_extracts"))
        .pl()
        .rename(
            {
                "extract_date": "Udtræksdato",
                "offers": "Tilbud",
                "departments": "Afdelinger",
                "places": "Pladser i alt",
                "places_in_region": "Godkendte pladser i regionen",
            }
        )
    )


def plot_rows_by_municipality(con: duckdb.DuckDBPyConnection) -> go.Figure:
    """Stacked bars of loaded and rejected placement rows per delivering municipality."""
    df = (
        con.sql(read_sql("quality_files"))
        .pl()
        .filter(pl.col("kind") == "placements")
        .with_columns(pl.col("file").str.split("/").list.get(1).alias("kommunekode"))
        .group_by("kommunekode")
        .agg(pl.col("rows_loaded").sum(), pl.col("rows_rejected").sum())
        .sort("kommunekode")
        .with_columns(
            pl.col("kommunekode")
            .map_elements(_municipality_name, return_dtype=pl.String)
            .alias("kommune")
        )
    )
    fig = go.Figure(
        [
            go.Bar(x=df["kommune"].to_list(), y=df["rows_loaded"].to_list(), name="Indlæst"),
            go.Bar(x=df["kommune"].to_list(), y=df["rows_rejected"].to_list(), name="Afvist"),
        ]
    )
    fig.update_layout(
        barmode="stack",
        title="Placeringsrækker pr. leverende kommune",
        yaxis_title="Rækker",
        height=440,
        legend_orientation="h",
    )
    return fig
