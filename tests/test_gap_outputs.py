"""Tables and figures of the gap on synthetic inputs for all seven target groups."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import polars as pl
import pytest

from capacity.gap import (
    DemandPaths,
    GapInputs,
    ProvisionMix,
    Supply,
    compare_scenarios,
    compute_costs,
    compute_gap_all,
    compute_lanepulje,
    compute_planned_projects,
    compute_price_difference,
    compute_use_of_places,
    compute_waterfall,
    get_scenario,
)
from capacity.gap.labels import SEVEN_GROUPS
from capacity.gap.plots import (
    plot_gap,
    plot_lanepulje,
    plot_scenarios,
    plot_shortage_probability,
    plot_waterfall,
)
from capacity.gap.tables import (
    table_costs,
    table_gap,
    table_lanepulje,
    table_planned_projects,
    table_prices,
    table_scenarios,
    table_summary,
    table_use_of_places,
    table_waterfall,
)

YEARS = [2025, 2026, 2027, 2028]


@pytest.fixture(scope="module")
def inputs() -> list[GapInputs]:
    rng = np.random.default_rng(3)
    out = []
    for i, group in enumerate(SEVEN_GROUPS):
        base = 30.0 + 25 * i
        growth = np.cumprod(rng.normal(1.03, 0.04, size=(1000, len(YEARS))), axis=1)
        paths = rng.poisson(base * growth).astype(float)
        demand = DemandPaths(group, YEARS, paths, 2024, base, np.linspace(1.005, 1.02, len(YEARS)))
        planned = pl.DataFrame(
            {
                "year": [2026],
                "places": [8.0],
                "for_other_municipalities": [3.0],
                "project": [f"P{group}"],
                "municipality": ["751"],
                "status": ["besluttet"],
            }
        )
        supply = Supply(group, base * 0.85, base * 1.3, planned)
        mix = ProvisionMix(
            group,
            base * 0.5,
            base * 0.3,
            base * 0.05,
            base * 0.15,
            unit_cost_public=900_000.0,
            unit_cost_private=1_300_000.0,
        )
        out.append(GapInputs(demand, supply, mix))
    return out


def test_gap_table_states_service_level_for_every_group(inputs) -> None:
    gap = compute_gap_all(inputs, max_shortage_prob=0.05, planned_statuses=None)
    table = table_gap(gap, 2028)
    assert sorted(table["Målgruppe"].to_list()) == sorted(SEVEN_GROUPS)
    assert (table["Serviceniveau"] == "P(efterspørgsel > kapacitet) ≤ 5 %").all()
    assert table["Nødvendige pladser"].min() > 0
    assert table.height == 7 and "Manglende pladser (+) / overskud (−)" in table.columns


def test_figures_build_and_mark_person_traces(inputs) -> None:
    gap = compute_gap_all(inputs, planned_statuses=None)
    fig = plot_gap(gap, "V1")
    assert isinstance(fig, go.Figure)
    assert "P(efterspørgsel > kapacitet) ≤ 10 %" in fig.layout.title.text
    persons = [t for t in fig.data if (t.meta or {}).get("measure") == "persons"]
    assert {t.name.split(",")[0] for t in persons} >= {"Efterspørgsel"}
    capacity = [t for t in fig.data if t.name.startswith("Kapacitet (fordelte")]
    assert capacity and capacity[0].meta is None
    fig = plot_shortage_probability(gap)
    assert len(fig.data) == 7 and "≤ 10 %" in fig.layout.title.text
    wf = compute_waterfall(inputs[3], 2028, get_scenario("hjemtagning"))
    fig = plot_waterfall(wf)
    assert list(fig.data[0].measure) == [
        "absolute",
        "relative",
        "relative",
        "relative",
        "relative",
        "total",
    ]
    view = compute_lanepulje(gap, 2027, [i.mix for i in inputs])
    fig = plot_lanepulje(view)
    assert [t.name for t in fig.data][1:] == [
        "Planlagte pladser til egen kommune",
        "Planlagte pladser til andre kommuner",
    ]
    comp = compare_scenarios(inputs, [get_scenario("basis"), get_scenario("stigende_rate")])
    assert len(plot_scenarios(comp, 2028).data) == 2


def test_other_tables(inputs) -> None:
    gap = compute_gap_all(inputs, planned_statuses=None)
    comp = compare_scenarios(inputs, [get_scenario("basis"), get_scenario("kortere_ophold")])
    t = table_scenarios(comp, 2028)
    assert t.height == 14 and set(t["Scenarie"]) == {"Basis", "Kortere ophold"}
    wfs = [compute_waterfall(i, 2028) for i in inputs]
    tw = table_waterfall(wfs)
    parts = tw.select(
        ["Demografi", "Udvikling i forbrugsrate", "Opholdstid", "Scenarie (hjemtagning m.m.)"]
    ).sum_horizontal()
    assert ((tw["I horisontåret"] - tw["I dag"] - parts).abs() < 0.05).all()
    use = table_use_of_places(compute_use_of_places([i.mix for i in inputs]))
    assert use["Andel uden for regionen, %"].to_list() == [20.0] * 7
    prices = pl.DataFrame(
        {
            "target_group": ["V1", "V1", "V4"],
            "provider": ["public", "private", "public"],
            "paid_annual_cost": [900_000.0, 1_250_000.0, 1_000_000.0],
            "takst_per_day": [2500.0, 3400.0, 2800.0],
        }
    )
    diff = compute_price_difference(prices)
    v1 = diff.filter(pl.col("target_group") == "V1").row(0, named=True)
    assert v1["paid_difference"] == 350_000.0 and v1["takst_difference_per_year"] == 900 * 365
    assert diff.filter(pl.col("target_group") == "V4")["paid_difference"][0] is None
    assert table_prices(diff).height == 2
    costs = pl.concat([compute_costs(i) for i in inputs])
    tc = table_costs(costs, 2028)
    assert tc.height == 7 and (tc["Forventet udgift (mio. kr.)"] > 0).all()
    summary = table_summary(gap, costs, 2028)
    assert summary.height == 7 and summary["Scenarie"].unique().to_list() == ["Basis"]
    assert (
        summary["Forventet udgift (mio. kr.)"].to_list()
        == tc["Forventet udgift (mio. kr.)"].to_list()
    )
    view = compute_lanepulje(gap, 2028, [i.mix for i in inputs], diff)
    tl = table_lanepulje(view)
    assert (tl["Serviceniveau"] == "P(efterspørgsel > kapacitet) ≤ 10 %").all()
    assert (
        tl["Heraf til egen kommune"] + tl["Heraf til andre kommuner"]
        == tl["Planlagte pladser i alt"]
    ).all()
    projects = table_planned_projects(compute_planned_projects([i.supply for i in inputs]))
    assert projects["Kommune"].unique().to_list() == ["Aarhus"]
