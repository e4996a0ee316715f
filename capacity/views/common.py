"""Shared presentation helpers for the report pages: Danish labels, colours, figure layout and
the small disclosure steps every published figure and table goes through.

Everything a reader sees is Danish; the figures and tables are built from capacity.metrics
frames and published through capacity.disclosure (docs/privacy.md). Other view modules import
from here, so names and signatures are kept stable.
"""

from __future__ import annotations

import datetime as dt
import html
import math
from collections.abc import Callable, Iterable, Sequence
from functools import cache
from typing import Any

import plotly.graph_objects as go
import polars as pl

from capacity.config import load_conf, municipalities
from capacity.disclosure import (
    assert_figure_publishable,
    footnote,
    load_rules,
    mark_person_counts,
    publish_counts,
)

# Short group labels for axes and legends (the full labels come from target_groups.yaml).
GROUP_SHORT_LABELS = {
    "B1": "B1 Børn: autisme",
    "B2": "B2 Børn: selvskade/spiseforstyrrelse",
    "B3": "B3 Børn: udadreagerende",
    "V1": "V1 Voksne: autisme",
    "V2": "V2 Voksne: erhvervet hjerneskade",
    "V3": "V3 Voksne: sindslidelse",
    "V4": "V4 Voksne: udviklingshæmning m.m.",
    "X": "X Øvrige målgrupper",
}

# One colour per target group (children blue-green, adults warm, X grey), used on every page.
GROUP_COLOURS = {
    "B1": "#1f77b4",
    "B2": "#17becf",
    "B3": "#2ca02c",
    "V1": "#ff7f0e",
    "V2": "#d62728",
    "V3": "#9467bd",
    "V4": "#8c564b",
    "X": "#7f7f7f",
}

# Short paragraph labels for columns and legends; others fall back to paragraphs.yaml.
PARAGRAPH_SHORT_LABELS = {
    "SEL_107": "§ 107 midlertidigt botilbud",
    "SEL_108": "§ 108 længerevarende botilbud",
    "ABL_105_SEL_85": "ABL § 105 + SEL § 85",
    "SEL_52_3_7": "Anbringelse (SEL § 52)",
    "SEL_66": "Anbringelsessted (SEL § 66)",
    "BL_ANBRINGELSE": "Anbringelse (barnets lov)",
    "BL_114": "Efterværn (BL § 114)",
    "SEL_76": "Efterværn (SEL § 76)",
    "SEL_85": "§ 85 socialpædagogisk støtte",
    "SEL_103": "§ 103 beskyttet beskæftigelse",
    "SEL_104": "§ 104 aktivitets- og samværstilbud",
}

# Paragraph columns in reading order: adults' residential, children's, then day offers.
PARAGRAPH_ORDER = tuple(PARAGRAPH_SHORT_LABELS)
# The adults' residential paragraphs whose mix shifts (§ 108 -> ABL § 105 + SEL § 85).
ADULT_RESIDENTIAL = ("SEL_107", "SEL_108", "ABL_105_SEL_85")
PARAGRAPH_COLOURS = {
    "SEL_107": "#6baed6",
    "SEL_108": "#08519c",
    "ABL_105_SEL_85": "#fd8d3c",
    "SEL_52_3_7": "#a1d99b",
    "SEL_66": "#74c476",
    "BL_ANBRINGELSE": "#31a354",
    "BL_114": "#006d2c",
    "SEL_76": "#c7e9c0",
}

# Paragraph series (capacity/conf/paragraphs.yaml `series`): codes that continue each other
# across a law change (SEL § 52 -> barnets lov in 2024) are shown as one.
SERIES_LABELS = {
    "SEL_107": "§ 107 midlertidigt botilbud",
    "SEL_108": "§ 108 længerevarende botilbud",
    "ABL_105_SEL_85": "ABL § 105 + SEL § 85",
    "CHILD_PLACEMENT": "Anbringelse (SEL § 52/66, barnets lov)",
    "AFTERCARE": "Efterværn 18-22 år",
    "SEL_109": "§ 109 krisecenter",
    "SEL_110": "§ 110 forsorgshjem",
    "SEL_85": "§ 85 socialpædagogisk støtte",
    "SEL_103": "§ 103 beskyttet beskæftigelse",
    "SEL_104": "§ 104 aktivitets- og samværstilbud",
}
PARAGRAPH_COLOURS["CHILD_PLACEMENT"] = "#31a354"
PARAGRAPH_COLOURS["AFTERCARE"] = "#a1d99b"

OWNERSHIP_ORDER = ("kommunal_egen", "kommunal_anden", "regional", "selvejende", "privat", "ukendt")
OWNERSHIP_SHORT_LABELS = {
    "kommunal_egen": "Kommunal, egen kommune",
    "kommunal_anden": "Kommunal, anden kommune",
    "regional": "Regional",
    "selvejende": "Selvejende",
    "privat": "Privat",
    "ukendt": "Ukendt tilbud",
}
OWNERSHIP_COLOURS = {
    "kommunal_egen": "#08519c",
    "kommunal_anden": "#6baed6",
    "regional": "#31a354",
    "selvejende": "#fd8d3c",
    "privat": "#d94801",
    "ukendt": "#bdbdbd",
}

LOCATION_ORDER = ("egen_kommune", "regionen", "uden_for_regionen", "ukendt")
LOCATION_SHORT_LABELS = {
    "egen_kommune": "I egen kommune",
    "regionen": "Andre steder i regionen",
    "uden_for_regionen": "Uden for regionen",
    "ukendt": "Ukendt tilbud",
}
LOCATION_COLOURS = {
    "egen_kommune": "#08519c",
    "regionen": "#6baed6",
    "uden_for_regionen": "#fd8d3c",
    "ukendt": "#bdbdbd",
}

# Background of heatmaps: a suppressed cell (no value) shows it, so it differs from a zero.
HIDDEN_CELL_COLOUR = "#d9d9d9"

# Label of the column/row that holds the region in municipality comparisons.
REGION_LABEL = "Hele regionen"
# Plotly's number format: decimal comma, thousands dot (Danish).
DANISH_SEPARATORS = ",."


# -- labels ------------------------------------------------------------------------------------


@cache
def _group_conf() -> dict[str, Any]:
    return load_conf("target_groups")


def group_ids(include_other: bool = True) -> list[str]:
    """Target-group ids in reporting order (B1..B3, V1..V4, then X)."""
    from capacity.metrics.base import group_ids as metric_group_ids

    ids = metric_group_ids()
    other = _group_conf().get("other_group", "X")
    return ids if include_other else [g for g in ids if g != other]


def group_label(group: str, *, short: bool = False) -> str:
    """Danish label of a target group: 'V3 Voksne med sindslidelse' (short: for axes)."""
    if short and group in GROUP_SHORT_LABELS:
        return GROUP_SHORT_LABELS[group]
    label = _group_conf().get("groups", {}).get(group, {}).get("label")
    if label is None and group == _group_conf().get("other_group", "X"):
        label = "Øvrige målgrupper"
    return f"{group} {label}" if label else str(group)


def group_column(name: str = "Målgruppe") -> pl.Expr:
    """The target-group code as its Danish label; the total row (no group) as "I alt"."""
    return (
        pl.col("target_group")
        .map_elements(group_label, return_dtype=pl.String)
        .fill_null("I alt")
        .alias(name)
    )


def group_colour(group: str) -> str:
    """The colour of a target group in every figure."""
    return GROUP_COLOURS.get(group, "#7f7f7f")


@cache
def _municipality_names() -> dict[str, str]:
    conf = load_conf("municipalities")
    names = dict(municipalities())
    names |= {str(m["code"]): m["name"] for m in conf.get("outside_region", [])}
    names[str(conf["region"]["code"])] = conf["region"]["name"]
    return names


def municipality_name(code: str | None) -> str:
    """Name of a municipality (or of the region) from its code; 'Ukendt' for none."""
    if code is None or code == "ukendt":
        return "Ukendt"
    return _municipality_names().get(str(code), str(code))


def genitive(name: str) -> str:
    """Danish genitive of a name: 'Samsøs', 'Aarhus\'' (names ending in s, x or z)."""
    return f"{name}'" if name[-1:].lower() in "sxz" else f"{name}s"


def region_municipalities() -> dict[str, str]:
    """The region's municipalities, code -> name, in code order."""
    return dict(sorted(municipalities().items()))


@cache
def _paragraph_labels() -> dict[str, str]:
    try:
        conf = load_conf("paragraphs")
    except FileNotFoundError:
        return {}
    return {p["code"]: p.get("label", p["code"]) for p in conf.get("paragraphs", [])}


def paragraph_label(code: str | None, *, short: bool = True) -> str:
    """Danish label of a normalised paragraph code ('SEL_108' -> '§ 108 længerevarende ...')."""
    if code is None:
        return "Ukendt paragraf"
    if short and code in PARAGRAPH_SHORT_LABELS:
        return PARAGRAPH_SHORT_LABELS[code]
    return _paragraph_labels().get(code, code)


def group_order() -> dict[str, int]:
    """Target-group id -> position in reporting order (for sorting)."""
    return {g: i for i, g in enumerate(group_ids())}


def paragraph_rank(code: str) -> int:
    """Position of a paragraph code in reading order (unknown codes last)."""
    return PARAGRAPH_ORDER.index(code) if code in PARAGRAPH_ORDER else len(PARAGRAPH_ORDER)


def series_label(series: str) -> str:
    """Danish label of a paragraph series ('CHILD_PLACEMENT' -> 'Anbringelse (...)')."""
    return SERIES_LABELS.get(series) or paragraph_label(series)


def series_rank(series: str) -> int:
    """Position of a paragraph series in reading order (unknown series last)."""
    order = list(SERIES_LABELS)
    return order.index(series) if series in order else len(order)


def group_ids_of_area(area: str) -> list[str]:
    """Target groups of the children's or adults' area (target_groups.yaml), plus the other
    group X, which belongs to both."""
    conf = _group_conf()
    other = conf.get("other_group", "X")
    return [g for g in group_ids() if g == other or conf["groups"].get(g, {}).get("area") == area]


_MONTHS_DA = ("januar", "februar", "marts", "april", "maj", "juni", "juli", "august",
              "september", "oktober", "november", "december")  # fmt: skip


def format_date_da(day: dt.date) -> str:
    """'31. december 2025'."""
    return f"{day.day}. {_MONTHS_DA[day.month - 1]} {day.year}"


def relabel_cross(
    display: pl.DataFrame,
    row_label: Callable[[str], str] | None = None,
    col_label: Callable[[str], str] | None = None,
) -> pl.DataFrame:
    """Replace the keys of a capacity.disclosure.format_for_display cross table by Danish
    labels (the 'I alt' margins keep their label)."""
    total = load_rules().total_label
    first = display.columns[0]
    out = display
    if row_label is not None:
        out = out.with_columns(
            pl.col(first).map_elements(
                lambda k: k if k == total else row_label(k), return_dtype=pl.String
            )
        )
    if col_label is not None:
        out = out.rename({c: col_label(c) for c in out.columns[1:] if c != total})
    return out


# -- numbers -----------------------------------------------------------------------------------


def to_mio(column: str) -> pl.Expr:
    """An amount in kr. as mio. kr. (float; rounding happens at display)."""
    return (pl.col(column).cast(pl.Float64) / 1e6).alias(column)


def share_percent(part: float | None, whole: float | None) -> float | None:
    """100 x part / whole, or None when either is missing or the whole is 0."""
    if part is None or whole is None or whole == 0:
        return None
    if isinstance(part, float) and math.isnan(part):
        return None
    return 100.0 * float(part) / float(whole)


def format_percent_da(value: float | None, decimals: int = 0) -> str:
    """'12 %' / '12,5 %'; '' for missing values."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return f"{value:.{decimals}f}".replace(".", ",") + " %"


def format_number(value: Any, decimals: int = 0) -> str:
    """Danish number format ('1.234,5'); '' for a missing value."""
    from capacity.disclosure import format_number_da

    return "" if value is None else format_number_da(value, decimals)


def threshold() -> int:
    """The disclosure threshold (persons), from disclosure.yaml."""
    return load_rules().threshold


def suppression_footnote() -> str:
    """The Danish footnote explaining suppressed cells (disclosure.yaml)."""
    return footnote()


def publish_columns(
    df: pl.DataFrame,
    *,
    row: str | Sequence[str],
    columns: Sequence[str],
    follow: dict[str, Sequence[str]] | None = None,
) -> pl.DataFrame:
    """Primary suppression of several person-count columns of a table without margins.

    Each column in `columns` is published through capacity.disclosure.publish_counts: counts
    below the threshold become null. Columns listed in `follow[col]` (money, shares, averages
    that rest on the same persons) become null with it. Only for tables that publish no
    totals of these columns; a table with totals goes through suppress_table.
    """
    keys = [row] if isinstance(row, str) else list(row)
    out = df
    if len(keys) > 1:
        out = out.with_columns(pl.concat_str(keys, separator="\u0001").alias("_key"))
        key = "_key"
    else:
        key = keys[0]
    for col in columns:
        published = publish_counts(out.select(key, col), row=key, count=col)
        hidden = (
            published.filter(pl.col("suppressed"))
            .select(key)
            .with_columns(pl.lit(True).alias("_hide"))
        )
        out = out.join(hidden, on=key, how="left").with_columns(pl.col("_hide").fill_null(False))
        dependents = [col, *(follow or {}).get(col, ())]
        out = out.with_columns(
            pl.when(pl.col("_hide")).then(None).otherwise(pl.col(c)).alias(c) for c in dependents
        ).drop("_hide")
    return out.drop("_key") if "_key" in out.columns else out


def show_suppressed(
    df: pl.DataFrame,
    counts: dict[str, Sequence[str]],
    decimals: dict[str, int] | None = None,
) -> pl.DataFrame:
    """Display strings for published person-count columns and what rests on them.

    A null count is a suppressed count: it and its dependent columns show the suppression
    symbol ('·'), which the footnote explains. Otherwise numbers are formatted the Danish way
    with ``decimals`` (default 0) and a missing dependent value (e.g. no median yet) is blank.
    Other columns are left as they are.
    """
    from capacity.disclosure import format_number_da

    symbol = load_rules().symbol
    decimals = decimals or {}
    out = df
    for count, dependents in counts.items():
        hidden = out[count].is_null()
        columns = [count, *dependents]
        replaced = {}
        for col in columns:
            d = decimals.get(col, 0)
            replaced[col] = pl.Series(
                col,
                [
                    symbol if h else ("" if v is None else format_number_da(v, d))
                    for v, h in zip(out[col].to_list(), hidden.to_list(), strict=True)
                ],
                dtype=pl.String,
            )
        out = out.with_columns(replaced.values())
    return out


def display_cross(
    published: pl.DataFrame,
    *,
    row: str,
    col: str,
    count: str,
    title: str,
    row_label: Callable[[str], str] = str,
    col_label: Callable[[str], str] = str,
) -> pl.DataFrame:
    """Display strings for the publishable() frame of a suppressed two-way table with margins
    (as capacity.disclosure.format_for_display does for the table itself): the suppression
    symbol in hidden cells, Danish numbers, 'I alt' margins, row and column labels."""
    from capacity.disclosure import format_number_da

    rules = load_rules()
    total = rules.total_label
    body = published.filter(pl.col("cell_kind") == "cell")
    rows = body[row].unique(maintain_order=True).to_list()
    cols = body[col].unique(maintain_order=True).to_list()
    grid: dict[tuple[Any, Any], str] = {}
    for r, c, v, hidden in published.select(row, col, count, "suppressed").iter_rows():
        grid[(r, c)] = rules.symbol if hidden else format_number_da(v, 0)
    has_totals = published.filter(pl.col("cell_kind") == "total").height > 0
    out_rows = rows + ([None] if has_totals else [])
    out_cols = cols + ([None] if has_totals else [])
    data: dict[str, list[str]] = {title: [total if r is None else row_label(r) for r in out_rows]}
    for c in out_cols:
        data[total if c is None else col_label(c)] = [grid.get((r, c), "") for r in out_rows]
    return pl.DataFrame(data, schema={k: pl.String for k in data})


# -- figures -----------------------------------------------------------------------------------


def style_figure(
    fig: go.Figure,
    title: str,
    *,
    height: int = 440,
    xaxis_title: str | None = None,
    yaxis_title: str | None = None,
    legend_title: str | None = None,
    horizontal_legend: bool = True,
) -> go.Figure:
    """The common look of every report figure: title, Danish number format, readable fonts,
    legend under the title, no plotly logo clutter."""
    fig.update_layout(
        title={"text": title, "x": 0.0, "xanchor": "left", "font": {"size": 18}},
        height=height,
        separators=DANISH_SEPARATORS,
        font={"family": "Segoe UI, Helvetica Neue, Arial, sans-serif", "size": 13},
        margin={"l": 70, "r": 30, "t": 90, "b": 60},
        legend_title_text=legend_title or "",
        hoverlabel={"namelength": -1},
    )
    if horizontal_legend:
        # under the plot, so a legend of two rows never runs into the title
        fig.update_layout(
            legend={
                "orientation": "h",
                "yanchor": "top",
                "y": -0.16,
                "xanchor": "left",
                "x": 0,
                "traceorder": "normal",
            },
            margin={"l": 70, "r": 30, "t": 70, "b": 120},
        )
    if xaxis_title is not None:
        fig.update_xaxes(title_text=xaxis_title)
    if yaxis_title is not None:
        fig.update_yaxes(title_text=yaxis_title)
    return fig


def publish_figure(fig: go.Figure, person_traces: Iterable[int] | str = "all") -> go.Figure:
    """Mark the traces that show person counts and check the figure before it is shown.

    `person_traces`: "all", "none" or the indexes of the traces holding person counts.
    Raises capacity.disclosure.DisclosureError when a marked trace holds a value 1-4.
    """
    if person_traces == "all":
        mark_person_counts(fig)
    elif person_traces != "none":
        for i in person_traces:
            mark_person_counts(fig.data[i])
    assert_figure_publishable(fig)
    return fig


def empty_figure(title: str, message: str, height: int = 300) -> go.Figure:
    """A figure that says in words why there is nothing to show (instead of a blank chart)."""
    fig = go.Figure()
    fig.add_annotation(
        text=message, x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False,
        font={"size": 15},
    )  # fmt: skip
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return style_figure(fig, title, height=height)


def nulls_to_none(values: Iterable[Any]) -> list[Any]:
    """A column as a list for plotly, with NaN turned into None (gaps, not zeros)."""
    out = []
    for v in values:
        if isinstance(v, float) and math.isnan(v):
            out.append(None)
        else:
            out.append(v)
    return out


def collapsible(display: Any, summary: str) -> Any:
    """A displayed table folded away under a one-line summary the reader can click open
    (long tables that are there for reference; they are in the Excel annex too)."""
    from IPython.display import HTML

    inner = getattr(display, "data", None) or str(display)
    return HTML(
        f'<details class="km-details"><summary style="cursor:pointer;font-weight:600;'
        f'margin:0.5em 0">{html.escape(summary)}</summary>{inner}</details>'
    )


# -- text --------------------------------------------------------------------------------------


def markdown(text: str) -> Any:
    """A Markdown display object for narrative computed from the data."""
    from IPython.display import Markdown

    return Markdown(text)


def format_int_da(value: float | int | None) -> str:
    """'1.234' (Danish thousands separator); '·' for a suppressed (None) count."""
    if value is None:
        return load_rules().symbol
    return f"{round(float(value)):,}".replace(",", ".")


def format_mio_da(value: float | None, decimals: int = 1) -> str:
    """An amount in kr. as '12,3 mio. kr.'; '·' when suppressed."""
    if value is None:
        return load_rules().symbol
    return (
        f"{float(value) / 1e6:,.{decimals}f}".replace(",", "\0")
        .replace(".", ",")
        .replace("\0", ".")
        + " mio. kr."
    )
