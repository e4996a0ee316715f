"""Closed vocabularies: paragraphs, municipalities, ejerform, yes/no, sex, target-group lists.

The rules live in YAML (capacity/conf/paragraphs.yaml, municipalities.yaml, ingest.yaml). The
functions here work on one distinct value at a time; callers map the distinct values of a
column (a delivery has a handful of spellings, not a million), so they stay plain Python.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import cache

import polars as pl

from capacity.config import load_conf

# --- paragraphs -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Paragraph:
    code: str
    label: str
    series: str
    area: str
    offer_type: str
    valid_from: date | None
    valid_to: date | None
    refs: tuple[re.Pattern[str], ...]
    text: tuple[re.Pattern[str], ...]


@cache
def paragraph_rules() -> tuple[tuple[Paragraph, ...], tuple[tuple[str, str], ...], str]:
    """(paragraphs in matching order, (alias, law) pairs longest first, default law)."""
    conf = load_conf("paragraphs")
    paragraphs = tuple(
        Paragraph(
            code=p["code"],
            label=p["label"],
            series=p["series"],
            area=p["area"],
            offer_type=p["offer_type"],
            valid_from=p.get("valid_from"),
            valid_to=p.get("valid_to"),
            refs=tuple(re.compile(r) for r in p.get("refs") or ()),
            text=tuple(re.compile(t) for t in p.get("text") or ()),
        )
        for p in conf["paragraphs"]
    )
    aliases = sorted(
        ((alias.casefold(), law) for law, names in conf["laws"].items() for alias in names),
        key=lambda pair: -len(pair[0]),
    )
    return paragraphs, tuple(aliases), conf["default_law"]


def simplify_paragraph(raw: str) -> tuple[str, str]:
    """(simplified text, reference string) for a paragraph as written; see paragraphs.yaml."""
    _, aliases, default_law = paragraph_rules()
    text = raw.casefold().replace("§", " ")
    text = re.sub(r"[^\w\s]|_", " ", text)
    text = re.sub(r"(?<=[^\W\d_])(?=\d)|(?<=\d)(?=[^\W\d_])", " ", text)
    text = " ".join(text.split())
    for alias, law in aliases:
        text = re.sub(rf"\b{re.escape(alias)}\b", law, text)
    laws = "|".join(sorted({law for _, law in aliases}, key=len, reverse=True))
    pattern = rf"(?:\b({laws})\s+)?\b(\d+)(?:\s+stk\s+(\d+))?(?:\s+nr\s+(\d+))?"
    refs: list[str] = []
    current = default_law
    for law, number, stk, nr in re.findall(pattern, text):
        # A number without a law belongs to the law named last ("SEL § 108 og § 104").
        current = law or current
        ref = f"{current} {number}"
        if stk:
            ref += f" stk {stk}" + (f" nr {nr}" if nr else "")
        refs.append(ref)
    return text, " | ".join(refs)


@cache
def normalise_paragraph(raw: str) -> str | None:
    """The paragraph code for a value as written, or None when no rule matches."""
    paragraphs, _, _ = paragraph_rules()
    code = raw.strip().upper()
    if any(p.code == code for p in paragraphs):
        return code
    text, refs = simplify_paragraph(raw)
    if not text:
        return None
    for p in paragraphs:
        if any(r.search(refs) for r in p.refs):
            return p.code
    for p in paragraphs:
        if any(t.search(text) for t in p.text):
            return p.code
    return None


def paragraph_table() -> pl.DataFrame:
    """The paragraph codes as a frame (code, label, series, area, offer_type, validity)."""
    paragraphs, _, _ = paragraph_rules()
    return pl.DataFrame(
        {
            "code": [p.code for p in paragraphs],
            "label": [p.label for p in paragraphs],
            "series": [p.series for p in paragraphs],
            "area": [p.area for p in paragraphs],
            "offer_type": [p.offer_type for p in paragraphs],
            "valid_from": pl.Series([p.valid_from for p in paragraphs], dtype=pl.Date),
            "valid_to": pl.Series([p.valid_to for p in paragraphs], dtype=pl.Date),
        }
    )


# --- municipalities ---------------------------------------------------------------------------


def _name_key(name: str) -> str:
    text = name.casefold()
    for a, b in (("å", "aa"), ("æ", "ae"), ("ø", "oe")):
        text = text.replace(a, b)
    text = re.sub(r"\bkommune\b", " ", text)
    return re.sub(r"[^a-z0-9]", "", text)


@cache
def _municipality_index() -> tuple[dict[str, str], frozenset[str], frozenset[str], str]:
    conf = load_conf("municipalities")
    by_name: dict[str, str] = {}
    region = frozenset(str(m["code"]) for m in conf["municipalities"])
    known = set(region)
    for m in [*conf["municipalities"], *conf.get("outside_region", [])]:
        code = str(m["code"])
        known.add(code)
        by_name[_name_key(m["name"])] = code
    region_code = str(conf["region"]["code"])
    by_name[_name_key(conf["region"]["name"])] = region_code
    return by_name, frozenset(known), region, region_code


def region_municipalities() -> frozenset[str]:
    """The 19 municipality codes of the region."""
    return _municipality_index()[2]


@cache
def resolve_municipality(raw: str, allow_region: bool = False) -> str | None:
    """A kommunekode from a code ("751", "0751") or a name ("Aarhus", "Århus Kommune").

    Known codes are the region's 19 plus the outside_region list of municipalities.yaml;
    ``allow_region`` also accepts the region itself (1082 / "Region Midtjylland").
    """
    by_name, known, _, region_code = _municipality_index()
    text = raw.strip()
    m = re.match(r"^(\d{1,4})(?:\s*[-–:]?\s*\D.*)?$", text)
    if m:
        code = str(int(m.group(1)))
        if code in known or (allow_region and code == region_code):
            return code
        return None
    code = by_name.get(_name_key(text))
    if code == region_code and not allow_region:
        return None
    return code


def is_municipality_code(raw: str) -> bool:
    """Any Danish kommunekode (101-860) or region code: offers may lie anywhere in Denmark."""
    return bool(re.fullmatch(r"\d{3,4}", raw)) and (
        101 <= int(raw) <= 860 or raw in load_conf("ingest")["region_codes"]
    )


@cache
def resolve_location(raw: str) -> str | None:
    """Kommunekode of an offer's location or operator: a known name/code or any valid code."""
    code = resolve_municipality(raw, allow_region=True)
    if code is not None:
        return code
    text = raw.strip()
    if re.fullmatch(r"\d{3,4}", text) and is_municipality_code(str(int(text))):
        return str(int(text))
    return None


# --- other vocabularies -----------------------------------------------------------------------


def _lookup(raw: str, table: dict[str, list[str]]) -> str | None:
    key = " ".join(raw.split()).casefold()
    for value, spellings in table.items():
        if key in {" ".join(str(s).split()).casefold() for s in spellings}:
            return value
    return None


@cache
def parse_bool(raw: str) -> bool | None:
    """ja/nej (and common spellings) -> True/False; None when unknown."""
    value = _lookup(raw, load_conf("ingest")["booleans"])
    return None if value is None else value == "true"


@cache
def parse_sex(raw: str) -> str | None:
    """M/K (and common spellings) -> "M" or "K"; None when unknown."""
    return _lookup(raw, load_conf("ingest")["sex"])


@cache
def parse_ejerform(raw: str) -> str | None:
    """Tilbudsportalen virksomhedsform -> kommunal | regional | selvejende | privat."""
    table: dict[str, list[str]] = load_conf("ingest")["ejerform"]
    key = " ".join(raw.split()).casefold()
    pairs = sorted(
        ((" ".join(str(s).split()).casefold(), form) for form, ss in table.items() for s in ss),
        key=lambda p: -len(p[0]),
    )
    for spelling, form in pairs:
        if key == spelling:
            return form
    for spelling, form in pairs:
        if re.search(rf"(?<!\w){re.escape(spelling)}(?!\w)", key):
            return form
    return None


_GROUP_SPLIT = re.compile(r"\s*\|\s*|\s*;\s*|,\s*(?=[A-ZÆØÅ])")


@cache
def join_target_groups(raw: str) -> str | None:
    """Several FFB names separated by ``|`` (or ``,`` before a capital) -> ``|``-joined, trimmed.

    A comma followed by a lower-case word stays inside the name ("Hjerneskade, erhvervet").
    """
    parts = [p.strip() for p in _GROUP_SPLIT.split(raw.strip())]
    parts = [" ".join(p.split()) for p in parts if p]
    return "|".join(parts) if parts else None


def map_distinct(series: pl.Series, func, return_dtype: pl.DataType = pl.String) -> pl.Series:
    """Apply a per-value function to the distinct non-null values of a column only."""
    uniques = series.drop_nulls().unique()
    values = pl.Series([func(v) for v in uniques.to_list()], dtype=return_dtype)
    return series.replace_strict(uniques, values, default=None, return_dtype=return_dtype)
