"""The disclosure rules of capacity/conf/disclosure.yaml as one typed, immutable object."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any, Literal

from capacity.config import load_conf
from capacity.errors import DataQualityError

Mode = Literal["single", "distinct"]


class DisclosureError(DataQualityError):
    """Something about to be published would disclose persons (or the rules are unusable)."""


def _compile(patterns: list[str]) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p, re.IGNORECASE) for p in patterns)


@dataclass(frozen=True)
class DisclosureRules:
    """Threshold, audit protection, display symbols and scanner field lists."""

    threshold: int = 5
    zero_is_publishable: bool = True
    protection_width: float = 4.0
    distinct_width: float = 2.0
    prune_budget: int = 20000
    mode: Mode = "single"
    symbol: str = "·"
    primary_symbol: str = "<5"
    total_label: str = "I alt"
    count_label: str = "Antal borgere"
    footnotes: dict[str, str] = field(default_factory=dict)
    money_round_to: int = 1000
    money_mio_decimals: int = 1
    person_measures: tuple[str, ...] = ("persons",)
    person_key_exact: frozenset[str] = frozenset()
    person_key_suffixes: tuple[str, ...] = ()
    header_include: tuple[re.Pattern[str], ...] = ()
    header_exclude: tuple[re.Pattern[str], ...] = ()
    person_table_class: str = "km-persons"
    money_fields: tuple[re.Pattern[str], ...] = ()
    library_min_chars: int = 50_000
    library_signatures: tuple[str, ...] = ()
    skip_globs: tuple[str, ...] = ()
    # raw templates, so that a changed threshold re-renders symbol and footnotes
    _templates: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    # -- counts -------------------------------------------------------------------------
    @property
    def lower_bound(self) -> int:
        """What a reader knows about any suppressed count: >= 1 when zeros are published."""
        return 1 if self.zero_is_publishable else 0

    def is_small(self, value: object) -> bool:
        """True for a person count that must not be published (0 < v < threshold; 0 too
        when zeros are not publishable). Non-numbers, NaN and negatives are not counts."""
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        if math.isnan(value) or value < 0:
            return False
        if value == 0:
            return not self.zero_is_publishable
        return value < self.threshold

    # -- fields -------------------------------------------------------------------------
    def is_person_header(self, text: str) -> bool:
        """Is a table header (HTML, xlsx, csv) the header of a person-count column?"""
        t = " ".join(str(text).split()).strip()
        if not t or any(p.match(t) for p in self.header_exclude):
            return False
        return any(p.match(t) for p in self.header_include)

    def is_person_key(self, key: str) -> bool:
        """Is a JSON key (summary.json) the key of a person count?"""
        k = str(key).lower()
        return k in self.person_key_exact or k.endswith(self.person_key_suffixes)

    def is_money_field(self, text: str) -> bool:
        """Is a header or key that of an amount of money (where 10-digit numbers are fine)?"""
        t = " ".join(str(text).split()).strip()
        return any(p.match(t) for p in self.money_fields)

    # -- display ------------------------------------------------------------------------
    def footnote(self, mode: Mode | None = None) -> str:
        """The Danish footnote explaining the suppression symbols of a table."""
        return self.footnotes[mode or self.mode]

    def with_threshold(self, threshold: int | None) -> DisclosureRules:
        """The same rules with another threshold (symbols and footnotes follow it)."""
        if threshold is None or threshold == self.threshold:
            return self
        if threshold < 1:
            raise DisclosureError(f"the disclosure threshold must be at least 1, not {threshold}")
        return _render(self._templates, threshold)


def _render(raw: dict[str, Any], threshold: int) -> DisclosureRules:
    prot = raw.get("protection", {})
    disp = raw.get("display", {})
    scan = raw.get("scan", {})
    keys = scan.get("person_count_keys", {})
    headers = scan.get("person_count_headers", {})
    width = prot.get("protection_width")
    fmt = {"threshold": threshold}
    mode = disp.get("mode", "single")
    if mode not in ("single", "distinct"):
        raise DisclosureError(f"disclosure.yaml: display.mode must be single or distinct: {mode}")
    return DisclosureRules(
        threshold=int(threshold),
        zero_is_publishable=bool(raw.get("zero_is_publishable", True)),
        protection_width=float(threshold - 1 if width is None else width),
        distinct_width=float(prot.get("distinct_width", 2)),
        prune_budget=int(prot.get("prune_budget", 20000)),
        mode=mode,
        symbol=str(disp.get("symbol", "·")).format(**fmt),
        primary_symbol=str(disp.get("primary_symbol", "<{threshold}")).format(**fmt),
        total_label=str(disp.get("total_label", "I alt")),
        count_label=str(disp.get("count_label", "Antal borgere")),
        footnotes={k: " ".join(str(v).split()).format(**fmt) for k, v in disp["footnote"].items()},
        money_round_to=int(raw.get("money", {}).get("round_to", 1000)),
        money_mio_decimals=int(raw.get("money", {}).get("mio_decimals", 1)),
        person_measures=tuple(scan.get("person_measures", ["persons"])),
        person_key_exact=frozenset(k.lower() for k in keys.get("exact", [])),
        person_key_suffixes=tuple(k.lower() for k in keys.get("suffixes", [])),
        header_include=_compile(headers.get("include", [])),
        header_exclude=_compile(headers.get("exclude", [])),
        person_table_class=str(scan.get("person_table_class", "km-persons")),
        money_fields=_compile(scan.get("money_fields", [])),
        library_min_chars=int(scan.get("library_min_chars", 50_000)),
        library_signatures=tuple(scan.get("library_signatures", [])),
        skip_globs=tuple(scan.get("skip_globs", []) or []),
        _templates=raw,
    )


@cache
def _configured() -> DisclosureRules:
    raw = load_conf("disclosure")
    return _render(raw, int(raw.get("threshold", 5)))


def load_rules(threshold: int | None = None, *, mode: Mode | None = None) -> DisclosureRules:
    """The configured rules, optionally with another threshold or display mode."""
    rules = _configured().with_threshold(threshold)
    if mode is not None and mode != rules.mode:
        if mode not in ("single", "distinct"):
            raise DisclosureError(f"display mode must be single or distinct, not {mode}")
        rules = replace(rules, mode=mode)
    return rules
