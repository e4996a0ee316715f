"""The engine on the demo database: agreement with the metrics, the headline, the CLI."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
import typer
from typer.testing import CliRunner

from capacity.commands.forecast import forecast
from capacity.db import connect_readonly
from capacity.forecast import forecast_target_group, load_forecast_input
from capacity.forecast.history import compute_history_from_episodes
from capacity.forecast.outputs import table_headline, table_principal_scores

pytestmark = pytest.mark.slow
SEVEN = ["B1", "B2", "B3", "V1", "V2", "V3", "V4"]


@pytest.fixture(scope="module")
def results(demo_db: Path) -> dict:
    con = connect_readonly(demo_db)
    try:
        inputs = {g: load_forecast_input(con, g) for g in SEVEN}
    finally:
        con.close()
    return {g: (inp, forecast_target_group(inp)) for g, inp in inputs.items()}


def test_spans_reproduce_the_metrics_history_exactly(results):
    for group, (inp, _) in results.items():
        years = sorted(inp.history["year"].unique().to_list())
        mine = compute_history_from_episodes(inp.episodes, inp.kommuner, years, inp.data_date)
        cols = ["census", "stock", "inflow", "outflow"]
        joined = inp.history.join(mine, on=["kommunekode", "year"], suffix="_spans")
        assert joined.height == inp.history.height
        for col in cols:
            diff = (joined[col] - joined[f"{col}_spans"]).abs().max()
            assert diff < 1e-9, (group, col, diff)


def test_principal_models_meet_the_accuracy_and_calibration_targets(results):
    scores = table_principal_scores([r for _, r in results.values()])
    head = table_headline(scores)
    by_h = {r["h"]: r for r in head.iter_rows(named=True)}
    assert all(by_h[h]["groups"] == 7 for h in (1, 2, 3, 4))
    assert by_h[1]["rmae"] <= 0.90 and by_h[2]["rmae"] <= 0.90
    assert by_h[3]["rmae"] <= 0.85 and by_h[4]["rmae"] <= 0.85
    pooled = scores.select(
        cov80=(pl.col("cov80") * pl.col("n")).sum() / pl.col("n").sum(),
        cov95=(pl.col("cov95") * pl.col("n")).sum() / pl.col("n").sum(),
    ).row(0, named=True)
    assert 0.75 <= pooled["cov80"] <= 0.85
    assert 0.90 <= pooled["cov95"] <= 0.98


def test_every_group_has_sample_paths_for_the_capacity_gap(results):
    for group, (_, result) in results.items():
        paths = result.paths["census"]
        assert paths.shape[0] >= 1000, group
        assert paths.min() >= 0


def test_cli_writes_the_forecast_table(demo_db: Path, tmp_path: Path):
    app = typer.Typer()
    app.command()(forecast)
    out = tmp_path / "fc_X.csv"
    res = CliRunner().invoke(
        app, ["--target-group", "x", "--horizon", "3", "--db", str(demo_db), "--out", str(out)]
    )
    assert res.exit_code == 0, res.output
    assert "Backtest of X" in res.output
    table = pl.read_csv(out, schema_overrides={"kommunekode": pl.String})
    assert set(table["model"].unique()) >= {"observed", "principal", "naive", "stockflow"}
    assert table.filter(pl.col("kind") == "forecast")["year"].n_unique() == 3


def test_cli_reports_a_missing_database_plainly(tmp_path: Path):
    app = typer.Typer()
    app.command()(forecast)
    res = CliRunner().invoke(app, ["--target-group", "V1", "--db", str(tmp_path / "none.duckdb")])
    assert res.exit_code == 1
    assert "does not exist" in " ".join(res.output.split())
    assert "Traceback" not in res.output
