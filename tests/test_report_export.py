"""The report runner executes a notebook with Papermill and the HTML keeps its charts offline.

plotly >= 6 under Papermill defaults to a MIME renderer that nbconvert drops silently; these tests
prove the charts are really in the exported HTML, and that the check would catch their absence.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from capacity.report.runner import PageSpec, _drop_kernel, execute_page

NOTEBOOK = """# %%
import plotly.graph_objects as go

# %% tags=["parameters"]
n_figures: int = 2

# %%
go.Figure(go.Bar(x=["a", "b"], y=[7, 9]))

# %%
go.Figure(go.Scatter(x=[1, 2, 3], y=[3, 1, 2]))

# %%
import sys
print("a log line", file=sys.stderr)
"""


def _run(tmp_path: Path, renderer: str) -> str:
    nb = tmp_path / "nb.py"
    nb.write_text(NOTEBOOK, encoding="utf-8")
    old = os.environ.get("PLOTLY_RENDERER")
    os.environ["PLOTLY_RENDERER"] = renderer
    _drop_kernel()  # a worker's kernel keeps the environment it was started with
    try:
        res = execute_page(PageSpec(str(nb), "p", "Testside"), str(tmp_path), 180, 120, 1)
    finally:
        _drop_kernel()
        if old is None:
            os.environ.pop("PLOTLY_RENDERER", None)
        else:
            os.environ["PLOTLY_RENDERER"] = old
    assert res.status == "ok", res.error
    assert (tmp_path / "notebooks" / "p.ipynb").exists()
    return (tmp_path / "p.html").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def html(tmp_path_factory: pytest.TempPathFactory) -> str:
    return _run(tmp_path_factory.mktemp("export"), "notebook")


def test_charts_are_in_the_html(html: str):
    assert html.count("Plotly.newPlot(") == 2


def test_plotly_js_embedded_exactly_once(html: str):
    # the library's own banner comment appears once per embedded copy
    assert len(re.findall(r"\* plotly\.js v\d+\.\d+\.\d+", html)) == 1


def test_nothing_loads_from_the_network(html: str):
    assert not re.search(r"<script[^>]+src=[\"']https?://", html, re.IGNORECASE)
    assert not re.search(r"<link[^>]+href=[\"']https?://", html, re.IGNORECASE)


def test_code_and_stderr_are_hidden(html: str):
    assert "import plotly.graph_objects" not in html
    assert "n_figures" not in html
    assert "a log line" not in html


def test_mime_renderer_would_lose_the_charts(tmp_path: Path):
    # The pitfall this runner exists to avoid: without the notebook renderer no chart survives.
    html = _run(tmp_path, "plotly_mimetype")
    assert html.count("Plotly.newPlot(") == 0
