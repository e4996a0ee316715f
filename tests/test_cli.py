"""The `capacity` command line: every command answers --help."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from capacity.cli import app

runner = CliRunner()
COMMANDS = [c.name for c in app.registered_commands]


def test_top_level_help_lists_the_commands():
    res = runner.invoke(app, ["--help"])
    assert res.exit_code == 0
    for name in ("demo", "ingest", "report"):
        assert name in res.output


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command):
    res = runner.invoke(app, [command, "--help"])
    assert res.exit_code == 0, res.output
    assert "Usage" in res.output


def test_unknown_command_fails():
    assert runner.invoke(app, ["no-such-command"]).exit_code != 0


def test_python_dash_m_capacity_is_the_same_cli():
    import subprocess
    import sys

    res = subprocess.run(
        [sys.executable, "-m", "capacity", "report", "--help"],
        check=False,
        capture_output=True,
        text=True,
    )
    assert res.returncode == 0, res.stderr
    assert "Usage: capacity report" in res.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "capacity", "no-such-command"], check=False, capture_output=True
    )
    assert bad.returncode != 0
