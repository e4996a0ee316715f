"""Charts of forecasts and backtests (plotly figures, Danish labels)."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from capacity.figures import band_trace
from capacity.forecast.outputs import MODEL_LABELS, QUANTITY_LABELS


def plot_fan_chart(
    table: pl.DataFrame,
    *,
    quantity: str = "census",
    level: str = "region",
    kommunekode: str | None = None,
    model: str = "principal",
) -> go.Figure:
    """Fan chart: observed history, the forecast mean, the 80 % and 95 % intervals."""
    sel = (pl.col("quantity") == quantity) & (pl.col("level") == level)
    if kommunekode is not None:
        sel = sel & (pl.col("kommunekode") == kommunekode)
    part = table.filter(sel)
    hist = part.filter(pl.col("model") == "observed").sort("year")
    fc = part.filter(pl.col("model") == model).sort("year")
    fig = go.Figure()
    if fc.height:
        years = fc["year"].to_list()
        for lo, hi, name, alpha in (
            ("p025", "p975", "95 %-interval", 0.15),
            ("p10", "p90", "80 %-interval", 0.30),
        ):
            fig.add_trace(
                band_trace(
                    years,
                    fc[lo].to_list(),
                    fc[hi].to_list(),
                    name=name,
                    fillcolor=f"rgba(31, 119, 180, {alpha})",
                )
            )
        fig.add_trace(
            go.Scatter(
                x=years,
                y=fc["mean"].to_list(),
                mode="lines+markers",
                line={"color": "rgb(31, 119, 180)"},
                name=f"Fremskrivning ({MODEL_LABELS.get(model, model).lower()})",
            )
        )
    if hist.height:
        fig.add_trace(
            go.Scatter(
                x=hist["year"].to_list(),
                y=hist["observed"].to_list(),
                mode="lines+markers",
                line={"color": "black"},
                name="Observeret",
            )
        )
    group = table["target_group"][0] if table.height else ""
    source = fc["source_model"][0] if fc.height and "source_model" in fc.columns else None
    subtitle = f" - model: {MODEL_LABELS.get(source, source)}" if source else ""
    fig.update_layout(
        title=f"{group}: {QUANTITY_LABELS.get(quantity, quantity)}{subtitle}",
        xaxis_title="År",
        yaxis_title=QUANTITY_LABELS.get(quantity, quantity),
        yaxis_rangemode="tozero",
        legend={"orientation": "h"},
    )
    return fig


def plot_backtest_skill(
    scoreboard: pl.DataFrame, *, quantity: str = "census", level: str = "region"
) -> go.Figure:
    """Relative MAE vs naive by horizon for every model (below 1 = better than naive)."""
    part = scoreboard.filter((pl.col("quantity") == quantity) & (pl.col("level") == level))
    fig = go.Figure()
    for model in sorted(part["model"].unique().to_list()):
        rows = part.filter(pl.col("model") == model).sort("h")
        fig.add_trace(
            go.Scatter(
                x=rows["h"].to_list(),
                y=rows["rmae"].to_list(),
                mode="lines+markers",
                name=MODEL_LABELS.get(model, model),
            )
        )
    fig.add_hline(y=1.0, line_dash="dash", line_color="grey")
    fig.update_layout(
        title="Fejl i forhold til naiv fremskrivning (under 1 = bedre)",
        xaxis_title="År frem",
        yaxis_title="Relativ MAE",
        xaxis={"dtick": 1},
    )
    return fig
