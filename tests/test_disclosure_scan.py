"""The publication scanner: small counts in plotly typed arrays, tables, xlsx and JSON; CPR
numbers; the pseudonymisation key; and no false alarms from the embedded plotly.js bundle."""

from __future__ import annotations

import base64
import json
import re
import secrets
from pathlib import Path

import nbformat
import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
import polars as pl
import pytest
import xlsxwriter
from nbformat.v4 import new_code_cell, new_notebook, new_output
from plotly.offline import get_plotlyjs

from capacity.disclosure import (
    DisclosureError,
    assert_figure_publishable,
    decode_typed_array,
    format_for_display,
    mark_person_counts,
    scan_run_folder,
    suppress_table,
)
from capacity.disclosure.cpr import cpr_birth_date, find_cprs, is_cpr_number
from capacity.disclosure.display import parse_number

# synthetic CPR numbers with valid birth dates (1 Jan 1990, 24 Dec 2005)
CPR_DASH = "010190-1234"
CPR_PLAIN = "2412054321"
NO_KEY = Path("/nonexistent/key")


def person_figure(values: list[float | None], *, name: str = "Samsø") -> go.Figure:
    fig = go.Figure(
        go.Bar(
            x=["2019", "2020", "2021", "2022"],
            y=np.array([np.nan if v is None else v for v in values], dtype=float),
            name=name,
        )
    )
    return mark_person_counts(fig)


def figure_call(html: str) -> str:
    start = html.index("Plotly.newPlot(")
    return html[start : html.index("</script>", start)]


def kinds(findings) -> list[str]:
    return sorted({f.kind for f in findings})


# -- plotly typed arrays ------------------------------------------------------------------
def test_small_count_in_base64_typed_array_is_found(tmp_path: Path) -> None:
    fig = person_figure([12, 3, 40, 9])
    html = fig.to_html(include_plotlyjs=True, full_html=True)
    call = figure_call(html)
    # the numbers really are base64: a text search of the figure call finds none of them
    assert '"y":{"dtype":"f8","bdata":"' in call
    assert not re.search(r"(?<![\w.])(12|40|9)(?![\w.])", call.split('"layout"')[0][:400])
    (tmp_path / "maalgruppe.html").write_text(html, encoding="utf-8")
    findings = scan_run_folder(tmp_path, key_file=NO_KEY)
    assert len(findings) == 1
    f = findings[0]
    assert (f.file, f.kind) == ("maalgruppe.html", "small_count")
    assert "trace 1 'Samsø', y[1]" in f.location
    assert "3" not in f.description


def test_integer_typed_arrays_and_pio_fragment(tmp_path: Path) -> None:
    fig = go.Figure(go.Heatmap(z=np.array([[7, 8], [2, 9]], dtype=np.int16), name="B1"))
    mark_person_counts(fig)
    html = pio.to_html(fig, include_plotlyjs=False, full_html=False)
    assert '"dtype":"i1"' in html or '"dtype":"i2"' in html
    (tmp_path / "fragment.html").write_text(html, encoding="utf-8")
    findings = scan_run_folder(tmp_path, key_file=NO_KEY)
    assert [f.location.split(", ", 1)[1] for f in findings] == ["trace 1 'B1', z[1][0]"]


@pytest.mark.filterwarnings("ignore:Your element with mimetype:UserWarning")
def test_notebook_renderer_output_and_its_ipynb_are_scanned(tmp_path: Path) -> None:
    from nbconvert import HTMLExporter

    fig = person_figure([9, 8, 2, 7])
    init = (
        '<script type="text/javascript">window.PlotlyConfig = {MathJaxConfig: "local"};</script>'
        f'<script type="text/javascript">{get_plotlyjs()}</script>'
    )
    nb = new_notebook(
        cells=[
            new_code_cell(
                "fig.show()",
                outputs=[
                    new_output("display_data", data={"text/html": init}),
                    new_output("display_data", data=pio.renderers["notebook"].to_mimebundle(fig)),
                ],
            ),
            new_code_cell(
                "fig",
                outputs=[
                    new_output(
                        "display_data",
                        data={"application/vnd.plotly.v1+json": json.loads(fig.to_json())},
                    )
                ],
            ),
        ]
    )
    nbformat.write(nb, tmp_path / "side.ipynb")
    body, _ = HTMLExporter().from_notebook_node(nb)
    assert "bdata" in body
    (tmp_path / "side.html").write_text(body, encoding="utf-8")
    findings = scan_run_folder(tmp_path, key_file=NO_KEY)
    assert kinds(findings) == ["small_count"]
    by_file = {f.file for f in findings}
    assert by_file == {"side.html", "side.ipynb"}
    ipynb = [f.location for f in findings if f.file == "side.ipynb"]
    assert any("text/html" in loc and "y[2]" in loc for loc in ipynb)
    assert any("application/vnd.plotly.v1+json" in loc and "y[2]" in loc for loc in ipynb)


def test_cpr_numbers_hidden_in_typed_arrays(tmp_path: Path) -> None:
    # customdata carrying CPR numbers without the leading zero: int32 base64, not text
    fig = go.Figure(
        go.Scatter(x=[1, 2], y=[5, 6], customdata=np.array([101901234, 505051234]), name="B1")
    )
    html = fig.to_html(include_plotlyjs=False)
    assert "101901234" not in html
    (tmp_path / "p.html").write_text(html, "utf-8")
    findings = scan_run_folder(tmp_path, key_file=NO_KEY)
    assert [(f.kind, f.location.split(", ", 1)[1]) for f in findings] == [
        ("cpr", "data[0].customdata")
    ]


def test_assert_figure_publishable_and_mark() -> None:
    fig = person_figure([12, None, 40, 9])
    assert fig.data[0].meta == {"measure": "persons"}
    assert_figure_publishable(fig)
    with pytest.raises(DisclosureError, match="y\\[1\\]"):
        assert_figure_publishable(person_figure([12, 4, 40, 9]))
    # ages 0-17 on the x axis are not counts once the count attribute is named
    ages = go.Figure(go.Bar(x=np.arange(0, 18), y=np.full(18, 6.0)))
    mark_person_counts(ages, fields=["y"])
    assert_figure_publishable(ages)
    ages_h = go.Figure(go.Bar(y=np.arange(0, 18), x=np.full(18, 6.0), orientation="h"))
    assert_figure_publishable(mark_person_counts(ages_h))


def test_decode_typed_array() -> None:
    spec = {"dtype": "u2", "bdata": base64.b64encode(np.array([1, 2, 300, 4], "<u2")).decode()}
    assert decode_typed_array(spec).tolist() == [1, 2, 300, 4]
    spec = {
        "dtype": "f8",
        "bdata": base64.b64encode(np.array([1.5, np.nan, 3, 4], "<f8")).decode(),
        "shape": "2, 2",
    }
    arr = decode_typed_array(spec)
    assert arr.shape == (2, 2) and arr[1, 0] == 3
    with pytest.raises(ValueError):
        decode_typed_array({"dtype": "x9", "bdata": ""})


# -- xlsx, json, html tables -----------------------------------------------------------------
def write_xlsx(path: Path, sheets: dict[str, list[list[object]]], formats=None) -> None:
    wb = xlsxwriter.Workbook(str(path))
    for name, rows in sheets.items():
        ws = wb.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                fmt = (formats or {}).get((name, r, c))
                ws.write(r, c, value, wb.add_format({"num_format": fmt}) if fmt else None)
    wb.close()


def test_cpr_in_an_xlsx_cell_is_found_and_masked(tmp_path: Path) -> None:
    rows = [["Bilag 3"], [], ["Kommune", "Målgruppe", "Bemærkning"]]
    rows += [["Aarhus", "V1", ""], ["Skive", "V2", ""], ["Lemvig", "V3", ""]]
    rows += [["Samsø", "V4", f"borger {CPR_DASH}"]]
    numeric = [["Kommune", "id"], ["Aarhus", int(CPR_DASH.replace("-", ""))]]
    write_xlsx(
        tmp_path / "bilag.xlsx",
        {"Tabel": rows, "Tal": numeric},
        {("Tal", 1, 1): "0000000000"},
    )
    findings = scan_run_folder(tmp_path, key_file=NO_KEY)
    assert [(f.location, f.kind) for f in findings] == [
        ("sheet 'Tabel'!C7", "cpr"),
        ("sheet 'Tal'!B2", "cpr"),
    ]
    text = repr(findings)
    assert "1234" not in text and "010190" not in text and "101901234" not in text


def test_small_counts_in_xlsx_person_columns(tmp_path: Path) -> None:
    long = [["Kommune", "Antal borgere", "Antal pladser", "Udgift (kr.)"]]
    long += [["Aarhus", 120, 3, 2_101_230_000], ["Samsø", 2, 1, 1_402_051_234]]
    cross = format_for_display(
        suppress_table(
            pl.DataFrame(
                {"k": ["A", "A", "B", "B"], "g": ["x", "y", "x", "y"], "n": [9, 8, 7, 6]}
            ),
            row="k",
            col="g",
            count="n",
        )
    )
    leaky = [cross.columns] + [list(r) for r in cross.rows()]
    leaky[1][1] = 3  # a number someone typed over the display string
    write_xlsx(
        tmp_path / "annex.xlsx",
        {"Lang": long, "Kryds": leaky},
        {("Lang", 1, 3): "#,##0", ("Lang", 2, 3): "#,##0"},
    )
    findings = scan_run_folder(tmp_path, key_file=NO_KEY)
    assert [(f.location, f.kind) for f in findings] == [
        ("sheet 'Kryds'!B2", "small_count"),
        ("sheet 'Lang'!B3", "small_count"),
    ]


def test_key_hex_in_json_is_found(tmp_path: Path) -> None:
    key = secrets.token_bytes(32)
    key_file = tmp_path / "keys" / "pseudonymisation.key"
    key_file.parent.mkdir()
    key_file.write_bytes(key)
    run = tmp_path / "run"
    run.mkdir()
    (run / "summary.json").write_text(json.dumps({"debug": {"k": key.hex()}}), "utf-8")
    findings = scan_run_folder(run, key_file=key_file)
    assert [(f.file, f.kind, f.description) for f in findings] == [
        ("summary.json", "key", "pseudonymisation key (hex)")
    ]
    assert key.hex() not in repr(findings)
    # base64 inside HTML, raw bytes in a binary file, and a hex key file are found too
    (run / "summary.json").unlink()
    (run / "page.html").write_text(f"<p>{base64.b64encode(key).decode()}</p>", "utf-8")
    (run / "blob.bin").write_bytes(b"\0\1" + key + b"\2")
    hex_file = tmp_path / "keys" / "hex.key"
    hex_file.write_text(key.hex() + "\n")
    assert {(f.file, f.kind) for f in scan_run_folder(run, key_file=hex_file)} == {
        ("page.html", "key"),
        ("blob.bin", "key"),
    }


def test_default_key_location_follows_the_environment(tmp_path: Path, monkeypatch) -> None:
    key = secrets.token_bytes(32)
    key_file = tmp_path / "k.key"
    key_file.write_bytes(key)
    monkeypatch.setenv("KAPACITET_KEY_FILE", str(key_file))
    run = tmp_path / "run"
    run.mkdir()
    (run / "log.txt").write_text(f"key={key.hex().upper()}\n", "utf-8")
    assert [f.kind for f in scan_run_folder(run)] == ["key"]


def test_summary_json_person_keys_and_cpr(tmp_path: Path) -> None:
    summary = {
        "headline": {"v1_persons": 3, "v2_persons": 48, "antal_borgere": [12, 0, 4]},
        "borgere": {"B1": 40, "B2": 1},
        "places": 2,
        "total_cost_kr": 2_101_230_000,
        "note": f"se {CPR_PLAIN}",
    }
    (tmp_path / "summary.json").write_text(json.dumps(summary), "utf-8")
    findings = scan_run_folder(tmp_path, key_file=NO_KEY)
    assert [(f.location, f.kind) for f in findings] == [
        ("$.borgere.B2", "small_count"),
        ("$.headline.antal_borgere[2]", "small_count"),
        ("$.headline.v1_persons", "small_count"),
        ("$.note", "cpr"),
    ]


def test_html_tables_person_columns(tmp_path: Path) -> None:
    long = pl.DataFrame(
        {"Kommune": ["Aarhus", "Samsø"], "Antal borgere": [120, 3], "Antal pladser": [40, 2]}
    )
    (tmp_path / "long.html").write_text(long.to_pandas().to_html(index=False), "utf-8")
    cross = format_for_display(
        suppress_table(
            pl.DataFrame(
                {"k": ["A", "A", "B", "B"], "g": ["x", "y", "x", "y"], "n": [9, 8, 2, 6]}
            ),
            row="k",
            col="g",
            count="n",
        )
    )
    (tmp_path / "safe.html").write_text(cross.to_pandas().to_html(index=False), "utf-8")
    leaky = cross.with_columns(pl.col("x").replace("·", "2"))
    (tmp_path / "leaky.html").write_text(leaky.to_pandas().to_html(index=False), "utf-8")
    (tmp_path / "polars.html").write_text(long._repr_html_(), "utf-8")
    findings = scan_run_folder(tmp_path, key_file=NO_KEY)
    assert [(f.file, f.location) for f in findings] == [
        ("leaky.html", "table 1 (line 1), body row 1, column 'x'"),
        ("leaky.html", "table 1 (line 1), body row 2, column 'x'"),
        ("long.html", "table 1 (line 1), body row 2, column 'Antal borgere'"),
        ("polars.html", "table 1 (line 8), body row 2, column 'Antal borgere'"),
    ]


def test_csv_and_parquet(tmp_path: Path) -> None:
    pl.DataFrame(
        {"Kommune": ["A", "B"], "Antal borgere": [7, 2], "Antal pladser": [3, 1]}
    ).write_csv(tmp_path / "t.csv", separator=";")
    pl.DataFrame(
        {"kommune": ["751", "741"], "note": ["ok", f"x {CPR_DASH}"], "n_persons": [10, 3]}
    ).write_parquet(tmp_path / "f.parquet")
    findings = scan_run_folder(tmp_path, key_file=NO_KEY)
    assert [(f.file, f.location, f.kind) for f in findings] == [
        ("f.parquet", "column 'n_persons', row 2", "small_count"),
        ("f.parquet", "column 'note', row 2", "cpr"),
        ("t.csv", "row 3, column 'Antal borgere'", "small_count"),
    ]


# -- the clean run folder ------------------------------------------------------------------
def test_clean_run_folder_passes(tmp_path: Path) -> None:
    counts = person_figure([12, None, 40, 9])
    counts.add_trace(go.Scatter(x=np.arange(2018, 2030), y=np.linspace(0.5, 3.5, 12), name="rate"))
    counts.add_trace(
        go.Scatter(x=[2024, 2025], y=np.array([2_101_230_000.0, 1.0]), name="kr. (unmarked)")
    )
    (tmp_path / "index.html").write_text(counts.to_html(include_plotlyjs=True), "utf-8")
    table = suppress_table(
        pl.DataFrame(
            {
                "k": ["Aarhus", "Aarhus", "Samsø", "Samsø", "Skive", "Skive"],
                "g": ["V1", "V2"] * 3,
                "n": [40, 25, 3, 6, 12, 30],
            }
        ),
        row="k",
        col="g",
        count="n",
    )
    shown = format_for_display(table)
    (tmp_path / "tabel.html").write_text(shown.to_pandas().to_html(index=False), "utf-8")
    write_xlsx(
        tmp_path / "bilag.xlsx",
        {
            "Borgere": [["Antal borgere efter målgruppe"], []]
            + [shown.columns]
            + [list(r) for r in shown.rows()],
            "Udgifter": [["Kommune", "Antal borgere", "Udgift (kr.)"], ["Aarhus", 65, 2101230000]],
        },
        {("Udgifter", 1, 2): "#,##0"},
    )
    (tmp_path / "summary.json").write_text(
        json.dumps({"v1_persons": 55, "v2_persons": 0, "year": 2024, "cpr_count": 0}), "utf-8"
    )
    nb = new_notebook(
        cells=[
            new_code_cell(
                "x",
                outputs=[
                    new_output(
                        "display_data",
                        data={"text/html": f"<script>{get_plotlyjs()}</script>"},
                    )
                ],
            )
        ]
    )
    nbformat.write(nb, tmp_path / "run.ipynb")
    (tmp_path / "run.log").write_text("loaded 6123 rows in 0.0123456789 s; id 12345678901\n")
    reveal = Path(__file__).parents[1] / "capacity" / "vendor" / "revealjs" / "reveal.js"
    if reveal.exists():  # slides inline the vendored reveal.js next to the figures
        slides = counts.to_html(include_plotlyjs=True, full_html=False)
        (tmp_path / "slides.html").write_text(
            f"<html><script>{reveal.read_text('utf-8')}</script>{slides}</html>", "utf-8"
        )
    assert scan_run_folder(tmp_path, key_file=NO_KEY) == []


# -- patterns ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "hits"),
    [
        ("cpr 010190-1234 here", 1),
        ("0101901234", 1),
        ("3102901234", 0),  # 31 February
        ("2902001234", 0),  # digit 7 = 1 and yy 00: 29 Feb 1900, which did not exist
        ("2902004234", 1),  # digit 7 = 4 and yy 00: year 2000, a leap year
        ("x 12345678901 y", 0),  # part of a longer number
        ("0.0101901234", 0),  # a decimal fraction
        ("0101901234.5", 0),
        ("abc0101901234", 0),
        ("a;0101901234;b", 1),
    ],
)
def test_cpr_pattern(text: str, hits: int) -> None:
    assert len(list(find_cprs(text))) == hits
    for _, masked in find_cprs(text):
        assert not any(ch.isdigit() for ch in masked)


def test_cpr_helpers_and_numbers() -> None:
    assert cpr_birth_date("2902001234") is None  # 1900 was no leap year
    assert str(cpr_birth_date("2902004234")) == "2000-02-29"
    assert is_cpr_number(101901234.0)  # Excel dropped the leading zero
    assert not is_cpr_number(3101.5)
    assert parse_number("1.234") == 1234
    assert parse_number("3,5") == 3.5
    assert parse_number('"3"') == 3
    assert parse_number("<5") is None and parse_number("·") is None
