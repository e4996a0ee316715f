"""Population-driven stock-flow Monte Carlo: the engine's structural model.

It works on membership spans (`inputs.spans_from_episode_years`): the time a person counts in
this group and municipality, exactly as the metrics count it. For each sample path, starting
from the people in the group at the cutoff:

1. current members stay for a remaining time drawn from the length-of-stay curve given the
   time already spent (conditional survival); leaving the group by a change of group or
   municipality counts as leaving, like the end of a placement;
2. new people arrive: entries ~ count model (rate x projected population of the age band,
   municipalities partially pooled, `inflow_model`), start dates uniform in the year; for
   adult groups also the young people from children's placements (`pipeline`); and people
   who join the group on 1 January by a change of group or municipality (their own count
   model; they add to census and stock but are not inflow, as in the metrics);
3. newcomers stay for a length of stay drawn from the same curve;
4. children's groups follow the age rule of the metrics: at the 18th birthday a placement
   either ends, or the person moves to an adult group on the next 1 January, or stays on as
   efterværn until the 1 January after turning 23 (shares observed before the cutoff).

Average daily census, 1 January stock and inflow per municipality follow by counting days;
the region is the sum of its municipalities path by path, so every level is coherent and
never negative. The length-of-stay curve carries parameter uncertainty: each path stretches or
shrinks its time scale by exp(N(0, 1/n_exits)) (the delta-method standard error of a mean).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from capacity.forecast.inflow_model import InflowModel, fit_inflow, simulate_inflow
from capacity.forecast.panel import Episodes, Panel, birthday, jan1
from capacity.forecast.pipeline import (
    PipelineModel,
    fit_pipeline,
    pipeline_history,
    simulate_pipeline,
)
from capacity.forecast.survival import DAYS_PER_YEAR, SurvivalCurve, fit_survival


@dataclass(frozen=True)
class StockFlowSettings:
    """Settings of the stock-flow model (capacity/conf/forecast.yaml, `stockflow`)."""

    rate_years: int = 5
    kommune_years: int = 5
    trend: bool = False
    damping: float = 0.9
    los_window_years: int = 5
    entry_age_years: int = 5
    age_cut: int = 18
    aftercare_max_age: int = 22
    ageout_tolerance_days: int = 45
    transition_before_days: int = 183
    transition_after_days: int = 365
    pipeline: bool = True
    los_uncertainty: bool = True
    trend_change_sd: float = 0.02

    @classmethod
    def from_conf(cls, conf: dict | None) -> StockFlowSettings:
        conf = dict(conf or {})
        return cls(**{k: v for k, v in conf.items() if k in cls.__dataclass_fields__})


@dataclass(frozen=True)
class AgeRule:
    """What happens to a child in the group at the 18th birthday (shares sum to 1)."""

    p_end: float  # the placement ends around the birthday
    p_switch: float  # stays placed, counts in an adult group from the next 1 January
    p_after: float  # efterværn: stays in the group until the 1 January after turning 23
    n: int  # children observed at 18 (the evidence behind the shares)


@dataclass(frozen=True)
class StockFlowFit:
    """What the stock-flow model estimated at one cutoff (for diagnostics and docs)."""

    cutoff_year: int
    survival: SurvivalCurve
    inflow: InflowModel
    switch_in: InflowModel
    pipeline: PipelineModel | None
    age_rule: AgeRule | None
    mean_los_years: float
    residents: int


@dataclass(frozen=True)
class StockFlowPaths:
    """Sample paths per municipality: arrays (n_paths, K, H); the region is their sum."""

    years: np.ndarray
    census: np.ndarray
    stock: np.ndarray
    inflow: np.ndarray
    fit: StockFlowFit

    def quantity(self, name: str) -> np.ndarray:
        return {"census": self.census, "stock": self.stock, "inflow": self.inflow}[name]


def year_end(days: np.ndarray) -> np.ndarray:
    """31 December of the year each day number falls in."""
    years = np.asarray(days, dtype=np.int64).astype("datetime64[D]").astype("datetime64[Y]")
    return (years + 1).astype("datetime64[D]").astype(np.int64) - 1


def _age_related_exit(eps: Episodes, settings: StockFlowSettings) -> np.ndarray:
    """Spans of a children's group that end by the age rule rather than by a leaving hazard:
    a placement ending around the 18th birthday, or a move out of the group on the
    31 December after the 18th or the 23rd birthday."""
    b18 = birthday(eps.birth, settings.age_cut)
    b_last = birthday(eps.birth, settings.aftercare_max_age + 1)
    tol = settings.ageout_tolerance_days
    ends_at_18 = eps.ended & (eps.end >= b18 - tol) & (eps.end <= year_end(b18))
    moves = ~eps.ended & ((eps.end == year_end(b18)) | (eps.end == year_end(b_last)))
    return ends_at_18 | moves


def fit_los(
    eps: Episodes, cutoff_day: int, window_start_day: int, settings: StockFlowSettings, area: str
) -> SurvivalCurve:
    """Length-of-stay curve from spans known at the cutoff, period window of recent years.

    Only time at risk after the window start counts (delayed entry); in children's groups the
    exits by the age rule are censored, because the simulation applies the rule itself.
    """
    period_start = max(
        window_start_day, cutoff_day - int(settings.los_window_years * DAYS_PER_YEAR)
    )
    closed = eps.end <= cutoff_day
    keep = (eps.start <= cutoff_day) & (~closed | (eps.end >= period_start))
    sub = eps.subset(keep)
    observed_end = np.minimum(sub.end, cutoff_day)
    durations = (observed_end - sub.start + 1).astype(float)
    events = sub.end <= cutoff_day
    if area == "children":
        events &= ~_age_related_exit(sub, settings)
    entry = np.clip(period_start - sub.start, 0, None).astype(float)
    return fit_survival(durations, events, entry)


def fit_age_rule(eps: Episodes, cutoff_day: int, settings: StockFlowSettings) -> AgeRule:
    """Shares of end / move to an adult group / efterväern among children in the group on the
    day before their 18th birthday, over the last `entry_age_years` years (outcome known)."""
    b18 = birthday(eps.birth, settings.age_cut)
    decided = year_end(b18) + 1  # the 1 January after the birthday
    lookback = cutoff_day - int(settings.entry_age_years * DAYS_PER_YEAR)
    at18 = (eps.start < b18 - 1) & (eps.end >= b18 - 1) & (decided <= cutoff_day)
    at18 &= b18 >= lookback
    n = int(at18.sum())
    if n == 0:
        return AgeRule(p_end=1.0, p_switch=0.0, p_after=0.0, n=0)
    end, ended = eps.end[at18], eps.ended[at18]
    stays = end >= decided[at18]
    moves = ~stays & ~ended
    ends = ~stays & ended
    # Jeffreys-style smoothing so a share observed as 0 out of a handful is not taken as 0
    counts = np.array([ends.sum(), moves.sum(), stays.sum()], dtype=float) + 0.5
    p = counts / counts.sum()
    return AgeRule(p_end=float(p[0]), p_switch=float(p[1]), p_after=float(p[2]), n=n)


def _switch_in_counts(eps: Episodes, years: np.ndarray, k_count: int) -> np.ndarray:
    """(K, T) spans that begin on 1 January by a change of group or municipality."""
    counts = np.zeros((k_count, years.size))
    joins = ~eps.entered
    if not joins.any():
        return counts
    starts = eps.start[joins]
    col = np.searchsorted([jan1(int(y)) for y in years], starts, side="left")
    ok = (col < years.size) & (col > 0)  # the first window year has no 1 January joins
    np.add.at(counts, (eps.kommune[joins][ok], col[ok]), 1.0)
    return counts


def fit_stockflow(
    panel: Panel, cutoff_year: int, horizon: int, settings: StockFlowSettings
) -> tuple[StockFlowFit, Episodes]:
    """Estimate everything at the cutoff; `panel` must already be truncated to it.

    Returns the fit and the members at the cutoff (spans open on the cutoff day).
    """
    cutoff_day = jan1(cutoff_year + 1) - 1
    window_start = jan1(int(panel.years[0]))
    eps = panel.episodes
    survival = fit_los(eps, cutoff_day, window_start, settings, panel.area)
    entries = panel.values["inflow"][1:]
    pipe_model: PipelineModel | None = None
    if settings.pipeline and panel.area == "adults" and panel.feeder is not None:
        own_entries = eps.subset(eps.entered)
        pipe_model = fit_pipeline(
            own_entries,
            panel.feeder,
            cutoff_year,
            horizon,
            panel.n_kommuner,
            before_days=settings.transition_before_days,
            after_days=settings.transition_after_days,
        )
        if pipe_model is not None:
            hist = pipeline_history(
                own_entries,
                panel.feeder,
                panel.years,
                panel.n_kommuner,
                before_days=settings.transition_before_days,
                after_days=settings.transition_after_days,
            )
            entries = np.clip(entries - hist.counts, 0.0, None)
    pop_hist = panel.population_for(panel.years)[1:]
    inflow = fit_inflow(
        entries,
        pop_hist,
        rate_years=settings.rate_years,
        kommune_years=settings.kommune_years,
        damping=settings.damping,
        trend=settings.trend,
        trend_change_sd=settings.trend_change_sd,
    )
    joins = _switch_in_counts(eps, panel.years, panel.n_kommuner)
    # joins are a small side flow: a level without trend; the first window year cannot show
    # 1 January joins, so it is left out
    switch_in = fit_inflow(
        joins[:, 1:],
        pop_hist[:, 1:],
        rate_years=settings.rate_years,
        kommune_years=settings.kommune_years,
        trend=False,
    )
    residents = eps.subset((eps.start <= cutoff_day) & (eps.end > cutoff_day))
    rule = fit_age_rule(eps, cutoff_day, settings) if panel.area == "children" else None
    fit = StockFlowFit(
        cutoff_year=cutoff_year,
        survival=survival,
        inflow=inflow,
        switch_in=switch_in,
        pipeline=pipe_model,
        age_rule=rule,
        mean_los_years=survival.mean_days() / DAYS_PER_YEAR,
        residents=residents.size,
    )
    return fit, residents


def _entry_ages(eps: Episodes, cutoff_day: int, settings: StockFlowSettings) -> np.ndarray:
    """Ages at entry (days) of recent entrants, to place newcomers' birthdays."""
    lookback = cutoff_day - int(settings.entry_age_years * DAYS_PER_YEAR)
    entered = eps.entered & (eps.start <= cutoff_day)
    recent = entered & (eps.start > lookback)
    ages = (eps.start - eps.birth)[recent if recent.any() else entered]
    return ages[ages >= 0]


def _age_limit(
    b18: np.ndarray,
    b_last: np.ndarray,
    u: np.ndarray,
    rule: AgeRule,
    after_b18: np.ndarray,
) -> np.ndarray:
    """Last day in the group by the age rule, for a uniform draw u per person.

    Before the 18th birthday: end the day before it (p_end), leave on 31 December of that
    year (p_switch), or stay until 31 December of the year of the limit birthday (p_after).
    Already past 18 and still in the group (`after_b18`): the end outcome is ruled out.
    """
    end18 = b18 - 1
    switch = year_end(b18)
    after = year_end(b_last)
    p_end = np.where(after_b18, 0.0, rule.p_end)
    rest = rule.p_switch + rule.p_after
    p_switch = np.where(after_b18, rule.p_switch / rest if rest > 0 else 0.0, rule.p_switch)
    return np.where(u < p_end, end18, np.where(u < p_end + p_switch, switch, after))


def _bucket(a: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """searchsorted(bounds, a, side='right') by table look-up (day numbers are integers)."""
    lo = int(bounds[0]) - 1
    lut = np.searchsorted(bounds, np.arange(lo, int(bounds[-1]) + 1), side="right")
    return lut[np.clip(a - lo, 0, lut.size - 1)]


def _below(
    a: np.ndarray, cell: np.ndarray, bounds: np.ndarray, size: int
) -> tuple[np.ndarray, np.ndarray]:
    """Per cell and boundary x_b: sum of min(x_b, a_i) and count of a_i < x_b."""
    nb = bounds.size + 1
    bucket = _bucket(a, bounds)  # a < bounds[b]  <=>  bucket <= b
    idx = cell * nb + bucket
    sums = np.bincount(idx, weights=a.astype(float), minlength=size * nb).reshape(size, nb)
    cnts = np.bincount(idx, minlength=size * nb).reshape(size, nb)
    below_sum = np.cumsum(sums, axis=1)[:, : bounds.size]
    below_cnt = np.cumsum(cnts, axis=1)[:, : bounds.size]
    total = cnts.sum(axis=1, keepdims=True)
    return below_sum + bounds[None, :] * (total - below_cnt), below_cnt


def _count_days(
    start: np.ndarray,
    end: np.ndarray,
    stock_start: np.ndarray,
    *,
    cell: np.ndarray,
    bounds: np.ndarray,
    size: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Census (person-days / days in year) and 1 January stock per cell x year.

    Person-days before day x summed over people is G(x) = sum min(x, end + 1) - sum min(x,
    start); a year's days are G(next 1 January) - G(1 January). Stock on 1 January is
    #(stock_start < day) - #(end < day), where stock_start is a day earlier for people who
    join on 1 January by a change of group. Both need only per-bucket sums: O(people).
    """
    min_end, _ = _below(end + 1, cell, bounds, size)
    min_start, _ = _below(start, cell, bounds, size)
    _, started = _below(stock_start, cell, bounds, size)
    _, ended = _below(end, cell, bounds, size)
    census = np.diff(min_end - min_start, axis=1) / np.diff(bounds)[None, :]
    stock = (started - ended)[:, :-1]
    return census, stock


def _year_cells(counts: np.ndarray, k_count: int, horizon: int) -> tuple[np.ndarray, ...]:
    """Expand counts (m, K, H) into one row per arrival: path, municipality, year index."""
    flat = counts.reshape(-1)
    cell = np.repeat(np.arange(flat.size), flat)
    return cell // (k_count * horizon), (cell // horizon) % k_count, cell % horizon


def simulate_stockflow(
    panel: Panel,
    cutoff_year: int,
    horizon: int,
    n_paths: int,
    rng: np.random.Generator,
    *,
    settings: StockFlowSettings | None = None,
    chunk_paths: int = 200,
) -> StockFlowPaths:
    """Sample paths for the years after the cutoff; `panel` must be truncated to it.

    Paths are simulated in chunks (one random stream, bounded memory).
    """
    settings = settings or StockFlowSettings()
    fit, residents = fit_stockflow(panel, cutoff_year, horizon, settings)
    k_count = panel.n_kommuner
    years = np.arange(cutoff_year + 1, cutoff_year + horizon + 1)
    bounds = np.array([jan1(int(y)) for y in [*years, years[-1] + 1]], dtype=np.int64)
    cutoff_day = int(bounds[0]) - 1
    days_in_year = np.diff(bounds)
    rule = fit.age_rule
    entry_ages = _entry_ages(panel.episodes, cutoff_day, settings) if rule else None
    limit_age = settings.aftercare_max_age + 1
    if rule is not None:
        r_b18 = birthday(residents.birth, settings.age_cut)
        r_blast = birthday(residents.birth, limit_age)
        r_after18 = r_b18 <= cutoff_day

    if settings.los_uncertainty and fit.survival.n_events > 0:
        scale = np.exp(rng.normal(0.0, 1.0 / np.sqrt(fit.survival.n_events), size=n_paths))
    else:
        scale = np.ones(n_paths)
    pop_future = panel.population_for(years)[1:]
    counts = simulate_inflow(fit.inflow, pop_future, n_paths, rng)  # (P, K, H)
    joins = simulate_inflow(fit.switch_in, pop_future, n_paths, rng)
    pipe = (
        simulate_pipeline(fit.pipeline, n_paths, rng, int(bounds[-1]))
        if fit.pipeline is not None
        else None
    )
    elapsed = (cutoff_day - residents.start + 1).astype(float)
    r_stock_start = np.where(residents.entered, residents.start, residents.start - 1)

    census = np.empty((n_paths, k_count, horizon))
    stock = np.empty((n_paths, k_count, horizon), dtype=np.int64)
    entries = np.empty((n_paths, k_count, horizon), dtype=np.int64)
    for c0 in range(0, n_paths, chunk_paths):
        m = min(chunk_paths, n_paths - c0)
        sc = scale[c0 : c0 + m]
        # 1. members at the cutoff: remaining stay given the time spent (scaled per path)
        r_count = residents.size
        remaining = fit.survival.sample(rng.random((m, r_count)), elapsed[None, :])
        remaining = (remaining - elapsed[None, :]) * sc[:, None]
        r_end = residents.end_from(cutoff_day, remaining)
        if rule is not None and r_count:
            limit = _age_limit(
                r_b18[None, :],
                r_blast[None, :],
                rng.random((m, r_count)),
                rule,
                r_after18[None, :],
            )
            r_end = np.minimum(r_end, np.maximum(limit, cutoff_day))

        # 2. newcomers: entries uniform in the year (+ pipeline); joins on 1 January
        n_path, n_kommune, n_year = _year_cells(counts[c0 : c0 + m], k_count, horizon)
        n_start = bounds[n_year] + (rng.random(n_path.size) * days_in_year[n_year]).astype(
            np.int64
        )
        if pipe is not None:
            sel = (pipe[0] >= c0) & (pipe[0] < c0 + m)
            n_path = np.concatenate([n_path, pipe[0][sel] - c0])
            n_kommune = np.concatenate([n_kommune, pipe[1][sel]])
            n_start = np.concatenate([n_start, pipe[2][sel]])
        n_entries = n_path.size
        j_path, j_kommune, j_year = _year_cells(joins[c0 : c0 + m], k_count, horizon)
        n_path = np.concatenate([n_path, j_path])
        n_kommune = np.concatenate([n_kommune, j_kommune])
        n_start = np.concatenate([n_start, bounds[j_year]])
        is_entry = np.arange(n_path.size) < n_entries
        n_dur = fit.survival.sample(rng.random(n_start.size)) * sc[n_path]
        n_end = n_start + np.maximum(np.floor(n_dur), 1).astype(np.int64) - 1
        if rule is not None and n_start.size and entry_ages is not None and entry_ages.size:
            birth = n_start - rng.choice(entry_ages, size=n_start.size)
            b18 = birth + int(round(settings.age_cut * DAYS_PER_YEAR))
            b_last = birth + int(round(limit_age * DAYS_PER_YEAR))
            limit = _age_limit(b18, b_last, rng.random(n_start.size), rule, b18 <= n_start)
            n_end = np.minimum(n_end, np.maximum(limit, n_start))

        # 3. count days, 1 January stock and entries per path x municipality x year
        start = np.concatenate([np.tile(residents.start, m), n_start])
        end = np.concatenate([r_end.reshape(-1), n_end])
        stock_start = np.concatenate(
            [np.tile(r_stock_start, m), np.where(is_entry, n_start, n_start - 1)]
        )
        cell = np.concatenate(
            [
                np.repeat(np.arange(m), r_count) * k_count + np.tile(residents.kommune, m),
                n_path * k_count + n_kommune,
            ]
        )
        c_census, c_stock = _count_days(
            start, end, stock_start, cell=cell, bounds=bounds, size=m * k_count
        )
        census[c0 : c0 + m] = c_census.reshape(m, k_count, horizon)
        stock[c0 : c0 + m] = c_stock.reshape(m, k_count, horizon)
        new_year = _bucket(n_start[is_entry], bounds) - 1
        ok = (new_year >= 0) & (new_year < horizon)
        flat_idx = (n_path[is_entry][ok] * k_count + n_kommune[is_entry][ok]) * horizon + new_year[
            ok
        ]
        entries[c0 : c0 + m] = np.bincount(flat_idx, minlength=m * k_count * horizon).reshape(
            m, k_count, horizon
        )
    return StockFlowPaths(years=years, census=census, stock=stock, inflow=entries, fit=fit)
