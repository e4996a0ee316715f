"""Plotly figures of the capacity gap (Danish labels). Every `plot_*` returns a figure.

Traces that show numbers of people (demand, required places derived from it) carry
meta={"measure": "persons"} so the publication check (capacity.disclosure) can find them.
Every figure states its service level in the title.
"""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from capacity.figures import band_trace
from capacity.gap.labels import COUNTING_METHOD_LABELS, format_percent, target_group_label
from capacity.gap.waterfall import COMPONENT_LABELS, COMPONENTS

PERSONS = {"measure": "persons"}
# A change in expected persons is a difference of model expectations, not a count of people.
PERSON_CHANGE = {"measure": "persons_change"}
COLOURS = {
    "demand": "#1f5f8b",
    "band": "rgba(31, 95, 139, 0.18)",
    "capacity": "#2e7d32",
    "counted": "#8bc34a",
    "required": "#c62828",
    "internal": "#5c6bc0",
    "others": "#26a69a",
    "gap": "#ef6c00",
}


def _one(frame: pl.DataFrame, col: str) -> object:
    values = frame[col].unique().to_list()
    if len(values) != 1:
        raise ValueError(f"the frame mixes several values of {col}: {values}")
    return values[0]


def _layout(fig: go.Figure, title: str, height: int) -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0.0, "xanchor": "left"},
        height=height,
        template="plotly_white",
        legend={"orientation": "h", "y": -0.18},
        margin={"l": 60, "r": 20, "t": 80, "b": 60},
        separators=",.",
    )
    return fig


def plot_gap(gap: pl.DataFrame, target_group: str | None = None, height: int = 460) -> go.Figure:
    """Demand on the region's places (P10-P90 band and median) against capacity (both counting
    methods) and the places required at the service level, per year, for one target group."""
    frame = gap if target_group is None else gap.filter(pl.col("target_group") == target_group)
    frame = frame.sort("year")
    group = str(_one(frame, "target_group"))
    level = str(_one(frame, "service_level"))
    years = frame["year"].to_list()
    fig = go.Figure()
    fig.add_trace(
        band_trace(
            years,
            frame["demand_p10"].to_list(),
            frame["demand_p90"].to_list(),
            name="Efterspørgsel, 80 %-interval (P10-P90)",
            fillcolor=COLOURS["band"],
            mode="lines",
            meta=PERSONS,
        )
    )
    fig.add_trace(
        go.Scatter(
            x=years,
            y=frame["demand_p50"].to_list(),
            mode="lines+markers",
            line={"color": COLOURS["demand"]},
            name="Efterspørgsel, median",
            meta=PERSONS,
        )
    )
    fig.add_trace(
        go.Scatter(
            x=years,
            y=frame["required"].to_list(),
            mode="markers",
            marker={"symbol": "diamond", "size": 10, "color": COLOURS["required"]},
            name=f"Nødvendige pladser ({level})",
            meta=PERSONS,
        )
    )
    base_year = int(_one(frame, "base_year"))
    fig.add_trace(
        go.Scatter(
            x=[base_year],
            y=[float(_one(frame, "pool_demand_today"))],
            mode="markers",
            marker={"size": 10, "color": COLOURS["demand"], "symbol": "circle-open"},
            name=f"I dag ({base_year}), observeret",
            meta=PERSONS,
        )
    )
    method = str(_one(frame, "counting_method"))
    other = "counted" if method == "apportioned" else "apportioned"
    share = float(_one(frame, "available_share"))
    today = {m: float(_one(frame, f"places_{m}")) * share for m in (method, other)}
    fig.add_trace(
        go.Scatter(
            x=[base_year, *years],
            y=[today[method], *frame["capacity"].to_list()],
            mode="lines",
            line={"color": COLOURS["capacity"], "shape": "hv", "width": 3},
            name=f"Kapacitet ({COUNTING_METHOD_LABELS[method]}, inkl. planlagte)",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=[base_year, *years],
            y=[today[other], *frame[f"capacity_{other}"].to_list()],
            mode="lines",
            line={"color": COLOURS["counted"], "shape": "hv", "dash": "dash"},
            name=f"Kapacitet ({COUNTING_METHOD_LABELS[other]})",
        )
    )
    fig.update_xaxes(title="År", dtick=1)
    fig.update_yaxes(title="Pladser / borgere pr. dag", rangemode="tozero")
    title = (
        f"{group} {target_group_label(group)}: efterspørgsel og kapacitet<br><sup>{level}</sup>"
    )
    return _layout(fig, title, height)


def plot_shortage_probability(gap: pl.DataFrame, height: int = 420) -> go.Figure:
    """P(demand > capacity) per year, one line per target group, against the service level."""
    level = str(_one(gap, "service_level"))
    alpha = float(_one(gap, "max_shortage_probability"))
    fig = go.Figure()
    for group in sorted(gap["target_group"].unique().to_list()):
        part = gap.filter(pl.col("target_group") == group).sort("year")
        fig.add_trace(
            go.Scatter(
                x=part["year"].to_list(),
                y=(100 * part["p_shortage"]).to_list(),
                mode="lines+markers",
                name=f"{group} {target_group_label(group)}",
            )
        )
    fig.add_hline(
        y=100 * alpha,
        line={"dash": "dot", "color": COLOURS["required"]},
        annotation_text=f"Serviceniveau: højst {format_percent(alpha)}",
    )
    fig.update_xaxes(title="År", dtick=1)
    fig.update_yaxes(title="Sandsynlighed for mangel på pladser, %", range=[0, 100])
    title = f"Sandsynlighed for, at efterspørgslen overstiger kapaciteten<br><sup>{level}</sup>"
    return _layout(fig, title, height)


def plot_waterfall(waterfall: pl.DataFrame, height: int = 420) -> go.Figure:
    """What drives the change in expected demand on the region's places from today to the
    horizon year: demography, rate trend, length of stay and scenario."""
    group = str(_one(waterfall, "target_group"))
    year = int(_one(waterfall, "year"))
    base_year = int(_one(waterfall, "base_year"))
    values = dict(zip(waterfall["component"], waterfall["value"], strict=True))
    x = [f"{COMPONENT_LABELS['start']} ({base_year})"]
    x += [COMPONENT_LABELS[c] for c in COMPONENTS]
    x.append(f"{year}")
    y = [values["start"], *[values[c] for c in COMPONENTS], values["end"]]
    fig = go.Figure(
        go.Waterfall(
            x=x,
            y=y,
            measure=["absolute", *["relative"] * len(COMPONENTS), "total"],
            text=[
                f"{v:.0f}" if k in (0, len(y) - 1) else f"{v:+.1f}".replace(".", ",")
                for k, v in enumerate(y)
            ],
            textposition="outside",
            connector={"line": {"color": "#999"}},
            increasing={"marker": {"color": COLOURS["gap"]}},
            decreasing={"marker": {"color": COLOURS["capacity"]}},
            totals={"marker": {"color": COLOURS["demand"]}},
            meta=PERSON_CHANGE,
            name="Forventet efterspørgsel",
        )
    )
    fig.update_yaxes(title="Forventede borgere pr. dag på regionens pladser")
    title = (
        f"{group} {target_group_label(group)}: hvad driver udviklingen {base_year}-{year}"
        f"<br><sup>Scenarie: {_one(waterfall, 'scenario')}</sup>"
    )
    return _layout(fig, title, height)


def plot_lanepulje(view: pl.DataFrame, height: int = 460) -> go.Figure:
    """Per target group: the places missing before plans against the planned places, split into
    places for the building municipality and places for other municipalities."""
    level = str(_one(view, "service_level"))
    year = int(_one(view, "year"))
    view = view.sort("target_group")
    groups = view["target_group"].to_list()
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            x=groups,
            y=view["gap_before_plans"].to_list(),
            name="Manglende pladser før planlagte projekter",
            marker_color=COLOURS["gap"],
            offsetgroup="gap",
        )
    )
    fig.add_trace(
        go.Bar(
            x=groups,
            y=view["planned_internal"].to_list(),
            name="Planlagte pladser til egen kommune",
            marker_color=COLOURS["internal"],
            offsetgroup="planned",
        )
    )
    fig.add_trace(
        go.Bar(
            x=groups,
            y=view["planned_for_others"].to_list(),
            name="Planlagte pladser til andre kommuner",
            marker_color=COLOURS["others"],
            offsetgroup="planned",
            base=view["planned_internal"].to_list(),
        )
    )
    fig.update_layout(barmode="group")
    fig.update_xaxes(title="Målgruppe")
    fig.update_yaxes(title="Pladser")
    title = f"Lånepuljen og andre planer mod behovet i {year}<br><sup>{level}</sup>"
    return _layout(fig, title, height)


def plot_scenarios(comparison: pl.DataFrame, year: int, height: int = 460) -> go.Figure:
    """Places missing (+) or to spare (−) per target group under each scenario in `year`."""
    from capacity.gap.scenarios import load_scenarios

    frame = comparison.filter(pl.col("year") == year)
    level = str(_one(frame, "service_level"))
    labels = {k: v.label for k, v in load_scenarios().items()}
    fig = go.Figure()
    for name in frame["scenario"].unique(maintain_order=True).to_list():
        part = frame.filter(pl.col("scenario") == name).sort("target_group")
        fig.add_trace(
            go.Bar(
                x=part["target_group"].to_list(),
                y=part["gap"].to_list(),
                name=labels.get(name, name),
            )
        )
    fig.update_layout(barmode="group")
    fig.update_xaxes(title="Målgruppe")
    fig.update_yaxes(title="Manglende pladser (+) / overskud (−)")
    title = f"Scenarier: manglende pladser i {year}<br><sup>{level}</sup>"
    return _layout(fig, title, height)
