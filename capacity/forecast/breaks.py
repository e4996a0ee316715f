"""Series breaks: a relabelling must not read as a change in demand.

When a law changes (1 January 2024: children's placements under SEL § 52 became Barnets lov)
a case system may close every open placement and open a new one under the new paragraph.
The metrics layer chains placements across such a change when the paragraphs share a series
(paragraphs.yaml `series`, e.g. CHILD_PLACEMENT) and the gap is small, so normally nothing
is left to do here. This module is the engine's own guard:

- `find_relabelling` looks, around each configured break date, for pairs of episodes of the
  same person and paragraph series where one ends just before the date and the next starts
  just after it;
- `repair_relabelling` joins each pair into one episode and corrects the history by the
  difference the join makes (computed from the episodes with the metrics conventions), so
  inflow, outflow and the 1 January stock lose the artificial jump and the census keeps its
  (continuous) value.

Breaks the data cannot reveal this way (a group definition that changes, a new register) are
not corrected; docs/forecasting.md says how to spot them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

import polars as pl

from capacity.forecast.history import compute_history_from_episodes
from capacity.forecast.inputs import ForecastInput, normalise_episodes


@dataclass(frozen=True)
class BreakSpec:
    """One known break: the date, the paragraph series it concerns (None = any)."""

    date: dt.date
    series: str | None = None
    window_days: int = 31
    max_gap_days: int = 14

    @classmethod
    def from_conf(cls, conf: dict) -> BreakSpec:
        date = conf["date"]
        if isinstance(date, str):
            date = dt.date.fromisoformat(date)
        return cls(
            date=date,
            series=conf.get("series"),
            window_days=int(conf.get("window_days", 31)),
            max_gap_days=int(conf.get("max_gap_days", 14)),
        )


@dataclass(frozen=True)
class BreakReport:
    """What was found: pairs per break date and the joined episode frame."""

    pairs: pl.DataFrame  # break_date, person_key, kommunekode, end_date, start_date
    episodes: pl.DataFrame  # the episodes with every pair joined

    @property
    def n_pairs(self) -> int:
        return self.pairs.height


def _pairs_for(episodes: pl.DataFrame, spec: BreakSpec) -> pl.DataFrame:
    eps = episodes.with_row_index("row")
    if spec.series is not None:
        eps = eps.filter(pl.col("paragraf_series") == spec.series)
    window = dt.timedelta(days=spec.window_days)
    first = eps.filter(
        pl.col("ended")
        & pl.col("end_date").is_not_null()
        & (pl.col("end_date") < spec.date)
        & (pl.col("end_date") >= spec.date - window)
    )
    second = eps.filter(
        pl.col("entered")
        & (pl.col("start_date") >= spec.date)
        & (pl.col("start_date") <= spec.date + window)
    )
    joined = first.join(second, on="person_key", suffix="_next")
    gap = (pl.col("start_date_next") - pl.col("end_date")).dt.total_days()
    joined = joined.filter((gap >= 1) & (gap <= spec.max_gap_days + 1))
    if spec.series is None:
        joined = joined.filter(
            pl.col("paragraf_series").eq_missing(pl.col("paragraf_series_next"))
        )
    # one partner per episode: the closest
    joined = (
        joined.with_columns(gap=gap)
        .sort(["row", "gap", "row_next"])
        .unique("row", keep="first", maintain_order=True)
        .sort(["row_next", "gap", "row"])
        .unique("row_next", keep="first", maintain_order=True)
    )
    return joined.select(
        pl.lit(spec.date).alias("break_date"),
        "row",
        "row_next",
        "person_key",
        "kommunekode",
        "end_date",
        pl.col("start_date_next").alias("start_date"),
    )


def find_relabelling(episodes: pl.DataFrame, specs: list[BreakSpec]) -> BreakReport:
    """Pairs of episodes split by a relabelling at a break date, and the joined episodes."""
    eps = normalise_episodes(episodes)
    found = [_pairs_for(eps, s) for s in specs]
    pairs = (
        pl.concat(found)
        if found
        else pl.DataFrame(
            schema={
                "break_date": pl.Date,
                "row": pl.UInt32,
                "row_next": pl.UInt32,
                "person_key": pl.String,
                "kommunekode": pl.String,
                "end_date": pl.Date,
                "start_date": pl.Date,
            }
        )
    )
    if pairs.height == 0:
        return BreakReport(pairs=pairs.drop(["row", "row_next"]), episodes=eps)
    indexed = eps.with_row_index("row")
    nxt = indexed.join(pairs.select(["row", "row_next"]), on="row", how="left")
    # the first span of a pair takes the second's end (and stays open if that one is)
    ends = indexed.select(
        pl.col("row").alias("row_next"),
        pl.col("end_date").alias("end_next"),
        pl.col("ended").alias("ended_next"),
    )
    paired = pl.col("row_next").is_not_null()
    merged = (
        nxt.join(ends, on="row_next", how="left")
        .with_columns(
            end_date=pl.when(paired).then(pl.col("end_next")).otherwise(pl.col("end_date")),
            ended=pl.when(paired).then(pl.col("ended_next")).otherwise(pl.col("ended")),
        )
        .filter(~pl.col("row").is_in(pairs["row_next"].to_list()))
        .drop(["row", "row_next", "end_next", "ended_next"])
    )
    return BreakReport(pairs=pairs.drop(["row", "row_next"]), episodes=merged)


def repair_relabelling(
    inp: ForecastInput, specs: list[BreakSpec]
) -> tuple[ForecastInput, BreakReport]:
    """Join relabelled episodes and correct the history by the difference it makes."""
    report = find_relabelling(inp.episodes, specs)
    if report.n_pairs == 0:
        return inp, report
    kommuner = inp.kommuner or tuple(sorted(inp.history["kommunekode"].unique().to_list()))
    years = sorted(inp.history["year"].unique().to_list())
    before = compute_history_from_episodes(
        normalise_episodes(inp.episodes), kommuner, years, inp.data_date
    )
    after = compute_history_from_episodes(report.episodes, kommuner, years, inp.data_date)
    quantities = ["census", "stock", "inflow", "outflow"]
    delta = after.join(before, on=["kommunekode", "year"], suffix="_before").select(
        "kommunekode",
        "year",
        *[(pl.col(q) - pl.col(f"{q}_before")).alias(f"d_{q}") for q in quantities],
    )
    history = (
        inp.history.join(delta, on=["kommunekode", "year"], how="left")
        .with_columns(
            [
                (pl.col(q) + pl.col(f"d_{q}").fill_null(0.0)).clip(lower_bound=0.0).alias(q)
                for q in quantities
            ]
        )
        .drop([f"d_{q}" for q in quantities])
    )
    return replace(inp, history=history, episodes=report.episodes), report
