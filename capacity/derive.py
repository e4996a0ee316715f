"""Derived tables, rebuilt by ingest (the single writer) after every load.

Interim version: resolves tilbud_id through the provider mapping. Target-group
classification replaces this module's body (issue 5).
"""

from __future__ import annotations

import duckdb


def rebuild_derived(con: duckdb.DuckDBPyConnection) -> None:
    """Rebuild every derived table/view from the loaded base tables (own transaction)."""
    con.execute("BEGIN")
    con.execute(
        """
        CREATE OR REPLACE VIEW placements AS
        SELECT r.*, coalesce(r.tilbud_id, m.tilbud_id) AS tilbud_id_resolved,
               CAST(NULL AS VARCHAR) AS target_group, CAST(NULL AS VARCHAR) AS tg_source
        FROM placement_rows r LEFT JOIN provider_map m USING (leverandoer)
        """
    )
    con.execute("COMMIT")
