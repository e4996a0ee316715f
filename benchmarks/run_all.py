"""`make bench`: how time and memory grow from the demo region (1x) to the country (5x) and 20x.

For each scale the demo generator writes 15 years of data (benchmarks/scale.py); then each step
runs in a fresh subprocess, repeated, reported as median (min-max) with the child's peak RSS:
  ingest        capacity ingest into a new database (all deliveries, xlsx included)
  raw_read_csv  DuckDB's own read_csv of the same CSV placement files (all columns as text,
                aggregated so nothing is pushed down) — the floor ingest is compared with
  metrics       the derived tables (rebuild_derived) plus every headline metric call
  forecast      all seven target groups with rolling-origin backtest (1x and 5x)
  report        the full `capacity report` on the demo (1x, fresh database)
Results: printed as a Markdown table and saved to benchmarks/results/scale.json;
docs/benchmarks.md holds the table of record.

Run:  .venv/bin/python benchmarks/run_all.py [--scales 1,5,20] [--repeats 3] [--skip-report]
      [--reuse-data] [--merge] [--tables-only]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import Measurement, load, machine_description, measure, merge, save  # noqa: E402
from scale import write_scaled_demo  # noqa: E402
from summary import table_markdown  # noqa: E402

WORK = Path(__file__).resolve().parent / ".data"
RESULTS = Path(__file__).resolve().parent / "results"

INGEST = """
import json, duckdb
from pathlib import Path
from capacity.ingest import run_ingest
db = Path({db!r})
for p in db.parent.glob(db.name + "*"):
    p.unlink()
run_ingest(Path({raw!r}), db)
con = duckdb.connect(str(db), read_only=True)
rows, placements = con.execute(
    "SELECT sum(rows_in), sum(rows_in) FILTER (kind = 'placements') FROM load_log").fetchall()[0]
print(json.dumps({{"rows": int(rows), "placement_rows": int(placements)}}))
"""

RAW_READ = """
import json, duckdb
from pathlib import Path
files = sorted(str(p) for p in Path({raw!r}).rglob("*.csv"))
con = duckdb.connect()
rows = read = 0
for f in files:
    # Every CSV that ingest reads, as text, aggregated over all columns so nothing is skipped by
    # projection pushdown. DuckDB without extensions reads utf-8 and latin-1 only: cp1252 files
    # are read as latin-1, and the one with cp1252-only bytes (0x80-0x9F) is skipped; xlsx
    # deliveries cannot be read at all. The ratio to ingest is therefore taken per row.
    for enc in ("utf-8", "latin-1"):
        try:
            n = con.execute(
                "SELECT count(*), sum(length(columns(*))) FROM read_csv(?, header=true, "
                "all_varchar=true, encoding=?, null_padding=true, strict_mode=false)",
                [f, enc]).fetchall()[0][0]
            rows += n; read += 1
            break
        except duckdb.Error:
            continue
print(json.dumps({{"rows_read": rows, "files_read": read, "csv_files": len(files)}}))
"""

METRICS = """
import json, shutil, time, duckdb
from pathlib import Path
src, db = Path({db!r}), Path({db!r} + ".metrics")
shutil.copy(src, db)
from capacity.derive import rebuild_derived
from capacity import metrics as m
con = duckdb.connect(str(db))
t = time.perf_counter(); rebuild_derived(con); t_derive = time.perf_counter() - t
t = time.perf_counter()
m.compute_stock_flow(con); m.compute_stock_flow(con, level="region")
m.compute_population_by_group(con); m.compute_rates(con)
m.compute_length_of_stay(con); m.compute_ownership(con); m.compute_location(con)
m.compute_flow_matrix(con); m.compute_cost_distribution(con); m.compute_expensive_cases(con)
m.compute_supply(con); m.compute_capacity_changes(con); m.compute_pipeline(con)
m.compute_waiting_list(con); m.compute_littles_law(con)
t_calls = time.perf_counter() - t
print(json.dumps({{"derive_s": round(t_derive, 2), "metric_calls_s": round(t_calls, 2)}}))
con.close(); db.unlink()
"""

FORECAST = """
import json
from capacity.db import connect_readonly
from capacity.forecast import forecast_target_group, load_forecast_input
con = connect_readonly({db!r})
for group in ["B1", "B2", "B3", "V1", "V2", "V3", "V4"]:
    forecast_target_group(load_forecast_input(con, group))
print(json.dumps({{"groups": 7}}))
"""

REPORT = """
import json, subprocess, sys
from pathlib import Path
db = Path({db!r})
for p in db.parent.glob(db.name + "*"):
    p.unlink()
out = subprocess.run([sys.executable, "-m", "capacity", "report", "--data-raw", {raw!r},
                      "--db", str(db), "--out", {out!r}], capture_output=True, text=True)
runs = sorted(Path({out!r}).glob("*/run.json"), key=lambda p: p.stat().st_mtime)
pages = len(list(runs[-1].parent.glob("*.html"))) if runs else 0
if out.returncode != 0 or pages == 0:
    sys.exit(f"report failed ({{out.returncode}}, {{pages}} pages): {{out.stdout[-1500:]}}")
print(json.dumps({{"html_files": pages}}))
"""


def bench_scale(
    factor: int, repeats: int, do_forecast: bool, do_report: bool, reuse: bool = False
) -> list[Measurement]:
    """Generate one scale (or reuse the one generated before) and measure its steps."""
    base = WORK / f"x{factor}"
    raw = base / "data_raw"
    if reuse and (raw / "demo_manifest.json").exists():
        conf_dir = base / f"conf_x{factor}"
    else:
        shutil.rmtree(base, ignore_errors=True)
        conf_dir = write_scaled_demo(raw, factor, years=15)
    env = {"CAPACITY_CONF_DIR": str(conf_dir), "KAPACITET_KEY_FILE": str(base / "key")}
    db = str(base / "capacity.duckdb")
    scale = f"{factor}x"
    out = [measure("ingest", scale, INGEST.format(db=db, raw=str(raw)), repeats, env)]
    out.append(measure("raw_read_csv", scale, RAW_READ.format(raw=str(raw)), repeats, env))
    out.append(measure("metrics", scale, METRICS.format(db=db), repeats, env))
    if do_forecast:
        out.append(measure("forecast", scale, FORECAST.format(db=db), max(1, repeats - 1), env))
    if do_report:
        code = REPORT.format(db=db + ".report", raw=str(raw), out=str(base / "reports"))
        out.append(measure("report", scale, code, repeats, env))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scales", default="1,5,20")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--skip-report", action="store_true")
    ap.add_argument(
        "--reuse-data", action="store_true", help="keep the data generated by an earlier run"
    )
    ap.add_argument(
        "--merge",
        action="store_true",
        help="replace only the measured (step, scale) pairs in benchmarks/results/scale.json",
    )
    ap.add_argument(
        "--tables-only",
        action="store_true",
        help="measure nothing: rewrite scale.md from scale.json and runs.json",
    )
    args = ap.parse_args()
    RESULTS.mkdir(exist_ok=True)
    runs_file = RESULTS / "runs.json"
    runs = json.loads(runs_file.read_text("utf-8")) if runs_file.exists() else []
    if args.tables_only:
        results = load(RESULTS / "scale.json")
    else:
        load_before = os.getloadavg()
        started = time.strftime("%Y-%m-%d %H:%M")
        results = []
        for factor in (int(s) for s in args.scales.split(",")):
            results += bench_scale(
                factor,
                args.repeats,
                do_forecast=factor <= 5,
                do_report=factor == 1 and not args.skip_report,
                reuse=args.reuse_data,
            )
        if args.merge and (RESULTS / "scale.json").exists():
            results = merge(load(RESULTS / "scale.json"), results)
        else:
            runs = []
        runs.append(
            {
                "started": started,
                "scales": args.scales,
                "repeats": args.repeats,
                "machine": machine_description(),
                "load_before": _load(load_before),
                "load_after": _load(os.getloadavg()),
            }
        )
        save(results, RESULTS / "scale.json")
        runs_file.write_text(json.dumps(runs, indent=2), "utf-8")
    header = "".join(
        f"- run {r['started']} (scales {r['scales']}, {r['repeats']} runs each) on "
        f"{r['machine']}; load average (1/5/15 min) before {r['load_before']}, "
        f"after {r['load_after']}\n"
        for r in runs
    )
    text = header + "\n" + table_markdown(results)
    (RESULTS / "scale.md").write_text(text, "utf-8")
    print(text)


def _load(avg: tuple[float, float, float]) -> str:
    return "/".join(f"{v:.1f}" for v in avg)


if __name__ == "__main__":
    main()
