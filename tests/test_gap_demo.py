"""The capacity gap on the demo region, through the adapters to the metrics and forecast."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from capacity.gap import (
    compare_scenarios,
    compute_costs,
    compute_gap_all,
    compute_lanepulje,
    compute_waterfall,
    get_scenario,
)
from capacity.gap.labels import SEVEN_GROUPS, format_service_level
from capacity.gap.scenarios import load_gap_settings
from capacity.gap.tables import table_gap, table_lanepulje

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def loaded(demo_db: Path):
    from capacity.db import connect_readonly
    from capacity.gap.adapters import load_all_gap_inputs, load_price_difference

    con = connect_readonly(demo_db)
    try:
        loaded = load_all_gap_inputs(con)
        prices = load_price_difference(con)
        planned = con.table("planned_capacity").pl()
    finally:
        con.close()
    return loaded, prices, planned


def test_gap_table_for_all_seven_groups(loaded) -> None:
    gap_inputs = loaded[0].inputs
    assert [i.target_group for i in gap_inputs] == list(SEVEN_GROUPS)
    for i in gap_inputs:
        assert i.demand.n_paths >= 1000
        assert i.demand.base_census > 0 and i.supply.places_apportioned > 0
    gap = compute_gap_all(gap_inputs)
    level = format_service_level(load_gap_settings()["max_shortage_probability"])
    horizon = gap["year"].max()
    table = table_gap(gap, horizon)
    assert sorted(table["Målgruppe"].to_list()) == sorted(SEVEN_GROUPS)
    # every figure states its service level
    assert table["Serviceniveau"].to_list() == [level] * 7
    assert (table["Nødvendige pladser"] > 0).all()
    # the gap is required minus capacity, and P(shortage) is on the right side of the level
    assert (gap["gap"] == gap["required"] - gap["capacity"]).all()
    alpha = load_gap_settings()["max_shortage_probability"]
    assert (gap.filter(pl.col("gap") <= 0)["p_shortage"] <= alpha).all()
    assert (gap.filter(pl.col("gap") > 0)["p_shortage"] > alpha).all()


def test_higher_rate_trend_needs_more_places(loaded) -> None:
    gap_inputs = loaded[0].inputs
    comp = compare_scenarios(
        gap_inputs,
        [get_scenario("basis"), get_scenario("stigende_rate"), get_scenario("kortere_ophold")],
    )
    wide = comp.pivot(on="scenario", index=["target_group", "year"], values="required")
    assert (wide["stigende_rate"] >= wide["basis"]).all()
    assert (wide["kortere_ophold"] <= wide["basis"]).all()
    horizon = wide.filter(pl.col("year") == wide["year"].max())
    assert (horizon["stigende_rate"] > horizon["basis"]).all()
    assert (horizon["kortere_ophold"] < horizon["basis"]).all()
    gaps = comp.pivot(on="scenario", index=["target_group", "year"], values="gap")
    assert (gaps["stigende_rate"] >= gaps["basis"]).all()
    # a steeper own trend moves each group in the direction of its own forecast trend
    steeper = compare_scenarios(
        gap_inputs, [get_scenario("basis"), get_scenario("staerkere_trend")]
    )
    last = steeper.filter(pl.col("year") == steeper["year"].max())
    for i in gap_inputs:
        rows = last.filter(pl.col("target_group") == i.target_group)
        by = dict(zip(rows["scenario"], rows["demand_mean"], strict=True))
        j = len(i.demand.years) - 1
        own_trend = i.demand.paths[:, j].mean() / (
            i.demand.base_census * i.demand.population_index[j]
        )
        assert np.sign(by["staerkere_trend"] - by["basis"]) == np.sign(own_trend - 1)


def test_waterfall_costs_and_lanepulje_on_demo(loaded) -> None:
    gap_inputs, prices, planned = loaded[0].inputs, loaded[1], loaded[2]
    for i in gap_inputs:
        wf = compute_waterfall(i, scenario=get_scenario("hjemtagning", los_change=-0.05))
        v = dict(zip(wf["component"], wf["value"], strict=True))
        parts = v["demography"] + v["rate_trend"] + v["length_of_stay"] + v["scenario"]
        assert parts == pytest.approx(v["end"] - v["start"], abs=1e-6)
        costs = compute_costs(i)
        assert (costs["cost_mean"] > 0).all() and costs["cost_today"][0] > 0
    gap = compute_gap_all(gap_inputs)
    view = compute_lanepulje(gap, int(gap["year"].max()), [i.mix for i in gap_inputs], prices)
    table = table_lanepulje(view)
    assert table.height == 7
    assert (
        table["Heraf til egen kommune"] + table["Heraf til andre kommuner"]
        == table["Planlagte pladser i alt"]
    ).all()
    # every residential planned place in the database shows up (none are lost on the way)
    shown = view["planned_places"].sum()
    in_db = planned.filter(
        pl.col("target_group").is_in(list(SEVEN_GROUPS))
        & (pl.col("aar") <= int(gap["year"].max()))
    )["pladser"].sum()
    assert 0 < shown <= in_db
