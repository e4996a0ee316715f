"""Synthetic forecast inputs from a known process, to test and benchmark the engine.

`make_synthetic_input` simulates episodes (arrivals = rate x population x municipality
effect with year shocks; Weibull lengths of stay; children leave at 18 unless in efterväern),
derives the history with the metrics conventions and returns a `ForecastInput`. Because the
process is known, tests can check that forecasts recover it; variants (trend, a change of
length of stay, a relabelling break) probe robustness. The data are random and carry no
real persons.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from capacity.config import load_conf
from capacity.forecast.history import compute_history_from_episodes
from capacity.forecast.inputs import (
    EPISODE_SCHEMA,
    HISTORY_SCHEMA,
    POPULATION_SCHEMA,
    ForecastInput,
)
from capacity.forecast.panel import EPOCH, jan1


@dataclass(frozen=True)
class SyntheticSpec:
    """Parameters of the synthetic process (rates per 10,000 of the age band per year)."""

    target_group: str = "V3"
    area: str = "adults"
    n_kommuner: int = 19
    first_year: int = 2014
    last_year: int = 2024
    projection_to: int = 2034
    rate_per_10k: float = 12.0
    trend: float = 0.0  # log change of the rate per year
    year_sd: float = 0.04  # region-wide year shocks (log scale)
    kommune_sd: float = 0.25  # municipality effects (log scale)
    mean_los_years: float = 3.0
    los_shape: float = 0.9  # Weibull shape (< 1: many short and some very long stays)
    los_change_year: int | None = None  # from this year on the mean stay is multiplied by:
    los_change_factor: float = 1.0
    pop_growth: float = 0.004
    band_share: float = 0.6  # share of the population in the group's age band
    aftercare_share: float = 0.2  # children: share staying on past 18 (efterväern)
    relabel_date: dt.date | None = None  # split every open child episode here (law change)
    feeder_rate_per_10k: float = 0.0  # > 0: simulate children feeding this adult group
    transition_prob: float = 0.35
    burn_in_years: int = 25
    data_date: dt.date | None = None
    population_scale: float = 1.0
    extra: dict = field(default_factory=dict)


def _weibull_scale(mean_days: float, shape: float) -> float:
    from math import gamma

    return mean_days / gamma(1.0 + 1.0 / shape)


def _populations(spec: SyntheticSpec, rng: np.random.Generator) -> tuple[list[str], np.ndarray]:
    rows = sorted(
        load_conf("municipalities")["municipalities"], key=lambda r: -int(r["population_2024"])
    )[: spec.n_kommuner]
    codes = [str(r["code"]) for r in rows]
    base = np.array([r["population_2024"] for r in rows], dtype=float)
    base *= spec.band_share * spec.population_scale
    years = np.arange(spec.first_year - spec.burn_in_years, spec.projection_to + 1)
    growth = spec.pop_growth + rng.normal(0, 0.003, size=len(codes))
    pop = base[:, None] * np.exp(growth[:, None] * (years[None, :] - 2024))
    return codes, np.round(pop)


def _simulate_arrivals(
    rng: np.random.Generator,
    pop: np.ndarray,
    years: np.ndarray,
    *,
    rate_per_10k: float,
    trend: float,
    year_sd: float,
    kommune_effect: np.ndarray,
    ref_year: int,
    last_day: int,
) -> tuple[np.ndarray, np.ndarray]:
    shocks = rng.normal(0, year_sd, size=years.size)
    rate = rate_per_10k / 1e4 * np.exp(trend * (years - ref_year) + shocks)
    mu = pop * rate[None, :] * kommune_effect[:, None]
    counts = rng.poisson(mu)
    kommune = np.repeat(np.repeat(np.arange(pop.shape[0]), years.size), counts.reshape(-1))
    year_of = np.repeat(np.tile(years, pop.shape[0]), counts.reshape(-1))
    starts = np.array([jan1(int(y)) for y in year_of], dtype=np.int64)
    length = np.array([jan1(int(y) + 1) - jan1(int(y)) for y in year_of], dtype=np.int64)
    starts = starts + (rng.random(starts.size) * length).astype(np.int64)
    keep = starts <= last_day
    return kommune[keep], starts[keep]


def _los_days(rng: np.random.Generator, starts: np.ndarray, spec: SyntheticSpec) -> np.ndarray:
    mean_days = spec.mean_los_years * 365.25
    scale = np.full(starts.size, _weibull_scale(mean_days, spec.los_shape))
    if spec.los_change_year is not None:
        scale = np.where(
            starts >= jan1(spec.los_change_year), scale * spec.los_change_factor, scale
        )
    return np.maximum(np.ceil(scale * rng.weibull(spec.los_shape, size=starts.size)), 1)


def _to_frame(
    person: list[str],
    codes: list[str],
    kommune: np.ndarray,
    *,
    start: np.ndarray,
    end: np.ndarray,
    birth: np.ndarray,
    series: str | None,
    last_day: int,
) -> pl.DataFrame:
    end_or_null = [None if e > last_day else EPOCH + dt.timedelta(days=int(e)) for e in end]
    return pl.DataFrame(
        {
            "person_key": person,
            "kommunekode": [codes[k] for k in kommune],
            "start_date": [EPOCH + dt.timedelta(days=int(s)) for s in start],
            "end_date": end_or_null,
            "birth_date": [EPOCH + dt.timedelta(days=int(b)) for b in birth],
            "paragraf_series": [series] * len(person),
        },
        schema={**EPISODE_SCHEMA, "paragraf_series": pl.String},
    )


def _birthday(birth: np.ndarray, age: int) -> np.ndarray:
    from capacity.forecast.panel import birthday

    return birthday(birth, age)


def make_synthetic_input(spec: SyntheticSpec | None = None, seed: int = 0) -> ForecastInput:
    """A ForecastInput simulated from `spec` (deterministic for a seed)."""
    spec = spec or SyntheticSpec()
    rng = np.random.default_rng(seed)
    data_date = spec.data_date or dt.date(spec.last_year, 12, 31)
    last_day = (data_date - EPOCH).days
    codes, pop = _populations(spec, rng)
    years_all = np.arange(spec.first_year - spec.burn_in_years, spec.projection_to + 1)
    sim_years = years_all[years_all <= data_date.year]
    pop_sim = pop[:, : sim_years.size]
    effect = np.exp(rng.normal(0, spec.kommune_sd, size=len(codes)))
    children = spec.area == "children"

    kommune, start = _simulate_arrivals(
        rng,
        pop_sim,
        sim_years,
        rate_per_10k=spec.rate_per_10k,
        trend=spec.trend,
        year_sd=spec.year_sd,
        kommune_effect=effect,
        ref_year=spec.first_year,
        last_day=last_day,
    )
    los = _los_days(rng, start, spec)
    end = start + los.astype(np.int64) - 1
    if children:
        entry_age = rng.uniform(4, 17.9, size=start.size) * 365.25
    else:
        entry_age = rng.uniform(18.5, 60, size=start.size) * 365.25
    birth = start - entry_age.astype(np.int64)
    if children:
        stays = rng.random(start.size) < spec.aftercare_share
        limit = np.where(stays, _birthday(birth, 23), _birthday(birth, 18)) - 1
        end = np.minimum(end, limit)
    person = [f"p{seed}-{i}" for i in range(start.size)]
    series = "CHILD_PLACEMENT" if children else None
    episodes = _to_frame(
        person,
        codes,
        kommune,
        start=start,
        end=end,
        birth=birth,
        series=series,
        last_day=last_day,
    )

    feeder = None
    if spec.feeder_rate_per_10k > 0 and not children:
        feeder, transitions = _simulate_feeder(
            spec, rng, codes, pop=pop_sim, years=sim_years, last_day=last_day
        )
        episodes = pl.concat([episodes, transitions])

    if spec.relabel_date is not None:
        episodes = split_at_date(episodes, spec.relabel_date)

    # placements that ended before the first history year are not delivered (real exports)
    first_day = jan1(spec.first_year)
    episodes = episodes.filter(
        pl.col("end_date").is_null() | (pl.col("end_date") >= EPOCH + dt.timedelta(days=first_day))
    ).sort(["kommunekode", "start_date", "person_key"])
    years = range(spec.first_year, spec.last_year + 1)
    history = compute_history_from_episodes(episodes, codes, years, data_date)
    pop_frame = _population_frame(codes, pop, years_all, spec)
    return ForecastInput(
        target_group=spec.target_group,
        history=history,
        population=pop_frame,
        episodes=episodes,
        data_date=data_date,
        feeder_episodes=feeder,
        area=spec.area,
        kommuner=tuple(codes),
    )


def _population_frame(
    codes: list[str], pop: np.ndarray, years: np.ndarray, spec: SyntheticSpec
) -> pl.DataFrame:
    rows = []
    for i, code in enumerate(codes):
        for j, y in enumerate(years):
            if y < spec.first_year:
                continue
            kind = "actual" if y <= spec.last_year else "projection"
            rows.append((code, int(y), float(pop[i, j]), kind))
    return pl.DataFrame(
        rows,
        schema=POPULATION_SCHEMA,
        orient="row",
    )


def _simulate_feeder(
    spec: SyntheticSpec,
    rng: np.random.Generator,
    codes: list[str],
    *,
    pop: np.ndarray,
    years: np.ndarray,
    last_day: int,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Children's placements and the adult episodes of those who transition at 18."""
    child_pop = pop / spec.band_share * 0.2
    kommune, start = _simulate_arrivals(
        rng,
        child_pop,
        years,
        rate_per_10k=spec.feeder_rate_per_10k,
        trend=0.0,
        year_sd=spec.year_sd,
        kommune_effect=np.ones(len(codes)),
        ref_year=spec.first_year,
        last_day=last_day,
    )
    entry_age = rng.uniform(8, 17.9, size=start.size) * 365.25
    birth = start - entry_age.astype(np.int64)
    los = np.maximum(np.ceil(rng.exponential(4 * 365.25, size=start.size)), 1)
    b18 = _birthday(birth, 18)
    end = np.minimum(start + los.astype(np.int64) - 1, b18 - 1)
    person = [f"c{i}" for i in range(start.size)]
    feeder = _to_frame(
        person,
        codes,
        kommune,
        start=start,
        end=end,
        birth=birth,
        series="CHILD_PLACEMENT",
        last_day=last_day,
    )
    at18 = end == b18 - 1
    moves = at18 & (rng.random(start.size) < spec.transition_prob)
    idx = np.flatnonzero(moves)
    t_start = b18[idx] + rng.integers(-20, 150, size=idx.size)
    keep = t_start <= last_day
    idx, t_start = idx[keep], t_start[keep]
    t_los = _los_days(rng, t_start, spec)
    t_end = t_start + t_los.astype(np.int64) - 1
    transitions = _to_frame(
        [person[i] for i in idx],
        codes,
        kommune[idx],
        start=t_start,
        end=t_end,
        birth=birth[idx],
        series=None,
        last_day=last_day,
    )
    return feeder, transitions


def split_at_date(episodes: pl.DataFrame, date: dt.date) -> pl.DataFrame:
    """Relabelling break: every episode open across `date` ends the day before and a new one
    (same person, same series) starts on `date`, as when a law change re-registers cases."""
    spans = (pl.col("start_date") < date) & (
        pl.col("end_date").is_null() | (pl.col("end_date") >= date)
    )
    before = episodes.filter(spans).with_columns(
        pl.lit(date - dt.timedelta(days=1)).alias("end_date")
    )
    after = episodes.filter(spans).with_columns(pl.lit(date).alias("start_date"))
    return pl.concat([episodes.filter(~spans), before, after])


def make_history_input(
    values: dict[str, np.ndarray],
    population: np.ndarray,
    *,
    first_year: int = 2014,
    target_group: str = "V3",
    area: str = "adults",
) -> ForecastInput:
    """A ForecastInput from given history arrays (K, T) per quantity and population
    (K, T + horizon), with no episodes: for testing the series models on exact series
    (a straight line, a constant). The stock-flow model has nothing to start from here."""
    census = np.asarray(values["census"], dtype=float)
    k_count, t_count = census.shape
    codes = sorted(str(r["code"]) for r in load_conf("municipalities")["municipalities"])
    codes = codes[:k_count]
    years = np.arange(first_year, first_year + t_count)
    hist_rows = []
    for k, code in enumerate(codes):
        for t, y in enumerate(years):
            hist_rows.append(
                (
                    code,
                    int(y),
                    float(census[k, t]),
                    float(np.asarray(values.get("stock", census))[k, t]),
                    float(np.asarray(values.get("inflow", census))[k, t]),
                    0.0,
                )
            )
    history = pl.DataFrame(
        hist_rows,
        schema=HISTORY_SCHEMA,
        orient="row",
    )
    pop = np.asarray(population, dtype=float)
    pop_rows = [
        (code, int(first_year + j), float(pop[k, j]), "actual" if j < t_count else "projection")
        for k, code in enumerate(codes)
        for j in range(pop.shape[1])
    ]
    pop_frame = pl.DataFrame(
        pop_rows,
        schema=POPULATION_SCHEMA,
        orient="row",
    )
    empty = pl.DataFrame(schema=EPISODE_SCHEMA)
    return ForecastInput(
        target_group=target_group,
        history=history,
        population=pop_frame,
        episodes=empty,
        data_date=dt.date(int(years[-1]), 12, 31),
        area=area,
        kommuner=tuple(codes),
    )
