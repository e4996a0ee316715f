"""Small hand-built databases for the target-group and metrics tests (no demo, no ingest)."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import duckdb

from capacity.config import read_sql
from capacity.derive import DerivedSummary, rebuild_derived
from capacity.metrics.settings import MetricsSettings, load_settings
from capacity.targetgroups import TargetGroupRules

# The paragraph attributes the tests rely on (a subset of paragraphs.yaml, fixed here so the
# tests do not depend on another helper's file).
PARAGRAPHS: dict[str, dict[str, str | None]] = {
    "SEL_107": {"area": "adults", "offer_type": "residential", "series": "SEL_107"},
    "SEL_108": {"area": "adults", "offer_type": "residential", "series": "SEL_108"},
    "ABL_105_SEL_85": {"area": "adults", "offer_type": "residential", "series": "ABL_105_SEL_85"},
    "SEL_85": {"area": "adults", "offer_type": "day", "series": "SEL_85"},
    "SEL_104": {"area": "adults", "offer_type": "day", "series": "SEL_104"},
    "SEL_52_3_7": {"area": "children", "offer_type": "residential", "series": "CHILD"},
    "BL_ANBRINGELSE": {"area": "children", "offer_type": "residential", "series": "CHILD"},
    "BL_114": {"area": "children", "offer_type": "residential", "series": "AFTERCARE"},
}

_line = itertools.count(1)


def d(text: str) -> dt.date:
    """ISO date literal."""
    return dt.date.fromisoformat(text)


def make_db() -> duckdb.DuckDBPyConnection:
    """An in-memory database with the base schema."""
    con = duckdb.connect()
    con.execute(read_sql("schema"))
    return con


def _insert(con: duckdb.DuckDBPyConnection, table: str, row: dict[str, object]) -> None:
    columns = ", ".join(row)
    marks = ", ".join("?" for _ in row)
    con.execute(f"INSERT INTO {table} ({columns}) VALUES ({marks})", list(row.values()))


def add_placement(
    con: duckdb.DuckDBPyConnection,
    *,
    person: str,
    birth: str,
    start: str,
    end: str | None = None,
    kommune: str = "751",
    paragraf: str = "SEL_108",
    leverandoer: str = "Bostedet",
    tilbud_id: int | None = None,
    annual_cost: float | None = None,
    primary: str | None = None,
    secondary: str | None = None,
    sex: str = "M",
    file: str = "placements/751/a.csv",
) -> None:
    """Insert one placement row (person is used as the person key)."""
    birth_date = d(birth)
    _insert(
        con,
        "placement_rows",
        {
            "file": file,
            "line": next(_line),
            "person_key": person,
            "birth_date": birth_date,
            "birth_year": birth_date.year,
            "sex": sex,
            "handlekommune": kommune,
            "paragraf": paragraf,
            "paragraf_raw": paragraf,
            "leverandoer": leverandoer,
            "tilbud_id": tilbud_id,
            "start_date": d(start),
            "end_date": d(end) if end else None,
            "annual_cost": Decimal(str(annual_cost)) if annual_cost is not None else None,
            "primaer_maalgruppe": primary,
            "sekundaer_maalgruppe": secondary,
        },
    )


def add_offer(
    con: duckdb.DuckDBPyConnection,
    *,
    extract: str,
    tilbud_id: int,
    pladser: int,
    maalgrupper: str | None = None,
    paragraf: str = "SEL_108",
    afdeling_id: int | None = None,
    ejerform: str = "kommunal",
    driftsherre: str | None = "751",
    beliggenhed: str = "751",
    in_region: bool = True,
    godkendt: bool = True,
    takst: float | None = 2000.0,
    alder_fra: int | None = 18,
    alder_til: int | None = 99,
    name: str | None = None,
) -> None:
    """Insert one Tilbudsportalen row."""
    _insert(
        con,
        "offers",
        {
            "file": f"tilbudsportalen/{extract}.csv",
            "line": next(_line),
            "extract_date": d(extract),
            "tilbud_id": tilbud_id,
            "tilbudsnavn": name or f"Tilbud {tilbud_id}",
            "afdeling_id": afdeling_id if afdeling_id is not None else tilbud_id * 10,
            "ejerform": ejerform,
            "driftsherre": driftsherre,
            "beliggenhedskommune": beliggenhed,
            "in_region": in_region,
            "paragraf": paragraf,
            "pladser": pladser,
            "maalgrupper": maalgrupper,
            "alder_fra": alder_fra,
            "alder_til": alder_til,
            "takst": Decimal(str(takst)) if takst is not None else None,
            "godkendt": godkendt,
        },
    )


def settings_with(**changes: object) -> MetricsSettings:
    """The packaged metrics settings with some fields replaced."""
    base = load_settings().model_dump()
    for key, value in changes.items():
        if key.startswith("episodes_"):
            base["episodes"][key.removeprefix("episodes_")] = value
        else:
            base[key] = value
    return MetricsSettings.model_validate(base)


def rebuild(
    con: duckdb.DuckDBPyConnection,
    *,
    rules: TargetGroupRules | None = None,
    settings: MetricsSettings | None = None,
    **setting_changes: object,
) -> DerivedSummary:
    """rebuild_derived with the test paragraphs (and optional setting changes)."""
    if settings is None:
        settings = settings_with(**setting_changes)
    return rebuild_derived(con, rules=rules, settings=settings, paragraphs=PARAGRAPHS)
