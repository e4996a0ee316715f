"""Tables as readers see them: Danish number formatting, no dtype rows, suppressed cells shown."""

from __future__ import annotations

import html
import math
from decimal import Decimal
from typing import Any

import polars as pl


def format_number(value: Any, decimals: int = 0) -> str:
    """Danish style: thousands dot, decimal comma ('1.234,5'); None → '' ."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nej"
    if isinstance(value, int | float | Decimal):
        text = f"{float(value):,.{decimals}f}" if decimals else f"{round(float(value)):,}"
        return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return str(value)


def render_table(
    df: pl.DataFrame, decimals: dict[str, int] | None = None, caption: str = ""
) -> str:
    """HTML for a published table (strings pass through, e.g. '<5' for suppressed cells)."""
    decimals = decimals or {}
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
    body = []
    for row in df.iter_rows():
        cells = "".join(
            f"<td>{html.escape(format_number(v, decimals.get(c, 0)))}</td>"
            for c, v in zip(df.columns, row, strict=True)
        )
        body.append(f"<tr>{cells}</tr>")
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return (
        f'<table class="km-table">{cap}<thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def show_table(df: pl.DataFrame, decimals: dict[str, int] | None = None, caption: str = "") -> Any:
    """Display object for a notebook cell."""
    from IPython.display import HTML

    return HTML(render_table(df, decimals, caption))
