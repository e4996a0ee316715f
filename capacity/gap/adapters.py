"""Thin adapters: fill the gap inputs from the metrics and forecast packages.

Nothing here computes a metric or a forecast of its own: supply comes from
`capacity.metrics.compute_supply`, today's placements, their ownership, location and prices from
`capacity.metrics.table_placement_status` / `table_placement_costs` / `table_offer_groups`,
population from `capacity.metrics.compute_population_by_group`, and demand paths from
`capacity.forecast.forecast_target_group` (the stock-flow model's region sample paths). The
adapters only select, relabel and sum what those return.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import duckdb
import numpy as np
import polars as pl

from capacity.config import load_conf
from capacity.errors import MissingDataError
from capacity.gap.inputs import DemandPaths, GapInputs, ProvisionMix, Supply
from capacity.gap.labels import SEVEN_GROUPS

if TYPE_CHECKING:
    from capacity.forecast import ForecastResult

# Ownership (capacity.metrics.geography) and ejerform (Tilbudsportalen) -> provider kind.
OWNERSHIP_PROVIDER = {
    "kommunal_egen": "public",
    "kommunal_anden": "public",
    "regional": "public",
    "selvejende": "private",
    "privat": "private",
}
EJERFORM_PROVIDER = {
    "kommunal": "public",
    "regional": "public",
    "selvejende": "private",
    "privat": "private",
}
LOCATION_IN_REGION = {"egen_kommune": True, "regionen": True, "uden_for_regionen": False}


def _region_code() -> str:
    return str(load_conf("municipalities")["region"]["code"])


# -- demand -----------------------------------------------------------------------------------


def run_forecast(
    con: duckdb.DuckDBPyConnection,
    target_group: str,
    *,
    horizon: int | None = None,
    seed: int | None = None,
    backtest: bool = False,
) -> ForecastResult:
    """The forecast engine's result for one group (no backtest by default: only the sample
    paths are needed here; pass a result from the report run to reuse its backtest)."""
    from capacity.forecast import forecast_target_group, load_forecast_input

    horizon = int(horizon or load_conf("forecast").get("horizon", 6))
    inp = load_forecast_input(con, target_group)
    return forecast_target_group(inp, horizon=horizon, seed=seed, backtest=backtest)


def compute_population_index(
    population: pl.DataFrame, target_group: str, base_year: int, years: Sequence[int]
) -> np.ndarray:
    """Projected population of the group's age band in each year ÷ that in base_year.

    `population`: capacity.metrics.compute_population_by_group(level='region'). Actual figures
    win over projections, the newest projection vintage over older ones; a year without
    figures takes the nearest year's (as the forecast engine does).
    """
    pop = population.filter(pl.col("target_group") == target_group)
    if pop.is_empty():
        raise MissingDataError(f"No population figures for target group {target_group}.")
    ranked = pop.with_columns(
        pl.when(pl.col("kind") == "actual").then(0).otherwise(1).alias("_rank"),
        pl.col("vintage").fill_null(""),
    ).sort(["year", "_rank", "vintage"], descending=[False, False, True])
    by_year = ranked.group_by("year", maintain_order=True).first()
    known = dict(zip(by_year["year"].to_list(), by_year["population"].to_list(), strict=True))
    known_years = np.array(sorted(known))

    def value(year: int) -> float:
        nearest = int(known_years[np.abs(known_years - year).argmin()])
        return float(known[nearest])

    base = value(base_year)
    if base <= 0:
        raise MissingDataError(f"Population of target group {target_group} is 0 in {base_year}.")
    return np.array([value(y) / base for y in years])


def load_demand_paths(
    con: duckdb.DuckDBPyConnection,
    target_group: str,
    *,
    forecast: ForecastResult | None = None,
    population: pl.DataFrame | None = None,
    horizon: int | None = None,
    seed: int | None = None,
) -> tuple[DemandPaths, tuple[str, ...]]:
    """Region sample paths of the average daily census, today's observed census and the
    population index; with notes (e.g. when the principal model is not the path model)."""
    from capacity import metrics

    forecast = forecast or run_forecast(con, target_group, horizon=horizon, seed=seed)
    if "census" not in forecast.paths:
        raise MissingDataError(
            f"Target group {target_group}: the forecast has no census sample paths (the "
            "stock-flow model did not run), so the capacity gap cannot be computed."
        )
    region = _region_code()
    row = forecast.series_codes.index(region) if region in forecast.series_codes else 0
    paths = np.asarray(forecast.paths["census"][:, row, :], dtype=float)
    years = [int(y) for y in forecast.years]
    base_year = years[0] - 1
    observed = forecast.table.filter(
        (pl.col("level") == "region")
        & (pl.col("quantity") == "census")
        & (pl.col("model") == "observed")
        & (pl.col("year") == base_year)
    )["observed"]
    if observed.is_empty() or observed[0] is None:
        raise MissingDataError(
            f"Target group {target_group}: no observed census for {base_year} in the forecast."
        )
    if population is None:
        population = metrics.compute_population_by_group(con, level="region")
    index = compute_population_index(population, target_group, base_year, years)
    notes = list(forecast.notes)
    principal = forecast.principal.get("census")
    if principal and principal != "stockflow":
        paths = match_principal(paths, forecast.table, years)
        notes.append(
            f"the backtest chose '{principal}' as principal census model; the gap uses the "
            "stock-flow sample paths re-centred and re-scaled, year by year, to that model's "
            "mean and 80 % interval, so gap and forecast tell the same story"
        )
    demand = DemandPaths(target_group, years, paths, base_year, float(observed[0]), index)
    return demand, tuple(notes)


_Z80 = 1.2815515655446004  # standard normal 90 % quantile: p10..p90 spans 2 x _Z80 sd


def match_principal(paths: np.ndarray, table: pl.DataFrame, years: list[int]) -> np.ndarray:
    """Stock-flow paths moved to the principal model's region mean and spread per year.

    Each year's path values are standardised and mapped onto the principal forecast's mean and
    the standard deviation implied by its (backtest-calibrated) 80 % interval. A path keeps its
    rank every year, so the paths stay coherent over time; values are never negative.
    """
    principal = table.filter(
        (pl.col("level") == "region")
        & (pl.col("quantity") == "census")
        & (pl.col("model") == "principal")
        & (pl.col("kind") == "forecast")
    )
    by_year = {int(r["year"]): r for r in principal.iter_rows(named=True)}
    out = paths.copy()
    for j, year in enumerate(years):
        row = by_year.get(year)
        if row is None or row["mean"] is None:
            continue
        column = paths[:, j]
        sd = float(column.std())
        target_sd = max(float(row["p90"]) - float(row["p10"]), 0.0) / (2 * _Z80)
        z = (column - column.mean()) / sd if sd > 0 else np.zeros_like(column)
        out[:, j] = np.maximum(float(row["mean"]) + z * target_sd, 0.0)
    return out


# -- supply -----------------------------------------------------------------------------------


def _residential_paragraphs(con: duckdb.DuckDBPyConnection) -> set[str] | None:
    """Paragraph codes of offer types that count as places (None = every type counts)."""
    from capacity.metrics.base import derived_state
    from capacity.metrics.settings import paragraph_attributes

    counted = derived_state(con).offer_types
    if counted is None:
        return None
    return {c for c, a in paragraph_attributes(con).items() if a.get("offer_type") in counted}


def load_planned(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """The planned_capacity table (lånepulje and other plans) in the gap's column names,
    only paragraphs whose offer type counts as places (as the supply)."""
    planned = con.table("planned_capacity").pl()
    keep = _residential_paragraphs(con)
    if keep is not None:
        planned = planned.filter(pl.col("paragraf").is_in(sorted(keep)))
    return planned.select(
        pl.col("target_group"),
        pl.col("aar").cast(pl.Int64).alias("year"),
        pl.col("pladser").cast(pl.Float64).alias("places"),
        pl.col("pladser_andre_kommuner").cast(pl.Float64).alias("for_other_municipalities"),
        pl.col("projekt").alias("project"),
        pl.col("kommunekode").cast(pl.String).alias("municipality"),
        pl.col("status"),
    )


def load_supply(
    con: duckdb.DuckDBPyConnection,
    target_group: str,
    *,
    supply: pl.DataFrame | None = None,
    planned: pl.DataFrame | None = None,
    extract_date: dt.date | None = None,
) -> Supply:
    """Places today (both counting methods) from capacity.metrics.compute_supply and the
    group's planned projects."""
    from capacity import metrics

    supply = (
        supply if supply is not None else metrics.compute_supply(con, extract_date=extract_date)
    )
    planned = planned if planned is not None else load_planned(con)
    row = supply.filter(pl.col("target_group") == target_group)
    if row.is_empty():
        raise MissingDataError(f"No supply figures for target group {target_group}.")
    return Supply(
        target_group,
        places_apportioned=float(row["places_apportioned"][0]),
        places_counted=float(row["places_counted"][0]),
        planned=planned.filter(pl.col("target_group") == target_group).drop("target_group"),
        extract_date=str(row["extract_date"][0]),
    )


# -- today's use of places and prices -----------------------------------------------------------


def load_provision_mix(
    con: duckdb.DuckDBPyConnection,
    target_group: str,
    *,
    status: pl.DataFrame | None = None,
    costs: pl.DataFrame | None = None,
    year: int | None = None,
) -> ProvisionMix:
    """Placements in force on the data date by location × provider
    (capacity.metrics.table_placement_status), and the paid price per occupied place-year by
    provider in `year` (capacity.metrics.table_placement_costs: spend ÷ place-years)."""
    from capacity import metrics
    from capacity.metrics.base import days_in_year, derived_state

    status = status if status is not None else metrics.table_placement_status(con)
    year = year or derived_state(con).default_year()
    if costs is None:
        costs = metrics.table_placement_costs(con, year=year, all_offer_types=False)
    part = status.filter(pl.col("target_group") == target_group).with_columns(
        pl.col("ownership").replace_strict(OWNERSHIP_PROVIDER, default=None).alias("provider"),
        pl.col("location").replace_strict(LOCATION_IN_REGION, default=None).alias("in_region"),
    )

    def count(provider: str, in_region: bool) -> float:
        return float(
            part.filter(
                (pl.col("provider") == provider) & (pl.col("in_region") == in_region)
            ).height
        )

    known = part.filter(pl.col("provider").is_not_null() & pl.col("in_region").is_not_null())
    priced = costs.filter(
        (pl.col("target_group") == target_group) & pl.col("annual_cost").is_not_null()
    ).with_columns(
        pl.col("ejerform").replace_strict(EJERFORM_PROVIDER, default=None).alias("provider")
    )

    def unit_cost(provider: str) -> float | None:
        side = priced.filter(pl.col("provider") == provider)
        place_years = float(side["days"].sum() or 0) / days_in_year(year)
        if place_years <= 0:
            return None
        return float(side["spend"].cast(pl.Float64).sum()) / place_years

    return ProvisionMix(
        target_group,
        public_in_region=count("public", True),
        private_in_region=count("private", True),
        public_outside=count("public", False),
        private_outside=count("private", False),
        unknown=float(part.height - known.height),
        unit_cost_public=unit_cost("public"),
        unit_cost_private=unit_cost("private"),
    )


def load_price_inputs(
    con: duckdb.DuckDBPyConnection,
    *,
    year: int | None = None,
    costs: pl.DataFrame | None = None,
    offers: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Input of capacity.gap.prices.compute_price_difference: per target group × provider the
    median paid annual cost of residential placements in force in `year`
    (capacity.metrics.table_placement_costs) and the median døgntakst of the region's approved
    offers serving the group (capacity.metrics.table_offer_groups)."""
    from capacity import metrics
    from capacity.metrics.supply import table_offer_groups

    if costs is None:
        costs = metrics.table_placement_costs(con, year=year, all_offer_types=False)
    if offers is None:
        offers = table_offer_groups(con)
    paid = (
        costs.with_columns(
            pl.col("ejerform").replace_strict(EJERFORM_PROVIDER, default=None).alias("provider")
        )
        .filter(pl.col("provider").is_not_null() & pl.col("annual_cost").is_not_null())
        .group_by("target_group", "provider")
        .agg(
            pl.col("annual_cost").cast(pl.Float64).median().alias("paid_annual_cost"),
            pl.len().cast(pl.Int64).alias("n_placements"),
        )
    )
    takst = (
        offers.explode("groups")
        .rename({"groups": "target_group"})
        .with_columns(
            pl.col("ejerform").replace_strict(EJERFORM_PROVIDER, default=None).alias("provider")
        )
        .filter(pl.col("provider").is_not_null() & pl.col("takst").is_not_null())
        .group_by("target_group", "provider")
        .agg(
            pl.col("takst").cast(pl.Float64).median().alias("takst_per_day"),
            pl.col("tilbud_id").n_unique().cast(pl.Int64).alias("n_offers"),
        )
    )
    return paid.join(takst, on=["target_group", "provider"], how="full", coalesce=True).sort(
        "target_group", "provider"
    )


def load_price_difference(con: duckdb.DuckDBPyConnection, **kwargs) -> pl.DataFrame:
    """compute_price_difference on load_price_inputs."""
    from capacity.gap.prices import compute_price_difference

    return compute_price_difference(load_price_inputs(con, **kwargs))


# -- everything for one or all groups -------------------------------------------------------------


@dataclass(frozen=True)
class LoadedGapInputs:
    """The inputs per group, the forecasts they came from and any notes."""

    inputs: list[GapInputs]
    forecasts: dict[str, ForecastResult]
    notes: dict[str, tuple[str, ...]]

    def by_group(self, target_group: str) -> GapInputs:
        for i in self.inputs:
            if i.target_group == target_group:
                return i
        raise KeyError(target_group)


def load_all_gap_inputs(
    con: duckdb.DuckDBPyConnection,
    target_groups: Sequence[str] = SEVEN_GROUPS,
    *,
    forecasts: dict[str, ForecastResult] | None = None,
    horizon: int | None = None,
    seed: int | None = None,
    extract_date: dt.date | None = None,
) -> LoadedGapInputs:
    """GapInputs for several groups; the shared metrics are computed once. Pass `forecasts`
    (target group -> ForecastResult) to reuse forecasts already run, e.g. by the report."""
    from capacity import metrics
    from capacity.metrics.base import derived_state

    forecasts = dict(forecasts or {})
    supply = metrics.compute_supply(con, extract_date=extract_date)
    planned = load_planned(con)
    status = metrics.table_placement_status(con)
    year = derived_state(con).default_year()
    costs = metrics.table_placement_costs(con, year=year, all_offer_types=False)
    population = metrics.compute_population_by_group(con, level="region")
    out, notes = [], {}
    for group in target_groups:
        if group not in forecasts:
            forecasts[group] = run_forecast(con, group, horizon=horizon, seed=seed)
        demand, group_notes = load_demand_paths(
            con, group, forecast=forecasts[group], population=population
        )
        if demand.base_year != year:
            group_notes += (
                f"prices and today's mix are from {year}, the forecast's base year is "
                f"{demand.base_year}",
            )
        out.append(
            GapInputs(
                demand,
                load_supply(con, group, supply=supply, planned=planned),
                load_provision_mix(con, group, status=status, costs=costs, year=year),
            )
        )
        notes[group] = group_notes
    return LoadedGapInputs(out, forecasts, notes)


def load_gap_inputs(
    con: duckdb.DuckDBPyConnection,
    target_group: str,
    *,
    forecast: ForecastResult | None = None,
    horizon: int | None = None,
    seed: int | None = None,
    extract_date: dt.date | None = None,
) -> GapInputs:
    """GapInputs for one target group from the metrics and forecast packages."""
    loaded = load_all_gap_inputs(
        con,
        [target_group],
        forecasts={target_group: forecast} if forecast is not None else None,
        horizon=horizon,
        seed=seed,
        extract_date=extract_date,
    )
    return loaded.inputs[0]
