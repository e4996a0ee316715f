"""Target-group classification: rules, precedence, age cut, efterværn, synonyms, overrides."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from metrics_fixtures import add_offer, add_placement, d, make_db, rebuild

from capacity.config import CONF_DIR
from capacity.targetgroups import (
    classify_memberships,
    classify_target_group,
    load_rules,
    normalise_name,
    resolve_names,
    table_name_classification,
    table_target_group_rules,
    table_unknown_names,
    target_group_labels,
)


@pytest.mark.parametrize(
    ("names", "age", "expected"),
    [
        # one rule each (DESIGN.md §2)
        (["Autismespektrum"], 10, "B1"),
        (["Selvskadende adfærd"], 15, "B2"),
        (["Spiseforstyrrelse"], 15, "B2"),
        (["Udadreagerende adfærd"], 12, "B3"),
        (["Autismespektrum"], 30, "V1"),
        (["Erhvervet hjerneskade"], 50, "V2"),
        (["Depression"], 30, "V3"),  # a code under Psykiske vanskeligheder
        (["Psykiske vanskeligheder"], 30, "V3"),  # the parent itself
        (["Spiseforstyrrelse"], 30, "V3"),  # under Psykiske vanskeligheder for adults
        (["Udviklingshæmning", "Angst"], 40, "V4"),
        (["Udviklingshæmning", "Personfarlig kriminalitet"], 40, "V4"),  # Kriminalitet (any)
        (["Udviklingshæmning", "Alkoholmisbrug"], 40, "V4"),  # Misbrug (any)
        (["Udviklingshæmning", "Seksuelt krænkende adfærd"], 40, "V4"),
        # V4 needs a second code from its list
        (["Udviklingshæmning"], 40, "X"),
        (["Udviklingshæmning", "Mobilitetsnedsættelse"], 40, "X"),
        # a parent does not stand for its children: Hjerneskade is not Erhvervet hjerneskade
        (["Hjerneskade"], 50, "X"),
        (["Medfødt hjerneskade"], 50, "X"),
        # children's rules do not apply to adults and vice versa
        (["Selvskadende adfærd"], 30, "X"),
        (["Erhvervet hjerneskade"], 10, "X"),
        ([], 30, "X"),
    ],
)
def test_each_rule(names: list[str], age: int, expected: str) -> None:
    assert classify_target_group(names, age) == expected


@pytest.mark.parametrize(
    ("names", "age", "expected"),
    [
        # adults V2 > V4 > V1 > V3
        (["Erhvervet hjerneskade", "Udviklingshæmning", "Angst"], 40, "V2"),
        (["Udviklingshæmning", "Autismespektrum"], 40, "V4"),
        (["Autismespektrum", "Depression"], 40, "V1"),
        # children B2 > B3 > B1
        (["Selvskadende adfærd", "Udadreagerende adfærd"], 12, "B2"),
        (["Udadreagerende adfærd", "Autismespektrum"], 12, "B3"),
        (["Spiseforstyrrelse", "Autismespektrum"], 12, "B2"),
    ],
)
def test_precedence(names: list[str], age: int, expected: str) -> None:
    assert classify_target_group(names, age) == expected


def test_age_cut_and_aftercare() -> None:
    autism = ["Autismespektrum"]
    assert classify_target_group(autism, 17) == "B1"
    assert classify_target_group(autism, 18) == "V1"
    # efterværn: a children's-area aftercare paragraph keeps 18-22 in the children's groups
    assert classify_target_group(autism, 20, paragraf="BL_114") == "B1"
    assert classify_target_group(autism, 22, paragraf="SEL_76") == "B1"
    assert classify_target_group(autism, 23, paragraf="BL_114") == "V1"
    assert classify_target_group(autism, 20, paragraf="SEL_108") == "V1"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Sindslidelse", "V3"),
        ("  sindslidelse ", "V3"),
        ("1.2.2 Sindslidelse", "V3"),  # legacy DST number in front
        ("Autisme", "V1"),
        ("ASF", "V1"),
        ("asf", "V1"),
        ("HJERNESKADE,  ERHVERVET", "V2"),
        ("Hjerneskade, erhvervet", "V2"),
        ("9b3fd322-a75a-4ed8-9b74-425fa1e01c95", "V1"),  # FFB code of Autismespektrum
        ("Erhvervet  Hjerneskade", "V2"),
    ],
)
def test_synonyms_case_and_whitespace(raw: str, expected: str) -> None:
    assert classify_target_group([raw], 30) == expected


def test_selvskade_synonym_for_children() -> None:
    assert classify_target_group(["Selvskade"], 14) == "B2"


def test_unknown_names_are_reported_not_guessed() -> None:
    known, unknown = resolve_names(["Autisme", "Foo bar", "  Ukendt   ting "])
    assert known == ["Autismespektrum"]
    assert unknown == ["Foo bar", "Ukendt ting"]
    assert classify_target_group(["Foo bar"], 30) == "X"


def test_comma_separated_field_splits_only_when_every_part_is_known() -> None:
    known, unknown = resolve_names(["Autisme, ADHD"])
    assert known == ["Autismespektrum", "Opmærksomhedsforstyrrelse"]
    assert unknown == []
    known, unknown = resolve_names(["Autisme, noget andet"])
    assert known == []
    assert unknown == ["Autisme, noget andet"]


def test_normalise_name() -> None:
    assert normalise_name("  Psykiske   Vanskeligheder. ") == "psykiske vanskeligheder"
    assert normalise_name("1.2.1.4 Udviklingshæmning") == "udviklingshæmning"


def test_multi_membership() -> None:
    names = ["Autismespektrum", "Depression", "Udviklingshæmning"]
    # V4 (Udviklingshæmning + Autismespektrum/Depression), V1 (autism), V3 (Depression), in
    # adults' precedence order; the exclusive group is the first of them
    assert classify_memberships(names, 30) == ["V4", "V1", "V3"]
    assert classify_target_group(names, 30) == "V4"
    assert classify_memberships(names, 12) == ["B1"]
    assert classify_memberships(["Hjemløshed"], 30) == ["X"]


def test_v3_expands_over_the_ffb_subtree() -> None:
    rules = load_rules()
    (clause,) = rules.groups["V3"].clauses
    # Psykiske vanskeligheder and its 8 children (reference/domain.md §1.4)
    assert clause == {
        "Psykiske vanskeligheder",
        "Spiseforstyrrelse",
        "Angst",
        "Depression",
        "Personlighedsforstyrrelse",
        "Stressbelastning",
        "Tilknytningsforstyrrelse",
        "Forandret virkelighedsopfattelse",
        "Anden psykisk vanskelighed",
    }
    kriminalitet = rules.groups["V4"].clauses[1]
    assert {"Kriminalitet", "Personfarlig kriminalitet", "Ikke-personfarlig kriminalitet"} <= (
        kriminalitet
    )
    assert {"Misbrug", "Stofmisbrug", "Alkoholmisbrug"} <= kriminalitet


def test_name_classification_table() -> None:
    table = table_name_classification(["Autisme|Angst", "", "Udviklingshæmning|Stofmisbrug"])
    rows = {r["tg_key"]: r for r in table.to_dicts()}
    assert rows["Autisme|Angst"]["tg_child"] == "B1"
    assert rows["Autisme|Angst"]["tg_adult"] == "V1"
    assert rows["Autisme|Angst"]["tg_adult_all"] == ["V1", "V3"]
    assert rows[""]["tg_adult"] == "X"
    assert rows["Udviklingshæmning|Stofmisbrug"]["tg_child"] == "X"
    assert rows["Udviklingshæmning|Stofmisbrug"]["tg_adult"] == "V4"


def test_rules_table_and_labels() -> None:
    table = table_target_group_rules()
    assert table["target_group"].to_list() == ["B1", "B2", "B3", "V1", "V2", "V3", "V4", "X"]
    ranks = dict(zip(table["target_group"], table["precedence"], strict=True))
    assert ranks == {"B1": 3, "B2": 1, "B3": 2, "V1": 3, "V2": 1, "V3": 4, "V4": 2, "X": None}
    assert target_group_labels()["V3"] == "Voksne med sindslidelse"


def _write_rules(tmp_path: Path, **changes: object) -> Path:
    conf = yaml.safe_load((CONF_DIR / "target_groups.yaml").read_text(encoding="utf-8"))
    for key, value in changes.items():
        section, _, sub = key.partition("__")
        if sub:
            conf[section][sub] = value
        else:
            conf[section] = value
    path = tmp_path / "target_groups.yaml"
    path.write_text(yaml.safe_dump(conf, allow_unicode=True), encoding="utf-8")
    return path


def test_precedence_override_changes_classification(tmp_path: Path) -> None:
    names = ["Erhvervet hjerneskade", "Autismespektrum"]
    assert classify_target_group(names, 30) == "V2"
    rules = load_rules(_write_rules(tmp_path, precedence__adults=["V1", "V2", "V4", "V3"]))
    assert classify_target_group(names, 30, rules=rules) == "V1"


def test_age_cut_override_changes_classification(tmp_path: Path) -> None:
    assert classify_target_group(["Autismespektrum"], 19) == "V1"
    rules = load_rules(_write_rules(tmp_path, age_cut=21))
    assert classify_target_group(["Autismespektrum"], 19, rules=rules) == "B1"
    assert classify_target_group(["Autismespektrum"], 21, rules=rules) == "V1"


def test_aftercare_off_override(tmp_path: Path) -> None:
    rules = load_rules(_write_rules(tmp_path, aftercare__enabled=False))
    assert classify_target_group(["Autismespektrum"], 20, "BL_114", rules=rules) == "V1"


def test_synonym_override(tmp_path: Path) -> None:
    assert classify_target_group(["Særlig gruppe"], 30) == "X"
    conf_path = _write_rules(tmp_path)
    conf = yaml.safe_load(conf_path.read_text(encoding="utf-8"))
    conf["synonyms"]["Særlig gruppe"] = "Erhvervet hjerneskade"
    conf_path.write_text(yaml.safe_dump(conf, allow_unicode=True), encoding="utf-8")
    assert classify_target_group(["særlig  GRUPPE"], 30, rules=load_rules(conf_path)) == "V2"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"precedence__adults": ["V2", "V4", "V1"]}, "precedence.adults"),
        ({"synonyms": {"Foo": "Ikke et FFB-navn"}}, "not an FFB name"),
        (
            {"groups__V1": {"label": "x", "area": "adults", "all_of": [["Autisme spektrum"]]}},
            "is not an FFB name",
        ),
        ({"population_age_bands": {"B1": [0, 17]}}, "population_age_bands has no entry"),
    ],
)
def test_invalid_configuration_is_refused(
    tmp_path: Path, changes: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        load_rules(_write_rules(tmp_path, **changes))


def test_override_flows_into_the_derived_tables(tmp_path: Path) -> None:
    con = make_db()
    # a 19-year-old with autism and an acquired brain injury in a § 108 placement
    add_placement(
        con,
        person="p",
        birth="2000-06-01",
        start="2019-07-01",
        primary="Autismespektrum",
        secondary="Erhvervet hjerneskade",
    )
    rebuild(con, data_date=d("2020-12-31"))
    assert con.execute("SELECT target_group FROM placements").fetchall() == [("V2",)]
    rules = load_rules(
        _write_rules(tmp_path, age_cut=21, precedence__adults=["V1", "V2", "V4", "V3"])
    )
    rebuild(con, rules=rules, data_date=d("2020-12-31"))
    # age 19 < 21: children's groups; autism -> B1 (no children's rule for brain injury)
    assert con.execute("SELECT target_group FROM placements").fetchall() == [("B1",)]
    # in 2020 (age 19 on 1 January) the person counts in B1 too
    rows = con.execute("SELECT year, target_group FROM episode_years ORDER BY year").fetchall()
    assert rows == [(2019, "B1"), (2020, "B1")]


def test_unknown_names_table_counts_rows_by_source() -> None:
    con = make_db()
    add_placement(con, person="a", birth="1990-01-01", start="2020-01-01", primary="Foo")
    add_placement(
        con, person="b", birth="1990-01-01", start="2020-01-01", primary="Foo", secondary="Bar"
    )
    add_placement(con, person="c", birth="1990-01-01", start="2020-01-01", primary="Autisme")
    add_offer(con, extract="2020-01-01", tilbud_id=7, pladser=5, maalgrupper="Bar|Angst")
    out = table_unknown_names(con)
    assert out.to_dicts() == [
        {"name": "Foo", "source": "citizen", "rows": 2},
        {"name": "Bar", "source": "citizen", "rows": 1},
        {"name": "Bar", "source": "offer", "rows": 1},
    ]
