"""Plotly building blocks shared by the forecast, gap and report views."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go


def band_trace(
    x: Sequence[Any],
    lower: Sequence[Any],
    upper: Sequence[Any],
    *,
    name: str,
    fillcolor: str,
    **kwargs: Any,
) -> go.Scatter:
    """A shaded interval (e.g. P10-P90) as one closed polygon: along the upper bound, back
    along the lower; no outline and no hover. ``kwargs`` go to the trace (legend group, meta)."""
    x = list(x)
    return go.Scatter(
        x=x + x[::-1],
        y=list(upper) + list(lower)[::-1],
        fill="toself",
        fillcolor=fillcolor,
        line={"width": 0},
        hoverinfo="skip",
        name=name,
        **kwargs,
    )
