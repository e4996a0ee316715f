"""The synthetic offer universe (Tilbudsportalen): offers, departments, paragraphs, places, rates.

One row of :class:`OfferRows` is one offer x department x paragraph, the unit of an extract.
Offers open and close between extract dates; a few rows change by more than ±10 places.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from capacity.demo.calendar import OPEN_END, day, year_of

OWNERS = ("kommunal", "regional", "selvejende", "privat")


@dataclass
class OfferRows:
    """Column arrays, one entry per offer x department x paragraph (internal paragraph codes)."""

    tilbud_id: np.ndarray
    tilbudsnavn: list[str]
    afdeling_id: np.ndarray
    afdelingsnavn: list[str]
    cvr: list[str]
    virksomhedsform: list[str]
    owner: list[str]
    driftsherre: list[str]
    location: list[str]  # beliggenhedskommune
    in_region: np.ndarray
    offer_type: list[str]
    paragraph: list[str]
    maalgrupper: list[str]
    alder_fra: np.ndarray
    alder_til: np.ndarray
    places: np.ndarray  # [row, extract]
    takst_2025: np.ndarray
    open_day: np.ndarray
    close_day: np.ndarray
    first_extract_not_approved: np.ndarray
    not_approved: np.ndarray  # [row, extract]

    @property
    def n(self) -> int:
        return self.tilbud_id.size


def _offer_names(rng: np.random.Generator, conf: dict[str, Any], n: int) -> list[str]:
    heads, tails = conf["name_heads"], conf["name_tails"]
    stems = [h + t for h in heads for t in tails]
    fixed_stems = {name.split(" ")[-1] for name in conf["fixed_names"]}
    stems = [s for s in stems if s not in fixed_stems]
    order = rng.permutation(len(stems))[:n]
    names = [stems[i] for i in order]
    # Scaled-up regions (benchmarks) need more names than the pool: numbered variants.
    for k in range(len(names), n):
        names.append(f"{stems[order[k % len(order)]]} {k // len(order) + 1}")
    return names


def _unique_ints(rng: np.random.Generator, bounds: Any, n: int) -> np.ndarray:
    """``n`` distinct integers in ``[lo, hi)``."""
    lo, hi = int(bounds[0]), int(bounds[1])
    return lo + rng.choice(hi - lo, n, replace=False)


def _choice(rng: np.random.Generator, weights: dict[str, float]) -> str:
    keys = list(weights)
    p = np.array([weights[k] for k in keys], dtype=float)
    return keys[int(rng.choice(len(keys), p=p / p.sum()))]


def build_offers(
    rng: np.random.Generator,
    conf: dict[str, Any],
    municipalities: list[dict[str, Any]],
    outside: list[dict[str, Any]],
    region_code: str,
) -> OfferRows:
    """Draw the offer universe and its history over the extract dates."""
    oconf = conf["offers"]
    codes = [str(m["code"]) for m in municipalities]
    pops = np.array([m["population_2024"] for m in municipalities], dtype=float)
    outside_codes = [str(m["code"]) for m in outside]
    extract_days = np.array([day(d) for d in conf["reference"]["tilbudsportalen_dates"]])

    # 1. Offers: (type, owner, location, driftsherre), guaranteeing every municipality its own
    #    offer for people with intellectual disability and a day offer.
    offers: list[dict[str, Any]] = []
    for type_name, tconf in oconf["types"].items():
        for owner_key, count in tconf["count"].items():
            for k in range(int(count)):
                if owner_key == "outside":
                    owner = _choice(rng, oconf["outside_ownership"])
                    loc = outside_codes[int(rng.integers(len(outside_codes)))]
                    drift = loc if owner == "kommunal" else ""
                elif owner_key == "kommunal":
                    owner = "kommunal"
                    guaranteed = type_name in ("udviklingshaemning_voksne", "dagtilbud_voksne")
                    if guaranteed and k < len(codes):
                        loc = codes[k]
                    else:
                        loc = codes[int(rng.choice(len(codes), p=pops / pops.sum()))]
                    drift = loc
                elif owner_key == "regional":
                    owner = "regional"
                    loc = codes[int(rng.choice(len(codes), p=pops / pops.sum()))]
                    drift = region_code
                else:
                    owner = owner_key
                    w = pops**0.6
                    loc = codes[int(rng.choice(len(codes), p=w / w.sum()))]
                    drift = ""
                offers.append({"type": type_name, "owner": owner, "loc": loc, "drift": drift})
    # New offers that open between extracts (in the region, private or municipal).
    n_intervals = extract_days.size - 1
    type_names = list(oconf["types"])
    adult_or_child = [t for t in type_names if t != "dagtilbud_voksne"]
    for i in range(n_intervals):
        for _ in range(int(oconf["openings_per_interval"])):
            type_name = adult_or_child[int(rng.integers(len(adult_or_child)))]
            owner = "privat" if rng.random() < 0.6 else "kommunal"
            loc = codes[int(rng.choice(len(codes), p=pops / pops.sum()))]
            open_day = int(rng.integers(extract_days[i] + 30, extract_days[i + 1] - 30))
            offers.append(
                {
                    "type": type_name,
                    "owner": owner,
                    "loc": loc,
                    "drift": loc if owner == "kommunal" else "",
                    "open": open_day,
                }
            )

    # 2. Names, ids, CVR, legal form.
    stems = _offer_names(rng, oconf, len(offers))
    # Two names from the brief's examples go to the first non-municipal offer of their type.
    fixed = dict(oconf["fixed_names"])
    tilbud_ids = _unique_ints(rng, oconf["tilbud_id_range"], len(offers))
    # CVR numbers: one per municipality and one for the region; one per private/selvejende offer.
    all_munis = codes + outside_codes
    public_cvrs = _unique_ints(rng, (29000000, 69999999), len(all_munis) + 1)
    muni_cvr = {c: str(int(v)) for c, v in zip(all_munis, public_cvrs[:-1], strict=True)}
    region_cvr = str(int(public_cvrs[-1]))
    private_cvrs = _unique_ints(rng, (10000000, 28999999), len(offers))
    for j, o in enumerate(offers):
        tconf = oconf["types"][o["type"]]
        prefixes = tconf["prefixes"].get(o["owner"], tconf["prefixes"]["other"])
        name = f"{prefixes[int(rng.integers(len(prefixes)))]} {stems[j]}"
        if o["owner"] in ("privat", "selvejende") and o["loc"] in codes:
            for fixed_name, fixed_type in list(fixed.items()):
                if fixed_type == o["type"]:
                    del fixed[fixed_name]
                    name = fixed_name
                    break
        o["name"] = name
        o["tilbud_id"] = int(tilbud_ids[j])
        if o["owner"] == "kommunal":
            o["cvr"] = muni_cvr[o["loc"]]
        elif o["owner"] == "regional":
            o["cvr"] = region_cvr
        else:
            o["cvr"] = str(int(private_cvrs[j]))
        o["form"] = _choice(rng, oconf["ownership_forms"][o["owner"]])
        o.setdefault("open", -OPEN_END)
        o["close"] = OPEN_END

    # 3. Closures between extracts: private or selvejende offers in the region that were open at
    #    the earlier extract (their residents move on to offers that stay open).
    for i in range(n_intervals):
        candidates = [
            j
            for j, o in enumerate(offers)
            if o["loc"] in codes
            and o["owner"] in ("privat", "selvejende")
            and o["close"] == OPEN_END
            and o["open"] < extract_days[i]
            and o["type"] != "dagtilbud_voksne"
        ]
        picks = rng.choice(candidates, int(oconf["closures_per_interval"]), replace=False)
        for j in picks:
            offers[int(j)]["close"] = int(
                rng.integers(extract_days[i] + 30, extract_days[i + 1] - 30)
            )

    # 4. Departments and paragraphs.
    muni_pop = dict(zip(codes, pops, strict=True))
    dept_n = oconf["departments"]
    rows: dict[str, list[Any]] = {k: [] for k in (
        "tilbud_id", "tilbudsnavn", "afdeling_id", "afdelingsnavn", "cvr", "virksomhedsform",
        "owner", "driftsherre", "location", "offer_type", "paragraph", "maalgrupper",
        "alder_fra", "alder_til", "places", "takst_2025", "open_day", "close_day",
    )}  # fmt: skip
    dept_ids = _unique_ints(rng, oconf["afdeling_id_range"], len(offers) * 3)
    next_dept = 0
    for o in offers:
        tconf = oconf["types"][o["type"]]
        n_dept = int(_choice(rng, {str(k): v for k, v in dept_n.items()}))
        dept_names = list(oconf["department_names"])
        picked = rng.permutation(len(dept_names))[:n_dept]
        para_w = tconf["paragraphs"]
        paras = list(para_w)
        p = np.array([para_w[k] for k in paras], dtype=float)
        # Municipal offers in small municipalities are smaller.
        scale = 1.0
        if o["owner"] == "kommunal" and o["loc"] in muni_pop:
            scale = float(np.clip((muni_pop[o["loc"]] / 50000) ** 0.5, 0.3, 1.6))
        for d in range(n_dept):
            dept_name = o["name"] if n_dept == 1 else dept_names[int(picked[d])]
            main = paras[int(rng.choice(len(paras), p=p / p.sum()))]
            dept_paras = [main]
            others = [q for q in paras if q != main]
            if others and rng.random() < oconf["second_paragraph_share"]:
                q = np.array([para_w[k] for k in others], dtype=float)
                dept_paras.append(others[int(rng.choice(len(others), p=q / q.sum()))])
            extra = list(tconf["extra"])
            n_extra = int(rng.integers(2, min(6, len(extra)) + 1))
            groups = list(tconf["core"]) + [
                extra[i] for i in sorted(rng.permutation(len(extra))[:n_extra])
            ]
            ages = tconf["age"][int(rng.integers(len(tconf["age"])))]
            afd_id = int(dept_ids[next_dept])
            next_dept += 1
            for para in sorted(dept_paras):
                lo, hi = oconf["places"][para][o["owner"]]
                places = max(1, round(int(rng.integers(lo, hi + 1)) * scale))
                tk = oconf["takst"][para]
                # Clipped: a døgntakst far outside the usual band would be a data error.
                z = float(np.clip(rng.standard_normal(), -2.0, 3.0))
                takst = tk["median"] * np.exp(tk["sigma"] * z)
                takst *= oconf["takst_owner_factor"][o["owner"]]
                rows["tilbud_id"].append(o["tilbud_id"])
                rows["tilbudsnavn"].append(o["name"])
                rows["afdeling_id"].append(afd_id)
                rows["afdelingsnavn"].append(dept_name)
                rows["cvr"].append(o["cvr"])
                rows["virksomhedsform"].append(o["form"])
                rows["owner"].append(o["owner"])
                rows["driftsherre"].append(o["drift"])
                rows["location"].append(o["loc"])
                rows["offer_type"].append(o["type"])
                rows["paragraph"].append(para)
                rows["maalgrupper"].append("|".join(groups))
                rows["alder_fra"].append(int(ages[0]))
                rows["alder_til"].append(int(ages[1]))
                rows["places"].append(places)
                rows["takst_2025"].append(round(float(takst), 2))
                rows["open_day"].append(o["open"])
                rows["close_day"].append(o["close"])

    n = len(rows["tilbud_id"])
    open_day = np.array(rows["open_day"], dtype=np.int64)
    close_day = np.array(rows["close_day"], dtype=np.int64)
    base = np.array(rows["places"], dtype=np.int64)
    places = np.repeat(base[:, None], extract_days.size, axis=1)
    active = (open_day[:, None] <= extract_days[None, :]) & (
        close_day[:, None] > extract_days[None, :]
    )
    # 5. Capacity changes: per interval a few rows change by more than ±10 places, some by 1-3.
    for i in range(n_intervals):
        both = np.flatnonzero(active[:, i] & active[:, i + 1])
        delta = np.zeros(n, dtype=np.int64)
        small = both[rng.random(both.size) < oconf["small_change_share"]]
        delta[small] = rng.integers(1, 4, small.size) * rng.choice([-1, 1], small.size)
        # Changes of more than ±10 places happen in offers of some size.
        sizable = both[places[both, i] >= 20]
        big = rng.choice(sizable, int(oconf["big_changes_per_interval"]), replace=False)
        for j in big:
            size = int(rng.integers(11, 26))
            sign = -1 if places[j, i] - size >= 4 and rng.random() < 0.5 else 1
            delta[j] = sign * size
        places[:, i + 1 :] = np.maximum(places[:, i + 1 :] + delta[:, None], 1)
    first_active = np.where(active.any(axis=1), active.argmax(axis=1), -1)
    new_offer = open_day > -OPEN_END
    first_na = new_offer & (rng.random(n) < 0.5)
    not_approved = rng.random((n, extract_days.size)) < oconf["not_approved_share"]
    not_approved[np.flatnonzero(first_na), first_active[first_na]] = True

    return OfferRows(
        tilbud_id=np.array(rows["tilbud_id"], dtype=np.int64),
        tilbudsnavn=rows["tilbudsnavn"],
        afdeling_id=np.array(rows["afdeling_id"], dtype=np.int64),
        afdelingsnavn=rows["afdelingsnavn"],
        cvr=rows["cvr"],
        virksomhedsform=rows["virksomhedsform"],
        owner=rows["owner"],
        driftsherre=rows["driftsherre"],
        location=rows["location"],
        in_region=np.isin(np.array(rows["location"]), codes),
        offer_type=rows["offer_type"],
        paragraph=rows["paragraph"],
        maalgrupper=rows["maalgrupper"],
        alder_fra=np.array(rows["alder_fra"]),
        alder_til=np.array(rows["alder_til"]),
        places=places,
        takst_2025=np.array(rows["takst_2025"]),
        open_day=open_day,
        close_day=close_day,
        first_extract_not_approved=first_na,
        not_approved=not_approved & active,
    )


def _format_amount(value: float) -> str:
    return f"{value:.2f}".replace(".", ",")


def table_extract(offers: OfferRows, conf: dict[str, Any], index: int) -> pl.DataFrame:
    """One Tilbudsportalen extract (columns of docs/data-contract.md) as text columns."""
    iso = conf["reference"]["tilbudsportalen_dates"][index]
    d = day(iso)
    keep = np.flatnonzero((offers.open_day <= d) & (offers.close_day > d))
    keep = keep[
        np.lexsort(
            (np.array(offers.paragraph)[keep], offers.afdeling_id[keep], offers.tilbud_id[keep])
        )
    ]
    spelling = conf["extract_paragraph"]
    year = int(year_of(np.array([d]))[0])
    growth = conf["offers"]["takst_growth"]
    index_factor = (1 + growth) ** (min(year, 2025) - 2025)

    def para_text(code: str) -> str:
        s = spelling[code]
        if isinstance(s, str):
            return s
        return s["from_2024"] if year >= 2024 else s["before_2024"]

    return pl.DataFrame(
        {
            "tilbud_id": [str(offers.tilbud_id[i]) for i in keep],
            "tilbudsnavn": [offers.tilbudsnavn[i] for i in keep],
            "afdeling_id": [str(offers.afdeling_id[i]) for i in keep],
            "afdelingsnavn": [offers.afdelingsnavn[i] for i in keep],
            "cvr": [offers.cvr[i] for i in keep],
            "virksomhedsform": [offers.virksomhedsform[i] for i in keep],
            "driftsherre": [offers.driftsherre[i] or None for i in keep],
            "beliggenhedskommune": [offers.location[i] for i in keep],
            "paragraf": [para_text(offers.paragraph[i]) for i in keep],
            "pladser": [str(offers.places[i, index]) for i in keep],
            "maalgrupper": [offers.maalgrupper[i] for i in keep],
            "alder_fra": [str(offers.alder_fra[i]) for i in keep],
            "alder_til": [str(offers.alder_til[i]) for i in keep],
            "takst": [_format_amount(offers.takst_2025[i] * index_factor) for i in keep],
            "godkendt": ["nej" if offers.not_approved[i, index] else "ja" for i in keep],
            "udtraeksdato": [iso] * keep.size,
        }
    )
