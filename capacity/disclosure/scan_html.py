"""Scanning one HTML document (report page, slides, or a notebook's HTML output).

- every <script>: plotly calls (Plotly.newPlot/react/plot/addFrames) are parsed and their
  figure JSON checked (typed arrays decoded); JSON script blocks are parsed whole; other
  scripts are searched for embedded JSON objects; vendored library bundles (plotly.js,
  reveal.js, MathJax ...) are recognised by size and signature and not searched for CPR
  numbers (plotly.js alone holds CPR-shaped constants);
- every <table>: cells of person-count columns (see `_table_findings`);
- the text outside library bundles: CPR-shaped numbers.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from capacity.disclosure.cpr import find_cprs
from capacity.disclosure.display import parse_number
from capacity.disclosure.figures import find_cpr_typed_arrays, find_small_counts
from capacity.disclosure.rules import DisclosureRules

# (location, kind, description)
Hit = tuple[str, str, str]
JsonWalker = Callable[[Any, str], list[Hit]]

_SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.IGNORECASE | re.DOTALL)
_PLOTLY_CALL = re.compile(r"Plotly\.(newPlot|react|plot|addFrames)\s*\(")
_JSON_START = re.compile(r"[{\[]\s*\"")
_DECODER = json.JSONDecoder()


@dataclass
class ScriptBlock:
    start: int  # offset of the content in the document
    attrs: str
    content: str
    library: bool


def split_scripts(html: str, rules: DisclosureRules) -> list[ScriptBlock]:
    """The <script> blocks of a document, each flagged as library bundle or not."""
    blocks = []
    for m in _SCRIPT.finditer(html):
        content = m.group(2)
        head = content[:4000]
        library = len(content) >= rules.library_min_chars and any(
            sig in head for sig in rules.library_signatures
        )
        blocks.append(ScriptBlock(m.start(2), m.group(1), content, library))
    return blocks


def line_of(text: str, offset: int) -> int:
    """1-based line number of an offset."""
    return text.count("\n", 0, offset) + 1


def _skip_ws(s: str, i: int) -> int:
    while i < len(s) and s[i].isspace():
        i += 1
    return i


def _skip_argument(s: str, i: int) -> int:
    """Index just after the comma that ends the JS argument starting at i (-1 if none)."""
    i = _skip_ws(s, i)
    if i < len(s) and s[i] in "\"'":
        quote, i = s[i], i + 1
        while i < len(s) and s[i] != quote:
            i += 2 if s[i] == "\\" else 1
        i = _skip_ws(s, i + 1)
        return i + 1 if i < len(s) and s[i] == "," else -1
    depth, end = 0, min(len(s), i + 500)
    while i < end:
        ch = s[i]
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
            if depth < 0:
                return -1
        elif ch == "," and depth == 0:
            return i + 1
        i += 1
    return -1


def _decode_at(s: str, i: int) -> tuple[Any, int] | None:
    i = _skip_ws(s, i)
    if i >= len(s) or s[i] not in "[{":
        return None
    try:
        return _DECODER.raw_decode(s, i)
    except ValueError:
        return None


def plotly_figures(js: str) -> Iterator[tuple[int, int, dict[str, Any]]]:
    """(start, end, figure JSON) for every plotly call in a script whose arguments are JSON."""
    for m in _PLOTLY_CALL.finditer(js):
        i = _skip_argument(js, m.end())
        if i < 0:
            continue
        got = _decode_at(js, i)
        if got is None:
            continue
        first, j = got
        if m.group(1) == "addFrames":
            if isinstance(first, list):
                yield m.start(), j, {"data": [], "frames": first}
            continue
        if isinstance(first, dict):  # Plotly.newPlot(id, {data, layout, frames})
            yield m.start(), j, first
            continue
        figure: dict[str, Any] = {"data": first}
        k = _skip_ws(js, j)
        if k < len(js) and js[k] == ",":
            nxt = _decode_at(js, k + 1)
            if nxt is not None and isinstance(nxt[0], dict):
                figure["layout"], j = nxt
        yield m.start(), j, figure


def embedded_json(js: str, skip: list[tuple[int, int]] = ()) -> Iterator[tuple[int, Any]]:
    """Every JSON object/array literal (starting with a quoted key or string) in a script,
    outside the `skip` spans (figures already decoded)."""
    pos = 0
    while True:
        m = _JSON_START.search(js, pos)
        if m is None:
            return
        inside = next((end for start, end in skip if start <= m.start() < end), None)
        if inside is not None:
            pos = inside
            continue
        try:
            value, end = _DECODER.raw_decode(js, m.start())
        except ValueError:
            pos = m.start() + 1
            continue
        yield m.start(), value
        pos = end


@dataclass
class _Table:
    line: int
    classes: str
    rows: list[list[tuple[str, bool, int]]] = field(default_factory=list)
    header_rows: int = 0
    in_head: bool = False


class _TableParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[_Table] = []
        self._stack: list[_Table] = []
        self._cell: list[str] | None = None
        self._cell_meta: tuple[bool, int] = (False, 1)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "table":
            self._stack.append(_Table(self.getpos()[0], a.get("class") or ""))
        elif not self._stack:
            return
        elif tag == "thead":
            self._stack[-1].in_head = True
        elif tag in ("tbody", "tfoot"):
            self._stack[-1].in_head = False
        elif tag == "tr":
            t = self._stack[-1]
            t.rows.append([])
            if t.in_head:
                t.header_rows = len(t.rows)
        elif tag in ("td", "th"):
            try:
                span = max(1, int(a.get("colspan") or 1))
            except ValueError:
                span = 1
            self._cell = []
            self._cell_meta = (tag == "th", span)
        elif tag == "br" and self._cell is not None:
            self._cell.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._stack:
            t = self._stack[-1]
            if not t.rows:
                t.rows.append([])
            t.rows[-1].append((" ".join("".join(self._cell).split()), *self._cell_meta))
            self._cell = None
        elif tag == "thead" and self._stack:
            self._stack[-1].in_head = False
        elif tag == "table" and self._stack:
            self.tables.append(self._stack.pop())

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _expand(row: list[tuple[str, bool, int]]) -> list[tuple[str, bool, bool]]:
    """Cells spread over their colspan: (text, is_th, spans_whole_row)."""
    width = sum(span for _, _, span in row)
    out = []
    for text, is_th, span in row:
        whole = span > 1 and span == width
        out.append((text, is_th, whole))
        out.extend((text if is_th else "", is_th, whole) for _ in range(span - 1))
    return out


def _table_findings(table: _Table, number: int, rules: DisclosureRules) -> list[Hit]:
    """Person counts below the threshold in a table's person-count columns.

    Person-count columns: headers matching disclosure.yaml; every column when the table has
    the person-table CSS class, or when the top-left header names a person count and the
    first column holds labels (a cross table such as format_for_display writes)."""
    rows = [_expand(r) for r in table.rows if r]
    if not rows:
        return []
    n_head = table.header_rows
    if n_head == 0:  # no <thead>: leading rows made only of <th>
        while n_head < len(rows) and all(is_th for _, is_th, _ in rows[n_head]):
            n_head += 1
    if n_head == 0:
        n_head = 1
    head, body = rows[:n_head], rows[n_head:]
    width = max(len(r) for r in rows)
    labels = [""] * width
    person = [False] * width
    for hrow in head:
        for c, (text, _, whole) in enumerate(hrow):
            if whole or not text:
                continue
            labels[c] = labels[c] or text
            person[c] = person[c] or rules.is_person_header(text)
    corner = any(h and rules.is_person_header(h[0][0]) and not h[0][2] for h in head)
    if rules.person_table_class in table.classes.split():
        person = [True] * width
    elif corner and not any(person[1:]):
        first = [r[0][0] for r in body if r and r[0][0]]
        if first and sum(parse_number(t) is None for t in first) * 2 > len(first):
            person = [False] + [True] * (width - 1)
    hits: list[Hit] = []
    for r, brow in enumerate(body, start=1):
        for c, (text, _, _) in enumerate(brow):
            if c >= width or not person[c]:
                continue
            value = parse_number(text)
            if value is not None and rules.is_small(value):
                col = labels[c] or f"column {c + 1}"
                hits.append(
                    (
                        f"table {number} (line {table.line}), body row {r}, column '{col}'",
                        "small_count",
                        f"person count below {rules.threshold} in a published table",
                    )
                )
    return hits


def scan_html(
    html: str, rules: DisclosureRules, walk_json: JsonWalker, prefix: str = ""
) -> list[Hit]:
    """Findings in one HTML document; `walk_json` checks decoded JSON (figures, person keys).

    Locations are prefixed with `prefix` (e.g. "cell 3, output 1: ")."""
    hits: list[Hit] = []
    blocks = split_scripts(html, rules)
    fig_no = 0
    for block in blocks:
        spans = []
        for offset, end, figure in plotly_figures(block.content):
            spans.append((offset, end))
            fig_no += 1
            where = f"{prefix}figure {fig_no} (line {line_of(html, block.start + offset)})"
            for loc in find_small_counts(figure, rules):
                hits.append(
                    (
                        f"{where}, {loc}",
                        "small_count",
                        f"person count below {rules.threshold} in figure data",
                    )
                )
            for loc in find_cpr_typed_arrays(figure.get("data"), "data"):
                hits.append((f"{where}, {loc}", "cpr", "CPR numbers stored as numbers"))
        if block.library:
            continue
        line = line_of(html, block.start)
        if "json" in block.attrs.lower():
            try:
                hits += walk_json(json.loads(block.content), f"{prefix}script (line {line}) $")
            except ValueError:
                pass
        else:
            for offset, value in embedded_json(block.content, spans):
                at = line_of(html, block.start + offset)
                hits += walk_json(value, f"{prefix}script JSON (line {at}) $")
        for offset, masked in find_cprs(block.content):
            hits.append(
                (
                    f"{prefix}line {line_of(html, block.start + offset)} (script)",
                    "cpr",
                    f"CPR-shaped number {masked}",
                )
            )
    # text outside scripts: script contents reduced to their line breaks, so lines stay true
    parts, last = [], 0
    for block in blocks:
        parts.append(html[last : block.start])
        parts.append("\n" * block.content.count("\n"))
        last = block.start + len(block.content)
    parts.append(html[last:])
    outside = "".join(parts)
    for offset, masked in find_cprs(outside):
        hits.append(
            (f"{prefix}line {line_of(outside, offset)}", "cpr", f"CPR-shaped number {masked}")
        )
    parser = _TableParser()
    parser.feed(outside)
    parser.close()
    for n, table in enumerate(sorted(parser.tables, key=lambda t: t.line), start=1):
        for loc, kind, desc in _table_findings(table, n, rules):
            hits.append((prefix + loc, kind, desc))
    return hits
