"""Parsed settings of the forecasting engine (capacity/conf/forecast.yaml)."""

from __future__ import annotations

from dataclasses import dataclass, field

from capacity.config import load_conf
from capacity.forecast.breaks import BreakSpec
from capacity.forecast.calibration import CalibrationSettings
from capacity.forecast.models_baseline import DemographicSettings
from capacity.forecast.models_stats import StatsSettings
from capacity.forecast.reconcile import RECONCILERS
from capacity.forecast.scoring import PrincipalRule
from capacity.forecast.stockflow import StockFlowSettings

ALL_MODELS = (
    "naive",
    "mean",
    "drift",
    "demographic_constant",
    "demographic_trend",
    "ets",
    "theta",
    "arima",
    "stockflow",
    "ensemble",
)


@dataclass(frozen=True)
class ForecastSettings:
    """Everything the engine reads from forecast.yaml, validated."""

    horizon: int = 6
    quantities: tuple[str, ...] = ("census", "stock", "inflow")
    seed: int = 20250101
    models: tuple[str, ...] = ALL_MODELS
    ensemble_members: tuple[str, ...] = ("stockflow", "ets", "theta", "demographic_trend")
    stats: StatsSettings = field(default_factory=StatsSettings)
    demographic: DemographicSettings = field(default_factory=DemographicSettings)
    stockflow: StockFlowSettings = field(default_factory=StockFlowSettings)
    n_paths: int = 1000
    n_paths_backtest: int = 500
    chunk_paths: int = 200
    reconcilers: tuple[str, ...] = RECONCILERS
    min_train_years: int = 5
    backtest_horizons: tuple[int, ...] = (1, 2, 3, 4)
    max_cutoffs: int = 8
    principal: PrincipalRule = field(default_factory=PrincipalRule)
    calibration: CalibrationSettings = field(default_factory=CalibrationSettings)
    breaks: tuple[BreakSpec, ...] = ()

    def __post_init__(self) -> None:
        unknown = [m for m in self.models if m not in ALL_MODELS]
        if unknown:
            raise ValueError(f"Unknown forecast model(s): {', '.join(unknown)}.")
        bad = [r for r in self.reconcilers if r not in RECONCILERS]
        if bad:
            raise ValueError(f"Unknown reconciliation method(s): {', '.join(bad)}.")
        if self.n_paths < 1 or self.n_paths_backtest < 1:
            raise ValueError("The number of sample paths must be positive.")

    @property
    def backtest_horizon(self) -> int:
        return max(self.backtest_horizons)


def _shared_rules() -> dict:
    """Age rules and the transition window, from the files that own them."""
    groups = load_conf("target_groups")
    metrics = load_conf("metrics")
    transition = metrics.get("transition", {})
    month = 365.25 / 12
    aftercare = groups.get("aftercare", {})
    age_cut = int(groups.get("age_cut", 18))
    return {
        "age_cut": age_cut,
        # without efterværn nobody stays past the cut: the limit is the cut itself
        "aftercare_max_age": int(aftercare.get("max_age", 22))
        if aftercare.get("enabled", True)
        else age_cut - 1,
        "transition_before_days": round(float(transition.get("months_before_18", 6)) * month),
        "transition_after_days": round(float(transition.get("months_after_18", 12)) * month),
    }


def load_forecast_settings(conf: dict | None = None) -> ForecastSettings:
    """Settings from forecast.yaml (or a dict with the same layout, for tests); the age rules
    and the transition window from target_groups.yaml and metrics.yaml."""
    conf = load_conf("forecast") if conf is None else conf
    sf_conf = {**_shared_rules(), **dict(conf.get("stockflow", {}))}
    backtest = dict(conf.get("backtest", {}))
    return ForecastSettings(
        horizon=int(conf.get("horizon", 6)),
        quantities=tuple(conf.get("quantities", ["census", "stock", "inflow"])),
        seed=int(conf.get("seed", 20250101)),
        models=tuple(conf.get("models", ALL_MODELS)),
        ensemble_members=tuple(conf.get("ensemble", {}).get("members", [])),
        stats=StatsSettings.from_conf(conf.get("stats")),
        demographic=DemographicSettings.from_conf(conf.get("demographic")),
        stockflow=StockFlowSettings.from_conf(sf_conf),
        n_paths=int(sf_conf.get("n_paths", 1000)),
        n_paths_backtest=int(sf_conf.get("n_paths_backtest", 500)),
        chunk_paths=int(sf_conf.get("chunk_paths", 200)),
        reconcilers=tuple(conf.get("reconcile", {}).get("candidates", RECONCILERS)),
        min_train_years=int(backtest.get("min_train_years", 5)),
        backtest_horizons=tuple(backtest.get("horizons", [1, 2, 3, 4])),
        max_cutoffs=int(backtest.get("max_cutoffs", 8)),
        principal=PrincipalRule.from_conf(conf.get("principal")),
        calibration=CalibrationSettings.from_conf(conf.get("calibration")),
        breaks=tuple(BreakSpec.from_conf(b) for b in conf.get("breaks", []) or []),
    )
