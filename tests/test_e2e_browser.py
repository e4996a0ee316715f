"""Report pages in headless Chromium with every network request blocked (Playwright)."""

from __future__ import annotations

import pytest

from capacity.report.browser import check_pages, chromium_available

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.slow,
    pytest.mark.skipif(not chromium_available(), reason="needs /usr/bin/chromium"),
]

# Rendered plotly charts each page must show (capacity/views: the overview has 13 figures,
# a profile 2, plus its forecast when the run has forecasts and the series may be shown).
OVERVIEW_CHARTS = 13
PROFILE_CHARTS = 2


@pytest.fixture(scope="module")
def checks(demo_report):
    run = demo_report.run_dir
    pages = [
        (run / "index.html", ""),
        (run / "overblik.html", ""),
        (run / "profil-751.html", ""),
        (run / "profil-741.html", ""),
        (run / "slides.html", "#/1"),
    ]
    found = check_pages(pages, run / "screenshots")
    return {f"{path.name}{fragment}": c for (path, fragment), c in zip(pages, found, strict=True)}


def test_no_page_errors_and_nothing_requested_from_the_network(checks):
    for name, check in checks.items():
        assert check.page_errors == [], name
        assert check.blocked_requests == [], name


def test_charts_render(checks, demo_report):
    overview = checks["overblik.html"]
    assert overview.charts == OVERVIEW_CHARTS
    assert overview.charts_rendered == overview.charts
    forecasts = list((demo_report.run_dir / "results").glob("forecast_*.parquet"))
    aarhus = checks["profil-751.html"]
    assert aarhus.charts == PROFILE_CHARTS + (1 if forecasts else 0)
    assert aarhus.charts_rendered == aarhus.charts
    samso = checks["profil-741.html"]  # no forecast: its series are too small to show
    assert samso.charts == PROFILE_CHARTS
    assert samso.charts_rendered == samso.charts
    assert checks["index.html"].charts == 0
    assert checks["slides.html#/1"].charts_rendered >= 1


def test_first_screen_answers_the_questions(demo_report):
    index = demo_report.index_html.read_text(encoding="utf-8")
    for text in (
        "Hovedtal",
        "Borgere i botilbud og anbringelse",
        "Hvor bor de?",
        "Målgrupperne",
        "Indhold",
        "Kommuneprofiler",
        "Om kørslen",
        "git ",
    ):
        assert text in index, text  # fmt: skip
    assert 'href="profil-741.html"' in index and 'href="overblik.html"' in index


def test_no_code_visible(checks):
    assert all(c.code_cells_visible == 0 for c in checks.values())


def test_screenshots_kept(checks):
    for check in checks.values():
        assert check.screenshot is not None and check.screenshot.stat().st_size > 10_000


# -- the target-group page and the theme-day slides ------------------------------------------

# Plotly charts on a target-group page: history, forecast, backtest, gap, scenarios, waterfall,
# pipeline, length of stay.
TARGET_GROUP_CHARTS = 8
# Slides (0-based reveal fragments) that carry a chart: placement, trend, growth, forecast
# panels, gap, lånepulje, pipeline.
SLIDES_WITH_CHARTS = (1, 2, 3, 4, 5, 6, 7)


@pytest.fixture(scope="module")
def group_and_slide_checks(demo_report):
    run = demo_report.run_dir
    pages = [(run / "maalgruppe-v1.html", ""), (run / "rammeaftale.html", "")]
    pages += [(run / "slides.html", f"#/{n}") for n in (0, 3, 5, 8)]
    found = check_pages(pages, run / "screenshots")
    return {f"{path.name}{fragment}": c for (path, fragment), c in zip(pages, found, strict=True)}


def test_target_group_page_and_summary_render_offline(group_and_slide_checks):
    page = group_and_slide_checks["maalgruppe-v1.html"]
    assert page.page_errors == [] and page.blocked_requests == []
    assert page.charts == TARGET_GROUP_CHARTS
    assert page.charts_rendered == page.charts
    assert page.code_cells_visible == 0
    summary = group_and_slide_checks["rammeaftale.html"]
    assert summary.page_errors == [] and summary.blocked_requests == []
    assert summary.charts >= 3 and summary.charts_rendered == summary.charts
    assert summary.code_cells_visible == 0


def test_slides_render_their_charts_on_the_projector_canvas(group_and_slide_checks):
    for n in (0, 3, 5, 8):
        check = group_and_slide_checks[f"slides.html#/{n}"]
        assert check.page_errors == [] and check.blocked_requests == [], n
        assert check.code_cells_visible == 0, n
        assert check.charts == len(SLIDES_WITH_CHARTS), n  # every chart is in the one file
        assert check.screenshot is not None and check.screenshot.stat().st_size > 10_000
    # the chart of the current slide is laid out (reveal hides the others)
    assert group_and_slide_checks["slides.html#/3"].charts_rendered >= 1
    assert group_and_slide_checks["slides.html#/5"].charts_rendered >= 1


def test_target_group_results_are_handed_to_stage_2(demo_report):
    from capacity.results import load_run_forecasts, load_run_gaps

    forecasts = load_run_forecasts(demo_report.run_dir)
    assert forecasts is not None
    assert sorted(forecasts["target_group"].unique()) == ["B1", "B2", "B3", "V1", "V2", "V3", "V4"]
    gaps = load_run_gaps(demo_report.run_dir)
    assert gaps["service_level"].unique().to_list() == ["P(efterspørgsel > kapacitet) ≤ 10 %"]
    summary = (demo_report.run_dir / "summary" / "rammeaftale.json").read_text(encoding="utf-8")
    assert '"V4"' in summary and '"gap_horizon"' in summary
