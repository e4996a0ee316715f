"""Primary and secondary suppression, the LP audit, display strings and series selection."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from capacity.disclosure import (
    FOOTNOTE,
    DisclosureError,
    assert_frame_publishable,
    audit_suppression,
    flag_dominance,
    footnote,
    format_for_display,
    format_money_mio,
    format_number_da,
    load_rules,
    publish_counts,
    round_money,
    suppress_series_for_publication,
    suppress_table,
)
from capacity.disclosure.audit import TableStructure, audit_values

# reference/reliability.md §3.2 and requirement R16: the regression fixture
LEAKY = [[12, 2, 9], [7, 15, 4], [20, 6, 11]]


def long_table(matrix: list[list[int]]) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {"kommune": f"K{i}", "gruppe": f"G{j}", "n": v}
            for i, row in enumerate(matrix)
            for j, v in enumerate(row)
        ]
    )


def cell(table_frame: pl.DataFrame, kommune: str | None, gruppe: str | None) -> dict:
    k = pl.col("kommune").is_null() if kommune is None else pl.col("kommune") == kommune
    g = pl.col("gruppe").is_null() if gruppe is None else pl.col("gruppe") == gruppe
    rows = table_frame.filter(k & g).to_dicts()
    assert len(rows) == 1
    return rows[0]


def test_primary_only_leaks_and_the_audit_catches_it() -> None:
    table = suppress_table(
        long_table(LEAKY), row="kommune", col="gruppe", count="n", secondary=False
    )
    assert table.n_suppressed() == {"primary": 2, "secondary": 0}
    audit = audit_suppression(table)
    assert not audit.passed
    leaked = cell(audit.cells, "K0", "G1")
    # the hidden 2 is recovered exactly from the published row total: 23 - 12 - 9
    assert leaked["lower"] == pytest.approx(2.0)
    assert leaked["upper"] == pytest.approx(2.0)
    assert not leaked["passed"]
    assert set(audit.failures()["n"].to_list()) == {2, 4}


def test_secondary_suppression_makes_the_audit_pass() -> None:
    table = suppress_table(long_table(LEAKY), row="kommune", col="gruppe", count="n")
    audit = audit_suppression(table)
    assert audit.passed, audit.failures()
    assert table.n_suppressed()["secondary"] >= 2
    for row in audit.cells.iter_rows(named=True):
        assert row["upper"] >= 5  # a reader cannot rule out a publishable count
        assert row["upper"] - row["lower"] >= load_rules().protection_width
    small = cell(audit.cells, "K0", "G1")
    assert small["lower"] < 2 < small["upper"]
    # margins are published where possible: the grand total and row totals stay visible
    pub = table.publishable()
    assert cell(pub, None, None)["n"] == sum(map(sum, LEAKY))
    assert cell(pub, "K0", None)["n"] == 23


def test_threshold_three_gives_the_hypercube_rectangle() -> None:
    table = suppress_table(long_table(LEAKY), row="kommune", col="gruppe", count="n", threshold=3)
    assert audit_suppression(table).passed
    hidden = table.cells.filter(pl.col("suppressed"))
    assert hidden.height == 4  # reliability.md §3.2: a 4-cell pattern, not 7 of 9
    assert hidden["cell_kind"].unique().to_list() == ["cell"]


def test_one_way_table_with_total_hides_a_complement() -> None:
    df = pl.DataFrame({"gruppe": ["B1", "B2", "B3", "V1"], "n": [40, 3, 25, 60]})
    table = suppress_table(df, row="gruppe", count="n")
    pub = table.publishable()
    assert pub.filter(pl.col("suppressed"))["gruppe"].to_list() == ["B2", "B3"]
    assert pub.filter(pl.col("cell_kind") == "total")["n"].item() == 128
    assert audit_suppression(table).passed
    # without a published total nothing but the small cell is hidden
    alone = publish_counts(df, row="gruppe", count="n")
    assert alone["n"].to_list() == [40, None, 25, 60]
    assert alone.columns == ["gruppe", "n", "suppressed"]


def test_values_and_means_are_hidden_with_their_count() -> None:
    df = long_table(LEAKY).with_columns(
        udgift=pl.col("n") * 1_000_000.0, gns_pris=pl.lit(900_000.0)
    )
    table = suppress_table(
        df, row="kommune", col="gruppe", count="n", values=["udgift"], means=["gns_pris"]
    )
    pub = table.publishable()
    hidden = pub.filter(pl.col("suppressed"))
    assert hidden["udgift"].null_count() == hidden.height
    assert hidden["gns_pris"].null_count() == hidden.height
    shown = pub.filter(~pl.col("suppressed"))
    assert shown["udgift"].null_count() == 0
    # margins: costs add up, a mean is count-weighted
    assert cell(pub, None, None)["udgift"] == pytest.approx(86_000_000.0)
    assert cell(pub, None, None)["gns_pris"] == pytest.approx(900_000.0)


def test_dominance_flags_force_primary_suppression() -> None:
    micro = pl.DataFrame(
        {
            "kommune": ["K0"] * 6 + ["K1"] * 6,
            "pris": [3_000_000.0, 50_000, 60_000, 40_000, 55_000, 45_000] + [500_000.0] * 6,
        }
    )
    dom = flag_dominance(micro, by="kommune", value="pris")
    assert dom.sort("kommune")["dominated"].to_list() == [True, False]
    agg = micro.group_by("kommune", maintain_order=True).agg(
        n=pl.len(), udgift=pl.col("pris").sum()
    )
    table = suppress_table(
        agg.join(dom, on="kommune").with_columns(pl.lit("alle").alias("gruppe")),
        row="kommune",
        col="gruppe",
        count="n",
        values=["udgift"],
        extra_primary="dominated",
    )
    body = table.cells.filter(pl.col("cell_kind") == "cell")
    reasons = dict(zip(body["kommune"], body["reason"], strict=True))
    assert reasons["K0"] == "primary"
    assert audit_suppression(table).passed


def test_zero_is_published_and_never_a_complement() -> None:
    df = long_table([[0, 2, 30], [0, 40, 35], [6, 50, 45]])
    table = suppress_table(df, row="kommune", col="gruppe", count="n")
    zeros = table.cells.filter((pl.col("n") == 0) & (pl.col("cell_kind") == "cell"))
    assert not zeros["suppressed"].any()
    assert audit_suppression(table).passed


def test_distinct_mode_audits_what_the_symbols_reveal() -> None:
    table = suppress_table(
        long_table(LEAKY), row="kommune", col="gruppe", count="n", mode="distinct"
    )
    audit = audit_suppression(table)
    assert audit.passed, audit.failures()
    shown = format_for_display(table)
    rules = load_rules(mode="distinct")
    assert shown.filter(pl.col("Antal borgere") == "K0")["G1"].item() == rules.primary_symbol
    # a complementary cell is not labelled "<5": it is not below 5
    symbols = {rules.primary_symbol, rules.symbol}
    values = [v for col in shown.columns[1:] for v in shown[col].to_list() if v in symbols]
    assert values.count(rules.primary_symbol) == 2
    assert rules.symbol in values
    # the bounds the display reveals are part of the audit: a "<5" cell stays within 1..4
    primary = audit.cells.filter(pl.col("reason") == "primary")
    assert (primary["upper"] <= 4).all() and (primary["lower"] >= 1).all()


def test_distinct_mode_falls_back_when_the_symbols_alone_disclose() -> None:
    # four cells shown "<5" under a total shown "<5" would each be exactly 1
    df = pl.DataFrame({"g": ["a", "b", "c", "d"], "n": [1, 1, 1, 1]})
    table = suppress_table(df, row="g", count="n", mode="distinct")
    assert table.mode == "single"
    assert audit_suppression(table).passed
    assert set(format_for_display(table)["Antal borgere"].to_list()) == {load_rules().symbol}


def test_format_for_display_danish_numbers_and_symbols() -> None:
    df = long_table([[1234, 2, 9000], [7, 15, 4], [20, 6, 11]])
    table = suppress_table(df, row="kommune", col="gruppe", count="n")
    shown = format_for_display(table)
    assert shown.columns == ["Antal borgere", "G0", "G1", "G2", "I alt"]
    assert shown["Antal borgere"].to_list() == ["K0", "K1", "K2", "I alt"]
    assert shown.dtypes == [pl.String] * 5
    assert shown["G0"].to_list()[0] == "1.234"
    assert shown.filter(pl.col("Antal borgere") == "K0")["G1"].item() == "·"
    flat = [v for c in shown.columns[1:] for v in shown[c].to_list()]
    assert not any(v in {"1", "2", "3", "4"} for v in flat)
    assert "diskretion" in FOOTNOTE and FOOTNOTE == footnote(table)
    assert format_number_da(1234567.25, 2) == "1.234.567,25"
    assert format_number_da(None) == ""
    assert round_money(1_234_567) == 1_235_000
    assert format_money_mio(12_345_678) == "12,3"


def test_primary_suppression_never_publishes_small_counts_in_any_margin() -> None:
    df = long_table([[1, 1, 0], [2, 30, 40], [0, 50, 45]])
    table = suppress_table(df, row="kommune", col="gruppe", count="n")
    rules = load_rules()
    pub = table.publishable()
    assert not any(rules.is_small(v) for v in pub["n"].drop_nulls().to_list())
    assert cell(pub, "K0", None)["n"] is None  # row total 2 is itself small
    assert audit_suppression(table).passed
    with pytest.raises(DisclosureError):
        assert_frame_publishable(df, ["n"])
    assert_frame_publishable(pub, ["n"])


def test_bad_input_is_refused_without_showing_values() -> None:
    df = pl.DataFrame({"k": ["a", "a"], "n": [3, 7]})
    with pytest.raises(DisclosureError, match="more than one row"):
        suppress_table(df, row="k", count="n")
    with pytest.raises(DisclosureError, match="missing values"):
        suppress_table(pl.DataFrame({"k": ["a"], "n": [None]}), row="k", count="n")
    with pytest.raises(DisclosureError, match="lacks column"):
        suppress_table(df, row="k", count="antal")


def test_audit_values_on_a_bare_pattern() -> None:
    structure = TableStructure.one_way(3)
    lo, hi, ok = audit_values(
        structure, [2, 10, 20, 32], [True, False, False, False], load_rules()
    )
    assert (lo[0], hi[0], ok) == (2.0, 2.0, False)
    lo, hi, ok = audit_values(structure, [2, 10, 20, 32], [True, True, False, False], load_rules())
    assert ok and hi[0] == pytest.approx(11.0)


def test_series_with_a_small_point_are_not_published_nor_recoverable() -> None:
    rows = []
    counts = {("751", "V1"): 40, ("751", "V2"): 25, ("741", "V1"): 6, ("741", "V2"): 2}
    counts |= {("730", "V1"): 30, ("730", "V2"): 12}
    for (kom, grp), base in counts.items():
        for year, delta in zip(range(2018, 2024), [0, 1, 2, 1, 0, 3], strict=True):
            n = base + delta if (kom, grp) != ("741", "V2") else [3, 2, 5, 6, 4, 7][year - 2018]
            rows.append({"kommune": kom, "target_group": grp, "year": year, "count": n})
    df = pl.DataFrame(rows)
    out = suppress_series_for_publication(df)
    muni = out.filter((pl.col("level") == "municipality") & pl.col("target_group").is_not_null())
    flags = {(r["kommune"], r["target_group"]): r for r in muni.iter_rows(named=True)}
    assert not flags[("741", "V2")]["publishable"]
    assert flags[("741", "V2")]["reason"] == "primary"
    hidden = [k for k, r in flags.items() if not r["publishable"]]
    # the region series of V2 and Samsø's all-groups total are published, so one more V2
    # series and one more Samsø series must go too
    assert sum(1 for k in hidden if k[1] == "V2") >= 2
    assert sum(1 for k in hidden if k[0] == "741") >= 2
    assert flags[("751", "V1")]["publishable"]
    region = out.filter(pl.col("level") == "region")
    assert region["kommune"].unique().to_list() == ["1082"]
    assert region.filter(pl.col("target_group") == "V2")["publishable"].item()
    # every year's table passes the audit with the one pattern
    years = sorted(df["year"].unique())
    for year in years:
        part = df.filter(pl.col("year") == year)
        m = np.array(
            [
                [
                    part.filter((pl.col("kommune") == k) & (pl.col("target_group") == g))[
                        "count"
                    ].item()
                    for g in ["V1", "V2"]
                ]
                for k in ["751", "741", "730"]
            ],
            dtype=float,
        )
        values = np.concatenate([m.ravel(), m.sum(1), m.sum(0), [m.sum()]])
        supp = ~out["publishable"].to_numpy()
        _, _, ok = audit_values(TableStructure.two_way(3, 2), values, supp, load_rules(), lower=0)
        assert ok, year
