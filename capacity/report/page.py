"""What a report notebook calls first and last: rendering set-up, database, summary figures.

The runner passes the database and run folder through the kernel's environment
(``CAPACITY_DB``, ``CAPACITY_RUN_DIR``), so notebooks hold no file paths.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from capacity.db import connect_readonly

SYNTHETIC_BANNER = (
    '<div class="km-synthetic" style="background:#fff3cd;border:1px solid #c9a227;'
    'padding:0.6em 1em;margin:0.5em 0 1em 0;font-weight:600">'
    "SYNTETISKE DATA — siden er lavet på det indbyggede demodatasæt. Tallene handler ikke om "
    "rigtige borgere og må ikke bruges til beslutninger.</div>"
)


@dataclass
class Page:
    """Context of one report page: read-only database connection and run facts."""

    slug: str
    con: duckdb.DuckDBPyConnection
    synthetic: bool
    run_dir: Path | None
    _tables: int = 0

    def table(
        self,
        df: Any,
        title: str,
        decimals: dict[str, int] | None = None,
        footnote: str = "",
        annex: bool = True,
    ) -> Any:
        """Show a published table and keep it for the run's Excel annex (bilag.xlsx).

        ``df`` must already be publishable (suppressed or formatted by capacity.disclosure).
        """
        from capacity.report.annex import save_annex_table
        from capacity.report.tables import show_table

        self._tables += 1
        if annex and self.run_dir is not None:
            save_annex_table(self.run_dir, self.slug, self._tables, title, df, footnote=footnote)
        return show_table(df, decimals, caption=title, footnote=footnote)

    def save_pngs(self, figures: dict[str, Any]) -> None:
        """Static PNG copies of the page's headline figures in ``<run>/figurer/``."""
        from capacity.report.images import export_pngs

        export_pngs(self.run_dir, figures)

    def banner(self) -> Any:
        """The synthetic-data label as an HTML display object (empty when data are real)."""
        from IPython.display import HTML

        return HTML(SYNTHETIC_BANNER if self.synthetic else "")


def _setup_rendering() -> None:
    # Under Papermill plotly >= 6 defaults to a MIME renderer that nbconvert drops silently;
    # the notebook renderer embeds plotly.js once and each figure as HTML.
    import plotly.io as pio

    pio.renderers.default = os.environ.get("PLOTLY_RENDERER", "notebook")
    pio.templates.default = "plotly_white"


def start_page(slug: str) -> Page:
    """Prepare a report page: plotly rendering, read-only database, synthetic-data flag."""
    _setup_rendering()
    con = connect_readonly()
    rows = con.execute("SELECT value FROM meta WHERE key = 'synthetic'").fetchall()
    run_dir = os.environ.get("CAPACITY_RUN_DIR")
    return Page(
        slug=slug,
        con=con,
        synthetic=bool(rows and rows[0][0] == "true"),
        run_dir=Path(run_dir) if run_dir else None,
    )


def write_summary(page: Page, values: dict[str, Any]) -> None:
    """Store a page's headline figures; the runner merges them into the run's summary.json.

    Outside a report run (an analyst in JupyterLab) nothing is written.
    """
    if page.run_dir is None:
        return
    out = page.run_dir / "summary" / f"{page.slug}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(values, ensure_ascii=False, indent=2, sort_keys=True), "utf-8")
