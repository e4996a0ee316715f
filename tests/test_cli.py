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
