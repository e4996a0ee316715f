"""The child -> adult pipeline: young people in children's placements feed adult inflow.

A cohort is the young people in a children's-group placement on 1 January of the year in
which they turn 18 (aged 17 that day). A member *transitions* into the adult group when an
episode of that group starts within the window around the 18th birthday (metrics.yaml
`transition`: 6 months before to 12 months after). From the cohorts whose window has closed
by the cutoff we estimate the transition probability q (Jeffreys beta posterior) and the
timing (days from the cohort's 1 January to the adult start).

Forecast: the next cohorts are known people (aged 17 and 16 on the day after the cutoff are
the cohorts of the next two years); later cohorts are the younger children in care now,
carried forward by the observed year-on-year cohort ratios (which include children who enter
care later). The stock-flow model adds these entrants to the adult group's other inflow, whose
rate is estimated on inflow *without* the identified transitions, so nothing is counted twice.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from capacity.forecast.panel import Episodes, age_on, birthday, jan1

COHORT_AGE = 17


@dataclass(frozen=True)
class PipelineModel:
    """Transition probability, timing and the cohorts still to come (see module docstring)."""

    q_a: float  # beta posterior of the transition probability
    q_b: float
    lags: np.ndarray  # observed days from the cohort's 1 January to the adult start
    cohort_years: np.ndarray  # cohort years cutoff .. cutoff + H
    known: np.ndarray  # (len(cohort_years), K): members not yet transitioned (known cohorts)
    expected: np.ndarray  # (len(cohort_years), K): expected size of cohorts not yet formed
    cutoff_day: int

    @property
    def q_mean(self) -> float:
        return self.q_a / (self.q_a + self.q_b)


@dataclass(frozen=True)
class PipelineHistory:
    """Identified transitions per municipality x year of the adult start (K, T)."""

    counts: np.ndarray
    n_transitions: int
    n_members: int


def _stock_on(eps: Episodes, day: int) -> np.ndarray:
    """Mask of episodes in stock on a day (began before it and still open on it)."""
    return (eps.start < day) & (eps.end >= day)


def _cohort(feeder: Episodes, year: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Persons aged 17 in a children's placement on 1 January `year`: person, kommune, birth."""
    day = jan1(year)
    mask = _stock_on(feeder, day)
    if not mask.any():
        empty = np.array([], dtype=np.int64)
        return empty, empty, empty
    ages = age_on(day, feeder.birth[mask])
    sel = np.flatnonzero(mask)[ages == COHORT_AGE]
    persons, first = np.unique(feeder.person[sel], return_index=True)
    return persons, feeder.kommune[sel][first], feeder.birth[sel][first]


def _transitions(
    own: Episodes,
    persons: np.ndarray,
    births: np.ndarray,
    before_days: int,
    after_days: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For cohort members: did an own-group episode start in the window? (mask, start, idx)."""
    n = persons.size
    hit = np.zeros(n, dtype=bool)
    start = np.zeros(n, dtype=np.int64)
    ep_idx = np.full(n, -1, dtype=np.int64)
    if n == 0 or own.size == 0:
        return hit, start, ep_idx
    b18 = birthday(births, COHORT_AGE + 1)
    order = np.argsort(own.person, kind="stable")
    sorted_person = own.person[order]
    lo = np.searchsorted(sorted_person, persons, side="left")
    hi = np.searchsorted(sorted_person, persons, side="right")
    for i in np.flatnonzero(hi > lo):
        cand = order[lo[i] : hi[i]]
        ok = (own.start[cand] >= b18[i] - before_days) & (own.start[cand] <= b18[i] + after_days)
        if ok.any():
            j = cand[ok][np.argmin(own.start[cand][ok])]
            hit[i], start[i], ep_idx[i] = True, own.start[j], j
    return hit, start, ep_idx


def pipeline_history(
    own: Episodes,
    feeder: Episodes,
    years: np.ndarray,
    k_count: int,
    *,
    before_days: int = 183,
    after_days: int = 365,
) -> PipelineHistory:
    """Transitions identified in the data, counted by the adult episode's municipality and
    start year (used to take them out of the inflow the count model sees)."""
    counts = np.zeros((k_count, years.size))
    seen: set[int] = set()
    n_trans = n_members = 0
    for year in range(int(years[0]) - 1, int(years[-1]) + 1):
        persons, _, births = _cohort(feeder, year)
        n_members += persons.size
        hit, start, ep_idx = _transitions(own, persons, births, before_days, after_days)
        for i in np.flatnonzero(hit):
            j = int(ep_idx[i])
            if j in seen:
                continue
            seen.add(j)
            start_year = int(start[i].astype("datetime64[D]").astype("datetime64[Y]").astype(int))
            col = start_year + 1970 - int(years[0])
            if 0 <= col < years.size:
                counts[own.kommune[j], col] += 1
                n_trans += 1
    return PipelineHistory(counts=counts, n_transitions=n_trans, n_members=n_members)


def fit_pipeline(
    own: Episodes,
    feeder: Episodes,
    cutoff_year: int,
    horizon: int,
    k_count: int,
    *,
    before_days: int = 183,
    after_days: int = 365,
    history_years: int = 8,
) -> PipelineModel | None:
    """Estimate the pipeline at a cutoff (episodes as known then); None without evidence."""
    cutoff_day = jan1(cutoff_year + 1) - 1
    members = trans = 0
    lags: list[np.ndarray] = []
    # complete cohorts: the window (to 12 months after the 18th birthday) closed by the cutoff
    for year in range(cutoff_year - history_years, cutoff_year):
        persons, _, births = _cohort(feeder, year)
        if persons.size == 0:
            continue
        hit, start, _ = _transitions(own, persons, births, before_days, after_days)
        members += persons.size
        trans += int(hit.sum())
        lags.append(start[hit] - jan1(year))
    if members == 0 or trans == 0:
        return None
    lag = np.concatenate(lags).astype(np.int64)

    cohort_years = np.arange(cutoff_year, cutoff_year + horizon + 1)
    known = np.zeros((cohort_years.size, k_count))
    expected = np.zeros((cohort_years.size, k_count))
    # cohorts `cutoff` and `cutoff + 1` are known people; drop those already transitioned
    for row, year in enumerate(cohort_years[:2]):
        persons, kommune, births = _cohort(feeder, int(year))
        hit, _, _ = _transitions(own, persons, births, before_days, after_days)
        np.add.at(known[row], kommune[~hit], 1.0)
    # later cohorts: children aged 16, 15, ... on the day after the cutoff, carried forward
    day0 = jan1(cutoff_year + 1)
    stock = _stock_on(feeder, day0)
    ages_now = age_on(day0, feeder.birth[stock])
    kommune_now = feeder.kommune[stock]
    ratios = _cohort_ratios(feeder, cutoff_year, history_years)
    recent = [_cohort(feeder, y)[0].size for y in range(cutoff_year - 2, cutoff_year + 2)]
    for row in range(2, cohort_years.size):
        age = COHORT_AGE - (row - 1)
        factor = float(np.prod(ratios[age:COHORT_AGE])) if age < COHORT_AGE else 1.0
        sel = ages_now == age
        if sel.any() and np.isfinite(factor):
            np.add.at(expected[row], kommune_now[sel], factor)
        else:
            # no younger children to carry forward: the recent cohort size, spread as now
            base = np.bincount(kommune_now, minlength=k_count).astype(float)
            share = base / base.sum() if base.sum() > 0 else np.full(k_count, 1.0 / k_count)
            expected[row] = float(np.mean(recent)) * share
    return PipelineModel(
        q_a=trans + 0.5,
        q_b=members - trans + 0.5,
        lags=lag,
        cohort_years=cohort_years,
        known=known,
        expected=expected,
        cutoff_day=cutoff_day,
    )


def _cohort_ratios(feeder: Episodes, cutoff_year: int, history_years: int) -> np.ndarray:
    """ratio[a] = children aged a+1 on 1 Jan of y+1 / children aged a on 1 Jan of y (pooled)."""
    num = np.zeros(COHORT_AGE + 1)
    den = np.zeros(COHORT_AGE + 1)
    for year in range(cutoff_year - history_years, cutoff_year + 1):
        day, nxt = jan1(year), jan1(year + 1)
        a0 = age_on(day, feeder.birth[_stock_on(feeder, day)])
        a1 = age_on(nxt, feeder.birth[_stock_on(feeder, nxt)])
        c0 = np.bincount(np.clip(a0, 0, COHORT_AGE + 1), minlength=COHORT_AGE + 2)
        c1 = np.bincount(np.clip(a1, 0, COHORT_AGE + 1), minlength=COHORT_AGE + 2)
        den += c0[: COHORT_AGE + 1]
        num[:COHORT_AGE] += c1[1 : COHORT_AGE + 1]
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / den, np.nan)


def simulate_pipeline(
    model: PipelineModel, n_paths: int, rng: np.random.Generator, end_day: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pipeline entrants after the cutoff and before `end_day`: (path, kommune, start day)."""
    q = rng.beta(model.q_a, model.q_b, size=n_paths)
    paths: list[np.ndarray] = []
    kommunes: list[np.ndarray] = []
    starts: list[np.ndarray] = []
    k_count = model.known.shape[1]
    for row, year in enumerate(model.cohort_years):
        base = jan1(int(year))
        elapsed = model.cutoff_day - base  # days of the cohort's window already seen
        later = model.lags[model.lags > elapsed]
        if later.size == 0:
            continue
        p_later = later.size / model.lags.size
        p_seen = 1.0 - p_later
        if model.known[row].sum() > 0:
            # known people not yet transitioned: P(transition later | not yet)
            q_eff = q * p_later / np.maximum(1.0 - q * p_seen, 1e-9)
            n = rng.binomial(model.known[row][None, :].astype(np.int64), q_eff[:, None])
        elif model.expected[row].sum() > 0:
            n = rng.poisson(model.expected[row][None, :] * q[:, None] * p_later)
        else:
            continue
        total = int(n.sum())
        if total == 0:
            continue
        flat = n.reshape(-1)
        cell = np.repeat(np.arange(flat.size), flat)
        paths.append(cell // k_count)
        kommunes.append(cell % k_count)
        starts.append(base + rng.choice(later, size=total))
    if not paths:
        empty = np.array([], dtype=np.int64)
        return empty, empty, empty
    path = np.concatenate(paths)
    kommune = np.concatenate(kommunes)
    start = np.concatenate(starts)
    keep = (start > model.cutoff_day) & (start < end_day)
    return path[keep], kommune[keep], start[keep]
