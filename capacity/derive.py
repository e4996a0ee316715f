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


def _paragraph_frame(paragraphs: dict[str, dict[str, str | None]]) -> pl.DataFrame:
    return pl.DataFrame(
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


def compute_episode_ids(chain: pl.DataFrame, gap_days: int) -> pl.DataFrame:
    """Episode id and position of each counted placement (the rows of derive_chain.sql).

    A placement opens a new episode when more than ``gap_days`` days without any placement
    lie between it and every earlier placement's end (in the same person and part). Episodes
    are numbered 1, 2, ... in the order (person, part, episode within the person), so the
    numbers equal ``dense_rank() OVER (ORDER BY person_key, part, sequence_no)``; episode_seq
    orders an episode's placements by start, source_rank, file and line. Returns rid,
    episode_id, episode_seq.
    """
    if chain.height == 0:
        return pl.DataFrame(
            schema={"rid": pl.Int64, "episode_id": pl.Int64, "episode_seq": pl.Int32}
        )
    # One linear pass instead of window functions: the running maximum of the earlier ends
    # within a (person, part) group is a global running maximum of (group, end) packed into
    # one integer, because the groups arrive in order.
    span = 1 << 32
    new_group = (
        (pl.col("person_no") != pl.col("person_no").shift(1))
        | (pl.col("part_no") != pl.col("part_no").shift(1))
    ).fill_null(True)
    group = new_group.cum_sum().cast(pl.Int64)
    packed = pl.col("group") * span + (pl.col("end_day").cast(pl.Int64) + (1 << 31))
    previous_end = (
        pl.when(~pl.col("new_group"))
        .then(packed.cum_max().shift(1) - pl.col("group") * span - (1 << 31))
        .otherwise(None)
    )
    opens = pl.col("previous_end").is_null() | (
        pl.col("start_day").cast(pl.Int64) - pl.col("previous_end") - 1 > gap_days
    )
    numbered = (
        chain.lazy()
        .sort(["person_no", "part_no", "start_day", "end_day", "file_no", "line"])
        .with_columns(new_group=new_group, group=group)
        .with_columns(previous_end=previous_end)
        .with_columns(episode_id=opens.cast(pl.Int64).cum_sum())
        .sort(["episode_id", "start_day", "source_rank", "file_no", "line"])
    )
    index = pl.int_range(pl.len(), dtype=pl.Int64)
    first = (
        pl.when(pl.col("episode_id") != pl.col("episode_id").shift(1).fill_null(-1))
        .then(index)
        .otherwise(None)
        .forward_fill()
    )
    return numbered.select(
        pl.col("rid").cast(pl.Int64),
        "episode_id",
        (index - first + 1).cast(pl.Int32).alias("episode_seq"),
    ).collect()


def _name_lookup(
    con: duckdb.DuckDBPyConnection, rules: TargetGroupRules
) -> tuple[pl.DataFrame, int]:
    """The classification of every distinct name string, and the rows with an unknown name."""
    keys = con.sql("SELECT tg_key, count(*) AS n FROM derived_staged GROUP BY tg_key").pl()
    lookup = table_name_classification([*keys["tg_key"].to_list(), ""], rules)
    unknown = (
        keys.join(lookup.select("tg_key", "tg_unknown"), on="tg_key", how="left")
        .filter(pl.col("tg_unknown").list.len() > 0)
        .get_column("n")
        .sum()
    )
    return lookup, int(unknown or 0)


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
    # The staging query is a temporary view (not persisted, not in the WAL), read three times
    # in the rebuild's transaction: its distinct name strings, the chaining columns of the
    # counted placements, then every column for the insert.
    con.register("derived_paragraphs", _paragraph_frame(paragraphs))
    con.execute("CREATE OR REPLACE TEMP VIEW derived_staged AS " + read_sql("derive_stage"))
    # derive_episode_years.sql has an ASOF join whose left side DuckDB can underestimate; its
    # nested-loop fallback for "small" inputs then takes seconds on the demo. Always use the
    # real ASOF operator (reset afterwards: the connection is the caller's).
    con.execute("SET asof_loop_join_threshold = 0")
    try:
        con.execute("BEGIN TRANSACTION")
        try:
            lookup, unknown_rows = _name_lookup(con, rules)
            con.register("derived_names", lookup)
            chain = con.sql(
                read_sql("derive_chain"),
                params={
                    "age_cut": rules.age_cut,
                    "offer_types": settings.episodes.offer_types,
                    "split_by_area": settings.episodes.split_by_area,
                },
            ).pl()
            episode_ids = compute_episode_ids(chain, settings.episodes.gap_days)
            con.register("derived_episode_ids", episode_ids)
            for table in DERIVED_TABLES:
                con.execute(f"DELETE FROM {table}")
            con.execute(
                read_sql("derive_placements"),
                {
                    **rule_params,
                    "aftercare_on": rules.aftercare_enabled,
                    "aftercare_paragraphs": list(rules.aftercare_paragraphs),
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
        con.execute("RESET asof_loop_join_threshold")
        con.execute("DROP VIEW IF EXISTS temp.derived_staged")
        for name in ("derived_paragraphs", "derived_names", "derived_episode_ids"):
            con.unregister(name)
    con.execute("CHECKPOINT")
    n_placements, n_episodes, n_years = counts
    return DerivedSummary(
        placements=int(n_placements),
        episodes=int(n_episodes),
        episode_years=int(n_years),
        unknown_name_rows=unknown_rows,
        window=window,
    )
