"""Deterministic file writers: ';'-separated CSV with chosen encoding, and xlsx via xlsxwriter.

Nothing here reads the clock: xlsx files get a fixed creation date so runs are byte-identical.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import polars as pl
import xlsxwriter

from capacity.demo.calendar import EXCEL_EPOCH_OFFSET


class ExcelDate(int):
    """A day number (days since 1970-01-01) to be written as a real Excel date cell."""


SYNTHETIC_TITLE = "SYNTETISKE DEMODATA"


def csv_lines(header: Sequence[str], rows: Sequence[Sequence[object]]) -> list[str]:
    """Header and rows as ';'-separated lines (minimal quoting), without line terminators."""
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(header)
    writer.writerows([["" if v is None else v for v in row] for row in rows])
    return buf.getvalue().split("\n")[:-1]


def write_text(path: Path, lines: Sequence[str], encoding: str, newline: str = "\n") -> None:
    """Write lines with a terminator after each; ``encoding`` may be utf-8-sig or cp1252."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes((newline.join(lines) + newline).encode(encoding))


def write_frame_csv(path: Path, frame: pl.DataFrame) -> None:
    """A text frame as ';'-separated UTF-8 CSV with '\\n' line endings."""
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.write_csv(path, separator=";", line_terminator="\n")


def write_xlsx(
    path: Path,
    sheet: str,
    header: Sequence[str],
    rows: Sequence[Sequence[object] | None],
    *,
    created: datetime,
    subject: str,
) -> None:
    """One-sheet workbook; ``None`` rows stay empty (blank lines), ExcelDate cells are dates."""
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path), {"in_memory": True, "strings_to_urls": False})
    wb.set_properties(
        {
            "title": SYNTHETIC_TITLE,
            "subject": f"{SYNTHETIC_TITLE}: {subject}",
            "author": "capacity demo",
            "company": "Kapacitet Midt (syntetiske data)",
            "comments": "Syntetiske demodata - ingen rigtige personer / synthetic demo data",
            "created": created,
        }
    )
    date_fmt = wb.add_format({"num_format": "dd-mm-yyyy"})
    ws = wb.add_worksheet(sheet)
    for c, name in enumerate(header):
        ws.write_string(0, c, name)
    for r, row in enumerate(rows, start=1):
        if row is None:
            continue
        for c, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, ExcelDate):
                ws.write_number(r, c, int(value) + EXCEL_EPOCH_OFFSET, date_fmt)
            elif isinstance(value, int | float):
                ws.write_number(r, c, value)
            else:
                ws.write_string(r, c, str(value))
    wb.close()
