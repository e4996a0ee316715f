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


def compute_suggestions(unmatched: pl.DataFrame, offers: pl.DataFrame) -> pl.DataFrame:
    """One row per (unmatched name, suggestion), best first; a name with no suggestion above
    the threshold gets one row with the suggestion fields null."""
    conf = rules()["provider_suggestions"]
    min_score, per_provider = float(conf["min_score"]), int(conf["per_provider"])
    bonus = float(conf["municipality_bonus"])
    schema = {
        "leverandoer": pl.String,
        "antal_placeringer": pl.Int32,
        "rank": pl.Int16,
        "forslag_tilbud_id": pl.Int32,
        "forslag_navn": pl.String,
        "score": pl.Float64,
        "basis": pl.String,
    }
    rows: list[dict] = []
    # Choices: each offer by its tilbudsnavn and by its afdelingsnavn.
    choice_ids: list[int] = []
    choice_names: list[str] = []
    choice_kommune: list[str | None] = []
    for o in offers.iter_rows(named=True):
        for name in {o["tilbudsnavn"], o["afdelingsnavn"]} - {""}:
            choice_ids.append(o["tilbud_id"])
            choice_names.append(name)
            choice_kommune.append(o["beliggenhedskommune"])
    by_cvr: dict[str, list[tuple[int, str]]] = {}
    for o in offers.iter_rows(named=True):
        if o["cvr"]:
            by_cvr.setdefault(o["cvr"], []).append((o["tilbud_id"], o["tilbudsnavn"]))
    names = unmatched.get_column("leverandoer").to_list()
    scores = (
        process.cdist(names, choice_names, scorer=fuzz.WRatio, processor=utils.default_process)
        if names and choice_names
        else np.zeros((len(names), 0))
    )
    for i, u in enumerate(unmatched.iter_rows(named=True)):
        best: dict[int, tuple[float, str, str]] = {}
        for tilbud_id, navn in by_cvr.get(u["cvr"] or "", []):
            best[tilbud_id] = (100.0, navn, "cvr")
        for j in np.flatnonzero(scores[i] >= min_score - bonus) if scores.size else []:
            score = float(scores[i, j])
            basis = "name"
            if u["kommune"] and u["kommune"] == choice_kommune[j]:
                score, basis = min(100.0, score + bonus), "name+kommune"
            if score < min_score:
                continue
            tid = choice_ids[j]
            if tid not in best or score > best[tid][0]:
                best[tid] = (score, choice_names[j], basis)
        ranked = sorted(best.items(), key=lambda kv: (-kv[1][0], kv[0]))[:per_provider]
        if not ranked:
            rows.append(
                {"leverandoer": u["leverandoer"], "antal_placeringer": u["antal_placeringer"]}
            )
        for rank, (tid, (score, navn, basis)) in enumerate(ranked, start=1):
            rows.append(
                {
                    "leverandoer": u["leverandoer"],
                    "antal_placeringer": u["antal_placeringer"],
                    "rank": rank,
                    "forslag_tilbud_id": tid,
                    "forslag_navn": navn,
                    "score": round(score, 1),
                    "basis": basis,
                }
            )
    return pl.DataFrame(rows, schema=schema)


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
