"""`capacity ingest`: load every delivery in data_raw/ into the database, nothing lost."""

from __future__ import annotations

from pathlib import Path

import typer


def _status(f) -> str:
    if f.status == "loaded":
        return "loaded (unchanged)" if f.unchanged else "loaded"
    return f"{f.status}: {f.reason}"


def _counts_text(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))


def ingest(
    data_raw: Path = typer.Option(None, "--data-raw", help="Input folder (default: data_raw/)."),
    db: Path = typer.Option(
        None, "--db", help="Database file (default: data_clean/capacity.duckdb)."
    ),
) -> None:
    """Load data_raw/ into the database: every row is loaded or rejected with a reason."""
    if not run_and_report(data_raw, db).ok:
        raise typer.Exit(1)


def run_and_report(data_raw: Path | None, db: Path | None):
    """Run ingest with a progress bar and print its summary; returns the IngestResult.

    Exits 2 on a key mismatch or a held lock, 1 on other data problems that stop the run.
    """
    from rich.console import Console
    from rich.table import Table

    from capacity.cli_output import console, err_console, make_progress
    from capacity.errors import DataQualityError, KeyMismatchError, WriterLockedError
    from capacity.ingest import run_ingest

    try:
        with make_progress() as bar:
            task = bar.add_task("Ingest", total=None)

            def progress(done: int, total: int, file: str) -> None:
                bar.update(task, completed=done, total=total, description=file or "Ingest")

            result = run_ingest(data_raw, db, progress=progress)
    except (KeyMismatchError, WriterLockedError) as exc:
        err_console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    except DataQualityError as exc:
        err_console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from None

    if not console.is_terminal:
        # Logs do not wrap: give the file names room instead of cutting them at 80 columns.
        console = Console(width=max(console.width, 160), file=console.file)
    for notice in result.notices:
        console.print(f"[yellow]{notice}[/yellow]")
    # Like print_summary, but long file names fold instead of being cut off.
    table = Table(title=f"Ingest of {result.data_raw} into {result.db}", title_justify="left")
    widest = max((len(f.file) for f in result.files), default=4)
    # The other columns need about 55 characters; the file name folds into what is left.
    table.add_column("File", overflow="fold", min_width=max(12, min(widest, console.width - 55)))
    for name in ("Profile", "Encoding", "Rows in", "Loaded", "Rejected", "Status"):
        table.add_column(name, overflow="fold")
    for f in result.files:
        table.add_row(
            f.file,
            f.profile or "",
            f.encoding or "",
            str(f.rows_in),
            str(f.rows_loaded),
            str(f.rows_rejected),
            _status(f),
        )
    console.print(table)
    t = result.totals()
    console.print(
        f"Total: {t['files']} files = {t['loaded']} loaded + {t['quarantined']} quarantined"
        + (f" + {t['failed']} failed" if t["failed"] else "")
        + f"; {t['rows_in']} rows in = {t['rows_loaded']} loaded + {t['rows_rejected']} "
        f"rejected; {t['blank_lines']} blank lines skipped."
    )
    rejects: dict[str, int] = {}
    warnings: dict[str, int] = {}
    for f in result.files:
        for k, v in f.reject_counts.items():
            rejects[k] = rejects.get(k, 0) + v
        for k, v in f.warning_counts.items():
            warnings[k] = warnings.get(k, 0) + v
    if rejects:
        console.print(f"Reject reasons (table rejects): {_counts_text(rejects)}.")
    if warnings:
        console.print(f"Loaded with a warning (table load_warnings): {_counts_text(warnings)}.")
    for f in result.files:
        if f.status != "loaded" and f.message:
            console.print(f"[red]{f.message}[/red]")
    for item in result.missing_required:
        console.print(f"[red]Required input not found: {item}[/red]")
    for item in result.missing_optional:
        console.print(f"Not found (optional, skipped): {item}")
    for item in result.ignored_files:
        console.print(f"Ignored (not an input of the data_raw/ layout, or a 2nd copy): {item}")
    for item in result.removed_files:
        console.print(f"No longer in data_raw/, removed from the database: {item}")
    if result.unmatched_providers:
        where = result.suggestions_file or "the provider_suggestions table"
        console.print(
            f"{result.unmatched_providers} provider names have no mapping and no tilbud_id; "
            f"review the suggestions in {where}."
        )
    return result
