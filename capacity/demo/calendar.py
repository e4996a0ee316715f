"""Day arithmetic for the generator: a date is an integer day number since 1970-01-01."""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl

EXCEL_EPOCH_OFFSET = 25569  # Excel serial of 1970-01-01 (1900 date system)
OPEN_END = 10**6  # "never" as a day number


def day(value: str | date) -> int:
    """Day number of an ISO date string or a date."""
    d = date.fromisoformat(value) if isinstance(value, str) else value
    return int(np.datetime64(d, "D").astype(np.int64))


def year_start(years: np.ndarray) -> np.ndarray:
    """Day number of 1 January of each year."""
    return (
        (np.asarray(years) - 1970).astype("datetime64[Y]").astype("datetime64[D]").astype(np.int64)
    )


def year_of(days: np.ndarray) -> np.ndarray:
    """Calendar year of day numbers."""
    return days.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970


def add_years(days: np.ndarray, years: int) -> np.ndarray:
    """Same calendar day ``years`` later (29 February becomes 1 March)."""
    d = days.astype("datetime64[D]")
    month = d.astype("datetime64[M]")
    offset = (d - month.astype("datetime64[D]")).astype(np.int64)
    return (month + 12 * years).astype("datetime64[D]").astype(np.int64) + offset


def format_days(days: np.ndarray, fmt: str) -> list[str | None]:
    """Format day numbers with a strftime pattern; ``OPEN_END`` (ongoing) gives None."""
    series = pl.Series(days, dtype=pl.Int32).cast(pl.Date)
    out = series.dt.strftime(fmt).to_list()
    return [None if d >= OPEN_END else s for d, s in zip(days.tolist(), out, strict=True)]
