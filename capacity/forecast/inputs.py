"""The forecasting engine's input contract (`ForecastInput`) and its adapter to the metrics.

The engine never reads the database itself: `load_forecast_input` gathers what one target
group needs from `capacity.metrics` and hands the engine plain polars frames. Tests and the
benchmark build the same dataclass from synthetic data (`capacity.forecast.synthetic`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import duckdb
import polars as pl

from capacity.config import load_conf
from capacity.errors import DataQualityError, MissingDataError

QUANTITIES: tuple[str, ...] = ("census", "stock", "inflow")

HISTORY_SCHEMA = {
    "kommunekode": pl.String,
    "year": pl.Int64,
    "census": pl.Float64,
    "stock": pl.Float64,
    "inflow": pl.Float64,
    "outflow": pl.Float64,
}
POPULATION_SCHEMA = {
    "kommunekode": pl.String,
    "year": pl.Int64,
    "population": pl.Float64,
    "kind": pl.String,
}
EPISODE_SCHEMA = {
    "person_key": pl.String,
    "kommunekode": pl.String,
    "start_date": pl.Date,
    "end_date": pl.Date,
    "birth_date": pl.Date,
}
# optional span flags (default true: a plain episode is one span)
SPAN_FLAGS = ("entered", "ended")


@dataclass(frozen=True)
class ForecastInput:
    """Everything the engine needs for one target group.

    history: one row per kommunekode x year (complete calendar years only) with
        census (average daily census = person-days / days in year), stock (persons on
        1 January), inflow (episodes starting in the year) and outflow.
    population: kommunekode x year population of the group's age band; kind is 'actual' for
        observed years and 'projection' for later years (the projection vintage in use).
    episodes: the group's membership spans for the stock-flow model: person_key, kommunekode,
        start_date, end_date (null = ongoing at data_date), birth_date, and optionally
        entered (the span begins with the episode's start - an inflow - rather than with a
        change of group or municipality on 1 January), ended (the span ends with the
        episode's end - an outflow - rather than with such a change) and paragraf_series.
        A plain episode frame is valid: every episode is then one span, entered and ended.
    data_date: the last day the data covers; later end dates count as still open.
    feeder_episodes: children's-group episodes (same columns) feeding an adult group's
        inflow through the child -> adult pipeline; None for other groups.
    area: 'children', 'adults' or 'any' (the group's age area).
    kommuner: the municipality codes to forecast (default: those in history).
    region_code: code written for region-level rows.
    """

    target_group: str
    history: pl.DataFrame
    population: pl.DataFrame
    episodes: pl.DataFrame
    data_date: dt.date
    feeder_episodes: pl.DataFrame | None = None
    area: str = "adults"
    kommuner: tuple[str, ...] = field(default=())
    region_code: str = "1082"

    def __post_init__(self) -> None:
        validate_forecast_input(self)


class ForecastInputError(DataQualityError):
    """The forecast input is incomplete or inconsistent (named column, plain message)."""


def _require_columns(frame: pl.DataFrame, schema: dict[str, pl.DataType], what: str) -> None:
    missing = [c for c in schema if c not in frame.columns]
    if missing:
        raise ForecastInputError(f"The {what} frame lacks the column(s) {', '.join(missing)}.")


def validate_forecast_input(inp: ForecastInput) -> None:
    """Check columns, duplicates and signs; raise ForecastInputError with a plain message."""
    _require_columns(inp.history, HISTORY_SCHEMA, "history")
    _require_columns(inp.population, POPULATION_SCHEMA, "population")
    _require_columns(inp.episodes, EPISODE_SCHEMA, "episodes")
    if inp.feeder_episodes is not None:
        _require_columns(inp.feeder_episodes, EPISODE_SCHEMA, "feeder episodes")
    if inp.history.height == 0:
        raise MissingDataError(f"No history for target group {inp.target_group}.")
    dup = inp.history.select(["kommunekode", "year"]).is_duplicated().any()
    if dup:
        raise ForecastInputError(
            f"The history of target group {inp.target_group} has more than one row for a "
            "municipality and year."
        )
    for col in QUANTITIES:
        if (inp.history[col].cast(pl.Float64).fill_null(0) < 0).any():
            raise ForecastInputError(
                f"The history of target group {inp.target_group} has a negative {col}."
            )
    if inp.area not in ("children", "adults", "any"):
        raise ForecastInputError(f"Unknown age area {inp.area!r}.")


def normalise_history(history: pl.DataFrame) -> pl.DataFrame:
    """History with the contract's column types (extra columns dropped)."""
    return history.select([pl.col(c).cast(t) for c, t in HISTORY_SCHEMA.items()]).sort(
        ["kommunekode", "year"]
    )


def normalise_episodes(episodes: pl.DataFrame) -> pl.DataFrame:
    """Spans with the contract's column types; flags default to true, series to null."""
    cols = [pl.col(c).cast(t) for c, t in EPISODE_SCHEMA.items()]
    for flag in SPAN_FLAGS:
        if flag in episodes.columns:
            cols.append(pl.col(flag).cast(pl.Boolean).fill_null(True))
        else:
            cols.append(pl.lit(True).alias(flag))
    if "paragraf_series" in episodes.columns:
        cols.append(pl.col("paragraf_series").cast(pl.String))
    else:
        cols.append(pl.lit(None, dtype=pl.String).alias("paragraf_series"))
    return episodes.select(cols)


def spans_from_episode_years(
    episode_years: pl.DataFrame, episodes: pl.DataFrame, target_group: str
) -> pl.DataFrame:
    """Membership spans of one group from the metrics' episode-years.

    The metrics count each episode-year under the group and municipality at its reference
    date, so an episode can change group (a young person still placed after 18, a new
    placement with other target groups) or municipality on 1 January. A span is a run of
    consecutive years of one episode under one (municipality, group): it starts at the
    episode's start for its first run and on 1 January otherwise, and ends at the episode's
    end for its last run and on 31 December otherwise.
    """
    ey = episode_years.select(
        pl.col("episode_id"),
        pl.col("year").cast(pl.Int64),
        pl.col("kommunekode").cast(pl.String),
        pl.col("target_group").cast(pl.String),
    ).sort(["episode_id", "year"])
    bounds = ey.group_by("episode_id").agg(
        first_year=pl.col("year").min(), last_year=pl.col("year").max()
    )
    key_change = (
        (pl.col("kommunekode") != pl.col("kommunekode").shift(1).over("episode_id"))
        | (pl.col("target_group") != pl.col("target_group").shift(1).over("episode_id"))
        | (pl.col("year") != pl.col("year").shift(1).over("episode_id") + 1)
    ).fill_null(True)
    runs = (
        ey.with_columns(run=key_change.cum_sum().over("episode_id"))
        .group_by(["episode_id", "run"])
        .agg(
            kommunekode=pl.col("kommunekode").first(),
            target_group=pl.col("target_group").first(),
            run_first=pl.col("year").min(),
            run_last=pl.col("year").max(),
        )
        .filter(pl.col("target_group") == target_group)
    )
    eps = episodes.select(
        "episode_id",
        "person_key",
        pl.col("start_date").cast(pl.Date),
        pl.col("end_date").cast(pl.Date),
        pl.col("birth_date").cast(pl.Date),
        *(["paragraf_series"] if "paragraf_series" in episodes.columns else []),
    )
    out = (
        runs.join(bounds, on="episode_id")
        .join(eps, on="episode_id")
        .with_columns(
            entered=pl.col("run_first") == pl.col("first_year"),
            is_last=pl.col("run_last") == pl.col("last_year"),
        )
        .with_columns(
            start_date=pl.when(pl.col("entered"))
            .then(pl.col("start_date"))
            .otherwise(pl.date(pl.col("run_first"), 1, 1)),
            end_date=pl.when(pl.col("is_last"))
            .then(pl.col("end_date"))
            .otherwise(pl.date(pl.col("run_last"), 12, 31)),
            ended=pl.col("is_last") & pl.col("end_date").is_not_null(),
        )
    )
    return normalise_episodes(out).sort(["kommunekode", "start_date", "person_key"])


def _group_area(target_group: str) -> str:
    groups = load_conf("target_groups")["groups"]
    if target_group not in groups:
        raise ForecastInputError(
            f"Unknown target group {target_group!r}; known groups are {', '.join(groups)}."
        )
    return str(groups[target_group]["area"])


def latest_vintage(population: pl.DataFrame) -> pl.DataFrame:
    """Actual figures plus the most recent projection vintage only (vintages overlap)."""
    if "vintage" not in population.columns:
        return population
    proj = population.filter(pl.col("kind") == "projection")
    if proj.height == 0:
        return population
    latest = proj["vintage"].drop_nulls().max()
    return population.filter((pl.col("kind") != "projection") | (pl.col("vintage") == latest))


def load_forecast_input(con: duckdb.DuckDBPyConnection, target_group: str) -> ForecastInput:
    """Gather one target group's forecast input from the metrics layer (read-only connection).

    history = capacity.metrics.compute_stock_flow (municipality level: the 19 municipalities
    plus any other code in the data), population = compute_population_by_group (actual, and
    the latest projection vintage), episodes = table_episodes (the group's episodes; for an
    adult group also the children's-area episodes that feed it), data date =
    compute_data_date.
    """
    from capacity import metrics

    area = _group_area(target_group)
    flow = metrics.compute_stock_flow(con, level="municipality")
    history = normalise_history(flow.filter(pl.col("target_group") == target_group))
    if history.height == 0:
        raise MissingDataError(f"The metrics hold no history for target group {target_group}.")
    pop = latest_vintage(
        metrics.compute_population_by_group(con).filter(pl.col("target_group") == target_group)
    )
    population = pop.select(
        pl.col("kommunekode").cast(pl.String),
        pl.col("year").cast(pl.Int64),
        pl.col("population").cast(pl.Float64),
        pl.col("kind").cast(pl.String),
    )
    episodes_all = metrics.table_episodes(con)
    # group membership per year is the metrics' episode_years (derived table, read-only)
    episodes = spans_from_episode_years(
        con.table("episode_years").pl(), episodes_all, target_group
    )
    feeder = None
    if area == "adults":
        children = (
            pl.col("area") == "children"
            if "area" in episodes_all.columns
            else pl.col("target_group").is_in(_children_groups())
        )
        feeder = normalise_episodes(episodes_all.filter(children))
    kommuner = tuple(sorted(history["kommunekode"].unique().to_list()))
    return ForecastInput(
        target_group=target_group,
        history=history,
        population=population,
        episodes=episodes,
        data_date=metrics.compute_data_date(con),
        feeder_episodes=feeder,
        area=area,
        kommuner=kommuner,
        region_code=str(load_conf("municipalities")["region"]["code"]),
    )


def _children_groups() -> list[str]:
    groups = load_conf("target_groups")["groups"]
    return [g for g, spec in groups.items() if spec["area"] == "children"]
