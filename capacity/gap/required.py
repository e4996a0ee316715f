"""Required places, gap, P(shortage), unmet and idle places from a demand distribution.

Demand in a year is represented by sample paths (the forecast engine's simulated average daily
census); every figure here is a plain statistic of those samples against a capacity C:

    required places R(α) = the smallest whole number c with P(D > c) ≤ α
    gap                  = R(α) − C            (> 0: places missing; < 0: places to spare)
    P(shortage)          = P(D > C)
    expected unmet       = E[(D − C)+]         (place-years per year not covered)
    expected idle        = E[(C − D)+]         (places standing empty on average)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


def required_places(samples: np.ndarray, max_shortage_prob: float) -> int:
    """Smallest whole number c with P(D > c) ≤ max_shortage_prob over the samples.

    P(D > c) ≤ α ⇔ F(c) ≥ 1 − α for the empirical CDF F, so c is the ceiling of the
    inverted-CDF quantile at 1 − α.
    """
    if not 0 < max_shortage_prob < 1:
        raise ValueError("max_shortage_prob must lie strictly between 0 and 1")
    samples = np.asarray(samples, dtype=float)
    if samples.size == 0:
        raise ValueError("no samples")
    q = float(np.quantile(samples, 1.0 - max_shortage_prob, method="inverted_cdf"))
    c = max(0, math.ceil(q - 1e-9))
    # Guard the float edge (q a hair above an integer): take the smallest c meeting the rule.
    while c > 0 and np.mean(samples > c - 1) <= max_shortage_prob:
        c -= 1
    while np.mean(samples > c) > max_shortage_prob:
        c += 1
    return c


def shortage_probability(samples: np.ndarray, capacity: float) -> float:
    """P(D > C)."""
    return float(np.mean(np.asarray(samples, dtype=float) > capacity))


def expected_unmet(samples: np.ndarray, capacity: float) -> float:
    """E[(D − C)+]: average demand above capacity (place-years per year)."""
    return float(np.mean(np.clip(np.asarray(samples, dtype=float) - capacity, 0.0, None)))


def expected_idle(samples: np.ndarray, capacity: float) -> float:
    """E[(C − D)+]: average number of places left empty."""
    return float(np.mean(np.clip(capacity - np.asarray(samples, dtype=float), 0.0, None)))


@dataclass(frozen=True)
class GapFigures:
    """The gap figures for one demand distribution against one capacity."""

    demand_mean: float
    demand_p10: float
    demand_p50: float
    demand_p90: float
    required: int
    capacity: float
    gap: float
    p_shortage: float
    expected_unmet: float
    expected_idle: float


def compute_gap_figures(
    samples: np.ndarray, capacity: float, max_shortage_prob: float
) -> GapFigures:
    """All gap figures for one year's demand samples against a capacity."""
    samples = np.asarray(samples, dtype=float)
    p10, p50, p90 = np.quantile(samples, [0.1, 0.5, 0.9])
    req = required_places(samples, max_shortage_prob)
    return GapFigures(
        demand_mean=float(samples.mean()),
        demand_p10=float(p10),
        demand_p50=float(p50),
        demand_p90=float(p90),
        required=req,
        capacity=float(capacity),
        gap=float(req - capacity),
        p_shortage=shortage_probability(samples, capacity),
        expected_unmet=expected_unmet(samples, capacity),
        expected_idle=expected_idle(samples, capacity),
    )
