"""Plotly figures and disclosure: mark person-count traces, decode typed arrays, check them.

Plotly >= 6 writes numeric arrays as base64 typed arrays ({"dtype": "i1", "bdata": "..."}),
so a text search of the HTML finds none of the numbers. Here every array is decoded, and
every value of a trace marked as holding person counts is checked against the threshold.
Suppressed values must be None/NaN in the figure data: hiding them in the chart is not enough.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterator
from typing import Any

import numpy as np

from capacity.disclosure.cpr import is_cpr_number
from capacity.disclosure.display import parse_number
from capacity.disclosure.rules import DisclosureError, DisclosureRules, load_rules

PERSONS = "persons"

# plotly.js typed-array codes -> numpy dtypes (little-endian, as plotly.py writes them)
_DTYPES = {
    "i1": "<i1",
    "u1": "<u1",
    "u1c": "<u1",
    "i2": "<i2",
    "u2": "<u2",
    "i4": "<i4",
    "u4": "<u4",
    "f4": "<f4",
    "f8": "<f8",
    "i8": "<i8",
    "u8": "<u8",
}
INTEGER_CODES = frozenset({"i1", "u1", "u1c", "i2", "u2", "i4", "u4", "i8", "u8"})

# the attributes that carry a trace's measure, by trace type (orientation 'h' swaps x and y)
_MEASURE_FIELDS = {
    "bar": ("y",),
    "histogram": ("y",),
    "funnel": ("x",),
    "box": ("y",),
    "violin": ("y",),
    "waterfall": ("y",),
    "scatter": ("y",),
    "scattergl": ("y",),
    "heatmap": ("z",),
    "contour": ("z",),
    "surface": ("z",),
    "pie": ("values",),
    "funnelarea": ("values",),
    "treemap": ("values",),
    "sunburst": ("values",),
    "icicle": ("values",),
    "scatterpolar": ("r",),
    "barpolar": ("r",),
    "choropleth": ("z",),
    "choroplethmap": ("z",),
    "sankey": ("link.value",),
    "table": ("cells.values",),
}
_ALWAYS = ("text", "customdata")


def is_typed_array(obj: object) -> bool:
    """Is this the JSON form of a plotly typed array?"""
    return isinstance(obj, dict) and "bdata" in obj and "dtype" in obj


def decode_typed_array(obj: dict[str, Any]) -> np.ndarray:
    """Decode {"dtype", "bdata"[, "shape"]} to a numpy array (raises ValueError if invalid)."""
    code = str(obj.get("dtype"))
    if code not in _DTYPES:
        raise ValueError(f"unknown typed-array dtype {code!r}")
    try:
        raw = base64.b64decode(str(obj["bdata"]), validate=False)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("typed array with invalid base64") from exc
    arr = np.frombuffer(raw, dtype=np.dtype(_DTYPES[code]))
    shape = obj.get("shape")
    if shape not in (None, ""):
        dims = (
            [int(s) for s in str(shape).split(",") if s.strip()]
            if isinstance(shape, str)
            else [int(s) for s in (shape if isinstance(shape, list | tuple) else [shape])]
        )
        if dims and int(np.prod(dims)) == arr.size:
            arr = arr.reshape(dims)
    return arr


def mark_person_counts(fig_or_trace: Any, *, fields: list[str] | None = None) -> Any:
    """Mark a trace (or every trace of a figure) as holding person counts.

    Sets trace.meta["measure"] = "persons", the convention the publication scanner uses.
    `fields` names the attributes holding counts (e.g. ["y"]) when the default for the trace
    type would also catch a small-number axis such as ages 0-17. Returns its argument.
    """
    traces = getattr(fig_or_trace, "data", None)
    targets = list(traces) if isinstance(traces, tuple | list) else [fig_or_trace]
    for trace in targets:
        meta = trace.meta
        new = dict(meta) if isinstance(meta, dict) else ({} if meta is None else {"value": meta})
        new["measure"] = PERSONS
        if fields is not None:
            new["fields"] = list(fields)
        trace.meta = new
    return fig_or_trace


def _measure_fields(trace: dict[str, Any]) -> tuple[str, ...]:
    meta = trace.get("meta")
    if isinstance(meta, dict) and isinstance(meta.get("fields"), list):
        return tuple(str(f) for f in meta["fields"])
    kind = str(trace.get("type") or "scatter")
    base = _MEASURE_FIELDS.get(kind, ("x", "y", "z", "values"))
    if trace.get("orientation") == "h" and base in (("y",), ("x",)):
        base = ("x",) if base == ("y",) else ("y",)
    return base + _ALWAYS


def is_person_trace(trace: object, rules: DisclosureRules) -> bool:
    """Does a trace (JSON dict) carry the person-count mark?"""
    if not isinstance(trace, dict):
        return False
    meta = trace.get("meta")
    return isinstance(meta, dict) and str(meta.get("measure")) in rules.person_measures


def _get_path(trace: dict[str, Any], path: str) -> Any:
    node: Any = trace
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def iter_numbers(node: Any, path: str = "") -> Iterator[tuple[str, float]]:
    """Every number in a value (lists, dicts, typed arrays, numeric strings), with its
    path such as "[4]", "[2][1]" or ".V1"."""
    if is_typed_array(node):
        try:
            arr = decode_typed_array(node)
        except ValueError:
            return
        for index, value in np.ndenumerate(arr):
            yield path + "".join(f"[{i}]" for i in index), float(value)
    elif isinstance(node, list | tuple):
        for i, item in enumerate(node):
            yield from iter_numbers(item, f"{path}[{i}]")
    elif isinstance(node, dict):
        for key, item in node.items():
            yield from iter_numbers(item, f"{path}.{key}")
    elif isinstance(node, bool) or node is None:
        return
    elif isinstance(node, int | float):
        yield path, float(node)
    elif isinstance(node, str):
        value = parse_number(node)
        if value is not None:
            yield path, value


def _trace_label(i: int, trace: dict[str, Any]) -> str:
    name = trace.get("name")
    return f"trace {i + 1}" + (f" '{name}'" if isinstance(name, str) and name else "")


def find_small_counts(figure: dict[str, Any], rules: DisclosureRules) -> list[str]:
    """Locations ("trace 2 'Aarhus', y[4]") of person counts below the threshold in a
    figure's JSON (a dict with "data"), including those hidden in typed arrays and in
    animation frames."""
    found: list[str] = []
    groups: list[tuple[str, Any]] = [("", figure.get("data"))]
    for f, frame in enumerate(figure.get("frames") or []):
        if isinstance(frame, dict):
            groups.append((f"frame {f + 1}, ", frame.get("data")))
    for prefix, traces in groups:
        if not isinstance(traces, list):
            continue
        for i, trace in enumerate(traces):
            if not is_person_trace(trace, rules):
                continue
            for field in _measure_fields(trace):
                for where, value in iter_numbers(_get_path(trace, field)):
                    if rules.is_small(value):
                        found.append(f"{prefix}{_trace_label(i, trace)}, {field}{where}")
    return found


def looks_like_figure(obj: object) -> bool:
    """Is a JSON value a plotly figure ({"data": [trace dicts, ...], ...})?"""
    if not isinstance(obj, dict):
        return False
    data = obj.get("data")
    return (
        isinstance(data, list)
        and all(isinstance(t, dict) for t in data)
        and ("layout" in obj or any("type" in t for t in data))
    )


def figure_json(fig: Any) -> dict[str, Any]:
    """A figure (plotly Figure or dict) as the JSON the HTML would embed (typed arrays)."""
    if isinstance(fig, dict):
        import plotly.io as pio

        return json.loads(pio.to_json(fig, validate=False))
    return json.loads(fig.to_json())


def assert_figure_publishable(fig: Any, threshold: int | None = None) -> None:
    """Raise DisclosureError if a person-count trace of `fig` holds a value in
    1..threshold-1 (checked on the serialised figure, typed arrays decoded)."""
    rules = load_rules(threshold)
    found = find_small_counts(figure_json(fig), rules)
    if found:
        shown = "; ".join(found[:5]) + (" ..." if len(found) > 5 else "")
        raise DisclosureError(
            f"figure shows {len(found)} person count(s) below {rules.threshold} "
            f"(suppressed values must be None in the data): {shown}"
        )


def iter_typed_arrays(node: Any, path: str = "") -> Iterator[tuple[str, np.ndarray]]:
    """Every decodable typed array inside a JSON value, with its JSON path."""
    if is_typed_array(node):
        try:
            yield path, decode_typed_array(node)
        except ValueError:
            return
    elif isinstance(node, dict):
        for k, v in node.items():
            yield from iter_typed_arrays(v, f"{path}.{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from iter_typed_arrays(v, f"{path}[{i}]")


def find_cpr_typed_arrays(node: Any, path: str = "") -> list[str]:
    """Typed arrays that hold CPR numbers stored as numbers (9-10 digit whole numbers with a
    valid birth date). Integer arrays are flagged on one such value. Float arrays are where
    amounts in kroner live, so they are flagged only when at least two values, and more
    than half of them, look like CPR numbers."""
    found = []
    for where, arr in iter_typed_arrays(node, path):
        if arr.dtype.kind not in "iuf" or arr.size == 0:
            continue
        flat = arr.ravel()
        values = flat[np.isfinite(flat)] if arr.dtype.kind == "f" else flat
        hits = sum(is_cpr_number(float(v)) for v in values if abs(v) >= 1e8)
        if arr.dtype.kind in "iu" and hits:
            found.append(where)
        elif hits >= 2 and 2 * hits > values.size:
            found.append(where)
    return found
