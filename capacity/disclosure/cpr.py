"""CPR-shaped numbers: the pattern, the birth-date check and masking (never echo one)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

# 10 digits ddmmyy[-]ssss, not part of a longer run of digits or letters, and not the
# fraction of a decimal number ("0.0101901234") or followed by one ("0101901234.5").
CPR_RE = re.compile(
    r"(?<![0-9A-Za-z_])(?<!\d\.)(\d{6})(-?)(\d{4})(?![0-9A-Za-z_])(?!\.\d)",
)


def cpr_birth_date(digits: str) -> date | None:
    """The birth date a 10-digit CPR encodes (century from digit 7), or None if impossible.

    Modulus 11 is deliberately not checked: numbers without it are valid since 2007."""
    if len(digits) != 10 or not digits.isdigit():
        return None
    dd, mm, yy, d7 = int(digits[:2]), int(digits[2:4]), int(digits[4:6]), int(digits[6])
    if d7 <= 3:
        century = 1900
    elif d7 in (4, 9):
        century = 2000 if yy <= 36 else 1900
    else:
        century = 2000 if yy <= 57 else 1800
    try:
        return date(century + yy, mm, dd)
    except ValueError:
        return None


def mask_cpr(text: str) -> str:
    """A CPR-shaped string with every digit masked (the shape stays, the person does not)."""
    return re.sub(r"\d", "•", text)


def find_cprs(text: str) -> Iterator[tuple[int, str]]:
    """(offset, masked text) of every CPR-shaped number with a valid birth date."""
    for m in CPR_RE.finditer(text):
        if cpr_birth_date(m.group(1) + m.group(3)) is not None:
            yield m.start(), mask_cpr(m.group(0))


def is_cpr_number(value: float | int, *, allow_missing_zero: bool = True) -> bool:
    """Is a numeric cell a CPR stored as a number (Excel drops the leading zero)?"""
    if isinstance(value, bool):
        return False
    try:
        as_int = int(value)
    except (TypeError, ValueError, OverflowError):
        return False
    if as_int != value or as_int <= 0:
        return False
    digits = str(as_int)
    if len(digits) == 9 and allow_missing_zero:
        digits = "0" + digits
    return len(digits) == 10 and cpr_birth_date(digits) is not None
