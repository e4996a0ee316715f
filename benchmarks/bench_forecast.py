"""Forecast benchmark: all seven target groups with backtest on the demo region.

Builds the demo database once (capacity.demo.write_demo + capacity.ingest.run_ingest, not
timed) in a temporary folder with its own key, then measures, each in a fresh subprocess,
median of 3: loading every group's forecast input from the metrics and running
`forecast_target_group` (rolling-origin backtest of every model at region and municipality
level, horizons 1-4; the final 6-year forecast with 1,000 stock-flow sample paths).
The child reports its own per-group timings and the backtest headline (principal model per
group at region level, averaged over the seven groups).
Goal (issue 6): all seven groups with backtest in < 60 s on this 2-core machine.

Run:  .venv/bin/python benchmarks/bench_forecast.py [--repeats R] [--db PATH] [--seed S]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import machine_description, measure  # noqa: E402

SEVEN = ["B1", "B2", "B3", "V1", "V2", "V3", "V4"]

FORECAST = """
import json, time
t0 = time.perf_counter()
from capacity.db import connect_readonly
from capacity.forecast import forecast_target_group, load_forecast_input
from capacity.forecast.outputs import table_headline, table_principal_scores
t_import = time.perf_counter() - t0
con = connect_readonly({db!r})
per_group, results = {{}}, []
t1 = time.perf_counter()
for group in {groups!r}:
    t = time.perf_counter()
    inp = load_forecast_input(con, group)
    t_load = time.perf_counter() - t
    t = time.perf_counter()
    results.append(forecast_target_group(inp))
    per_group[group] = [round(t_load, 2), round(time.perf_counter() - t, 2)]
total = time.perf_counter() - t1
head = table_headline(table_principal_scores(results))
scores = table_principal_scores(results)
pooled80 = float((scores["cov80"] * scores["n"]).sum() / scores["n"].sum())
pooled95 = float((scores["cov95"] * scores["n"]).sum() / scores["n"].sum())
print(json.dumps({{
    "imports_s": round(t_import, 2),
    "seven_groups_s": round(total, 2),
    "per_group_load_forecast_s": per_group,
    "principal": {{r.target_group: r.principal["census"] for r in results}},
    "rmae_h1_h4": [round(v, 3) for v in head["rmae"].to_list()],
    "cov80": round(pooled80, 3),
    "cov95": round(pooled95, 3),
}}))
"""


def build_demo(root: Path, seed: int) -> Path:
    """Demo data_raw and database under root (a fresh key: nothing of the user's)."""
    import os

    os.environ["KAPACITET_KEY_FILE"] = str(root / "bench.key")
    from capacity.demo import write_demo
    from capacity.ingest import run_ingest

    data_raw = root / "data_raw"
    write_demo(data_raw, seed=seed)
    db = root / "capacity.duckdb"
    run_ingest(data_raw, db)
    return db


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--db", type=Path, default=None, help="existing demo database")
    parser.add_argument("--seed", type=int, default=2024, help="demo seed")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-forecast-") as tmp:
        root = Path(tmp)
        db = args.db or build_demo(root, args.seed)
        env = {"KAPACITET_KEY_FILE": str(root / "bench.key")}
        result = measure(
            "forecast + backtest, seven groups",
            "demo region (19 municipalities)",
            FORECAST.format(db=str(db), groups=SEVEN),
            repeats=args.repeats,
            env=env,
        )
    print(f"Machine: {machine_description()}")
    print("(median s = wall clock of a fresh subprocess, imports included; the extra column has")
    print(" the child's own timings and backtest headline, of the last repeat)")
    print("| step | scale | median s | min–max s | peak RSS MiB | extra |")
    print("|---|---|---|---|---|---|")
    print(result.row())


if __name__ == "__main__":
    main()
