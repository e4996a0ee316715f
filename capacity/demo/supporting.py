"""Supporting inputs: planned capacity, waiting list, the notice, non-placement files."""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from capacity.demo.calendar import day, format_days
from capacity.demo.cpr import make_cprs, with_dash
from capacity.demo.episodes import DAYS_PER_YEAR

WAITING_GROUPS = ("B1", "B2", "B3", "V1", "V2", "V3", "V4")


def table_planned_capacity(
    rng: np.random.Generator,
    conf: dict[str, Any],
    codes: list[str],
    names: dict[str, str],
    pops: np.ndarray,
) -> pl.DataFrame:
    """Lånepulje-like projects 2025-2028 (header of docs/data-contract.md)."""
    pc = conf["planned_capacity"]
    groups = list(pc["groups"])
    gp = np.array([pc["groups"][g] for g in groups], dtype=float)
    statuses = list(pc["status"])
    sp = np.array([pc["status"][s] for s in statuses], dtype=float)
    rows = []
    for _ in range(int(pc["projects"])):
        code = codes[int(rng.choice(len(codes), p=pops / pops.sum()))]
        g = groups[int(rng.choice(len(groups), p=gp / gp.sum()))]
        paras = pc["paragraphs"][g]
        places = int(rng.integers(pc["places"][0], pc["places"][1] + 1))
        loan_pool = rng.random() < pc["loan_pool_share"]
        others = int(round(places * rng.uniform(0.3, 0.6))) if loan_pool else 0
        year = int(rng.integers(pc["years"][0], pc["years"][1] + 1))
        status = statuses[int(rng.choice(len(statuses), p=sp / sp.sum()))]
        if year <= 2025 and status == "planlagt":
            status = "besluttet"
        prefix = "Lånepulje 2025/26: " if loan_pool else ""
        rows.append(
            {
                "kommunekode": code,
                "projekt": f"{prefix}{pc['names'][g]}, {names[code]}",
                "maalgruppe": g,
                "paragraf": paras[int(rng.integers(len(paras)))],
                "pladser": str(places),
                "heraf_andre_kommuner": str(others),
                "aar": str(year),
                "status": status,
            }
        )
    return pl.DataFrame(rows).sort(["aar", "kommunekode", "maalgruppe"])


def table_waiting_list(
    rng: np.random.Generator,
    conf: dict[str, Any],
    placements: pl.DataFrame,
    codes: list[str],
    taken: set[str],
) -> pl.DataFrame:
    """Referrals: closed ones (the person was placed later) and open ones (still waiting)."""
    wl = conf["waiting_list"]
    first = day(wl["from"])
    last = day(conf["reference"]["data_date"])
    wait = wl["wait_days"]
    # Closed referrals: first placement of a stay in a target group B1..V4.
    starts = (
        placements.filter(
            pl.col("group").is_in(WAITING_GROUPS)
            & pl.col("kind").is_in(["SEL_107", "SEL_108", "CHILD"])
        )
        .group_by("episode")
        .agg(
            pl.col("start").min(),
            pl.col("cpr").first(),
            pl.col("muni").first(),
            pl.col("group").first(),
        )
        .sort("episode")
    )
    waits = np.rint(wait["median"] * np.exp(wait["sigma"] * rng.standard_normal(starts.height)))
    referral = starts["start"].to_numpy() - waits.astype(np.int64)
    chosen = (referral >= first) & (rng.random(starts.height) < wl["referred_share"])
    closed = starts.filter(pl.Series(chosen)).with_columns(
        referral=pl.Series(referral[chosen]), placed=pl.col("start")
    )
    # Open referrals: new persons referred in the last year, not placed by the data date.
    n_open = int(wl["open_referrals"])
    counts = starts["group"].value_counts().sort("group")
    g_names = counts["group"].to_list()
    gp = counts["count"].to_numpy().astype(float)
    groups = np.array(g_names)[rng.choice(len(g_names), n_open, p=gp / gp.sum())]
    child = np.isin(groups, ["B1", "B2", "B3"])
    age = np.where(child, rng.uniform(8, 17.5, n_open), rng.uniform(18, 55, n_open))
    ref_open = last - rng.integers(0, 365, n_open)
    birth = ref_open - np.rint(age * DAYS_PER_YEAR).astype(np.int64)
    male = rng.random(n_open) < 0.6
    cprs = make_cprs(rng, birth, male)
    for _ in range(20):  # a new referral must not reuse a placed person's number
        clash = np.array([c in taken for c in cprs.tolist()])
        if not clash.any():
            break
        cprs[clash] = make_cprs(rng, birth[clash], male[clash])
    muni_open = rng.choice(len(codes), n_open)
    cpr_all = closed["cpr"].to_list() + cprs.tolist()
    dash = rng.random(len(cpr_all)) < 0.5
    frame = pl.DataFrame(
        {
            "cpr": [with_dash(c) if d else c for c, d in zip(cpr_all, dash.tolist(), strict=True)],
            "handlekommune": [codes[m] for m in closed["muni"].to_list()]
            + [codes[m] for m in muni_open.tolist()],
            "maalgruppe": closed["group"].to_list() + groups.tolist(),
            "ref": np.concatenate([closed["referral"].to_numpy(), ref_open]),
            "placed": np.concatenate([closed["placed"].to_numpy(), np.full(n_open, -1)]),
        }
    ).sort(["ref", "cpr"])
    placed = frame["placed"].to_numpy()
    placed_text = format_days(np.where(placed < 0, 0, placed), "%d-%m-%Y")
    return pl.DataFrame(
        {
            "cpr": frame["cpr"],
            "handlekommune": frame["handlekommune"],
            "maalgruppe": frame["maalgruppe"],
            "henvisningsdato": format_days(frame["ref"].to_numpy(), "%d-%m-%Y"),
            "placeringsdato": [
                None if p < 0 else t for p, t in zip(placed.tolist(), placed_text, strict=True)
            ],
        }
    )


README_TEXT = """\
SYNTETISKE DEMODATA - INGEN RIGTIGE PERSONER
===========================================

Alle filer i denne mappe er skrevet af kommandoen `capacity demo` (seed {seed}).
De er syntetiske: CPR-numrene er tilfældige tal med gyldig fødselsdato og indeholder ingen
oplysninger om virkelige personer. Tilbud, leverandører og projekter har opdigtede navne.
Kommunekoder og befolkningstal for 2024 er de rigtige; alt andet er kalibreret, ikke målt.
Se docs/demo-data.md for, hvad der er genereret, og hvilke fejl der med vilje er lagt ind.

SYNTHETIC DEMO DATA - NO REAL PERSONS
=====================================

Every file in this folder was written by `capacity demo` (seed {seed}).
It is synthetic: the CPR numbers are random numbers with valid birth dates and hold no
information about real persons. Offers, providers and projects have invented names. The
municipality codes and 2024 population totals are real; everything else is calibrated, not
measured. docs/demo-data.md describes what is generated and the defects planted on purpose.
"""


def meeting_notes_lines() -> list[str]:
    """A CSV in placements/ that is not a placement file (it must match no profile)."""
    return [
        "dato;punkt;ansvarlig;note",
        "03-03-2025;Dataleverance til rammeaftalesekretariatet;Myndighed;Udtræk sendes i uge 12",
        "03-03-2025;Målgrupper;Myndighed;Primær målgruppe mangler på enkelte sager",
        "03-03-2025;Leverandørnavne;Økonomi;Navne skal afstemmes med Tilbudsportalen",
        "03-03-2025;Eventuelt;Alle;SYNTETISKE DEMODATA - intet indhold om personer",
    ]


def price_list_rows(rng: np.random.Generator, names: list[str]) -> list[list[Any]]:
    """Rows of an xlsx price list (not a placement file)."""
    rows = []
    for name in names:
        rows.append([name, "Døgnophold", float(round(rng.uniform(1800, 5200), 2)), "kr. pr. døgn"])
    return rows
