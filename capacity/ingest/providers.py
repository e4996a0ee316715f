"""Suggestions for provider names that neither the mapping file nor a tilbud_id resolves.

The case systems name a provider as free text; Tilbudsportalen has the ids. For every unmatched
name the best offers are suggested: every offer of any extract, with its names from the latest
extract that lists it (rapidfuzz WRatio on tilbudsnavn and afdelingsnavn; an exact CVR match
when the delivery has the provider's CVR; a small bonus when the provider's municipality is the
offer's). A person reviews them and adds
the right ones to data_raw/mappings/leverandoerer.csv. Unmatched placements stay loaded with
their offer fields null.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import duckdb
import numpy as np
import polars as pl
from rapidfuzz import fuzz, process, utils

from capacity.ingest.load import query_frame, replace_table
from capacity.ingest.validate import rules

SUGGESTION_COLUMNS = (
    "leverandoer",
    "antal_placeringer",
    "forslag_tilbud_id",
    "forslag_navn",
    "score",
)

_UNMATCHED = """
SELECT p.leverandoer, count(*)::INTEGER AS antal_placeringer,
       min(p.leverandoer_cvr) AS cvr, mode(p.leverandoer_kommune) AS kommune
FROM placement_rows p
WHERE p.tilbud_id IS NULL
  AND NOT EXISTS (SELECT 1 FROM provider_map m WHERE m.leverandoer = p.leverandoer)
GROUP BY p.leverandoer
ORDER BY p.leverandoer
"""

# Every offer in any extract, as the latest extract that lists it names it: a placement from
# 2016 may be with an offer that has closed since.
_LATEST_OFFERS = """
SELECT DISTINCT tilbud_id, tilbudsnavn, coalesce(afdelingsnavn, '') AS afdelingsnavn,
       coalesce(cvr, '') AS cvr, beliggenhedskommune
FROM offers o
WHERE extract_date = (SELECT max(extract_date) FROM offers i WHERE i.tilbud_id = o.tilbud_id)
ORDER BY tilbud_id, tilbudsnavn, afdelingsnavn, cvr, beliggenhedskommune
"""


_SCHEMA = {
    "leverandoer": pl.String,
    "antal_placeringer": pl.Int32,
    "rank": pl.Int16,
    "forslag_tilbud_id": pl.Int32,
    "forslag_navn": pl.String,
    "score": pl.Float64,
    "basis": pl.String,
}
# Names are compared in blocks so the score matrix stays small at any scale.
_BLOCK = 2048


def _choices(offers: pl.DataFrame) -> tuple[list[str], pl.DataFrame]:
    """Distinct offer names (tilbudsnavn, then afdelingsnavn) and the offers behind each."""
    long = pl.concat(
        [
            offers.select("tilbud_id", "beliggenhedskommune", navn="tilbudsnavn", kind=pl.lit(0)),
            offers.select(
                "tilbud_id", "beliggenhedskommune", navn="afdelingsnavn", kind=pl.lit(1)
            ),
        ]
    ).filter(pl.col("navn") != "")
    names = long.get_column("navn").unique().sort().to_list()
    index = pl.DataFrame(
        {"navn": names, "choice": range(len(names))},
        schema={"navn": pl.String, "choice": pl.Int64},
    )
    return names, long.join(index, on="navn")


def _name_pairs(names: list[str], choices: list[str], cutoff: float) -> pl.DataFrame:
    """(name index, choice index, WRatio) for every pair scoring at least ``cutoff``."""
    parts = [pl.DataFrame(schema={"row": pl.Int64, "choice": pl.Int64, "score": pl.Float64})]
    if not choices:
        return parts[0]
    for start in range(0, len(names), _BLOCK):
        block = process.cdist(
            names[start : start + _BLOCK],
            choices,
            scorer=fuzz.WRatio,
            processor=utils.default_process,
            score_cutoff=cutoff,
            dtype=np.float32,
            workers=-1,
        )
        rows, cols = np.nonzero(block)
        parts.append(
            pl.DataFrame(
                {
                    "row": rows.astype(np.int64) + start,
                    "choice": cols.astype(np.int64),
                    "score": block[rows, cols].astype(np.float64),
                }
            )
        )
    return pl.concat(parts)


def compute_suggestions(unmatched: pl.DataFrame, offers: pl.DataFrame) -> pl.DataFrame:
    """One row per (unmatched name, suggestion), best first; a name with no suggestion above
    the threshold gets one row with the suggestion fields null."""
    conf = rules()["provider_suggestions"]
    min_score, per_provider = float(conf["min_score"]), int(conf["per_provider"])
    bonus = float(conf["municipality_bonus"])
    names = unmatched.with_row_index("row").with_columns(pl.col("row").cast(pl.Int64))
    choice_names, choice_offers = _choices(offers)
    pairs = _name_pairs(names.get_column("leverandoer").to_list(), choice_names, min_score - bonus)
    by_name = (
        pairs.join(choice_offers, on="choice")
        .join(names.select("row", "kommune"), on="row")
        .with_columns(
            same=pl.col("kommune").is_not_null()
            & (pl.col("kommune") == pl.col("beliggenhedskommune"))
        )
        .with_columns(
            score=pl.when("same")
            .then((pl.col("score") + bonus).clip(upper_bound=100.0))
            .otherwise("score"),
            basis=pl.when("same").then(pl.lit("name+kommune")).otherwise(pl.lit("name")),
        )
        .filter(pl.col("score") >= min_score)
        .select("row", "tilbud_id", "score", "basis", "kind", forslag_navn="navn")
    )
    # An exact CVR match is certain: it outranks any name match to the same offer.
    by_cvr = (
        names.select("row", "cvr")
        .filter(pl.col("cvr").is_not_null() & (pl.col("cvr") != ""))
        .join(offers.select("tilbud_id", "cvr", forslag_navn="tilbudsnavn"), on="cvr")
        .select(
            "row",
            "tilbud_id",
            score=pl.lit(100.0),
            basis=pl.lit("cvr"),
            kind=pl.lit(-1),
            forslag_navn="forslag_navn",
        )
    )
    ranked = (
        pl.concat([by_cvr, by_name.cast(by_cvr.schema)])
        # Per offer its best way of matching, then the best offers per name.
        .sort(
            "row",
            "tilbud_id",
            pl.col("score"),
            "kind",
            "forslag_navn",
            descending=[False, False, True, False, False],
        )
        .unique(["row", "tilbud_id"], keep="first", maintain_order=True)
        .sort("row", pl.col("score"), "tilbud_id", descending=[False, True, False])
        .with_columns(rank=pl.int_range(pl.len()).over("row") + 1)
        .filter(pl.col("rank") <= per_provider)
    )
    out = (
        names.select("row", "leverandoer", "antal_placeringer")
        .join(ranked, on="row", how="left")
        .sort("row", "rank", nulls_last=True)
        .with_columns(pl.col("score").round(1), forslag_tilbud_id="tilbud_id")
    )
    return out.select(list(_SCHEMA)).cast(_SCHEMA)


def write_review_file(suggestions: pl.DataFrame, path: Path) -> None:
    """The review file: ``;``-separated UTF-8 with BOM (opens correctly in Danish Excel)."""
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh, delimiter=";", lineterminator="\r\n")
        writer.writerow(SUGGESTION_COLUMNS)
        for r in suggestions.iter_rows(named=True):
            writer.writerow(
                [
                    r["leverandoer"],
                    r["antal_placeringer"],
                    "" if r["forslag_tilbud_id"] is None else r["forslag_tilbud_id"],
                    r["forslag_navn"] or "",
                    "" if r["score"] is None else f"{r['score']:.0f}",
                ]
            )
    os.replace(tmp, path)


def refresh_provider_suggestions(
    con: duckdb.DuckDBPyConnection, review_dir: Path | None
) -> tuple[int, Path | None]:
    """Rebuild provider_suggestions (and the review file when ``review_dir`` is given).

    Returns (number of unmatched provider names, review file path or None).
    """
    unmatched = query_frame(con, _UNMATCHED)
    offers = query_frame(con, _LATEST_OFFERS)
    suggestions = compute_suggestions(unmatched, offers)
    replace_table(con, "provider_suggestions", suggestions)
    path = None
    if review_dir is not None:
        path = review_dir / rules()["provider_suggestions"]["review_file"]
        write_review_file(suggestions, path)
    return unmatched.height, path
