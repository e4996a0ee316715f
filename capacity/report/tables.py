"""Tables as readers see them: Danish number formatting, no dtype rows, suppressed cells shown."""

from __future__ import annotations

import html
from typing import Any

import polars as pl

from capacity.disclosure import format_number_da


def _cell(value: Any, decimals: int) -> str:
    if isinstance(value, bool):
        return "ja" if value else "nej"
    return format_number_da(value, decimals)


def render_table(
    df: pl.DataFrame, decimals: dict[str, int] | None = None, caption: str = "", footnote: str = ""
) -> str:
    """HTML for a published table (strings pass through, e.g. '<5' for suppressed cells)."""
    decimals = decimals or {}
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
    body = []
    for row in df.iter_rows():
        cells = "".join(
            f"<td>{html.escape(_cell(v, decimals.get(c, 0)))}</td>"
            for c, v in zip(df.columns, row, strict=True)
        )
        body.append(f"<tr>{cells}</tr>")
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    note = f'<p class="km-footnote">{html.escape(footnote)}</p>' if footnote else ""
    return (
        f'<table class="km-table">{cap}<thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>{note}"
    )


def show_table(
    df: pl.DataFrame, decimals: dict[str, int] | None = None, caption: str = "", footnote: str = ""
) -> Any:
    """Display object for a notebook cell."""
    from IPython.display import HTML

    return HTML(render_table(df, decimals, caption, footnote))
