"""Static PNG copies of headline figures (kaleido with the system's Chromium)."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import plotly.graph_objects as go

from capacity.report.browser import CHROMIUM, chromium_available

log = logging.getLogger(__name__)


def export_pngs(
    run_dir: Path | None, figures: dict[str, go.Figure], width: int = 1200, height: int = 650
) -> list[Path]:
    """Write ``<run>/figurer/<name>.png`` for each figure in one browser session.

    Returns the written paths; outside a report run, or without Chromium, writes nothing.
    """
    if run_dir is None or not figures:
        return []
    if not chromium_available():
        log.warning("Chromium not found: static PNG figures were not written")
        return []
    import plotly.io as pio

    os.environ.setdefault("BROWSER_PATH", CHROMIUM)
    out_dir = run_dir / "figurer"
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [out_dir / f"{name}.png" for name in figures]
    pio.write_images(list(figures.values()), paths, width=width, height=height, scale=1)
    return paths
