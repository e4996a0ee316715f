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
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import Measurement, machine_description, measure, save  # noqa: E402
from scale import write_scaled_demo  # noqa: E402

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
rows = con.execute("SELECT sum(rows_in) FROM load_log WHERE kind = 'placements'").fetchall()[0][0]
print(json.dumps({{"placement_rows": int(rows)}}))
"""

RAW_READ = """
import json, duckdb
from pathlib import Path
files = sorted(str(p) for p in Path({raw!r}).glob("placements/*/*.csv"))
con = duckdb.connect()
rows = read = 0
for f in files:
    # cp1252 files cannot be read by DuckDB without a downloaded extension: they are skipped
    # here and the comparison is made per row.
    for enc in ("utf-8", "latin-1"):
        try:
            n = con.execute(
                "SELECT count(*), sum(length(columns(*))) FROM read_csv(?, delim=';', "
                "header=true, all_varchar=true, auto_detect=false, encoding=?, "
                "null_padding=false, strict_mode=false)", [f, enc]).fetchall()[0][0]
            rows += n; read += 1
            break
        except duckdb.Error:
            continue
print(json.dumps({{"rows_read": rows, "files_read": read, "files": len(files)}}))
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
out = subprocess.run([sys.executable, "-m", "capacity.cli", "report", "--data-raw", {raw!r},
                      "--db", str(db), "--out", {out!r}], capture_output=True, text=True)
pages = len(list(Path({out!r}).glob("*/*.html")))
print(json.dumps({{"exit_code": out.returncode, "html_files": pages}}))
"""


def bench_scale(
    factor: int, repeats: int, do_forecast: bool, do_report: bool
) -> list[Measurement]:
    """Generate one scale and measure its steps."""
    base = WORK / f"x{factor}"
    shutil.rmtree(base, ignore_errors=True)
    raw = base / "data_raw"
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
    args = ap.parse_args()
    results: list[Measurement] = []
    for factor in (int(s) for s in args.scales.split(",")):
        results += bench_scale(
            factor, args.repeats, factor <= 5, factor == 1 and not args.skip_report
        )
    RESULTS.mkdir(exist_ok=True)
    save(results, RESULTS / "scale.json")
    print(f"Machine: {machine_description()}\n")
    print("| step | scale | median s | min–max s | peak RSS MiB | notes |")
    print("|---|---|---|---|---|---|")
    for m in results:
        print(m.row())
    print()
    print(json.dumps({"rows_per_s": _rates(results)}, indent=2))


def _rates(results: list[Measurement]) -> dict[str, float]:
    rates = {}
    for m in results:
        if m.step == "ingest" and "placement_rows" in m.extra:
            rates[m.scale] = round(m.extra["placement_rows"] / m.median_s)
    return rates


if __name__ == "__main__":
    main()
