"""What every metric needs: the derived state (data window, rule values) and small helpers."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import duckdb
import polars as pl

from capacity.config import load_conf, municipalities, read_sql
from capacity.errors import MissingDataError
from capacity.targetgroups import TargetGroupRules, load_rules

LEVELS = ("municipality", "region")


@dataclass(frozen=True)
class DerivedState:
    """The values derive used (derived_meta), so metrics agree with the derived tables."""

    data_date: dt.date
    first_year: int | None
    last_year: int | None
    age_cut: int
    aftercare_max_age: int
    episode_gap_days: int
    offer_types: tuple[str, ...] | None

    @property
    def years(self) -> list[int]:
        """The complete calendar years of the data window (may be empty)."""
        if self.first_year is None or self.last_year is None:
            return []
        return list(range(self.first_year, self.last_year + 1))

    @property
    def rule_params(self) -> dict[str, Any]:
        """SQL parameters for the target group at a reference date."""
        return {"age_cut": self.age_cut, "aftercare_max_age": self.aftercare_max_age}

    def default_year(self) -> int:
        """The latest complete year of the window (raises when there is none)."""
        if self.last_year is None or not self.years:
            raise MissingDataError(
                "The data hold no complete calendar year yet, so yearly figures cannot be "
                "computed. Check the data date (capacity/conf/metrics.yaml)."
            )
        return self.last_year


def derived_state(con: duckdb.DuckDBPyConnection) -> DerivedState:
    """Read derived_meta; a clear message when ingest has not built the derived tables."""
    try:
        rows = dict(con.execute("SELECT key, value FROM derived_meta").fetchall())
    except duckdb.CatalogException:
        raise MissingDataError(
            "The derived tables are missing from the database. Run `capacity ingest` first."
        ) from None
    if not rows.get("data_date"):
        raise MissingDataError(
            "The database holds no placements yet, so there is nothing to measure. "
            "Put deliveries in data_raw/placements/ and run `capacity ingest`."
        )
    offer_types = rows.get("episode_offer_types") or ""
    return DerivedState(
        data_date=dt.date.fromisoformat(rows["data_date"]),
        first_year=int(rows["first_year"]) if rows.get("first_year") else None,
        last_year=int(rows["last_year"]) if rows.get("last_year") else None,
        age_cut=int(rows["age_cut"]),
        aftercare_max_age=int(rows["aftercare_max_age"]),
        episode_gap_days=int(rows["episode_gap_days"]),
        offer_types=tuple(offer_types.split("|")) if offer_types else None,
    )


def compute_data_date(con: duckdb.DuckDBPyConnection) -> dt.date:
    """The data date the derived tables were built with (docs/metrics.md §1)."""
    return derived_state(con).data_date


def query(
    con: duckdb.DuckDBPyConnection, sql_name: str, params: Mapping[str, Any] | None = None
) -> pl.DataFrame:
    """Run ``capacity/sql/<sql_name>.sql`` with named parameters, as a polars frame."""
    return con.sql(read_sql(sql_name), params=dict(params or {})).pl()


def region_code() -> str:
    """The region's code (1082), used as kommunekode of region-level rows."""
    return str(load_conf("municipalities")["region"]["code"])


def check_level(level: str) -> None:
    """Raise a plain ValueError for an unknown level."""
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, not {level!r}")


def days_in_year(year: int) -> int:
    """365 or 366."""
    return 366 if calendar.isleap(year) else 365


def year_days(year: pl.Expr) -> pl.Expr:
    """Days in the year of an integer year expression (366 in leap years)."""
    return pl.when(pl.date(year, 1, 1).dt.is_leap_year()).then(366).otherwise(365)


def group_ids(rules: TargetGroupRules | None = None) -> list[str]:
    """Analysis group ids in reporting order (B1..B3, V1..V4, X)."""
    return (rules or load_rules()).group_ids


def municipality_codes(extra: Sequence[str] = ()) -> list[str]:
    """The region's 19 codes plus any other codes seen in the data, sorted."""
    return sorted(set(municipalities()) | {str(c) for c in extra if c is not None})


def full_grid(
    columns: Mapping[str, Sequence[Any]], dtypes: Mapping[str, pl.DataType]
) -> pl.DataFrame:
    """Cartesian product of the given values (for zero-filling), in the given column order."""
    frames = [
        pl.DataFrame({name: list(values)}, schema={name: dtypes[name]})
        for name, values in columns.items()
    ]
    grid = frames[0]
    for frame in frames[1:]:
        grid = grid.join(frame, how="cross")
    return grid
