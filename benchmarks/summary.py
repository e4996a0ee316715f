"""Turn the scale measurements into the tables of record: throughput, growth and the goals.

Pure functions over `Measurement`s so the arithmetic (rates, per-row ratio, growth exponent,
goal verdicts) is tested apart from the slow runs.
"""

from __future__ import annotations

import math

from harness import Measurement

# Issue 10's goals. National scale is 5x the region (98 municipalities against our 95).
GOAL_INGEST_ROWS_PER_S = 250_000
GOAL_RAW_RATIO = 5.0
GOAL_METRICS_NATIONAL_S = 30.0
GOAL_FORECAST_NATIONAL_S = 300.0
GOAL_REPORT_DEMO_S = 180.0
GOAL_PEAK_RSS_NATIONAL_MIB = 4 * 1024
NATIONAL = "5x"


def _by(results: list[Measurement]) -> dict[tuple[str, str], Measurement]:
    return {(m.step, m.scale): m for m in results}


def _scales(results: list[Measurement]) -> list[str]:
    return sorted({m.scale for m in results}, key=lambda s: int(s.rstrip("x")))


def compute_throughput(results: list[Measurement]) -> list[dict]:
    """Per scale: input rows, ingest rows/s, DuckDB raw rows/s and the per-row ratio."""
    by = _by(results)
    rows = []
    for scale in _scales(results):
        ingest, raw = by.get(("ingest", scale)), by.get(("raw_read_csv", scale))
        if ingest is None:
            continue
        n = ingest.extra["rows"]
        row = {
            "scale": scale,
            "rows": n,
            "ingest_s": ingest.median_s,
            "ingest_rows_per_s": n / ingest.median_s,
        }
        if raw is not None and raw.extra.get("rows_read"):
            raw_rate = raw.extra["rows_read"] / raw.median_s
            row["raw_rows_per_s"] = raw_rate
            # Time DuckDB would need for all input rows at its own rate, against ours.
            row["ratio_to_raw"] = ingest.median_s / (n / raw_rate)
        rows.append(row)
    return rows


def growth_exponent(t_small: float, t_large: float, n_small: float, n_large: float) -> float:
    """b in t ∝ n^b between two sizes: 1 is linear, below 1 better than linear."""
    return math.log(t_large / t_small) / math.log(n_large / n_small)


def compute_growth(results: list[Measurement], step: str) -> list[dict]:
    """Seconds per 100,000 input rows at each scale, and the growth exponent from the smallest
    scale and from the scale before."""
    by = _by(results)
    out: list[dict] = []
    for scale in _scales(results):
        m, ingest = by.get((step, scale)), by.get(("ingest", scale))
        if m is None or ingest is None:
            continue
        n = ingest.extra["rows"]
        row = {
            "step": step,
            "scale": scale,
            "rows": n,
            "median_s": m.median_s,
            "s_per_100k_rows": m.median_s / n * 100_000,
        }
        if out:
            first, prev = out[0], out[-1]
            row["exponent_from_first"] = growth_exponent(
                first["median_s"], m.median_s, first["rows"], n
            )
            row["exponent_from_previous"] = growth_exponent(
                prev["median_s"], m.median_s, prev["rows"], n
            )
        out.append(row)
    return out


def compute_goals(results: list[Measurement]) -> list[dict]:
    """Each goal of issue 10 with the measured value and whether it is met."""
    by = _by(results)
    goals: list[dict] = []

    def add(goal: str, measured: float | None, target: float, unit: str, lower_is_better=True):
        if measured is None:
            return
        met = measured <= target if lower_is_better else measured >= target
        factor = measured / target if lower_is_better else target / measured
        goals.append(
            {
                "goal": goal,
                "measured": measured,
                "target": target,
                "unit": unit,
                "met": met,
                "off_by": None if met else factor,
            }
        )

    for t in compute_throughput(results):
        add(
            f"ingest rows/s end to end ({t['scale']})",
            t["ingest_rows_per_s"],
            GOAL_INGEST_ROWS_PER_S,
            "rows/s",
            lower_is_better=False,
        )
        if "ratio_to_raw" in t:
            add(
                f"ingest within 5x of DuckDB raw parse ({t['scale']})",
                t["ratio_to_raw"],
                GOAL_RAW_RATIO,
                "x",
            )
    if (m := by.get(("metrics", NATIONAL))) is not None:
        add("metrics build, national scale", m.median_s, GOAL_METRICS_NATIONAL_S, "s")
    if (m := by.get(("forecast", NATIONAL))) is not None:
        add(
            "forecast all target groups with backtest, national",
            m.median_s,
            GOAL_FORECAST_NATIONAL_S,
            "s",
        )
    if (m := by.get(("report", "1x"))) is not None:
        add("demo report (capacity report, fresh database)", m.median_s, GOAL_REPORT_DEMO_S, "s")
    national = [m.peak_rss_mib for m in results if m.scale == NATIONAL]
    if national:
        add("peak RSS at national scale", max(national), GOAL_PEAK_RSS_NATIONAL_MIB, "MiB")
    for step in ("ingest", "metrics"):
        growth = compute_growth(results, step)
        if len(growth) > 1:
            # The worst of the whole span and each step between scales: a curve can be linear
            # from end to end and still bend upwards at the large end.
            worst = max(
                max(r["exponent_from_first"], r["exponent_from_previous"]) for r in growth[1:]
            )
            add(
                f"{step} grows no worse than linearly "
                f"({growth[0]['scale']}->{growth[-1]['scale']}, worst step)",
                worst,
                1.0,
                "exponent",
            )
    return goals


def table_markdown(results: list[Measurement]) -> str:
    """The Markdown tables docs/benchmarks.md records: steps, throughput, growth, goals."""
    lines = [
        "| step | scale | median s | min–max s | runs | peak RSS MiB | notes |",
        "|---|---|---|---|---|---|---|",
    ]
    for m in results:
        extra = ", ".join(f"{k} {v}" for k, v in m.extra.items())
        lines.append(
            f"| {m.step} | {m.scale} | {m.median_s:.2f} | {m.min_s:.2f}–{m.max_s:.2f} "
            f"| {m.repeats} | {m.peak_rss_mib:,.0f} | {extra} |"
        )
    lines += [
        "",
        "| scale | input rows | ingest s | ingest rows/s | DuckDB raw rows/s "
        "| ingest / raw, per row |",
        "|---|---|---|---|---|---|",
    ]
    for r in compute_throughput(results):
        raw = f"{r['raw_rows_per_s']:,.0f}" if "raw_rows_per_s" in r else "–"
        ratio = f"{r['ratio_to_raw']:.1f}×" if "ratio_to_raw" in r else "–"
        lines.append(
            f"| {r['scale']} | {r['rows']:,} | {r['ingest_s']:.2f} "
            f"| {r['ingest_rows_per_s']:,.0f} | {raw} | {ratio} |"
        )
    lines += [
        "",
        "| step | scale | input rows | median s | s per 100k rows "
        "| growth exponent from 1x | from the scale before |",
        "|---|---|---|---|---|---|---|",
    ]
    for step in ("ingest", "metrics"):
        for r in compute_growth(results, step):
            first = f"{r['exponent_from_first']:.2f}" if "exponent_from_first" in r else "–"
            prev = f"{r['exponent_from_previous']:.2f}" if "exponent_from_previous" in r else "–"
            lines.append(
                f"| {step} | {r['scale']} | {r['rows']:,} | {r['median_s']:.2f} "
                f"| {r['s_per_100k_rows']:.2f} | {first} | {prev} |"
            )
    lines += ["", "| goal | measured | target | met | off by |", "|---|---|---|---|---|"]
    for g in compute_goals(results):
        off = f"{g['off_by']:.2f}×" if g["off_by"] else ""
        lines.append(
            f"| {g['goal']} | {g['measured']:,.2f} {g['unit']} "
            f"| {g['target']:,.0f} {g['unit']} | {'yes' if g['met'] else 'no'} | {off} |"
        )
    return "\n".join(lines) + "\n"
