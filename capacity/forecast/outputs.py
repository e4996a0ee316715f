"""Tables and files made from forecast results: the forecast CSV/Parquet, sample paths, and
the backtest summary of the principal models."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import polars as pl

from capacity.forecast.engine import ForecastResult

# Danish labels for report readers (the `model` column keeps the English ids).
MODEL_LABELS = {
    "observed": "Observeret",
    "principal": "Hovedfremskrivning",
    "naive": "Naiv (sidste år)",
    "mean": "Historisk gennemsnit",
    "drift": "Lineær trend (drift)",
    "demographic_constant": "Demografisk (uændret rate)",
    "demographic_trend": "Demografisk (rate med trend)",
    "ets": "Eksponentiel udjævning (ETS)",
    "theta": "Theta",
    "arima": "ARIMA",
    "stockflow": "Bestand-strøm (simulation)",
    "ensemble": "Kombination",
}
QUANTITY_LABELS = {
    "census": "Gennemsnitlig belægning (personer)",
    "stock": "Bestand 1. januar (personer)",
    "inflow": "Tilgang i året (forløb)",
}


def write_forecast_table(table: pl.DataFrame, path: Path | str) -> Path:
    """Write the forecast table as CSV (or Parquet for a .parquet path), sorted and rounded
    so the same data and seed give a byte-identical file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    keys = ["target_group", "quantity", "level", "kommunekode", "model", "year"]
    out = table.sort(keys, descending=[False, False, True, False, False, False]).with_columns(
        pl.col(pl.Float64).round(4)
    )
    if path.suffix.lower() == ".parquet":
        out.write_parquet(path)
    else:
        out.write_csv(path)
    return path


def table_sample_paths(
    result: ForecastResult, quantity: str = "census", level: str = "region"
) -> pl.DataFrame:
    """The stock-flow model's sample paths in long form: path, kommunekode, year, value.

    level 'region' gives the region row only; 'municipality' every municipality. The region
    value of a path is the sum of that path's municipality values.
    """
    if quantity not in result.paths:
        return pl.DataFrame(
            schema={
                "path": pl.Int64,
                "kommunekode": pl.String,
                "year": pl.Int64,
                "value": pl.Float64,
            }
        )
    paths = result.paths[quantity]  # (P, S, H)
    rows = [0] if level == "region" else list(range(1, paths.shape[1]))
    sub = paths[:, rows, :]
    n_paths, n_rows, horizon = sub.shape
    codes = np.array(result.series_codes, dtype=object)[rows]
    return pl.DataFrame(
        {
            "path": np.repeat(np.arange(n_paths), n_rows * horizon),
            "kommunekode": np.tile(np.repeat(codes, horizon), n_paths).tolist(),
            "year": np.tile(result.years, n_paths * n_rows),
            "value": sub.reshape(-1),
        }
    )


def table_principal_scores(
    results: Iterable[ForecastResult], quantity: str = "census", level: str = "region"
) -> pl.DataFrame:
    """Backtest scores of each group's principal model by horizon (one row per group x h)."""
    frames = []
    for r in results:
        if r.backtest is None or quantity not in r.principal:
            continue
        model = r.principal[quantity]
        frames.append(
            r.backtest.scoreboard.filter(
                (pl.col("quantity") == quantity)
                & (pl.col("level") == level)
                & (pl.col("model") == model)
            )
        )
    if not frames:
        return pl.DataFrame()
    return pl.concat(frames).sort(["target_group", "h"])


def table_headline(principal_scores: pl.DataFrame) -> pl.DataFrame:
    """Average over target groups per horizon: mean rMAE and pooled 80 % / 95 % coverage."""
    return (
        principal_scores.group_by("h")
        .agg(
            groups=pl.len(),
            rmae=pl.col("rmae").mean(),
            cov80=(pl.col("cov80") * pl.col("n")).sum() / pl.col("n").sum(),
            cov95=(pl.col("cov95") * pl.col("n")).sum() / pl.col("n").sum(),
            n=pl.col("n").sum(),
        )
        .sort("h")
    )
