"""`capacity lab`: JupyterLab on the notebooks folder, with the project's own kernel."""

from __future__ import annotations

import typer


def lab(
    port: int = typer.Option(8888, "--port", help="Port for JupyterLab on localhost."),
    no_browser: bool = typer.Option(False, "--no-browser", help="Do not open a browser."),
) -> None:
    """Open JupyterLab in notebooks/ (jupytext .py files open as notebooks)."""
    import subprocess
    import sys

    from capacity.config import NOTEBOOK_DIR

    # The kernel named python3 is the one of this interpreter (.venv), so notebooks import
    # the installed `capacity` package; no kernel needs registering.
    cmd = [
        sys.executable, "-m", "jupyterlab", f"--notebook-dir={NOTEBOOK_DIR}",
        f"--ServerApp.port={port}", "--ServerApp.ip=127.0.0.1",
        "--ServerApp.contents_manager_class=jupytext.TextFileContentsManager",
    ]  # fmt: skip
    if no_browser:
        cmd.append("--no-browser")
    raise typer.Exit(subprocess.call(cmd))
