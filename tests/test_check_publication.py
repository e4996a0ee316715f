"""`capacity check-publication DIR`: exit codes and masked output."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import pytest
import typer
from typer.testing import CliRunner

from capacity.commands.check_publication import check_publication
from capacity.disclosure import mark_person_counts

CPR = "241205-4321"  # synthetic, valid birth date 24 Dec 2005


@pytest.fixture
def cli() -> typer.Typer:
    app = typer.Typer()
    app.command()(check_publication)
    return app


@pytest.fixture
def key_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "secret" / "pseudonymisation.key"
    path.parent.mkdir()
    path.write_bytes(secrets.token_bytes(32))
    monkeypatch.setenv("KAPACITET_KEY_FILE", str(path))
    return path


def clean_run(root: Path) -> Path:
    run = root / "run"
    run.mkdir()
    fig = mark_person_counts(go.Figure(go.Bar(x=["a", "b"], y=np.array([7.0, np.nan]))))
    (run / "index.html").write_text(fig.to_html(include_plotlyjs=False), "utf-8")
    (run / "summary.json").write_text(json.dumps({"v1_persons": 7}), "utf-8")
    return run


def test_clean_folder_exits_0(cli, tmp_path: Path, key_file: Path) -> None:
    result = CliRunner().invoke(cli, [str(clean_run(tmp_path))])
    assert result.exit_code == 0, result.output
    assert "nothing found" in result.output


def test_findings_exit_1_with_masked_output(
    cli, tmp_path: Path, key_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from capacity.cli_output import console

    monkeypatch.setattr(console, "width", 240)  # one table row per line
    run = clean_run(tmp_path)
    fig = mark_person_counts(go.Figure(go.Bar(x=["a", "b"], y=np.array([7.0, 2.0]))))
    (run / "side.html").write_text(fig.to_html(include_plotlyjs=False), "utf-8")
    (run / "run.log").write_text(f"row with {CPR} rejected\n", "utf-8")
    (run / "debug.json").write_text(json.dumps({"k": key_file.read_bytes().hex()}), "utf-8")
    result = CliRunner().invoke(cli, [str(run)])
    assert result.exit_code == 1
    out = result.output
    assert "side.html" in out and "run.log" in out and "debug.json" in out
    assert "person count below 5" in out
    assert "CPR-shaped number" in out and "pseudonymisation key (hex)" in out
    assert CPR not in out and "4321" not in out
    assert key_file.read_bytes().hex() not in out


def test_threshold_option_and_missing_folder(cli, tmp_path: Path, key_file: Path) -> None:
    run = clean_run(tmp_path)
    (run / "summary.json").write_text(json.dumps({"v1_persons": 4}), "utf-8")
    assert CliRunner().invoke(cli, [str(run)]).exit_code == 1
    assert CliRunner().invoke(cli, [str(run), "--threshold", "3"]).exit_code == 0
    missing = CliRunner().invoke(cli, [str(tmp_path / "nope")])
    assert missing.exit_code == 1
    assert "not a folder" in missing.output
