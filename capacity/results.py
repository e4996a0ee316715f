"""The hand-over between report stages: per-target-group results as Parquet in the run folder.

The target-group pages run in parallel in stage 1; each forecasts its group once (with the
backtest) and writes its results here. Stage-2 pages (municipality profiles, the summary for
the framework agreement, the slides) read them instead of forecasting again. DESIGN §4: these
results go to ``<run>/results/``, never into the database (only ingest writes there).

Files, one set per target group ``G``:

- ``forecast_G.parquet``: the forecast table of DESIGN §4b (capacity.forecast
  ``ForecastResult.table``): level (region | municipality) × kommunekode × target_group ×
  quantity × year × model with mean, p025, p10, p50, p90, p975; history rows (model
  'observed') carry the observed value; the principal model is repeated as model 'principal'
  (source_model names it).
- ``scoreboard_G.parquet``: the backtest scoreboard (capacity.forecast.scoring) with a
  ``principal`` flag on the rows of each quantity's principal model.
- ``gap_G.parquet``: capacity.gap.compute_gap for the basis scenario, every forecast year.
- ``costs_G.parquet``: capacity.gap.compute_costs for the basis scenario.
- ``demand_G.parquet``: the region's census sample paths behind the gap (path, year, value,
  base_year, base_census, population_index), so stage-2 pages can run other scenarios and the
  lånepulje view without forecasting again.

These files are intermediates, like the executed notebooks: they hold municipality-level
figures that are not disclosure-controlled and are never published (docs/privacy.md §4).
Outside a report run (an analyst in JupyterLab, ``page.run_dir`` is None) nothing is written
and every ``load_run_*`` returns None.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

if TYPE_CHECKING:
    # capacity.gap pulls in scipy.stats (~0.7 s): profile pages only read Parquet
    from capacity.gap.inputs import DemandPaths
    from capacity.report.page import Page

RESULTS_DIR = "results"
KINDS = ("forecast", "scoreboard", "gap", "costs", "demand")
# Columns every forecast file holds (DESIGN §4b); the engine adds quantity, source_model, kind.
FORECAST_COLUMNS = (
    "level",
    "kommunekode",
    "target_group",
    "year",
    "model",
    "observed",
    "mean",
    "p10",
    "p50",
    "p90",
    "p025",
    "p975",
)
DEMAND_SCHEMA = {
    "target_group": pl.String,
    "path": pl.Int64,
    "year": pl.Int64,
    "value": pl.Float64,
    "base_year": pl.Int64,
    "base_census": pl.Float64,
    "population_index": pl.Float64,
}


def _run_dir(page: Page | Path | str | None) -> Path | None:
    if page is None:
        return None
    if isinstance(page, str | Path):
        return Path(page)
    return page.run_dir


def results_dir(page: Page | Path | str | None) -> Path | None:
    """``<run>/results/`` of a page (or of a run folder); None outside a report run."""
    run_dir = _run_dir(page)
    return None if run_dir is None else run_dir / RESULTS_DIR


def result_path(page: Page | Path | str, kind: str, target_group: str) -> Path:
    """Where one kind of result of one target group is kept."""
    if kind not in KINDS:
        raise ValueError(f"unknown result kind {kind!r} ({', '.join(KINDS)})")
    folder = results_dir(page)
    if folder is None:
        raise ValueError("not in a report run: there is no results folder")
    return folder / f"{kind}_{target_group}.parquet"


def _write_atomic(frame: pl.DataFrame, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp")
    frame.write_parquet(tmp)
    os.replace(tmp, path)  # a reader in another kernel never sees half a file
    return path


def demand_frame(demand: DemandPaths) -> pl.DataFrame:
    """DemandPaths in long form (one row per path × year), for Parquet."""
    n_paths, n_years = demand.paths.shape
    index = (
        np.asarray(demand.population_index, dtype=float)
        if demand.population_index is not None
        else np.full(n_years, np.nan)
    )
    return pl.DataFrame(
        {
            "target_group": demand.target_group,
            "path": np.repeat(np.arange(n_paths), n_years),
            "year": np.tile(np.asarray(demand.years, dtype=np.int64), n_paths),
            "value": demand.paths.reshape(-1),
            "base_year": demand.base_year,
            "base_census": demand.base_census,
            "population_index": np.tile(index, n_paths),
        },
        schema=DEMAND_SCHEMA,
    ).with_columns(pl.col("population_index").fill_nan(None))


def demand_from_frame(frame: pl.DataFrame) -> DemandPaths:
    """The inverse of demand_frame for one target group."""
    from capacity.gap.inputs import DemandPaths

    groups = frame["target_group"].unique().to_list()
    if len(groups) != 1:
        raise ValueError(f"demand frame mixes target groups: {groups}")
    frame = frame.sort("path", "year")
    years = sorted(frame["year"].unique().to_list())
    paths = frame["value"].to_numpy().reshape(-1, len(years))
    first = frame.filter(pl.col("path") == frame["path"][0])
    index = first["population_index"]
    return DemandPaths(
        target_group=groups[0],
        years=years,
        paths=paths,
        base_year=int(frame["base_year"][0]),
        base_census=float(frame["base_census"][0]),
        population_index=None if index.null_count() else index.to_numpy(),
    )


def save_run_results(
    page: Page | Path | str,
    target_group: str,
    forecast_table: pl.DataFrame,
    scoreboard: pl.DataFrame,
    gap_table: pl.DataFrame,
    *,
    costs: pl.DataFrame | None = None,
    demand: DemandPaths | None = None,
    principal: dict[str, str] | None = None,
) -> list[Path]:
    """Write one target group's results under ``<run>/results/`` (see the module docstring).

    ``principal`` (quantity -> model) flags the principal rows of the scoreboard. Returns the
    files written; outside a report run nothing is written and the list is empty.
    """
    from capacity.forecast.outputs import write_forecast_table

    if results_dir(page) is None:
        return []
    missing = [c for c in FORECAST_COLUMNS if c not in forecast_table.columns]
    if missing:
        raise ValueError(f"forecast table lacks columns {missing} (DESIGN §4b)")
    written = []
    target = result_path(page, "forecast", target_group)
    tmp = target.with_name(f".{target.stem}.{os.getpid()}.tmp.parquet")
    write_forecast_table(forecast_table, tmp)  # sorted and rounded: identical between runs
    os.replace(tmp, target)
    written.append(target)
    board = scoreboard
    if board.width and principal is not None:
        chosen = pl.DataFrame(
            {"quantity": list(principal), "model": list(principal.values())},
            schema={"quantity": pl.String, "model": pl.String},
        ).with_columns(pl.lit(True).alias("principal"))
        board = board.join(chosen, on=["quantity", "model"], how="left").with_columns(
            pl.col("principal").fill_null(False)
        )
    written.append(_write_atomic(board, result_path(page, "scoreboard", target_group)))
    written.append(_write_atomic(gap_table, result_path(page, "gap", target_group)))
    if costs is not None:
        written.append(_write_atomic(costs, result_path(page, "costs", target_group)))
    if demand is not None:
        written.append(
            _write_atomic(demand_frame(demand), result_path(page, "demand", target_group))
        )
    return written


def _files(page: Page | Path | str | None, kind: str) -> list[Path]:
    folder = results_dir(page)
    if folder is None or not folder.is_dir():
        return []
    return sorted(folder.glob(f"{kind}_*.parquet"))


def _load(page: Page | Path | str | None, kind: str) -> pl.DataFrame | None:
    files = _files(page, kind)
    if not files:
        return None
    frames = [pl.read_parquet(f) for f in files]
    frames = [f for f in frames if f.height]
    if not frames:
        return None
    return pl.concat(frames, how="diagonal_relaxed")


def run_result_groups(page: Page | Path | str | None, kind: str = "forecast") -> list[str]:
    """Target groups whose results of one kind are in the run (sorted)."""
    return [f.stem.split("_", 1)[1] for f in _files(page, kind)]


def load_run_forecasts(page: Page | Path | str | None) -> pl.DataFrame | None:
    """Every target group's forecast table (DESIGN §4b) from the run, or None."""
    return _load(page, "forecast")


def load_run_scoreboards(page: Page | Path | str | None) -> pl.DataFrame | None:
    """Every target group's backtest scoreboard (with the ``principal`` flag), or None."""
    return _load(page, "scoreboard")


def load_run_gaps(page: Page | Path | str | None) -> pl.DataFrame | None:
    """Every target group's capacity gap (basis scenario, every forecast year), or None."""
    frame = _load(page, "gap")
    return None if frame is None else frame.sort("target_group", "year")


def load_run_costs(page: Page | Path | str | None) -> pl.DataFrame | None:
    """Every target group's cost at fixed prices (basis scenario), or None."""
    frame = _load(page, "costs")
    return None if frame is None else frame.sort("target_group", "year")


def load_run_demand(
    page: Page | Path | str | None, target_groups: Iterable[str] | None = None
) -> dict[str, DemandPaths] | None:
    """The census sample paths behind each group's gap, target group -> DemandPaths, or None."""
    files = _files(page, "demand")
    wanted = None if target_groups is None else set(target_groups)
    out: dict[str, Any] = {}
    for f in files:
        group = f.stem.split("_", 1)[1]
        if wanted is None or group in wanted:
            out[group] = demand_from_frame(pl.read_parquet(f))
    return out or None
