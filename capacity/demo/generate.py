"""`write_demo`: the synthetic demo region in the formats of docs/data-contract.md.

Deterministic from the seed: every random draw comes from numpy Generators spawned from one
SeedSequence (one per component, so a change in one component does not shift the others), and
no file holds a wall-clock value.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from capacity.config import load_conf
from capacity.demo.cpr import make_cprs
from capacity.demo.defects import (
    check_no_accidental_duplicates,
    plant_row_defects,
    plant_special_characters,
    plant_unknown_providers,
)
from capacity.demo.deliveries import Delivery, build_delivery, render_csv_lines, render_xlsx_rows
from capacity.demo.episodes import simulate_episodes
from capacity.demo.offers import build_offers, table_extract
from capacity.demo.placements import build_placements
from capacity.demo.population import compute_population, table_population
from capacity.demo.providers import assign_spellings, table_provider_mapping
from capacity.demo.supporting import (
    README_TEXT,
    meeting_notes_lines,
    price_list_rows,
    table_planned_capacity,
    table_waiting_list,
)
from capacity.demo.writers import write_frame_csv, write_text, write_xlsx

MANIFEST_NAME = "demo_manifest.json"
README_NAME = "LÆS_MIG_SYNTETISKE_DATA.txt"
_COMPONENTS = (
    "offers", "episodes", "placements", "cpr", "spelling", "deliveries", "defects", "mapping",
    "supporting",
)  # fmt: skip


def _select_rows(frame: pl.DataFrame, spec: dict[str, Any], muni: int) -> pl.DataFrame:
    expr = pl.col("muni") == muni
    if spec["part"] == "adults":
        expr &= pl.col("kind") != "CHILD"
    elif spec["part"] == "children":
        expr &= pl.col("kind") == "CHILD"
    year = (pl.col("start").cast(pl.Date)).dt.year()
    if "start_from" in spec:
        expr &= year >= spec["start_from"]
    if "start_to" in spec:
        expr &= year <= spec["start_to"]
    return frame.filter(expr)


def _write_delivery(data_raw: Path, d: Delivery, created: datetime) -> None:
    path = data_raw / d.path
    if d.encoding == "xlsx":
        sheet = "Anbringelser" if d.profile == "dubu" else "Placeringer"
        write_xlsx(
            path,
            sheet,
            d.header,
            render_xlsx_rows(d),
            created=created,
            subject=f"placeringer, kommune {d.spec['kommune']}",
        )
    else:
        newline = "\r\n" if d.profile == "sensum" else "\n"
        write_text(path, render_csv_lines(d), d.encoding, newline)


def write_demo(data_raw: Path, seed: int = 2024) -> dict[str, Any]:
    """Write the synthetic demo data set into ``data_raw`` and return its manifest.

    The manifest (also written as ``demo_manifest.json``) lists every placement file with its
    profile, encoding, data rows, blank lines and planted rejects per reason code, the files that
    must be quarantined, the unknown provider names and the row counts of all other inputs.
    """
    conf = load_conf("demo")
    mconf = load_conf("municipalities")
    munis = sorted(mconf["municipalities"], key=lambda m: str(m["code"]))
    codes = [str(m["code"]) for m in munis]
    names = {str(m["code"]): m["name"] for m in munis}
    pops = np.array([m["population_2024"] for m in munis], dtype=float)
    children = np.random.SeedSequence(seed).spawn(len(_COMPONENTS))
    rng = {
        c: np.random.Generator(np.random.PCG64(s))
        for c, s in zip(_COMPONENTS, children, strict=True)
    }
    ref = conf["reference"]
    created = datetime.fromisoformat(ref["xlsx_created"])
    data_raw = Path(data_raw)
    data_raw.mkdir(parents=True, exist_ok=True)
    other: dict[str, dict[str, int]] = {}

    # Population: actual (FOLK1A-like) and one projection vintage (FRKM-like).
    pc = conf["population"]
    for rel, years, projection in (
        ("population/folk1a.csv", pc["actual_years"], False),
        (f"population/frkm_{pc['projection_vintage']}.csv", pc["projection_years"], True),
    ):
        yrs = np.arange(years[0], years[1] + 1)
        frame = table_population(
            compute_population(conf, munis, yrs, projection=projection), codes, yrs
        )
        write_frame_csv(data_raw / rel, frame)
        other[rel] = {"data_rows": frame.height}

    # Offers and Tilbudsportalen extracts.
    offers = build_offers(
        rng["offers"], conf, munis, mconf["outside_region"], mconf["region"]["code"]
    )
    for i, iso in enumerate(ref["tilbudsportalen_dates"]):
        frame = table_extract(offers, conf, i)
        rel = f"tilbudsportalen/{iso}.csv"
        write_frame_csv(data_raw / rel, frame)
        other[rel] = {"data_rows": frame.height}

    # Stays and placement periods; CPR numbers per person.
    episodes, persons = simulate_episodes(rng["episodes"], conf, munis)
    placements = build_placements(
        rng["placements"], conf, episodes, persons, offers=offers, codes=codes
    )
    person_ids = np.unique(placements["person"].to_numpy())
    cprs = make_cprs(rng["cpr"], persons.birth[person_ids], persons.male[person_ids])
    cpr_of = dict(zip(person_ids.tolist(), cprs.tolist(), strict=True))
    placements = placements.with_columns(
        cpr=pl.Series([cpr_of[p] for p in placements["person"].to_list()], dtype=pl.String)
    )
    spelled, used_variants = assign_spellings(
        rng["spelling"], conf, placements, offers, [names[c] for c in codes]
    )
    placements = placements.with_columns(leverandoer=pl.Series(spelled, dtype=pl.String))

    # Deliveries in their source formats, with planted defects.
    deliveries: list[Delivery] = []
    covered = 0
    for spec in conf["deliveries"]:
        rows = _select_rows(placements, spec, codes.index(spec["kommune"]))
        covered += rows.height
        deliveries.append(
            build_delivery(rng["deliveries"], conf, spec, rows, names=names, codes=codes)
        )
    if covered != placements.height:
        raise RuntimeError(
            "the delivery plan in conf/demo.yaml does not cover every placement once"
        )
    plant_special_characters(rng["defects"], conf, deliveries)
    unknown = plant_unknown_providers(rng["defects"], conf, deliveries)
    plant_row_defects(rng["defects"], conf, deliveries)
    placement_files: dict[str, Any] = {}
    for d in deliveries:
        check_no_accidental_duplicates(d)
        _write_delivery(data_raw, d, created)
        placement_files[d.path] = {
            "profile": d.profile,
            "encoding": d.encoding,
            "data_rows": d.data_rows,
            "blank_lines": d.blank_lines,
            "rejects": dict(sorted(d.rejects.items())),
        }

    # Files in placements/ that are not placement files at all.
    quarantined: dict[str, str] = {}
    for item in conf["defects"]["not_placement_files"]:
        path = data_raw / item["path"]
        if item["kind"] == "notes":
            write_text(path, meeting_notes_lines(), "utf-8")
        else:
            picks = rng["supporting"].choice(len(offers.tilbudsnavn), 12, replace=False)
            listed = sorted({offers.tilbudsnavn[i] for i in picks.tolist()})
            write_xlsx(
                path,
                "Takster 2025",
                ["Tilbud", "Ydelse", "Takst 2025", "Enhed"],
                price_list_rows(rng["supporting"], listed),
                created=created,
                subject="takstoversigt",
            )
        quarantined[item["path"]] = "no_profile"

    # Provider mapping, planned capacity, waiting list.
    mapping = table_provider_mapping(rng["mapping"], conf, offers, used_variants)
    write_frame_csv(data_raw / "mappings/leverandoerer.csv", mapping)
    other["mappings/leverandoerer.csv"] = {"data_rows": mapping.height}
    planned = table_planned_capacity(rng["supporting"], conf, codes, names, pops)
    write_frame_csv(data_raw / "planned_capacity.csv", planned)
    other["planned_capacity.csv"] = {"data_rows": planned.height}
    waiting = table_waiting_list(rng["supporting"], conf, placements, codes, set(cpr_of.values()))
    write_frame_csv(data_raw / "waiting_list.csv", waiting)
    other["waiting_list.csv"] = {"data_rows": waiting.height}

    (data_raw / README_NAME).write_text(README_TEXT.format(seed=seed), encoding="utf-8")
    manifest = {
        "synthetic": True,
        "seed": seed,
        "generator": "capacity demo",
        "data_date": ref["data_date"],
        "placement_files": dict(sorted(placement_files.items())),
        "quarantined_files": dict(sorted(quarantined.items())),
        "unknown_providers": sorted(unknown),
        "other_files": dict(sorted(other.items())),
    }
    text = json.dumps(manifest, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    (data_raw / MANIFEST_NAME).write_text(text, encoding="utf-8")
    return manifest


def demo_paths(manifest: dict[str, Any]) -> list[str]:
    """Every path (relative to data_raw) the demo writes, for clearing before a forced rewrite."""
    return sorted(
        [
            *manifest["placement_files"],
            *manifest["quarantined_files"],
            *manifest["other_files"],
            MANIFEST_NAME,
            README_NAME,
        ]
    )


def planned_demo_paths(conf: dict[str, Any]) -> list[str]:
    """Paths (relative to data_raw) that ``write_demo`` writes; they do not depend on the seed."""
    pc = conf["population"]
    paths = [
        "population/folk1a.csv",
        f"population/frkm_{pc['projection_vintage']}.csv",
        "mappings/leverandoerer.csv",
        "planned_capacity.csv",
        "waiting_list.csv",
        MANIFEST_NAME,
        README_NAME,
    ]
    paths += [f"tilbudsportalen/{d}.csv" for d in conf["reference"]["tilbudsportalen_dates"]]
    paths += [f"placements/{s['kommune']}/{s['file']}" for s in conf["deliveries"]]
    paths += [item["path"] for item in conf["defects"]["not_placement_files"]]
    return sorted(set(paths))


def clear_demo_files(data_raw: Path) -> int:
    """Remove what an earlier ``write_demo`` wrote (and emptied folders); other files stay.

    Returns the number of files removed.
    """
    data_raw = Path(data_raw)
    paths = set(planned_demo_paths(load_conf("demo")))
    manifest_path = data_raw / MANIFEST_NAME
    if manifest_path.is_file():
        try:
            earlier = json.loads(manifest_path.read_text(encoding="utf-8"))
            paths |= set(demo_paths(earlier))
        except (ValueError, KeyError, TypeError):
            pass  # an unreadable manifest: the planned paths are still removed
    removed = 0
    for rel in sorted(paths):
        path = data_raw / rel
        if path.is_file():
            path.unlink()
            removed += 1
    # Remove folders the demo created if they are now empty (deepest first).
    for leaf in sorted({(data_raw / rel).parent for rel in paths}, key=lambda p: -len(p.parts)):
        folder = leaf
        while folder != data_raw and folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
            folder = folder.parent
    return removed
