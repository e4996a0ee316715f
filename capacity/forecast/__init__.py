"""Forecasting engine: per-target-group demand forecasts, tested by backtest.

Public entry points (docs/forecasting.md explains the method):
- `forecast_target_group(inp, horizon=6, models=None, seed=None) -> ForecastResult`
- `backtest_target_group(inp, models=None, seed=None) -> BacktestResult`
- `load_forecast_input(con, target_group) -> ForecastInput` (from the metrics layer)
"""

from capacity.forecast.engine import (
    ForecastResult,
    backtest_target_group,
    forecast_target_group,
)
from capacity.forecast.inputs import ForecastInput, load_forecast_input

__all__ = [
    "ForecastInput",
    "ForecastResult",
    "backtest_target_group",
    "forecast_target_group",
    "load_forecast_input",
]
