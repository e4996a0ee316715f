"""Suppressed tables as Danish display strings: symbols for hidden cells, "1.234" numbers."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING

import polars as pl

from capacity.disclosure.audit import PRIMARY
from capacity.disclosure.rules import Mode, load_rules

if TYPE_CHECKING:
    from capacity.disclosure.suppress import SuppressedTable

_DA_THOUSANDS = re.compile(r"^-?\d{1,3}(\.\d{3})+(,\d+)?$")
_DA_DECIMAL = re.compile(r"^-?\d+,\d+$")
_PLAIN = re.compile(r"^-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$")


def format_number_da(value: object, decimals: int = 0) -> str:
    """Danish number format: 1234567.5 -> "1.234.567,5" (empty for missing values)."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        value = float(value)
    if not isinstance(value, int | float) or (isinstance(value, float) and math.isnan(value)):
        return "" if not isinstance(value, str) else value
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def parse_number(text: str) -> float | None:
    """A number written in a cell: "1.234" and "1.234,5" (Danish), "3,5", "12", "1e3".

    Returns None for anything else ("<5", "·", "12 %", "Aarhus")."""
    # polars' HTML repr quotes strings ("3"); non-breaking and thin spaces group thousands
    t = text.strip().strip('"').replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
    if not t:
        return None
    if _DA_THOUSANDS.match(t):
        return float(t.replace(".", "").replace(",", "."))
    if _DA_DECIMAL.match(t):
        return float(t.replace(",", "."))
    if _PLAIN.match(t):
        return float(t)
    return None


def round_money(amount: float | Decimal | None, *, to: int | None = None) -> int | None:
    """Round an amount in kr. to the configured precision (default: nearest 1.000 kr.)."""
    if amount is None:
        return None
    step = to or load_rules().money_round_to
    return int(round(float(amount) / step) * step)


def format_money_mio(amount: float | Decimal | None, *, decimals: int | None = None) -> str:
    """An amount in kr. shown in mio. kr.: 12_345_678 -> "12,3"."""
    if amount is None:
        return ""
    d = load_rules().money_mio_decimals if decimals is None else decimals
    return format_number_da(float(amount) / 1e6, d)


def footnote(table: SuppressedTable | None = None, *, mode: Mode | None = None) -> str:
    """The Danish footnote that goes under a table with suppressed cells."""
    if table is not None:
        return table.rules.footnote(table.mode)
    return load_rules().footnote(mode)


def _symbol(table: SuppressedTable, role: int) -> str:
    if table.mode == "distinct" and role == PRIMARY:
        return table.rules.primary_symbol
    return table.rules.symbol


def format_for_display(
    table: SuppressedTable,
    *,
    measure: str | None = None,
    decimals: int | Mapping[str, int] = 0,
    title: str | None = None,
) -> pl.DataFrame:
    """A string frame for HTML, slides and Excel: suppressed cells show the symbol, numbers
    are Danish ("1.234"), margins are labelled "I alt".

    2-D tables: one row per row key plus "I alt", one column per column key plus "I alt",
    for one `measure` (default: the count); the first column is headed `title` (default
    "Antal borgere" for counts, which also tells the publication scanner that every number
    in the table is a person count). 1-D tables: the row key, the count (headed "Antal
    borgere") and the value and mean columns.
    """
    rules = table.rules
    measure = measure or table.count
    if measure not in table.measure_columns():
        raise ValueError(f"{measure!r} is not a measure of this table")

    def dec(col: str) -> int:
        return decimals.get(col, 0) if isinstance(decimals, Mapping) else decimals

    def header(col: str) -> str:
        return rules.count_label if col == table.count else col

    cells = table.cells
    roles = table.roles
    shown: dict[str, list[str]] = {
        c: [
            _symbol(table, int(r)) if s else format_number_da(v, dec(c))
            for v, s, r in zip(
                cells[c].to_list(), cells["suppressed"].to_list(), roles, strict=True
            )
        ]
        for c in table.measure_columns()
    }
    label = rules.total_label
    if table.col is None:
        keys = [label if k is None else str(k) for k in cells[table.row].to_list()]
        data = {table.row: keys}
        for c in table.measure_columns():
            data[header(c)] = shown[c]
        return pl.DataFrame(data, schema={k: pl.String for k in data})

    body = cells.filter(pl.col("cell_kind") == "cell")
    row_keys = [str(k) for k in body[table.row].unique(maintain_order=True)]
    col_keys = [str(k) for k in body[table.col].unique(maintain_order=True)]
    grid: dict[tuple[str, str], str] = {}
    for r, c, text in zip(
        cells[table.row].to_list(), cells[table.col].to_list(), shown[measure], strict=True
    ):
        grid[(label if r is None else str(r), label if c is None else str(c))] = text
    has_totals = any(k == "row_total" for k in cells["cell_kind"].to_list())
    out_cols = col_keys + ([label] if has_totals else [])
    out_rows = row_keys + ([label] if has_totals else [])
    first = title or (rules.count_label if measure == table.count else measure)
    data = {first: out_rows}
    for c in out_cols:
        data[c] = [grid.get((r, c), "") for r in out_rows]
    return pl.DataFrame(data, schema={k: pl.String for k in data})


def __getattr__(name: str) -> str:
    # FOOTNOTE is read from capacity/conf/disclosure.yaml on first use, not at import time
    if name == "FOOTNOTE":
        return load_rules().footnote()
    raise AttributeError(name)
