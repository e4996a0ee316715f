"""The index's first screen: headline figures from what the pages published, the target-group
table, the table of contents grouped by kind of page (no report run needed)."""

from __future__ import annotations

from pathlib import Path

from capacity.report.index import group_rows, headline_tiles, page_sections, write_index
from capacity.report.runner import PageResult, RunResult

OVERVIEW = {
    "data_date": "2025-12-31",
    "placed_persons": 10211,
    "groups": [
        {"target_group": "V3", "label": "V3 Voksne med sindslidelse", "placed_persons": 3119},
        {"target_group": "B2", "label": "B2 Børn og unge ...", "placed_persons": None},
        {"target_group": "X", "label": "X Øvrige målgrupper", "placed_persons": 1334},
    ],
    "share_own_municipality_pct": 37.5,
    "share_elsewhere_in_region_pct": 51.7,
    "share_outside_region_pct": 6.7,
    "share_private_pct": 50.4,
    "cost_year": 2025,
    "spend_mio": 11199.6,
    "expensive_over_2mio_persons": 465,
    "expensive_over_2mio_spend_share_pct": 11.0,
    "places_in_region": 9679,
    "capacity_changes_for_approval": 18,
    "open_referrals_persons": 95,
}
TARGET_GROUP = {
    "target_group": "V3",
    "label": "V3 Voksne med sindslidelse",
    "agreement_year": 2028,
    "forecast_agreement_persons": 3300.0,
    "places_apportioned": 3507.3,
    "gap_places_agreement": 120.0,
    "p_shortage_agreement": 0.62,
}
CONF = {
    "title": "Kapacitetsanalyse",
    "pages": [
        {"notebook": "reports/data_quality.py", "slug": "datakvalitet", "title": "Datakvalitet"},
        {"notebook": "reports/overview.py", "slug": "overblik", "title": "Regionalt overblik"},
        {"notebook": "reports/target_group.py", "slug": "maalgruppe", "title": "{label}",
         "foreach": "target_groups", "as": "target_group"},
        {"notebook": "reports/profile.py", "slug": "profil", "title": "Kommuneprofil: {label}",
         "foreach": "municipalities", "as": "kommunekode", "section": "Kommuneprofiler"},
        {"notebook": "reports/summary.py", "slug": "rammeaftale", "title": "Resumé"},
        {"notebook": "slides/theme_day.py", "slug": "slides", "title": "Slides",
         "kind": "slides"},
    ],
}  # fmt: skip
PAGES = {"overblik": "overblik.html", "maalgruppe-v3": "maalgruppe-v3.html"}


def _page(slug: str, title: str, status: str = "ok") -> PageResult:
    return PageResult(slug, title, status, 1.0, html=f"{slug}.html", error=None)


def test_tiles_show_the_published_headline_figures():
    tiles = headline_tiles({"pages": {"overblik": OVERVIEW}}, PAGES)
    text = {t.label: (t.value, t.note) for t in tiles}
    assert text["Borgere i botilbud og anbringelse"][0] == "10.211"
    assert text["Hvor bor de?"][0] == "38 % i egen kommune"
    assert text["Dyre enkeltsager over 2 mio. kr."] == ("465 borgere", "11 % af udgiften")
    assert "Målgrupper med mangel" not in text  # no target-group pages ran


def test_tiles_add_the_gap_when_target_group_pages_ran():
    summary = {"pages": {"overblik": OVERVIEW, "maalgruppe-v3": TARGET_GROUP}}
    tiles = headline_tiles(summary, PAGES)
    gap = next(t for t in tiles if t.label.startswith("Målgrupper med for få pladser"))
    assert gap.value == "1 af 1" and gap.note == "V3"


def test_group_table_shows_what_exists_and_hides_nothing_new():
    columns, rows = group_rows({"pages": {"overblik": OVERVIEW}}, PAGES)
    assert columns == ["Borgere i tilbud i dag"]
    by_group = {r.target_group: r for r in rows}
    assert by_group["B2"].cells["Borgere i tilbud i dag"] == "·"  # suppressed on its page
    assert [r.target_group for r in rows][-1] == "X"
    summary = {"pages": {"overblik": OVERVIEW, "maalgruppe-v3": TARGET_GROUP}}
    columns, rows = group_rows(summary, PAGES)
    v3 = next(r for r in rows if r.target_group == "V3")
    assert v3.href == "maalgruppe-v3.html"
    assert v3.cells["Manglende pladser 2028"] == "+120"
    assert v3.cells["Sandsynlighed for mangel 2028"] == "62 %"


def test_pages_are_grouped_into_sections_in_reading_order():
    pages = [
        _page("slides", "Slides"),
        _page("profil-751", "Kommuneprofil: Aarhus"),
        _page("overblik", "Regionalt overblik"),
        _page("rammeaftale", "Resumé"),
        _page("maalgruppe-v3", "V3"),
        _page("datakvalitet", "Datakvalitet", status="failed"),
    ]
    sections = page_sections(pages, CONF)
    assert [name for name, _ in sections] == [
        "Overblik & datakvalitet",
        "Målgrupper",
        "Kommuneprofiler",
        "Rammeaftale-resumé",
        "Slides",
    ]
    assert [p.slug for p in sections[0][1]] == ["overblik", "datakvalitet"]


def test_index_renders_the_first_screen(tmp_path: Path):
    pages = [_page("overblik", "Regionalt overblik"), _page("profil-741", "Kommuneprofil: Samsø")]
    (tmp_path / "bilag.xlsx").write_bytes(b"x")
    result = RunResult(run_dir=tmp_path, pages=pages, seconds=12.0)
    summary = {
        "run": {"id": "r1", "git_sha": "abc12345", "created": "2026-01-05T10:00:00",
                "pages_ok": 2, "pages_failed": 0, "parameters": {"disclosure_threshold": 5}},
        "data": {"synthetic": True, "data_date": "2025-12-31", "tilbudsportalen_extracts": []},
        "pages": {"overblik": OVERVIEW},
    }  # fmt: skip
    html = write_index(result, summary, CONF).read_text(encoding="utf-8")
    assert "SYNTETISKE DATA" in html
    assert "Data pr. 31. december 2025" in html
    assert '<a href="profil-741.html">Samsø</a>' in html
    assert 'href="bilag.xlsx"' in html
    assert "10.211" in html and "abc12345" in html
