"""`capacity report` end to end on the demo region: pages, index, summary, offline HTML."""

from __future__ import annotations

import json
import re

import pytest

pytestmark = pytest.mark.slow


def test_every_page_ran(demo_report):
    failed = [(p.slug, p.error) for p in demo_report.pages if p.status != "ok"]
    assert failed == []
    assert demo_report.ok


def test_run_passes_publication_check(demo_report):
    from capacity.disclosure import scan_run_folder

    assert demo_report.findings == []
    assert scan_run_folder(demo_report.run_dir) == []


def test_index_links_every_page(demo_report):
    index = demo_report.index_html.read_text(encoding="utf-8")
    for page in demo_report.pages:
        assert f'href="{page.html}"' in index
        assert (demo_report.run_dir / page.html).exists()
    assert "SYNTETISKE DATA" in index


def test_pages_carry_charts_and_no_code(demo_report):
    html = (demo_report.run_dir / "overblik.html").read_text(encoding="utf-8")
    assert html.count("Plotly.newPlot(") >= 1
    assert "start_page(" not in html
    assert not re.search(r"<script[^>]+src=[\"']https?://", html, re.IGNORECASE)
    assert "SYNTETISKE DATA" in html


def test_summary_json(demo_report):
    summary = json.loads((demo_report.run_dir / "summary.json").read_text(encoding="utf-8"))
    assert summary["run"]["pages_failed"] == 0
    assert summary["data"]["synthetic"] is True
    assert summary["data"]["tilbudsportalen_extracts"]
    assert summary["pages"]["overblik"]["placed_persons"] > 0


def test_executed_notebooks_stay_in_the_run_folder(demo_report):
    from capacity.config import NOTEBOOK_DIR

    assert sorted(p.stem for p in (demo_report.run_dir / "notebooks").glob("*.ipynb")) == sorted(
        p.slug for p in demo_report.pages
    )
    assert not list(NOTEBOOK_DIR.rglob("*.ipynb"))


def test_headline_png_written(demo_report):
    from capacity.report.browser import chromium_available

    if not chromium_available():
        pytest.skip("needs /usr/bin/chromium for kaleido")
    png = demo_report.run_dir / "figurer" / "borgere_i_tilbud.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
