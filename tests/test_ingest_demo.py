"""The demo region ingests to exactly what its manifest says was planted: rows, blank lines,
reject counts per reason, quarantined files and unknown providers."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from test_ingest_privacy import assert_no_cpr_values

TABLE_OF_KIND = {
    "tilbudsportalen": "offers",
    "provider_mapping": "provider_map",
    "population": "population",
    "projection": "population",
    "planned_capacity": "planned_capacity",
    "waiting_list": "waiting_list",
    "placements": "placement_rows",
}


@pytest.fixture(scope="module")
def demo(demo_data_raw: Path, demo_db: Path):
    manifest = json.loads((demo_data_raw / "demo_manifest.json").read_text("utf-8"))
    con = duckdb.connect(str(demo_db), read_only=True)
    yield manifest, con
    con.close()


def test_every_file_is_loaded_or_quarantined_and_reconciles(demo):
    manifest, con = demo
    log = con.execute(
        "SELECT file, kind, status, reason, rows_in, rows_loaded, rows_rejected FROM load_log"
    ).fetchall()
    inputs = set(manifest["placement_files"]) | set(manifest["quarantined_files"])
    inputs |= set(manifest.get("other_files", {}))
    assert {row[0] for row in log} == inputs  # files in = loaded + quarantined
    for file, kind, status, _reason, rows_in, loaded, rejected in log:
        assert status in ("loaded", "quarantined"), file
        assert rows_in == loaded + rejected, file
        (n,) = con.execute(
            f"SELECT count(*) FROM {TABLE_OF_KIND[kind]} WHERE file = ?", [file]
        ).fetchall()[0]
        (r,) = con.execute(
            "SELECT count(DISTINCT line) FROM rejects WHERE file = ?", [file]
        ).fetchall()[0]
        assert (n, r) == (loaded, rejected), file
    quarantined = {f: reason for f, _, status, reason, *_ in log if status == "quarantined"}
    assert quarantined == manifest["quarantined_files"]


def test_reject_counts_and_blank_lines_equal_the_manifest(demo):
    manifest, con = demo
    for file, spec in manifest["placement_files"].items():
        rows_in, blank, profile, encoding = con.execute(
            "SELECT rows_in, blank_lines, profile, encoding FROM load_log WHERE file = ?", [file]
        ).fetchall()[0]
        assert (rows_in, blank, profile) == (
            spec["data_rows"],
            spec["blank_lines"],
            spec["profile"],
        )
        assert encoding == spec["encoding"], file
        counts = dict(
            con.execute(
                "SELECT reason, count(*) FROM rejects WHERE file = ? GROUP BY 1", [file]
            ).fetchall()
        )
        expected = {reason: n for reason, n in spec["rejects"].items() if n}
        assert counts == expected, file
    for file, spec in manifest.get("other_files", {}).items():
        rows_in, rejected = con.execute(
            "SELECT rows_in, rows_rejected FROM load_log WHERE file = ?", [file]
        ).fetchall()[0]
        assert rows_in == spec["data_rows"], file
        expected = sum(spec.get("rejects", {}).values())
        assert rejected == expected, file


def test_unknown_providers_are_listed_for_review(demo):
    manifest, con = demo
    unmatched = {
        r[0] for r in con.execute("SELECT leverandoer FROM provider_suggestions").fetchall()
    }
    assert set(manifest["unknown_providers"]) <= unmatched


def test_demo_database_is_labelled_and_holds_no_cpr(demo):
    _, con = demo
    assert con.execute("SELECT value FROM meta WHERE key = 'synthetic'").fetchall()[0] == ("true",)
    assert_no_cpr_values(con)


def test_suggestions_find_the_offer_for_known_spelling_variants(demo):
    """Pretend the mapping file's spelling variants were unmapped: the best suggestion should
    be the offer the mapping names."""
    import polars as pl

    from capacity.ingest.load import query_frame
    from capacity.ingest.providers import _LATEST_OFFERS, compute_suggestions

    _, con = demo
    offers = query_frame(con, _LATEST_OFFERS)
    truth = query_frame(con, "SELECT leverandoer, tilbud_id FROM provider_map").filter(
        ~pl.col("leverandoer").is_in(offers["tilbudsnavn"].implode())
    )
    assert truth.height > 50
    unmatched = truth.select(
        "leverandoer",
        antal_placeringer=pl.lit(1, dtype=pl.Int32),
        cvr=pl.lit(None, dtype=pl.String),
        kommune=pl.lit(None, dtype=pl.String),
    )
    best = compute_suggestions(unmatched, offers).filter(pl.col("rank") == 1)
    hits = best.join(truth, on="leverandoer").filter(
        pl.col("forslag_tilbud_id") == pl.col("tilbud_id")
    )
    assert hits.height / truth.height >= 0.95
