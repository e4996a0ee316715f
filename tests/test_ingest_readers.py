"""Reading deliveries as text: encodings, line numbers, blank lines, field counts, quotes,
Excel."""

from __future__ import annotations

import codecs
import datetime as dt
import io

import polars as pl
import pytest
import xlsxwriter
from hypothesis import given, settings
from hypothesis import strategies as st

from capacity.ingest.encoding import decode_bytes
from capacity.ingest.model import FileQuarantined
from capacity.ingest.readers import (
    _split_with_csv_module,
    normalise_newlines,
    read_xlsx,
    split_csv,
)

CP1252_TEXT = "leverandoer;note\nBotilbud „Søholm“;250 € – tilbagebetalt\n"


@pytest.mark.parametrize(
    ("data", "encoding", "text"),
    [
        ("a;b\næøå;1\n".encode(), "utf-8", "a;b\næøå;1\n"),
        (codecs.BOM_UTF8 + "a;b\næøå;1\n".encode(), "utf-8-sig", "a;b\næøå;1\n"),
        (CP1252_TEXT.encode("cp1252"), "cp1252", CP1252_TEXT),
        (codecs.BOM_UTF16_LE + "a\tb\n".encode("utf-16-le"), "utf-16", "a\tb\n"),
    ],
)
def test_encodings_are_detected_and_decoded_exactly(data, encoding, text):
    decoded = decode_bytes(data, "x.csv")
    assert (decoded.encoding, decoded.text) == (encoding, text)
    assert decoded.utf8.decode("utf-8") == text
    assert "Ã" not in decoded.text  # no mojibake


@pytest.mark.parametrize(
    "data",
    [
        b"cpr;navn\n0101901234;\x81\x8d\n",  # latin-1/undefined cp1252 bytes
        codecs.BOM_UTF8 + b"a;b\n\xff\xfe\n",  # says UTF-8, is not
        "a;b\n".encode("utf-16-le"),  # UTF-16 without BOM: NUL bytes
    ],
)
def test_undecodable_files_are_quarantined_without_content(data):
    with pytest.raises(FileQuarantined) as info:
        decode_bytes(data, "placements/751/x.csv")
    assert info.value.reason == "encoding"
    assert "0101901234" not in str(info.value)
    assert str(info.value).startswith("placements/751/x.csv: ")


def _table(text: str, delimiter: str = ";"):
    return split_csv(decode_bytes(text.encode(), "x.csv"), delimiter, "x.csv")


def test_line_numbers_blank_lines_and_field_counts():
    text = (
        "\n"  # 1 blank before the header: not counted (nothing before the header is data)
        "a;b;c\r\n"  # 2 header
        "1;2;3\r\n"  # 3
        "\r\n"  # 4 blank
        "   \t\r\n"  # 5 whitespace only: blank
        ";;\r\n"  # 6 separators only: blank
        "4;5\r\n"  # 7 too few fields
        "6;7;8;9\r\n"  # 8 too many fields (non-empty)
        "6;7;8;;\r\n"  # 9 trailing empty fields: fine
        " x ;y;z"  # 10 no final newline
    )
    table = _table(text)
    assert table.header == ["a", "b", "c"] and table.header_line == 2
    assert table.blank_lines == 3
    assert table.rows.to_dicts() == [
        {"line": 3, "c0": "1", "c1": "2", "c2": "3", "shape_ok": True},
        {"line": 7, "c0": "4", "c1": "5", "c2": None, "shape_ok": False},
        {"line": 8, "c0": "6", "c1": "7", "c2": "8", "shape_ok": False},
        {"line": 9, "c0": "6", "c1": "7", "c2": "8", "shape_ok": True},
        {"line": 10, "c0": " x ", "c1": "y", "c2": "z", "shape_ok": True},
    ]


def test_quoted_fields_may_hold_separators_and_line_breaks():
    text = 'a;b\n"x;1";"two\nlines"\n\n"say ""hi""";3\n'
    table = _table(text)
    assert table.rows.to_dicts() == [
        {"line": 2, "c0": "x;1", "c1": "two\nlines", "shape_ok": True},
        {"line": 5, "c0": 'say "hi"', "c1": "3", "shape_ok": True},
    ]
    assert table.blank_lines == 1


def test_old_mac_line_endings():
    decoded = normalise_newlines(decode_bytes(b"a;b\r1;2\r\r3;4\r", "x.csv"))
    table = split_csv(decoded, ";", "x.csv")
    assert table.rows.get_column("line").to_list() == [2, 4]
    assert table.blank_lines == 1


def test_header_only_file_has_no_rows_and_empty_file_is_quarantined():
    assert _table("a;b\r\n").rows.height == 0
    for text in ("", " \n;;\n"):
        with pytest.raises(FileQuarantined) as info:
            _table(text)
        assert info.value.reason == "empty_file"


# Text without quotes, with every kind of blank line and ragged rows.
_field = st.text(alphabet="abcæø 0123456789-,.§|", max_size=6)
_line = st.one_of(
    st.lists(_field, min_size=1, max_size=5).map(";".join),
    st.sampled_from(["", "  ", "\t", ";;", " ; ;"]),
)


@settings(max_examples=200, deadline=None)
@given(
    lines=st.lists(_line, max_size=25),
    crlf=st.booleans(),
    final_newline=st.booleans(),
)
def test_fast_path_equals_csv_module(lines, crlf, final_newline):
    newline = "\r\n" if crlf else "\n"
    text = newline.join(["h1;h2;h3", *lines]) + (newline if final_newline else "")
    decoded = decode_bytes(text.encode(), "x.csv")
    fast = split_csv(decoded, ";", "x.csv")
    slow = _split_with_csv_module(decoded, ";", "x.csv")
    assert fast.header == slow.header and fast.blank_lines == slow.blank_lines
    assert fast.rows.to_dicts() == slow.rows.to_dicts()
    # nothing lost: every line after the header is blank or a row
    body = len(text.split(newline)) - 1 - (1 if text.endswith(newline) else 0)
    assert fast.rows.height + fast.blank_lines == body


def _xlsx(rows: list[list[object]], start_row: int = 0) -> bytes:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet()
    date_fmt = wb.add_format({"num_format": "dd-mm-yyyy"})
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, dt.datetime):
                ws.write_datetime(start_row + r, c, value, date_fmt)
            elif value is not None:
                ws.write(start_row + r, c, value)
    wb.close()
    return buf.getvalue()


def test_xlsx_cells_come_as_text_with_sheet_row_numbers():
    data = _xlsx(
        [
            ["Barnets CPR", "Ydelse startdato", "Takst", None],
            [101901234, dt.datetime(2024, 1, 5), 1234.5, None],
            [None, None, None, None],
            ["0101901234", 44927, "1.234,50", "note beyond the header"],
            ["   ", None, None, None],
        ],
        start_row=2,
    )
    table = read_xlsx(data, "x.xlsx")
    assert table.header == ["Barnets CPR", "Ydelse startdato", "Takst"]
    assert table.header_line == 3  # sheet row, even though rows 1-2 are empty
    assert table.blank_lines == 2
    assert table.rows.to_dicts() == [
        {
            "line": 4,
            "c0": "101901234",
            "c1": "2024-01-05 00:00:00",
            "c2": "1234.5",
            "shape_ok": True,
        },
        {"line": 6, "c0": "0101901234", "c1": "44927", "c2": "1.234,50", "shape_ok": True},
    ]


def test_broken_workbook_is_unreadable():
    with pytest.raises(FileQuarantined) as info:
        read_xlsx(b"PK\x03\x04 not really", "x.xlsx")
    assert info.value.reason == "unreadable"


def test_rows_frame_is_all_text():
    table = _table("a;b\n0101901234;1,5\n")
    assert table.rows.schema["c0"] == pl.String and table.rows.schema["c1"] == pl.String
