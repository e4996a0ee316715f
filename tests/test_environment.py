"""environment.yml stays consistent with pyproject.toml, and the repository stays clean."""

from __future__ import annotations

import re
import subprocess
import tomllib

import yaml

from capacity.config import PROJECT_ROOT


def _pyproject() -> dict:
    return tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_environment_yml_installs_the_project_from_pyproject():
    env = yaml.safe_load((PROJECT_ROOT / "environment.yml").read_text(encoding="utf-8"))
    deps = env["dependencies"]
    conda = [d for d in deps if isinstance(d, str)]
    pip = next(d["pip"] for d in deps if isinstance(d, dict) and "pip" in d)
    # Only Python and pip come from conda; every library comes from pyproject via pip.
    assert {re.split(r"[=<>]", d)[0] for d in conda} == {"python", "pip"}
    assert pip == ["-e .[dev]"], "environment.yml must install the project itself, nothing else"
    extras = _pyproject()["project"]["optional-dependencies"]
    assert "dev" in extras


def test_python_version_agrees():
    env = yaml.safe_load((PROJECT_ROOT / "environment.yml").read_text(encoding="utf-8"))
    python = next(d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python"))
    version = python.split("=")[-1]
    requires = _pyproject()["project"]["requires-python"]
    minimum = requires.removeprefix(">=")
    assert tuple(map(int, version.split("."))) >= tuple(map(int, minimum.split(".")))


def test_statsforecast_pandas_pin_is_declared():
    deps = _pyproject()["project"]["dependencies"]
    assert any(d.startswith("pandas") and "<3" in d for d in deps)


def test_no_executed_notebooks_tracked():
    out = subprocess.run(
        ["git", "ls-files", "*.ipynb"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:  # not a git checkout (e.g. an sdist): nothing to check
        return
    tracked = [f for f in out.stdout.splitlines() if not f.startswith("tests/fixtures/")]
    assert tracked == []


def test_generated_folders_are_ignored():
    probes = [
        "data_raw/placements/751/x.csv",
        "data_clean/capacity.duckdb",
        "reports/20260101-0000-abc/index.html",
        "notebooks/reports/overview.ipynb",
    ]
    out = subprocess.run(
        ["git", "check-ignore", *probes],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode == 128:  # not a git checkout
        return
    assert sorted(out.stdout.split()) == sorted(probes)
    readmes = ["data_raw/README.md", "data_clean/README.md", "reports/README.md"]
    out = subprocess.run(
        ["git", "check-ignore", *readmes],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.stdout.strip() == ""


def test_every_imported_package_is_declared():
    # A module imported by the library but installed only by hand breaks a fresh clone.
    import ast
    import sys

    declared = {
        re.split(r"[<>=!\[ ]", d)[0].lower().replace("-", "_")
        for d in _pyproject()["project"]["dependencies"]
    }
    import_names = {"pyyaml": "yaml", "ipykernel": "IPython"}
    provided = {import_names.get(d, d).lower() for d in declared} | {"ipython"}
    missing = set()
    for path in (PROJECT_ROOT / "capacity").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                if top in sys.stdlib_module_names or top in {"capacity", "__future__"}:
                    continue
                if top.lower() not in provided:
                    missing.add(top)
    assert missing == set()
