"""Row checks: every data row is either loaded or rejected with (line, field, reason).

A row with several problems gets one rejects row per problem; ``rows_rejected`` counts distinct
lines. Checks are polars expressions over the whole delivery at once; per-value rules
(paragraphs, municipality names) run over the distinct values of a column only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import polars as pl

from capacity.config import load_conf
from capacity.ingest.model import Checked, RawTable
from capacity.ingest.parse import (
    blank_to_null,
    cpr_birth_date,
    cpr_sex,
    map_values,
    normalise_cpr,
    normalise_decimal,
    on_distinct,
    parse_date,
    parse_int,
)
from capacity.ingest.profiles import PLACEMENT_FIELDS, Profile, normalise_header
from capacity.ingest.vocab import (
    join_target_groups,
    map_distinct,
    normalise_paragraph,
    paragraph_table,
    resolve_location,
    resolve_municipality,
)

# Reject reason codes (rejects.reason), documented in docs/data-contract.md.
REJECT_REASONS = (
    "wrong_column_count",
    "duplicate_row",
    "duplicate_key",
    "missing_required",
    "invalid_cpr",
    "invalid_date",
    "end_before_start",
    "unknown_paragraph",
    "unknown_municipality",
    "invalid_price",
    "invalid_price_unit",
    "invalid_tilbud_id",
    "invalid_number",
    "invalid_value",
)
# Warning codes (load_warnings.code): the row is loaded.
WARNING_CODES = (
    "paragraph_not_valid_at_start",
    "possible_mojibake",
    "unknown_provider_municipality",
    "invalid_provider_cvr",
)

INT32_MAX = 2**31 - 1
# UTF-8 text decoded as cp1252 shows up as "Ã" or "Â" followed by a byte 0x80-0xBF as cp1252
# shows it ("Ã¦" for "æ", "Ã˜" for "Ø").
_CP1252_HIGH = bytes(range(0x80, 0xC0)).decode("cp1252", errors="ignore")
MOJIBAKE = f"[ÃÂ][{re.escape(_CP1252_HIGH)}]"


@dataclass
class Check:
    """A problem: rows where ``condition`` is true get (field, reason)."""

    field: str | None
    reason: str
    condition: pl.Expr


def unparsed(field: str, reason: str, parsed: str) -> Check:
    """Reject a row whose ``field`` is filled in but did not parse into column ``parsed``."""
    return Check(field, reason, pl.col(field).is_not_null() & pl.col(parsed).is_null())


def rules() -> dict:
    """The ingest rules (capacity/conf/ingest.yaml)."""
    return load_conf("ingest")


def date_window(conf: dict | None = None) -> tuple[date, date]:
    window = (conf or rules())["plausible_dates"]
    return window["min"], window["max"]


def duplicate_mask(
    rows: pl.DataFrame, columns: list[str], prefilter: list[str] | None = None
) -> pl.Series:
    """True for a row that repeats an earlier row exactly (all the given columns equal).

    Rows are compared by a 64-bit hash of the ``prefilter`` columns (default: all) first;
    only rows whose hash repeats are compared exactly on every column, so a hash collision
    can never reject a row. A few near-unique columns (CPR number, dates) hash much faster
    than the whole row and leave almost no candidates.
    """
    if not columns or rows.height == 0:
        return pl.Series("dup", [False] * rows.height, dtype=pl.Boolean)
    hashes = rows.select(pl.struct(prefilter or columns).hash(seed=0)).to_series()
    repeated = hashes.is_duplicated()
    if not repeated.any():
        return pl.Series("dup", [False] * rows.height, dtype=pl.Boolean)
    candidates = rows.with_row_index("_i").filter(repeated)
    exact = candidates.filter(~pl.struct(columns).is_first_distinct()).get_column("_i")
    return pl.Series("dup", range(rows.height)).is_in(exact.implode())


# Fields whose raw text narrows the search for exact duplicate rows (see duplicate_mask).
DUPLICATE_PREFILTER = ("cpr", "startdato", "slutdato", "pris")


def field_frame(raw: RawTable, positions: dict[str, int], fields: tuple[str, ...]) -> pl.DataFrame:
    """line, shape_ok, duplicate flag and one trimmed text column per canonical field
    (empty = null)."""
    cols = [c for c in raw.rows.columns if c.startswith("c")]
    prefilter = list(
        dict.fromkeys(f"c{positions[f]}" for f in DUPLICATE_PREFILTER if f in positions)
    )
    # one select: polars trims the columns in parallel
    return raw.rows.select(
        "line",
        "shape_ok",
        _duplicate=duplicate_mask(raw.rows, cols, prefilter),
        **{
            fld: blank_to_null(pl.col(f"c{positions[fld]}"))
            if fld in positions
            else pl.lit(None, dtype=pl.String)
            for fld in fields
        },
    )


def header_positions(header: list[str], fields: list[str]) -> dict[str, int]:
    """Canonical field -> header position, matching names ignoring case and whitespace."""
    normalised = [normalise_header(h) for h in header]
    return {f: normalised.index(f) for f in fields if f in normalised}


def collect(
    frame: pl.DataFrame,
    checks: list[Check],
    warnings: list[Check] | None = None,
    unique_key: tuple[list[str], str | None] | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame, pl.Series]:
    """(rejects, warnings, row-is-rejected mask) for the checks over ``frame``.

    Rows with the wrong number of fields get only that reason: their other fields are not
    where the header says they are. ``unique_key`` = (columns, field): among rows that pass
    every check, a later row with the same key is rejected as ``duplicate_key``.
    """
    shape_ok = pl.col("shape_ok")
    all_checks = [Check(None, "wrong_column_count", ~shape_ok)] + [
        Check(c.field, c.reason, shape_ok & c.condition.fill_null(False)) for c in checks
    ]
    flags = frame.select(
        pl.col("line"), *[c.condition.alias(f"k{i}") for i, c in enumerate(all_checks)]
    )
    parts = [
        flags.filter(pl.col(f"k{i}")).select(
            pl.col("line").cast(pl.Int64),
            pl.lit(c.field, dtype=pl.String).alias("field"),
            pl.lit(c.reason).alias("reason"),
        )
        for i, c in enumerate(all_checks)
    ]
    mask = flags.select(pl.any_horizontal(pl.col(r"^k\d+$"))).to_series()
    if unique_key is not None:
        keys, key_field = unique_key
        repeated = (
            frame.select(pl.col("line"), *keys)
            .filter(~mask)
            .filter(~pl.struct(keys).is_first_distinct())
            .get_column("line")
        )
        if repeated.len():
            parts.append(
                pl.DataFrame(
                    {"line": repeated.cast(pl.Int64)},
                ).with_columns(
                    field=pl.lit(key_field, dtype=pl.String), reason=pl.lit("duplicate_key")
                )
            )
            mask = mask | frame.get_column("line").is_in(repeated.implode())
    rejects = pl.concat(parts).sort("line", "field", "reason", nulls_last=False)
    warn_parts = []
    if warnings:
        wflags = frame.with_columns(_rejected=mask).select(
            pl.col("line"),
            *[
                (~pl.col("_rejected") & w.condition.fill_null(False)).alias(f"w{i}")
                for i, w in enumerate(warnings)
            ],
        )
        warn_parts = [
            wflags.filter(pl.col(f"w{i}")).select(
                pl.col("line").cast(pl.Int64),
                pl.lit(w.field, dtype=pl.String).alias("field"),
                pl.lit(w.reason).alias("code"),
            )
            for i, w in enumerate(warnings)
        ]
    warns = (
        pl.concat(warn_parts).sort("line", "field", "code")
        if warn_parts
        else pl.DataFrame(schema={"line": pl.Int64, "field": pl.String, "code": pl.String})
    )
    return rejects, warns, mask


def _value_table(profile: Profile, fld: str) -> dict[str, str]:
    return profile.values.get(fld, {})


def _price_units(profile: Profile, conf: dict) -> dict[str, str]:
    table = {
        spelling: unit for unit, spellings in conf["price_units"].items() for spelling in spellings
    }
    table.update({unit: unit for unit in conf["annual_factor"]})
    table.update(_value_table(profile, "prisenhed"))
    return table


def check_placements(raw: RawTable, profile: Profile, default_kommune: str | None) -> Checked:
    """Validate a placement delivery read with ``profile``; rows keep the 10-digit CPR.

    The caller pseudonymises and drops ``cpr10`` before anything is persisted.
    """
    positions = profile.column_positions(raw.header)
    f = field_frame(raw, positions, PLACEMENT_FIELDS)
    # Profile spellings ("values") and defaults, before parsing.
    remap = {
        fld: on_distinct(f[fld], lambda e, t=table: pl.coalesce(map_values(e, t), e))
        for fld, table in profile.values.items()
        if fld != "prisenhed" and table
    }
    if remap:
        f = f.with_columns(**remap)
    defaults = dict(profile.defaults)
    if default_kommune is not None:
        defaults.setdefault("handlekommune", default_kommune)
    if defaults:
        f = f.with_columns(
            pl.col(fld).fill_null(pl.lit(value)).alias(fld) for fld, value in defaults.items()
        )

    dialect = profile.csv
    conf = rules()
    earliest, latest = date_window(conf)
    factors = conf["annual_factor"]
    f = f.with_columns(
        paragraf_code=map_distinct(f["paragraf"], normalise_paragraph),
        handle_code=map_distinct(f["handlekommune"], resolve_municipality),
        betaling_code=map_distinct(f["betalingskommune"], resolve_municipality),
        lev_kommune_code=map_distinct(f["leverandoer_kommune"], resolve_location),
        sekundaer=map_distinct(f["sekundaer_maalgruppe"], join_target_groups),
    )
    f = f.with_columns(
        cpr10=on_distinct(f["cpr"], normalise_cpr),
        start_date=on_distinct(
            f["startdato"],
            lambda e: parse_date(e, profile.date_formats, earliest, latest),
            pl.Date,
        ),
        end_date=on_distinct(
            f["slutdato"], lambda e: parse_date(e, profile.date_formats, earliest, latest), pl.Date
        ),
        pris_norm=on_distinct(
            f["pris"],
            lambda e: normalise_decimal(
                e, dialect.decimal, dialect.thousands, conf["max_price_integer_digits"]
            ),
        ),
        unit=on_distinct(f["prisenhed"], lambda e: map_values(e, _price_units(profile, conf))),
        tilbud_id_int=on_distinct(
            f["tilbud_id"], lambda e: parse_int(e, minimum=1, maximum=INT32_MAX), pl.Int64
        ),
        cvr_digits=pl.col("leverandoer_cvr").str.replace_all(r"(?i)^dk|[\s-]", ""),
    )
    f = f.with_columns(birth_date=cpr_birth_date(f["cpr10"]))
    # per paragraph code, not a join: a join would copy every column of the delivery
    validity = paragraph_table()
    f = f.with_columns(
        pl.col("paragraf_code")
        .replace_strict(validity["code"], validity[end], default=None, return_dtype=pl.Date)
        .alias(end)
        for end in ("valid_from", "valid_to")
    )

    required = ("cpr", "paragraf", "leverandoer", "startdato", "handlekommune")
    checks = [
        Check(None, "duplicate_row", pl.col("_duplicate")),
        *[Check(r, "missing_required", pl.col(r).is_null()) for r in required],
        unparsed("cpr", "invalid_cpr", "birth_date"),
        unparsed("startdato", "invalid_date", "start_date"),
        unparsed("slutdato", "invalid_date", "end_date"),
        Check("slutdato", "end_before_start", pl.col("end_date") < pl.col("start_date")),
        unparsed("paragraf", "unknown_paragraph", "paragraf_code"),
        unparsed("handlekommune", "unknown_municipality", "handle_code"),
        unparsed("betalingskommune", "unknown_municipality", "betaling_code"),
        Check(
            "pris",
            "invalid_price",
            pl.col("pris").is_not_null()
            & (pl.col("pris_norm").is_null() | pl.col("pris_norm").str.contains(r"^-.*[1-9]")),
        ),
        Check(
            "prisenhed",
            "missing_required",
            pl.col("pris").is_not_null() & pl.col("prisenhed").is_null(),
        ),
        unparsed("prisenhed", "invalid_price_unit", "unit"),
        unparsed("tilbud_id", "invalid_tilbud_id", "tilbud_id_int"),
    ]
    warnings = [
        Check(
            "paragraf",
            "paragraph_not_valid_at_start",
            (pl.col("start_date") < pl.col("valid_from"))
            | (pl.col("start_date") > pl.col("valid_to")),
        ),
        *[
            Check(fld, "possible_mojibake", pl.col(fld).str.contains(MOJIBAKE))
            for fld in ("leverandoer", "primaer_maalgruppe", "afslutningsaarsag")
        ],
        unparsed("leverandoer_kommune", "unknown_provider_municipality", "lev_kommune_code"),
        Check(
            "leverandoer_cvr",
            "invalid_provider_cvr",
            pl.col("leverandoer_cvr").is_not_null()
            & ~pl.col("cvr_digits").str.contains(r"^\d{8}$"),
        ),
    ]
    rejects, warns, rejected = collect(f, checks, warnings)
    loaded = f.filter(~rejected).select(
        pl.col("line"),
        pl.col("cpr10"),
        pl.col("birth_date"),
        pl.col("birth_date").dt.year().cast(pl.Int16).alias("birth_year"),
        cpr_sex(pl.col("cpr10")).alias("sex"),
        pl.col("handle_code").alias("handlekommune"),
        pl.col("betaling_code").alias("betalingskommune"),
        pl.col("paragraf_code").alias("paragraf"),
        pl.col("paragraf").alias("paragraf_raw"),
        pl.col("leverandoer"),
        pl.col("tilbud_id_int").cast(pl.Int32).alias("tilbud_id"),
        pl.col("start_date"),
        pl.col("end_date"),
        pl.when(pl.col("pris").is_not_null()).then(pl.col("pris_norm")).alias("pris_text"),
        pl.col("unit").alias("prisenhed"),
        pl.col("unit")
        .replace_strict(factors, default=None, return_dtype=pl.Int32)
        .alias("price_factor"),
        pl.col("primaer_maalgruppe"),
        pl.col("sekundaer").alias("sekundaer_maalgruppe"),
        pl.col("afslutningsaarsag"),
        pl.when(pl.col("cvr_digits").str.contains(r"^\d{8}$"))
        .then(pl.col("cvr_digits"))
        .alias("leverandoer_cvr"),
        pl.col("lev_kommune_code").alias("leverandoer_kommune"),
    )
    return Checked(rows=loaded, rejects=rejects, warnings=warns, rows_in=f.height)
