"""Stock-flow process: stays (episodes) per municipality x target group x kind of placement.

Yearly inflow ~ negative binomial(rate per 10,000 of the age band x population x trend x
municipality and year effects); lengths of stay are lognormal per stream; adults are capped by
death, children's stays end at (or after) the 18th birthday. Stays continue as new stays of
the same person: children into adult offers, § 107 into § 108, and § 108 residents attend a
§ 104 day offer. The process starts decades before 2014 so that the first delivered year holds a
realistic stock.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from capacity.demo.calendar import add_years, day, year_start
from capacity.demo.population import compute_band_population

GROUPS = ("V1", "V2", "V3", "V4", "VX", "B1", "B2", "B3", "BX")
KINDS = ("SEL_107", "SEL_108", "ABL_105_SEL_85", "SEL_85", "SEL_103", "SEL_104", "CHILD")
REASONS = ("other", "move", "sel107_to_sel108", "child_to_adult", "child_end", "closure", "death")
CHILD_GROUPS = ("B1", "B2", "B3", "BX")
DAYS_PER_YEAR = 365.25


@dataclass
class Episodes:
    """One entry per stay; ``end`` is the uncensored last day."""

    person: np.ndarray
    muni: np.ndarray
    group: np.ndarray
    kind: np.ndarray
    start: np.ndarray
    end: np.ndarray
    reason: np.ndarray

    @property
    def n(self) -> int:
        return self.person.size


@dataclass
class Persons:
    """One entry per person: birth day, sex and handlekommune (index)."""

    birth: np.ndarray
    male: np.ndarray
    muni: np.ndarray


def _concat(parts: list[Episodes]) -> Episodes:
    return Episodes(
        *(np.concatenate([getattr(p, f) for p in parts]) for f in Episodes.__dataclass_fields__)
    )


class _StreamTable:
    """Lookup of stream parameters by (group, kind)."""

    def __init__(self, streams: list[dict[str, Any]]):
        self.los = {
            (GROUPS.index(s["group"]), KINDS.index(s["kind"])): (
                float(s["los"]["median"]),
                float(s["los"]["sigma"]),
            )
            for s in streams
        }

    def draw_los_days(
        self, rng: np.random.Generator, group: np.ndarray, kind: np.ndarray
    ) -> np.ndarray:
        median = np.empty(group.size)
        sigma = np.empty(group.size)
        for (g, k), (med, sig) in self.los.items():
            sel = (group == g) & (kind == k)
            median[sel], sigma[sel] = med, sig
        years = np.exp(np.log(median) + sigma * rng.standard_normal(group.size))
        return np.maximum(1, np.rint(years * DAYS_PER_YEAR)).astype(np.int64)


def _cap_by_death(
    rng: np.random.Generator,
    conf: dict[str, Any],
    birth: np.ndarray,
    start: np.ndarray,
    *,
    end: np.ndarray,
    reason: np.ndarray,
) -> None:
    """End stays at death (in place): death age ~ normal, never before the stay starts."""
    age_at_start = (start - birth) / DAYS_PER_YEAR
    death_age = conf["death_age"]["mean"] + conf["death_age"]["sd"] * rng.standard_normal(end.size)
    death_age = np.maximum(death_age, age_at_start + 0.1)
    death_day = birth + np.rint(death_age * DAYS_PER_YEAR).astype(np.int64)
    died = end > death_day
    end[died] = death_day[died]
    reason[died] = REASONS.index("death")


def _gaps(rng: np.random.Generator, conf: dict[str, Any], n: int) -> np.ndarray:
    return 1 + rng.integers(0, conf["transitions"]["max_gap_days"] + 1, n)


def simulate_episodes(
    rng: np.random.Generator, conf: dict[str, Any], municipalities: list[dict[str, Any]]
) -> tuple[Episodes, Persons]:
    """Run the stock-flow process from the burn-in year to the data date."""
    ref = conf["reference"]
    data_year = int(ref["data_date"][:4])
    years = np.arange(int(ref["burn_in_from"]), data_year + 1)
    n_m = len(municipalities)
    bands = compute_band_population(conf, municipalities, years)
    inflow = conf["inflow"]
    streams = conf["streams"]
    table = _StreamTable(streams)

    # Municipality effects (random, plus fixed multipliers) and shared year effects per group.
    codes = [str(m["code"]) for m in municipalities]
    muni_eff = np.exp(inflow["municipality_sd"] * rng.standard_normal((n_m, len(GROUPS))))
    for code, mults in inflow["municipality_effects"].items():
        for g, mult in mults.items():
            muni_eff[codes.index(str(code)), GROUPS.index(g)] *= float(mult)
    year_eff = np.zeros((len(GROUPS), years.size))
    shocks = inflow["year_sd"] * rng.standard_normal((len(GROUPS), years.size))
    for t in range(years.size):
        prev = year_eff[:, t - 1] if t else 0.0
        year_eff[:, t] = inflow["year_ar"] * prev + shocks[:, t]
    year_eff = np.exp(year_eff)

    # Yearly counts per stream x municipality x year.
    k = float(inflow["dispersion"])
    counts = np.zeros((len(streams), n_m, years.size), dtype=np.int64)
    for s, st in enumerate(streams):
        g = GROUPS.index(st["group"])
        gconf = conf["groups"][st["group"]]
        trend = np.exp(gconf["trend"] * (np.maximum(years, gconf["trend_from"]) - 2018))
        lam = st["rate"] / 1e4 * bands[st["band"]] * trend[None, :]
        lam = lam * muni_eff[:, g][:, None] * year_eff[g][None, :]
        counts[s] = rng.poisson(lam * rng.gamma(k, 1 / k, lam.shape))

    s_idx, m_idx, y_idx = np.nonzero(counts)
    reps = counts[s_idx, m_idx, y_idx]
    s_e = np.repeat(s_idx, reps)
    m_e = np.repeat(m_idx, reps)
    y_e = np.repeat(y_idx, reps)
    n = s_e.size
    group = np.array([GROUPS.index(st["group"]) for st in streams])[s_e]
    kind = np.array([KINDS.index(st["kind"]) for st in streams])[s_e]

    first = year_start(years)
    length = year_start(years + 1) - first
    start = first[y_e] + np.floor(rng.random(n) * length[y_e]).astype(np.int64)
    g_conf = [conf["groups"][g] for g in GROUPS]
    lo = np.array([c["entry_age"]["lo"] for c in g_conf])[group]
    hi = np.array([c["entry_age"]["hi"] for c in g_conf])[group]
    a = np.array([c["entry_age"]["a"] for c in g_conf])[group]
    b = np.array([c["entry_age"]["b"] for c in g_conf])[group]
    age = lo + (hi - lo) * rng.beta(a, b)
    birth = start - np.rint(age * DAYS_PER_YEAR).astype(np.int64)
    male = rng.random(n) < np.array([c["male_share"] for c in g_conf])[group]
    end = start + table.draw_los_days(rng, group, kind)
    reason = np.zeros(n, dtype=np.int64)

    is_child = np.isin(group, [GROUPS.index(g) for g in CHILD_GROUPS])
    adult = ~is_child
    sub_end, sub_reason = end[adult], reason[adult]
    _cap_by_death(rng, conf, birth[adult], start[adult], end=sub_end, reason=sub_reason)
    end[adult], reason[adult] = sub_end, sub_reason

    # Children: the stay ends at the 18th birthday, or later for a share (continued stay).
    tconf = conf["transitions"]
    b18 = add_years(birth, 18)
    reached = is_child & (end >= b18)
    extend = rng.random(n) < tconf["child_end"]["extension_share"]
    ext_days = np.rint(rng.random(n) * tconf["child_end"]["max_extension_years"] * DAYS_PER_YEAR)
    end[reached] = b18[reached] + np.where(extend[reached], ext_days[reached], 0).astype(np.int64)
    reason[reached] = REASONS.index("child_end")

    persons = Persons(birth=birth, male=male, muni=m_e)
    base = Episodes(np.arange(n), m_e, group, kind, start, end, reason)

    # a) Young people who continue from a children's stay into an adult offer around 18.
    parts = [base]
    cont_groups: list[int] = []
    cont_idx: list[np.ndarray] = []
    for g_name, rule in tconf["child_to_adult"].items():
        sel = np.flatnonzero(reached & (group == GROUPS.index(g_name)))
        sel = sel[rng.random(sel.size) < rule["share"]]
        targets = list(rule["to"])
        p = np.array([rule["to"][t] for t in targets], dtype=float)
        picks = rng.choice(len(targets), sel.size, p=p / p.sum())
        cont_idx.append(sel)
        cont_groups.extend(GROUPS.index(targets[i]) for i in picks)
    sel = np.concatenate(cont_idx)
    kinds = list(tconf["child_to_adult_kind"])
    kp = np.array([tconf["child_to_adult_kind"][x] for x in kinds], dtype=float)
    new_kind = np.array(
        [KINDS.index(kinds[i]) for i in rng.choice(len(kinds), sel.size, p=kp / kp.sum())],
        dtype=np.int64,
    )
    base.reason[sel] = REASONS.index("child_to_adult")
    child_adult = _continuation(
        rng,
        conf,
        table,
        persons,
        prev=base,
        sel=sel,
        group=np.array(cont_groups, dtype=np.int64),
        kind=new_kind,
    )
    parts.append(child_adult)

    # b) § 107 stays that end and continue in § 108 (same person, same group).
    stays = _concat(parts)
    k107 = KINDS.index("SEL_107")
    p_cont = np.zeros(len(GROUPS))
    for g_name, share in tconf["sel107_to_sel108"].items():
        p_cont[GROUPS.index(g_name)] = share
    sel = np.flatnonzero(
        (stays.kind == k107) & (stays.reason == 0) & (rng.random(stays.n) < p_cont[stays.group])
    )
    stays.reason[sel] = REASONS.index("sel107_to_sel108")
    to108 = _continuation(
        rng,
        conf,
        table,
        persons,
        prev=stays,
        sel=sel,
        group=stays.group[sel],
        kind=np.full(sel.size, KINDS.index("SEL_108")),
    )
    stays = _concat([stays, to108])

    # c) Residents of § 108 who also attend a § 104 day offer.
    k108, k104 = KINDS.index("SEL_108"), KINDS.index("SEL_104")
    p_day = np.zeros(len(GROUPS))
    for g_name, share in tconf["concurrent_104"].items():
        p_day[GROUPS.index(g_name)] = share
    sel = np.flatnonzero((stays.kind == k108) & (rng.random(stays.n) < p_day[stays.group]))
    d_start = stays.start[sel] + rng.integers(0, 91, sel.size)
    d_end = np.minimum(
        d_start + table.draw_los_days(rng, stays.group[sel], np.full(sel.size, k104)),
        stays.end[sel],
    )
    ok = d_start <= d_end
    sel, d_start, d_end = sel[ok], d_start[ok], d_end[ok]
    day_stays = Episodes(
        stays.person[sel],
        stays.muni[sel],
        stays.group[sel],
        np.full(sel.size, k104),
        d_start,
        d_end,
        np.zeros(sel.size, dtype=np.int64),
    )
    # A day offer that ends with the residence ends for the same reason.
    same_end = d_end == stays.end[sel]
    day_stays.reason[same_end] = np.where(
        stays.reason[sel][same_end] == REASONS.index("death"), REASONS.index("death"), 0
    )
    stays = _concat([stays, day_stays])

    # Keep only stays that can reach the delivered period (moves add at most a few weeks).
    first_day = day(f"{ref['first_year']}-01-01")
    keep = stays.end >= first_day - 60
    stays = Episodes(*(getattr(stays, f)[keep] for f in Episodes.__dataclass_fields__))
    return stays, persons


def _continuation(
    rng: np.random.Generator,
    conf: dict[str, Any],
    table: _StreamTable,
    persons: Persons,
    *,
    prev: Episodes,
    sel: np.ndarray,
    group: np.ndarray,
    kind: np.ndarray,
) -> Episodes:
    """New stays of the same persons starting 1-15 days after the selected stays end."""
    start = prev.end[sel] + _gaps(rng, conf, sel.size)
    end = start + table.draw_los_days(rng, group, kind)
    reason = np.zeros(sel.size, dtype=np.int64)
    _cap_by_death(rng, conf, persons.birth[prev.person[sel]], start, end=end, reason=reason)
    return Episodes(prev.person[sel], prev.muni[sel], group, kind, start, end, reason)
