"""Ingest benchmark: a 1,000,000-row canonical placement delivery, end to end.

Measures, each in a fresh subprocess, median of 3:
  1. ``run_ingest`` end to end (discover, decode, split, parse, validate, HMAC, insert,
     reconcile, checkpoint, derived tables) into a new database;
  2. DuckDB's own ``read_csv`` of the same file with every column declared and typed
     (auto_detect off) and aggregated, so no column is skipped by projection pushdown.
Goal (docs/benchmarks.md, reliability P1): >= 250,000 rows/s end to end.

Run:  .venv/bin/python benchmarks/bench_ingest.py [--rows N] [--repeats R] [--encoding cp1252]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import machine_description, measure  # noqa: E402

HEADER = (
    "cpr;handlekommune;betalingskommune;paragraf;leverandoer;tilbud_id;startdato;slutdato;"
    "pris;prisenhed;primaer_maalgruppe;sekundaer_maalgruppe;afslutningsaarsag"
)
PARAGRAPHS = ["SEL § 108", "SEL § 107", "§108", "ABL § 105 / SEL § 85", "SEL § 104", "SEL § 103"]
KOMMUNER = ["751", "730", "Aarhus", "Randers Kommune", "740", "615", "657"]
GROUPS = ["Autismespektrum", "Udviklingshæmning", "Erhvervet hjerneskade", "Angst", "Depression"]
UNITS = ["dag", "maaned", "aar"]
ENDS = ["", "", "Flyttet til § 108", "Død", "Ophørt – eget ønske"]


def _pick(rng: np.random.Generator, values: list[str], n: int) -> pl.Series:
    return pl.Series(np.asarray(values, dtype=object)[rng.integers(0, len(values), n)])


def write_delivery(path: Path, rows: int, seed: int = 1, encoding: str = "utf-8") -> None:
    """A realistic canonical delivery: ~5 placements per person, 500 providers, 5,000 distinct
    prices, half the CPR numbers with a dash, Danish number and date formats, CRLF."""
    rng = np.random.default_rng(seed)
    persons = max(rows // 5, 1)
    birth = rng.integers(0, 365 * 80, persons)  # days after 1930-01-01
    serial = rng.integers(0, 1000, persons)
    people = pl.DataFrame({"d": birth, "s": serial}).with_columns(
        b=pl.lit(np.datetime64("1930-01-01")).cast(pl.Date) + pl.duration(days=pl.col("d"))
    )
    # Century digit 0-3 for 1900s births, 4 for 2000-2036 (reference/reliability.md §2.1).
    people = people.with_columns(
        cpr=pl.col("b").dt.strftime("%d%m%y")
        + pl.when(pl.col("b").dt.year() >= 2000).then(pl.lit("4")).otherwise(pl.lit("1"))
        + pl.col("s").cast(pl.String).str.zfill(3)
    )
    who = rng.integers(0, persons, rows)
    cpr = people["cpr"].gather(who)
    dash = rng.random(rows) < 0.5
    cpr = pl.select(
        pl.when(pl.lit(pl.Series(dash)))
        .then(cpr.str.slice(0, 6) + "-" + cpr.str.slice(6, 4))
        .otherwise(cpr)
    ).to_series()
    start = pl.Series(rng.integers(0, 365 * 14, rows)).cast(pl.Int32)
    frame = pl.DataFrame(
        {
            "cpr": cpr,
            "handlekommune": _pick(rng, KOMMUNER, rows),
            "betalingskommune": _pick(rng, ["", "", "751"], rows),
            "paragraf": _pick(rng, PARAGRAPHS, rows),
            "leverandoer": pl.Series([f"Bostedet Ærøhøj {i}" for i in range(500)]).gather(
                rng.integers(0, 500, rows)
            ),
            "tilbud_id": pl.Series(rng.integers(1000, 99999, 500))
            .cast(pl.String)
            .gather(rng.integers(0, 500, rows)),
            "start": start,
            "length": pl.Series(rng.integers(-2000, 2000, rows)),
            # Prices repeat like real takster: a few thousand distinct amounts.
            "kr": pl.Series(rng.integers(50_000, 9_999_999, 5_000)).gather(
                rng.integers(0, 5_000, rows)
            ),
            "prisenhed": _pick(rng, UNITS, rows),
            "primaer_maalgruppe": _pick(rng, GROUPS, rows),
            "sekundaer_maalgruppe": _pick(rng, ["", "Angst|Depression", "Misbrug"], rows),
            "afslutningsaarsag": _pick(rng, ENDS, rows),
        }
    )
    epoch = pl.lit(np.datetime64("2010-01-01")).cast(pl.Date)
    out = frame.select(
        "cpr",
        "handlekommune",
        "betalingskommune",
        "paragraf",
        "leverandoer",
        pl.when(pl.col("kr") % 3 == 0).then(pl.col("tilbud_id")).otherwise(pl.lit("")),
        (epoch + pl.duration(days=pl.col("start"))).dt.strftime("%d-%m-%Y").alias("startdato"),
        pl.when(pl.col("length") > 0)
        .then(
            (epoch + pl.duration(days=pl.col("start") + pl.col("length"))).dt.strftime("%d-%m-%Y")
        )
        .otherwise(pl.lit(""))
        .alias("slutdato"),
        # 1.234,56 with a thousands dot
        (
            (pl.col("kr") // 100_000).cast(pl.String).str.replace(r"^0$", "")
            + pl.when(pl.col("kr") >= 100_000).then(pl.lit(".")).otherwise(pl.lit(""))
            + pl.when(pl.col("kr") >= 100_000)
            .then(((pl.col("kr") // 100) % 1000).cast(pl.String).str.zfill(3))
            .otherwise(((pl.col("kr") // 100) % 1000).cast(pl.String))
            + ","
            + (pl.col("kr") % 100).cast(pl.String).str.zfill(2)
        ).alias("pris"),
        "prisenhed",
        "primaer_maalgruppe",
        "sekundaer_maalgruppe",
        "afslutningsaarsag",
    )
    lines = out.select(pl.concat_str(pl.all(), separator=";").alias("l"))["l"]
    text = HEADER + "\r\n" + "\r\n".join(lines.to_list()) + "\r\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))


def write_data_raw(root: Path, rows: int, encoding: str) -> Path:
    """data_raw/ with the delivery and a one-row Tilbudsportalen extract (a required input)."""
    data_raw = root / "data_raw"
    write_delivery(data_raw / "placements" / "751" / "delivery.csv", rows, encoding=encoding)
    extract = data_raw / "tilbudsportalen" / "2024-01-01.csv"
    extract.parent.mkdir(parents=True, exist_ok=True)
    extract.write_text(
        "tilbud_id;tilbudsnavn;afdeling_id;virksomhedsform;beliggenhedskommune;paragraf;pladser\n"
        "1001;Bostedet Ærøhøj 1;1;Kommune;751;SEL § 108;12\n",
        encoding="utf-8",
    )
    return data_raw


INGEST = """
import json, os, resource, shutil, time
from pathlib import Path
from capacity.ingest import run_ingest
db = Path({db!r})
for p in (db, db.with_name(db.name + '.wal')):
    p.unlink(missing_ok=True)
load = os.getloadavg()[0]
t = time.perf_counter()
r = run_ingest(Path({data_raw!r}), db)
s = time.perf_counter() - t
use = resource.getrusage(resource.RUSAGE_SELF)
f = [x for x in r.files if x.kind == 'placements'][0]
own = s - r.timings.get('derive', 0.0)
print(json.dumps({{'run_ingest_s': round(s, 2), 'rows_per_s': round(f.rows_in / s),
                   'read_s': r.timings['read'], 'load_s': r.timings['load'],
                   'suggestions_s': r.timings.get('suggestions', 0.0),
                   'derive_s': r.timings['derive'], 'without_derive_s': round(own, 2),
                   'rows_per_s_without_derive': round(f.rows_in / own),
                   'process_cpu_s': round(use.ru_utime + use.ru_stime, 2),
                   'load_avg_1min': round(load, 2),
                   'rows_in': f.rows_in, 'rows_loaded': f.rows_loaded}}))
"""

DUCKDB_READ = """
import json, time, duckdb
con = duckdb.connect()
t = time.perf_counter()
row = con.execute('''
SELECT count(*), count(DISTINCT cpr), count(DISTINCT handlekommune), count(betalingskommune),
       count(DISTINCT paragraf), count(DISTINCT leverandoer), sum(tilbud_id), min(startdato),
       max(slutdato), sum(pris), count(DISTINCT prisenhed), count(DISTINCT primaer_maalgruppe),
       count(sekundaer_maalgruppe), count(afslutningsaarsag)
FROM read_csv({path!r}, delim=';', header=true, auto_detect=false, dateformat='%d-%m-%Y',
    decimal_separator=',', thousands='.',
    columns={{'cpr': 'VARCHAR', 'handlekommune': 'VARCHAR', 'betalingskommune': 'VARCHAR',
             'paragraf': 'VARCHAR', 'leverandoer': 'VARCHAR', 'tilbud_id': 'INTEGER',
             'startdato': 'DATE', 'slutdato': 'DATE', 'pris': 'DECIMAL(14,2)',
             'prisenhed': 'VARCHAR', 'primaer_maalgruppe': 'VARCHAR',
             'sekundaer_maalgruppe': 'VARCHAR', 'afslutningsaarsag': 'VARCHAR'}})
''').fetchall()[0]
s = time.perf_counter() - t
print(json.dumps({{'read_csv_s': round(s, 2), 'rows': row[0], 'rows_per_s': round(row[0] / s)}}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--encoding", default="utf-8", choices=["utf-8", "cp1252"])
    args = parser.parse_args()
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
        root = Path(tmp)
        data_raw = write_data_raw(root, args.rows, args.encoding)
        delivery = data_raw / "placements" / "751" / "delivery.csv"
        size_mb = delivery.stat().st_size / 1e6
        env = {"KAPACITET_KEY_FILE": str(root / "bench.key")}
        ingest = measure(
            "run_ingest end to end",
            f"{args.rows:,} rows, {size_mb:.0f} MB {args.encoding}",
            INGEST.format(db=str(root / "bench.duckdb"), data_raw=str(data_raw)),
            repeats=args.repeats,
            env=env,
        )
        results = [ingest]
        if args.encoding == "utf-8":
            results.append(
                measure(
                    "DuckDB read_csv, typed, aggregated",
                    f"{args.rows:,} rows, {size_mb:.0f} MB utf-8",
                    DUCKDB_READ.format(path=str(delivery)),
                    repeats=args.repeats,
                )
            )
    load_after = os.getloadavg()
    rows_per_s = args.rows / ingest.median_s
    print(f"Machine: {machine_description()}")
    # The machine may be shared: the load average says how much of it the run had.
    print(
        "Load average (1, 5, 15 min) before: "
        + ", ".join(f"{x:.2f}" for x in load_before)
        + "; after: "
        + ", ".join(f"{x:.2f}" for x in load_after)
    )
    print("(median s = wall clock of a fresh subprocess, imports included; the extra column has")
    print(" run_ingest's own timings from inside the process, of the last repeat)")
    print("| step | scale | median s | min–max s | peak RSS MiB | extra |")
    print("|---|---|---|---|---|---|")
    for m in results:
        print(m.row())
    print(f"End to end (wall clock of the subprocess, incl. imports): {rows_per_s:,.0f} rows/s")
    if len(results) == 2:
        ratio = ingest.median_s / results[1].median_s
        print(f"run_ingest / DuckDB read_csv time ratio: {ratio:.1f}x")
    print(json.dumps({"rows_per_s_wall": round(rows_per_s)}))


if __name__ == "__main__":
    main()
