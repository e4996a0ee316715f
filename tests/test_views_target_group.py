"""The target-group page, the summary for the framework agreement and the slides: what they show
is consistent with the forecast and gap libraries, states its service level, and publishes no
person count 1-4 (docs/privacy.md)."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import duckdb
import plotly.graph_objects as go
import polars as pl
import pytest

from capacity.disclosure import assert_figure_publishable, audit_suppression, load_rules
from capacity.disclosure.display import parse_number
from capacity.disclosure.figures import figure_json
from capacity.gap.inputs import ProvisionMix
from capacity.views import slides
from capacity.views import summary as summary_view
from capacity.views import target_group as view


@dataclass
class FakePage:
    """The parts of capacity.report.Page the views read."""

    con: duckdb.DuckDBPyConnection
    run_dir: Path | None
    synthetic: bool = True


@pytest.fixture(scope="module")
def con(demo_db):
    from capacity.db import connect_readonly

    connection = connect_readonly(demo_db)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def tg(con) -> view.TargetGroupAnalysis:
    return view.compute_target_group(con, "V1")


@pytest.fixture(scope="module")
def run_page(con, tg, tmp_path_factory) -> FakePage:
    """A run folder holding V1's stage-1 results, as the target-group page leaves them."""
    from capacity.results import save_run_results

    page = FakePage(con, tmp_path_factory.mktemp("run"))
    save_run_results(
        page,
        "V1",
        tg.forecast.table,
        tg.forecast.scoreboard,
        tg.gap,
        costs=tg.costs,
        demand=tg.inputs.demand,
        principal=tg.forecast.principal,
    )
    return page


@pytest.fixture(scope="module")
def si(run_page) -> summary_view.SummaryInputs:
    return summary_view.load_summary_inputs(run_page)


def _numbers(values: list[Any]) -> list[float]:
    out = []
    for v in values:
        n = parse_number(v) if isinstance(v, str) else v
        if isinstance(n, int | float):
            out.append(float(n))
    return out


def _marked(fig: go.Figure) -> int:
    return sum(
        1
        for t in figure_json(fig)["data"]
        if isinstance(t.get("meta"), dict) and t["meta"].get("measure") == "persons"
    )


# -- years, headline, summary.json -------------------------------------------------------------


def test_report_years_come_from_the_conf_and_are_clamped():
    years = view.report_years(range(2026, 2032), 2025)
    assert (years.agreement_year, years.horizon_year) == (2028, 2030)
    assert years.agreement_label.startswith("Rammeaftale")
    short = view.report_years([2026, 2027], 2025)
    assert (short.agreement_year, short.horizon_year) == (2027, 2027)


def test_summary_figures_match_the_forecast_and_the_gap(tg):
    s = view.summary_target_group(tg)
    json.dumps(s)  # summary.json must be able to hold it
    y = tg.years
    principal = view.principal_rows(tg, "census").filter(pl.col("year") == y.horizon_year)
    assert s["forecast_horizon_persons"] == round(principal["mean"][0])
    gap = tg.gap_row(y.agreement_year)
    assert s["gap_places_agreement"] == round(gap["gap"], 1)
    assert s["required_places_horizon"] == tg.gap_row(y.horizon_year)["required"]
    assert s["service_level"] == "P(efterspørgsel > kapacitet) ≤ 10 %"
    assert s["principal_model"] == tg.forecast.principal["census"]
    rules = load_rules()
    for key, value in s.items():
        if key.endswith("_persons"):
            assert value is None or not rules.is_small(value), key


def test_person_values_1_to_4_are_left_out():
    assert view.person_value(3.2) is None
    assert view.person_value(0.0) == 0.0
    assert view.person_value(1234.4) == 1234.0
    assert view.count_text(4.4) == load_rules().symbol
    assert view.count_text(1234.0) == "1.234"


# -- the gap table and figures ----------------------------------------------------------------


def test_gap_table_has_a_column_per_year_and_states_the_service_level(tg):
    table = view.table_gap(tg)
    years = [str(y) for y in tg.gap["year"].to_list()]
    assert table.columns == ["Nøgletal", *years]
    assert "P(efterspørgsel > kapacitet) ≤ 10 %" in view.gap_caption(tg)
    required = table.filter(pl.col("Nøgletal") == "Nødvendige pladser ved serviceniveauet")
    expected = tg.gap.sort("year")["required"].to_list()
    assert _numbers(required.row(0)[1:]) == [float(v) for v in expected]
    both = table.filter(pl.col("Nøgletal").str.starts_with("Manglende pladser"))
    assert both.height == 2  # both counting methods


def test_figures_are_publishable_and_mark_person_counts(con, tg):
    for fig in (view.plot_forecast(tg), view.plot_history(con, "V1")):
        assert _marked(fig) >= 2
        assert_figure_publishable(fig)
    gap = view.plot_gap(tg)
    assert _marked(gap) >= 2  # demand band, median, required places
    assert "≤ 10 %" in gap.layout.title.text
    for fig in (
        view.plot_backtest(tg),
        view.plot_scenarios(tg),
        view.plot_waterfall(tg),
        view.plot_pipeline(con, "V1"),
        view.plot_length_of_stay(con, "V1"),
    ):
        assert len(fig.data) >= 1
        assert_figure_publishable(fig)


def test_a_figure_with_a_small_count_is_replaced_by_an_explanation():
    fig = go.Figure(go.Bar(x=["a", "b"], y=[12, 3]))
    shown = view.publish_or_explain(fig, "Titel")
    assert len(shown.data) == 0
    assert "for små" in shown.layout.annotations[0].text


def test_backtest_table_names_the_principal_model(tg):
    table = view.table_backtest(tg)
    chosen = table.filter(pl.col("Valgt") == "hovedmodel")
    assert chosen.height == 1
    from capacity.forecast.outputs import MODEL_LABELS

    assert chosen["Model"][0] == MODEL_LABELS[tg.forecast.principal["census"]]
    assert not any(table[c].is_nan().any() for c in table.columns if table[c].dtype == pl.Float64)
    text = view.describe_principal(tg).data
    assert "Hovedmodel" in text
    assert "80 %-bånd ramte" in text  # the coverage it is chosen on is stated


def test_divergence_between_the_gap_paths_and_the_principal_is_flagged(tg):
    table = tg.forecast.table
    h = tg.years.horizon_year
    mean = table.filter(
        (pl.col("model") == "principal")
        & (pl.col("level") == "region")
        & (pl.col("quantity") == "census")
        & (pl.col("year") == h)
    )["mean"][0]
    bumped = table.with_columns(
        pl.when(
            (pl.col("model") == "stockflow")
            & (pl.col("level") == "region")
            & (pl.col("quantity") == "census")
            & (pl.col("year") == h)
        )
        .then(mean * 1.3)
        .otherwise(pl.col("mean"))
        .alias("mean")
    )
    forecast = replace(
        tg.forecast, table=bumped, principal={**tg.forecast.principal, "census": "drift"}
    )
    other = replace(tg, forecast=forecast)
    sim, main = view.model_divergence(other)
    assert sim == pytest.approx(1.3 * main)
    assert "Bemærk" in view.describe_gap(other).data
    same = replace(tg, forecast=replace(forecast, principal={"census": "stockflow"}))
    assert view.model_divergence(same) is None


# -- use of places, prices ----------------------------------------------------------------------


def test_use_of_places_suppresses_a_small_cell_and_its_complements():
    mix = ProvisionMix("B3", 44.0, 286.0, 3.0, 33.0, unknown=15.0)
    table = view.use_of_places_table(mix)
    assert audit_suppression(table).passed
    cells = table.publishable()
    inner = cells.filter(pl.col("cell_kind") == "cell")
    assert inner["placements"].null_count() >= 2  # the 3 and at least one complement
    assert not any(load_rules().is_small(v) for v in cells["placements"].drop_nulls())
    outside, private = view.published_mix_shares(mix)
    assert outside == pytest.approx(36 / 366)  # from the published margins
    assert private == pytest.approx(319 / 366)
    shown = view.format_for_display(table, title="Antal placeringer i dag")
    assert load_rules().symbol in shown.to_pandas().to_numpy().ravel().tolist()


def test_paid_price_resting_on_few_placements_is_hidden(tg):
    prices = tg.prices.with_columns(
        pl.when(pl.col("target_group") == "V1")
        .then(3)
        .otherwise(pl.col("n_placements_private"))
        .alias("n_placements_private")
    )
    table = view.table_prices(replace(tg, prices=prices))
    symbol = load_rules().symbol
    private = table.filter(pl.col("Udbyder") == "Privat/selvejende").row(0, named=True)
    assert private["Betalt pris, median (kr. pr. år)"] == symbol
    assert private["Antal placeringer med pris"] == symbol
    diff = table.filter(pl.col("Udbyder").str.starts_with("Forskel")).row(0, named=True)
    assert diff["Betalt pris, median (kr. pr. år)"] == symbol
    # a døgntakst is shown to the krone, not rounded to 1.000 kr.
    public = table.filter(pl.col("Udbyder").str.starts_with("Offentlig")).row(0, named=True)
    assert not public["Døgntakst på Tilbudsportalen, median (kr.)"].endswith(".000")


# -- the child -> adult pipeline ----------------------------------------------------------------


def test_pipeline_tables_publish_no_small_counts(con):
    rules = load_rules()
    for group in ("V1", "B3"):
        table = view.table_pipeline(con, group)
        counts = _numbers(table["Antal unge"].to_list())
        assert counts and not any(rules.is_small(v) for v in counts), group
        assert table.row(-1)[0] == "I alt"


def test_expected_transitions_do_not_depend_on_how_hidden_cells_split():
    """The text's estimate uses published cells and one pooled rate for the hidden ones, so
    it reveals nothing about how the hidden persons are split."""
    young = pl.DataFrame(
        {
            "kommunekode": ["1082"] * 3,
            "target_group": ["B1", "B2", "X"],
            "age": [16, 16, 16],
            "persons": [60, 50, 40],
        }
    )

    def rates(b2: int, x: int) -> pl.DataFrame:
        return pl.DataFrame(
            {
                "from_group": ["B1", "B2", "X"],
                "to_group": ["V1", "V1", "V1"],
                "persons": [134, b2, x],
                "cohort_persons": [633, 713, 378],
            }
        )

    a = view.compute_expected_transitions(None, "V1", rates=rates(10, 1), young=young)
    b = view.compute_expected_transitions(None, "V1", rates=rates(8, 3), young=young)
    assert a == pytest.approx(b)
    # and it is the published cell's rate for B1 plus the pooled rate for the rest
    pooled = 11 / (713 + 378)
    assert a == pytest.approx(60 * 134 / 633 + (50 + 40) * pooled)


def test_notes_reach_readers_in_danish(tg):
    assert view._danish_note("the backtest chose 'drift' as principal census model; x") is None
    note = view._danish_note("12 episodes split by a relabelling at a series break were joined")
    assert note.startswith("12 forløb")
    assert view._danish_note("3 episodes split by a relabelling at x").startswith("nogle forløb")


# -- the summary for the framework agreement ----------------------------------------------------


def test_summary_reads_the_run_results_without_forecasting(si, tg):
    assert si.from_run
    assert si.groups == ["V1"]
    assert "B1" in si.missing
    gap = si.gap.sort("year")["gap"].to_list()
    assert gap == pytest.approx(tg.gap.sort("year")["gap"].to_list())
    headline = summary_view.summary_framework(si)
    json.dumps(headline)
    assert list(headline) == ["V1"]
    assert headline["V1"]["gap_horizon"] == round(tg.gap_row(tg.years.horizon_year)["gap"], 1)


def test_framework_table_has_a_row_per_group_and_a_total(si):
    table = summary_view.table_framework(si)
    assert table["Målgruppe"].to_list() == ["V1 Voksne: autisme", "I alt (syv målgrupper)"]
    assert "P(efterspørgsel > kapacitet) ≤ 10 %" in summary_view.summary_caption(si)
    h = si.years.horizon_year
    total = table.row(-1, named=True)
    assert total[f"Manglende (+) / overskud (−) {h}: fordelte / talt i alle"] == ""


def test_lanepulje_and_prices_tables(si):
    lp = summary_view.table_lanepulje(si)
    assert lp.height == 1
    assert str(si.years.agreement_year) in summary_view.lanepulje_caption(si)
    assert summary_view.table_planned_projects(si).height >= 1
    assert summary_view.table_prices(si).height == 1


def test_municipality_forecasts_only_where_the_series_may_be_published(si):
    codes = si.forecasts.filter(pl.col("level") == "municipality")["kommunekode"].unique().sort()
    hidden = codes[0]
    publishable = pl.DataFrame(
        {
            "level": ["municipality"] * codes.len(),
            "kommune": codes.to_list(),
            "target_group": ["V1"] * codes.len(),
            "publishable": [c != hidden for c in codes.to_list()],
        }
    )
    table = summary_view.table_municipality_forecasts(si, publishable)
    symbol = load_rules().symbol
    from capacity.views.common import municipality_name

    row = table.filter(pl.col("Kommune") == municipality_name(hidden)).row(0, named=True)
    assert row["V1"] == symbol
    # a single hidden cell would be the region total minus the others: a complement is hidden
    assert table["V1"].to_list().count(symbol) >= 2 or table.row(-1, named=True)["V1"] == symbol


def test_narrative_and_headline_figures(si, con):
    text = summary_view.describe_framework(si, con).data
    for question in ("fylder mest", "udvikler efterspørgslen", "Passer pladserne", "lånepuljen"):
        assert question in text
    figures = summary_view.headline_figures(si)
    assert {"fremskrivning_V1", "kapacitet_V1", "laanepulje"} <= set(figures)
    for fig in figures.values():
        assert_figure_publishable(fig)


# -- slides --------------------------------------------------------------------------------------


def test_slides_figures_are_publishable_and_sized_for_the_canvas(si, con):
    figures = [
        slides.plot_placement(si),
        slides.plot_trend(con, si),
        slides.plot_growth(si),
        slides.plot_forecast_panels(si),
        slides.plot_gap(si),
        slides.plot_lanepulje_slide(si),
        slides.plot_pipeline(con, si),
    ]
    for fig in figures:
        assert_figure_publishable(fig)
        assert fig.layout.height <= 660  # fits under a heading on the 1280×760 canvas
        assert fig.layout.font.size >= 18  # readable on a projector
    assert _marked(figures[0]) >= 1  # placements are person counts


def test_decisions_name_the_groups_with_a_shortage(si, con):
    text = slides.describe_decisions(si, con).data
    assert "Lånepuljen" in text and "Serviceniveau" in text
    lp = summary_view.compute_lanepulje_view(si)
    for g in lp.filter(pl.col("gap_after_plans") > 0)["target_group"].to_list():
        assert g in text
    method = slides.describe_method(si, con, synthetic=True).data
    assert "SYNTETISKE DATA" in method
