"""Placement deliveries: the rows of each file in the shape of its source profile.

A delivery holds typed cells (text, numbers, day numbers) per canonical field; rendering turns
them into CSV text (decimal comma, the file's date format) or xlsx cells (real Excel dates,
CPR as a number for some rows).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from capacity.config import load_conf
from capacity.demo.calendar import OPEN_END, day, format_days
from capacity.demo.cpr import with_dash
from capacity.demo.writers import ExcelDate, csv_lines

FIELDS = (
    "cpr", "handlekommune", "betalingskommune", "paragraf", "leverandoer", "tilbud_id",
    "startdato", "slutdato", "pris", "prisenhed", "primaer_maalgruppe", "sekundaer_maalgruppe",
    "afslutningsaarsag",
)  # fmt: skip
DATE_FIELDS = ("startdato", "slutdato")
REJECT_REASONS = (
    "invalid_cpr", "end_before_start", "unknown_paragraph", "invalid_price", "duplicate_row",
    "unknown_municipality",
)  # fmt: skip


@dataclass(frozen=True)
class Blank:
    """An empty, whitespace-only or separator-only line (an empty row in xlsx)."""

    text: str


@dataclass
class Delivery:
    """One placement file before rendering. ``rows`` hold typed cells in ``fields`` order."""

    path: str
    spec: dict[str, Any]
    profile: str
    encoding: str
    fields: list[str]
    header: list[str]
    rows: list[list[Any] | Blank]
    date_format: str = "%d-%m-%Y"
    thousands: bool = False
    protected: set[int] = field(default_factory=set)  # rows that must stay clean
    rejects: dict[str, int] = field(default_factory=lambda: dict.fromkeys(REJECT_REASONS, 0))
    blank_lines: int = 0

    def col(self, name: str) -> int:
        return self.fields.index(name)

    @property
    def data_rows(self) -> int:
        return sum(1 for r in self.rows if not isinstance(r, Blank))


def _profile_fields(spec: dict[str, Any]) -> tuple[list[str], list[str]]:
    profile = load_conf(f"profiles/{spec['profile']}")
    cols = profile["columns"]
    drop = set(spec.get("drop_columns", []))
    fields = [f for f in FIELDS if f in cols and f not in drop]
    return fields, [cols[f] for f in fields]


def _end_reason_text(
    rng: np.random.Generator, conf: dict[str, Any], reasons: np.ndarray, child: np.ndarray
) -> list[str | None]:
    er = conf["end_reasons"]
    out: list[str | None] = []
    other = rng.integers(0, 1000, reasons.size)
    for r, c, o in zip(reasons.tolist(), child.tolist(), other.tolist(), strict=True):
        if r == "":
            out.append(None)
        elif r == "other":
            pool = er["child_other"] if c else er["other"]
            out.append(pool[o % len(pool)])
        else:
            out.append(er[r])
    return out


def _price_cells(annual: np.ndarray, unit: np.ndarray) -> list[float | None]:
    per = np.where(unit == "dag", annual / 365, np.where(unit == "maaned", annual / 12, annual))
    per = np.where(unit == "aar", np.round(per, 0), np.round(per, 2))
    return [None if np.isnan(v) else float(v) for v in per.tolist()]


def build_delivery(
    rng: np.random.Generator,
    conf: dict[str, Any],
    spec: dict[str, Any],
    frame: pl.DataFrame,
    *,
    names: dict[str, str],
    codes: list[str],
) -> Delivery:
    """Rows of one delivery file from the placement frame (already filtered to the file)."""
    fields, header = _profile_fields(spec)
    profile = spec["profile"]
    dd = conf["delivery_defaults"]
    n = frame.height
    code = spec["kommune"]
    as_name = spec.get("kommune_as_name", profile == "dubu")

    def kommune_text(c: str) -> str:
        return f"{names[c]} Kommune" if as_name else c

    # CPR: with or without dash; in xlsx some as numbers (the leading zero is lost).
    cprs = frame["cpr"].to_list()
    dash = rng.random(n) < spec.get("cpr_dash", 0.0)
    number = rng.random(n) < spec.get("cpr_number", 0.0)
    cpr_cells: list[Any] = []
    for c, d, num in zip(cprs, dash.tolist(), number.tolist(), strict=True):
        cpr_cells.append(int(c) if num else (with_dash(c) if d else c))

    hk = kommune_text(code)
    other = rng.integers(0, len(codes), n)
    differs = rng.random(n) < dd["betalingskommune_differs"]
    bk = [
        kommune_text(codes[o]) if d and codes[o] != code else hk
        for o, d in zip(other.tolist(), differs.tolist(), strict=True)
    ]

    # Paragraphs as the system writes them; children's by the start date (Barnets lov 2024).
    kind = frame["kind"].to_numpy()
    start = frame["start"].to_numpy()
    end = frame["end"].to_numpy()
    adult_spelling = conf["paragraph_spelling"][spec.get("paragraph_style", "A")]
    child_conf = conf["child_paragraph"]
    child_new = child_conf["from_2024"][spec.get("child_style", "BL")]
    bl_start = day("2024-01-01")
    para = [
        (child_new if s >= bl_start else child_conf["before_2024"])
        if k == "CHILD"
        else adult_spelling[k]
        for k, s in zip(kind.tolist(), start.tolist(), strict=True)
    ]

    # Prices and units in the profile's spelling.
    unit = frame["unit"].to_numpy()
    prices = _price_cells(frame["annual_cost"].to_numpy(), unit)
    spell = conf["price_unit_spelling"][profile]
    unit_text = {}
    for u in ("dag", "maaned", "aar"):
        options = spell[u] if isinstance(spell[u], list) else [spell[u]]
        unit_text[u] = options[int(rng.integers(len(options)))]
    if profile == "canonical" and rng.random() < 0.3:
        unit_text.update({"maaned": "måned", "aar": "år"})
    units = [
        None if p is None else unit_text[u] for p, u in zip(prices, unit.tolist(), strict=True)
    ]

    # Citizen target groups: a share of rows has none (classification falls back to the offer).
    lo, hi = dd["no_target_group"]
    none_share = rng.uniform(lo, hi)
    no_tg = rng.random(n) < none_share
    sep = dd["secondary_sep"][int(rng.integers(len(dd["secondary_sep"])))]
    primary = [
        None if x else p for p, x in zip(frame["primary"].to_list(), no_tg.tolist(), strict=True)
    ]
    secondary = [
        None if x or not s else s.replace("|", sep)
        for s, x in zip(frame["secondary"].to_list(), no_tg.tolist(), strict=True)
    ]
    reasons = _end_reason_text(rng, conf, frame["reason"].to_numpy(), kind == "CHILD")

    tid_share = dd["tilbud_id_share"] if profile == "canonical" else 0.0
    with_tid = rng.random(n) < tid_share
    tids = [
        int(t) if w else None
        for t, w in zip(frame["tilbud_id"].to_list(), with_tid.tolist(), strict=True)
    ]

    columns: dict[str, list[Any]] = {
        "cpr": cpr_cells,
        "handlekommune": [hk] * n,
        "betalingskommune": bk,
        "paragraf": para,
        "leverandoer": frame["leverandoer"].to_list(),
        "tilbud_id": tids,
        "startdato": start.tolist(),
        "slutdato": [None if e >= OPEN_END else e for e in end.tolist()],
        "pris": prices,
        "prisenhed": units,
        "primaer_maalgruppe": primary,
        "sekundaer_maalgruppe": secondary,
        "afslutningsaarsag": reasons,
    }
    if spec["encoding"] == "xlsx":
        # Some xlsx rows carry their dates as text (typed by hand) instead of date cells.
        text = np.flatnonzero(rng.random(n) < spec.get("text_dates", 0.0))
        for f in DATE_FIELDS:
            vals = [columns[f][i] for i in text.tolist()]
            has = [i for i, v in zip(text.tolist(), vals, strict=True) if v is not None]
            formatted = format_days(
                np.array([columns[f][i] for i in has], dtype=np.int64), "%d-%m-%Y"
            )
            for i, t in zip(has, formatted, strict=True):
                columns[f][i] = t
    rows = [list(r) for r in zip(*(columns[f] for f in fields), strict=True)]
    delivery = Delivery(
        path=f"placements/{code}/{spec['file']}",
        spec=spec,
        profile=profile,
        encoding=spec["encoding"],
        fields=fields,
        header=header,
        rows=rows,
        date_format=spec.get("date_format", "%d-%m-%Y"),
        thousands=spec["encoding"] != "xlsx" and rng.random() < dd["thousands_share"],
    )
    return delivery


def _format_amount(value: float, thousands: bool) -> str:
    text = f"{value:,.2f}" if thousands else f"{value:.2f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def render_csv_lines(d: Delivery) -> list[str]:
    """The file's lines: header, data rows (dates in the file's format, decimal comma), blanks."""
    date_cols = [d.col(f) for f in DATE_FIELDS if f in d.fields]
    price_col = d.col("pris") if "pris" in d.fields else None
    data = [list(r) for r in d.rows if not isinstance(r, Blank)]
    # Format all date cells at once.
    positions = [(i, c) for i, r in enumerate(data) for c in date_cols if isinstance(r[c], int)]
    days = np.array([data[i][c] for i, c in positions], dtype=np.int64)
    for (i, c), t in zip(positions, format_days(days, d.date_format), strict=True):
        data[i][c] = t
    for r in data:
        if price_col is not None and isinstance(r[price_col], float):
            r[price_col] = _format_amount(r[price_col], d.thousands)
        for c, v in enumerate(r):
            if v is None:
                r[c] = ""
            elif not isinstance(v, str):
                r[c] = str(v)
    lines = csv_lines(d.header, data)
    out = [lines[0]]
    body = iter(lines[1:])
    for r in d.rows:
        out.append(r.text if isinstance(r, Blank) else next(body))
    return out


def render_xlsx_rows(d: Delivery) -> list[list[Any] | None]:
    """xlsx cells: day numbers become real Excel dates; text dates stay text."""
    date_cols = [d.col(f) for f in DATE_FIELDS if f in d.fields]
    out: list[list[Any] | None] = []
    for r in d.rows:
        if isinstance(r, Blank):
            out.append(None)
            continue
        row = list(r)
        for c in date_cols:
            if isinstance(row[c], int):
                row[c] = ExcelDate(row[c])
        out.append(row)
    return out
