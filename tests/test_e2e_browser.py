"""Report pages in headless Chromium with every network request blocked (Playwright)."""

from __future__ import annotations

import pytest

from capacity.report.browser import check_pages, chromium_available

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.slow,
    pytest.mark.skipif(not chromium_available(), reason="needs /usr/bin/chromium"),
]


@pytest.fixture(scope="module")
def checks(demo_report):
    run = demo_report.run_dir
    pages = [(run / "index.html", ""), (run / "overblik.html", ""), (run / "slides.html", "#/1")]
    return {c.url.rsplit("/", 1)[-1]: c for c in check_pages(pages, run / "screenshots")}


def test_no_page_errors_and_nothing_requested_from_the_network(checks):
    for name, check in checks.items():
        assert check.page_errors == [], name
        assert check.blocked_requests == [], name


def test_charts_render(checks):
    assert checks["overblik.html"].charts >= 1
    assert checks["overblik.html"].charts_rendered == checks["overblik.html"].charts
    assert checks["slides.html#/1"].charts_rendered >= 1


def test_no_code_visible(checks):
    assert all(c.code_cells_visible == 0 for c in checks.values())


def test_screenshots_kept(checks):
    for check in checks.values():
        assert check.screenshot is not None and check.screenshot.stat().st_size > 10_000
