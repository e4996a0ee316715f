"""Synthetic population by municipality x year x age x sex, calibrated to the 2024 totals."""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

AGES = np.arange(100)  # 99 = 99 and over
SEXES = ("M", "K")
BASE_YEAR = 2024


def _age_shape(bulge: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Within-band relative weights of single ages (0-17, 18-64, 65+)."""
    child = 1.0 + 0.006 * (AGES[:18] - 9)  # slightly fewer young children (falling births)
    adult_ages = AGES[18:65]
    young = np.exp(-(((adult_ages - 24.0) / 4.5) ** 2))
    adult = 1.0 + bulge * young - 0.002 * (adult_ages - 40)
    old_ages = AGES[65:].astype(float)
    old = np.exp(-(((old_ages - 63.0) / 19.0) ** 2.4))
    # The open age group 99+ holds everyone above 99.
    old[-1] = old[-1] * 1.8
    return child, adult, old


def _male_share() -> np.ndarray:
    share = np.full(AGES.size, 0.512)
    old = AGES >= 60
    share[old] = 0.512 - (AGES[old] - 60) * (0.512 - 0.33) / 39
    return share


def _round_to_total(cells: np.ndarray, totals: np.ndarray) -> np.ndarray:
    """Round rows of ``cells`` to integers that add up to ``totals`` (largest remainder)."""
    floor = np.floor(cells)
    missing = (totals - floor.sum(axis=1)).astype(np.int64)
    order = np.argsort(-(cells - floor), axis=1, kind="stable")
    ranks = np.empty_like(order)
    rows = np.arange(cells.shape[0])[:, None]
    ranks[rows, order] = np.arange(cells.shape[1])[None, :]
    return (floor + (ranks < missing[:, None])).astype(np.int64)


def compute_population(
    conf: dict[str, Any],
    municipalities: list[dict[str, Any]],
    years: np.ndarray,
    *,
    projection: bool,
) -> np.ndarray:
    """Population counts ``[municipality, year, age, sex]`` (integers, 1 January).

    Actual years follow a smooth exponential trend through the real 2024 total; a projection
    continues from the actual 2025 level with a damped trend.
    """
    pconf = conf["population"]
    male = _male_share()
    out = np.zeros((len(municipalities), years.size, AGES.size, 2), dtype=np.int64)
    for i, muni in enumerate(municipalities):
        code = str(muni["code"])
        growth = float(pconf["growth"][code])
        bulge = float(pconf["young_adult_bulge"].get(code, pconf["young_adult_bulge"]["default"]))
        base_shares = np.array(pconf["band_share_overrides"].get(code, pconf["band_shares"]))
        child, adult, old = _age_shape(bulge)
        if projection:
            start = years.min()
            level = muni["population_2024"] * np.exp(growth * (start - BASE_YEAR))
            damped = growth * float(pconf["projection_growth_factor"])
            totals = level * np.exp(damped * (years - start))
        else:
            totals = muni["population_2024"] * np.exp(growth * (years - BASE_YEAR))
        totals = np.rint(totals)
        if not projection:
            totals[years == BASE_YEAR] = muni["population_2024"]
        dt = years - BASE_YEAR
        s_old = np.clip(base_shares[2] + pconf["share_drift_65plus"] * dt, 0.08, 0.5)
        s_child = np.clip(base_shares[0] + pconf["share_drift_0_17"] * dt, 0.08, 0.4)
        s_adult = 1.0 - s_old - s_child
        by_age = np.concatenate(
            [
                s_child[:, None] * (child / child.sum())[None, :],
                s_adult[:, None] * (adult / adult.sum())[None, :],
                s_old[:, None] * (old / old.sum())[None, :],
            ],
            axis=1,
        )
        cells = totals[:, None, None] * by_age[:, :, None] * np.stack([male, 1 - male], axis=1)
        flat = cells.reshape(years.size, -1)
        out[i] = _round_to_total(flat, totals).reshape(years.size, AGES.size, 2)
    return out


def compute_band_population(
    conf: dict[str, Any], municipalities: list[dict[str, Any]], years: np.ndarray
) -> dict[str, np.ndarray]:
    """Population per band (child 0-17, adult 18-64, adult_all 18+) as ``[municipality, year]``."""
    counts = compute_population(conf, municipalities, years, projection=False).sum(axis=3)
    return {
        "child": counts[:, :, :18].sum(axis=2).astype(float),
        "adult": counts[:, :, 18:65].sum(axis=2).astype(float),
        "adult_all": counts[:, :, 18:].sum(axis=2).astype(float),
    }


def table_population(counts: np.ndarray, codes: list[str], years: np.ndarray) -> pl.DataFrame:
    """Long table ``kommunekode;aar;alder;koen;antal`` ordered by municipality, year, age, sex."""
    m, y, a, s = np.meshgrid(
        np.arange(len(codes)), years, AGES, np.arange(2), indexing="ij", copy=False
    )
    return pl.DataFrame(
        {
            "kommunekode": np.array(codes)[m.ravel()],
            "aar": y.ravel().astype(np.int32),
            "alder": a.ravel().astype(np.int32),
            "koen": np.array(SEXES)[s.ravel()],
            "antal": counts.ravel(),
        }
    )
