"""Executed notebook → self-contained HTML page (code hidden, nothing loaded from the network)."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat

from capacity.config import PACKAGE_DIR

TEMPLATE_DIR = PACKAGE_DIR / "templates"
REVEAL_DIR = PACKAGE_DIR / "vendor" / "revealjs"
# Anything that would load from the network at view time; plotly adds a MathJax CDN tag per figure.
_REMOTE_SCRIPT = re.compile(r"<script[^>]*\bsrc=[\"']https?://[^>]*>\s*</script>", re.IGNORECASE)


def _strip_for_publication(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    # stderr (library logs, warnings) and the injected-parameters cell are for the run log,
    # not for readers.
    nb = nbformat.from_dict(nb)
    cells = []
    for cell in nb.cells:
        tags = cell.metadata.get("tags", [])
        if "injected-parameters" in tags or "km-reset" in tags:
            continue
        if cell.cell_type == "code":
            cell.outputs = [
                o for o in cell.outputs if not (o.output_type == "stream" and o.name == "stderr")
            ]
        cells.append(cell)
    nb.cells = cells
    return nb


def export_html(executed: Path, html_out: Path, title: str) -> Path:
    """Write the HTML page of an executed notebook."""
    from nbconvert import HTMLExporter

    nb = nbformat.read(executed, as_version=4)
    nb.metadata["title"] = title
    exporter = HTMLExporter(
        template_name="report",
        extra_template_basedirs=[str(TEMPLATE_DIR)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    body, _ = exporter.from_notebook_node(_strip_for_publication(nb))
    body = _REMOTE_SCRIPT.sub("", body)
    html_out.write_text(body, encoding="utf-8")
    return html_out


def export_slides(executed: Path, html_out: Path, title: str) -> Path:
    """Write reveal.js slides of an executed notebook as one self-contained HTML file."""
    from nbconvert import SlidesExporter

    nb = nbformat.read(executed, as_version=4)
    nb.metadata["title"] = title
    exporter = SlidesExporter(
        template_name="slides",
        extra_template_basedirs=[str(TEMPLATE_DIR)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    resources = {
        "km_reveal": {
            name: (REVEAL_DIR / file).read_text(encoding="utf-8")
            for name, file in (
                ("reveal_js", "reveal.js"),
                ("reveal_css", "reveal.css"),
                ("theme_css", "white.css"),
            )
        }
    }
    body, _ = exporter.from_notebook_node(_strip_for_publication(nb), resources=resources)
    body = _REMOTE_SCRIPT.sub("", body)
    html_out.write_text(body, encoding="utf-8")
    return html_out
