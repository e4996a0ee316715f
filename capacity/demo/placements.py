"""From stays to placement periods: moves between offers, providers, closures, prices, codes.

A stay is split into consecutive placement periods at different providers (0-14 days apart);
each period gets an offer row chosen by places, target-group fit, location and ownership among
the offers open on its start date. A period in an offer that closes ends at the closure and
continues elsewhere. Prices follow the offer's døgntakst with individual variation and a
supplement for a share of the citizens (the long tail of expensive single cases).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from capacity.demo.calendar import OPEN_END, day, year_of
from capacity.demo.episodes import GROUPS, KINDS, REASONS, Episodes, Persons
from capacity.demo.offers import OfferRows

_MUNI_SLOTS = 4096


def _segment(
    rng: np.random.Generator, conf: dict[str, Any], ep: Episodes
) -> dict[str, np.ndarray]:
    """Split stays into 1-4 consecutive periods; the stay's first and last day are kept."""
    tconf = conf["transitions"]
    rate = np.array([tconf["move_rate_per_year"][k] for k in KINDS])[ep.kind]
    length = ep.end - ep.start
    extra = np.minimum(rng.poisson(rate * length / 365.25), 3)
    extra[length < 60] = 0
    n_seg = 1 + extra
    e_idx = np.repeat(np.arange(ep.n), n_seg)
    first_of = np.cumsum(n_seg) - n_seg
    k = np.arange(e_idx.size) - first_of[e_idx]
    # Cut points: sorted uniform fractions within each stay.
    u = np.where(k == 0, 0.0, rng.uniform(0.05, 0.95, e_idx.size))
    order = np.lexsort((u, e_idx))
    frac = u[order]
    cut = ep.start[e_idx] + np.floor(frac * length[e_idx]).astype(np.int64)
    start = cut.copy()
    last = k == n_seg[e_idx] - 1
    end = np.empty_like(start)
    end[last] = ep.end[e_idx[last]]
    nxt = np.flatnonzero(~last)
    # The gap before a move is taken from the end of the earlier period.
    gap = rng.integers(0, tconf["max_gap_days"] + 1, nxt.size)
    end[nxt] = np.maximum(start[nxt], start[nxt + 1] - 1 - gap)
    reason = np.where(last, ep.reason[e_idx], REASONS.index("move"))
    return {"episode": e_idx, "seq": k, "start": start, "end": end, "reason": reason}


class _ProviderChooser:
    """Draws offer rows for periods: weights by places, type fit, location, ownership, opening."""

    def __init__(self, conf: dict[str, Any], offers: OfferRows, codes: list[str]):
        pconf = conf["provider_choice"]
        para = np.array(offers.paragraph)
        otype = np.array(offers.offer_type)
        owner_w = np.array([pconf["ownership_weight"][o] for o in offers.owner])
        places = offers.places.max(axis=1).astype(float)
        self.base = np.zeros((len(KINDS), len(GROUPS), offers.n))
        for ki, kind in enumerate(KINDS):
            para_ok = np.isin(para, conf["kind_offer_paragraphs"][kind])
            for gi, group in enumerate(GROUPS):
                tw = np.array(
                    [pconf["group_offer_types"][group].get(t, 0.0) for t in otype.tolist()]
                )
                self.base[ki, gi] = para_ok * tw * owner_w * places
        lw = pconf["location_weight"]
        loc = np.array(offers.location)
        self.loc = np.where(offers.in_region[None, :], lw["region"], lw["outside"]) * np.ones(
            (len(codes), 1)
        )
        # Scaled-up data (benchmarks) splits the municipalities into regions: an offer in
        # another region of the scaled country is chosen as rarely as one outside the region.
        region_of = pconf.get("region_of", {})
        if region_of:
            offer_region = np.array([region_of.get(c, -1) for c in offers.location])
        for m, code in enumerate(codes):
            if region_of:
                other = offers.in_region & (offer_region != region_of[code])
                self.loc[m, other] = lw["other_region"]
            self.loc[m, loc == code] = lw["own"]
        self.open_day = offers.open_day
        self.close_day = offers.close_day
        self.breaks = np.unique(np.concatenate([offers.open_day, offers.close_day]))
        self.breaks = self.breaks[(self.breaks > -OPEN_END) & (self.breaks < OPEN_END)]

    def choose(
        self,
        rng: np.random.Generator,
        kind: np.ndarray,
        group: np.ndarray,
        muni: np.ndarray,
        start: np.ndarray,
        *,
        never_closing: bool = False,
    ) -> np.ndarray:
        """Offer row per period, drawn per (kind, group, municipality, opening interval)."""
        bucket = np.searchsorted(self.breaks, start, side="right")
        # muni gets 12 bits: the benchmarks scale the region to hundreds of municipalities
        key = ((kind * len(GROUPS) + group) * _MUNI_SLOTS + muni) * 1024 + bucket
        out = np.empty(start.size, dtype=np.int64)
        order = np.argsort(key, kind="stable")
        uniq, first = np.unique(key[order], return_index=True)
        bounds = np.append(first, order.size)
        for i, kval in enumerate(uniq.tolist()):
            idx = order[bounds[i] : bounds[i + 1]]
            b = kval % 1024
            m = (kval // 1024) % _MUNI_SLOTS
            kg = kval // (1024 * _MUNI_SLOTS)
            ki, gi = divmod(kg, len(GROUPS))
            ref = self.breaks[b - 1] if b > 0 else -OPEN_END + 1
            avail = (self.open_day <= ref) & (self.close_day > ref)
            if never_closing:
                avail &= self.close_day == OPEN_END
            w = self.base[ki, gi] * self.loc[m] * avail
            if w.sum() <= 0:  # no fitting offer open: any offer with the paragraph
                w = (self.base[ki].sum(axis=0) > 0) * avail * 1.0
            out[idx] = rng.choice(w.size, idx.size, p=w / w.sum())
        return out


def _assign_providers(
    rng: np.random.Generator,
    chooser: _ProviderChooser,
    seg: dict[str, np.ndarray],
    ep: Episodes,
    offers: OfferRows,
) -> np.ndarray:
    e = seg["episode"]
    row = chooser.choose(rng, ep.kind[e], ep.group[e], ep.muni[e], seg["start"])
    # A move goes to another provider: redraw periods that repeat the previous provider.
    for _ in range(6):
        later = np.flatnonzero(seg["seq"] > 0)
        same = later[offers.tilbud_id[row[later]] == offers.tilbud_id[row[later - 1]]]
        if same.size == 0:
            break
        row[same] = chooser.choose(
            rng, ep.kind[e[same]], ep.group[e[same]], ep.muni[e[same]], seg["start"][same]
        )
    return row


def _split_closures(
    rng: np.random.Generator,
    conf: dict[str, Any],
    chooser: _ProviderChooser,
    *,
    seg: dict[str, np.ndarray],
    row: np.ndarray,
    ep: Episodes,
    offers: OfferRows,
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """End periods at their offer's closure and continue them in an offer that stays open."""
    close = offers.close_day[row]
    hit = np.flatnonzero(close <= seg["end"])
    new_start = close[hit] + rng.integers(0, conf["transitions"]["max_gap_days"] + 1, hit.size)
    keep = new_start <= seg["end"][hit]
    new = {
        "episode": seg["episode"][hit][keep],
        "seq": seg["seq"][hit][keep],
        "start": new_start[keep],
        "end": seg["end"][hit][keep],
        "reason": seg["reason"][hit][keep],
    }
    seg["end"][hit] = close[hit] - 1
    seg["reason"][hit] = REASONS.index("closure")
    e = new["episode"]
    new_row = chooser.choose(
        rng, ep.kind[e], ep.group[e], ep.muni[e], new["start"], never_closing=True
    )
    merged = {k: np.concatenate([seg[k], new[k]]) for k in seg}
    return merged, np.concatenate([row, new_row])


def _draw_codes(
    rng: np.random.Generator, conf: dict[str, Any], group: np.ndarray
) -> tuple[list[str], list[str]]:
    """Citizen target groups per stay: primary name and '|'-joined secondary names."""
    primary: list[str] = [""] * group.size
    secondary: list[str] = [""] * group.size
    for gi, g in enumerate(GROUPS):
        idx = np.flatnonzero(group == gi)
        if idx.size == 0:
            continue
        cc = conf["citizen_codes"][g]
        names = list(cc["primary"])
        p = np.array([cc["primary"][x] for x in names], dtype=float)
        prim = rng.choice(len(names), idx.size, p=p / p.sum())
        sec_names = list(cc["secondary"])
        sec_p = np.array([cc["secondary"][x] for x in sec_names], dtype=float)
        draws = rng.random((idx.size, len(sec_names))) < sec_p[None, :]
        req = cc.get("required_any")
        if req:
            req_names = list(req)
            rp = np.array([req[x] for x in req_names], dtype=float)
            req_pick = rng.choice(len(req_names), idx.size, p=rp / rp.sum())
        for j, i in enumerate(idx.tolist()):
            primary[i] = names[prim[j]]
            chosen = [req_names[req_pick[j]]] if req else []
            chosen += [sec_names[c] for c in np.flatnonzero(draws[j])]
            secondary[i] = "|".join(c for c in dict.fromkeys(chosen) if c != primary[i])
    return primary, secondary


def _prices(
    rng: np.random.Generator,
    conf: dict[str, Any],
    seg: dict[str, np.ndarray],
    *,
    row: np.ndarray,
    ep: Episodes,
    offers: OfferRows,
) -> tuple[np.ndarray, np.ndarray]:
    """Annual cost (kr.) per period and the unit the delivery states the price in."""
    pc = conf["prices"]
    e = seg["episode"]
    n_ep = ep.n
    individual = np.exp(pc["individual_sigma"] * rng.standard_normal(n_ep))
    sup = pc["supplement"]
    share = np.array([sup["share"][g] for g in GROUPS])[ep.group]
    eligible = np.isin(ep.kind, [KINDS.index(k) for k in sup["kinds"]])
    has_sup = eligible & (rng.random(n_ep) < share)
    factor = np.where(has_sup, 1 + rng.uniform(*sup["factor"], n_ep), 1.0)
    annual = offers.takst_2025[row] * 365 * individual[e] * factor[e]
    k85 = ep.kind[e] == KINDS.index("SEL_85")
    m85 = pc["sel85_monthly"]
    monthly = m85["median"] * np.exp(m85["sigma"] * rng.standard_normal(e.size))
    annual[k85] = monthly[k85] * 12
    # Prices as of the last year of the period (takster frozen from 2025).
    last_year = np.minimum(
        year_of(np.minimum(seg["end"], day(conf["reference"]["data_date"]))), 2025
    )
    annual *= (1 + conf["offers"]["takst_growth"]) ** (last_year - 2025)
    units = np.empty(e.size, dtype=np.int64)
    for ki, kind in enumerate(KINDS):
        sel = np.flatnonzero(ep.kind[e] == ki)
        dist = pc["units"][kind]
        p = np.array([dist["dag"], dist["maaned"], dist["aar"]], dtype=float)
        units[sel] = rng.choice(3, sel.size, p=p / p.sum())
    return annual, units


def build_placements(
    rng: np.random.Generator,
    conf: dict[str, Any],
    ep: Episodes,
    persons: Persons,
    *,
    offers: OfferRows,
    codes: list[str],
) -> pl.DataFrame:
    """One row per delivered placement period (typed columns, before any formatting)."""
    seg = _segment(rng, conf, ep)
    chooser = _ProviderChooser(conf, offers, codes)
    row = _assign_providers(rng, chooser, seg, ep, offers)
    seg, row = _split_closures(rng, conf, chooser, seg=seg, row=row, ep=ep, offers=offers)
    primary, secondary = _draw_codes(rng, conf, ep.group)
    annual, unit = _prices(rng, conf, seg, row=row, ep=ep, offers=offers)

    first_day = day(f"{conf['reference']['first_year']}-01-01")
    last_day = day(conf["reference"]["data_date"])
    keep = (seg["end"] >= first_day) & (seg["start"] <= last_day)
    e = seg["episode"][keep]
    r = row[keep]
    end = seg["end"][keep]
    ongoing = end > last_day
    missing_price = rng.random(e.size) < conf["prices"]["missing_share"]
    p = ep.person[e]
    frame = pl.DataFrame(
        {
            "person": p,
            "muni": ep.muni[e],
            "birth": persons.birth[p],
            "male": persons.male[p],
            "group": np.array(GROUPS)[ep.group[e]],
            "kind": np.array(KINDS)[ep.kind[e]],
            "episode": e,
            "seq": seg["seq"][keep],
            "start": seg["start"][keep],
            "end": np.where(ongoing, OPEN_END, end),
            "reason": np.where(ongoing, "", np.array(REASONS)[seg["reason"][keep]]),
            "offer_row": r,
            "tilbud_id": offers.tilbud_id[r],
            "annual_cost": np.where(missing_price, np.nan, annual[keep]),
            "unit": np.array(["dag", "maaned", "aar"])[unit[keep]],
            "primary": np.array(primary, dtype=object)[e],
            "secondary": np.array(secondary, dtype=object)[e],
        }
    )
    return frame.sort(["muni", "start", "person", "seq"])
