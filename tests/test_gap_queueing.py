"""Erlang-B, Erlang-C and Poisson quantiles against scipy and published values."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import special, stats

from capacity.gap.queueing import (
    compute_offered_load,
    erlang_b,
    erlang_b_required_places,
    erlang_c,
    mixed_poisson_shortage_probability,
    poisson_required_places,
    poisson_shortage_probability,
)


def erlang_b_direct(c: int, a: float) -> float:
    """B(c, a) = (a^c / c!) / Σ_{k≤c} a^k / k!, in logs with scipy.special."""
    k = np.arange(c + 1)
    log_terms = k * math.log(a) - special.gammaln(k + 1)
    return float(math.exp(log_terms[-1] - special.logsumexp(log_terms)))


@pytest.mark.parametrize(
    ("c", "a"), [(1, 0.5), (5, 2.0), (10, 10.0), (15, 10.0), (40, 35.5), (120, 100.0), (300, 310)]
)
def test_erlang_b_recursion_matches_direct_formula(c: int, a: float) -> None:
    assert erlang_b(c, a) == pytest.approx(erlang_b_direct(c, a), rel=1e-10)
    # and the truncated-Poisson form with scipy.stats
    assert erlang_b(c, a) == pytest.approx(
        stats.poisson.pmf(c, a) / stats.poisson.cdf(c, a), rel=1e-9
    )


def test_erlang_b_small_cases_by_hand() -> None:
    # B(1, a) = a / (1 + a); B(2, 1) = (1/2) / (1 + 1 + 1/2) = 0.2
    assert erlang_b(1, 3.0) == pytest.approx(0.75)
    assert erlang_b(2, 1.0) == pytest.approx(0.2)
    assert erlang_b(0, 4.0) == 1.0


@pytest.mark.parametrize(
    ("a", "c5", "c1"), [(2, 5, 7), (5, 9, 11), (10, 15, 18), (20, 26, 30), (100, 105, 117)]
)
def test_erlang_b_required_matches_reference_table(a: float, c5: int, c1: int) -> None:
    # reference/forecasting.md §5.4: places for P(block) ≤ 5 % and ≤ 1 %
    assert erlang_b_required_places(a, 0.05) == c5
    assert erlang_b_required_places(a, 0.01) == c1
    c = erlang_b_required_places(a, 0.05)
    assert erlang_b_direct(c, a) <= 0.05 < erlang_b_direct(c - 1, a)


@pytest.mark.parametrize(("a", "c"), [(2, 4), (5, 8), (10, 14), (20, 26), (100, 111)])
def test_erlang_c_matches_reference_table(a: float, c: int) -> None:
    # smallest c with P(wait) ≤ 20 %
    assert erlang_c(c, a) <= 0.20 < erlang_c(c - 1, a)


@pytest.mark.parametrize("a", [0.3, 2.0, 5.0, 10.0, 37.2, 100.0, 850.0])
@pytest.mark.parametrize("alpha", [0.2, 0.1, 0.05, 0.01])
def test_poisson_required_is_the_scipy_quantile(a: float, alpha: float) -> None:
    c = poisson_required_places(a, alpha)
    assert c == int(stats.poisson.ppf(1 - alpha, a))
    # the definition: smallest c with P(X > c) ≤ α, checked by summing the pmf
    cdf = np.cumsum(stats.poisson.pmf(np.arange(c + 1), a))
    assert 1 - cdf[c] <= alpha + 1e-12
    if c > 0:
        assert 1 - cdf[c - 1] > alpha


@pytest.mark.parametrize(
    ("a", "p80", "p90", "p95"),
    [(2, 3, 4, 5), (10, 13, 14, 15), (50, 56, 59, 62), (100, 108, 113, 117)],
)
def test_poisson_required_matches_reference_table(a: float, p80: int, p90: int, p95: int) -> None:
    assert [poisson_required_places(a, x) for x in (0.2, 0.1, 0.05)] == [p80, p90, p95]


def test_poisson_shortage_and_mixture() -> None:
    assert poisson_shortage_probability(10.0, 14) == pytest.approx(stats.poisson.sf(14, 10.0))
    loads = np.array([8.0, 10.0, 12.0])
    expected = np.mean([stats.poisson.sf(14, x) for x in loads])
    assert mixed_poisson_shortage_probability(loads, 14.6) == pytest.approx(expected)
    assert poisson_shortage_probability(0.0, 0) == 0.0


def test_offered_load_is_littles_law() -> None:
    assert compute_offered_load(24.0, 1.5) == 36.0
    with pytest.raises(ValueError):
        compute_offered_load(-1.0, 2.0)
