"""Required places, gap, P(shortage), scenarios and costs on inputs whose answers are known."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest

from capacity.gap.compute import compare_scenarios, compute_gap, compute_gap_all
from capacity.gap.costs import compute_costs
from capacity.gap.inputs import DemandPaths, GapInputs, ProvisionMix, Supply
from capacity.gap.lanepulje import compute_lanepulje, compute_planned_projects
from capacity.gap.required import (
    expected_idle,
    expected_unmet,
    required_places,
    shortage_probability,
)
from capacity.gap.scenarios import get_scenario, load_scenarios


def hand_inputs(n_paths: int = 50) -> GapInputs:
    """Deterministic demand: every path is 42, 44, 46 in 2025-27; 40 placed today (2024)."""
    demand = DemandPaths(
        target_group="V4",
        years=[2025, 2026, 2027],
        paths=np.tile([42.0, 44.0, 46.0], (n_paths, 1)),
        base_year=2024,
        base_census=40.0,
        population_index=np.array([1.02, 1.04, 1.05]),
    )
    planned = pl.DataFrame(
        {
            "year": [2026, 2028],
            "places": [6.0, 10.0],
            "for_other_municipalities": [2.0, 4.0],
            "project": ["Bo A", "Bo B"],
            "municipality": ["751", "740"],
            "status": ["besluttet", "ansøgt"],
        }
    )
    supply = Supply("V4", places_apportioned=30.0, places_counted=45.0, planned=planned)
    # 40 placed today: 30 public + 6 private in the region, 4 private outside.
    mix = ProvisionMix(
        "V4",
        public_in_region=30.0,
        private_in_region=6.0,
        public_outside=0.0,
        private_outside=4.0,
        unit_cost_public=800_000.0,
        unit_cost_private=1_200_000.0,
    )
    return GapInputs(demand, supply, mix)


def test_sample_statistics_by_hand() -> None:
    d = np.array([8.0, 9.5, 10.0, 12.0])
    # P(D > 10) = 1/4; unmet = (12-10)/4 = 0.5; idle = (2 + 0.5 + 0)/4 = 0.625
    assert shortage_probability(d, 10) == 0.25
    assert expected_unmet(d, 10) == 0.5
    assert expected_idle(d, 10) == 0.625
    # α = 25 %: c = 10 gives P(D > 10) = 25 % ≤ 25 %; c = 9 gives 75 %.
    assert required_places(d, 0.25) == 10
    # α = 10 %: need P(D > c) = 0 → c = 12
    assert required_places(d, 0.10) == 12
    samples = np.arange(1, 101, dtype=float)  # 1..100
    # P(D > c) = (100 - c)/100 ≤ 0.1 ⇔ c ≥ 90
    assert required_places(samples, 0.10) == 90


def test_basis_gap_by_hand() -> None:
    gap = compute_gap(
        hand_inputs(),
        get_scenario("basis"),
        max_shortage_prob=0.10,
        counting_method="apportioned",
        planned_statuses=None,
    )
    r = gap.filter(pl.col("year") == 2027).row(0, named=True)
    # In-region share today = 1 - 4/40 = 0.9, so pool demand 2027 = 46 × 0.9 = 41.4.
    assert r["pool_share"] == pytest.approx(0.9)
    assert r["demand_mean"] == pytest.approx(41.4)
    # Required at P(D > c) ≤ 10 %: deterministic 41.4 → 42 places.
    assert r["required"] == 42
    # Capacity 2027: 30 apportioned + 6 planned (2026; the 2028 project not yet open) = 36.
    assert r["planned_places"] == 6 and r["planned_for_others"] == 2
    assert r["capacity"] == 36
    # Gap = 42 - 36 = 6; certain shortage; unmet = 41.4 - 36 = 5.4; no idle places.
    assert r["gap"] == 6
    assert r["p_shortage"] == 1.0
    assert r["expected_unmet"] == pytest.approx(5.4)
    assert r["expected_idle"] == 0.0
    # Counted in every group: 45 + 6 = 51 → gap 42 - 51 = -9, idle 51 - 41.4 = 9.6.
    assert r["gap_counted"] == -9
    assert r["p_shortage_counted"] == 0.0
    assert r["service_level"] == "P(efterspørgsel > kapacitet) ≤ 10 %"
    # 2025: 42 × 0.9 = 37.8 → 38 required, capacity 30 → gap 8.
    r25 = gap.filter(pl.col("year") == 2025).row(0, named=True)
    assert (r25["required"], r25["capacity"], r25["gap"]) == (38, 30, 8)


def test_scenarios_by_hand() -> None:
    inputs = hand_inputs()
    kw = {"max_shortage_prob": 0.10, "counting_method": "apportioned", "planned_statuses": None}

    def row(scenario):
        return (
            compute_gap(inputs, scenario, **kw).filter(pl.col("year") == 2027).row(0, named=True)
        )

    # Rate trend × 1.5: forecast trend 2027 = 46 / (40 × 1.05) = 46/42; scenario trend
    # 1 + 1.5 × (4/42) = 48/42 → demand 40 × 1.05 × 48/42 × 0.9 = 43.2 → 44 places, gap 8.
    r = row(get_scenario("basis", rate_trend_multiplier=1.5))
    assert r["demand_mean"] == pytest.approx(43.2)
    assert (r["required"], r["gap"]) == (44, 8)
    # Rate grows 2 % a year more than forecast: 2027 is 3 years on, 46 × 1.02³ × 0.9
    # = 46 × 1.061208 × 0.9 = 43.93 → 44 places, gap 8.
    r = row(get_scenario("basis", extra_rate_growth=0.02))
    assert r["demand_mean"] == pytest.approx(46 * 1.02**3 * 0.9)
    assert (r["required"], r["gap"]) == (44, 8)
    # Demography only: 40 × 1.05 × 0.9 = 37.8 → 38 places, gap 2.
    r = row(get_scenario("kun_demografi"))
    assert r["demand_mean"] == pytest.approx(37.8)
    assert (r["required"], r["gap"]) == (38, 2)
    # Stays 10 % shorter, fully in effect after 3 years: 46 × 0.9 × 0.9 = 37.26 → 38, gap 2.
    r = row(get_scenario("basis", los_change=-0.10, los_phase_in_years=3))
    assert r["demand_mean"] == pytest.approx(37.26)
    assert r["required"] == 38
    # Half of private placements home: outside share 0.1 - 0.5 × 0.1 = 0.05 → 46 × 0.95 = 43.7
    # → 44 places, gap 8.
    r = row(get_scenario("basis", private_to_municipal_share=0.5))
    assert r["demand_mean"] == pytest.approx(43.7)
    assert (r["required"], r["gap"]) == (44, 8)
    # 5 extra places in 2026 for V4, and 20 % of the places used by other regions:
    # capacity = (30 + 6 + 5) × 0.8 = 32.8 → gap 42 - 32.8 = 9.2.
    r = row(get_scenario("basis", new_places={"V4": {2026: 5}}, other_regions_use_share=0.2))
    assert r["capacity"] == pytest.approx(32.8)
    assert r["gap"] == pytest.approx(9.2)


def test_los_phase_in_2025() -> None:
    inputs = hand_inputs()
    gap = compute_gap(
        inputs,
        get_scenario("basis", los_change=-0.1, los_phase_in_years=3),
        max_shortage_prob=0.1,
        planned_statuses=None,
    )
    # 2025 is one of three years in: factor 1 - 0.1/3; 42 × (1 - 0.1/3) × 0.9 = 36.54
    assert gap["demand_mean"][0] == pytest.approx(42 * (1 - 0.1 / 3) * 0.9)
    assert gap["required"][0] == 37


def test_planned_status_filter() -> None:
    inputs = hand_inputs()
    gap = compute_gap(
        inputs, max_shortage_prob=0.1, counting_method="apportioned", planned_statuses=["ansøgt"]
    )
    # Only the 2028 project counts, and it is not open by 2027.
    assert gap.filter(pl.col("year") == 2027)["capacity"][0] == 30


def test_random_demand_against_direct_statistics() -> None:
    rng = np.random.default_rng(7)
    paths = rng.poisson(60, size=(4000, 2)).astype(float)
    demand = DemandPaths("B1", [2025, 2026], paths, 2024, 58.0, np.array([1.0, 1.0]))
    supply = Supply("B1", 62.0, 70.0)
    inputs = GapInputs(demand, supply, ProvisionMix.neutral("B1"))
    r = compute_gap(inputs, max_shortage_prob=0.1, counting_method="apportioned").row(
        0, named=True
    )
    d = paths[:, 0]
    assert r["p_shortage"] == pytest.approx(np.mean(d > 62))
    assert r["expected_unmet"] == pytest.approx(np.mean(np.maximum(d - 62, 0)))
    assert r["expected_idle"] == pytest.approx(np.mean(np.maximum(62 - d, 0)))
    assert np.mean(d > r["required"]) <= 0.1 < np.mean(d > r["required"] - 1)
    # Poisson demand: the simulated requirement agrees with the analytic Poisson quantile ± 1
    assert abs(r["required"] - r["poisson_required"]) <= 1
    # unmet - idle = E[D] - C exactly
    assert r["expected_unmet"] - r["expected_idle"] == pytest.approx(d.mean() - 62)


def test_costs_at_fixed_prices_by_hand() -> None:
    inputs = hand_inputs()
    costs = compute_costs(inputs, get_scenario("basis"))
    r = costs.filter(pl.col("year") == 2027).row(0, named=True)
    # Private share today 10/40 = 0.25: unit = 0.75 × 800k + 0.25 × 1.2m = 900k per place-year;
    # 2027: 46 place-years × 900k = 41.4 mio. kr.; today 40 × 900k = 36 mio. kr.
    assert r["unit_cost"] == pytest.approx(900_000)
    assert r["cost_mean"] == pytest.approx(41_400_000)
    assert r["cost_today"] == pytest.approx(36_000_000)
    shifted = compute_costs(inputs, get_scenario("hjemtagning")).filter(pl.col("year") == 2027)
    # 25 % of private moved: private share 0.1875 → unit 875k; total demand unchanged → 40.25m
    assert shifted["unit_cost"][0] == pytest.approx(875_000)
    assert shifted["cost_mean"][0] == pytest.approx(46 * 875_000)


def test_lanepulje_view_by_hand() -> None:
    inputs = hand_inputs()
    gap = compute_gap_all(
        [inputs], max_shortage_prob=0.1, counting_method="apportioned", planned_statuses=None
    )
    prices = pl.DataFrame({"target_group": ["V4"], "paid_difference": [400_000.0]})
    view = compute_lanepulje(gap, 2027, [inputs.mix], prices).row(0, named=True)
    # Required 42, today 30 places → 12 missing before plans; 6 planned by 2027 (4 internal,
    # 2 for others) → 6 missing after, half the gap covered.
    assert view["gap_before_plans"] == 12
    assert (view["planned_internal"], view["planned_for_others"]) == (4, 2)
    assert view["gap_after_plans"] == 6
    assert view["share_of_gap_covered"] == pytest.approx(0.5)
    # 10 placed privately today; 6 planned places replacing private at 400k a year = 2.4m
    assert view["saving_if_replacing_private"] == pytest.approx(2_400_000)
    projects = compute_planned_projects([inputs.supply])
    assert projects["internal"].to_list() == [4.0, 6.0]


def test_scenarios_conf_and_comparison() -> None:
    scenarios = load_scenarios()
    assert "basis" in scenarios and scenarios["basis"].params.rate_trend_multiplier == 1.0
    both = compare_scenarios(
        [hand_inputs()],
        [scenarios["basis"], scenarios["stigende_rate"]],
        max_shortage_prob=0.1,
        planned_statuses=None,
    )
    wide = both.pivot(on="scenario", index="year", values="required").sort("year")
    assert (wide["stigende_rate"] >= wide["basis"]).all()
    with pytest.raises(KeyError):
        get_scenario("no_such_scenario")
    with pytest.raises(ValueError):
        get_scenario("basis", private_to_municipal_share=1.5)


def test_inputs_are_validated() -> None:
    with pytest.raises(ValueError):
        DemandPaths("V1", [2025, 2026], np.ones((5, 3)), 2024, 1.0)
    with pytest.raises(ValueError):
        DemandPaths("V1", [2025], -np.ones((5, 1)), 2024, 1.0)
    with pytest.raises(ValueError):
        Supply(
            "V1",
            1.0,
            1.0,
            pl.DataFrame({"year": [2026], "places": [2.0], "for_other_municipalities": [3.0]}),
        )
    with pytest.raises(ValueError):
        GapInputs(hand_inputs().demand, Supply("V1", 1.0, 1.0), ProvisionMix.neutral("V4"))
    assert math.isclose(hand_inputs().mix.private_share, 0.25)


def test_paths_follow_the_principal_model():
    # Paths centred on 100 (sd 10) are moved to a principal forecast of mean 60 with an 80 %
    # interval 50..70: the mean becomes 60, the sd 10 / 1.2816 = 7.80, and ranks are kept.
    from capacity.gap.adapters import match_principal

    rng = np.random.default_rng(1)
    paths = rng.normal(100, 10, size=(4000, 2))
    table = pl.DataFrame(
        {
            "level": ["region", "region"],
            "quantity": ["census", "census"],
            "model": ["principal", "principal"],
            "kind": ["forecast", "forecast"],
            "year": [2026, 2027],
            "mean": [60.0, 80.0],
            "p10": [50.0, 70.0],
            "p90": [70.0, 90.0],
        }
    )
    moved = match_principal(paths, table, [2026, 2027])
    assert moved[:, 0].mean() == pytest.approx(60.0, abs=1e-9)
    assert moved[:, 0].std() == pytest.approx(10 / 1.2815515655446004, rel=1e-9)
    assert moved[:, 1].mean() == pytest.approx(80.0, abs=1e-9)
    assert (np.argsort(moved[:, 0]) == np.argsort(paths[:, 0])).all()
