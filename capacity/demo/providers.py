"""Provider names as the case systems spell them, and the hand-maintained mapping file.

Each municipality's system spells a provider one way: mostly the Tilbudsportalen name, sometimes
a variant (ASCII letters, "og" for "&", without the prefix, upper case, with a suffix). The
mapping covers most but not all spellings; the rest are left for fuzzy matching.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from capacity.demo.offers import OfferRows

_ASCII = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "Æ": "Ae", "Ø": "Oe", "Å": "Aa"})


def spelling_variants(name: str, owner: str, kommune: str) -> list[str]:
    """Plausible other spellings of a provider name (never the name itself)."""
    out = []
    if name.translate(_ASCII) != name:
        out.append(name.translate(_ASCII))
    if "&" in name:
        out.append(name.replace("&", "og"))
    elif " og " in name:
        out.append(name.replace(" og ", " & "))
    words = name.split(" ")
    if len(words) >= 2 and len(words[-1]) >= 6:
        out.append(words[-1])
    out.append(name.upper())
    if owner == "privat":
        out.append(f"{name} ApS")
    elif owner == "kommunal":
        out.append(f"{name}, {kommune} Kommune")
    return [v for v in dict.fromkeys(out) if v != name]


def assign_spellings(
    rng: np.random.Generator,
    conf: dict[str, Any],
    placements: pl.DataFrame,
    offers: OfferRows,
    names: list[str],
) -> tuple[np.ndarray, dict[str, int]]:
    """Provider name per placement row, and the variant spellings that occur (-> tilbud_id)."""
    pconf = conf["provider_names"]
    fixed = set(conf["offers"]["fixed_names"])
    tilbud_first: dict[int, int] = {}
    for i, t in enumerate(offers.tilbud_id.tolist()):
        tilbud_first.setdefault(t, i)
    pairs = placements.select("muni", "tilbud_id").unique().sort(["tilbud_id", "muni"])
    chosen: dict[tuple[int, int], str] = {}
    fixed_seen: dict[str, int] = {}
    for muni, tid in pairs.iter_rows():
        r = tilbud_first[tid]
        name = offers.tilbudsnavn[r]
        variants = spelling_variants(name, offers.owner[r], names[muni])
        spelled = name
        if name in fixed:
            # The example names of the brief alternate with their first variant.
            n = fixed_seen.get(name, 0)
            fixed_seen[name] = n + 1
            if n % 2 == 1:
                spelled = variants[0]
        elif variants and rng.random() < pconf["variant_share"]:
            spelled = variants[int(rng.integers(len(variants)))]
        chosen[(muni, tid)] = spelled
    lookup = pl.DataFrame(
        {
            "muni": [k[0] for k in chosen],
            "tilbud_id": [k[1] for k in chosen],
            "leverandoer": list(chosen.values()),
        },
        schema_overrides={
            "muni": placements.schema["muni"],
            "tilbud_id": placements.schema["tilbud_id"],
        },
    )
    joined = placements.select("muni", "tilbud_id").join(
        lookup, on=["muni", "tilbud_id"], how="left", maintain_order="left"
    )
    exact = set(offers.tilbudsnavn)
    used_variants = {v: k[1] for k, v in chosen.items() if v not in exact}
    return joined["leverandoer"].to_numpy(), used_variants


def table_provider_mapping(
    rng: np.random.Generator,
    conf: dict[str, Any],
    offers: OfferRows,
    used_variants: dict[str, int],
) -> pl.DataFrame:
    """``leverandoer;tilbud_id``: most exact names and most used variants, sorted by name."""
    pconf = conf["provider_names"]
    fixed = set(conf["offers"]["fixed_names"])
    rows: dict[str, int] = {}
    seen: set[str] = set()
    for name, tid in zip(offers.tilbudsnavn, offers.tilbud_id.tolist(), strict=True):
        if name in seen:
            continue
        seen.add(name)
        if name in fixed or rng.random() < pconf["mapped_exact_share"]:
            rows[name] = tid
    fixed_variants = {spelling_variants(n, "", "")[0] for n in fixed}
    for variant in sorted(used_variants):
        if variant in fixed_variants or rng.random() < pconf["mapped_variant_share"]:
            rows[variant] = used_variants[variant]
    names = sorted(rows)
    return pl.DataFrame({"leverandoer": names, "tilbud_id": [str(rows[n]) for n in names]})
