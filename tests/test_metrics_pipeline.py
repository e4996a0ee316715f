"""The child -> adult pipeline (15-17-year-olds) and observed transition rates."""

from __future__ import annotations

import polars as pl
import pytest
from metrics_fixtures import add_placement, d, make_db, rebuild

from capacity.metrics import compute_pipeline, compute_transition_rates

CHILD = "SEL_52_3_7"


@pytest.fixture(scope="module")
def con():
    con = make_db()
    # pipeline on 1 January 2024
    add_placement(
        con,
        person="y1",
        birth="2008-03-01",
        start="2022-01-01",
        paragraf="BL_ANBRINGELSE",
        primary="Autisme",
    )  # 15, B1
    add_placement(
        con,
        person="y2",
        birth="2006-06-01",
        start="2022-01-01",
        paragraf="BL_ANBRINGELSE",
        primary="Selvskade",
    )  # 17, B2
    add_placement(
        con,
        person="y3",
        birth="2007-01-01",
        start="2022-01-01",
        kommune="657",
        paragraf="BL_ANBRINGELSE",
        primary="Udadreagerende adfærd",
    )  # 17 that day
    add_placement(
        con,
        person="y4",
        birth="2010-01-01",
        start="2022-01-01",
        paragraf="BL_ANBRINGELSE",
        primary="Autisme",
    )  # 14: not in the pipeline
    add_placement(
        con,
        person="y5",
        birth="2006-06-01",
        start="2023-06-01",
        paragraf="SEL_107",
        primary="Autisme",
    )  # adult area
    add_placement(
        con,
        person="y6",
        birth="2007-05-01",
        start="2020-01-01",
        paragraf="BL_ANBRINGELSE",
        primary="Autisme",
    )
    add_placement(
        con,
        person="y6",
        birth="2007-05-01",
        start="2023-01-01",
        paragraf="BL_ANBRINGELSE",
        primary="Udadreagerende adfærd",
    )  # latest: B3, 16
    # transitions (18th birthday + 12 months must be on or before the data date)
    # t1: B1 child placement to the day before 18, § 107 from the birthday -> V1
    add_placement(
        con,
        person="t1",
        birth="2003-05-10",
        start="2019-01-01",
        end="2021-05-09",
        paragraf=CHILD,
        primary="Autisme",
    )
    add_placement(
        con,
        person="t1",
        birth="2003-05-10",
        start="2021-05-10",
        paragraf="SEL_107",
        primary="Autisme",
    )
    # t2: B1; the adult placement starts 13 months after the 18th birthday -> 'ingen'
    add_placement(
        con,
        person="t2",
        birth="2003-08-01",
        start="2019-01-01",
        end="2021-07-31",
        paragraf=CHILD,
        primary="Autisme",
    )
    add_placement(con, person="t2", birth="2003-08-01", start="2022-09-01", primary="Autisme")
    # t3: B3 until 17 years 5 months; an adult place 2 months before 18 -> V4
    add_placement(
        con,
        person="t3",
        birth="2004-02-01",
        start="2020-01-01",
        end="2021-06-30",
        paragraf=CHILD,
        primary="Udadreagerende adfærd",
        secondary="Udviklingshæmning",
    )
    add_placement(
        con,
        person="t3",
        birth="2004-02-01",
        start="2021-12-01",
        paragraf="ABL_105_SEL_85",
        primary="Udviklingshæmning",
        secondary="Udadreagerende adfærd",
    )
    # t4: 18 on 1 March 2024, follow-up not complete by the data date -> not in a cohort
    add_placement(
        con,
        person="t4",
        birth="2006-03-01",
        start="2022-01-01",
        end="2024-02-29",
        paragraf=CHILD,
        primary="Autisme",
    )
    # t5: 17 before the window (2018): not in a cohort
    add_placement(
        con,
        person="t5",
        birth="2000-01-01",
        start="2016-01-01",
        end="2018-12-31",
        paragraf=CHILD,
        primary="Autisme",
    )
    # t6: the child placement ended before 17: not in a cohort
    add_placement(
        con,
        person="t6",
        birth="2003-01-01",
        start="2015-01-01",
        end="2019-12-31",
        paragraf=CHILD,
        primary="Autisme",
    )
    rebuild(con, data_date=d("2024-12-31"), first_year=2018)
    return con


def test_pipeline(con) -> None:
    out = compute_pipeline(con, ref_date=d("2024-01-01"))
    assert out.columns == ["kommunekode", "target_group", "age", "persons"]
    assert out.height == 19 * 4 * 3  # municipalities x (B1, B2, B3, X) x ages 15-17
    counted = out.filter(pl.col("persons") > 0).rows()
    # y1, y2, y3, y6 (once, by the latest placement) and t4 (17 on 1 January 2024)
    assert counted == [
        ("657", "B3", 17, 1),
        ("751", "B1", 15, 1),
        ("751", "B1", 17, 1),
        ("751", "B2", 17, 1),
        ("751", "B3", 16, 1),
    ]
    region = compute_pipeline(con, ref_date=d("2024-01-01"), level="region")
    positive = region.filter(pl.col("persons") > 0)
    assert positive.select("target_group", "age", "persons").rows() == [
        ("B1", 15, 1),
        ("B1", 17, 1),
        ("B2", 17, 1),
        ("B3", 16, 1),
        ("B3", 17, 1),
    ]


def test_transition_rates(con) -> None:
    out = compute_transition_rates(con)
    got = {
        (r["from_group"], r["to_group"]): (r["persons"], r["cohort_persons"], r["rate"])
        for r in out.to_dicts()
    }
    # B1 cohort: t1 (-> V1) and t2 (no adult place within 12 months)
    assert got[("B1", "V1")] == (1, 2, pytest.approx(0.5))
    assert got[("B1", "ingen")] == (1, 2, pytest.approx(0.5))
    assert got[("B3", "V4")] == (1, 1, pytest.approx(1.0))
    assert got[("B2", "V1")] == (0, 0, None)
    assert out["cohort_persons"].unique().sort().to_list() == [0, 1, 2]
    by_cohort = compute_transition_rates(con, by_cohort=True).filter(pl.col("persons") > 0)
    assert by_cohort.select("cohort_year", "from_group", "to_group").rows() == [
        (2021, "B1", "V1"),
        (2021, "B1", "ingen"),
        (2022, "B3", "V4"),
    ]
    longer = compute_transition_rates(con, months_after_18=14)
    b1 = longer.filter((pl.col("from_group") == "B1") & (pl.col("to_group") == "V1"))
    assert b1.select("persons", "rate").rows() == [(2, 1.0)]
