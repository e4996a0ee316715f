"""Scale generator: the demo region × k (5× ≈ the whole country, 20×), over a chosen span of years.

It reuses `capacity demo` unchanged: it writes scaled copies of the demo and municipality
configuration into a folder that `$CAPACITY_CONF_DIR` points at (k copies of each of the 19
municipalities under new codes, their deliveries, k× the offers), then runs the generator.
"""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from pathlib import Path

import yaml

from capacity.config import CONF_DIR

ROOT = Path(__file__).resolve().parents[1]
# Codes that stay free for the replicas: not used by the real region or outside_region.
# Total weight of all other regions' offers, against 1 for the own region's (see demo.yaml
# provider_choice.location_weight).
CROSS_REGION_WEIGHT = 0.25
_RESERVED = {"101", "461", "851", "621", "630", "561", "813", "820"}


def _replica_codes(base: list[str], factor: int) -> dict[tuple[int, str], str]:
    free = (f"{n:03d}" for n in range(100, 1000) if f"{n:03d}" not in _RESERVED)
    mapping: dict[tuple[int, str], str] = {}
    for r in range(factor):
        for code in base:
            mapping[(r, code)] = code if r == 0 else next(c for c in free if c not in base)
    return mapping


def _replicate_code_maps(obj, base: set[str], codes: dict, factor: int):
    # Any mapping keyed by municipality codes (growth, spelling, overrides ...) gets the same
    # entry for each replica of the municipality.
    if isinstance(obj, list):
        return [_replicate_code_maps(v, base, codes, factor) for v in obj]
    if not isinstance(obj, dict):
        return obj
    out = {k: _replicate_code_maps(v, base, codes, factor) for k, v in obj.items()}
    if any(str(k) in base for k in out):
        for r in range(1, factor):
            out.update({codes[(r, str(k))]: v for k, v in list(out.items()) if str(k) in base})
    return out


def write_scaled_conf(conf_dir: Path, factor: int, years: int = 15) -> Path:
    """Write municipalities.yaml and demo.yaml for `factor` × the region and `years` years."""
    munis = yaml.safe_load((CONF_DIR / "municipalities.yaml").read_text(encoding="utf-8"))
    demo = yaml.safe_load((CONF_DIR / "demo.yaml").read_text(encoding="utf-8"))
    base = [str(m["code"]) for m in munis["municipalities"]]
    codes = _replica_codes(base, factor)
    by_code = {str(m["code"]): m for m in munis["municipalities"]}
    munis["municipalities"] = [
        {
            **by_code[c],
            "code": codes[(r, c)],
            "name": by_code[c]["name"] + (f" {r + 1}" if r else ""),
        }
        for r in range(factor)
        for c in base
    ]
    deliveries = []
    for r in range(factor):
        for d in demo["deliveries"]:
            deliveries.append({**d, "kommune": codes[(r, str(d["kommune"]))]})
    demo["deliveries"] = deliveries
    demo = _replicate_code_maps(demo, set(base), codes, factor)
    # Each replica is a region of the scaled country: its municipalities place mostly in their
    # own region, and the share placed in the other regions stays the same at every factor.
    if factor > 1:
        choice = demo["provider_choice"]
        choice["region_of"] = {codes[(r, c)]: r for r in range(factor) for c in base}
        choice["location_weight"]["other_region"] = CROSS_REGION_WEIGHT / (factor - 1)
    for spec in demo["offers"]["types"].values():
        spec["count"] = {k: v * factor for k, v in spec["count"].items()}
    data_year = int(str(demo["reference"]["data_date"])[:4])
    demo["reference"]["first_year"] = data_year - years + 1
    demo["population"]["actual_years"] = [data_year - years + 1, data_year]
    conf_dir.mkdir(parents=True, exist_ok=True)
    for name, obj in (("municipalities", munis), ("demo", demo)):
        (conf_dir / f"{name}.yaml").write_text(
            yaml.safe_dump(copy.deepcopy(obj), allow_unicode=True, sort_keys=False), "utf-8"
        )
    return conf_dir


def write_scaled_demo(data_raw: Path, factor: int, years: int = 15, seed: int = 2024) -> Path:
    """Write the scaled demo into data_raw; returns the conf dir to export as CAPACITY_CONF_DIR."""
    conf_dir = write_scaled_conf(data_raw.parent / f"conf_x{factor}", factor, years)
    code = (
        "from pathlib import Path; from capacity.demo import write_demo; "
        f"write_demo(Path({str(data_raw)!r}), seed={seed})"
    )
    env = {**os.environ, "CAPACITY_CONF_DIR": str(conf_dir)}
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True)
    return conf_dir
