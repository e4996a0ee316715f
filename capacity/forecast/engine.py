"""The forecasting engine's entry points: backtest and forecast one target group.

    result = forecast_target_group(inp, horizon=6)
    result.table        # DESIGN §4b forecast table (history + every model + 'principal')
    result.scoreboard   # backtest scoreboard (capacity.forecast.scoring)
    result.principal    # quantity -> model chosen by the backtest

Steps: join relabelled episodes at known series breaks (`breaks`); arrays (`panel`); base
forecasts of every model for each backtest cutoff and for the last year (`base`); coherent
versions (`reconcile`); backtest scores, the reconciler per model and the principal model per
quantity (`backtest`, `scoring`); the final table.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import polars as pl

from capacity.forecast.backtest import (
    BacktestResult,
    backtest_cutoffs,
    choose_reconcilers,
    score_points,
)
from capacity.forecast.base import (
    PATHS,
    SHARES,
    CutoffJob,
    RecKey,
    compute_base_forecasts,
    reconcile_all,
)
from capacity.forecast.breaks import BreakReport, repair_relabelling
from capacity.forecast.calibration import (
    calibrate_forecast,
    calibrate_points,
    calibration_factors,
)
from capacity.forecast.inputs import ForecastInput
from capacity.forecast.panel import Panel, build_panel
from capacity.forecast.results import QUANTILE_COLUMNS, Forecast
from capacity.forecast.scoring import (
    choose_principal,
    table_model_summary,
    table_scoreboard,
)
from capacity.forecast.settings import ForecastSettings, load_forecast_settings
from capacity.forecast.stockflow import StockFlowFit

TABLE_SCHEMA = {
    "level": pl.String,
    "kommunekode": pl.String,
    "target_group": pl.String,
    "quantity": pl.String,
    "year": pl.Int64,
    "model": pl.String,
    "source_model": pl.String,
    "kind": pl.String,
    "observed": pl.Float64,
    "mean": pl.Float64,
    "p025": pl.Float64,
    "p10": pl.Float64,
    "p50": pl.Float64,
    "p90": pl.Float64,
    "p975": pl.Float64,
}


@dataclass(frozen=True)
class ForecastResult:
    """One target group's forecast, its backtest and the choices made."""

    target_group: str
    table: pl.DataFrame
    backtest: BacktestResult | None
    principal: dict[str, str]
    reconcilers: dict[tuple[str, str], str]
    years: np.ndarray  # forecast years
    paths: dict[str, np.ndarray]  # stockflow sample paths per quantity, (P, K+1, H)
    series_codes: tuple[str, ...]  # row order of `paths`: region, then municipalities
    stockflow_fit: StockFlowFit | None
    breaks: BreakReport | None
    notes: tuple[str, ...] = field(default=())

    @property
    def scoreboard(self) -> pl.DataFrame:
        if self.backtest is None:
            return pl.DataFrame()
        return self.backtest.scoreboard


def _resolve(
    settings: ForecastSettings | None,
    models: list[str] | tuple[str, ...] | None,
    seed: int | None,
) -> tuple[ForecastSettings, tuple[str, ...], int]:
    settings = settings or load_forecast_settings()
    chosen = tuple(models) if models is not None else settings.models
    if "ensemble" in chosen and not any(m in chosen for m in settings.ensemble_members):
        chosen = tuple(m for m in chosen if m != "ensemble")
    if "naive" not in chosen:
        chosen = ("naive", *chosen)  # the backtest measures every model against naive
    settings = replace(settings, models=chosen)
    return settings, chosen, settings.seed if seed is None else int(seed)


def _prepare(
    inp: ForecastInput, settings: ForecastSettings, horizon: int
) -> tuple[Panel, BreakReport | None, list[str]]:
    notes: list[str] = []
    report = None
    if settings.breaks:
        inp, report = repair_relabelling(inp, list(settings.breaks))
        if report.n_pairs:
            notes.append(
                f"{report.n_pairs} episodes split by a relabelling at a series break were "
                "joined; history corrected accordingly"
            )
    panel = build_panel(inp, horizon)
    if (panel.pop_kind[panel.years.size :] == "carried").any():
        notes.append("population projection missing for some forecast years: carried forward")
    return panel, report, notes


def _backtest_from(
    panel: Panel,
    coherent: dict[RecKey, Forecast],
    cutoffs: list[int],
    settings: ForecastSettings,
) -> BacktestResult:
    bt = {k: v for k, v in coherent.items() if k[0] in cutoffs}
    raw = score_points(panel, bt, settings.backtest_horizons)
    cal = settings.calibration
    if cal.enabled:
        nested = calibration_factors(raw, cutoffs, cal)
        points = calibrate_points(raw, nested, cal)
        final_factors = calibration_factors(raw, [panel.last_year], cal)
    else:
        points, final_factors = raw, pl.DataFrame()
    board_all = table_scoreboard(points)
    reconcilers = choose_reconcilers(board_all, settings.backtest_horizons)
    chosen = pl.DataFrame(
        [
            {"quantity": q, "model": m, "reconciler": r}
            for (q, m), r in sorted(reconcilers.items())
        ],
        schema={"quantity": pl.String, "model": pl.String, "reconciler": pl.String},
    )
    board = board_all.join(chosen, on=["quantity", "model", "reconciler"], how="semi")
    summary = table_model_summary(board, settings.principal)
    principal = choose_principal(summary, settings.principal)
    return BacktestResult(
        target_group=panel.target_group,
        cutoffs=tuple(cutoffs),
        points=points.join(chosen, on=["quantity", "model", "reconciler"], how="semi"),
        scoreboard=board,
        scoreboard_all=board_all,
        summary=summary,
        reconcilers=reconcilers,
        principal=principal,
        calibration=final_factors,
    )


def backtest_target_group(
    inp: ForecastInput,
    *,
    models: list[str] | tuple[str, ...] | None = None,
    seed: int | None = None,
    settings: ForecastSettings | None = None,
) -> BacktestResult:
    """Rolling-origin backtest of every model at region and municipality level."""
    settings, chosen, seed = _resolve(settings, models, seed)
    panel, _, _ = _prepare(inp, settings, settings.backtest_horizon)
    cutoffs = backtest_cutoffs(panel.years, settings.min_train_years, settings.max_cutoffs)
    if not cutoffs:
        raise ValueError(
            f"Target group {inp.target_group}: too few complete years for a backtest "
            f"(need more than {settings.min_train_years})."
        )
    jobs = [CutoffJob(c, settings.backtest_horizon, settings.n_paths_backtest) for c in cutoffs]
    bases, _ = compute_base_forecasts(panel, jobs, chosen, settings, seed)
    coherent = reconcile_all(
        bases,
        settings.reconcilers,
        settings.ensemble_members,
        "ensemble" in chosen,
        settings.stats.region_only,
    )
    return _backtest_from(panel, coherent, cutoffs, settings)


def forecast_target_group(
    inp: ForecastInput,
    horizon: int = 6,
    *,
    models: list[str] | tuple[str, ...] | None = None,
    seed: int | None = None,
    settings: ForecastSettings | None = None,
    backtest: bool = True,
) -> ForecastResult:
    """Forecast one target group `horizon` years past the last complete year.

    With `backtest` (the default) the rolling-origin backtest runs first and chooses the
    reconciler of each model and the principal model of each quantity; without it (or when
    the history is too short to backtest) the principal falls back to the stock-flow model
    when present, else naive, and the table says so through `notes`.
    """
    settings, chosen, seed = _resolve(settings, models, seed)
    panel, report, notes = _prepare(inp, settings, max(horizon, settings.backtest_horizon))
    cutoffs = (
        backtest_cutoffs(panel.years, settings.min_train_years, settings.max_cutoffs)
        if backtest
        else []
    )
    jobs = [CutoffJob(c, settings.backtest_horizon, settings.n_paths_backtest) for c in cutoffs]
    jobs.append(CutoffJob(panel.last_year, horizon, settings.n_paths))
    bases, fits = compute_base_forecasts(panel, jobs, chosen, settings, seed)
    coherent = reconcile_all(
        bases,
        settings.reconcilers,
        settings.ensemble_members,
        "ensemble" in chosen,
        settings.stats.region_only,
    )
    bt: BacktestResult | None = None
    if cutoffs:
        bt = _backtest_from(panel, coherent, cutoffs, settings)
        reconcilers, principal = bt.reconcilers, dict(bt.principal)
    else:
        notes.append("no backtest: principal model by default, reconciliation bottom-up")
        reconcilers, principal = {}, {}
    final = _final_forecasts(coherent, panel.last_year, reconcilers, settings)
    if bt is not None and bt.calibration.height:
        final = _calibrate_final(final, bt.calibration, reconcilers, panel.n_kommuner)
    for q in settings.quantities:
        if q not in principal:
            fallback = "stockflow" if (q, "stockflow") in final else "naive"
            principal[q] = fallback
    table = table_forecast(panel, final, principal, horizon)
    paths = {
        q: final[(q, "stockflow")].paths
        for q in settings.quantities
        if (q, "stockflow") in final and final[(q, "stockflow")].paths is not None
    }
    return ForecastResult(
        target_group=panel.target_group,
        table=table,
        backtest=bt,
        principal=principal,
        reconcilers=reconcilers,
        years=np.arange(panel.last_year + 1, panel.last_year + horizon + 1),
        paths=paths,
        series_codes=tuple(panel.series_codes()),
        stockflow_fit=fits.get(panel.last_year),
        breaks=report,
        notes=tuple(notes),
    )


def _final_forecasts(
    coherent: dict[RecKey, Forecast],
    last_year: int,
    reconcilers: dict[tuple[str, str], str],
    settings: ForecastSettings,
) -> dict[tuple[str, str], Forecast]:
    """The last-year forecasts, each model in its chosen reconciliation."""
    out: dict[tuple[str, str], Forecast] = {}
    for (cutoff, q, m, rec), fc in sorted(coherent.items()):
        if cutoff != last_year:
            continue
        wanted = reconcilers.get((q, m), "bottom_up")
        if rec in (PATHS, SHARES) or rec == wanted:
            out[(q, m)] = fc
    return out


def _calibrate_final(
    final: dict[tuple[str, str], Forecast],
    factors: pl.DataFrame,
    reconcilers: dict[tuple[str, str], str],
    k_count: int,
) -> dict[tuple[str, str], Forecast]:
    """Rescale the final intervals with the factors from the whole backtest."""
    lookup = {
        (r["quantity"], r["model"], r["reconciler"], r["level"]): (r["k80"], r["k95"])
        for r in factors.iter_rows(named=True)
    }
    out: dict[tuple[str, str], Forecast] = {}
    for (q, m), fc in final.items():
        rec = reconcilers.get((q, m))
        region = lookup.get((q, m, rec, "region"))
        muni = lookup.get((q, m, rec, "municipality"))
        if rec is None or (region is None and muni is None):
            out[(q, m)] = fc
            continue
        region = region or (1.0, 1.0)
        muni = muni or (1.0, 1.0)
        k80 = np.array([region[0]] + [muni[0]] * k_count)
        k95 = np.array([region[1]] + [muni[1]] * k_count)
        out[(q, m)] = calibrate_forecast(fc, k80, k95)
    return out


def table_forecast(
    panel: Panel,
    final: dict[tuple[str, str], Forecast],
    principal: dict[str, str],
    horizon: int,
) -> pl.DataFrame:
    """The forecast table of DESIGN §4b: history rows (model 'observed', kind 'history') and
    one row per level x municipality x quantity x year x model, plus model 'principal'."""
    codes = panel.series_codes()
    levels = ["region"] + ["municipality"] * panel.n_kommuner
    frames: list[pl.DataFrame] = []
    for q in sorted({q for q, _ in final} | set(principal)):
        values = panel.values[q]
        s_count, t_count = values.shape
        frames.append(
            pl.DataFrame(
                {
                    "level": np.repeat(levels, t_count).tolist(),
                    "kommunekode": np.repeat(codes, t_count).tolist(),
                    "target_group": panel.target_group,
                    "quantity": q,
                    "year": np.tile(panel.years, s_count),
                    "model": "observed",
                    "source_model": None,
                    "kind": "history",
                    "observed": values.reshape(-1),
                },
                schema_overrides={"source_model": pl.String},
            )
        )
    years = np.arange(panel.last_year + 1, panel.last_year + horizon + 1)
    rows = [(q, m, m) for q, m in sorted(final)]
    rows += [
        (q, "principal", principal[q]) for q in sorted(principal) if (q, principal[q]) in final
    ]
    for q, label, source in rows:
        fc = final[(q, source)].head(horizon)
        s_count = fc.mean.shape[0]
        data = {
            "level": np.repeat(levels, horizon).tolist(),
            "kommunekode": np.repeat(codes, horizon).tolist(),
            "target_group": panel.target_group,
            "quantity": q,
            "year": np.tile(years, s_count),
            "model": label,
            "source_model": source,
            "kind": "forecast",
            "observed": None,
            "mean": fc.mean.reshape(-1),
        }
        for j, c in enumerate(QUANTILE_COLUMNS):
            data[c] = fc.quantiles[:, :, j].reshape(-1)
        frames.append(pl.DataFrame(data, schema_overrides={"observed": pl.Float64}))
    table = pl.concat(
        [
            f.select(
                [
                    pl.col(c).cast(t) if c in f.columns else pl.lit(None, dtype=t).alias(c)
                    for c, t in TABLE_SCHEMA.items()
                ]
            )
            for f in frames
        ]
    )
    return table.sort(
        ["quantity", "level", "kommunekode", "model", "year"],
        descending=[False, True, False, False, False],
    )
