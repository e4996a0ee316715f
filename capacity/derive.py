"""Derived tables, rebuilt by ingest (the single writer) after every load.

``rebuild_derived`` turns the base tables into what analysis reads (docs/schema.md, "Derived
tables"): ``placements`` (one row per loaded placement period with the resolved offer and the
target-group classification), ``episodes`` (placements chained into stays), ``episode_years``
(each episode's municipality and target group per year of the data window) and
``derived_meta`` (the data window and the rule values the metrics need).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

import duckdb
import polars as pl

from capacity.config import read_sql
from capacity.metrics.settings import MetricsSettings, load_settings, paragraph_attributes
from capacity.targetgroups import TargetGroupRules, load_rules, table_name_classification

DERIVED_TABLES = ("episode_years", "episodes", "placements", "derived_meta")


@dataclass(frozen=True)
class DataWindow:
    """The data date and the complete calendar years the time series cover."""

    data_date: dt.date | None
    first_year: int | None
    last_year: int | None


@dataclass(frozen=True)
class DerivedSummary:
    """What a rebuild produced (for ingest's summary)."""

    placements: int
    episodes: int
    episode_years: int
    unknown_name_rows: int
    window: DataWindow


def _schema_hash() -> str:
    return hashlib.sha256(read_sql("derived_schema").encode("utf-8")).hexdigest()[:16]


def _object_type(con: duckdb.DuckDBPyConnection, name: str) -> str | None:
    rows = con.execute(
        "SELECT table_type FROM information_schema.tables "
        "WHERE table_schema = 'main' AND table_name = ?",
        [name],
    ).fetchall()
    return str(rows[0][0]) if rows else None


def _ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the derived tables (DDL outside any load transaction, then CHECKPOINT)."""
    wanted = _schema_hash()
    current = None
    if _object_type(con, "derived_meta") is not None:
        rows = con.execute("SELECT value FROM derived_meta WHERE key = 'schema_hash'").fetchall()
        current = rows[0][0] if rows else None
    if current == wanted and all(_object_type(con, t) == "BASE TABLE" for t in DERIVED_TABLES):
        return
    for name in DERIVED_TABLES:
        kind = _object_type(con, name)
        if kind == "VIEW":
            con.execute(f"DROP VIEW {name}")
        elif kind is not None:
            con.execute(f"DROP TABLE {name}")
    con.execute(read_sql("derived_schema"))
    con.execute("INSERT INTO derived_meta VALUES ('schema_hash', ?)", [wanted])
    con.execute("CHECKPOINT")


def resolve_window(con: duckdb.DuckDBPyConnection, settings: MetricsSettings) -> DataWindow:
    """The data date and window years (metrics.yaml, else meta.data_date, else from the data)."""
    max_start, min_start, min_end = con.execute(
        "SELECT max(start_date), min(start_date), min(end_date) FROM placement_rows"
    ).fetchall()[0]
    data_date = settings.data_date
    if data_date is None and _object_type(con, "meta") is not None:
        meta = con.execute("SELECT value FROM meta WHERE key = 'data_date'").fetchall()
        if meta:
            data_date = dt.date.fromisoformat(str(meta[0][0])[:10])
    if data_date is None:
        data_date = max_start
    if data_date is None:
        return DataWindow(None, None, None)
    first = settings.first_year
    if first is None:
        first = (min_end or min_start).year
    last = settings.last_year
    if last is None:
        year_end = dt.date(data_date.year, 12, 31)
        complete = (year_end - data_date).days <= settings.complete_year_slack_days
        last = data_date.year if complete else data_date.year - 1
    return DataWindow(data_date, first, last)


def _stage(
    con: duckdb.DuckDBPyConnection,
    rules: TargetGroupRules,
    paragraphs: dict[str, dict[str, str | None]],
) -> pl.DataFrame:
    """Staging rows with the target-group classification and paragraph attributes."""
    stage = con.sql(read_sql("derive_stage")).pl()
    stage = stage.with_columns(
        pl.when(pl.col("citizen_key").is_not_null())
        .then(pl.lit("citizen"))
        .when(pl.col("offer_key").is_not_null())
        .then(pl.lit("offer"))
        .otherwise(pl.lit("none"))
        .alias("tg_source"),
        pl.coalesce("citizen_key", "offer_key").fill_null("").alias("tg_key"),
    )
    lookup = table_name_classification([*stage["tg_key"].unique().to_list(), ""], rules)
    para = pl.DataFrame(
        [
            {
                "paragraf": code,
                "paragraf_area": attrs.get("area"),
                "offer_type": attrs.get("offer_type"),
                "paragraf_series": attrs.get("series"),
            }
            for code, attrs in sorted(paragraphs.items())
        ],
        schema={
            "paragraf": pl.String,
            "paragraf_area": pl.String,
            "offer_type": pl.String,
            "paragraf_series": pl.String,
        },
        orient="row",
    )
    return (
        stage.join(lookup, on="tg_key", how="left")
        .join(para, on="paragraf", how="left")
        .drop("citizen_key", "offer_key", "tg_key", "paragraf")
    )


def rebuild_derived(
    con: duckdb.DuckDBPyConnection,
    *,
    rules: TargetGroupRules | None = None,
    settings: MetricsSettings | None = None,
    paragraphs: dict[str, dict[str, str | None]] | None = None,
) -> DerivedSummary:
    """Rebuild every derived table from the loaded base tables (own transaction + CHECKPOINT).

    ``rules`` (target_groups.yaml) and ``settings`` (metrics.yaml) default to the packaged
    configuration; ``paragraphs`` (code -> area/offer_type/series) defaults to the paragraphs
    table ingest fills, else capacity/conf/paragraphs.yaml.
    """
    rules = rules or load_rules()
    settings = settings or load_settings()
    _ensure_schema(con)
    if paragraphs is None:
        paragraphs = paragraph_attributes(con)
    window = resolve_window(con, settings)
    stage = _stage(con, rules, paragraphs)
    unknown_rows = int(stage.filter(pl.col("tg_unknown").list.len() > 0).height)

    rule_params = {
        "age_cut": rules.age_cut,
        "aftercare_max_age": rules.aftercare_max_age if rules.aftercare_enabled else -1,
    }
    meta = {
        "schema_hash": _schema_hash(),
        "data_date": window.data_date.isoformat() if window.data_date else "",
        "first_year": str(window.first_year or ""),
        "last_year": str(window.last_year or ""),
        "age_cut": str(rules.age_cut),
        "aftercare_max_age": str(rule_params["aftercare_max_age"]),
        "episode_gap_days": str(settings.episodes.gap_days),
        "episode_split_by_area": str(settings.episodes.split_by_area).lower(),
        "episode_offer_types": "|".join(settings.episodes.offer_types or []),
    }
    con.register("derived_stage", stage)
    try:
        con.execute("BEGIN TRANSACTION")
        try:
            for table in DERIVED_TABLES:
                con.execute(f"DELETE FROM {table}")
            con.execute(
                read_sql("derive_placements"),
                {
                    **rule_params,
                    "aftercare_on": rules.aftercare_enabled,
                    "aftercare_paragraphs": list(rules.aftercare_paragraphs),
                    "offer_types": settings.episodes.offer_types,
                    "gap_days": settings.episodes.gap_days,
                    "split_by_area": settings.episodes.split_by_area,
                },
            )
            if window.data_date is not None:
                con.execute(read_sql("derive_episodes"), {"data_date": window.data_date})
                first, last = window.first_year, window.last_year
                if first is not None and last is not None and last >= first:
                    con.execute(
                        read_sql("derive_episode_years"),
                        {
                            **rule_params,
                            "data_date": window.data_date,
                            "first_year": window.first_year,
                            "last_year": window.last_year,
                        },
                    )
            con.executemany("INSERT INTO derived_meta VALUES (?, ?)", sorted(meta.items()))
            counts = con.execute(
                "SELECT (SELECT count(*) FROM placements), (SELECT count(*) FROM episodes), "
                "(SELECT count(*) FROM episode_years)"
            ).fetchall()[0]
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    finally:
        con.unregister("derived_stage")
    con.execute("CHECKPOINT")
    n_placements, n_episodes, n_years = counts
    return DerivedSummary(
        placements=int(n_placements),
        episodes=int(n_episodes),
        episode_years=int(n_years),
        unknown_name_rows=unknown_rows,
        window=window,
    )
