"""Disclosure-controlled building blocks shared by the overview and the municipality profiles.

A count that appears on several pages must be suppressed with ONE pattern, computed on the
whole table (all municipalities, with margins): a profile then shows its own row of that
pattern, and no two pages hide a cell differently (which would let a reader combine them).
The blocks here compute those whole tables once per page from capacity.metrics frames.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import polars as pl

from capacity import metrics
from capacity.config import load_conf
from capacity.disclosure import (
    SuppressedTable,
    flag_dominance,
    load_rules,
    suppress_series_for_publication,
    suppress_table,
)
from capacity.disclosure.audit import ROLE_NAMES, SECONDARY
from capacity.metrics.costs import ALL_GROUPS
from capacity.views.common import OWNERSHIP_ORDER, group_ids, region_municipalities

_MEMO: dict[tuple[Any, ...], tuple[Any, Any]] = {}


def memo(con: duckdb.DuckDBPyConnection, name: str, fn: Callable[..., Any], **kwargs: Any) -> Any:
    """Compute ``fn(con, **kwargs)`` once per connection: a page calls several views that need
    the same metric (e.g. Kaplan-Meier), and metric frames are immutable."""
    key = (id(con), name, tuple(sorted(kwargs.items())))
    if key not in _MEMO:
        # keep the connection referenced so its id is not reused while the entry lives
        _MEMO[key] = (con, fn(con, **kwargs))
    return _MEMO[key][1]


def data_date(con: duckdb.DuckDBPyConnection) -> dt.date:
    """The data date (opgørelsesdato) of the figures 'today'."""
    return metrics.compute_data_date(con)


def region_code() -> str:
    """The region's code ("1082")."""
    return str(load_conf("municipalities")["region"]["code"])


def inner_cells(table: SuppressedTable) -> pl.DataFrame:
    """The inner cells of a suppressed table (published values, suppressed -> null)."""
    return table.publishable().filter(pl.col("cell_kind") == "cell")


def row_totals(table: SuppressedTable) -> pl.DataFrame:
    """The row totals of a suppressed two-way table (published values)."""
    return table.publishable().filter(pl.col("cell_kind") == "row_total")


def col_totals(table: SuppressedTable) -> pl.DataFrame:
    """The column totals of a suppressed two-way table (published values)."""
    return table.publishable().filter(pl.col("cell_kind") == "col_total")


def grand_total(table: SuppressedTable, measure: str | None = None) -> Any:
    """The published grand total of a suppressed table (None when suppressed)."""
    total = table.publishable().filter(pl.col("cell_kind") == "total")
    return total[measure or table.count][0] if total.height else None


# -- persons in a place on a date --------------------------------------------------------------


def persons_in_places(
    con: duckdb.DuckDBPyConnection,
    *,
    ref_date: dt.date | None = None,
    all_offer_types: bool = False,
) -> pl.DataFrame:
    """One row per person in a place on ``ref_date`` (default: the data date): the person's
    latest-started placement decides municipality, target group, paragraph, ownership and
    location, so counts over any of them add up to the persons."""
    status = memo(
        con,
        "placement_status",
        metrics.table_placement_status,
        ref_date=ref_date,
        all_offer_types=all_offer_types,
    )
    return (
        status.sort(["start_date", "file", "line"], descending=[True, False, False])
        .group_by("person_key", maintain_order=True)
        .first()
        .select(
            "person_key", "kommunekode", "target_group", "paragraf", "offer_type",
            "ownership", "location", "beliggenhedskommune", "annual_cost",
        )
    )  # fmt: skip


# -- the municipality x target group table of persons on 1 January -----------------------------


@dataclass(frozen=True)
class StockTable:
    """Persons in a place on 1 January (stock) per municipality x group, suppressed."""

    year: int
    table: SuppressedTable
    rates: pl.DataFrame  # compute_rates rows of that year (municipality and region)


def latest_population_year(rates: pl.DataFrame) -> int:
    """The latest year with an actual population figure (rates need one)."""
    years = rates.filter(pl.col("population").is_not_null())["year"]
    return int(years.max()) if years.len() else int(rates["year"].max())


def stock_table(con: duckdb.DuckDBPyConnection) -> StockTable:
    """The stock on 1 January of the latest year with population figures, per municipality x
    target group with margins, suppressed once for every page that shows part of it."""
    rates = memo(con, "rates", metrics.compute_rates)
    year = latest_population_year(rates)
    this = rates.filter(pl.col("year") == year)
    codes = list(region_municipalities())
    body = (
        this.filter(pl.col("kommunekode").is_in(codes))
        .select("kommunekode", "target_group", "stock")
        .sort(
            pl.col("kommunekode").replace_strict({c: i for i, c in enumerate(codes)}),
            pl.col("target_group").replace_strict({g: i for i, g in enumerate(group_ids())}),
        )
    )
    table = memo(
        con,
        "stock_table",
        lambda _c: suppress_table(body, row="kommunekode", col="target_group", count="stock"),
    )
    return StockTable(year=year, table=table, rates=this)


# -- where and with whom, per municipality ---------------------------------------------------
#
# The flow matrix (placing municipality x where the offer lies) and the ownership table per
# municipality share their row totals: the municipality's persons in a place (each person
# once). A total hidden in one and published in the other would undo the protection, so a
# row total is published only where both patterns publish it. The location of the offers
# per municipality (own / elsewhere in the region / outside / unknown) is a sum of flow cells
# and is derived from the published flow cells only.

OUTSIDE_REGION = "uden_for_regionen"
UNKNOWN_OFFER = "ukendt"


@dataclass(frozen=True)
class MunicipalityTables:
    """Persons in a place on the data date per municipality, suppressed consistently."""

    flow: SuppressedTable  # kommunekode x destination (a region code, OUTSIDE_REGION, UNKNOWN)
    ownership: SuppressedTable  # kommunekode x ownership, annual cost beside the count


def hide_cells(table: SuppressedTable, mask: Sequence[bool]) -> SuppressedTable:
    """The same table with more cells suppressed (complementary role). Hiding more never
    reveals more, so the table stays protected."""
    extra = np.asarray(mask, dtype=bool) & ~table.cells["suppressed"].to_numpy()
    if not extra.any():
        return table
    roles = np.where(extra, SECONDARY, table.roles)
    cells = table.cells.with_columns(
        pl.Series("suppressed", table.cells["suppressed"].to_numpy() | extra),
        pl.Series(
            "reason",
            [ROLE_NAMES.get(int(r)) for r in roles],
            dtype=pl.String,
        ),
    )
    return replace(table, cells=cells, roles=roles)


def _destination_order() -> list[str]:
    inside = region_municipalities()
    return [*sorted(inside, key=lambda c: inside[c]), OUTSIDE_REGION, UNKNOWN_OFFER]


def _municipality_tables(con: duckdb.DuckDBPyConnection) -> MunicipalityTables:
    persons = persons_in_places(con)
    inside = region_municipalities()
    codes = sorted(inside, key=lambda c: inside[c])
    persons = persons.filter(pl.col("kommunekode").is_in(codes)).with_columns(
        pl.when(pl.col("beliggenhedskommune").is_null())
        .then(pl.lit(UNKNOWN_OFFER))
        .when(pl.col("beliggenhedskommune").is_in(codes))
        .then(pl.col("beliggenhedskommune"))
        .otherwise(pl.lit(OUTSIDE_REGION))
        .alias("destination")
    )

    def body(category: str, keys: Sequence[str]) -> pl.DataFrame:
        grid = pl.DataFrame({"kommunekode": codes}).join(
            pl.DataFrame({category: list(keys)}), how="cross"
        )
        counts = persons.group_by("kommunekode", category).agg(
            pl.len().cast(pl.Int64).alias("persons"),
            pl.col("annual_cost").cast(pl.Float64).sum().alias("annual_cost"),
        )
        return grid.join(counts, on=["kommunekode", category], how="left").with_columns(
            pl.col("persons").fill_null(0), pl.col("annual_cost").fill_null(0.0)
        )

    flow = suppress_table(
        body("destination", _destination_order()).drop("annual_cost"),
        row="kommunekode",
        col="destination",
        count="persons",
    )
    ownership = suppress_table(
        body("ownership", OWNERSHIP_ORDER),
        row="kommunekode",
        col="ownership",
        count="persons",
        values=["annual_cost"],
    )
    hidden = set()
    for table in (flow, ownership):
        rows = table.cells.filter((pl.col("cell_kind") == "row_total") & pl.col("suppressed"))
        hidden |= set(rows["kommunekode"].to_list())

    def mask(table: SuppressedTable) -> list[bool]:
        return [
            kind == "row_total" and code in hidden
            for kind, code in zip(
                table.cells["cell_kind"].to_list(),
                table.cells["kommunekode"].to_list(),
                strict=True,
            )
        ]

    return MunicipalityTables(
        flow=hide_cells(flow, mask(flow)), ownership=hide_cells(ownership, mask(ownership))
    )


def municipality_tables(con: duckdb.DuckDBPyConnection) -> MunicipalityTables:
    """The flow matrix and ownership per municipality, suppressed consistently (memoised)."""
    return memo(con, "municipality_tables", _municipality_tables)


@dataclass(frozen=True)
class MunicipalityFrames:
    """The published values of MunicipalityTables (suppressed -> null), as the profiles
    read them: kommunekode, destination | ownership, cell_kind, persons[, annual_cost],
    suppressed."""

    flow: pl.DataFrame
    ownership: pl.DataFrame


def load_municipality_frames(
    con: duckdb.DuckDBPyConnection, run_dir: Path | None = None
) -> MunicipalityFrames:
    """The published flow and ownership per municipality, computed once per run (the flow
    matrix's audit takes seconds; see run_cached)."""
    return MunicipalityFrames(
        flow=run_cached(
            con, run_dir, "municipality_flow", lambda c: municipality_tables(c).flow.publishable()
        ),
        ownership=run_cached(
            con,
            run_dir,
            "municipality_ownership",
            lambda c: municipality_tables(c).ownership.publishable(),
        ),
    )


def location_by_municipality(frames: MunicipalityFrames) -> pl.DataFrame:
    """Persons in a place per municipality x location of the offer (egen_kommune, regionen,
    uden_for_regionen, ukendt), derived from the published flow cells: a location is null
    when a flow cell it needs is hidden. Also one row per municipality with location null
    holding the published row total."""
    flow = frames.flow
    cells = flow.filter(pl.col("cell_kind") == "cell")
    totals = flow.filter(pl.col("cell_kind") == "row_total")
    rows = []
    for code in region_municipalities():
        mine = cells.filter(pl.col("kommunekode") == code)
        look = dict(zip(mine["destination"], mine["persons"], strict=True))
        total = totals.filter(pl.col("kommunekode") == code)["persons"][0]
        own, outside, unknown = look.get(code), look.get(OUTSIDE_REGION), look.get(UNKNOWN_OFFER)
        known = None not in (own, outside, unknown, total)
        region = total - own - outside - unknown if known else None
        for location, value in (
            ("egen_kommune", own),
            ("regionen", region),
            (OUTSIDE_REGION, outside),
            (UNKNOWN_OFFER, unknown),
            (None, total),
        ):
            rows.append({"kommunekode": code, "location": location, "persons": value})
    return pl.DataFrame(
        rows, schema={"kommunekode": pl.String, "location": pl.String, "persons": pl.Int64}
    )


# -- spend and expensive cases, per municipality -----------------------------------------------


def person_costs(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """capacity.metrics.table_person_costs for the latest complete year (memoised)."""
    return memo(con, "person_costs", metrics.table_person_costs)


def cost_year(con: duckdb.DuckDBPyConnection) -> int:
    """The year the cost figures cover (the latest complete year)."""
    return metrics.derived_state(con).default_year()


def spend_by_municipality(con: duckdb.DuckDBPyConnection) -> SuppressedTable:
    """Persons with spend and their spend in the year per municipality x target group.

    Money follows its count, and a cell whose spend two persons dominate (the (2, 85 %) rule)
    is suppressed as well."""
    persons = person_costs(con).filter(pl.col("kommunekode").is_in(list(region_municipalities())))
    codes = list(region_municipalities())
    grid = pl.DataFrame({"kommunekode": codes}).join(
        pl.DataFrame({"target_group": group_ids()}), how="cross"
    )
    agg = persons.group_by("kommunekode", "target_group").agg(
        pl.len().cast(pl.Int64).alias("persons"), pl.col("spend").sum().alias("spend")
    )
    dominated = flag_dominance(persons, by=["kommunekode", "target_group"], value="spend")
    body = (
        grid.join(agg, on=["kommunekode", "target_group"], how="left")
        .join(dominated, on=["kommunekode", "target_group"], how="left")
        .with_columns(
            pl.col("persons").fill_null(0),
            pl.col("spend").fill_null(0.0),
            pl.col("dominated").fill_null(False),
        )
    )
    return memo(
        con,
        "spend_by_municipality",
        lambda _c: suppress_table(
            body,
            row="kommunekode",
            col="target_group",
            count="persons",
            values=["spend"],
            extra_primary="dominated",
        ),
    )


def expensive_bands() -> list[tuple[str, float, float | None]]:
    """(label, lower, upper) of the cost bands in which expensive cases are counted per group
    or municipality: from the first to the second threshold of metrics.yaml, and above the
    second, e.g. ('1-2 mio. kr.', 1e6, 2e6), ('Over 2 mio. kr.', 2e6, None).

    Higher thresholds (4 mio. kr.) are reported region-wide only (expensive_top_counts):
    per group they hold a handful of persons, and a third band would make the secondary
    suppression hide most of the table."""
    limits = sorted(float(t) for t in load_conf("metrics")["expensive_thresholds"])[:2]
    bands = []
    for i, low in enumerate(limits):
        high = limits[i + 1] if i + 1 < len(limits) else None
        label = (
            f"{_mio_label(low)}-{_mio_label(high)} mio. kr."
            if high is not None
            else f"Over {_mio_label(low)} mio. kr."
        )
        bands.append((label, low, high))
    return bands


def expensive_top_counts(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Region-wide persons above each threshold beyond the second (e.g. 4 mio. kr.) and their
    share of the spend. A count is published only when it, and its difference to the count
    above the next lower threshold, are 0 or at least the disclosure threshold (the
    difference is a count of persons too)."""
    cases = memo(con, "expensive_cases", metrics.compute_expensive_cases).filter(
        pl.col("target_group") == ALL_GROUPS
    )
    rules = load_rules()
    limits = sorted(cases["threshold"].to_list())
    out = []
    for i, limit in enumerate(limits[2:], start=2):
        row = cases.filter(pl.col("threshold") == limit).row(0, named=True)
        lower = cases.filter(pl.col("threshold") == limits[i - 1])["persons"][0]
        ok = not rules.is_small(row["persons"]) and not rules.is_small(lower - row["persons"])
        out.append(
            {
                "label": f"Over {_mio_label(limit)} mio. kr.",
                "threshold": limit,
                "persons": row["persons"] if ok else None,
                "spend_share_pct": 100 * row["spend_share"]
                if ok and row["spend_share"] is not None
                else None,
            }
        )
    return out


def _mio_label(amount: float) -> str:
    value = amount / 1e6
    return f"{value:g}".replace(".", ",")


def expensive_band_table(con: duckdb.DuckDBPyConnection, by: str) -> SuppressedTable:
    """Persons whose spend in the year lies in each expensive-case band, per ``by``
    ('target_group', or 'kommunekode' for the region's municipalities), with margins: the row
    total is the persons above the lowest threshold. Spend beside the count."""
    bands = expensive_bands()
    persons = person_costs(con)
    keys = group_ids() if by == "target_group" else list(region_municipalities())
    persons = persons.filter(pl.col(by).is_in(keys))
    band = pl.lit(None, dtype=pl.String)
    for label, low, high in reversed(bands):
        cond = pl.col("spend") > low
        if high is not None:
            cond = cond & (pl.col("spend") <= high)
        band = pl.when(cond).then(pl.lit(label)).otherwise(band)
    labelled = persons.with_columns(band.alias("band")).filter(pl.col("band").is_not_null())
    grid = pl.DataFrame({by: keys}).join(
        pl.DataFrame({"band": [b[0] for b in bands]}), how="cross"
    )
    agg = labelled.group_by(by, "band").agg(
        pl.len().cast(pl.Int64).alias("persons"), pl.col("spend").sum().alias("spend")
    )
    body = grid.join(agg, on=[by, "band"], how="left").with_columns(
        pl.col("persons").fill_null(0), pl.col("spend").fill_null(0.0)
    )
    return memo(
        con,
        f"expensive_bands_{by}",
        lambda _c: suppress_table(body, row=by, col="band", count="persons", values=["spend"]),
    )


def refund_by_municipality(con: duckdb.DuckDBPyConnection) -> SuppressedTable:
    """Estimated § 176 refund per municipality (all groups), with the persons it rests on and
    the region total; suppressed where fewer than the threshold persons have a refund."""
    refund = memo(con, "refund_municipality", metrics.compute_refund_estimate)
    codes = list(region_municipalities())
    agg = (
        refund.filter(pl.col("kommunekode").is_in(codes))
        .group_by("kommunekode")
        .agg(pl.col("persons_with_refund").sum(), pl.col("refund").sum())
    )
    body = (
        pl.DataFrame({"kommunekode": codes})
        .join(agg, on="kommunekode", how="left")
        .with_columns(pl.col("persons_with_refund").fill_null(0), pl.col("refund").fill_null(0.0))
    )
    return memo(
        con,
        "refund_by_municipality",
        lambda _c: suppress_table(
            body, row="kommunekode", count="persons_with_refund", values=["refund"]
        ),
    )


# -- one-way tables with several count columns ------------------------------------------------


@dataclass(frozen=True)
class CountColumn:
    """A person-count column of a one-way table and what rests on it."""

    count: str
    values: tuple[str, ...] = ()  # additive (money): summed in the total row
    means: tuple[str, ...] = ()  # averages, medians, shares: hidden with the count


def suppress_one_way(
    df: pl.DataFrame, *, row: str, columns: Sequence[CountColumn], total: bool = True
) -> pl.DataFrame:
    """A one-way table (one row per ``row`` key) with several person-count columns, each
    suppressed with its own pattern (primary and, with a total row, secondary). Returns the
    published values (suppressed -> null) with the total row last (its key is null); the
    means of the total row are null (a median of medians means nothing)."""
    out: pl.DataFrame | None = None
    for spec in columns:
        part = df.select(row, spec.count, *spec.values, *spec.means)
        published = suppress_table(
            part,
            row=row,
            count=spec.count,
            values=spec.values,
            means=spec.means,
            margins=total,
        ).publishable()
        if total:
            published = published.with_columns(
                pl.when(pl.col("cell_kind") == "total").then(None).otherwise(pl.col(m)).alias(m)
                for m in spec.means
            )
        published = published.select(row, spec.count, *spec.values, *spec.means)
        out = published if out is None else out.hstack(published.drop(row))
    assert out is not None, "suppress_one_way needs at least one count column"
    return out


# -- which municipality series may be published (forecasts at municipality level) --------------


def run_cached(
    con: duckdb.DuckDBPyConnection,
    run_dir: Path | None,
    name: str,
    compute: Callable[[duckdb.DuckDBPyConnection], pl.DataFrame],
) -> pl.DataFrame:
    """A frame computed once per report run and shared between pages.

    Some building blocks take seconds (LP audits), so the overview page (stage 1) computes
    them and keeps them in ``<run>/results/<name>.parquet``; the municipality profiles
    (stage 2) read them. Only PUBLISHABLE frames go there (suppressed values are null): the
    run folder is scanned before anything leaves the workbench. Outside a run the frame is
    computed directly (once per connection)."""
    if run_dir is None:
        return memo(con, name, compute)
    path = Path(run_dir) / "results" / f"{name}.parquet"
    if path.exists():
        return pl.read_parquet(path)
    frame = memo(con, name, compute)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    frame.write_parquet(tmp)
    os.replace(tmp, path)  # atomic: a reader never sees half a file
    return frame


def compute_publishable_series(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Which municipality x target-group series may be published (docs/privacy.md §2.4).

    The stock on 1 January decides with capacity.disclosure.suppress_series_for_publication
    (complementary series included); a series whose average daily census is ever between 0
    and the threshold is hidden as well, since forecasts are made of both. Columns: level,
    kommune, target_group (null = all groups), publishable, reason."""
    flows = memo(con, "stock_flow", metrics.compute_stock_flow)
    codes = list(region_municipalities())
    flows = flows.filter(pl.col("kommunekode").is_in(codes))
    series = suppress_series_for_publication(
        flows, kommune="kommunekode", group="target_group", time="year", count="stock"
    )
    limit = load_rules().threshold
    census_small = flows.group_by("kommunekode", "target_group").agg(
        ((pl.col("census") > 0) & (pl.col("census") < limit)).any().alias("census_small")
    )
    out = series.join(
        census_small.rename({"kommunekode": "kommune"}),
        on=["kommune", "target_group"],
        how="left",
    ).with_columns(
        pl.when(pl.col("census_small").fill_null(False))
        .then(False)
        .otherwise(pl.col("publishable"))
        .alias("publishable"),
        pl.when(pl.col("census_small").fill_null(False) & pl.col("publishable"))
        .then(pl.lit("census"))
        .otherwise(pl.col("reason"))
        .alias("reason"),
    )
    return out.drop("census_small")


def load_publishable_series(con: duckdb.DuckDBPyConnection, run_dir: Path | None) -> pl.DataFrame:
    """compute_publishable_series, computed once per report run (see run_cached)."""
    return run_cached(con, run_dir, "publishable_series", compute_publishable_series)


# -- what the municipality profiles read ------------------------------------------------------


def stock_frame(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """The published stock table (StockTable) with the rate per 10,000 and index vs region
    beside each cell (null where the count is hidden), plus the region's rows (cell_kind
    'region', kommunekode = region code) and the year. Columns: kommunekode, target_group,
    cell_kind, stock, suppressed, rate_per_10000, index_vs_region, year."""
    stock = stock_table(con)
    published = stock.table.publishable().join(
        stock.rates.select("kommunekode", "target_group", "rate_per_10000", "index_vs_region"),
        on=["kommunekode", "target_group"],
        how="left",
    )
    hide = pl.col("suppressed") | (pl.col("cell_kind") != "cell")
    published = published.with_columns(
        pl.when(hide).then(None).otherwise(pl.col(c)).alias(c)
        for c in ("rate_per_10000", "index_vs_region")
    )
    region = stock.rates.filter(pl.col("kommunekode") == region_code()).select(
        "kommunekode",
        "target_group",
        pl.lit("region").alias("cell_kind"),
        "stock",
        pl.lit(False).alias("suppressed"),
        "rate_per_10000",
        "index_vs_region",
    )
    return pl.concat(
        [published.select(region.columns), region], how="vertical_relaxed"
    ).with_columns(pl.lit(stock.year).alias("year"))


class ProfileFrames:
    """The published municipality tables the profiles show rows of, computed once per run by
    the overview page (stage 1) and read by the profiles (stage 2); see run_cached. Outside
    a run each is computed on first use."""

    def __init__(self, con: duckdb.DuckDBPyConnection, run_dir: Path | None = None) -> None:
        self.con = con
        self.run_dir = run_dir

    def _get(
        self, name: str, compute: Callable[[duckdb.DuckDBPyConnection], pl.DataFrame]
    ) -> pl.DataFrame:
        return run_cached(self.con, self.run_dir, name, compute)

    @property
    def stock(self) -> pl.DataFrame:
        """stock_frame: persons on 1 January per municipality x group, rates, region rows."""
        return self._get("municipality_stock", stock_frame)

    @property
    def spend(self) -> pl.DataFrame:
        """spend_by_municipality, published."""
        return self._get("municipality_spend", lambda c: spend_by_municipality(c).publishable())

    @property
    def bands(self) -> pl.DataFrame:
        """expensive_band_table by municipality, published."""
        return self._get(
            "municipality_expensive",
            lambda c: expensive_band_table(c, "kommunekode").publishable(),
        )

    @property
    def refund(self) -> pl.DataFrame:
        """refund_by_municipality, published."""
        return self._get("municipality_refund", lambda c: refund_by_municipality(c).publishable())

    @property
    def places(self) -> MunicipalityFrames:
        """Flow matrix and ownership per municipality, published."""
        return load_municipality_frames(self.con, self.run_dir)


def save_profile_frames(con: duckdb.DuckDBPyConnection, run_dir: Path | None) -> None:
    """Compute every table the municipality profiles read and keep it in the run folder
    (called by the overview page, stage 1). Nothing happens outside a run."""
    if run_dir is None:
        return
    frames = ProfileFrames(con, run_dir)
    _ = (frames.stock, frames.spend, frames.bands, frames.refund, frames.places)
    load_publishable_series(con, run_dir)
