"""Settings of the derived tables and metrics (capacity/conf/metrics.yaml), validated."""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path

import duckdb
import yaml
from pydantic import BaseModel, ConfigDict, Field

from capacity.config import CONF_DIR, load_conf


class EpisodeSettings(BaseModel):
    """How placements are chained into episodes."""

    model_config = ConfigDict(extra="forbid")
    gap_days: int = Field(ge=0)
    split_by_area: bool
    offer_types: list[str] | None = Field(min_length=1)  # null = every offer type


class TransitionSettings(BaseModel):
    """The window around the 18th birthday for child -> adult transitions."""

    model_config = ConfigDict(extra="forbid")
    months_before_18: int = Field(ge=0)
    months_after_18: int = Field(ge=1)


class MetricsSettings(BaseModel):
    """The content of metrics.yaml."""

    model_config = ConfigDict(extra="forbid")
    data_date: dt.date | None = None
    first_year: int | None = None
    last_year: int | None = None
    complete_year_slack_days: int = Field(ge=0, le=365)
    episodes: EpisodeSettings
    littles_law_tolerance: float = Field(gt=0)
    expensive_thresholds: list[int]
    capacity_change_threshold: int = Field(ge=0)
    transition: TransitionSettings


@cache
def _default_settings() -> MetricsSettings:
    return MetricsSettings.model_validate(load_conf("metrics"))


def load_settings(path: Path | str | None = None) -> MetricsSettings:
    """Metrics settings from ``path`` (default: the packaged metrics.yaml)."""
    if path is None:
        return _default_settings()
    with Path(path).open(encoding="utf-8") as fh:
        return MetricsSettings.model_validate(yaml.safe_load(fh))


def paragraph_attributes(
    con: duckdb.DuckDBPyConnection | None = None,
) -> dict[str, dict[str, str | None]]:
    """Paragraph code -> {area, offer_type, series}.

    From the ``paragraphs`` table ingest fills when ``con`` has it with rows, else from
    paragraphs.yaml (owned by ingest), else empty: derive then falls back on age for the area
    and no offer type counts as a place unless metrics.yaml says all types count.
    """
    if con is not None:
        has_table = con.execute(
            "SELECT count(*) FROM information_schema.tables "
            "WHERE table_schema = 'main' AND table_name = 'paragraphs'"
        ).fetchall()[0][0]
        if has_table:
            rows = con.execute("SELECT code, area, offer_type, series FROM paragraphs").fetchall()
            if rows:
                return {c: {"area": a, "offer_type": o, "series": s} for c, a, o, s in rows}
    if not (CONF_DIR / "paragraphs.yaml").exists():
        return {}
    conf = load_conf("paragraphs")
    entries = conf.get("paragraphs", []) if isinstance(conf, dict) else conf
    out: dict[str, dict[str, str | None]] = {}
    for entry in entries or []:
        out[str(entry["code"])] = {
            "area": entry.get("area"),
            "offer_type": entry.get("offer_type"),
            "series": entry.get("series"),
        }
    return out
