"""`capacity report`: ingest (idempotent) and run every report page into a new run folder."""

from __future__ import annotations

from pathlib import Path

import typer


def report(
    data_raw: Path = typer.Option(None, "--data-raw", help="Input folder (default: data_raw/)."),
    db: Path = typer.Option(
        None, "--db", help="Database file (default: data_clean/capacity.duckdb)."
    ),
    out: Path = typer.Option(None, "--out", help="Folder for run folders (default: reports/)."),
    skip_ingest: bool = typer.Option(
        False,
        "--skip-ingest",
        help="Use the database as it is instead of ingesting data_raw/ first.",
    ),
) -> None:
    """Run the regional capacity report: ingest, execute the notebooks, write index.html."""
    from capacity.cli_output import console, make_progress, print_summary
    from capacity.errors import DataQualityError
    from capacity.report.runner import expand_pages, run_report

    if not skip_ingest:
        from capacity.commands.ingest import run_and_report

        ingested = run_and_report(data_raw, db)
        # Quarantined files are reported on the data-quality page; anything worse stops the run.
        if ingested.failed or ingested.missing_required:
            console.print("[red]Ingest failed: the report was not run.[/red]")
            raise typer.Exit(1)
    pages = expand_pages()
    try:
        with make_progress() as progress:
            task = progress.add_task("Kører rapportsider", total=len(pages))
            result = run_report(
                db, out, pages=pages, on_page_done=lambda _r: progress.advance(task)
            )
    except DataQualityError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    print_summary(
        f"Rapportkørsel {result.run_dir.name}",
        ["Side", "Status", "Sekunder", "Fejl"],
        [(p.title, p.status, f"{p.seconds:.1f}", p.error or "") for p in result.pages],
    )
    for finding in result.findings:
        console.print(f"[red]Publiceringskontrol: {finding}[/red]")
    console.print(f"Rapport: {result.index_html.resolve()}")
    console.print(f"Tid i alt: {result.seconds:.1f} s")
    if not result.ok:
        raise typer.Exit(1)
