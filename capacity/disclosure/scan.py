"""The publication scanner: everything in a run folder, before anything leaves the workbench.

`scan_run_folder` reads every file of a report run and reports
- small_count: a person count below the threshold in a person-count field (plotly traces
  marked meta.measure = "persons" with typed arrays decoded, HTML/xlsx/csv columns headed as
  person counts, JSON keys named as person counts);
- cpr: anything shaped like a CPR number (10 digits ddmmyy[-]ssss with a valid birth date,
  not part of a longer number; numeric cells of 9-10 digits that pad to one);
- key: the pseudonymisation key, as raw bytes, hex or base64;
- unreadable: a file that could not be checked (it cannot be cleared either).
A Finding never holds the offending value: CPR numbers are masked, counts are not repeated.
"""

from __future__ import annotations

import base64
import binascii
import csv
import fnmatch
import io
import json
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from capacity.config import key_file_path
from capacity.disclosure.cpr import find_cprs, is_cpr_number
from capacity.disclosure.display import parse_number
from capacity.disclosure.figures import (
    find_cpr_typed_arrays,
    find_small_counts,
    is_typed_array,
    iter_numbers,
    looks_like_figure,
)
from capacity.disclosure.rules import DisclosureError, DisclosureRules, load_rules
from capacity.disclosure.scan_html import Hit, line_of, scan_html

HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
JSON_SUFFIXES = {".json", ".ipynb", ".geojson"}
XLSX_SUFFIXES = {".xlsx", ".xlsm"}
CSV_SUFFIXES = {".csv", ".tsv"}
ZIP_SUFFIXES = XLSX_SUFFIXES | {".zip", ".docx", ".pptx", ".odt", ".ods"}
# JSON keys whose list-of-strings value is one text (notebook sources and outputs)
_TEXT_KEYS = {"source", "text", "text/plain", "text/markdown", "traceback", "text/latex"}
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True, order=True)
class Finding:
    """One problem in a published file; `description` never holds the offending value."""

    file: str
    location: str
    kind: str
    description: str


# -- the pseudonymisation key ------------------------------------------------------------
def key_forms(key_file: Path) -> list[tuple[str, bytes]]:
    """The byte strings under which the key could appear in a file (raw, hex, base64)."""
    if not key_file.is_file():
        return []
    data = key_file.read_bytes()
    stripped = data.strip()
    raws = {data} if len(data) >= 16 else set()
    text = stripped.decode("ascii", errors="ignore")
    if re.fullmatch(r"[0-9a-fA-F]{32,}", text) and len(text) % 2 == 0:
        raws.add(bytes.fromhex(text))
    elif re.fullmatch(r"[A-Za-z0-9+/_-]{22,}={0,2}", text):
        try:
            raws.add(base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_"[:2]))
        except (binascii.Error, ValueError):
            pass
        try:
            raws.add(base64.b64decode(text + "=" * (-len(text) % 4)))
        except (binascii.Error, ValueError):
            pass
    forms: dict[bytes, str] = {}
    if len(stripped) >= 16:
        forms[stripped] = "key file text"
    for raw in (r for r in raws if len(r) >= 16):
        forms.setdefault(raw, "raw bytes")
        forms.setdefault(raw.hex().encode(), "hex")
        forms.setdefault(raw.hex().upper().encode(), "hex")
        for label, enc in (
            ("base64", base64.b64encode(raw)),
            ("base64url", base64.urlsafe_b64encode(raw)),
        ):
            for variant in (enc, enc.rstrip(b"=")):
                forms.setdefault(variant, label)
                # JSON writers (plotly among them) escape "/" as \u002f or \/
                forms.setdefault(variant.replace(b"/", b"\\u002f"), label)
                forms.setdefault(variant.replace(b"/", b"\\/"), label)
    return [(label, form) for form, label in forms.items()]


def _key_hits(blob: bytes, forms: list[tuple[str, bytes]], where: str = "") -> list[Hit]:
    hits = []
    for label, form in forms:
        idx = blob.find(form)
        if idx >= 0:
            line = blob.count(b"\n", 0, idx) + 1
            hits.append((f"{where}line {line}", "key", f"pseudonymisation key ({label})"))
    return hits


# -- JSON ----------------------------------------------------------------------------------
class _JsonWalker:
    """Checks a decoded JSON value: figures, person-count keys, CPR strings and numbers,
    typed arrays and HTML fragments (notebook outputs)."""

    def __init__(self, rules: DisclosureRules, *, text_checked: bool):
        self.rules = rules
        self.text_checked = text_checked  # strings already searched as raw text

    def __call__(self, node: Any, path: str) -> list[Hit]:
        hits: list[Hit] = []
        self._walk(node, path, None, hits)
        return hits

    def _walk(self, node: Any, path: str, key: str | None, hits: list[Hit]) -> None:
        rules = self.rules
        if is_typed_array(node):
            for loc in find_cpr_typed_arrays(node, path):
                hits.append((loc, "cpr", "CPR numbers stored as numbers (typed array)"))
            return
        if isinstance(node, dict):
            if looks_like_figure(node):
                for loc in find_small_counts(node, rules):
                    hits.append(
                        (
                            f"{path} (figure), {loc}",
                            "small_count",
                            f"person count below {rules.threshold} in figure data",
                        )
                    )
            for raw_key, v in node.items():
                k = str(raw_key)
                child = f"{path}.{k}" if _IDENT.match(k) else f"{path}[{json.dumps(k)}]"
                if not self.text_checked:
                    for _, masked in find_cprs(k):
                        hits.append((f"{path} (key)", "cpr", f"CPR-shaped number {masked}"))
                if rules.is_person_key(k):
                    for where, value in iter_numbers(v):
                        if rules.is_small(value):
                            hits.append(
                                (
                                    child + where,
                                    "small_count",
                                    f"person count below {rules.threshold}",
                                )
                            )
                if k == "text/html":
                    html = "".join(v) if isinstance(v, list) else v
                    if isinstance(html, str):
                        inner = _JsonWalker(rules, text_checked=True)
                        hits.extend(scan_html(html, rules, inner, prefix=f"{child}: "))
                    continue
                self._walk(v, child, k, hits)
            return
        if isinstance(node, list):
            if key in _TEXT_KEYS and node and all(isinstance(s, str) for s in node):
                self._walk("".join(node), path, key, hits)
                return
            for i, item in enumerate(node):
                self._walk(item, f"{path}[{i}]", key, hits)
            return
        if self.text_checked:
            return
        if isinstance(node, str):
            if "<script" in node or "<table" in node:
                inner = _JsonWalker(rules, text_checked=True)
                hits.extend(scan_html(node, rules, inner, prefix=f"{path}: "))
                return
            for offset, masked in find_cprs(node):
                line = f", line {line_of(node, offset)}" if "\n" in node else ""
                hits.append((f"{path}{line}", "cpr", f"CPR-shaped number {masked}"))
        elif isinstance(node, int) and not isinstance(node, bool):
            if 10**8 <= node < 10**10 and is_cpr_number(node):
                if not (key and rules.is_money_field(key)):
                    hits.append((path, "cpr", "CPR-shaped number stored as a number"))


def _scan_json(text: str, rules: DisclosureRules) -> list[Hit]:
    try:
        value = json.loads(text)
    except ValueError:
        return _scan_text(text)
    return _JsonWalker(rules, text_checked=False)(value, "$")


# -- tables: xlsx and csv ---------------------------------------------------------------------
class _ColumnRoles:
    """Which columns of a sheet hold person counts (or money), from its header rows."""

    def __init__(self, rules: DisclosureRules):
        self.rules = rules
        self.person: set[int] = set()
        self.wide_from: int | None = None  # cross table: every column after the label column
        self.labels: dict[int, str] = {}

    def see_row(self, cells: list[tuple[int, Any]], *, new_block: bool) -> str:
        """Classify a row as "blank", "title" (one text cell), "header" or "data", and take
        the column roles from a header row.

        A header row names a person count, or (at the start of a block of rows: after the
        start, an empty row or a title) consists of two or more text labels, no numbers."""
        strings = [(c, v) for c, v in cells if isinstance(v, str) and v.strip()]
        non_empty = [(c, v) for c, v in cells if v is not None and str(v).strip() != ""]
        if not non_empty:
            return "blank"
        if len(non_empty) == 1 and len(strings) == 1 and parse_number(strings[0][1]) is None:
            return "title"
        matching = [c for c, v in strings if self.rules.is_person_header(v)]
        labels_only = (
            len(strings) >= 2
            and len(strings) == len(non_empty)
            and all(parse_number(v) is None for _, v in strings)
        )
        if matching or (new_block and labels_only):
            self.labels = {c: " ".join(v.split()) for c, v in strings}
            first = min(c for c, _ in non_empty)
            self.person = set(matching)
            self.wide_from = first + 1 if matching == [first] and len(strings) > 1 else None
            return "header"
        return "data"

    def is_person(self, col: int, row_label: Any) -> bool:
        if col in self.person:
            return True
        return (
            self.wide_from is not None
            and col >= self.wide_from
            and isinstance(row_label, str)
            and parse_number(row_label) is None
        )

    def is_money(self, col: int) -> bool:
        return self.rules.is_money_field(self.labels.get(col, ""))


def _scan_xlsx(blob: bytes, rules: DisclosureRules) -> list[Hit]:
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter

    hits: list[Hit] = []
    wb = load_workbook(io.BytesIO(blob), read_only=True, data_only=True)
    try:
        for ws in wb.worksheets:
            roles = _ColumnRoles(rules)
            new_block = True
            for r, row in enumerate(ws.iter_rows(), start=1):
                cells = [(c, getattr(cell, "value", None)) for c, cell in enumerate(row, start=1)]
                kind = roles.see_row(cells, new_block=new_block)
                new_block = kind in ("blank", "title")
                header = kind != "data"
                label = next((v for _, v in cells if v is not None), None)
                for (c, value), cell in zip(cells, row, strict=True):
                    if value is None:
                        continue
                    where = f"sheet '{ws.title}'!{get_column_letter(c)}{r}"
                    if isinstance(value, str):
                        hits += [
                            (where, "cpr", f"CPR-shaped text {m}") for _, m in find_cprs(value)
                        ]
                        number = None if header else parse_number(value)
                    elif isinstance(value, bool) or not isinstance(value, int | float):
                        continue
                    else:
                        number = float(value)
                        fmt = str(getattr(cell, "number_format", "General") or "General")
                        money_fmt = "#,#" in fmt or "kr" in fmt or "€" in fmt or "$" in fmt
                        if (
                            1e8 <= abs(number) < 1e10
                            and is_cpr_number(number)
                            and not money_fmt
                            and not roles.is_money(c)
                        ):
                            hits.append((where, "cpr", "CPR-shaped number in a numeric cell"))
                    if (
                        number is not None
                        and not header
                        and roles.is_person(c, label)
                        and rules.is_small(number)
                    ):
                        hits.append(
                            (
                                where,
                                "small_count",
                                f"person count below {rules.threshold} in column "
                                f"'{roles.labels.get(c, get_column_letter(c))}'",
                            )
                        )
    finally:
        wb.close()
    return hits


def _scan_csv(text: str, rules: DisclosureRules) -> list[Hit]:
    hits = _scan_text(text)
    first = text.split("\n", 1)[0]
    delimiter = max(";,\t", key=first.count)
    roles = _ColumnRoles(rules)
    for r, row in enumerate(csv.reader(io.StringIO(text), delimiter=delimiter), start=1):
        cells = [(c, v) for c, v in enumerate(row, start=1)]
        if r == 1:
            roles.see_row(cells, new_block=True)
            continue
        label = row[0] if row else None
        for c, value in cells:
            number = parse_number(value)
            if number is not None and roles.is_person(c, label) and rules.is_small(number):
                hits.append(
                    (
                        f"row {r}, column '{roles.labels.get(c, c)}'",
                        "small_count",
                        f"person count below {rules.threshold}",
                    )
                )
    return hits


def _scan_parquet(blob: bytes, rules: DisclosureRules) -> list[Hit]:
    import polars as pl

    hits: list[Hit] = []
    frame = pl.read_parquet(io.BytesIO(blob))
    for name, dtype in frame.schema.items():
        col = frame[name]
        if dtype == pl.String:
            # a cheap prefilter in polars, the exact rule in Python for the few candidates
            rows = frame.with_row_index("_row").filter(col.str.contains(r"\d{6}-?\d{4}"))
            for i, value in zip(rows["_row"], rows[name], strict=True):
                hits += [
                    (f"column '{name}', row {i + 1}", "cpr", f"CPR-shaped text {m}")
                    for _, m in find_cprs(value)
                ]
        elif dtype.is_numeric() and (rules.is_person_key(name) or rules.is_person_header(name)):
            for i, value in enumerate(col.to_list()):
                if value is not None and rules.is_small(float(value)):
                    hits.append(
                        (
                            f"column '{name}', row {i + 1}",
                            "small_count",
                            f"person count below {rules.threshold}",
                        )
                    )
    return hits


def _scan_text(text: str) -> list[Hit]:
    return [
        (f"line {line_of(text, offset)}", "cpr", f"CPR-shaped number {masked}")
        for offset, masked in find_cprs(text)
    ]


def _decode(blob: bytes) -> str | None:
    if b"\0" in blob[:8192]:
        return None
    try:
        return blob.decode("utf-8-sig")
    except UnicodeDecodeError:
        return blob.decode("cp1252", errors="replace")


# -- one file, a whole folder -------------------------------------------------------------
def scan_file(
    path: Path, rules: DisclosureRules, forms: list[tuple[str, bytes]] | None = None
) -> list[Hit]:
    """Findings (location, kind, description) in one file."""
    blob = path.read_bytes()
    suffix = path.suffix.lower()
    hits = _key_hits(blob, forms or [])
    if suffix in ZIP_SUFFIXES and forms:
        try:
            with zipfile.ZipFile(io.BytesIO(blob)) as zf:
                for member in zf.namelist():
                    hits += _key_hits(zf.read(member), forms, f"{member}, ")
        except zipfile.BadZipFile:
            pass
    if suffix in XLSX_SUFFIXES:
        return hits + _scan_xlsx(blob, rules)
    if suffix == ".parquet":
        return hits + _scan_parquet(blob, rules)
    text = _decode(blob)
    if text is None:
        return hits
    if suffix in HTML_SUFFIXES:
        return hits + scan_html(text, rules, _JsonWalker(rules, text_checked=True))
    if suffix in JSON_SUFFIXES:
        return hits + _scan_json(text, rules)
    if suffix in CSV_SUFFIXES:
        return hits + _scan_csv(text, rules)
    return hits + _scan_text(text)


def scan_run_folder(
    run_dir: Path, *, threshold: int | None = None, key_file: Path | None = None
) -> list[Finding]:
    """Every disclosure problem in a report run folder (empty list: safe to publish).

    The key file defaults to capacity.config.key_file_path(); when it does not exist there
    is no key to leak and that check is skipped."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise DisclosureError(f"{run_dir}: not a folder")
    rules = load_rules(threshold)
    forms = key_forms(Path(key_file) if key_file is not None else key_file_path())
    findings: set[Finding] = set()
    for path in sorted(p for p in run_dir.rglob("*") if p.is_file()):
        rel = path.relative_to(run_dir).as_posix()
        if any(fnmatch.fnmatch(rel, g) for g in rules.skip_globs):
            continue
        try:
            hits = scan_file(path, rules, forms)
        except Exception as exc:  # a file we cannot read cannot be cleared either
            hits = [("whole file", "unreadable", f"could not be checked ({type(exc).__name__})")]
        findings.update(Finding(rel, loc, kind, desc) for loc, kind, desc in hits)
    return sorted(findings)
