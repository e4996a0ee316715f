"""The engine end to end on a synthetic group: table format, coherence, backtest, outputs."""

from __future__ import annotations

import dataclasses

import numpy as np
import polars as pl
import pytest

from capacity.forecast import backtest_target_group, forecast_target_group
from capacity.forecast.engine import TABLE_SCHEMA
from capacity.forecast.outputs import (
    table_headline,
    table_principal_scores,
    table_sample_paths,
    write_forecast_table,
)
from capacity.forecast.plots import plot_backtest_skill, plot_fan_chart
from capacity.forecast.settings import ALL_MODELS, load_forecast_settings
from capacity.forecast.synthetic import SyntheticSpec, make_synthetic_input

H = 6
SPEC = SyntheticSpec(
    target_group="V1",
    n_kommuner=6,
    rate_per_10k=5.0,
    mean_los_years=4.0,
    trend=0.03,
    feeder_rate_per_10k=10.0,
)


@pytest.fixture(scope="module")
def settings():
    return dataclasses.replace(load_forecast_settings(), n_paths=200, n_paths_backtest=100)


@pytest.fixture(scope="module")
def inp():
    return make_synthetic_input(SPEC, seed=21)


@pytest.fixture(scope="module")
def result(inp, settings):
    return forecast_target_group(inp, horizon=H, settings=settings)


def test_table_has_the_published_layout(result, inp):
    table = result.table
    assert table.schema == pl.Schema(TABLE_SCHEMA)
    assert set(table["level"].unique()) == {"region", "municipality"}
    assert set(table["kind"].unique()) == {"history", "forecast"}
    assert set(table["quantity"].unique()) == {"census", "stock", "inflow"}
    codes = set(table["kommunekode"].unique())
    assert codes == {"1082", *inp.kommuner}
    hist = table.filter(pl.col("kind") == "history")
    assert (hist["model"] == "observed").all()
    assert hist["observed"].null_count() == 0 and hist["mean"].null_count() == hist.height
    fc = table.filter(pl.col("kind") == "forecast")
    assert fc["observed"].null_count() == fc.height
    assert sorted(fc["year"].unique().to_list()) == list(range(2025, 2025 + H))
    models = set(fc["model"].unique())
    assert models == {*ALL_MODELS, "principal"}
    # one row per level x municipality x quantity x year x model
    keys = ["level", "kommunekode", "quantity", "year", "model"]
    assert not table.select(keys).is_duplicated().any()


def test_principal_rows_copy_the_chosen_model(result):
    fc = result.table.filter(pl.col("kind") == "forecast")
    for quantity, model in result.principal.items():
        principal = fc.filter((pl.col("model") == "principal") & (pl.col("quantity") == quantity))
        assert (principal["source_model"] == model).all()
        chosen = fc.filter((pl.col("model") == model) & (pl.col("quantity") == quantity))
        cols = ["level", "kommunekode", "year", "mean", "p025", "p10", "p50", "p90", "p975"]
        assert principal.select(cols).sort(cols[:3]).equals(chosen.select(cols).sort(cols[:3]))


def test_every_model_adds_up_from_municipalities_to_region(result):
    fc = result.table.filter(pl.col("kind") == "forecast")
    region = fc.filter(pl.col("level") == "region").select("quantity", "model", "year", "mean")
    munis = (
        fc.filter(pl.col("level") == "municipality")
        .group_by("quantity", "model", "year")
        .agg(pl.col("mean").sum().alias("sum"))
    )
    joined = region.join(munis, on=["quantity", "model", "year"])
    assert joined.height == region.height
    rel = ((joined["mean"] - joined["sum"]).abs() / joined["mean"].clip(lower_bound=1.0)).max()
    assert rel < 1e-6


def test_no_negative_values_anywhere(result):
    fc = result.table.filter(pl.col("kind") == "forecast")
    for col in ("mean", "p025", "p10", "p50", "p90", "p975"):
        assert fc[col].min() >= 0.0
    for paths in result.paths.values():
        assert paths.min() >= 0.0


def test_backtest_covers_both_levels_and_four_horizons(result):
    board = result.backtest.scoreboard
    assert set(board["level"].unique()) == {"region", "municipality"}
    assert sorted(board["h"].unique().to_list()) == [1, 2, 3, 4]
    census = board.filter(pl.col("quantity") == "census")
    # every model is scored; CRPS exists for the path model only
    assert set(census["model"].unique()) == set(ALL_MODELS)
    assert census.filter(pl.col("model") == "stockflow")["crps"].null_count() == 0
    assert (
        census.filter(pl.col("model") != "stockflow")["crps"].drop_nans().drop_nulls().len() == 0
    )
    # cutoffs: every year from the 5th complete year to the year before the last
    assert result.backtest.cutoffs == tuple(range(2018, 2024))


def test_backtest_alone_agrees_with_the_forecast_run(inp, settings, result):
    bt = backtest_target_group(inp, settings=settings)
    assert bt.principal == result.principal
    assert bt.scoreboard.equals(result.backtest.scoreboard)


def test_same_seed_gives_byte_identical_files(inp, settings, result, tmp_path):
    again = forecast_target_group(inp, horizon=H, settings=settings)
    a = write_forecast_table(result.table, tmp_path / "a.csv")
    b = write_forecast_table(again.table, tmp_path / "b.csv")
    assert a.read_bytes() == b.read_bytes()
    header = a.read_text().splitlines()[0].split(",")
    assert header == list(TABLE_SCHEMA)


def test_sample_paths_and_headline_tables(result):
    region = table_sample_paths(result, "census", "region")
    assert region.height == 200 * H
    munis = table_sample_paths(result, "census", "municipality")
    summed = munis.group_by("path", "year").agg(pl.col("value").sum()).sort("path", "year")
    np.testing.assert_allclose(
        summed["value"].to_numpy(), region.sort("path", "year")["value"].to_numpy(), atol=1e-9
    )
    scores = table_principal_scores([result])
    assert set(scores["h"].unique().to_list()) == {1, 2, 3, 4}
    head = table_headline(scores)
    assert head.height == 4 and (head["groups"] == 1).all()


def test_plots_draw_history_and_fan(result):
    fig = plot_fan_chart(result.table)
    names = [t.name for t in fig.data]
    assert names[:2] == ["95 %-interval", "80 %-interval"] and "Observeret" in names
    skill = plot_backtest_skill(result.backtest.scoreboard)
    assert len(skill.data) == len(ALL_MODELS)
