"""Checks for the inputs other than placements: Tilbudsportalen extracts, the provider mapping,
population (actual and projections), planned capacity and the waiting list.

Each has a fixed header (docs/data-contract.md; names matched ignoring case and whitespace,
column order free, other columns ignored) and the same accounting as placements: every data
row is loaded or rejected with (line, field, reason).
"""

from __future__ import annotations

from datetime import date

import polars as pl

from capacity.ingest.model import Checked, FileQuarantined, RawTable
from capacity.ingest.parse import (
    cpr_birth_date,
    cpr_sex,
    normalise_cpr,
    normalise_decimal,
    on_distinct,
    parse_date,
    parse_int,
)
from capacity.ingest.validate import (
    INT32_MAX,
    Check,
    collect,
    date_window,
    field_frame,
    header_positions,
    rules,
    unparsed,
)
from capacity.ingest.vocab import (
    join_target_groups,
    map_distinct,
    normalise_paragraph,
    parse_bool,
    parse_ejerform,
    parse_sex,
    region_municipalities,
    resolve_location,
    resolve_municipality,
)

DATE_FORMATS = ["%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d"]


def source_fields(kind: str) -> tuple[list[str], list[str]]:
    """(required, optional) columns of a supporting input (capacity/conf/ingest.yaml)."""
    spec = rules()["sources"][kind]
    return list(spec["required"]), list(spec.get("optional") or [])


def fields_for(raw: RawTable, kind: str, file: str) -> tuple[pl.DataFrame, set[str]]:
    """The trimmed field frame of a supporting input; quarantine when a required column is
    absent (the header is wrong, so no row can be read)."""
    required, optional = source_fields(kind)
    positions = header_positions(raw.header, required + optional)
    missing = [c for c in required if c not in positions]
    if missing:
        raise FileQuarantined(
            "missing_columns",
            f"required column(s) missing from the header: {', '.join(missing)}",
            file=file,
        )
    return field_frame(raw, positions, tuple(required + optional)), set(positions)


def _present(column: str) -> pl.Expr:
    return pl.col(column).is_not_null()


def _group_id(expr: pl.Expr) -> pl.Expr:
    ids = rules()["target_groups"]
    return expr.str.to_uppercase().replace_strict({i: i for i in ids}, default=None)


def check_offers(raw: RawTable, file: str, file_date: date | None) -> Checked:
    """Tilbudsportalen extract -> offers rows."""
    f, columns = fields_for(raw, "tilbudsportalen", file)
    earliest, latest = date_window()
    region = sorted(region_municipalities())
    region_codes = rules()["region_codes"]
    f = f.with_columns(
        paragraf_code=map_distinct(f["paragraf"], normalise_paragraph),
        form=map_distinct(f["virksomhedsform"], parse_ejerform),
        drift_code=map_distinct(f["driftsherre"], resolve_location),
        belig_code=map_distinct(f["beliggenhedskommune"], resolve_location),
        groups=map_distinct(f["maalgrupper"], join_target_groups),
        approved=map_distinct(f["godkendt"], parse_bool, pl.Boolean),
    ).with_columns(
        tilbud=parse_int(pl.col("tilbud_id"), 1, INT32_MAX),
        afdeling=parse_int(pl.col("afdeling_id"), 1, INT32_MAX),
        places=parse_int(pl.col("pladser"), 0, 100_000),
        age_from=parse_int(pl.col("alder_fra"), 0, 120),
        age_to=parse_int(pl.col("alder_til"), 0, 120),
        takst_text=normalise_decimal(
            pl.col("takst"), ",", ".", rules()["max_price_integer_digits"]
        ),
        extract=parse_date(pl.col("udtraeksdato"), DATE_FORMATS, earliest, latest),
        cvr_digits=pl.col("cvr").str.replace_all(r"(?i)^dk|[\s-]", ""),
    )
    by_operator = (
        pl.when(pl.col("drift_code").is_in(region_codes))
        .then(pl.lit("regional"))
        .when(pl.col("drift_code").is_not_null())
        .then(pl.lit("kommunal"))
    )
    f = f.with_columns(
        ejerform=pl.coalesce(pl.col("form"), by_operator),
        extract_date=pl.lit(file_date, dtype=pl.Date) if file_date else pl.col("extract"),
        afdeling_final=pl.col("afdeling") if "afdeling_id" in columns else pl.col("tilbud"),
        godkendt_final=pl.col("approved") if "godkendt" in columns else pl.lit(True),
    )
    required = ["tilbud_id", "tilbudsnavn", "beliggenhedskommune", "paragraf", "pladser"]
    optional_required = [c for c in ("afdeling_id", "godkendt") if c in columns]
    checks = [
        Check(None, "duplicate_row", pl.col("_duplicate")),
        *[Check(c, "missing_required", pl.col(c).is_null()) for c in required],
        *[Check(c, "missing_required", pl.col(c).is_null()) for c in optional_required],
        Check(
            "udtraeksdato",
            "missing_required",
            pl.lit(file_date is None) & pl.col("udtraeksdato").is_null(),
        ),
        Check(
            "udtraeksdato",
            "invalid_date",
            pl.lit(file_date is None) & _present("udtraeksdato") & pl.col("extract").is_null(),
        ),
        Check(
            "virksomhedsform",
            "missing_required",
            pl.col("virksomhedsform").is_null() & pl.col("ejerform").is_null(),
        ),
        unparsed("virksomhedsform", "invalid_value", "ejerform"),
        unparsed("tilbud_id", "invalid_tilbud_id", "tilbud"),
        unparsed("afdeling_id", "invalid_tilbud_id", "afdeling"),
        unparsed("beliggenhedskommune", "unknown_municipality", "belig_code"),
        unparsed("driftsherre", "unknown_municipality", "drift_code"),
        unparsed("paragraf", "unknown_paragraph", "paragraf_code"),
        unparsed("pladser", "invalid_number", "places"),
        unparsed("alder_fra", "invalid_number", "age_from"),
        unparsed("alder_til", "invalid_number", "age_to"),
        Check("alder_til", "invalid_number", pl.col("age_to") < pl.col("age_from")),
        Check(
            "takst",
            "invalid_price",
            _present("takst")
            & (pl.col("takst_text").is_null() | pl.col("takst_text").str.contains(r"^-.*[1-9]")),
        ),
        unparsed("godkendt", "invalid_value", "approved"),
        Check(
            "cvr",
            "invalid_value",
            _present("cvr") & ~pl.col("cvr_digits").str.contains(r"^\d{8}$"),
        ),
    ]
    # Keyed on the paragraph as written: an offer may list "§ 66, stk. 1, nr. 5" and "nr. 6"
    # (opholdssted and døgninstitution places) which share one code.
    f = f.with_columns(
        paragraf_key=pl.col("paragraf").str.to_lowercase().str.replace_all(r"\s+", " ")
    )
    key = ["extract_date", "tilbud", "afdeling_final", "paragraf_key"]
    rejects, warns, rejected = collect(f, checks, unique_key=(key, "tilbud_id"))
    rows = f.filter(~rejected).select(
        "line",
        "extract_date",
        pl.col("tilbud").cast(pl.Int32).alias("tilbud_id"),
        "tilbudsnavn",
        pl.col("afdeling_final").cast(pl.Int32).alias("afdeling_id"),
        "afdelingsnavn",
        pl.col("cvr_digits").alias("cvr"),
        "virksomhedsform",
        "ejerform",
        pl.col("drift_code").alias("driftsherre"),
        pl.col("belig_code").alias("beliggenhedskommune"),
        pl.col("belig_code").is_in(region).alias("in_region"),
        pl.col("paragraf_code").alias("paragraf"),
        pl.col("paragraf").alias("paragraf_raw"),
        pl.col("places").cast(pl.Int32).alias("pladser"),
        pl.col("groups").alias("maalgrupper"),
        pl.col("age_from").cast(pl.Int16).alias("alder_fra"),
        pl.col("age_to").cast(pl.Int16).alias("alder_til"),
        pl.when(_present("takst")).then(pl.col("takst_text")).alias("takst_text"),
        pl.col("godkendt_final").alias("godkendt"),
    )
    return Checked(rows=rows, rejects=rejects, warnings=warns, rows_in=f.height)


def check_provider_mapping(raw: RawTable, file: str) -> Checked:
    """mappings/leverandoerer.csv -> provider_map rows (one tilbud_id per provider name)."""
    f, _ = fields_for(raw, "provider_mapping", file)
    f = f.with_columns(tilbud=parse_int(pl.col("tilbud_id"), 1, INT32_MAX))
    checks = [
        Check(None, "duplicate_row", pl.col("_duplicate")),
        Check("leverandoer", "missing_required", pl.col("leverandoer").is_null()),
        Check("tilbud_id", "missing_required", pl.col("tilbud_id").is_null()),
        unparsed("tilbud_id", "invalid_tilbud_id", "tilbud"),
    ]
    rejects, warns, rejected = collect(f, checks, unique_key=(["leverandoer"], "leverandoer"))
    rows = f.filter(~rejected).select(
        "leverandoer", pl.col("tilbud").cast(pl.Int32).alias("tilbud_id"), "line"
    )
    return Checked(rows=rows, rejects=rejects, warnings=warns, rows_in=f.height)


def check_population(raw: RawTable, file: str, kind: str, vintage: str | None) -> Checked:
    """population/folk1a.csv (kind actual) or frkm_<vintage>.csv (projection) -> population."""
    f, _ = fields_for(raw, "population", file)
    f = f.with_columns(
        code=map_distinct(f["kommunekode"], lambda v: resolve_municipality(v, allow_region=True)),
        sex=map_distinct(f["koen"], parse_sex),
        # Years and ages repeat on every row: each distinct text is parsed once.
        year=on_distinct(f["aar"], lambda e: parse_int(e, 1900, 2100), pl.Int64),
        # DST writes "99 år og derover" / "99+"; plain numbers are the common case.
        age=on_distinct(
            f["alder"],
            lambda e: parse_int(
                e.str.replace(r"(?i)^\s*(\d{1,3})\s*(år)?\s*(og derover|\+)?\s*$", "$1"), 0, 130
            ),
            pl.Int64,
        ),
    ).with_columns(
        count=parse_int(pl.col("antal"), 0, INT32_MAX),
    )
    checks = [
        Check(None, "duplicate_row", pl.col("_duplicate")),
        *[
            Check(c, "missing_required", pl.col(c).is_null())
            for c in ("kommunekode", "aar", "alder", "koen", "antal")
        ],
        unparsed("kommunekode", "unknown_municipality", "code"),
        unparsed("aar", "invalid_number", "year"),
        unparsed("alder", "invalid_number", "age"),
        unparsed("koen", "invalid_value", "sex"),
        unparsed("antal", "invalid_number", "count"),
    ]
    rejects, warns, rejected = collect(
        f, checks, unique_key=(["code", "year", "age", "sex"], None)
    )
    rows = f.filter(~rejected).select(
        pl.col("code").alias("kommunekode"),
        pl.col("year").cast(pl.Int16).alias("aar"),
        pl.col("age").cast(pl.Int16).alias("alder"),
        pl.col("sex").alias("koen"),
        pl.col("count").cast(pl.Int32).alias("antal"),
        pl.lit("actual" if kind == "population" else "projection").alias("kind"),
        pl.lit(vintage, dtype=pl.String).alias("vintage"),
        "line",
    )
    return Checked(rows=rows, rejects=rejects, warnings=warns, rows_in=f.height)


def check_planned_capacity(raw: RawTable, file: str) -> Checked:
    """planned_capacity.csv -> planned_capacity rows."""
    f, _ = fields_for(raw, "planned_capacity", file)
    statuses = {s: s for s in rules()["planned_status"]}
    f = f.with_columns(
        code=map_distinct(f["kommunekode"], lambda v: resolve_municipality(v, allow_region=True)),
        paragraf_code=map_distinct(f["paragraf"], normalise_paragraph),
    ).with_columns(
        group=_group_id(pl.col("maalgruppe")),
        places=parse_int(pl.col("pladser"), 0, 100_000),
        others=parse_int(pl.col("heraf_andre_kommuner"), 0, 100_000),
        year=parse_int(pl.col("aar"), 1900, 2100),
        state=pl.col("status").str.to_lowercase().replace_strict(statuses, default=None),
    )
    required, _ = source_fields("planned_capacity")
    checks = [
        Check(None, "duplicate_row", pl.col("_duplicate")),
        *[Check(c, "missing_required", pl.col(c).is_null()) for c in required],
        unparsed("kommunekode", "unknown_municipality", "code"),
        unparsed("maalgruppe", "invalid_value", "group"),
        unparsed("paragraf", "unknown_paragraph", "paragraf_code"),
        unparsed("pladser", "invalid_number", "places"),
        Check(
            "heraf_andre_kommuner",
            "invalid_number",
            (_present("heraf_andre_kommuner") & pl.col("others").is_null())
            | (pl.col("others") > pl.col("places")),
        ),
        unparsed("aar", "invalid_number", "year"),
        unparsed("status", "invalid_value", "state"),
    ]
    rejects, warns, rejected = collect(f, checks)
    rows = f.filter(~rejected).select(
        pl.col("code").alias("kommunekode"),
        "projekt",
        pl.col("group").alias("target_group"),
        pl.col("paragraf_code").alias("paragraf"),
        pl.col("places").cast(pl.Int32).alias("pladser"),
        pl.col("others").cast(pl.Int32).alias("pladser_andre_kommuner"),
        pl.col("year").cast(pl.Int16).alias("aar"),
        pl.col("state").alias("status"),
        "line",
    )
    return Checked(rows=rows, rejects=rejects, warnings=warns, rows_in=f.height)


def check_waiting_list(raw: RawTable, file: str) -> Checked:
    """waiting_list.csv -> waiting_list rows; keeps ``cpr10`` for the caller to pseudonymise."""
    f, _ = fields_for(raw, "waiting_list", file)
    earliest, latest = date_window()
    f = f.with_columns(
        code=map_distinct(f["handlekommune"], resolve_municipality),
    ).with_columns(
        cpr10=normalise_cpr(pl.col("cpr")),
        group=_group_id(pl.col("maalgruppe")),
        referral=parse_date(pl.col("henvisningsdato"), DATE_FORMATS, earliest, latest),
        placed=parse_date(pl.col("placeringsdato"), DATE_FORMATS, earliest, latest),
    )
    f = f.with_columns(birth_date=cpr_birth_date(f["cpr10"]))
    checks = [
        Check(None, "duplicate_row", pl.col("_duplicate")),
        *[
            Check(c, "missing_required", pl.col(c).is_null())
            for c in ("cpr", "handlekommune", "maalgruppe", "henvisningsdato")
        ],
        unparsed("cpr", "invalid_cpr", "birth_date"),
        unparsed("handlekommune", "unknown_municipality", "code"),
        unparsed("maalgruppe", "invalid_value", "group"),
        unparsed("henvisningsdato", "invalid_date", "referral"),
        unparsed("placeringsdato", "invalid_date", "placed"),
        Check("placeringsdato", "end_before_start", pl.col("placed") < pl.col("referral")),
    ]
    rejects, warns, rejected = collect(f, checks)
    rows = f.filter(~rejected).select(
        "cpr10",
        pl.col("birth_date").dt.year().cast(pl.Int16).alias("birth_year"),
        cpr_sex(pl.col("cpr10")).alias("sex"),
        pl.col("code").alias("handlekommune"),
        pl.col("group").alias("target_group"),
        pl.col("referral").alias("referral_date"),
        pl.col("placed").alias("placement_date"),
        "line",
    )
    return Checked(rows=rows, rejects=rejects, warnings=warns, rows_in=f.height)
