"""`capacity demo`: write the synthetic demo region (SYNTETISKE DATA) into data_raw/."""

from __future__ import annotations

from pathlib import Path

import typer


def demo(
    seed: int = typer.Option(
        2024, "--seed", help="Random seed; the same seed gives byte-identical files."
    ),
    data_raw: Path = typer.Option(None, "--data-raw", help="Output folder (default: data_raw/)."),
    force: bool = typer.Option(
        False,
        "--force",
        help="Write into a non-empty folder; removes only files the demo writes itself.",
    ),
) -> None:
    """Write synthetic but realistic demo data (no real persons) in the input formats."""
    import time

    from capacity.cli_output import console, print_summary
    from capacity.config import data_raw_dir
    from capacity.demo.generate import clear_demo_files, demo_paths, write_demo

    target = Path(data_raw) if data_raw is not None else data_raw_dir()
    existing = _existing_files(target)
    if existing and not force:
        console.print(
            f"[red]Mappen {target} er ikke tom ({len(existing)} filer). Demodata skrives kun i en "
            "tom mappe; brug --force for at erstatte tidligere demodata (andre filer bliver "
            "liggende).[/red]"
        )
        raise typer.Exit(1)
    started = time.perf_counter()
    try:
        removed = clear_demo_files(target) if existing else 0
        manifest = write_demo(target, seed=seed)
    except (OSError, RuntimeError, ValueError) as exc:
        console.print(f"[red]Demodata kunne ikke skrives til {target}: {exc}[/red]")
        raise typer.Exit(1) from None
    elapsed = time.perf_counter() - started

    other = manifest["other_files"]

    def rows(prefix: str) -> tuple[int, int]:
        hits = [v["data_rows"] for k, v in other.items() if k.startswith(prefix)]
        return len(hits), sum(hits)

    placements = manifest["placement_files"].values()
    planted = sum(sum(v["rejects"].values()) for v in placements)
    blanks = sum(v["blank_lines"] for v in placements)
    table = [
        ("Placeringsfiler", len(placements), sum(v["data_rows"] for v in placements)),
        ("Tilbudsportalen-udtræk", *rows("tilbudsportalen/")),
        ("Befolkning (faktisk og fremskrevet)", *rows("population/")),
        ("Leverandørmapping", *rows("mappings/")),
        ("Planlagt kapacitet", *rows("planned_capacity")),
        ("Venteliste", *rows("waiting_list")),
        ("Filer der skal i karantæne (bevidst)", len(manifest["quarantined_files"]), ""),
        ("Indlagte fejlrækker / tomme linjer", "", f"{planted} / {blanks}"),
        ("Seed", "", seed),
        ("Tid (sekunder)", "", f"{elapsed:.1f}"),
    ]
    print_summary(f"Syntetiske demodata i {target}", ["Del", "Filer", "Rækker"], table)
    if removed:
        console.print(f"{removed} filer fra tidligere demodata blev erstattet.")
    written = {target / rel for rel in demo_paths(manifest)}
    leftover = len(set(_existing_files(target)) - written)
    if leftover:
        console.print(f"{leftover} andre filer i mappen er ikke rørt.")
    console.print("SYNTETISKE DATA: ingen rigtige personer (se LÆS_MIG_SYNTETISKE_DATA.txt).")


def _existing_files(folder: Path) -> list[Path]:
    """Files in the folder, ignoring hidden files and a top-level README.md."""
    if not folder.is_dir():
        return []
    return [
        p
        for p in folder.rglob("*")
        if p.is_file()
        and not any(part.startswith(".") for part in p.relative_to(folder).parts)
        and p.relative_to(folder).as_posix() != "README.md"
    ]
