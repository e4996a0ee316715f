"""Target-group classification: FFB names -> the seven analysis groups (+ X).

All judgement lives in ``capacity/conf/target_groups.yaml`` (rules, precedence, age cut,
efterværn, synonyms, population age bands); the FFB hierarchy the rules expand over is
``capacity/conf/ffb_maalgrupper.yaml``. Functions take an optional ``rules`` object so a
modified configuration (``load_rules(path)``) changes the classification without code changes.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Literal

import duckdb
import polars as pl
import yaml
from pydantic import BaseModel, ConfigDict, Field

from capacity.config import CONF_DIR, load_conf

Area = Literal["children", "adults"]
AREAS: tuple[Area, Area] = ("children", "adults")

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
# Legacy DST labels carry their number in front ("1.2.2 Sindslidelse").
_LEGACY_NUMBER = re.compile(r"^\d+(\.\d+)*\.?\s+")
_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


class _GroupConf(BaseModel):
    model_config = ConfigDict(extra="forbid")
    label: str
    area: Literal["children", "adults", "any"]
    all_of: list[list[str]] = Field(default_factory=list)


class _AftercareConf(BaseModel):
    model_config = ConfigDict(extra="forbid")
    enabled: bool
    max_age: int = Field(ge=0, le=120)
    paragraphs: list[str]


class _RulesConf(BaseModel):
    model_config = ConfigDict(extra="forbid")
    age_cut: int = Field(ge=1, le=120)
    aftercare: _AftercareConf
    precedence: dict[Area, list[str]]
    other_group: str
    groups: dict[str, _GroupConf]
    synonyms: dict[str, str] = Field(default_factory=dict)
    population_age_bands: dict[str, tuple[int, int]]


@dataclass(frozen=True)
class TargetGroup:
    """One analysis group: id, Danish label, age area and its rule."""

    id: str
    label: str
    area: Literal["children", "adults", "any"]
    terms: tuple[tuple[str, ...], ...]  # clauses as written (canonical FFB names)
    clauses: tuple[frozenset[str], ...]  # each clause expanded to the names under it

    def matches(self, names: frozenset[str]) -> bool:
        """True when every clause holds for this set of canonical FFB names."""
        return bool(self.clauses) and all(names & clause for clause in self.clauses)


@dataclass(frozen=True)
class TargetGroupRules:
    """The parsed, validated content of target_groups.yaml (plus the FFB hierarchy)."""

    age_cut: int
    aftercare_enabled: bool
    aftercare_max_age: int
    aftercare_paragraphs: tuple[str, ...]
    precedence: dict[str, tuple[str, ...]]
    other_group: str
    groups: dict[str, TargetGroup]
    population_age_bands: dict[str, tuple[int, int]]
    lookup: dict[str, str] = field(repr=False)  # normalised name / synonym / code -> FFB name
    ffb_parent: dict[str, str | None] = field(repr=False)

    @property
    def group_ids(self) -> list[str]:
        """Analysis group ids in reporting order: children, adults, then the other group."""
        ordered = [g for g in self.groups if self.groups[g].area == "children"]
        ordered += [g for g in self.groups if self.groups[g].area == "adults"]
        return ordered + [self.other_group]

    def resolve(self, raw: str) -> str | None:
        """The FFB name a raw name stands for, or None when it is unknown."""
        return self.lookup.get(normalise_name(raw))

    def area_at(self, age: int, paragraf: str | None = None) -> Area:
        """Children's or adults' groups at this age (efterværn keeps young adults in)."""
        if age < self.age_cut:
            return "children"
        if (
            self.aftercare_enabled
            and paragraf is not None
            and paragraf in self.aftercare_paragraphs
            and age <= self.aftercare_max_age
        ):
            return "children"
        return "adults"


def normalise_name(name: str) -> str:
    """Comparison form of a target-group name: NFKC, case-folded, single spaces, no number."""
    text = unicodedata.normalize("NFKC", name).casefold().strip().strip(".").strip()
    text = _LEGACY_NUMBER.sub("", text)
    return " ".join(text.split())


def split_names(text: str | None) -> list[str]:
    """The names in a '|'-separated field (empty pieces dropped, whitespace trimmed)."""
    if not text:
        return []
    return [piece.strip() for piece in text.split("|") if piece.strip()]


def _load_ffb() -> tuple[dict[str, str | None], dict[str, str]]:
    concepts = load_conf("ffb_maalgrupper")["concepts"]
    parent = {c["name"]: c.get("parent") for c in concepts}
    code = {str(c["code"]).lower(): c["name"] for c in concepts}
    return parent, code


def _descendants(name: str, parent: dict[str, str | None]) -> frozenset[str]:
    out = {name}
    changed = True
    while changed:
        changed = False
        for child, par in parent.items():
            if par in out and child not in out:
                out.add(child)
                changed = True
    return frozenset(out)


def _build_rules(conf: dict, source: str) -> TargetGroupRules:
    try:
        parsed = _RulesConf.model_validate(conf)
    except ValueError as exc:
        raise ValueError(f"{source}: the target-group configuration is invalid: {exc}") from None
    parent, codes = _load_ffb()
    problems: list[str] = []

    groups: dict[str, TargetGroup] = {}
    for gid, g in parsed.groups.items():
        if not _ID.match(gid):
            problems.append(f"group id {gid!r} must be letters, digits and underscores")
        if gid == parsed.other_group:
            continue
        if g.area == "any" or not g.all_of:
            problems.append(f"group {gid} needs area children/adults and at least one clause")
        for clause in g.all_of:
            problems += [
                f"group {gid}: {n!r} is not an FFB name" for n in clause if n not in parent
            ]
        groups[gid] = TargetGroup(
            id=gid,
            label=g.label,
            area=g.area,
            terms=tuple(tuple(c) for c in g.all_of),
            clauses=tuple(
                frozenset().union(*(_descendants(n, parent) for n in c if n in parent))
                for c in g.all_of
            ),
        )
    if parsed.other_group not in parsed.groups:
        problems.append(f"the other group {parsed.other_group!r} needs an entry under groups")
    for area in AREAS:
        listed = parsed.precedence.get(area, [])
        wanted = {g for g, v in groups.items() if v.area == area}
        if set(listed) != wanted or len(listed) != len(wanted):
            problems.append(
                f"precedence.{area} must list each {area} group exactly once "
                f"(groups: {sorted(wanted)}, listed: {listed})"
            )
    for gid in [*groups, parsed.other_group]:
        if gid not in parsed.population_age_bands:
            problems.append(f"population_age_bands has no entry for {gid}")
    for syn, target in parsed.synonyms.items():
        if target not in parent:
            problems.append(f"synonym {syn!r} points to {target!r}, which is not an FFB name")
    if problems:
        raise ValueError(f"{source}: " + "; ".join(problems))

    lookup: dict[str, str] = {normalise_name(n): n for n in parent}
    lookup.update(codes)
    for syn, target in parsed.synonyms.items():
        lookup[normalise_name(syn)] = target
    other = parsed.groups[parsed.other_group]
    groups_with_other = {**groups}
    groups_with_other[parsed.other_group] = TargetGroup(
        id=parsed.other_group, label=other.label, area="any", terms=(), clauses=()
    )
    return TargetGroupRules(
        age_cut=parsed.age_cut,
        aftercare_enabled=parsed.aftercare.enabled,
        aftercare_max_age=parsed.aftercare.max_age,
        aftercare_paragraphs=tuple(parsed.aftercare.paragraphs),
        precedence={a: tuple(parsed.precedence[a]) for a in AREAS},
        other_group=parsed.other_group,
        groups=groups_with_other,
        population_age_bands=dict(parsed.population_age_bands),
        lookup=lookup,
        ffb_parent=parent,
    )


@cache
def _default_rules() -> TargetGroupRules:
    return _build_rules(load_conf("target_groups"), str(CONF_DIR / "target_groups.yaml"))


def load_rules(path: Path | str | None = None) -> TargetGroupRules:
    """Target-group rules from ``path`` (default: the packaged target_groups.yaml)."""
    if path is None:
        return _default_rules()
    with Path(path).open(encoding="utf-8") as fh:
        return _build_rules(yaml.safe_load(fh), str(path))


def resolve_names(
    raw_names: Iterable[str], rules: TargetGroupRules | None = None
) -> tuple[list[str], list[str]]:
    """Split raw names into (known FFB names, unknown raw names), each sorted and distinct.

    A piece that is unknown as a whole but whose comma-separated parts are all known (a
    secondary field delimited by commas) counts as those parts; "Hjerneskade, erhvervet"
    stays whole because it is a known synonym.
    """
    rules = rules or load_rules()
    known: set[str] = set()
    unknown: set[str] = set()
    for raw in raw_names:
        name = rules.resolve(raw)
        if name is not None:
            known.add(name)
            continue
        parts = [p.strip() for p in raw.split(",") if p.strip()]
        resolved = [rules.resolve(p) for p in parts]
        if len(parts) > 1 and all(r is not None for r in resolved):
            known.update(r for r in resolved if r is not None)
        else:
            unknown.add(" ".join(raw.split()))
    return sorted(known), sorted(unknown)


def match_groups(names: Iterable[str], rules: TargetGroupRules | None = None) -> list[str]:
    """Every analysis group (both areas, X excluded) whose rule holds for these FFB names."""
    rules = rules or load_rules()
    have = frozenset(names)
    return [g.id for g in rules.groups.values() if g.area != "any" and g.matches(have)]


def exclusive_group(matched: Sequence[str], area: Area, rules: TargetGroupRules) -> str:
    """The first group of the area's precedence that is matched, else the other group."""
    for gid in rules.precedence[area]:
        if gid in matched:
            return gid
    return rules.other_group


def area_memberships(matched: Sequence[str], area: Area, rules: TargetGroupRules) -> list[str]:
    """Multi-membership: every matched group of the area in precedence order, else [X]."""
    hits = [g for g in rules.precedence[area] if g in matched]
    return hits or [rules.other_group]


def classify_target_group(
    names: Iterable[str],
    age: int,
    paragraf: str | None = None,
    rules: TargetGroupRules | None = None,
) -> str:
    """Exclusive analysis group of raw FFB names at an age (efterværn via ``paragraf``)."""
    rules = rules or load_rules()
    known, _ = resolve_names(names, rules)
    return exclusive_group(match_groups(known, rules), rules.area_at(age, paragraf), rules)


def classify_memberships(
    names: Iterable[str],
    age: int,
    paragraf: str | None = None,
    rules: TargetGroupRules | None = None,
) -> list[str]:
    """All analysis groups the raw FFB names belong to at an age (overlapping counts)."""
    rules = rules or load_rules()
    known, _ = resolve_names(names, rules)
    return area_memberships(match_groups(known, rules), rules.area_at(age, paragraf), rules)


def table_name_classification(
    keys: Sequence[str | None], rules: TargetGroupRules | None = None
) -> pl.DataFrame:
    """Classify '|'-joined name strings, one row per distinct key.

    Columns: tg_key, tg_names (known FFB names), tg_unknown (raw unknown names), tg_matched
    (all groups), tg_child / tg_adult (exclusive group if the person is in the children's /
    adults' area), tg_child_all / tg_adult_all (multi-membership per area).
    """
    rules = rules or load_rules()
    rows = []
    for key in sorted({k for k in keys if k is not None}):
        known, unknown = resolve_names(split_names(key), rules)
        matched = match_groups(known, rules)
        rows.append(
            {
                "tg_key": key,
                "tg_names": known,
                "tg_unknown": unknown,
                "tg_matched": matched,
                "tg_child": exclusive_group(matched, "children", rules),
                "tg_adult": exclusive_group(matched, "adults", rules),
                "tg_child_all": area_memberships(matched, "children", rules),
                "tg_adult_all": area_memberships(matched, "adults", rules),
            }
        )
    schema = {
        "tg_key": pl.String,
        "tg_names": pl.List(pl.String),
        "tg_unknown": pl.List(pl.String),
        "tg_matched": pl.List(pl.String),
        "tg_child": pl.String,
        "tg_adult": pl.String,
        "tg_child_all": pl.List(pl.String),
        "tg_adult_all": pl.List(pl.String),
    }
    return pl.DataFrame(rows, schema=schema, orient="row")


def table_unknown_names(
    con: duckdb.DuckDBPyConnection, rules: TargetGroupRules | None = None
) -> pl.DataFrame:
    """Target-group names that are neither FFB names nor synonyms, with counts.

    Columns: name (as written, whitespace collapsed), source ('citizen' = placement rows'
    primary/secondary target group, 'offer' = Tilbudsportalen rows), rows (rows carrying it).
    Add a synonym to target_groups.yaml to map one; nothing is guessed.
    """
    rules = rules or load_rules()
    raw = con.sql(
        """
        SELECT 'citizen' AS source,
               concat_ws('|', primaer_maalgruppe, sekundaer_maalgruppe) AS tg_key,
               count(*) AS n
        FROM placement_rows GROUP BY ALL
        UNION ALL
        SELECT 'offer', maalgrupper, count(*) FROM offers GROUP BY ALL
        """
    ).pl()
    lookup = table_name_classification(raw["tg_key"].to_list(), rules)
    out = (
        raw.join(lookup.select("tg_key", "tg_unknown"), on="tg_key", how="inner")
        .explode("tg_unknown")
        .drop_nulls("tg_unknown")
        .group_by("tg_unknown", "source")
        .agg(pl.col("n").sum().cast(pl.Int64).alias("rows"))
        .rename({"tg_unknown": "name"})
    )
    return out.sort(["rows", "source", "name"], descending=[True, False, False]).select(
        "name", "source", "rows"
    )


def target_group_labels(rules: TargetGroupRules | None = None) -> dict[str, str]:
    """Group id -> Danish label, in reporting order (B1..B3, V1..V4, X)."""
    rules = rules or load_rules()
    return {g: rules.groups[g].label for g in rules.group_ids}


def table_target_group_rules(rules: TargetGroupRules | None = None) -> pl.DataFrame:
    """The rules as a table for the methods annex: id, label, age, rule, precedence rank."""
    rules = rules or load_rules()
    rows = []
    for gid in rules.group_ids:
        g = rules.groups[gid]
        if g.area == "children":
            age = f"< {rules.age_cut}"
            if rules.aftercare_enabled:
                age += f" (efterværn til og med {rules.aftercare_max_age} år)"
        elif g.area == "adults":
            age = f">= {rules.age_cut}"
        else:
            age = "alle"
        rule = (
            " og ".join("(" + " eller ".join(c) + ")" for c in g.terms)
            if g.terms
            else "ingen af de øvrige"
        )
        rank = rules.precedence[g.area].index(gid) + 1 if g.area in AREAS else None
        rows.append(
            {"target_group": gid, "label": g.label, "age": age, "rule": rule, "precedence": rank}
        )
    return pl.DataFrame(
        rows,
        schema={
            "target_group": pl.String,
            "label": pl.String,
            "age": pl.String,
            "rule": pl.String,
            "precedence": pl.Int64,
        },
        orient="row",
    )
