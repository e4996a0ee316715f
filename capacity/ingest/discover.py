"""Find the input files in data_raw/ (layout in docs/data-contract.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from capacity.ingest.vocab import resolve_municipality

TABLE_SUFFIXES = (".csv", ".xlsx", ".xlsm", ".xls")

# Load order: what placements are matched against comes first (for readable progress only;
# every file is its own transaction).
KIND_ORDER = (
    "tilbudsportalen",
    "provider_mapping",
    "population",
    "projection",
    "planned_capacity",
    "waiting_list",
    "placements",
)
TABLE_OF_KIND = {
    "placements": "placement_rows",
    "tilbudsportalen": "offers",
    "provider_mapping": "provider_map",
    "population": "population",
    "projection": "population",
    "planned_capacity": "planned_capacity",
    "waiting_list": "waiting_list",
}
REQUIRED_INPUTS = {
    "placements": "placements/<kommunekode>/*.csv|xlsx (placement deliveries)",
    "tilbudsportalen": "tilbudsportalen/<YYYY-MM-DD>.csv|xlsx (Tilbudsportalen extract)",
}
OPTIONAL_INPUTS = {
    "provider_mapping": "mappings/leverandoerer.csv (provider name -> tilbud_id)",
    "population": "population/folk1a.csv (population, actual)",
    "projection": "population/frkm_<vintage>.csv (population projection)",
    "planned_capacity": "planned_capacity.csv (planned places)",
    "waiting_list": "waiting_list.csv (waiting list)",
}


@dataclass(frozen=True)
class InputFile:
    """One input file and what its place in data_raw/ says about it."""

    path: Path
    rel: str  # path relative to data_raw/, '/'-separated (the key in every table)
    kind: str
    folder: Path | None = None  # placements: the municipality folder
    folder_code: str | None = None  # placements: kommunekode of the folder, if it is one
    vintage: str | None = None  # projections: the file name's suffix
    file_date: date | None = None  # Tilbudsportalen: the file name's date


def _kind(parts: list[str], stem: str) -> str | None:
    top = parts[0].lower()
    if top == "placements" and len(parts) >= 2:
        return "placements"
    if top == "tilbudsportalen" and len(parts) == 2:
        return "tilbudsportalen"
    if top == "mappings" and len(parts) == 2 and stem == "leverandoerer":
        return "provider_mapping"
    if top == "population" and len(parts) == 2:
        if stem == "folk1a":
            return "population"
        if stem.startswith("frkm_") and len(stem) > len("frkm_"):
            return "projection"
    if len(parts) == 1 and stem in ("planned_capacity", "waiting_list"):
        return stem
    return None


def discover_inputs(data_raw: Path) -> tuple[list[InputFile], list[str]]:
    """(input files in load order, table-like files that were not recognised)."""
    found: list[InputFile] = []
    ignored: list[str] = []
    for path in sorted(data_raw.rglob("*")):
        rel_parts = path.relative_to(data_raw).parts
        if not path.is_file() or any(p.startswith((".", "~$")) for p in rel_parts):
            continue  # hidden files and Excel's lock files (~$name.xlsx)
        if path.suffix.lower() not in TABLE_SUFFIXES:
            continue  # README, profile.yaml, demo_manifest.json ...
        parts = list(rel_parts)
        rel = "/".join(parts)
        stem = path.stem.lower()
        kind = _kind(parts, stem)
        if kind is None:
            ignored.append(rel)
            continue
        folder = folder_code = vintage = file_date = None
        if kind == "placements" and len(parts) >= 3:
            folder = data_raw / parts[0] / parts[1]
            folder_code = resolve_municipality(parts[1])
        if kind == "projection":
            vintage = path.stem[len("frkm_") :]
        if kind == "tilbudsportalen":
            try:
                file_date = date.fromisoformat(path.stem)
            except ValueError:
                file_date = None  # then every row needs udtraeksdato
        found.append(InputFile(path, rel, kind, folder, folder_code, vintage, file_date))
    # One file per input for everything but placements: "folk1a.csv" and "folk1a.xlsx" side by
    # side would count the population twice. The CSV wins; the other is listed as ignored.
    chosen: dict[tuple[str, str], InputFile] = {}
    for f in sorted(found, key=lambda f: (f.path.suffix.lower() != ".csv", f.rel)):
        key = (f.kind, f.rel) if f.kind == "placements" else (f.kind, f.path.stem.lower())
        if key in chosen:
            ignored.append(f.rel)
        else:
            chosen[key] = f
    found = sorted(chosen.values(), key=lambda f: (KIND_ORDER.index(f.kind), f.rel))
    return found, sorted(ignored)


def missing_inputs(files: list[InputFile]) -> tuple[list[str], list[str]]:
    """(required inputs not found, optional inputs not found), as readable descriptions."""
    kinds = {f.kind for f in files}
    required = [text for kind, text in REQUIRED_INPUTS.items() if kind not in kinds]
    optional = [text for kind, text in OPTIONAL_INPUTS.items() if kind not in kinds]
    return required, optional
