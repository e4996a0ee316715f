"""The benchmark tooling: the scale generator's configuration, the harness's memory measurement
and the arithmetic behind the tables in docs/benchmarks.md (no timings are asserted here)."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCH))

from harness import Measurement, load, merge, run_once, save  # noqa: E402
from scale import _RESERVED, CROSS_REGION_WEIGHT, write_scaled_conf  # noqa: E402
from summary import (  # noqa: E402
    compute_goals,
    compute_growth,
    compute_throughput,
    growth_exponent,
    table_markdown,
)

from capacity.config import CONF_DIR  # noqa: E402


def _yaml(path: Path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def scaled_3x(tmp_path_factory):
    conf_dir = write_scaled_conf(tmp_path_factory.mktemp("conf") / "conf_x3", 3, years=15)
    return _yaml(conf_dir / "municipalities.yaml"), _yaml(conf_dir / "demo.yaml")


def test_scaled_conf_replicates_every_municipality_under_new_codes(scaled_3x):
    munis, demo = scaled_3x
    base = _yaml(CONF_DIR / "municipalities.yaml")["municipalities"]
    codes = [str(m["code"]) for m in munis["municipalities"]]
    assert len(codes) == 3 * len(base) == len(set(codes))
    assert codes[: len(base)] == [str(m["code"]) for m in base]
    assert not set(codes[len(base) :]) & (_RESERVED | {str(m["code"]) for m in base})
    # Every delivery belongs to a municipality that exists, three per original delivery.
    base_demo = _yaml(CONF_DIR / "demo.yaml")
    assert len(demo["deliveries"]) == 3 * len(base_demo["deliveries"])
    assert {str(d["kommune"]) for d in demo["deliveries"]} <= set(codes)
    for kind, spec in demo["offers"]["types"].items():
        base_count = base_demo["offers"]["types"][kind]["count"]
        assert spec["count"] == {k: 3 * v for k, v in base_count.items()}


def test_scaled_conf_spans_fifteen_years_and_splits_the_country_into_regions(scaled_3x):
    munis, demo = scaled_3x
    data_year = int(str(demo["reference"]["data_date"])[:4])
    assert demo["reference"]["first_year"] == data_year - 14
    assert demo["population"]["actual_years"] == [data_year - 14, data_year]
    choice = demo["provider_choice"]
    region_of = {str(k): v for k, v in choice["region_of"].items()}
    assert set(region_of) == {str(m["code"]) for m in munis["municipalities"]}
    assert sorted(set(region_of.values())) == [0, 1, 2]
    assert choice["location_weight"]["other_region"] == pytest.approx(CROSS_REGION_WEIGHT / 2)


def test_scaled_municipalities_mostly_choose_offers_in_their_own_region(scaled_3x):
    from capacity.demo.offers import build_offers
    from capacity.demo.placements import _ProviderChooser

    munis, demo = scaled_3x
    ordered = sorted(munis["municipalities"], key=lambda m: str(m["code"]))
    codes = [str(m["code"]) for m in ordered]
    offers = build_offers(
        np.random.default_rng(1), demo, ordered, munis["outside_region"], munis["region"]["code"]
    )
    region_of = {str(k): v for k, v in demo["provider_choice"]["region_of"].items()}
    offer_region = np.array([region_of.get(c, -1) for c in offers.location])
    n = 20_000
    draws = {}
    for name, conf in (("regions", demo), ("one pool", _without_regions(demo))):
        chooser = _ProviderChooser(conf, offers, codes)
        muni = np.full(n, codes.index(codes[-1]))  # a municipality of the third region
        picked = chooser.choose(
            np.random.default_rng(2),
            kind=np.zeros(n, dtype=np.int64),
            group=np.zeros(n, dtype=np.int64),
            muni=muni,
            start=np.zeros(n, dtype=np.int64),
        )
        other = offers.in_region[picked] & (offer_region[picked] != region_of[codes[-1]])
        draws[name] = other.mean()
    # Without regions two thirds of the in-country offers lie in another region.
    assert draws["one pool"] > 0.4
    assert draws["regions"] < 0.25


def _without_regions(demo: dict) -> dict:
    choice = {k: v for k, v in demo["provider_choice"].items() if k != "region_of"}
    return {**demo, "provider_choice": choice}


def test_harness_reports_the_childs_own_peak_memory():
    seconds, peak, out = run_once(
        "b = bytearray(300 * 2**20); b[::4096] = b'x' * len(b[::4096]); print('{\"ok\": 1}')"
    )
    assert seconds > 0
    assert 300 <= peak < 600
    assert out.strip() == '{"ok": 1}'
    _, small, _ = run_once("pass")
    assert small < 100


def test_harness_counts_the_memory_of_child_processes_together():
    # The step holds 150 MiB while its own child holds 250 MiB: together 400 MiB.
    code = (
        "import subprocess, sys, time\n"
        "b = bytearray(150 * 2**20); b[::4096] = b'x' * len(b[::4096])\n"
        "subprocess.run([sys.executable, '-c', 'import time; c = bytearray(250 * 2**20); "
        'c[::4096] = b"x" * len(c[::4096]); time.sleep(1.0)\'], check=True)\n'
    )
    _, peak, _ = run_once(code)
    assert 380 <= peak < 700


def test_harness_fails_loudly_when_a_step_fails():
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        run_once("1 / 0")


def _m(step, scale, median, rss=500.0, **extra):
    return Measurement(step, scale, 3, median, median * 0.9, median * 1.1, rss, extra)


RESULTS = [
    _m("ingest", "1x", 2.0, rows=100_000),
    _m("raw_read_csv", "1x", 0.2, rows_read=80_000),
    _m("metrics", "1x", 1.0),
    _m("report", "1x", 150.0),
    _m("ingest", "5x", 6.0, rss=1500.0, rows=500_000),
    _m("raw_read_csv", "5x", 0.5, rows_read=400_000),
    _m("metrics", "5x", 3.0, rss=900.0),
    _m("forecast", "5x", 400.0, rss=5000.0),
    _m("ingest", "20x", 30.0, rows=2_000_000),
    _m("raw_read_csv", "20x", 2.0, rows_read=1_600_000),
    _m("metrics", "20x", 25.0),
]


def test_throughput_compares_with_duckdb_per_row():
    rows = {r["scale"]: r for r in compute_throughput(RESULTS)}
    assert list(rows) == ["1x", "5x", "20x"]
    assert rows["20x"]["ingest_rows_per_s"] == pytest.approx(2_000_000 / 30)
    assert rows["20x"]["raw_rows_per_s"] == pytest.approx(800_000)
    # DuckDB would read all 2M rows in 2.5 s: ingest's 30 s is 12 times that.
    assert rows["20x"]["ratio_to_raw"] == pytest.approx(12.0)


def test_growth_exponent_is_one_for_linear_time():
    assert growth_exponent(2.0, 40.0, 1e5, 2e6) == pytest.approx(1.0)
    assert growth_exponent(2.0, 30.0, 1e5, 2e6) < 1 < growth_exponent(2.0, 50.0, 1e5, 2e6)
    metrics = compute_growth(RESULTS, "metrics")
    assert [r["scale"] for r in metrics] == ["1x", "5x", "20x"]
    assert "exponent_from_first" not in metrics[0]
    assert metrics[-1]["exponent_from_first"] == pytest.approx(math.log(25) / math.log(20))
    assert metrics[-1]["s_per_100k_rows"] == pytest.approx(1.25)
    # 5x -> 20x alone: 3 s -> 25 s for 4x the rows.
    assert metrics[-1]["exponent_from_previous"] == pytest.approx(math.log(25 / 3) / math.log(4))


def test_goals_say_which_are_missed_and_by_how_much():
    every = compute_goals(RESULTS)
    # The ingest goals are judged at every scale.
    assert [g["goal"] for g in every if g["goal"].startswith("ingest rows/s")] == [
        f"ingest rows/s end to end ({s})" for s in ("1x", "5x", "20x")
    ]
    goals = {g["goal"].split(" (")[0]: g for g in every}
    ingest = goals["ingest rows/s end to end"]
    assert not ingest["met"]
    assert ingest["off_by"] == pytest.approx(250_000 / (2_000_000 / 30))
    assert not goals["ingest within 5x of DuckDB raw parse"]["met"]
    assert goals["metrics build, national scale"]["met"]
    forecast = goals["forecast all target groups with backtest, national"]
    assert not forecast["met"] and forecast["off_by"] == pytest.approx(400 / 300)
    assert goals["demo report"]["met"]
    rss = goals["peak RSS at national scale"]
    assert rss["measured"] == 5000.0 and not rss["met"]
    # Ingest is better than linear from 1x to 20x (exponent 0.90) but not from 5x to 20x
    # (6 s -> 30 s for 4x the rows): the worst step counts.
    ingest_growth = goals["ingest grows no worse than linearly"]
    assert ingest_growth["measured"] == pytest.approx(math.log(5) / math.log(4))
    assert not ingest_growth["met"]
    assert not goals["metrics grows no worse than linearly"]["met"]


def test_markdown_holds_every_measurement_and_goal():
    text = table_markdown(RESULTS)
    assert text.count("\n| ingest | ") >= 3
    assert "| 20x | 2,000,000 | 30.00 | 66,667 | 800,000 | 12.0× |" in text
    # rows/s at 3 scales, ratio at 3 scales, forecast, memory, ingest and metrics growth
    assert text.count("| no |") == 10


def test_merge_replaces_only_the_remeasured_steps(tmp_path):
    save(RESULTS, tmp_path / "scale.json")
    again = [_m("report", "1x", 120.0), _m("metrics", "5x", 2.5)]
    merged = merge(load(tmp_path / "scale.json"), again)
    assert len(merged) == len(RESULTS)
    by = {(m.step, m.scale): m.median_s for m in merged}
    assert by[("report", "1x")] == 120.0 and by[("metrics", "5x")] == 2.5
    assert by[("ingest", "20x")] == 30.0
    assert [m.scale for m in merged] == sorted(
        (m.scale for m in merged), key=lambda s: int(s[:-1])
    )
    assert [m.step for m in merged if m.scale == "1x"] == [
        "ingest",
        "raw_read_csv",
        "metrics",
        "report",
    ]
