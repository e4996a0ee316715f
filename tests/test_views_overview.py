"""The regional overview's tables and figures on the demo region: documented columns, nothing
publishable shows a person count 1-4, and every figure passes the disclosure check."""

from __future__ import annotations

import polars as pl
import pytest
from views_checks import assert_figure_ok, assert_table_publishable, small_counts

from capacity import metrics
from capacity.config import load_conf
from capacity.db import connect_readonly
from capacity.disclosure import load_rules
from capacity.views import costs, geography, overview, stays, supply
from capacity.views import suppressed as blocks

TABLES = [
    (overview.table_status, {"area": "adults"}, "Antal borgere"),
    (overview.table_status, {"area": "children"}, "Antal borgere"),
    (overview.table_placements_all_types, {"area": "adults"}, "Antal placeringer"),
    (overview.table_trend, {}, "Antal borgere"),
    (overview.table_flows, {}, "Målgruppe"),
    (overview.table_rates, {"measure": "rate"}, "Kommune"),
    (overview.table_rates, {"measure": "index"}, "Kommune"),
    (overview.table_section_mix, {}, "Målgruppe"),
    (geography.table_ownership, {}, "Antal borgere"),
    (geography.table_ownership_cost, {}, "Målgruppe"),
    (geography.table_location, {}, "Antal borgere"),
    (geography.table_flow_matrix, {}, "Antal borgere"),
    (geography.table_trade_balance, {}, "Kommune"),
    (costs.table_cost_distribution, {}, "Målgruppe"),
    (costs.table_price_vs_takst, {}, "Målgruppe"),
    (costs.table_expensive_cases, {}, "Antal borgere"),
    (costs.table_expensive_share, {}, "Målgruppe"),
    (costs.table_expensive_providers, {}, "Tilbud"),
    (costs.table_refund, {}, "Målgruppe"),
    (supply.table_supply, {}, "Målgruppe"),
    (supply.table_supply_by_ownership, {}, "Målgruppe"),
    (supply.table_supply_by_municipality, {}, "Kommune"),
    (supply.table_capacity_changes, {}, "Tilbud"),
    (stays.table_length_of_stay, {}, "Målgruppe"),
    (stays.table_littles_law, {}, "Målgruppe"),
    (stays.table_waiting_list, {}, "Målgruppe"),
]

FIGURES = [
    (overview.plot_status, {}, True),
    (overview.plot_trend, {"measure": "stock"}, True),
    (overview.plot_trend, {"measure": "census"}, True),
    (overview.plot_inflow_outflow, {}, True),
    (overview.plot_rate_index, {}, False),
    (overview.plot_section_shift, {}, True),
    (geography.plot_ownership, {}, False),
    (geography.plot_location, {}, False),
    (geography.plot_flow_matrix, {}, True),
    (costs.plot_cost_distribution, {}, False),
    (costs.plot_expensive_cases, {}, True),
    (supply.plot_supply, {}, True),
    (stays.plot_length_of_stay, {}, False),
]


@pytest.fixture(scope="module")
def con(demo_db):
    connection = connect_readonly(demo_db)
    yield connection
    connection.close()


@pytest.mark.parametrize(
    ("fn", "kwargs", "first"), TABLES, ids=lambda x: getattr(x, "__name__", None) or str(x)
)
def test_tables_have_danish_headers_and_no_small_counts(con, fn, kwargs, first):
    table = fn(con, **kwargs)
    assert table.columns[0] == first
    assert_table_publishable(table)


@pytest.mark.parametrize(
    ("fn", "kwargs", "persons"), FIGURES, ids=lambda x: getattr(x, "__name__", None) or str(x)
)
def test_figures_pass_the_disclosure_check(con, fn, kwargs, persons):
    assert_figure_ok(fn(con, **kwargs), persons=persons)


def test_the_checks_can_fail():
    leaky = pl.DataFrame({"Antal borgere": ["V1", "V2"], "I alt": ["3", "12"]})
    assert small_counts(leaky) == [("I alt", "3")]


def test_status_tables_count_every_person_once(con):
    persons = blocks.persons_in_places(con)
    adults = overview.area_table(con, "adults")
    children = overview.area_table(con, "children")
    totals = overview.status_totals(con)
    assert blocks.grand_total(adults) + blocks.grand_total(children) == persons.height
    assert totals["total"] == persons.height
    # the adults' table has the adults' groups and X, the children's table the children's
    assert set(blocks.inner_cells(adults)["row"]) >= {"V1", "V2", "V3", "V4", "X"}
    assert {"B1", "B2", "B3", "X"} <= set(blocks.inner_cells(children)["row"])


def test_status_figure_shows_the_published_cells(con):
    fig = overview.plot_status(con)
    shown = sum(v for trace in fig.data for v in trace.x if v is not None)
    published = sum(
        v
        for area in ("adults", "children")
        for v in blocks.inner_cells(overview.area_table(con, area))["persons"].to_list()
        if v is not None
    )
    assert shown == published


def test_flow_heatmap_hides_exactly_the_suppressed_cells(con):
    frame = geography.flow_frame(con)
    cells = frame.filter(pl.col("cell_kind") == "cell")
    fig = geography.plot_flow_matrix(con)
    z = [v for row in fig.data[0].z for v in row]
    assert len(z) == cells.height
    assert sum(v is None for v in z) == int(cells["suppressed"].sum())
    assert cells["suppressed"].any(), "the demo region has small flows to hide"


def test_flow_and_ownership_share_their_hidden_row_totals(con):
    frames = blocks.load_municipality_frames(con)

    def hidden(frame: pl.DataFrame) -> set[str]:
        rows = frame.filter((pl.col("cell_kind") == "row_total") & pl.col("suppressed"))
        return set(rows["kommunekode"].to_list())

    assert hidden(frames.flow) == hidden(frames.ownership)


def test_location_per_municipality_is_derived_from_published_flows(con):
    frames = blocks.load_municipality_frames(con)
    derived = blocks.location_by_municipality(frames)
    truth = (
        blocks.persons_in_places(con)
        .group_by("kommunekode", "location")
        .agg(pl.len().cast(pl.Int64).alias("truth"))
    )
    both = derived.filter(pl.col("location").is_not_null()).join(
        truth, on=["kommunekode", "location"], how="left"
    )
    published = both.filter(pl.col("persons").is_not_null())
    assert published.height > 0
    assert (published["persons"] == published["truth"].fill_null(0)).all()
    assert not small_counts(published.select(pl.col("persons").alias("Antal borgere")))


def test_rates_hidden_where_the_count_is_hidden(con):
    stock = blocks.stock_table(con)
    hidden = stock.table.cells.filter(
        (pl.col("cell_kind") == "cell") & pl.col("suppressed")
    ).select("kommunekode", "target_group")
    assert hidden.height > 0
    rates = overview.table_rates(con, "rate")
    names = blocks.region_municipalities()
    symbol = load_rules().symbol
    for code, group in hidden.iter_rows():
        row = rates.filter(pl.col("Kommune") == names[code])
        assert row[group][0] == symbol


def test_capacity_changes_are_the_ones_for_dassos(con):
    threshold = load_conf("metrics")["capacity_change_threshold"]
    table = supply.table_capacity_changes(con)
    changes = table["Ændring i pladser"].to_list()
    kinds = table["Ændring"].to_list()
    assert table.height > 0
    assert all(k == "Lukket" or abs(c) > threshold for k, c in zip(kinds, changes, strict=True))


def test_expensive_bands_follow_the_configured_thresholds(con):
    limits = sorted(load_conf("metrics")["expensive_thresholds"])
    labels = [b[0] for b in blocks.expensive_bands()]
    assert labels[-1].startswith("Over ")
    assert len(labels) == 2
    table = costs.table_expensive_cases(con)
    assert table.columns[1:3] == labels
    top = blocks.expensive_top_counts(con)
    assert [t["threshold"] for t in top] == [float(x) for x in limits[2:]]


def test_summary_has_headline_figures_and_no_small_person_counts(con):
    summary = overview.summary_overview(con)
    rules = load_rules()
    assert summary["placed_persons"] == blocks.persons_in_places(con).height
    assert summary["data_date"] == metrics.compute_data_date(con).isoformat()
    assert [g["target_group"] for g in summary["groups"]][:1] == ["V3"]
    persons = [v for k, v in summary.items() if rules.is_person_key(k)]
    persons += [g["placed_persons"] for g in summary["groups"]]
    assert persons and not any(rules.is_small(v) for v in persons if v is not None)
    text = overview.describe_overview(con).data
    assert "borgere" in text and "DASSOS" in text


def test_run_cached_is_computed_once_per_run(con, tmp_path):
    calls = []

    def compute(c):
        calls.append(1)
        return pl.DataFrame({"x": [1, 2]})

    first = blocks.run_cached(con, tmp_path, "probe", compute)
    second = blocks.run_cached(con, tmp_path, "probe", compute)
    assert (tmp_path / "results" / "probe.parquet").exists()
    assert first.equals(second) and len(calls) == 1


def test_publishable_series_hide_small_municipalities(con):
    series = overview.table_publishable_series(con)
    samso = series.filter(pl.col("Kommune") == "Samsø").row(0, named=True)
    aarhus = series.filter(pl.col("Kommune") == "Aarhus").row(0, named=True)
    assert all(aarhus[g] == "ja" for g in ("V1", "V2", "V3", "V4"))
    assert sum(samso[g] == "nej" for g in ("B1", "B2", "B3", "V1", "V2")) >= 4
