"""The `capacity` command line (Typer). Each command lives in capacity/commands/<name>.py.

Logging is configured here and only here; the library only creates loggers.
"""

from __future__ import annotations

import logging

import typer

from capacity.commands.check_publication import check_publication
from capacity.commands.demo import demo
from capacity.commands.forecast import forecast
from capacity.commands.ingest import ingest
from capacity.commands.lab import lab
from capacity.commands.report import report

app = typer.Typer(
    name="capacity",
    help="Kapacitet Midt: capacity analysis for the specialised social area.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _main(verbose: bool = typer.Option(False, "--verbose", "-v", help="Show debug logging.")):
    """Configure logging once for the whole command."""
    from rich.logging import RichHandler

    from capacity.cli_output import err_console

    level = logging.DEBUG if verbose else logging.INFO
    handler: logging.Handler
    if err_console.is_terminal:
        handler = RichHandler(console=err_console, show_path=False)
    else:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=level, handlers=[handler], force=True)
    for noisy in ("papermill", "traitlets", "nbconvert", "choreographer", "kaleido", "asyncio"):
        logging.getLogger(noisy).setLevel(logging.INFO if verbose else logging.WARNING)


app.command("demo")(demo)
app.command("ingest")(ingest)
app.command("forecast")(forecast)
app.command("report")(report)
app.command("lab")(lab)
app.command("check-publication")(check_publication)
