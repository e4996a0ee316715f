"""The waterfall's parts add up to the total change and match hand-computed LMDI parts."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from capacity.gap.inputs import DemandPaths, GapInputs, ProvisionMix, Supply
from capacity.gap.scenarios import get_scenario
from capacity.gap.waterfall import compute_waterfall, decompose_change, logarithmic_mean


def make_inputs(base: float, levels: list[float], pop: list[float], outside: float) -> GapInputs:
    rng = np.random.default_rng(1)
    noise = rng.normal(1.0, 0.05, size=(200, len(levels))).clip(0.5)
    demand = DemandPaths(
        "V1",
        [2025 + i for i in range(len(levels))],
        np.array(levels) * noise,
        2024,
        base,
        np.array(pop),
    )
    mix = ProvisionMix(
        "V1",
        public_in_region=60.0 * (1 - outside),
        private_in_region=20.0 * (1 - outside),
        public_outside=60.0 * outside,
        private_outside=20.0 * outside,
    )
    return GapInputs(demand, Supply("V1", 50.0, 70.0), mix)


def parts_sum(wf: pl.DataFrame) -> tuple[float, float]:
    v = dict(zip(wf["component"], wf["value"], strict=True))
    parts = v["demography"] + v["rate_trend"] + v["length_of_stay"] + v["scenario"]
    return parts, v["end"] - v["start"]


def test_waterfall_by_hand() -> None:
    # Deterministic demand 46 in the horizon, 40 today, population +5 %, 10 % outside today.
    demand = DemandPaths("V4", [2027], np.full((10, 1), 46.0), 2024, 40.0, np.array([1.05]))
    mix = ProvisionMix("V4", 30.0, 6.0, 0.0, 4.0)
    wf = compute_waterfall(GapInputs(demand, Supply("V4", 30, 45), mix), 2027)
    v = dict(zip(wf["component"], wf["value"], strict=True))
    # start = 40 × 0.9 = 36, end = 46 × 0.9 = 41.4; factors: demography 1.05, rate 46/42.
    # LMDI weight L = (41.4 - 36) / ln(41.4/36) = 5.4 / ln 1.15
    weight = 5.4 / math.log(1.15)
    assert v["start"] == pytest.approx(36.0)
    assert v["end"] == pytest.approx(41.4)
    assert v["demography"] == pytest.approx(weight * math.log(1.05))  # ≈ 1.885
    assert v["rate_trend"] == pytest.approx(weight * math.log(46 / 42))  # ≈ 3.515
    assert v["demography"] == pytest.approx(1.885, abs=1e-3)
    assert v["length_of_stay"] == 0.0 and v["scenario"] == 0.0
    assert wf["label"].to_list()[0] == "I dag"


def test_single_factor_takes_the_whole_change() -> None:
    parts = decompose_change(10.0, {"a": 1.3, "b": 1.0})
    assert parts["a"] == pytest.approx(3.0) and parts["b"] == 0.0


def test_sequential_fallback_with_a_zero_factor() -> None:
    parts = decompose_change(10.0, {"a": 2.0, "b": 0.0, "c": 1.5})
    # 10 → 20 (+10) → 0 (−20) → 0 (0)
    assert parts == {"a": 10.0, "b": -20.0, "c": 0.0}


def test_logarithmic_mean() -> None:
    assert logarithmic_mean(3.0, 3.0) == 3.0
    assert logarithmic_mean(math.e, 1.0) == pytest.approx(math.e - 1.0)
    with pytest.raises(ValueError):
        logarithmic_mean(0.0, 1.0)


CASES = st.fixed_dictionaries(
    {
        "base": st.floats(0.0, 400.0),
        "growth": st.lists(st.floats(0.3, 2.5), min_size=3, max_size=3),
        "pop": st.lists(st.floats(0.7, 1.4), min_size=3, max_size=3),
        "outside": st.floats(0.0, 0.6),
        "multiplier": st.floats(0.0, 3.0),
        "los": st.floats(-0.5, 0.5),
        "shift": st.floats(0.0, 1.0),
    }
)


@settings(max_examples=60, deadline=None)
@given(case=CASES)
def test_parts_add_up_to_the_total(case: dict) -> None:
    levels = [max(case["base"], 1.0) * g for g in case["growth"]]
    inputs = make_inputs(case["base"], levels, case["pop"], case["outside"])
    scenario = get_scenario(
        "basis",
        rate_trend_multiplier=case["multiplier"],
        los_change=case["los"],
        private_to_municipal_share=case["shift"],
    )
    for year in inputs.demand.years:
        wf = compute_waterfall(inputs, year, scenario)
        parts, total = parts_sum(wf)
        assert parts == pytest.approx(total, abs=1e-9 * max(1.0, abs(total)))
        v = dict(zip(wf["component"], wf["value"], strict=True))
        assert v["start"] == pytest.approx(case["base"] * (1 - case["outside"]))


def test_waterfall_end_is_the_gap_demand() -> None:
    from capacity.gap.compute import compute_gap

    inputs = make_inputs(80.0, [84.0, 90.0, 97.0], [1.01, 1.02, 1.03], 0.2)
    scenario = get_scenario("hjemtagning", los_change=-0.05)
    wf = compute_waterfall(inputs, 2027, scenario)
    gap = compute_gap(inputs, scenario).filter(pl.col("year") == 2027)
    end = wf.filter(pl.col("component") == "end")["value"][0]
    assert end == pytest.approx(gap["demand_mean"][0])
    # the shift of private placements home shows up in the scenario bar only
    v = dict(zip(wf["component"], wf["value"], strict=True))
    assert v["scenario"] > 0 and v["length_of_stay"] < 0
