"""Report notebooks stay thin: one parameters cell of typed literals, then only imports,
library calls and markdown — no def, class, SQL strings or file paths (DESIGN.md §4)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import jupytext
import pytest

from capacity.config import NOTEBOOK_DIR

REPORT_NOTEBOOKS = sorted(
    p for sub in ("reports", "slides") for p in (NOTEBOOK_DIR / sub).glob("*.py")
)
SQL_WORDS = re.compile(r"\b(select|insert|update|delete|create|from|where|join)\b", re.IGNORECASE)
PATH_LIKE = re.compile(r"(/|\\|\.(csv|xlsx|duckdb|parquet|json|html|ipynb|py|yaml)$)")


def _code_cells(path: Path) -> list[tuple[list[str], str]]:
    nb = jupytext.read(path)
    return [(c.metadata.get("tags", []), c.source) for c in nb.cells if c.cell_type == "code"]


def test_there_are_report_notebooks():
    assert REPORT_NOTEBOOKS, "no report notebooks found under notebooks/reports"


@pytest.mark.parametrize("path", REPORT_NOTEBOOKS, ids=lambda p: p.name)
def test_exactly_one_parameters_cell_of_typed_literals(path: Path):
    cells = _code_cells(path)
    params = [src for tags, src in cells if "parameters" in tags]
    assert len(params) == 1, f"{path.name}: expected one parameters cell, found {len(params)}"
    tree = ast.parse(params[0])
    assert tree.body, f"{path.name}: the parameters cell is empty"
    for node in tree.body:
        assert isinstance(node, ast.AnnAssign), (
            f"{path.name}: parameters must be annotated assignments (name: type = literal)"
        )
        assert node.value is not None
        ast.literal_eval(node.value)  # raises when the value is not a literal


@pytest.mark.parametrize("path", REPORT_NOTEBOOKS, ids=lambda p: p.name)
def test_first_code_cell_only_imports(path: Path):
    first = _code_cells(path)[0][1]
    for node in ast.parse(first).body:
        assert isinstance(node, ast.Import | ast.ImportFrom), (
            f"{path.name}: the first code cell may only import"
        )
    for node in ast.walk(ast.parse(first)):
        if isinstance(node, ast.ImportFrom):
            assert (node.module or "").startswith("capacity"), (
                f"{path.name}: import from the capacity library only ({node.module})"
            )


@pytest.mark.parametrize("path", REPORT_NOTEBOOKS, ids=lambda p: p.name)
def test_no_logic_sql_or_paths(path: Path):
    for _tags, src in _code_cells(path):
        tree = ast.parse(src)
        for node in ast.walk(tree):
            assert not isinstance(
                node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda
            ), f"{path.name}: define functions in capacity/, not in the notebook"
            assert not isinstance(node, ast.For | ast.While | ast.With | ast.Try), (
                f"{path.name}: loops and error handling belong in capacity/"
            )
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                text = node.value
                assert not (SQL_WORDS.search(text) and len(SQL_WORDS.findall(text)) >= 2), (
                    f"{path.name}: SQL belongs in capacity/sql/: {text[:40]!r}"
                )
                assert not PATH_LIKE.search(text), f"{path.name}: file path in notebook: {text!r}"


def test_rule_checker_catches_a_fat_notebook(tmp_path: Path):
    fat = tmp_path / "fat.py"
    fat.write_text(
        '# %%\nimport capacity\n\n# %% tags=["parameters"]\nx: int = 1\n\n'
        "# %%\ndef f():\n    return 1\n",
        encoding="utf-8",
    )
    with pytest.raises(AssertionError, match="define functions"):
        test_no_logic_sql_or_paths(fat)
    sql = tmp_path / "sql.py"
    sql.write_text(
        '# %%\nimport capacity\n\n# %% tags=["parameters"]\nx: int = 1\n\n'
        "# %%\ncapacity.run('SELECT a FROM t')\n",
        encoding="utf-8",
    )
    with pytest.raises(AssertionError, match="SQL belongs"):
        test_no_logic_sql_or_paths(sql)
    params = tmp_path / "params.py"
    params.write_text(
        "# %%\nimport capacity\n\n# %% tags=[\"parameters\"]\nx = len('a')\n", encoding="utf-8"
    )
    with pytest.raises(AssertionError, match="annotated"):
        test_exactly_one_parameters_cell_of_typed_literals(params)
