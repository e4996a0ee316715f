"""The stage hand-over (capacity.results): per-target-group Parquet files in the run folder."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from capacity.gap.inputs import DemandPaths
from capacity.results import (
    FORECAST_COLUMNS,
    demand_frame,
    demand_from_frame,
    load_run_costs,
    load_run_demand,
    load_run_forecasts,
    load_run_gaps,
    load_run_scoreboards,
    result_path,
    run_result_groups,
    save_run_results,
)


@dataclass
class FakePage:
    """What capacity.results reads from a report page."""

    run_dir: Path | None


@pytest.fixture(scope="module")
def synthetic_forecast():
    """A real forecast of a small synthetic group (no backtest: fast)."""
    from capacity.forecast import forecast_target_group
    from capacity.forecast.synthetic import SyntheticSpec, make_synthetic_input

    spec = SyntheticSpec(target_group="V9", n_kommuner=3, rate_per_10k=30.0)
    inp = make_synthetic_input(spec, seed=3)
    return forecast_target_group(
        inp, horizon=4, models=["naive", "drift", "stockflow"], backtest=False
    )


def _demand(group: str = "V1", n_paths: int = 50) -> DemandPaths:
    rng = np.random.default_rng(1)
    return DemandPaths(
        target_group=group,
        years=[2026, 2027, 2028],
        paths=rng.gamma(50.0, 2.0, size=(n_paths, 3)),
        base_year=2025,
        base_census=101.5,
        population_index=np.array([1.01, 1.02, 1.03]),
    )


def _gap(group: str) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "target_group": [group, group],
            "scenario": ["basis", "basis"],
            "year": [2027, 2026],
            "gap": [3.0, -2.0],
        }
    )


def _board(group: str) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "target_group": [group] * 3,
            "quantity": ["census", "census", "stock"],
            "level": ["region"] * 3,
            "model": ["naive", "drift", "drift"],
            "h": [1, 1, 1],
            "rmae": [1.0, 0.7, 0.8],
        }
    )


def test_round_trip_of_every_kind(tmp_path, synthetic_forecast):
    page = FakePage(tmp_path)
    fc = synthetic_forecast
    written = save_run_results(
        page,
        "V9",
        fc.table,
        _board("V9"),
        _gap("V9"),
        costs=pl.DataFrame({"target_group": ["V9"], "year": [2026], "cost_mean": [1e6]}),
        demand=_demand("V9"),
        principal={"census": "drift"},
    )
    assert {p.name for p in written} == {
        f"{k}_V9.parquet" for k in ("forecast", "scoreboard", "gap", "costs", "demand")
    }
    assert all(p.parent == tmp_path / "results" for p in written)
    assert not list((tmp_path / "results").glob("*.tmp*"))  # atomic writes leave nothing behind

    forecasts = load_run_forecasts(page)
    assert forecasts is not None
    assert forecasts.height == fc.table.height
    assert set(FORECAST_COLUMNS) <= set(forecasts.columns)
    # the same rows and (rounded) values as the engine's table
    key = ["quantity", "level", "kommunekode", "model", "year"]
    joined = fc.table.join(forecasts, on=key, suffix="_saved")
    assert joined.height == fc.table.height
    assert (joined["mean"] - joined["mean_saved"]).abs().max() < 1e-3

    board = load_run_scoreboards(page)
    flags = {(r["quantity"], r["model"]): r["principal"] for r in board.iter_rows(named=True)}
    assert flags == {
        ("census", "naive"): False,
        ("census", "drift"): True,
        ("stock", "drift"): False,
    }
    assert load_run_gaps(page)["year"].to_list() == [2026, 2027]  # sorted on load
    assert load_run_costs(page)["cost_mean"].to_list() == [1e6]
    demand = load_run_demand(page)["V9"]
    original = _demand("V9")
    np.testing.assert_allclose(demand.paths, original.paths)
    np.testing.assert_allclose(demand.population_index, original.population_index)
    assert (demand.years, demand.base_year, demand.base_census) == (
        [2026, 2027, 2028],
        2025,
        101.5,
    )


def test_forecast_file_holds_the_design_4b_table(tmp_path, synthetic_forecast):
    page = FakePage(tmp_path)
    fc = synthetic_forecast
    save_run_results(page, "V9", fc.table, fc.scoreboard, _gap("V9"), principal=fc.principal)
    table = pl.read_parquet(result_path(page, "forecast", "V9"))
    assert set(table["level"].unique()) == {"region", "municipality"}
    history = table.filter(pl.col("model") == "observed")
    assert history.height and history["observed"].null_count() == 0
    assert history["mean"].null_count() == history.height  # history rows carry observed only
    forecast = table.filter(pl.col("model") != "observed")
    for col in ("mean", "p10", "p50", "p90", "p025", "p975"):
        assert forecast[col].null_count() == 0, col
    assert (forecast["p025"] <= forecast["p10"] + 1e-9).all()
    assert (forecast["p90"] <= forecast["p975"] + 1e-9).all()
    # the principal model is also written under model='principal', naming its source
    principal = table.filter((pl.col("model") == "principal") & (pl.col("quantity") == "census"))
    source = principal["source_model"].unique().to_list()
    assert source == [fc.principal["census"]]
    same = table.filter((pl.col("model") == source[0]) & (pl.col("quantity") == "census"))
    assert principal["mean"].sort().to_list() == same["mean"].sort().to_list()
    # one row per level x municipality x year x model
    assert (
        not table.select("quantity", "level", "kommunekode", "year", "model").is_duplicated().any()
    )


def test_several_groups_are_read_together(tmp_path):
    page = FakePage(tmp_path)
    for group in ("V2", "B1"):
        table = pl.DataFrame(
            {
                "level": ["region"],
                "kommunekode": ["1082"],
                "target_group": [group],
                "quantity": ["census"],
                "year": [2026],
                "model": ["principal"],
                "observed": [None],
                "mean": [10.0],
                "p10": [8.0],
                "p50": [10.0],
                "p90": [12.0],
                "p025": [7.0],
                "p975": [13.0],
            },
            schema_overrides={"observed": pl.Float64},
        )
        save_run_results(page, group, table, _board(group), _gap(group), demand=_demand(group))
    assert run_result_groups(page) == ["B1", "V2"]
    assert sorted(load_run_forecasts(page)["target_group"].to_list()) == ["B1", "V2"]
    assert load_run_gaps(page)["target_group"].to_list() == ["B1", "B1", "V2", "V2"]
    assert sorted(load_run_demand(page)) == ["B1", "V2"]
    assert list(load_run_demand(page, ["V2"])) == ["V2"]


def test_outside_a_report_run_nothing_is_written_or_read(tmp_path):
    page = FakePage(None)
    assert save_run_results(page, "V1", pl.DataFrame(), pl.DataFrame(), pl.DataFrame()) == []
    assert load_run_forecasts(page) is None
    assert load_run_scoreboards(page) is None
    assert load_run_gaps(page) is None
    assert load_run_demand(page) is None
    # a run folder without results yet: also None
    assert load_run_forecasts(FakePage(tmp_path)) is None


def test_a_forecast_table_without_the_design_columns_is_refused(tmp_path):
    bad = pl.DataFrame({"level": ["region"], "year": [2026], "mean": [1.0]})
    with pytest.raises(ValueError, match="DESIGN"):
        save_run_results(FakePage(tmp_path), "V1", bad, _board("V1"), _gap("V1"))


def test_demand_frame_round_trip_without_population_index():
    demand = DemandPaths("V4", [2026, 2027], np.array([[1.0, 2.0], [3.0, 4.0]]), 2025, 2.5)
    frame = demand_frame(demand)
    assert frame.height == 4
    back = demand_from_frame(frame)
    assert back.population_index is None
    np.testing.assert_array_equal(back.paths, demand.paths)
    with pytest.raises(ValueError, match="mixes"):
        demand_from_frame(pl.concat([frame, demand_frame(_demand("V1"))], how="diagonal"))
