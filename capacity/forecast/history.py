"""Stock and flow per municipality x year computed from episodes (metrics conventions).

The metrics layer is the authority for published history; this module recomputes the same
figures from a span frame where the engine needs them (series-break corrections, the
synthetic test data, checks against the metrics): person-days count both ends; the 1 January
stock is people whose episode began before 1 January and is open on it (a span that starts on
1 January by a change of group counts); inflow counts entries in the year, outflow exits.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from capacity.forecast.inputs import HISTORY_SCHEMA, normalise_episodes
from capacity.forecast.panel import OPEN_END, day_number, jan1


def compute_history_from_episodes(
    episodes: pl.DataFrame,
    kommuner: list[str] | tuple[str, ...],
    years: range | list[int],
    data_date: dt.date,
) -> pl.DataFrame:
    """History frame (kommunekode, year, census, stock, inflow, outflow) from episodes."""
    years = list(years)
    index = {k: i for i, k in enumerate(kommuner)}
    kommune = np.array([index.get(k, -1) for k in episodes["kommunekode"].to_list()])
    episodes = normalise_episodes(episodes)
    start = episodes["start_date"].cast(pl.Int64).to_numpy().astype(np.int64)
    end = episodes["end_date"].cast(pl.Int64).fill_null(OPEN_END).to_numpy().astype(np.int64)
    entered = episodes["entered"].to_numpy().astype(bool)
    ended = episodes["ended"].to_numpy().astype(bool)
    data_day = day_number(data_date)
    ended = ended & (end <= data_day)
    end = np.where(end > data_day, OPEN_END, end)
    keep = kommune >= 0
    kommune, start, end = kommune[keep], start[keep], end[keep]
    entered, ended = entered[keep], ended[keep]
    # stock counts people whose episode began before 1 January: a span that starts on
    # 1 January by a change of group or municipality is such a person
    stock_start = np.where(entered, start, start - 1)
    k_count = len(kommuner)
    rows: list[dict] = []
    for y in years:
        lo, hi = jan1(y), jan1(y + 1)
        last_day = min(hi, data_day + 1)
        days = np.clip(np.minimum(end + 1, last_day) - np.maximum(start, lo), 0, None)
        census = np.bincount(kommune, weights=days, minlength=k_count) / (hi - lo)
        stock = np.bincount(kommune[(stock_start < lo) & (end >= lo)], minlength=k_count)
        inflow = np.bincount(kommune[entered & (start >= lo) & (start < hi)], minlength=k_count)
        outflow = np.bincount(kommune[ended & (end >= lo) & (end < hi)], minlength=k_count)
        for k, code in enumerate(kommuner):
            rows.append(
                {
                    "kommunekode": code,
                    "year": y,
                    "census": float(census[k]),
                    "stock": float(stock[k]),
                    "inflow": float(inflow[k]),
                    "outflow": float(outflow[k]),
                }
            )
    return pl.DataFrame(
        rows,
        schema=HISTORY_SCHEMA,
    )
