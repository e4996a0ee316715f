"""`capacity check-publication DIR`: scan a report run folder before anything is published."""

from __future__ import annotations

from pathlib import Path

import typer

_KIND_LABELS = {
    "small_count": "small count",
    "cpr": "CPR number",
    "key": "key",
    "unreadable": "unreadable",
}


def check_publication(
    run_dir: Path = typer.Argument(..., help="Report run folder to scan (reports/<run>)."),
    threshold: int | None = typer.Option(
        None, "--threshold", help="Smallest publishable person count (default: disclosure.yaml)."
    ),
    key_file: Path | None = typer.Option(
        None, "--key-file", help="Pseudonymisation key to look for (default: the configured one)."
    ),
) -> None:
    """Scan a run folder for small person counts, CPR numbers and the pseudonymisation key.

    Exits 1 and lists file and location of every finding (values are never printed)."""
    from capacity.cli_output import console, print_summary
    from capacity.disclosure.rules import DisclosureError
    from capacity.disclosure.scan import scan_run_folder

    try:
        findings = scan_run_folder(run_dir, threshold=threshold, key_file=key_file)
    except DisclosureError as exc:
        console.print(f"[red]check-publication: {exc}[/red]", soft_wrap=True)
        raise typer.Exit(1) from None
    n_files = sum(1 for p in Path(run_dir).rglob("*") if p.is_file())
    if not findings:
        print_summary(
            "Publication check: nothing found",
            ["folder", "files scanned", "findings"],
            [(str(run_dir), n_files, 0)],
        )
        return
    print_summary(
        f"Publication check: {len(findings)} finding(s) in {run_dir} — do not publish",
        ["file", "location", "kind", "what"],
        [(f.file, f.location, _KIND_LABELS.get(f.kind, f.kind), f.description) for f in findings],
    )
    raise typer.Exit(1)
