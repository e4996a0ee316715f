"""Split a delivery into header and text fields, with physical line numbers and blank lines.

Nothing here types a value: every field stays text, so no reader can turn a CPR number into an
integer or a date into something else behind our back. CSV files without quote characters take
a vectorised polars path; files with quotes go through Python's csv module (quoted fields may
hold separators and line breaks). All paths give the same result on quote-free input: the
commonest delivery (no blank line after the header, every line with as many fields as the
header) is parsed by polars' multi-threaded CSV reader directly; any other quote-free file is
split line by line.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

import fastexcel
import polars as pl

from capacity.ingest.encoding import DecodedText
from capacity.ingest.model import FileQuarantined, RawTable

# Delimiters tried when a profile's own delimiter does not give a matching header.
FALLBACK_DELIMITERS = (";", ",", "\t", "|")
# A line of only whitespace and separator characters (of any of these dialects) is blank: it is
# not a data row, and it is counted in load_log.blank_lines.
BLANK_PATTERN = r"^[\s;,|]*$"
_SEPARATOR_CHARS = ";,|\t"


def normalise_newlines(decoded: DecodedText) -> DecodedText:
    """Old Mac exports end lines with a lone CR; make them LF so every path sees the same lines."""
    if b"\r" in decoded.utf8 and b"\n" not in decoded.utf8:
        text = decoded.text.replace("\r", "\n")
        return DecodedText(utf8=text.encode("utf-8"), encoding=decoded.encoding, _text=text)
    return decoded


def _is_blank(fields: Iterable[str]) -> bool:
    return all(not f.strip().strip(_SEPARATOR_CHARS).strip() for f in fields)


def _split_line(line: str, delimiter: str) -> list[str]:
    try:
        return next(csv.reader([line], delimiter=delimiter), [])
    except csv.Error:
        return line.split(delimiter)


def header_candidates(text: str, delimiters: Iterable[str]) -> dict[str, list[str]]:
    """For each delimiter, the fields of the first non-blank line split by it."""
    start = 0
    for _ in range(200):
        end = text.find("\n", start)
        line = (text[start:] if end < 0 else text[start:end]).removesuffix("\r")
        if not _is_blank([line]):
            return {delim: _split_line(line, delim) for delim in dict.fromkeys(delimiters)}
        if end < 0:
            break
        start = end + 1
    return {}


def _trim_header(fields: list[str]) -> list[str]:
    header = [f.replace("\ufeff", "").strip() for f in fields]
    while header and not header[-1]:
        header.pop()
    return header


def _columns(n: int) -> list[str]:
    return [f"c{i}" for i in range(n)]


def split_csv(decoded: DecodedText, delimiter: str, file: str) -> RawTable:
    """Split a decoded CSV delivery with the given delimiter into a RawTable."""
    decoded = normalise_newlines(decoded)
    raw = decoded.utf8  # byte searches are much faster than str searches on a large file
    if not raw or raw.isspace():
        raise FileQuarantined("empty_file", "the file is empty", file=file)
    fast = (
        b'"' not in raw
        and b"\x1f" not in raw
        and raw.count(b"\r") == raw.count(b"\r\n")
        and len(delimiter) == 1
    )
    if fast:
        table = _split_direct(decoded, delimiter) or _split_fast(decoded, delimiter, file)
        if table is not None:
            return table
    return _split_with_csv_module(decoded, delimiter, file)


def _first_data_line(raw: bytes) -> tuple[int, int, str] | None:
    """(1-based number, byte offset after it, text) of the first non-blank line, if it is
    among the first 200 lines."""
    start = 0
    for number in range(1, 201):
        end = raw.find(b"\n", start)
        stop = len(raw) if end < 0 else end
        line = raw[start:stop].decode("utf-8").removesuffix("\r")
        # the same blank test (polars regex) as the line-by-line path
        if not pl.Series([line]).str.contains(BLANK_PATTERN).item():
            return number, (len(raw) if end < 0 else end + 1), line
        if end < 0:
            return None
        start = end + 1
    return None


def _split_direct(decoded: DecodedText, delimiter: str) -> RawTable | None:
    """Parse with polars' CSV reader when that is sure to equal ``_split_fast``; else None.

    Sure means: no line after the header is blank, and every one has exactly the header's
    number of fields (the reader raises on a longer line; the separators add up to exactly
    (fields - 1) per line, so none is shorter).
    """
    raw = decoded.utf8
    sep = delimiter.encode("utf-8")
    first = _first_data_line(raw)
    if len(sep) != 1 or first is None:
        return None
    header_line, body_start, header_text = first
    header = _trim_header(_split_line(header_text, delimiter))
    n = len(header)
    if n < 2 or body_start >= len(raw):
        return None
    lines = raw.count(b"\n", body_start) + (0 if raw.endswith(b"\n") else 1)
    if raw.count(sep, body_start) != (n - 1) * lines:
        return None
    columns = _columns(n)
    try:
        rows = pl.read_csv(
            raw,
            separator=delimiter,
            quote_char=None,
            comment_prefix=None,
            has_header=False,
            skip_lines=header_line,
            schema=dict.fromkeys(columns, pl.String),
            empty_string_is_null=False,
            extra_columns="raise",
            raise_if_empty=False,
        )
    except pl.exceptions.PolarsError:
        return None
    if rows.height != lines:
        return None
    # A line is blank when every field is (whitespace and separators only).
    field_blank = r"^[\s,|;]*$"
    first_blank = rows.get_column("c0").str.contains(field_blank)
    if (
        first_blank.any()
        and rows.filter(
            pl.all_horizontal(pl.col(c).str.contains(field_blank) for c in columns)
        ).height
    ):
        return None
    rows = rows.select(
        pl.int_range(header_line + 1, header_line + 1 + lines, dtype=pl.Int64).alias("line"),
        *columns,
        shape_ok=pl.lit(True),
    )
    return RawTable(
        header=header,
        header_line=header_line,
        rows=rows,
        blank_lines=0,
        encoding=decoded.encoding,
        delimiter=delimiter,
    )


def _split_fast(decoded: DecodedText, delimiter: str, file: str) -> RawTable | None:
    raw = decoded.utf8
    expected_lines = raw.count(b"\n") + (0 if raw.endswith(b"\n") else 1)
    try:
        lines = pl.read_csv(
            decoded.utf8,
            separator="\x1f",
            quote_char=None,
            has_header=False,
            infer_schema=False,
            new_columns=["raw"],
        )
    except pl.exceptions.PolarsError:
        return None
    if lines.height != expected_lines:
        # polars saw the lines differently (should not happen without quotes): use the csv
        # module, which is exact, rather than risk wrong line numbers.
        return None
    lines = lines.with_row_index("line", offset=1).with_columns(
        blank=pl.col("raw").is_null() | pl.col("raw").str.contains(BLANK_PATTERN)
    )
    first = lines.filter(~pl.col("blank")).head(1)
    if first.height == 0:
        raise FileQuarantined("empty_file", "the file has no header and no data", file=file)
    header_line = int(first["line"][0])
    header = _trim_header(_split_line(first["raw"][0], delimiter))
    n = max(len(header), 1)
    body = lines.filter(pl.col("line") > header_line)
    blank_lines = int(body["blank"].sum())
    data = body.filter(~pl.col("blank"))
    names = [*_columns(n), "extra"]
    # splitn leaves the unsplit remainder in "extra": null when the record has at most n
    # fields, so the field count needs no second pass over the text.
    rows = (
        data.select(
            pl.col("line").cast(pl.Int64),
            pl.col("raw").str.splitn(delimiter, n + 1).struct.rename_fields(names).alias("f"),
        )
        .unnest("f")
        .with_columns(
            shape_ok=pl.col(f"c{n - 1}").is_not_null()
            & (pl.col("extra").is_null() | pl.col("extra").str.contains(BLANK_PATTERN))
        )
        .select("line", *_columns(n), "shape_ok")
    )
    return RawTable(
        header=header,
        header_line=header_line,
        rows=rows,
        blank_lines=blank_lines,
        encoding=decoded.encoding,
        delimiter=delimiter,
    )


def _split_with_csv_module(decoded: DecodedText, delimiter: str, file: str) -> RawTable:
    text = decoded.text
    old_limit = csv.field_size_limit()
    # One unbalanced quote may swallow the rest of the file into a field; let it, so the record
    # is rejected (wrong_column_count) instead of the whole file failing.
    csv.field_size_limit(max(old_limit, len(text) + 1))
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
        header: list[str] | None = None
        header_line = 0
        blank_lines = 0
        line_numbers: list[int] = []
        records: list[list[str]] = []
        previous = 0
        for record in reader:
            start = previous + 1
            previous = reader.line_num
            if _is_blank(record):
                if header is not None:
                    blank_lines += 1
                continue
            if header is None:
                header = _trim_header(record)
                header_line = start
                continue
            line_numbers.append(start)
            records.append(record)
    except csv.Error:
        raise FileQuarantined(
            "unreadable", "the file is not a readable CSV table", file=file
        ) from None
    finally:
        csv.field_size_limit(old_limit)
    if header is None:
        raise FileQuarantined("empty_file", "the file has no header and no data", file=file)
    n = max(len(header), 1)
    columns: list[list[str | None]] = [[] for _ in range(n)]
    shape_ok: list[bool] = []
    for record in records:
        if len(record) >= n:
            for i in range(n):
                columns[i].append(record[i])
            shape_ok.append(_is_blank(record[n:]))
        else:
            for i in range(n):
                columns[i].append(record[i] if i < len(record) else None)
            shape_ok.append(False)
    rows = pl.DataFrame(
        {
            "line": pl.Series(line_numbers, dtype=pl.Int64),
            **{f"c{i}": pl.Series(columns[i], dtype=pl.String) for i in range(n)},
            "shape_ok": pl.Series(shape_ok, dtype=pl.Boolean),
        }
    )
    return RawTable(
        header=header,
        header_line=header_line,
        rows=rows,
        blank_lines=blank_lines,
        encoding=decoded.encoding,
        delimiter=delimiter,
    )


def read_xlsx(data: bytes, file: str, encoding: str = "xlsx") -> RawTable:
    """Read the first sheet of an Excel workbook (xlsx/xls/ods via calamine), all cells as text.

    Sheet row numbers are kept (row 1 = the first row of the sheet, even when it is empty).
    Columns without a header cell are ignored: unlike CSV, cells cannot shift into them.
    """
    try:
        reader = fastexcel.read_excel(data)
        if not reader.sheet_names:
            raise FileQuarantined("empty_file", "the workbook has no sheets", file=file)
        sheet = reader.load_sheet(0, header_row=None, skip_rows=0, dtypes="string")
        cells = sheet.to_polars()
    except FileQuarantined:
        raise
    except Exception:
        # calamine/fastexcel messages may quote cell content; say only what failed.
        raise FileQuarantined(
            "unreadable", "the file is not a readable Excel workbook", file=file
        ) from None
    if cells.width == 0 or cells.height == 0:
        raise FileQuarantined("empty_file", "the first sheet is empty", file=file)
    raw_names = cells.columns
    cells = cells.rename({old: f"x{i}" for i, old in enumerate(raw_names)}).with_row_index(
        "line", offset=1
    )
    value_cols = [f"x{i}" for i in range(len(raw_names))]
    cells = cells.with_columns(
        blank=pl.all_horizontal(
            pl.col(c).is_null() | (pl.col(c).str.strip_chars() == "") for c in value_cols
        )
    )
    first = cells.filter(~pl.col("blank")).head(1)
    if first.height == 0:
        raise FileQuarantined("empty_file", "the first sheet is empty", file=file)
    header_line = int(first["line"][0])
    header = _trim_header([first[c][0] or "" for c in value_cols])
    n = max(len(header), 1)
    body = cells.filter(pl.col("line") > header_line)
    blank_lines = int(body["blank"].sum())
    rows = body.filter(~pl.col("blank")).select(
        pl.col("line").cast(pl.Int64),
        *[pl.col(f"x{i}").alias(f"c{i}") for i in range(n)],
        shape_ok=pl.lit(True),
    )
    return RawTable(
        header=header,
        header_line=header_line,
        rows=rows,
        blank_lines=blank_lines,
        encoding=encoding,
        delimiter=None,
    )
