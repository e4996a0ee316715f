"""Random CPR numbers with valid birth dates, sex digit and century digit (no modulus 11).

Rules: reference/domain.md §2.4 and reliability.md §2.1. Digit 7 together with the year gives
the century; digit 10 is odd for men. The numbers are random and carry no real data.
"""

from __future__ import annotations

import numpy as np

# Allowed values of digit 7 by birth period.
_DIGIT7 = (
    (1858, 1899, np.array([5, 6, 7, 8])),
    (1900, 1936, np.array([0, 1, 2, 3])),
    (1937, 1999, np.array([0, 1, 2, 3, 4, 9])),
    (2000, 2036, np.array([4, 5, 6, 7, 8, 9])),
    (2037, 2057, np.array([5, 6, 7, 8])),
)


def _draw_serials(rng: np.random.Generator, years: np.ndarray, male: np.ndarray) -> np.ndarray:
    digit7 = np.zeros(years.size, dtype=np.int64)
    for lo, hi, allowed in _DIGIT7:
        sel = (years >= lo) & (years <= hi)
        digit7[sel] = allowed[rng.integers(0, allowed.size, int(sel.sum()))]
    middle = rng.integers(0, 100, years.size)
    last = 2 * rng.integers(0, 5, years.size) + male.astype(np.int64)
    return digit7 * 1000 + middle * 10 + last


def make_cprs(rng: np.random.Generator, birth_days: np.ndarray, male: np.ndarray) -> np.ndarray:
    """Unique 10-digit CPR strings (no dash) for the given birth dates (day numbers) and sexes."""
    d = birth_days.astype("datetime64[D]")
    years = d.astype("datetime64[Y]").astype(np.int64) + 1970
    if years.min(initial=1900) < 1858 or years.max(initial=2000) > 2057:
        raise ValueError("birth year outside the range the CPR century rule can express")
    months = d.astype("datetime64[M]").astype(np.int64) % 12 + 1
    days = (d - d.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64) + 1
    date_part = days * 10**8 + months * 10**6 + (years % 100) * 10**4
    serial = _draw_serials(rng, years, male)
    numbers = date_part + serial
    # Redraw the serial of later duplicates until every number is unique.
    for _ in range(50):
        _, first = np.unique(numbers, return_index=True)
        dup = np.ones(numbers.size, dtype=bool)
        dup[first] = False
        if not dup.any():
            break
        idx = np.flatnonzero(dup)
        numbers[idx] = date_part[idx] + _draw_serials(rng, years[idx], male[idx])
    else:  # pragma: no cover - 6,000 serials per date make this practically impossible
        raise RuntimeError("could not draw unique CPR numbers")
    return np.char.zfill(numbers.astype(str), 10)


def with_dash(cpr: str) -> str:
    """``DDMMYY-SSSS`` spelling of a 10-digit CPR string."""
    return f"{cpr[:6]}-{cpr[6:]}"
