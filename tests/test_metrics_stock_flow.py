"""Stock, census, inflow, outflow, population by group and rates on a hand-built fixture."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl
import pytest
from metrics_fixtures import add_placement, d, make_db, rebuild

from capacity.config import read_sql
from capacity.metrics import compute_population_by_group, compute_rates, compute_stock_flow


@pytest.fixture(scope="module")
def con():
    con = make_db()
    # Aarhus (751), adults
    # A: V1, § 108 since 1 June 2019, ongoing
    add_placement(con, person="A", birth="1980-01-01", start="2019-06-01", primary="Autisme")
    # B: V1, § 107 from 1 March 2020 to 28 February 2021
    add_placement(
        con,
        person="B",
        birth="1985-01-01",
        start="2020-03-01",
        end="2021-02-28",
        paragraf="SEL_107",
        primary="Autisme",
    )
    # C: V3, July 2021 only
    add_placement(
        con,
        person="C",
        birth="1990-01-01",
        start="2021-07-01",
        end="2021-07-31",
        primary="Depression",
    )
    # Herning (657), children's placements since 2019, ongoing
    # D: born 2008 -> B3 all years
    add_placement(
        con,
        person="D",
        birth="2008-05-01",
        start="2019-01-01",
        kommune="657",
        paragraf="BL_ANBRINGELSE",
        primary="Udadreagerende adfærd",
    )
    # E: born 15 June 2003 -> 16 on 1 Jan 2020, 17 in 2021, 18 on 1 Jan 2022: B3 -> V4
    add_placement(
        con,
        person="E",
        birth="2003-06-15",
        start="2019-01-01",
        kommune="657",
        paragraf="BL_ANBRINGELSE",
        primary="Udadreagerende adfærd",
        secondary="Udviklingshæmning",
    )
    for year in (2020, 2021, 2022):
        for kommune, age, sex, n in [
            ("751", 10, "M", 4000),
            ("751", 30, "K", 20000),
            ("751", 70, "M", 1000),
            ("657", 10, "K", 2000),
            ("657", 30, "M", 10000),
        ]:
            con.execute(
                "INSERT INTO population (kommunekode, aar, alder, koen, antal, kind) "
                "VALUES (?, ?, ?, ?, ?, 'actual')",
                [kommune, year, age, sex, n],
            )
    con.execute(
        "INSERT INTO population (kommunekode, aar, alder, koen, antal, kind, vintage) "
        "VALUES ('751', 2030, 12, 'K', 4500, 'projection', '2024')"
    )
    rebuild(con, data_date=d("2022-12-31"), first_year=2020)
    return con


def _row(df: pl.DataFrame, kommune: str, group: str, year: int) -> dict:
    out = df.filter(
        (pl.col("kommunekode") == kommune)
        & (pl.col("target_group") == group)
        & (pl.col("year") == year)
    )
    assert out.height == 1
    return out.to_dicts()[0]


def test_columns_grid_and_order(con) -> None:
    df = compute_stock_flow(con)
    assert df.columns == [
        "kommunekode",
        "target_group",
        "year",
        "stock",
        "census",
        "person_days",
        "inflow",
        "outflow",
    ]
    # 19 municipalities x 8 groups (incl. X) x 3 years, zeros filled
    assert df.height == 19 * 8 * 3
    assert df.schema["kommunekode"] == pl.String
    assert df.schema["year"] == pl.Int64
    assert df.equals(df.sort(["kommunekode", "target_group", "year"]))
    assert _row(df, "615", "X", 2020)["stock"] == 0


def test_hand_worked_adults(con) -> None:
    df = compute_stock_flow(con)
    # 2020: A in stock (366 days, leap year); B enters 1 March: 1 Mar-31 Dec = 306 days
    assert _row(df, "751", "V1", 2020) == {
        "kommunekode": "751",
        "target_group": "V1",
        "year": 2020,
        "stock": 1,
        "census": pytest.approx((366 + 306) / 366),
        "person_days": 672,
        "inflow": 1,
        "outflow": 0,
    }
    # 2021: A and B in stock; B leaves 28 Feb (1 Jan-28 Feb = 59 days)
    assert _row(df, "751", "V1", 2021) == {
        "kommunekode": "751",
        "target_group": "V1",
        "year": 2021,
        "stock": 2,
        "census": pytest.approx((365 + 59) / 365),
        "person_days": 424,
        "inflow": 0,
        "outflow": 1,
    }
    assert _row(df, "751", "V1", 2022)["stock"] == 1
    assert _row(df, "751", "V1", 2022)["census"] == pytest.approx(1.0)
    # C: 31 days in July 2021, in and out the same year, never in a 1 January stock
    c = _row(df, "751", "V3", 2021)
    assert (c["stock"], c["person_days"], c["inflow"], c["outflow"]) == (0, 31, 1, 1)
    assert c["census"] == pytest.approx(31 / 365)


def test_stock_identity(con) -> None:
    df = compute_stock_flow(con).filter(
        (pl.col("kommunekode") == "751") & (pl.col("target_group") == "V1")
    )
    stock, inflow, outflow = df["stock"].to_list(), df["inflow"].to_list(), df["outflow"].to_list()
    # stock(Y+1) = stock(Y) + inflow(Y) - outflow(Y): 1 + 1 - 0 = 2; 2 + 0 - 1 = 1
    assert stock == [1, 2, 1]
    for y in range(2):
        assert stock[y + 1] == stock[y] + inflow[y] - outflow[y]


def test_group_at_the_reference_date(con) -> None:
    df = compute_stock_flow(con)
    # E is 16 and 17 on 1 January 2020/2021 (B3), 18 on 1 January 2022 (V4: Udviklingshæmning
    # + Udadreagerende adfærd) while the children's placement continues
    assert [_row(df, "657", "B3", y)["stock"] for y in (2020, 2021, 2022)] == [2, 2, 1]
    assert [_row(df, "657", "V4", y)["stock"] for y in (2020, 2021, 2022)] == [0, 0, 1]
    assert _row(df, "657", "B3", 2020)["census"] == pytest.approx(2.0)


def test_region_level(con) -> None:
    region = compute_stock_flow(con, level="region")
    assert region.height == 8 * 3
    assert set(region["kommunekode"]) == {"1082"}
    assert _row(region, "1082", "V1", 2021)["stock"] == 2
    assert _row(region, "1082", "B3", 2022)["stock"] == 1
    with pytest.raises(ValueError, match="level"):
        compute_stock_flow(con, level="country")


def test_population_by_group(con) -> None:
    pop = compute_population_by_group(con)
    assert pop.columns == ["kommunekode", "target_group", "year", "population", "kind", "vintage"]
    actual = pop.filter((pl.col("kind") == "actual") & (pl.col("year") == 2021))
    by = {(r["kommunekode"], r["target_group"]): r["population"] for r in actual.to_dicts()}
    # 751: children 0-17 = 4000, adults 18-64 = 20000, X all ages = 4000+20000+1000
    assert by[("751", "B1")] == 4000
    assert by[("751", "V3")] == 20000
    assert by[("751", "X")] == 25000
    assert by[("657", "V4")] == 10000
    projection = pop.filter(pl.col("kind") == "projection")
    assert projection.select("kommunekode", "target_group", "population", "vintage").rows() == [
        ("751", "B1", 4500, "2024"),
        ("751", "B2", 4500, "2024"),
        ("751", "B3", 4500, "2024"),
        ("751", "X", 4500, "2024"),
    ]
    region = compute_population_by_group(con, level="region").filter(
        (pl.col("kind") == "actual") & (pl.col("year") == 2020) & (pl.col("target_group") == "V1")
    )
    assert region["population"].to_list() == [30000]


def test_rates_and_index(con) -> None:
    rates = compute_rates(con)

    def r(k: str, g: str, y: int) -> dict:
        return _row(rates, k, g, y)

    # 751 V1 2021: 2 / 20,000 x 10,000 = 1.0; region 2 / 30,000 x 10,000 = 0.667; index 150
    assert r("751", "V1", 2021)["rate_per_10000"] == pytest.approx(1.0)
    assert r("1082", "V1", 2021)["rate_per_10000"] == pytest.approx(2 / 3)
    assert r("751", "V1", 2021)["index_vs_region"] == pytest.approx(150.0)
    assert r("657", "V1", 2021)["index_vs_region"] == pytest.approx(0.0)
    # 657 B3 2022: 1 / 2,000 x 10,000 = 5; region 1 / 6,000 x 10,000; index 300
    assert r("657", "B3", 2022)["rate_per_10000"] == pytest.approx(5.0)
    assert r("657", "B3", 2022)["index_vs_region"] == pytest.approx(300.0)
    # census and inflow rates: 751 V1 2020 census 672/366 per 20,000
    assert r("751", "V1", 2020)["census_rate_per_10000"] == pytest.approx(672 / 366 / 2)
    assert r("751", "V1", 2020)["inflow_rate_per_10000"] == pytest.approx(0.5)
    # no population rows for the other municipalities -> no rate, no index
    assert r("615", "V1", 2021)["rate_per_10000"] is None
    # region rows first, then municipalities
    assert rates["kommunekode"][0] == "1082"
    assert r("1082", "X", 2020)["index_vs_region"] is None  # region rate 0


def test_metrics_run_on_a_read_only_connection(tmp_path: Path) -> None:
    db = tmp_path / "capacity.duckdb"
    con = duckdb.connect(str(db))
    con.execute(read_sql("schema"))
    add_placement(con, person="A", birth="1980-01-01", start="2019-06-01", primary="Autisme")
    con.execute(
        "INSERT INTO population (kommunekode, aar, alder, koen, antal, kind) "
        "VALUES ('751', 2020, 30, 'K', 20000, 'actual')"
    )
    rebuild(con, data_date=d("2020-12-31"), first_year=2020)
    con.close()
    ro = duckdb.connect(str(db), read_only=True)
    try:
        # population registers a small frame on the connection: allowed read-only
        rates = compute_rates(ro)
        row = _row(rates, "751", "V1", 2020)
        assert row["rate_per_10000"] == pytest.approx(0.5)  # 1 / 20,000 x 10,000
    finally:
        ro.close()
