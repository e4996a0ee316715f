"""The input contract: membership spans from episode-years, history from spans, validation."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from capacity.forecast.history import compute_history_from_episodes
from capacity.forecast.inputs import (
    ForecastInput,
    ForecastInputError,
    latest_vintage,
    spans_from_episode_years,
)

D = dt.date


@pytest.fixture
def frames() -> tuple[pl.DataFrame, pl.DataFrame]:
    # A: placed as a child in B2 (751); counted in V3 from the 1 January after turning 18.
    # B: V3 all along, moves from 751 to 730 on 1 January 2018, leaves 31 May 2019.
    episodes = pl.DataFrame(
        {
            "episode_id": [1, 2],
            "person_key": ["A", "B"],
            "start_date": [D(2015, 3, 1), D(2016, 6, 1)],
            "end_date": [None, D(2019, 5, 31)],
            "birth_date": [D(1999, 8, 1), D(1980, 1, 1)],
            "paragraf_series": ["CHILD_PLACEMENT", "SEL_107"],
        },
        schema_overrides={"end_date": pl.Date},
    )
    years = [(1, y, "751", "B2") for y in (2015, 2016, 2017)]
    years += [(1, y, "751", "V3") for y in (2018, 2019, 2020)]
    years += [(2, y, "751", "V3") for y in (2016, 2017)]
    years += [(2, y, "730", "V3") for y in (2018, 2019)]
    episode_years = pl.DataFrame(
        years, schema=["episode_id", "year", "kommunekode", "target_group"], orient="row"
    )
    return episode_years, episodes


def test_spans_follow_group_and_municipality_changes(frames):
    episode_years, episodes = frames
    v3 = spans_from_episode_years(episode_years, episodes, "V3").sort(["person_key", "start_date"])
    assert v3.select(
        "person_key", "kommunekode", "start_date", "end_date", "entered", "ended"
    ).rows() == [
        ("A", "751", D(2018, 1, 1), None, False, False),
        ("B", "751", D(2016, 6, 1), D(2017, 12, 31), True, False),
        ("B", "730", D(2018, 1, 1), D(2019, 5, 31), False, True),
    ]
    b2 = spans_from_episode_years(episode_years, episodes, "B2")
    assert b2.select("person_key", "start_date", "end_date", "entered", "ended").rows() == [
        ("A", D(2015, 3, 1), D(2017, 12, 31), True, False)
    ]


def test_history_from_spans_counts_like_the_metrics(frames):
    episode_years, episodes = frames
    v3 = spans_from_episode_years(episode_years, episodes, "V3")
    hist = compute_history_from_episodes(v3, ["730", "751"], range(2016, 2021), D(2020, 12, 31))
    row = {(r["kommunekode"], r["year"]): r for r in hist.iter_rows(named=True)}
    # 751, 2016: B from 1 June, 214 of 366 days; an entry
    assert row[("751", 2016)]["census"] == pytest.approx(214 / 366)
    assert (row[("751", 2016)]["inflow"], row[("751", 2016)]["stock"]) == (1, 0)
    # 2018: B joins 730 and A joins V3 on 1 January - both in the stock, neither an entry,
    # and B's leaving 751 is not an exit
    assert (row[("730", 2018)]["stock"], row[("730", 2018)]["inflow"]) == (1, 0)
    assert (row[("751", 2018)]["stock"], row[("751", 2018)]["inflow"]) == (1, 0)
    assert row[("751", 2017)]["outflow"] == 0
    assert row[("751", 2018)]["census"] == pytest.approx(1.0)
    # 730, 2019: 1 January to 31 May = 151 days, and B's episode ends: an exit
    assert row[("730", 2019)]["census"] == pytest.approx(151 / 365)
    assert row[("730", 2019)]["outflow"] == 1


def _valid_parts() -> dict:
    history = pl.DataFrame(
        {
            "kommunekode": ["751", "751"],
            "year": [2020, 2021],
            "census": [3.0, 4.0],
            "stock": [3.0, 4.0],
            "inflow": [1.0, 2.0],
            "outflow": [0.0, 1.0],
        }
    )
    population = pl.DataFrame(
        {"kommunekode": ["751"], "year": [2021], "population": [1000.0], "kind": ["actual"]}
    )
    episodes = pl.DataFrame(
        schema={
            "person_key": pl.String,
            "kommunekode": pl.String,
            "start_date": pl.Date,
            "end_date": pl.Date,
            "birth_date": pl.Date,
        }
    )
    return {
        "target_group": "V3",
        "history": history,
        "population": population,
        "episodes": episodes,
        "data_date": D(2021, 12, 31),
    }


def test_valid_input_is_accepted():
    assert ForecastInput(**_valid_parts()).target_group == "V3"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda p: p["history"].drop("census"), r"lacks the column\(s\) census"),
        (lambda p: pl.concat([p["history"], p["history"]]), "more than one row"),
        (lambda p: p["history"].with_columns(inflow=pl.lit(-1.0)), "negative inflow"),
    ],
)
def test_invalid_history_is_refused_with_a_plain_message(change, message):
    parts = _valid_parts()
    parts["history"] = change(parts)
    with pytest.raises(ForecastInputError, match=message):
        ForecastInput(**parts)


def test_only_the_latest_projection_vintage_is_kept():
    pop = pl.DataFrame(
        {
            "kommunekode": ["751"] * 4,
            "year": [2024, 2026, 2026, 2027],
            "population": [1.0, 2.0, 3.0, 4.0],
            "kind": ["actual", "projection", "projection", "projection"],
            "vintage": [None, "2023", "2025", "2025"],
        }
    )
    kept = latest_vintage(pop)
    assert kept["population"].to_list() == [1.0, 3.0, 4.0]
