"""`capacity forecast`: one target group's demand forecast, tested by backtest, as a CSV."""

from __future__ import annotations

from pathlib import Path

import typer


def _fmt(value: object, digits: int = 2) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def forecast(
    target_group: str = typer.Option(
        ..., "--target-group", help="Target group id: B1, B2, B3, V1, V2, V3, V4 or X."
    ),
    horizon: int = typer.Option(6, "--horizon", help="Years ahead of the last complete year."),
    db: Path = typer.Option(
        None, "--db", help="Database file (default: data_clean/capacity.duckdb)."
    ),
    out: Path = typer.Option(
        None, "--out", help="Output CSV (default: reports/forecast_<GROUP>.csv)."
    ),
) -> None:
    """Forecast one target group (every model + the principal one) and print the backtest."""
    import polars as pl

    from capacity.cli_output import console, err_console, make_progress, print_summary
    from capacity.config import reports_dir
    from capacity.db import connect_readonly
    from capacity.errors import DataQualityError
    from capacity.forecast import forecast_target_group, load_forecast_input
    from capacity.forecast.outputs import write_forecast_table

    group = target_group.strip().upper()
    if horizon < 1:
        err_console.print("[red]--horizon must be at least 1.[/red]")
        raise typer.Exit(1)
    try:
        with make_progress() as bar:
            task = bar.add_task(f"Forecast {group}", total=2)
            con = connect_readonly(db)
            try:
                inp = load_forecast_input(con, group)
            finally:
                con.close()
            bar.advance(task)
            result = forecast_target_group(inp, horizon=horizon)
            bar.advance(task)
    except DataQualityError as exc:
        err_console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from None

    path = out or reports_dir() / f"forecast_{group}.csv"
    write_forecast_table(result.table, path)
    for note in result.notes:
        console.print(f"[yellow]{note}[/yellow]")

    principal = result.principal.get("census", "")
    rows = []
    if result.backtest is not None:
        summary = result.backtest.summary.filter(pl.col("quantity") == "census").sort("rmae")
        board = result.backtest.scoreboard.filter(
            (pl.col("quantity") == "census") & (pl.col("level") == "region")
        )
        for r in summary.iter_rows(named=True):
            by_h = {
                int(b["h"]): b["rmae"]
                for b in board.filter(pl.col("model") == r["model"]).iter_rows(named=True)
            }
            rows.append(
                [
                    r["model"],
                    "*" if r["model"] == principal else "",
                    *(_fmt(by_h.get(h)) for h in (1, 2, 3, 4)),
                    _fmt(r["region_cov80"]),
                    _fmt(r["region_cov95"]),
                    _fmt(r["municipality_rmae"]),
                    "yes" if r["eligible"] else "no",
                ]
            )
    print_summary(
        f"Backtest of {group}: average daily census, region level (P = principal; rMAE < 1 "
        "beats naive; Cov = interval coverage; OK = intervals acceptable)",
        ["Model", "P", "rMAE1", "rMAE2", "rMAE3", "rMAE4", "Cov80", "Cov95", "rMAE mun.", "OK"],
        rows,
    )
    last = result.table.filter(
        (pl.col("level") == "region")
        & (pl.col("quantity") == "census")
        & (pl.col("model") == "principal")
    ).sort("year")
    print_summary(
        f"Principal forecast of {group} ({principal}), region, average daily census",
        ["Year", "Mean", "P10", "P90", "P2.5", "P97.5"],
        [
            [
                str(r["year"]),
                _fmt(r["mean"], 0),
                _fmt(r["p10"], 0),
                _fmt(r["p90"], 0),
                _fmt(r["p025"], 0),
                _fmt(r["p975"], 0),
            ]
            for r in last.iter_rows(named=True)
        ],
    )
    console.print(f"Forecast table written to {path}")
