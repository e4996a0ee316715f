"""The explicit inputs of the capacity-gap calculation for one target group.

The gap library never reads the database itself: `capacity.gap.adapters.load_gap_inputs` fills
these from the metrics (capacity.metrics) and forecast (capacity.forecast) packages, and tests
build them by hand. All quantities are at region level (places are a shared regional pool).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl

PLANNED_SCHEMA = {
    "year": pl.Int64,
    "places": pl.Float64,
    "for_other_municipalities": pl.Float64,
    "project": pl.String,
    "municipality": pl.String,
    "status": pl.String,
}


@dataclass(frozen=True)
class DemandPaths:
    """Forecast demand for one target group: sample paths of the region's average daily census.

    paths: (n_paths, n_years) average daily census (persons in a place on an average day) of
        the 19 municipalities' citizens, wherever they are placed.
    base_year / base_census: the last observed year ("today") and its observed census.
    population_index: (n_years,) projected population of the group's age band in each year
        divided by that in base_year; separates demography from the rate trend. None = unknown.
    """

    target_group: str
    years: list[int]
    paths: np.ndarray
    base_year: int
    base_census: float
    population_index: np.ndarray | None = None

    def __post_init__(self) -> None:
        paths = np.asarray(self.paths, dtype=float)
        if paths.ndim != 2 or paths.shape[1] != len(self.years):
            raise ValueError(
                f"{self.target_group}: paths must have shape (n_paths, {len(self.years)}), "
                f"got {paths.shape}"
            )
        if paths.shape[0] == 0:
            raise ValueError(f"{self.target_group}: no sample paths")
        if not np.all(np.isfinite(paths)) or np.any(paths < 0):
            raise ValueError(f"{self.target_group}: paths must be finite and non-negative")
        if sorted(self.years) != list(self.years) or len(set(self.years)) != len(self.years):
            raise ValueError(f"{self.target_group}: years must be increasing and distinct")
        if self.years and self.years[0] <= self.base_year:
            raise ValueError(f"{self.target_group}: forecast years must lie after base_year")
        object.__setattr__(self, "paths", paths)
        object.__setattr__(self, "years", [int(y) for y in self.years])
        if self.population_index is not None:
            idx = np.asarray(self.population_index, dtype=float)
            if idx.shape != (len(self.years),) or np.any(idx <= 0):
                raise ValueError(
                    f"{self.target_group}: population_index must be positive, one per year"
                )
            object.__setattr__(self, "population_index", idx)

    @property
    def n_paths(self) -> int:
        return int(self.paths.shape[0])

    def year_index(self, year: int) -> int:
        """Column of `year` in paths."""
        try:
            return self.years.index(int(year))
        except ValueError:
            raise ValueError(
                f"{self.target_group}: year {year} is not a forecast year ({self.years})"
            ) from None


@dataclass(frozen=True)
class Supply:
    """Places for one target group in approved offers located in the region, plus plans.

    places_apportioned: an offer's places split evenly over the groups it serves (no double
        counting; the groups add up to the region's places).
    places_counted: every place counted in every group the offer serves (an upper bound).
    planned: one row per planned project: year (first year the places exist), places,
        for_other_municipalities (of those places; the rest are internal), and optionally
        project, municipality, status.
    """

    target_group: str
    places_apportioned: float
    places_counted: float
    planned: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=PLANNED_SCHEMA))
    extract_date: str | None = None

    def __post_init__(self) -> None:
        if self.places_apportioned < 0 or self.places_counted < 0:
            raise ValueError(f"{self.target_group}: places must be non-negative")
        planned = self.planned
        missing = {"year", "places", "for_other_municipalities"} - set(planned.columns)
        if missing:
            raise ValueError(
                f"{self.target_group}: planned capacity lacks columns {sorted(missing)}"
            )
        for col, dtype in PLANNED_SCHEMA.items():
            if col not in planned.columns:
                planned = planned.with_columns(pl.lit(None, dtype=dtype).alias(col))
        planned = planned.select([pl.col(c).cast(t) for c, t in PLANNED_SCHEMA.items()]).sort(
            "year", "project", nulls_last=True
        )
        if planned.filter(pl.col("for_other_municipalities") > pl.col("places")).height:
            raise ValueError(
                f"{self.target_group}: a planned project has more places for other "
                "municipalities than places"
            )
        object.__setattr__(self, "planned", planned)

    def places(self, method: str) -> float:
        """Current places by counting method: 'apportioned' or 'counted'."""
        if method == "apportioned":
            return float(self.places_apportioned)
        if method == "counted":
            return float(self.places_counted)
        raise ValueError(f"unknown counting method {method!r} (apportioned | counted)")


@dataclass(frozen=True)
class ProvisionMix:
    """Today's use of places by the region's citizens in one target group, split by where the
    place is and who runs it (the adapter counts placements in force on the data date; only
    the shares and the private count are used, so an average daily census works as well).

    public = kommunal or regional; private = selvejende or privat. unknown = placements whose
    provider could not be matched to an offer (shares are taken over the known part).
    unit_cost_*: paid prices, kr. per occupied place-year (spend ÷ census); None = unknown.
    """

    target_group: str
    public_in_region: float
    private_in_region: float
    public_outside: float
    private_outside: float
    unknown: float = 0.0
    unit_cost_public: float | None = None
    unit_cost_private: float | None = None

    def __post_init__(self) -> None:
        values = (
            self.public_in_region,
            self.private_in_region,
            self.public_outside,
            self.private_outside,
            self.unknown,
        )
        if any(v < 0 for v in values):
            raise ValueError(f"{self.target_group}: census figures must be non-negative")

    @property
    def known(self) -> float:
        return (
            self.public_in_region
            + self.private_in_region
            + self.public_outside
            + self.private_outside
        )

    def _share(self, value: float) -> float:
        return value / self.known if self.known > 0 else 0.0

    @property
    def outside_share(self) -> float:
        """Share of today's demand met by places outside the region."""
        return self._share(self.public_outside + self.private_outside)

    @property
    def private_share(self) -> float:
        """Share of today's demand met by private or selvejende providers."""
        return self._share(self.private_in_region + self.private_outside)

    @property
    def private_outside_share(self) -> float:
        """Share of today's demand met by private providers outside the region."""
        return self._share(self.private_outside)

    @classmethod
    def neutral(cls, target_group: str) -> ProvisionMix:
        """Everybody placed in the region by public providers (no mix data at hand)."""
        return cls(target_group, 1.0, 0.0, 0.0, 0.0)


@dataclass(frozen=True)
class GapInputs:
    """Everything the gap calculation needs for one target group."""

    demand: DemandPaths
    supply: Supply
    mix: ProvisionMix

    def __post_init__(self) -> None:
        groups = {self.demand.target_group, self.supply.target_group, self.mix.target_group}
        if len(groups) != 1:
            raise ValueError(f"inputs mix target groups: {sorted(groups)}")

    @property
    def target_group(self) -> str:
        return self.demand.target_group
