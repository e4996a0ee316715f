"""What the database holds: files and rows per input kind, persons in placement over time."""

from __future__ import annotations

import duckdb
import plotly.graph_objects as go
import polars as pl

from capacity.config import read_sql

_KIND_LABELS = {
    "placements": "Placeringer",
    "tilbudsportalen": "Tilbudsportalen-udtræk",
    "provider_mapping": "Leverandørmapning",
    "population": "Befolkning",
    "projection": "Befolkningsfremskrivning",
    "planned_capacity": "Planlagt kapacitet",
    "waiting_list": "Venteliste",
}


def table_loaded_files(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Files and rows per kind of input, with Danish headers for the report."""
    df = con.sql(read_sql("inventory_files")).pl()
    return df.with_columns(
        pl.col("kind").replace_strict(_KIND_LABELS, default=pl.col("kind"))
    ).rename(
        {
            "kind": "Input",
            "files": "Filer",
            "files_quarantined": "Filer i karantæne",
            "rows_in": "Rækker ind",
            "rows_loaded": "Rækker indlæst",
            "rows_rejected": "Rækker afvist",
        }
    )


def table_persons_by_year(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Distinct persons in placement on 1 January of each year, region-wide."""
    return con.sql(read_sql("inventory_persons_by_year")).pl()


def plot_persons_by_year(con: duckdb.DuckDBPyConnection, height: int = 420) -> go.Figure:
    """Line chart of persons in placement on 1 January, region-wide."""
    df = table_persons_by_year(con)
    fig = go.Figure(
        go.Scatter(
            x=df["year"].to_list(),
            y=df["persons"].to_list(),
            mode="lines+markers",
            name="Borgere i tilbud 1. januar",
            meta={"measure": "persons"},
        )
    )
    fig.update_layout(
        title="Borgere i et tilbud pr. 1. januar, hele regionen",
        xaxis_title="År",
        yaxis_title="Antal borgere",
        yaxis_rangemode="tozero",
        height=height,
    )
    return fig


def summary_persons(persons: pl.DataFrame) -> dict[str, int]:
    """Headline figure for summary.json: persons in placement on 1 January of the latest year."""
    last = persons.filter(pl.col("persons") > 0).tail(1)
    if last.is_empty():
        return {}
    return {"year": int(last["year"][0]), "placed_persons": int(last["persons"][0])}
