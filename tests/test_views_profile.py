"""The municipality profile on the demo region: Aarhus shows its figures, Samsø works and says
in plain Danish that most of its figures are hidden; nothing shows a person count 1-4."""

from __future__ import annotations

import polars as pl
import pytest
from views_checks import assert_figure_ok, assert_table_publishable

from capacity.db import connect_readonly
from capacity.disclosure import load_rules
from capacity.errors import DataQualityError
from capacity.views import overview, profile
from capacity.views import suppressed as blocks

TABLES = [
    (profile.table_profile_groups, "Målgruppe"),
    (profile.table_profile_location, "Beliggenhed"),
    (profile.table_profile_ownership, "Ejerform"),
    (profile.table_profile_costs, "Målgruppe"),
    (profile.table_profile_expensive, "Opgørelse"),
    (profile.table_profile_deliveries, "Fil"),
    (profile.table_profile_rejects, "Opgørelse"),
]


@pytest.fixture(scope="module")
def con(demo_db):
    connection = connect_readonly(demo_db)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def series(con):
    return profile.load_series_flags(con, None)


def _forecasts(codes: list[str], groups: list[str]) -> pl.DataFrame:
    """A forecast table in the shape of DESIGN §4b: history and principal rows."""
    rows = []
    for code in codes:
        for g in groups:
            for year in range(2014, 2026):
                rows.append(("municipality", code, g, "census", year, "observed", 40.0, None))
            for year in range(2026, 2032):
                rows.append(("municipality", code, g, "census", year, "principal", None, 42.0))
    frame = pl.DataFrame(
        rows,
        schema=["level", "kommunekode", "target_group", "quantity", "year", "model", "observed",
                "mean"],
        orient="row",
    )  # fmt: skip
    return frame.with_columns(
        (pl.col("mean") - 6).alias("p10"), (pl.col("mean") + 6).alias("p90"), pl.col("mean")
    )


@pytest.mark.parametrize("code", ["751", "741"])
@pytest.mark.parametrize(("fn", "first"), TABLES, ids=lambda x: getattr(x, "__name__", str(x)))
def test_profile_tables_are_publishable(con, fn, first, code):
    table = fn(con, code)
    assert table.columns[0] == first
    assert_table_publishable(table)


@pytest.mark.parametrize("code", ["751", "741"])
def test_profile_figures_pass_the_disclosure_check(con, code):
    assert_figure_ok(profile.plot_profile_rates(con, code), persons=False)
    assert_figure_ok(profile.plot_profile_placement(con, code), persons=False)


def test_aarhus_shows_its_own_figures(con):
    groups = profile.table_profile_groups(con, "751")
    symbol = load_rules().symbol
    assert symbol not in groups["Antal borgere 1. januar 2025"].to_list()
    text = profile.describe_profile(con, "751").data
    assert "Aarhus Kommune" in text and "skjult" not in text


def test_samso_is_mostly_hidden_and_says_so(con):
    symbol = load_rules().symbol
    groups = profile.table_profile_groups(con, "741")
    own = groups["Antal borgere 1. januar 2025"].to_list()
    assert own.count(symbol) >= 4
    # a hidden count hides its rate and index too
    for count, rate, index in zip(
        own,
        groups["Pr. 10.000 indbyggere i aldersgruppen"],
        groups["Indeks (regionen = 100)"],
        strict=True,
    ):
        if count == symbol:
            assert rate == symbol and index == symbol
    text = profile.describe_profile(con, "741").data
    assert "Samsø" in text and "skjult" in text


def test_profile_rows_are_cells_of_the_regional_tables(con):
    # the profile shows its row of the table suppressed for all 19 municipalities
    stock = blocks.stock_table(con)
    cells = stock.table.publishable().filter(
        (pl.col("cell_kind") == "cell") & (pl.col("kommunekode") == "741")
    )
    values = profile.profile_groups_values(con, "741").filter(pl.col("target_group").is_not_null())
    assert values["stock"].to_list() == cells["stock"].to_list()
    rates = overview.table_rates(con, "rate").filter(pl.col("Kommune") == "Samsø")
    symbol = load_rules().symbol
    for g, v in zip(cells["target_group"], cells["stock"], strict=True):
        assert (rates[g][0] == symbol) == (v is None)


def test_forecast_shown_only_for_publishable_series(con, series):
    ok = profile.publishable_groups(series, "751")
    assert {"V1", "V3", "V4"} <= set(ok)
    assert profile.publishable_groups(series, "741") == []  # Samsø: too few in every group
    forecasts = _forecasts(["751", "741"], ["B1", "B2", "V1", "V3", "V4", "X"])
    fig = profile.plot_profile_forecast(forecasts, series, "751")
    assert_figure_ok(fig, persons=True)
    titles = [a.text for a in fig.layout.annotations]
    assert all(any(t.startswith(g) for t in titles) for g in ("V1", "V3", "V4"))
    text = profile.describe_forecast(forecasts, series, "751").data
    assert "V3" in text


def test_samso_gets_no_forecast_and_an_explanation(con, series):
    forecasts = _forecasts(["741"], ["B1", "V3", "V4"])
    assert profile.plot_profile_forecast(forecasts, series, "741") is None
    assert "ingen fremskrivning" in profile.describe_forecast(forecasts, series, "741").data
    assert "ikke tilgængelig" in profile.describe_forecast(None, series, "741").data
    assert profile.plot_profile_forecast(None, series, "741") is None


def test_forecast_values_below_the_threshold_are_not_drawn(con, series):
    forecasts = _forecasts(["751"], ["V3"]).with_columns(
        pl.when(pl.col("model") == "principal").then(3.0).otherwise(pl.col("mean")).alias("mean")
    )
    fig = profile.plot_profile_forecast(forecasts, series, "751")
    assert_figure_ok(fig, persons=True)
    mean = next(t for t in fig.data if t.name == "Forventet")
    assert all(v is None for v in mean.y)


def test_summary_and_slug(con):
    summary = profile.summary_profile(con, "741")
    assert summary["kommunekode"] == "741"
    assert not load_rules().is_small(summary["stock_persons"] or 0)
    assert profile.page_slug("751") == "profil-751"


def test_unknown_municipality_is_a_clear_error(con):
    with pytest.raises(DataQualityError, match="19 kommuner"):
        profile.table_profile_groups(con, "999")


@pytest.mark.parametrize(
    "fn",
    [
        profile.table_profile_groups,
        profile.table_profile_location,
        profile.table_profile_ownership,
        profile.table_profile_costs,
        profile.table_profile_expensive,
    ],
    ids=lambda f: f.__name__,
)
def test_profile_from_the_run_cache_is_the_same(con, tmp_path, fn):
    direct = fn(con, "741")
    blocks.save_profile_frames(con, tmp_path)
    assert (tmp_path / "results" / "municipality_flow.parquet").exists()
    cached = fn(con, "741", run_dir=tmp_path)
    assert direct.equals(cached)


def test_run_cache_holds_no_small_counts(con, tmp_path):
    blocks.save_profile_frames(con, tmp_path)
    rules = load_rules()
    files = sorted((tmp_path / "results").glob("*.parquet"))
    assert len(files) >= 6
    for f in files:
        frame = pl.read_parquet(f)
        for col in ("stock", "persons", "persons_with_refund"):
            if col in frame.columns:
                assert not any(rules.is_small(v) for v in frame[col].to_list() if v is not None)
