"""Episodes (forløb): a person's placements chained across providers."""

from __future__ import annotations

import duckdb
import polars as pl

from capacity.metrics.base import derived_state, query


def table_episodes(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """One row per episode: placements of one person chained while the gap is <= gap_days.

    Columns: person_key, kommunekode (handlekommune at the start), target_group (at the
    start), start_date, end_date (null = ongoing at the data date), birth_date,
    paragraf_series, tilbud_id (first placement), episode_id, area (children/adults), sex,
    tg_source, paragraf, last_kommunekode, last_paragraf, last_tilbud_id, n_placements.
    Only offer types that count as places (metrics.yaml episodes.offer_types) form episodes.
    """
    derived_state(con)  # a clear message when the derived tables are missing
    return query(con, "table_episodes")
