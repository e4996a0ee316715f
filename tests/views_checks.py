"""Checks shared by the view tests: is a table or figure safe to publish?"""

from __future__ import annotations

from typing import Any

import polars as pl

from capacity.disclosure import assert_figure_publishable, load_rules
from capacity.disclosure.display import parse_number
from capacity.disclosure.figures import figure_json


def person_columns(df: pl.DataFrame) -> list[str]:
    """The columns the publication scanner reads as person counts: all of a cross table whose
    top-left header names a count, else those whose header does."""
    rules = load_rules()
    if df.width and rules.is_person_header(df.columns[0]):
        return df.columns[1:]
    return [c for c in df.columns if rules.is_person_header(c)]


def small_counts(df: pl.DataFrame) -> list[tuple[str, Any]]:
    """(column, value) of every person count 1..threshold-1 in a published table."""
    rules = load_rules()
    found = []
    for col in person_columns(df):
        for value in df[col].to_list():
            number = parse_number(value) if isinstance(value, str) else value
            if rules.is_small(number):
                found.append((col, value))
    return found


def assert_table_publishable(df: pl.DataFrame) -> None:
    """No person count 1-4 in a table, and it has rows."""
    assert isinstance(df, pl.DataFrame)
    assert df.height > 0
    assert small_counts(df) == []


def person_traces(fig: Any) -> int:
    """How many traces of a figure carry the person-count mark."""
    rules = load_rules()
    return sum(
        1
        for t in figure_json(fig)["data"]
        if isinstance(t.get("meta"), dict) and t["meta"].get("measure") in rules.person_measures
    )


def assert_figure_ok(fig: Any, *, persons: bool) -> None:
    """The figure has data, passes the disclosure check, and marks its person counts."""
    assert fig.data, "empty figure"
    assert_figure_publishable(fig)
    if persons:
        assert person_traces(fig) > 0, "person-count traces are not marked"
    assert fig.layout.title.text
