"""Property tests (hypothesis) of the value parsers: CPR, dates, decimals, paragraphs,
municipalities and target-group lists."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import polars as pl
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from capacity.config import municipalities
from capacity.ingest.parse import (
    cpr_birth_date,
    cpr_sex,
    normalise_cpr,
    normalise_decimal,
    on_distinct,
    parse_date,
    parse_int,
)
from capacity.ingest.vocab import (
    join_target_groups,
    normalise_paragraph,
    parse_ejerform,
    resolve_municipality,
)

FORMATS = ["%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d"]


def _apply(values: list, expr) -> list:
    return (
        pl.DataFrame({"v": pl.Series(values, dtype=pl.String)}).select(expr).to_series().to_list()
    )


def _century_digits(year: int) -> list[int]:
    """Digit-7 values that place a two-digit year in this century (reliability.md §2.1)."""
    yy = year % 100
    if 1900 <= year <= 1999:
        return [0, 1, 2, 3] + ([4, 9] if yy >= 37 else [])
    if 2000 <= year <= 2036:
        return [4, 9, 5, 6, 7, 8]
    if 2037 <= year <= 2057:
        return [5, 6, 7, 8]
    return [5, 6, 7, 8]  # 1858-1899


@settings(max_examples=300, deadline=None)
@given(
    born=st.dates(dt.date(1858, 1, 1), dt.date(2057, 12, 31)),
    pick=st.integers(0, 5),
    rest=st.integers(0, 999),
    style=st.sampled_from(["plain", "dash", "numeric", "excel_float", "padded"]),
)
def test_cpr_round_trip(born, pick, rest, style):
    digits = _century_digits(born.year)
    assume(born.year >= 1858)
    d7 = digits[pick % len(digits)]
    cpr = f"{born:%d%m}{born.year % 100:02d}{d7}{rest:03d}"
    written = {
        "plain": cpr,
        "dash": f"{cpr[:6]}-{cpr[6:]}",
        "numeric": str(int(cpr)),  # Excel drops the leading zero
        "excel_float": f"{int(cpr)}.0",
        "padded": f"  {cpr} ",
    }[style]
    (normalised,) = _apply([written], normalise_cpr(pl.col("v")))
    assert normalised == cpr
    assert cpr_birth_date(pl.Series([normalised])).to_list() == [born]
    (sex,) = _apply([cpr], cpr_sex(pl.col("v")))
    assert sex == ("M" if int(cpr[-1]) % 2 else "K")


def test_cpr_without_modulus_11_is_valid_and_impossible_dates_are_not():
    # 0101900001 fails modulus 11 but is a valid number (since 2007).
    assert cpr_birth_date(pl.Series(["0101900001"])).to_list() == [dt.date(1990, 1, 1)]
    bad = ["3102901234", "2902011234", "0013901234", "0100901234", "0113901234"]
    assert cpr_birth_date(pl.Series(bad)).to_list() == [None] * len(bad)
    assert (
        _apply(["12345", "2904701O23", "ukendt", "010100-00001", ""], normalise_cpr(pl.col("v")))
        == [None] * 5
    )
    # 29 February exists in 2000 (digit 7 = 4) but not in 1900 (digit 7 = 0)
    assert cpr_birth_date(pl.Series(["2902004000", "2902000000"])).to_list() == [
        dt.date(2000, 2, 29),
        None,
    ]


@settings(max_examples=300, deadline=None)
@given(
    day=st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31)),
    style=st.sampled_from(["dmy", "dmy_dot", "iso", "iso_time", "unpadded", "serial"]),
)
def test_date_formats_round_trip(day, style):
    written = {
        "dmy": f"{day:%d-%m-%Y}",
        "dmy_dot": f"{day:%d.%m.%Y}",
        "iso": day.isoformat(),
        "iso_time": f"{day.isoformat()} 00:00:00",
        "unpadded": f"{day.day}-{day.month}-{day.year}",
        "serial": str((day - dt.date(1899, 12, 30)).days),
    }[style]
    assume(style != "serial" or 10_000 <= int(written) <= 99_999)
    assert _apply([written], parse_date(pl.col("v"), FORMATS)) == [day]


def test_impossible_and_implausible_dates_are_null():
    bad = ["31-02-2020", "2020-13-01", "1-1-23", "01-01-0203", "01/01/2020", "i går", "1e5"]
    assert _apply(bad, parse_date(pl.col("v"), FORMATS)) == [None] * len(bad)


def _danish(value: Decimal, thousands: bool) -> str:
    sign = "-" if value < 0 else ""
    whole, frac = f"{abs(value):.2f}".split(".")
    if thousands:
        whole = f"{int(whole):,}".replace(",", ".")
    return f"{sign}{whole},{frac}"


@settings(max_examples=300, deadline=None)
@given(
    value=st.decimals(min_value=-(10**9) + 1, max_value=10**9 - 1, places=2),
    thousands=st.booleans(),
)
def test_danish_decimals_round_trip(value, thousands):
    (normalised,) = _apply([_danish(value, thousands)], normalise_decimal(pl.col("v")))
    assert Decimal(normalised) == value


def test_decimal_edge_cases():
    values = [
        "1234.5",
        "1.234",
        "12,34,5",
        "ca. 3000",
        "kr. 2.100",
        "1.23.4",
        "1e5",
        "1234567890,00",
    ]
    assert _apply(values, normalise_decimal(pl.col("v"))) == [
        "1234.5",  # Excel number: a dot followed by 1-2 digits is a decimal point
        "1234",  # Danish thousands dot
        None,
        None,
        None,
        None,
        None,
        None,  # more than 9 integer digits
    ]
    assert _apply(["12", "12.0", "1.000", "-3", "x"], parse_int(pl.col("v"))) == [
        12,
        12,
        1000,
        None,
        None,
    ]


@settings(max_examples=100, deadline=None)
@given(
    values=st.lists(
        st.sampled_from(["01-02-2020", "x", "2020-02-01", "", "31.12.1999"]), max_size=60
    )
)
def test_distinct_evaluation_equals_row_by_row(values):
    series = pl.Series("v", values, dtype=pl.String)
    by_row = series.to_frame().select(parse_date(pl.col("v"), FORMATS)).to_series().to_list()
    assert on_distinct(series, lambda e: parse_date(e, FORMATS), pl.Date).to_list() == by_row


PARAGRAPH_WRITINGS = {
    "SEL_107": ["SEL § 107", "§107", "Servicelovens § 107", "sel107", "Midlertidigt botilbud"],
    "SEL_108": ["SEL § 108", "§ 108", "Serviceloven §108", "Længerevarende botilbud (SEL § 108)",
                "§ 108 + § 104", "SEL_108"],
    "ABL_105_SEL_85": ["ABL § 105 / SEL § 85", "SEL § 85 jf. ABL § 105",
                       "ABL §105, stk. 2 og SEL §85"],
    "SEL_85": ["SEL § 85", "§85"],
    "SEL_103": ["SEL § 103", "Beskyttet beskæftigelse"],
    "SEL_104": ["SEL § 104", "Aktivitets- og samværstilbud"],
    "SEL_52_3_7": ["SEL § 52 stk. 3 nr. 7", "Servicelovens § 52, stk. 3, nr. 7"],
    "SEL_66": ["SEL § 66, stk. 1, nr. 6", "§ 66 stk. 1 nr. 5"],
    "BL_ANBRINGELSE": ["BL § 43", "Barnets lov § 43, stk. 1, nr. 5", "barnets lov §46", "BL § 47"],
    "BL_114": ["BL § 114", "Barnets lov § 114, stk. 1, nr. 1"],
    "SEL_76": ["SEL § 76"],
}  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(
    case=st.sampled_from([(code, w) for code, ws in PARAGRAPH_WRITINGS.items() for w in ws]),
    upper=st.booleans(),
    pad=st.sampled_from(["", " ", "  "]),
)
def test_paragraph_spellings_normalise(case, upper, pad):
    code, written = case
    text = pad + (written.upper() if upper else written) + pad
    assert normalise_paragraph(text) == code


def test_unknown_paragraphs_stay_unknown():
    for text in ["SEL § 999", "Ukendt lovhjemmel", "§ 1000", "", "BL § 200"]:
        assert normalise_paragraph(text) is None


@settings(max_examples=200, deadline=None)
@given(
    entry=st.sampled_from(sorted(municipalities().items())),
    style=st.sampled_from(["code", "name", "upper", "kommune", "lower_kommune", "ascii"]),
)
def test_municipality_names_and_codes(entry, style):
    code, name = entry
    ascii_name = name.replace("å", "aa").replace("ø", "oe").replace("Å", "Aa")
    written = {
        "code": code,
        "name": name,
        "upper": name.upper(),
        "kommune": f"{name} Kommune",
        "lower_kommune": f" {name.lower()} kommune ",
        "ascii": ascii_name,
    }[style]
    assert resolve_municipality(written) == code


def test_unknown_municipalities():
    for text in ["Hobro Kommune", "999", "Region Midtjylland", "", "Aarhus Amt"]:
        assert resolve_municipality(text) is None
    assert resolve_municipality("Region Midtjylland", allow_region=True) == "1082"
    assert resolve_municipality("Århus Kommune") == "751"


def test_target_group_lists_and_ejerform():
    assert join_target_groups(" Autismespektrum |Angst ") == "Autismespektrum|Angst"
    assert (
        join_target_groups("Autismespektrum, Udviklingshæmning")
        == "Autismespektrum|Udviklingshæmning"
    )
    assert join_target_groups("Hjerneskade, erhvervet") == "Hjerneskade, erhvervet"
    forms = {
        "Kommune": "kommunal",
        "Region": "regional",
        "Selvejende institution": "selvejende",
        "Fond": "selvejende",
        "Forening": "selvejende",
        "ApS": "privat",
        "A/S": "privat",
        "I/S": "privat",
        "Anpartsselskab": "privat",
        "Enkeltmandsvirksomhed": "privat",
    }
    for written, form in forms.items():
        assert parse_ejerform(written) == form
    assert parse_ejerform("Noget andet") is None
