"""Provider-name suggestions: how names, CVR and the provider's municipality rank the offers."""

from __future__ import annotations

import polars as pl

from capacity.ingest.providers import compute_suggestions

OFFERS = pl.DataFrame(
    {
        "tilbud_id": [101, 102, 103, 104, 105],
        "tilbudsnavn": [
            "Opholdsstedet Solbakken",
            "Bostedet Solbakke",
            "Botilbuddet Kastanjehaven",
            "Bocenter Lyngbakken",
            "Solbakken",
        ],
        "afdelingsnavn": ["", "", "Afdeling Kastanjen", "", ""],
        "cvr": ["11111111", "", "", "22222222", ""],
        "beliggenhedskommune": ["751", "740", "657", "791", "615"],
    }
)


def _unmatched(*rows: tuple[str, str | None, str | None]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "leverandoer": [r[0] for r in rows],
            "antal_placeringer": [3] * len(rows),
            "cvr": [r[1] for r in rows],
            "kommune": [r[2] for r in rows],
        },
        schema={
            "leverandoer": pl.String,
            "antal_placeringer": pl.Int32,
            "cvr": pl.String,
            "kommune": pl.String,
        },
    )


def test_best_name_match_first_and_at_most_three_per_name():
    out = compute_suggestions(_unmatched(("OPHOLDSSTEDET SOLBAKKEN APS", None, None)), OFFERS)
    assert out["rank"].to_list() == [1, 2, 3]
    assert out["forslag_tilbud_id"][0] == 101
    assert out["score"].to_list() == sorted(out["score"].to_list(), reverse=True)
    assert set(out["basis"]) == {"name"}


def test_cvr_match_outranks_any_name_match():
    out = compute_suggestions(_unmatched(("Solbakken", "22222222", None)), OFFERS)
    first = out.row(0, named=True)
    assert (first["forslag_tilbud_id"], first["score"], first["basis"]) == (104, 100.0, "cvr")
    assert first["forslag_navn"] == "Bocenter Lyngbakken"


def test_same_municipality_adds_the_bonus_and_says_so():
    plain = compute_suggestions(_unmatched(("Bostedet Solbakke ApS", None, None)), OFFERS)
    local = compute_suggestions(_unmatched(("Bostedet Solbakke ApS", None, "740")), OFFERS)
    score = dict(zip(plain["forslag_tilbud_id"], plain["score"], strict=True))
    row = local.filter(pl.col("forslag_tilbud_id") == 102).row(0, named=True)
    assert row["basis"] == "name+kommune"
    assert row["score"] == min(100.0, score[102] + 5)


def test_department_name_matches_and_is_named():
    out = compute_suggestions(_unmatched(("afdeling kastanjen", None, None)), OFFERS)
    first = out.row(0, named=True)
    assert (first["forslag_tilbud_id"], first["forslag_navn"]) == (103, "Afdeling Kastanjen")


def test_name_without_any_good_match_keeps_one_empty_row():
    out = compute_suggestions(
        _unmatched(("Zxqv Ytrewq", None, None), ("Bocenter Lyngbakken", None, None)), OFFERS
    )
    assert out["leverandoer"].to_list()[0] == "Zxqv Ytrewq"
    lonely = out.filter(pl.col("leverandoer") == "Zxqv Ytrewq")
    assert lonely.height == 1
    assert lonely["forslag_tilbud_id"][0] is None and lonely["rank"][0] is None
    assert out.filter(pl.col("leverandoer") == "Bocenter Lyngbakken")["rank"][0] == 1


def test_no_offers_means_no_suggestions_but_every_name_listed():
    out = compute_suggestions(_unmatched(("Solbakken", None, None)), OFFERS.clear())
    assert out.height == 1 and out["forslag_tilbud_id"][0] is None
