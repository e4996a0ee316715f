"""Analytic queueing results used as a cross-check on the simulated capacity gap.

reference/forecasting.md §5.4: with Poisson arrivals and any length-of-stay distribution, the
number of occupied places is Poisson(a) (M/G/∞), where the offered load a = arrivals per year ×
mean length of stay in years (Little's law). Erlang-B (M/G/c/c) gives the share of arrivals that
find every one of c places taken, and is insensitive to the length-of-stay distribution.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats


def compute_offered_load(inflow_per_year: float, mean_stay_years: float) -> float:
    """Offered load a = λ·W (Little's law): the mean number of occupied places if nobody is
    turned away."""
    if inflow_per_year < 0 or mean_stay_years < 0:
        raise ValueError("inflow and length of stay must be non-negative")
    return float(inflow_per_year) * float(mean_stay_years)


def erlang_b(places: int, load: float) -> float:
    """Erlang-B blocking probability B(c, a): the share of arrivals that find all c places taken.

    The stable recursion B(0) = 1, B(k) = a·B(k-1) / (k + a·B(k-1)); it never overflows,
    unlike the textbook ratio of a^c/c! to the partial exponential sum.
    """
    if places < 0:
        raise ValueError("places must be >= 0")
    if load < 0:
        raise ValueError("load must be >= 0")
    b = 1.0
    for k in range(1, int(places) + 1):
        b = load * b / (k + load * b)
    return b


def erlang_c(places: int, load: float) -> float:
    """Erlang-C probability of waiting (M/M/c with a queue); 1 when the load fills every place."""
    if places <= 0 or load >= places:
        return 1.0
    b = erlang_b(places, load)
    return places * b / (places - load * (1.0 - b))


def erlang_b_required_places(load: float, max_blocking: float) -> int:
    """Smallest c with B(c, a) ≤ max_blocking (B falls monotonically in c)."""
    if not 0 < max_blocking < 1:
        raise ValueError("max_blocking must lie strictly between 0 and 1")
    if load <= 0:
        return 0
    b, c = 1.0, 0
    while b > max_blocking:
        c += 1
        b = load * b / (c + load * b)
    return c


def poisson_required_places(load: float, max_shortage_prob: float) -> int:
    """Smallest c with P(Poisson(a) > c) ≤ max_shortage_prob: the M/G/∞ capacity for a stated
    chance that, on a given day, more people need a place than there are places."""
    if not 0 < max_shortage_prob < 1:
        raise ValueError("max_shortage_prob must lie strictly between 0 and 1")
    if load <= 0:
        return 0
    c = int(stats.poisson.ppf(1.0 - max_shortage_prob, load))
    # ppf works on floating-point cdf values; step to the exact smallest c by the definition.
    while c > 0 and stats.poisson.sf(c - 1, load) <= max_shortage_prob:
        c -= 1
    while stats.poisson.sf(c, load) > max_shortage_prob:
        c += 1
    return c


def poisson_shortage_probability(load: float, places: float) -> float:
    """P(Poisson(a) > c): the chance that on a given day demand exceeds c places."""
    if load <= 0:
        return 0.0
    return float(stats.poisson.sf(math.floor(places), load))


def mixed_poisson_shortage_probability(loads: np.ndarray, places: float) -> float:
    """P(demand on a day > c) when the day's demand is Poisson around each simulated annual mean:
    the average over sample paths of P(Poisson(a_i) > c)."""
    loads = np.asarray(loads, dtype=float)
    if loads.size == 0:
        raise ValueError("no sample paths")
    return float(np.mean(stats.poisson.sf(math.floor(places), np.clip(loads, 0.0, None))))
