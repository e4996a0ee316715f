"""The engine's working representation: numpy arrays per municipality x year.

A `Panel` holds one target group's history (complete calendar years), the population of its
age band over history and forecast years, and its episodes as day numbers. Row 0 of every
"series" array is the region (sum over municipalities); rows 1..K are the municipalities.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

import numpy as np
import polars as pl

from capacity.errors import MissingDataError
from capacity.forecast.inputs import QUANTITIES, ForecastInput, normalise_episodes

EPOCH = dt.date(1970, 1, 1)
OPEN_END = np.iinfo(np.int64).max // 4  # day number standing for "still open"


def day_number(d: dt.date) -> int:
    """Days since 1970-01-01."""
    return (d - EPOCH).days


def jan1(year: int) -> int:
    """Day number of 1 January of a year."""
    return day_number(dt.date(year, 1, 1))


def year_bounds(years: np.ndarray) -> np.ndarray:
    """Day numbers of 1 January of each year and of the year after the last (len + 1)."""
    return np.array([jan1(int(y)) for y in years] + [jan1(int(years[-1]) + 1)], dtype=np.int64)


@dataclass(frozen=True)
class Episodes:
    """Membership spans as arrays: municipality index (0..K-1), person id, days (end
    inclusive), and whether the span begins with an entry / ends with an exit (else with a
    change of group or municipality on 1 January / 31 December)."""

    kommune: np.ndarray  # int
    person: np.ndarray  # int codes (shared between an input's episode frames)
    start: np.ndarray  # int day numbers
    end: np.ndarray  # int day numbers, OPEN_END when open at the data date
    birth: np.ndarray  # int day numbers
    series: np.ndarray  # object: paragraf series or None
    entered: np.ndarray  # bool
    ended: np.ndarray  # bool (meaningless while open)

    @property
    def size(self) -> int:
        return int(self.start.size)

    def subset(self, mask: np.ndarray) -> Episodes:
        return Episodes(
            kommune=self.kommune[mask],
            person=self.person[mask],
            start=self.start[mask],
            end=self.end[mask],
            birth=self.birth[mask],
            series=self.series[mask],
            entered=self.entered[mask],
            ended=self.ended[mask],
        )

    def end_from(self, cutoff_day: int, remaining: np.ndarray) -> np.ndarray:
        """Last day in care for open episodes given remaining days after the cutoff."""
        return cutoff_day + np.maximum(np.ceil(remaining), 1).astype(np.int64)

    def known_at(self, cutoff_day: int) -> Episodes:
        """Episodes as seen on the cutoff day: later starts dropped, later ends open."""
        sub = self.subset(self.start <= cutoff_day)
        end = np.where(sub.end > cutoff_day, OPEN_END, sub.end)
        return replace(sub, end=end)


@dataclass(frozen=True)
class Panel:
    """One target group's data as arrays (see module docstring for the row convention)."""

    target_group: str
    area: str
    region_code: str
    kommuner: tuple[str, ...]
    years: np.ndarray  # history years (complete), ascending
    values: dict[str, np.ndarray]  # quantity -> (K+1, T), row 0 = region
    pop_years: np.ndarray  # years covered by pop (history years + forecast years)
    pop: np.ndarray  # (K+1, len(pop_years)), row 0 = region
    pop_kind: np.ndarray  # per pop year: 'actual' | 'projection' | 'carried'
    episodes: Episodes
    feeder: Episodes | None
    data_date: dt.date

    @property
    def n_kommuner(self) -> int:
        return len(self.kommuner)

    @property
    def last_year(self) -> int:
        return int(self.years[-1])

    def series_codes(self) -> list[str]:
        """Codes of the rows of the series arrays: region first, then municipalities."""
        return [self.region_code, *self.kommuner]

    def population_for(self, years: np.ndarray) -> np.ndarray:
        """(K+1, len(years)) population; years outside the covered range use the nearest."""
        idx = np.clip(np.searchsorted(self.pop_years, years), 0, self.pop_years.size - 1)
        return self.pop[:, idx]

    def truncate(self, cutoff_year: int) -> Panel:
        """The panel as known at the end of `cutoff_year` (history and episodes cut)."""
        keep = self.years <= cutoff_year
        if not keep.any():
            raise MissingDataError(f"No history up to {cutoff_year}.")
        cutoff_day = jan1(cutoff_year + 1) - 1
        return replace(
            self,
            years=self.years[keep],
            values={q: v[:, keep] for q, v in self.values.items()},
            episodes=self.episodes.known_at(cutoff_day),
            feeder=None if self.feeder is None else self.feeder.known_at(cutoff_day),
            data_date=min(self.data_date, EPOCH + dt.timedelta(days=cutoff_day)),
        )


def _episode_arrays(
    frame: pl.DataFrame, kommuner: tuple[str, ...], person_codes: dict[str, int]
) -> Episodes:
    # a canonical order, so results do not depend on how the frame happened to be sorted
    frame = normalise_episodes(frame).sort(
        ["kommunekode", "start_date", "end_date", "birth_date", "person_key"], nulls_last=True
    )
    index = {k: i for i, k in enumerate(kommuner)}
    kommune = np.array([index.get(k, -1) for k in frame["kommunekode"].to_list()], dtype=np.int64)
    person = np.array(
        [person_codes.setdefault(p, len(person_codes)) for p in frame["person_key"].to_list()],
        dtype=np.int64,
    )
    start = (frame["start_date"].cast(pl.Int64)).to_numpy().astype(np.int64)
    end_col = frame["end_date"].cast(pl.Int64)
    end = end_col.fill_null(OPEN_END).to_numpy().astype(np.int64)
    birth = frame["birth_date"].cast(pl.Int64).fill_null(0).to_numpy().astype(np.int64)
    series = np.array(frame["paragraf_series"].to_list(), dtype=object)
    entered = frame["entered"].to_numpy().astype(bool)
    ended = frame["ended"].to_numpy().astype(bool)
    eps = Episodes(kommune, person, start, end, birth, series, entered, ended)
    return eps.subset(kommune >= 0)


def build_panel(inp: ForecastInput, horizon: int) -> Panel:
    """Arrays for the engine: complete history years, population to last year + horizon."""
    hist = inp.history
    kommuner = inp.kommuner or tuple(sorted(hist["kommunekode"].unique().to_list()))
    # the history holds complete years only (the metrics layer decides the data window)
    first, last = int(hist["year"].min()), int(hist["year"].max())
    years = np.arange(first, last + 1)
    grid = pl.DataFrame(
        {
            "kommunekode": np.repeat(np.array(kommuner, dtype=object), years.size).tolist(),
            "year": np.tile(years, len(kommuner)),
        },
        schema={"kommunekode": pl.String, "year": pl.Int64},
    )
    filled = grid.join(
        hist.select(["kommunekode", "year", *QUANTITIES]), on=["kommunekode", "year"], how="left"
    ).fill_null(0.0)
    values: dict[str, np.ndarray] = {}
    for q in QUANTITIES:
        m = filled[q].cast(pl.Float64).to_numpy().reshape(len(kommuner), years.size)
        values[q] = np.vstack([m.sum(axis=0, keepdims=True), m])

    pop_years = np.arange(first, last + horizon + 1)
    pop, kinds = _population_matrix(inp.population, kommuner, pop_years, inp.target_group)

    codes: dict[str, int] = {}
    episodes = _episode_arrays(inp.episodes, kommuner, codes)
    feeder = (
        None
        if inp.feeder_episodes is None
        else _episode_arrays(inp.feeder_episodes, kommuner, codes)
    )
    # end dates after the data date are planned, not observed: treat as still open
    data_day = day_number(inp.data_date)
    episodes = episodes.known_at(data_day)
    feeder = None if feeder is None else feeder.known_at(data_day)
    return Panel(
        target_group=inp.target_group,
        area=inp.area,
        region_code=inp.region_code,
        kommuner=tuple(kommuner),
        years=years,
        values=values,
        pop_years=pop_years,
        pop=pop,
        pop_kind=kinds,
        episodes=episodes,
        feeder=feeder,
        data_date=inp.data_date,
    )


def _population_matrix(
    population: pl.DataFrame, kommuner: tuple[str, ...], years: np.ndarray, group: str
) -> tuple[np.ndarray, np.ndarray]:
    """Population per municipality x year: actual where present, else projection, else the
    nearest known year carried (flagged 'carried')."""
    if population.height == 0:
        raise MissingDataError(f"No population figures for target group {group}.")
    pop = population.group_by(["kommunekode", "year", "kind"]).agg(pl.col("population").sum())
    mat = np.full((len(kommuner), years.size), np.nan)
    kinds = np.full(years.size, "carried", dtype=object)
    index = {k: i for i, k in enumerate(kommuner)}
    for kind in ("projection", "actual"):  # actual overwrites projection
        part = pop.filter(pl.col("kind") == kind)
        for k, y, v in part.select(["kommunekode", "year", "population"]).iter_rows():
            i = index.get(k)
            if i is None or y < years[0] or y > years[-1]:
                continue
            mat[i, y - years[0]] = v
            kinds[y - years[0]] = kind
    if np.isnan(mat).all():
        raise MissingDataError(f"No population figures for target group {group}.")
    for i in range(len(kommuner)):
        row = mat[i]
        known = np.flatnonzero(~np.isnan(row))
        if known.size == 0:
            # a code outside the region's population tables: no exposure, no new arrivals
            mat[i] = 0.0
            continue
        # carry the nearest known year into gaps (projection missing for a year, say)
        nearest = known[np.abs(np.arange(row.size)[:, None] - known[None, :]).argmin(axis=1)]
        mat[i] = row[nearest]
    return np.vstack([mat.sum(axis=0, keepdims=True), mat]), kinds


def _year_and_doy(days: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Calendar year and day-of-year offset (0-based) of day numbers."""
    d = np.asarray(days, dtype="int64").astype("datetime64[D]")
    years = d.astype("datetime64[Y]")
    doy = (d - years.astype("datetime64[D]")).astype(np.int64)
    return years.astype(np.int64) + 1970, doy


def birthday(birth: np.ndarray, age: int) -> np.ndarray:
    """Day number of the `age`-th birthday (29 February lands on 1 March in other years)."""
    years, doy = _year_and_doy(birth)
    start = (years + age - 1970).astype("datetime64[Y]").astype("datetime64[D]").astype(np.int64)
    return start + doy


def age_on(day: int | np.ndarray, birth: np.ndarray) -> np.ndarray:
    """Age in whole years on a day (vectorised over birth dates)."""
    by, bdoy = _year_and_doy(birth)
    dy, ddoy = _year_and_doy(np.broadcast_to(np.asarray(day), np.shape(birth)))
    return dy - by - (ddoy < bdoy).astype(np.int64)
