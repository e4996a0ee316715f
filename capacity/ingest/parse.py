"""Vectorised parsers (polars expressions) for the text fields of a delivery.

Each parser returns null where the text is not a valid value; the caller turns "present but
null after parsing" into a reject with a reason. Nothing here raises on bad content, and no
message ever contains a value.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

import polars as pl

EXCEL_EPOCH = date(1899, 12, 30)  # Excel's day 0 (it counts 1900 as a leap year)

# strptime directive -> the regex that guards it (polars' parser alone accepts " 1-1-23").
_DIRECTIVE_PATTERNS = {
    "%d": r"\d{1,2}",
    "%m": r"\d{1,2}",
    "%Y": r"\d{4}",
    "%y": r"\d{2}",
    "%H": r"\d{1,2}",
    "%M": r"\d{2}",
    "%S": r"\d{2}",
    "%%": "%",
}


def on_distinct(
    series: pl.Series, build: Callable[[pl.Expr], pl.Expr], dtype: pl.DataType = pl.String
) -> pl.Series:
    """``build`` applied to a text column, computed once per distinct value when values repeat.

    A delivery repeats its dates, codes and names many times; parsing 5,000 distinct dates
    instead of a million rows is much faster. Mostly-distinct columns (CPR, prices) are parsed
    row by row, where the lookup would cost more than it saves. Nulls stay null.
    """
    sample = series.head(20_000).drop_nulls()
    if sample.len() and sample.n_unique() > sample.len() // 2:
        return evaluate(series, build, dtype)
    uniques = series.drop_nulls().unique()
    values = evaluate(uniques, build, dtype)
    return series.replace_strict(uniques, values, default=None, return_dtype=dtype)


def evaluate(
    series: pl.Series, build: Callable[[pl.Expr], pl.Expr], dtype: pl.DataType = pl.String
) -> pl.Series:
    """``build`` applied to a column, in a lazy query so that polars can share subexpressions
    used several times (the trimmed text, say)."""
    frame = series.to_frame("v").lazy().select(build(pl.col("v")).cast(dtype)).collect()
    return frame.to_series().alias(series.name)


def blank_to_null(expr: pl.Expr) -> pl.Expr:
    """Trim whitespace; an empty field is null (missing)."""
    return expr.str.strip_chars().replace("", None)


# --- CPR --------------------------------------------------------------------------------------


def normalise_cpr(expr: pl.Expr) -> pl.Expr:
    """10-digit CPR text, or null when the value does not look like a CPR number.

    Accepts ``ddmmyy-ssss``, ``ddmmyyssss`` and the numeric form Excel leaves when the leading
    zero is lost (9 digits, optionally with a ``.0`` suffix).
    """
    s = expr.str.strip_chars()
    return (
        pl.when(s.str.contains(r"^\d{6}-\d{4}$"))
        .then(s.str.replace("-", "", literal=True))
        .when(s.str.contains(r"^\d{9,10}(\.0+)?$"))
        .then(s.str.replace(r"\.0+$", "").str.zfill(10))
    )


def days_from_civil(year: pl.Expr, month: pl.Expr, day: pl.Expr) -> pl.Expr:
    """Days since 1970-01-01 of a (proleptic Gregorian) date, in integer arithmetic; null when
    the day does not exist (31 February), so no parser is needed for composed dates."""
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    month_days = (
        pl.when(month == 2)
        .then(28 + leap.cast(pl.Int64))
        .when(month.is_in([4, 6, 9, 11]))
        .then(30)
        .otherwise(31)
    )
    valid = (month >= 1) & (month <= 12) & (day >= 1) & (day <= month_days)
    y = year - (month <= 2).cast(pl.Int64)
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (month + pl.when(month > 2).then(-3).otherwise(9)) + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return pl.when(valid).then(era * 146097 + doe - 719468)


def cpr_birth_date(cpr10: pl.Series) -> pl.Series:
    """Birth date decoded from 10-digit CPR numbers (century from digit 7); null when the
    digits are not a real date. Modulus 11 is deliberately not checked: CPR numbers without
    it exist since 2007.
    """
    d7, yy = pl.col("d7"), pl.col("yy")
    century = (
        pl.when(d7 <= 3)
        .then(1900)
        .when(d7.is_in([4, 9]))
        .then(pl.when(yy <= 36).then(2000).otherwise(1900))
        .otherwise(pl.when(yy <= 57).then(2000).otherwise(1800))
    )
    # Staged columns: each part is computed once (eager selects do not share subexpressions).
    parts = (
        cpr10.to_frame("c")
        .select(head=pl.col("c").str.slice(0, 7).cast(pl.Int64, strict=False))  # ddmmyy + d7
        .select(
            day=pl.col("head") // 100_000,
            month=pl.col("head") // 1_000 % 100,
            yy=pl.col("head") // 10 % 100,
            d7=pl.col("head") % 10,
        )
        .select("day", "month", year=century + yy)
    )
    days = parts.select(days_from_civil(pl.col("year"), pl.col("month"), pl.col("day")))
    return days.to_series().cast(pl.Int32).cast(pl.Date).alias(cpr10.name)


def cpr_sex(cpr10: pl.Expr) -> pl.Expr:
    """Legal sex at assignment: last digit odd = M, even = K."""
    last = cpr10.str.slice(9, 1).cast(pl.Int32, strict=False)
    return pl.when(last % 2 == 1).then(pl.lit("M")).otherwise(pl.lit("K"))


# --- dates ------------------------------------------------------------------------------------


def _format_regex(fmt: str) -> str | None:
    out = []
    i = 0
    while i < len(fmt):
        if fmt[i] == "%" and i + 1 < len(fmt):
            token = fmt[i : i + 2]
            if token not in _DIRECTIVE_PATTERNS:
                return None
            out.append(_DIRECTIVE_PATTERNS[token])
            i += 2
        else:
            out.append(re.escape(fmt[i]))
            i += 1
    return "^" + "".join(out) + "$"


def parse_date(
    expr: pl.Expr,
    formats: list[str],
    earliest: date = date(1900, 1, 1),
    latest: date = date(2100, 12, 31),
) -> pl.Expr:
    """Parse text dates in the given strptime formats, ISO (with or without a time part) and
    Excel serial numbers; null when none fits or the date is outside [earliest, latest]."""
    s = expr.str.strip_chars()
    parsed: list[pl.Expr] = []
    for fmt in formats:
        guard = _format_regex(fmt)
        attempt = s.str.strptime(pl.Date, fmt, strict=False, exact=True)
        if guard is not None:
            attempt = pl.when(s.str.contains(guard)).then(attempt)
        parsed.append(attempt)
    iso = s.str.extract(r"^(\d{4}-\d{2}-\d{2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$", 1)
    parsed.append(iso.str.strptime(pl.Date, "%Y-%m-%d", strict=False, exact=True))
    serial = s.str.extract(r"^(\d{5})(?:\.\d+)?$", 1).cast(pl.Int64, strict=False)
    parsed.append(pl.lit(EXCEL_EPOCH) + pl.duration(days=serial))
    value = pl.coalesce(parsed)
    return pl.when((value >= earliest) & (value <= latest)).then(value)


# --- numbers ----------------------------------------------------------------------------------


def normalise_decimal(
    expr: pl.Expr, decimal: str = ",", thousands: str | None = ".", max_int_digits: int = 9
) -> pl.Expr:
    """Decimal text as a plain ``-1234.5`` string (for an exact DECIMAL cast), else null.

    Accepts the profile's decimal mark with optional thousands grouping (``1.234,50``), and a
    ``.`` decimal point when it cannot be a thousands separator (``1234.5``, Excel numbers).
    Anything else ("kr. 2.100", "ca. 3000", "12,34,5") is not a price.
    """
    s = expr.str.strip_chars()
    d = re.escape(decimal)
    t = re.escape(thousands) if thousands else None
    cands: list[pl.Expr] = []
    if t is not None:
        grouped = rf"^-?\d{{1,3}}({t}\d{{3}})+({d}\d+)?$"
        cands.append(
            pl.when(s.str.contains(grouped)).then(
                s.str.replace_all(thousands, "", literal=True).str.replace(
                    decimal, ".", literal=True
                )
            )
        )
    plain = rf"^-?\d+({d}\d+)?$"
    cands.append(pl.when(s.str.contains(plain)).then(s.str.replace(decimal, ".", literal=True)))
    if decimal != ".":
        cands.append(pl.when(s.str.contains(r"^-?\d+\.\d+$")).then(s))
    value = pl.coalesce(cands)
    fits = value.str.contains(rf"^-?0*\d{{0,{max_int_digits}}}(\.|$)")
    return pl.when(fits).then(value)


def parse_int(expr: pl.Expr, minimum: int | None = 0, maximum: int | None = None) -> pl.Expr:
    """Whole number (``12``, ``12.0`` from Excel, ``1.234`` grouped); null if not within range."""
    s = expr.str.strip_chars()
    # A Danish thousands dot ("1.000" = 1000) wins over Excel's ".0" suffix ("12.0" = 12).
    digits = (
        pl.when(s.str.contains(r"^\d{1,3}(\.\d{3})+$"))
        .then(s.str.replace_all(".", "", literal=True))
        .when(s.str.contains(r"^-?\d+(\.0+)?$"))
        .then(s.str.replace(r"\.0+$", ""))
    )
    value = digits.cast(pl.Int64, strict=False)
    ok = value.is_not_null()
    if minimum is not None:
        ok = ok & (value >= minimum)
    if maximum is not None:
        ok = ok & (value <= maximum)
    return pl.when(ok).then(value)


def map_values(expr: pl.Expr, mapping: dict[str, str]) -> pl.Expr:
    """Map text through a spelling table, ignoring case and repeated whitespace; null if absent."""
    key = expr.str.strip_chars().str.replace_all(r"\s+", " ").str.to_lowercase()
    table = {" ".join(k.split()).lower(): v for k, v in mapping.items()}
    return key.replace_strict(table, default=None, return_dtype=pl.String)
