"""Open report pages in headless Chromium with the network blocked (tests and screenshots)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
# Flags for a root user on a closed network (reference/style.md §4).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass
class PageCheck:
    """What a browser saw on one page."""

    url: str
    page_errors: list[str] = field(default_factory=list)
    blocked_requests: list[str] = field(default_factory=list)
    charts: int = 0
    charts_rendered: int = 0
    code_cells_visible: int = 0
    screenshot: Path | None = None


def chromium_available() -> bool:
    """True when the system Chromium that Playwright and kaleido use is installed."""
    return Path(CHROMIUM).exists() or shutil.which("chromium") is not None


def check_pages(
    pages: list[tuple[Path, str]], screenshot_dir: Path | None = None, size=(1280, 900)
) -> list[PageCheck]:
    """Open each (html file, url fragment) offline; count rendered charts; keep screenshots."""
    from playwright.sync_api import sync_playwright

    results = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            for path, fragment in pages:
                page = browser.new_page(viewport={"width": size[0], "height": size[1]})
                check = PageCheck(url=path.resolve().as_uri() + fragment)

                def _route(route, check=check):
                    if route.request.url.startswith("file:"):
                        route.continue_()
                    else:
                        check.blocked_requests.append(route.request.url)
                        route.abort()

                page.route("**/*", _route)
                page.on("pageerror", lambda exc, check=check: check.page_errors.append(str(exc)))
                page.goto(check.url, wait_until="load")
                page.wait_for_timeout(800)
                check.charts = page.locator(".plotly-graph-div").count()
                check.charts_rendered = page.evaluate(
                    """() => [...document.querySelectorAll('.plotly-graph-div')].filter(
                        d => { const s = d.querySelector('svg.main-svg');
                               return s && s.getBoundingClientRect().width > 0
                                      && d.querySelectorAll('.trace, .bars, .scatterlayer path,'
                                         + ' .heatmaplayer image, .pielayer path').length > 0; }
                    ).length"""
                )
                check.code_cells_visible = page.evaluate(
                    """() => [...document.querySelectorAll('.jp-CodeCell .jp-InputArea, pre code,'
                        + ' .jp-InputArea-editor')].filter(e => e.offsetParent !== null).length"""
                )
                if screenshot_dir is not None:
                    screenshot_dir.mkdir(parents=True, exist_ok=True)
                    check.screenshot = (
                        screenshot_dir / f"{path.stem}{fragment.replace('#/', '-')}.png"
                    )
                    page.screenshot(path=str(check.screenshot), full_page=not fragment)
                results.append(check)
                page.close()
        finally:
            browser.close()
    return results
