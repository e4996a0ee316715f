-- Derived tables, rebuilt by capacity.derive.rebuild_derived after every ingest (docs/schema.md,
-- "Derived tables"). Created outside any load transaction and followed by CHECKPOINT; the
-- rebuild itself only deletes and inserts rows. When this file changes, the derived tables
-- are dropped and created again (the hash of this text is kept in derived_meta).
-- No primary keys: keys are unique by construction ((file, line) from placement_rows,
-- episode_id, (episode_id, year)) and indexes would slow the rebuild down.

CREATE TABLE IF NOT EXISTS derived_meta (
    key VARCHAR PRIMARY KEY,
    value VARCHAR NOT NULL
);

-- One row per loaded placement period (placement_rows) with everything analysis needs.
CREATE TABLE IF NOT EXISTS placements (
    file VARCHAR NOT NULL,
    line INTEGER NOT NULL,
    person_key VARCHAR NOT NULL,
    birth_date DATE NOT NULL,
    birth_year SMALLINT NOT NULL,
    sex VARCHAR NOT NULL,
    handlekommune VARCHAR NOT NULL,
    betalingskommune VARCHAR,
    paragraf VARCHAR NOT NULL,
    paragraf_raw VARCHAR NOT NULL,
    paragraf_series VARCHAR,           -- paragraphs.yaml series (continues across law changes)
    offer_type VARCHAR,                -- residential | day (paragraphs.yaml)
    area VARCHAR NOT NULL,             -- children | adults: the paragraph's area, else by age at start
    leverandoer VARCHAR NOT NULL,
    tilbud_id INTEGER,                 -- resolved: as delivered, else via provider_map
    tilbud_id_source VARCHAR,          -- delivered | provider_map | NULL (unmatched)
    offer_extract_date DATE,           -- Tilbudsportalen extract used for the offer fields below
    tilbudsnavn VARCHAR,
    ejerform VARCHAR,                  -- kommunal | regional | selvejende | privat
    driftsherre VARCHAR,
    beliggenhedskommune VARCHAR,
    in_region BOOLEAN,
    takst DECIMAL(12, 2),              -- the offer's døgntakst (kr. per døgn)
    start_date DATE NOT NULL,
    end_date DATE,                     -- as delivered; NULL = ongoing
    pris DECIMAL(14, 2),
    prisenhed VARCHAR,
    annual_cost DECIMAL(14, 2),        -- kr. per year
    afslutningsaarsag VARCHAR,
    tg_source VARCHAR NOT NULL,        -- citizen | offer | none
    tg_names VARCHAR[] NOT NULL,       -- recognised FFB names (after synonyms)
    tg_unknown VARCHAR[] NOT NULL,     -- names not recognised (reported, never guessed)
    tg_matched VARCHAR[] NOT NULL,     -- every analysis group whose rule holds (both areas)
    tg_child VARCHAR NOT NULL,         -- exclusive group while in the children's area
    tg_adult VARCHAR NOT NULL,         -- exclusive group while in the adults' area
    tg_child_all VARCHAR[] NOT NULL,   -- multi-membership, children's area
    tg_adult_all VARCHAR[] NOT NULL,   -- multi-membership, adults' area
    aftercare BOOLEAN NOT NULL,        -- efterværn paragraph (and efterværn enabled)
    age_at_start SMALLINT NOT NULL,
    target_group VARCHAR NOT NULL,     -- exclusive group at the start date
    episode_id BIGINT,                 -- NULL when the offer type does not count as a place
    episode_seq INTEGER                -- position in the episode (start date, citizen's names first)
);

-- One row per episode (forløb): a person's placements chained while gaps are <= gap_days.
CREATE TABLE IF NOT EXISTS episodes (
    episode_id BIGINT NOT NULL,
    person_key VARCHAR NOT NULL,
    birth_date DATE NOT NULL,
    birth_year SMALLINT NOT NULL,
    sex VARCHAR NOT NULL,
    area VARCHAR NOT NULL,
    kommunekode VARCHAR NOT NULL,      -- handlekommune of the first placement
    target_group VARCHAR NOT NULL,     -- exclusive group at the episode's start
    tg_source VARCHAR NOT NULL,
    start_date DATE NOT NULL,
    end_date DATE,                     -- NULL = ongoing at the data date
    paragraf VARCHAR NOT NULL,         -- first placement
    paragraf_series VARCHAR,
    tilbud_id INTEGER,                 -- first placement (resolved)
    last_kommunekode VARCHAR NOT NULL,
    last_paragraf VARCHAR NOT NULL,
    last_tilbud_id INTEGER,
    n_placements INTEGER NOT NULL
);

-- One row per episode x year of the data window in which the episode is open on some day.
CREATE TABLE IF NOT EXISTS episode_years (
    episode_id BIGINT NOT NULL,
    person_key VARCHAR NOT NULL,
    year SMALLINT NOT NULL,
    kommunekode VARCHAR NOT NULL,      -- handlekommune of the placement in force at ref_date
    target_group VARCHAR NOT NULL,     -- exclusive group at ref_date
    ref_date DATE NOT NULL,            -- 1 January, or the start date for an episode starting in the year
    in_stock BOOLEAN NOT NULL,         -- began before 1 January and still open on 1 January
    entered BOOLEAN NOT NULL,          -- start date in the year
    exited BOOLEAN NOT NULL,           -- end date in the year (not after the data date)
    person_days INTEGER NOT NULL       -- days in the year within the episode (both ends counted)
);
