"""What drives the change in demand from today to a horizon year (a change-factor waterfall).

Expected demand on the region's places in year T is a product of factors relative to today:

    X_T = X_0 × demography × rate trend × length of stay × scenario (pool share)

(capacity.gap.scenarios). The change X_T − X_0 is split into one additive part per factor with
the logarithmic mean Divisia index (LMDI-I): part_k = L(X_T, X_0)·ln(f_k), with the logarithmic
mean L(a, b) = (a − b) / (ln a − ln b). The parts add up exactly to the total and do not depend on
the order of the factors. When a level or a factor is zero (logs undefined) the parts are taken
one factor at a time in the order listed (sequential decomposition), which also adds up exactly.
"""

from __future__ import annotations

import math

import polars as pl

from capacity.gap.inputs import GapInputs
from capacity.gap.scenarios import Scenario, apply_scenario, get_scenario

COMPONENTS = ("demography", "rate_trend", "length_of_stay", "scenario")
COMPONENT_LABELS = {
    "start": "I dag",
    "demography": "Demografi",
    "rate_trend": "Udvikling i forbrugsrate",
    "length_of_stay": "Opholdstid",
    "scenario": "Scenarie (hjemtagning m.m.)",
    "end": "I horisontåret",
}


def logarithmic_mean(a: float, b: float) -> float:
    """L(a, b) = (a − b) / (ln a − ln b), with L(a, a) = a; both positive."""
    if a <= 0 or b <= 0:
        raise ValueError("the logarithmic mean needs positive values")
    if math.isclose(a, b, rel_tol=1e-12):
        return a
    return (a - b) / (math.log(a) - math.log(b))


def decompose_change(start: float, factors: dict[str, float]) -> dict[str, float]:
    """Split end − start, where end = start × Π factors, into one additive part per factor.

    LMDI-I when everything is positive, else sequential in the order of `factors`.
    """
    end = start
    for f in factors.values():
        end *= f
    if start > 0 and end > 0 and all(f > 0 for f in factors.values()):
        weight = logarithmic_mean(end, start)
        parts = {k: weight * math.log(f) for k, f in factors.items()}
    else:
        parts, level = {}, start
        for k, f in factors.items():
            parts[k] = level * f - level
            level *= f
    # Rounding in the logs leaves a remainder of the order of 1e-12; it goes to the largest
    # part so that the bars a reader adds up give the total.
    residual = (end - start) - sum(parts.values())
    if parts:
        biggest = max(parts, key=lambda k: abs(parts[k]))
        parts[biggest] += residual
    return parts


def compute_waterfall(
    inputs: GapInputs, year: int | None = None, scenario: Scenario | None = None
) -> pl.DataFrame:
    """Rows start, demography, rate_trend, length_of_stay, scenario, end for one target group:
    expected demand on the region's places today and in `year` (default: last forecast year),
    and the parts of the change. The parts add up exactly to end − start.
    """
    scenario = scenario or get_scenario("basis")
    sd = apply_scenario(inputs.demand, inputs.mix, scenario)
    year = inputs.demand.years[-1] if year is None else int(year)
    j = inputs.demand.year_index(year)
    start = sd.base_pool_demand
    end = float(sd.pool_paths[:, j].mean())
    if sd.has_base:
        factors = {
            "demography": float(sd.population_index[j]),
            "rate_trend": float(sd.rate_factor[j]),
            "length_of_stay": float(sd.los_factor[j]),
            "scenario": float(sd.pool_share[j] / sd.base_pool_share),
        }
        parts = decompose_change(start, factors)
    else:
        # Nobody in the pool today: there is no level to scale, so the new demand is built up
        # step by step (rate trend at today's pool share, then length of stay, then scenario).
        total = float(sd.total_paths[:, j].mean())
        los = float(sd.los_factor[j])
        at_rate = total / los * sd.base_pool_share if los > 0 else 0.0
        at_los = total * sd.base_pool_share
        parts = {
            "demography": 0.0,
            "rate_trend": at_rate - start,
            "length_of_stay": at_los - at_rate,
            "scenario": end - at_los,
        }
    rows = [{"component": "start", "value": start}]
    rows += [{"component": k, "value": parts[k]} for k in COMPONENTS]
    rows.append({"component": "end", "value": end})
    return pl.DataFrame(rows, schema={"component": pl.String, "value": pl.Float64}).with_columns(
        pl.lit(inputs.target_group).alias("target_group"),
        pl.lit(scenario.name).alias("scenario"),
        pl.lit(inputs.demand.base_year).alias("base_year").cast(pl.Int64),
        pl.lit(year).alias("year").cast(pl.Int64),
        pl.col("component").replace_strict(COMPONENT_LABELS).alias("label"),
    )
