-- Database schema of data_clean/capacity.duckdb (documented column by column in docs/schema.md).
-- Created outside load transactions (DDL in a load transaction risks WAL-replay bugs), then
-- CHECKPOINT. Money is DECIMAL; municipality codes are text.

CREATE TABLE IF NOT EXISTS meta (
    key VARCHAR PRIMARY KEY,
    value VARCHAR NOT NULL
);

-- One row per input file seen by the last ingest that touched it.
CREATE TABLE IF NOT EXISTS load_log (
    file VARCHAR PRIMARY KEY,          -- path relative to data_raw/, '/'-separated
    kind VARCHAR NOT NULL,             -- placements | tilbudsportalen | provider_mapping | population | projection | planned_capacity | waiting_list
    sha256 VARCHAR NOT NULL,
    profile VARCHAR,                   -- source profile (placements only)
    encoding VARCHAR,                  -- utf-8 | utf-8-sig | cp1252 | xlsx
    rows_in INTEGER NOT NULL,          -- non-empty data rows
    rows_loaded INTEGER NOT NULL,
    rows_rejected INTEGER NOT NULL,
    blank_lines INTEGER NOT NULL,      -- empty or whitespace-only lines (skipped, counted here)
    status VARCHAR NOT NULL,           -- loaded | quarantined
    reason VARCHAR,                    -- quarantine reason code (NULL when loaded)
    loaded_at TIMESTAMP NOT NULL,
    warnings INTEGER,                  -- rows loaded with a warning (see load_warnings)
    config_sha256 VARCHAR              -- hash of the ingest rules used (an unchanged file is
                                       -- re-read when the rules change)
);

-- Rejected rows: where and why, never the content.
CREATE TABLE IF NOT EXISTS rejects (
    file VARCHAR NOT NULL,
    line INTEGER NOT NULL,             -- 1-based line (CSV) or row (xlsx) number in the file
    field VARCHAR,                     -- canonical field name, NULL for whole-row problems
    reason VARCHAR NOT NULL            -- reason code (docs/data-contract.md)
);

-- One row per loaded placement period, as delivered (normalised, pseudonymised).
CREATE TABLE IF NOT EXISTS placement_rows (
    file VARCHAR NOT NULL,
    line INTEGER NOT NULL,
    person_key VARCHAR NOT NULL,       -- HMAC-SHA256(key, 10-digit CPR), hex
    birth_date DATE NOT NULL,
    birth_year SMALLINT NOT NULL,
    sex VARCHAR NOT NULL,              -- M | K
    handlekommune VARCHAR NOT NULL,    -- 3-digit kommunekode
    betalingskommune VARCHAR,
    paragraf VARCHAR NOT NULL,         -- normalised code (capacity/conf/paragraphs.yaml)
    paragraf_raw VARCHAR NOT NULL,
    leverandoer VARCHAR NOT NULL,
    tilbud_id INTEGER,                 -- as delivered (NULL when the system has none)
    start_date DATE NOT NULL,
    end_date DATE,                     -- NULL = ongoing
    pris DECIMAL(14, 2),
    prisenhed VARCHAR,                 -- dag | maaned | aar
    annual_cost DECIMAL(14, 2),        -- kr. per year
    primaer_maalgruppe VARCHAR,        -- FFB name as delivered (trimmed)
    sekundaer_maalgruppe VARCHAR,      -- '|'-joined FFB names as delivered (trimmed)
    afslutningsaarsag VARCHAR,
    leverandoer_cvr VARCHAR,           -- provider CVR when the delivery has it (profile field)
    leverandoer_kommune VARCHAR,       -- provider municipality code when the delivery has it
    PRIMARY KEY (file, line)
);

-- Tilbudsportalen: one row per extract date x tilbud x afdeling x paragraf.
CREATE TABLE IF NOT EXISTS offers (
    file VARCHAR NOT NULL,
    line INTEGER NOT NULL,
    extract_date DATE NOT NULL,
    tilbud_id INTEGER NOT NULL,
    tilbudsnavn VARCHAR NOT NULL,
    afdeling_id INTEGER NOT NULL,
    afdelingsnavn VARCHAR,
    cvr VARCHAR,
    virksomhedsform VARCHAR,
    ejerform VARCHAR NOT NULL,         -- kommunal | regional | selvejende | privat
    driftsherre VARCHAR,               -- kommunekode, '1082' for the region, NULL otherwise
    beliggenhedskommune VARCHAR NOT NULL,
    in_region BOOLEAN NOT NULL,        -- beliggenhedskommune is one of the 19
    paragraf VARCHAR NOT NULL,         -- normalised code
    pladser INTEGER NOT NULL,
    maalgrupper VARCHAR,               -- '|'-joined FFB names
    alder_fra SMALLINT,
    alder_til SMALLINT,
    takst DECIMAL(12, 2),              -- kr. per døgn
    godkendt BOOLEAN NOT NULL,
    paragraf_raw VARCHAR               -- as written (e.g. "§ 66, stk. 1, nr. 5"; nr. 5 and nr. 6
                                       -- of one afdeling share a code but are separate rows)
);

-- Provider name (as the case systems spell it) -> Tilbudsportalen id, maintained by hand.
CREATE TABLE IF NOT EXISTS provider_map (
    leverandoer VARCHAR PRIMARY KEY,
    tilbud_id INTEGER NOT NULL,
    file VARCHAR,                      -- source file (mappings/leverandoerer.csv)
    line INTEGER
);

CREATE TABLE IF NOT EXISTS population (
    kommunekode VARCHAR NOT NULL,
    aar SMALLINT NOT NULL,
    alder SMALLINT NOT NULL,           -- 0-99, 99 = 99 and over
    koen VARCHAR NOT NULL,             -- M | K
    antal INTEGER NOT NULL,
    kind VARCHAR NOT NULL,             -- actual | projection
    vintage VARCHAR,                   -- projection vintage (file suffix); NULL for actual
    file VARCHAR,                      -- source file, e.g. population/frkm_2024.csv
    line INTEGER
);

CREATE TABLE IF NOT EXISTS planned_capacity (
    kommunekode VARCHAR NOT NULL,
    projekt VARCHAR NOT NULL,
    target_group VARCHAR NOT NULL,     -- B1..B3, V1..V4, X
    paragraf VARCHAR NOT NULL,
    pladser INTEGER NOT NULL,
    pladser_andre_kommuner INTEGER NOT NULL,
    aar SMALLINT NOT NULL,             -- first year the places exist
    status VARCHAR NOT NULL,
    file VARCHAR,
    line INTEGER
);

CREATE TABLE IF NOT EXISTS waiting_list (
    person_key VARCHAR NOT NULL,
    birth_year SMALLINT NOT NULL,
    sex VARCHAR NOT NULL,
    handlekommune VARCHAR NOT NULL,
    target_group VARCHAR NOT NULL,
    referral_date DATE NOT NULL,
    placement_date DATE,               -- NULL = still waiting
    file VARCHAR,
    line INTEGER
);

-- Rows that were loaded but deserve a look (e.g. a paragraph used outside its validity
-- period). Like rejects: where and what, never the content.
CREATE TABLE IF NOT EXISTS load_warnings (
    file VARCHAR NOT NULL,
    line INTEGER NOT NULL,
    field VARCHAR,
    code VARCHAR NOT NULL              -- warning code (docs/data-contract.md)
);

-- Suggestions for provider names with no mapping and no tilbud_id (review them, then add the
-- accepted ones to data_raw/mappings/leverandoerer.csv). Rebuilt by every ingest.
CREATE TABLE IF NOT EXISTS provider_suggestions (
    leverandoer VARCHAR NOT NULL,
    antal_placeringer INTEGER NOT NULL,  -- loaded placement rows with this provider name
    rank SMALLINT,                       -- 1 = best suggestion; NULL when there is none
    forslag_tilbud_id INTEGER,
    forslag_navn VARCHAR,
    score DOUBLE,                        -- 0-100
    basis VARCHAR                        -- name | cvr | name+kommune
);

-- The paragraph codes of capacity/conf/paragraphs.yaml, rebuilt by every ingest.
CREATE TABLE IF NOT EXISTS paragraphs (
    code VARCHAR PRIMARY KEY,
    label VARCHAR NOT NULL,
    series VARCHAR NOT NULL,
    area VARCHAR NOT NULL,             -- children | adults
    offer_type VARCHAR NOT NULL,       -- residential | day
    valid_from DATE,
    valid_to DATE
);
