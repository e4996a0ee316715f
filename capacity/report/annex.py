"""The Excel annex (bilag.xlsx): every table the pages published, one sheet each.

Pages save their published tables while they run (``Page.table``), as Parquet plus a small
JSON sidecar under ``<run>/annex/``; the runner assembles the workbook after the last page.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import polars as pl

_BAD_SHEET_CHARS = re.compile(r"[\\[\]:*?/]")


def save_annex_table(
    run_dir: Path, slug: str, number: int, title: str, df: pl.DataFrame, *, footnote: str = ""
) -> Path:
    """Store one published table for the annex (called by Page.table)."""
    out = run_dir / "annex" / f"{slug}__{number:02d}.parquet"
    out.parent.mkdir(parents=True, exist_ok=True)
    df.write_parquet(out)
    out.with_suffix(".json").write_text(
        json.dumps({"page": slug, "title": title, "footnote": footnote}, ensure_ascii=False),
        encoding="utf-8",
    )
    return out


def _sheet_name(title: str, used: set[str]) -> str:
    base = _BAD_SHEET_CHARS.sub(" ", title).strip()[:28] or "Tabel"
    name, n = base, 1
    while name.lower() in used:
        n += 1
        name = f"{base[:26]} {n}"
    used.add(name.lower())
    return name


def write_annex(run_dir: Path, page_order: list[str], page_titles: dict[str, str]) -> Path | None:
    """Assemble ``<run>/bilag.xlsx``: a contents sheet, then one sheet per published table."""
    import xlsxwriter

    folder = run_dir / "annex"
    files = sorted(folder.glob("*.parquet")) if folder.exists() else []
    if not files:
        return None
    order = {slug: i for i, slug in enumerate(page_order)}
    files.sort(key=lambda f: (order.get(f.stem.split("__")[0], len(order)), f.stem))
    out = run_dir / "bilag.xlsx"
    wb = xlsxwriter.Workbook(out, {"strings_to_numbers": False})
    bold = wb.add_format({"bold": True, "bg_color": "#E8EEF4", "border": 1})
    title_fmt = wb.add_format({"bold": True, "font_size": 13})
    note_fmt = wb.add_format({"italic": True, "font_color": "#55606E"})
    contents = wb.add_worksheet("Indhold")
    contents.write(0, 0, "Bilag: publicerede tabeller", title_fmt)
    contents.write_row(2, 0, ["Ark", "Side", "Tabel"], bold)
    used = {"indhold"}
    for i, f in enumerate(files):
        meta = json.loads(f.with_suffix(".json").read_text(encoding="utf-8"))
        df = pl.read_parquet(f)
        name = _sheet_name(meta["title"], used)
        ws = wb.add_worksheet(name)
        ws.write(0, 0, meta["title"], title_fmt)
        ws.write_row(2, 0, df.columns, bold)
        for r, row in enumerate(df.iter_rows(), start=3):
            for c, value in enumerate(row):
                if value is not None:
                    ws.write(r, c, value if not hasattr(value, "isoformat") else str(value))
        if meta.get("footnote"):
            ws.write(df.height + 4, 0, meta["footnote"], note_fmt)
        ws.set_column(0, max(0, df.width - 1), 16)
        contents.write_row(
            3 + i, 0, [name, page_titles.get(meta["page"], meta["page"]), meta["title"]]
        )
    contents.set_column(0, 2, 36)
    wb.close()
    return out
