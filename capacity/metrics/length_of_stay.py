"""Length of stay (opholdstid) per target group: Kaplan-Meier with censoring (lifelines)."""

from __future__ import annotations

import datetime as dt
import math

import duckdb
import polars as pl

from capacity.metrics.base import derived_state, group_ids, query

SUMMARY_COLUMNS = [
    "target_group",
    "n",
    "events",
    "censored",
    "median_days",
    "median_ci_lower",
    "median_ci_upper",
    "mean_days_restricted",
    "restricted_to_days",
    "survival_1y",
    "survival_2y",
    "survival_5y",
]
SURVIVAL_COLUMNS = ["target_group", "days", "survival", "ci_lower", "ci_upper", "at_risk"]


def _finite(value: float) -> float | None:
    return None if value is None or math.isinf(value) or math.isnan(value) else float(value)


def los_input(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Episodes as survival data: target_group, duration (days), event, entry (days)."""
    state = derived_state(con)
    window_start = dt.date(state.first_year or state.data_date.year, 1, 1)
    return query(con, "los_episodes", {"data_date": state.data_date, "window_start": window_start})


def compute_length_of_stay(
    con: duckdb.DuckDBPyConnection, *, target_group: str | None = None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Kaplan-Meier length of stay of episodes per target group (group at the episode start).

    Ongoing episodes are right-censored at the data date; episodes that began before the data
    window enter the risk set late (left truncation). Returns (summary, survival):
    summary [target_group, n, events, censored, median_days (null when the curve never falls to
    0.5), median_ci_lower/upper (95 %), mean_days_restricted (area under the curve up to
    restricted_to_days, the longest observed duration), survival_1y/2y/5y];
    survival [target_group, days, survival, ci_lower, ci_upper, at_risk]: the step function,
    starting at days 0 with survival 1.
    """
    from lifelines import KaplanMeierFitter
    from lifelines.utils import median_survival_times, restricted_mean_survival_time

    data = los_input(con)
    present = set(data["target_group"].unique().to_list())
    groups = [g for g in group_ids() if g in present]
    if target_group is not None:
        groups = [g for g in groups if g == target_group]
    summaries: list[dict[str, object]] = []
    curves: list[pl.DataFrame] = []
    for group in groups:
        sub = data.filter(pl.col("target_group") == group)
        kmf = KaplanMeierFitter()
        kmf.fit(
            sub["duration"].to_numpy(),
            event_observed=sub["event"].to_numpy(),
            entry=sub["entry"].to_numpy(),
        )
        ci = kmf.confidence_interval_
        median_ci = median_survival_times(ci)
        horizon = float(sub["duration"].max())
        surv_at = kmf.survival_function_at_times([365.25, 730.5, 1826.25]).to_numpy()
        summaries.append(
            {
                "target_group": group,
                "n": sub.height,
                "events": int(sub["event"].sum()),
                "censored": int(sub.height - sub["event"].sum()),
                "median_days": _finite(kmf.median_survival_time_),
                "median_ci_lower": _finite(median_ci.iloc[0, 0]),
                "median_ci_upper": _finite(median_ci.iloc[0, 1]),
                "mean_days_restricted": float(restricted_mean_survival_time(kmf, t=horizon)),
                "restricted_to_days": horizon,
                "survival_1y": float(surv_at[0]),
                "survival_2y": float(surv_at[1]),
                "survival_5y": float(surv_at[2]),
            }
        )
        table = kmf.event_table
        curves.append(
            pl.DataFrame(
                {
                    "target_group": group,
                    "days": kmf.survival_function_.index.to_numpy().astype(float),
                    "survival": kmf.survival_function_.iloc[:, 0].to_numpy(),
                    "ci_lower": ci.iloc[:, 0].to_numpy(),
                    "ci_upper": ci.iloc[:, 1].to_numpy(),
                    "at_risk": table["at_risk"].to_numpy().astype("int64"),
                }
            )
        )
    summary = pl.DataFrame(
        summaries,
        schema={
            "target_group": pl.String,
            "n": pl.Int64,
            "events": pl.Int64,
            "censored": pl.Int64,
            "median_days": pl.Float64,
            "median_ci_lower": pl.Float64,
            "median_ci_upper": pl.Float64,
            "mean_days_restricted": pl.Float64,
            "restricted_to_days": pl.Float64,
            "survival_1y": pl.Float64,
            "survival_2y": pl.Float64,
            "survival_5y": pl.Float64,
        },
        orient="row",
    )
    survival = (
        pl.concat(curves)
        if curves
        else pl.DataFrame(
            schema={
                "target_group": pl.String,
                "days": pl.Float64,
                "survival": pl.Float64,
                "ci_lower": pl.Float64,
                "ci_upper": pl.Float64,
                "at_risk": pl.Int64,
            }
        )
    )
    return summary.select(SUMMARY_COLUMNS), survival.select(SURVIVAL_COLUMNS)
