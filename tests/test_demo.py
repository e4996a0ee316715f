"""The synthetic demo region: determinism, magnitudes and planted defects, read from the files.

The checks parse the written files independently (csv module, fastexcel, the profile YAML files)
rather than asking the generator, so they test what an ingest would actually see.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from datetime import date, datetime
from pathlib import Path

import fastexcel
import numpy as np
import polars as pl
import pytest
import typer
import yaml
from typer.testing import CliRunner

from capacity.commands.demo import demo
from capacity.config import CONF_DIR, load_conf, municipalities
from capacity.demo import write_demo
from capacity.disclosure.cpr import cpr_birth_date

REASONS = {
    "invalid_cpr", "end_before_start", "unknown_paragraph", "invalid_price", "duplicate_row",
    "unknown_municipality",
}  # fmt: skip
# Every paragraph spelling the case systems use (brief); anything else is an unknown paragraph.
KNOWN_PARAGRAPH = re.compile(
    r"^(SEL § (107|108|85|103|104)|§108|Servicelovens § 108|ABL § 105 / SEL § 85"
    r"|SEL § 52 stk\. 3 nr\. 7|BL § 43|Barnets lov § 43)$"
)
SEL_107_108 = re.compile(r"§\s*10[78]$")
CHILD_PARAGRAPH = re.compile(r"(§ 52 |§ 43)")
DATE_FORMATS = ("%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d", "%Y-%m-%d %H:%M:%S")


def _profiles() -> dict[str, dict]:
    out = {}
    for path in sorted((CONF_DIR / "profiles").glob("*.yaml")):
        conf = yaml.safe_load(path.read_text(encoding="utf-8"))
        out[conf["name"]] = conf
    return out


def _detect(header: list[str], profiles: dict[str, dict]) -> str | None:
    names = {h.strip().lower() for h in header}
    for name, conf in profiles.items():
        if all(h.lower() in names for h in conf["detect"]["required_headers"]):
            return name
    return None


def _decode(raw: bytes) -> tuple[str, str]:
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8"), "utf-8-sig"
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return raw.decode("cp1252"), "cp1252"


def _is_blank(line: str) -> bool:
    return line.replace(";", "").strip() == ""


def _read_table(path: Path) -> tuple[list[str], list[tuple | None], str]:
    """Header, rows (None for blank lines) and encoding of a CSV or xlsx file."""
    if path.suffix == ".xlsx":
        sheet = fastexcel.read_excel(path).load_sheet(0, dtypes="string")
        frame = sheet.to_polars()
        rows = [None if all(v is None for v in r) else r for r in frame.iter_rows()]
        return frame.columns, rows, "xlsx"
    text, encoding = _decode(path.read_bytes())
    lines = text.splitlines()
    header = next(csv.reader([lines[0]], delimiter=";"))
    rows: list[tuple | None] = []
    for line in lines[1:]:
        if _is_blank(line):
            rows.append(None)
        else:
            rows.append(tuple(next(csv.reader([line], delimiter=";"))))
    return header, rows, encoding


def _cpr_digits(value: str | None) -> str:
    text = (value or "").strip().replace("-", "")
    if text.endswith(".0"):
        text = text[:-2]
    if text.isdigit() and len(text) == 9:  # a number in Excel lost the leading zero
        text = "0" + text
    return text


def _cpr_valid(value: str | None) -> bool:
    return cpr_birth_date(_cpr_digits(value)) is not None


def _parse_date(value: str | None) -> date | None:
    if not value:
        return None
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(value.strip(), fmt).date()
        except ValueError:
            continue
    raise AssertionError("unparseable date in a demo file")


def _parse_price(value: str | None) -> float | None:
    """Decimal comma with optional thousands dots (CSV) or a plain number (xlsx as text)."""
    if value is None or value == "":
        return None
    text = value.strip()
    if re.fullmatch(r"-?\d+(\.\d+)?", text):
        return float(text)
    if re.fullmatch(r"-?\d{1,3}(\.\d{3})*(,\d+)?|-?\d+(,\d+)?", text):
        return float(text.replace(".", "").replace(",", "."))
    return None


def _load_placements(root: Path, manifest: dict) -> pl.DataFrame:
    """All placement rows of all placement files, mapped to canonical names via the profiles."""
    profiles = _profiles()
    records = []
    for rel in manifest["placement_files"]:
        header, rows, _ = _read_table(root / rel)
        profile = _detect(header, profiles)
        assert profile is not None, f"{rel} matches no profile"
        cols = profiles[profile]["columns"]
        units = profiles[profile]["values"]["prisenhed"]
        index = {h.strip(): i for i, h in enumerate(header)}
        for line, row in enumerate(rows, start=2):
            if row is None:
                continue
            rec = {
                f: (row[index[src]] or None) if src in index else None for f, src in cols.items()
            }
            rec["file"] = rel
            rec["kommune"] = rel.split("/")[1]
            rec["line"] = line
            rec["unit"] = units.get((rec["prisenhed"] or "").strip())
            records.append(rec)
    return pl.DataFrame(records, infer_schema_length=None)


@pytest.fixture(scope="module")
def demo_dir(demo_data_raw: Path) -> tuple[Path, dict]:
    """The demo written once (seed 2024; the session fixture of conftest) and its manifest."""
    manifest = json.loads((demo_data_raw / "demo_manifest.json").read_text(encoding="utf-8"))
    return demo_data_raw, manifest


@pytest.fixture(scope="module")
def rows(demo_dir: tuple[Path, dict]) -> pl.DataFrame:
    root, manifest = demo_dir
    frame = _load_placements(root, manifest)
    starts = [_parse_date(v) if _parse_date_ok(v) else None for v in frame["startdato"].to_list()]
    ends = [_parse_date(v) if _parse_date_ok(v) else None for v in frame["slutdato"].to_list()]
    prices = [_parse_price(v) for v in frame["pris"].to_list()]
    return frame.with_columns(
        start=pl.Series(starts, dtype=pl.Date),
        end=pl.Series(ends, dtype=pl.Date),
        price=pl.Series(prices, dtype=pl.Float64),
        cpr_key=pl.Series([_cpr_digits(v) for v in frame["cpr"].to_list()]),
        cpr_ok=pl.Series([_cpr_valid(v) for v in frame["cpr"].to_list()]),
    )


def _parse_date_ok(value: str | None) -> bool:
    try:
        _parse_date(value)
    except AssertionError:
        return False
    return True


def _digests(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


# 1. Determinism -----------------------------------------------------------------------------


def test_same_seed_gives_identical_files_and_another_seed_differs(
    demo_dir: tuple[Path, dict], tmp_path: Path
) -> None:
    root, manifest = demo_dir
    again = tmp_path / "again"
    assert write_demo(again, seed=2024) == manifest  # the returned manifest is the written one
    first, second = _digests(root), _digests(again)
    assert first.keys() == second.keys()
    assert first == second
    other = tmp_path / "other"
    write_demo(other, seed=7)
    third = _digests(other)
    assert all(first[k] != third.get(k) for k in manifest["placement_files"])
    assert first["tilbudsportalen/2024-01-01.csv"] != third["tilbudsportalen/2024-01-01.csv"]


def test_manifest_structure(demo_dir: tuple[Path, dict]) -> None:
    root, manifest = demo_dir
    on_disk = json.loads((root / "demo_manifest.json").read_text(encoding="utf-8"))
    assert on_disk == manifest
    assert set(manifest) == {
        "synthetic", "seed", "generator", "data_date", "placement_files", "quarantined_files",
        "unknown_providers", "other_files",
    }  # fmt: skip
    assert manifest["synthetic"] is True and manifest["seed"] == 2024
    assert manifest["generator"] == "capacity demo" and manifest["data_date"] == "2025-12-31"
    for rel, entry in manifest["placement_files"].items():
        assert (root / rel).is_file()
        assert set(entry) == {"profile", "encoding", "data_rows", "blank_lines", "rejects"}
        assert set(entry["rejects"]) == REASONS
        assert entry["encoding"] in {"cp1252", "utf-8", "utf-8-sig", "xlsx"}
    for rel, entry in manifest["other_files"].items():
        lines = (root / rel).read_text(encoding="utf-8").splitlines()
        assert len(lines) - 1 == entry["data_rows"], rel
    listed = {
        *manifest["placement_files"],
        *manifest["quarantined_files"],
        *manifest["other_files"],
    }
    written = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}
    assert written - listed == {"demo_manifest.json", "LÆS_MIG_SYNTETISKE_DATA.txt"}


# 2. Magnitudes, computed from the files -----------------------------------------------------


def test_citizens_in_107_108_on_1_january_2018(rows: pl.DataFrame) -> None:
    ref = date(2018, 1, 1)
    covering = rows.filter(
        pl.col("paragraf").str.contains(SEL_107_108.pattern)
        & pl.col("cpr_ok")
        & (pl.col("start") <= ref)
        & (pl.col("end").is_null() | (pl.col("end") >= ref))
    )
    assert 5500 <= covering["cpr_key"].n_unique() <= 6900


def test_private_and_selvejende_share_of_placements(
    demo_dir: tuple[Path, dict], rows: pl.DataFrame
) -> None:
    root, _ = demo_dir
    mapping = pl.read_csv(
        root / "mappings/leverandoerer.csv",
        separator=";",
        schema_overrides={"tilbud_id": pl.Int64},
    )
    extracts = pl.concat(
        pl.read_csv(p, separator=";", infer_schema=False)
        for p in sorted((root / "tilbudsportalen").glob("*.csv"))
    )
    forms = extracts.select(pl.col("tilbud_id").cast(pl.Int64), "virksomhedsform").unique(
        "tilbud_id", keep="first"
    )
    joined = (
        rows.drop("tilbud_id")
        .join(mapping, on="leverandoer", how="inner")
        .join(forms, on="tilbud_id", how="inner")
    )
    assert joined.height > 0.7 * rows.height  # the mapping covers most rows
    share = joined["virksomhedsform"].is_in(["Kommune", "Region"]).not_().mean()
    assert 0.35 <= share <= 0.65


def test_annual_cost_has_a_long_tail(rows: pl.DataFrame) -> None:
    factor = {"dag": 365.0, "maaned": 12.0, "aar": 1.0}
    priced = rows.filter(
        pl.col("price").is_not_null() & (pl.col("price") > 0) & pl.col("unit").is_not_null()
    )
    annual = priced["price"] * priced["unit"].replace_strict(factor, return_dtype=pl.Float64)
    assert 0.15 <= (annual > 1_000_000).mean() <= 0.35
    assert 0.01 <= (annual > 2_000_000).mean() <= 0.08
    # § 107/108 døgn prices: typically 2,000-6,000 kr. a day
    day_107_108 = priced.filter(
        pl.col("paragraf").str.contains(SEL_107_108.pattern) & (pl.col("unit") == "dag")
    )
    assert 1500 <= day_107_108["price"].median() <= 4000


def test_samsoe_smallest_and_aarhus_largest(rows: pl.DataFrame) -> None:
    per_muni = rows.group_by("kommune").len().sort("len")
    assert per_muni["kommune"][0] == "741"
    assert per_muni["kommune"][-1] == "751"
    assert per_muni.height == 19


def test_population_matches_the_real_2024_totals(demo_dir: tuple[Path, dict]) -> None:
    root, _ = demo_dir
    pop = pl.read_csv(
        root / "population/folk1a.csv", separator=";", schema_overrides={"kommunekode": pl.String}
    )
    assert sorted(pop["aar"].unique().to_list()) == list(range(2014, 2026))
    assert sorted(pop["alder"].unique().to_list()) == list(range(100))
    totals = dict(
        pop.filter(pl.col("aar") == 2024)
        .group_by("kommunekode")
        .agg(pl.col("antal").sum())
        .iter_rows()
    )
    expected = {
        str(m["code"]): m["population_2024"] for m in load_conf("municipalities")["municipalities"]
    }
    assert totals == expected
    region = pop.filter(pl.col("aar") == 2024)
    child = region.filter(pl.col("alder") < 18)["antal"].sum() / region["antal"].sum()
    old = region.filter(pl.col("alder") >= 65)["antal"].sum() / region["antal"].sum()
    assert 0.19 <= child <= 0.23 and 0.18 <= old <= 0.24
    growth = (
        pop.group_by("kommunekode", "aar")
        .agg(pl.col("antal").sum())
        .pivot(on="aar", index="kommunekode")
    )
    change = dict(
        zip(growth["kommunekode"], (growth["2025"] / growth["2014"]).to_list(), strict=True)
    )
    assert max(change, key=change.get) == "751"
    assert change["665"] < 1.0
    proj = pl.read_csv(root / "population/frkm_2025.csv", separator=";")
    assert proj["aar"].min() == 2025 and proj["aar"].max() == 2040


def test_tilbudsportalen_extracts(demo_dir: tuple[Path, dict]) -> None:
    root, _ = demo_dir
    files = sorted((root / "tilbudsportalen").glob("*.csv"))
    assert len(files) >= 6
    frames = [pl.read_csv(p, separator=";", infer_schema=False) for p in files]
    for path, frame in zip(files, frames, strict=True):
        assert 250 <= frame.height <= 400
        assert set(frame["udtraeksdato"].unique()) == {path.stem}
    keys = [set(zip(f["tilbud_id"], f["afdeling_id"], f["paragraf"], strict=True)) for f in frames]
    ids = [set(f["tilbud_id"]) for f in frames]
    closed = sum(len(a - b) for a, b in zip(ids, ids[1:], strict=False))
    opened = sum(len(b - a) for a, b in zip(ids, ids[1:], strict=False))
    assert closed > 0 and opened > 0
    big = 0
    for a, b in zip(frames, frames[1:], strict=False):
        j = a.join(b, on=["tilbud_id", "afdeling_id", "paragraf"], suffix="_n")
        delta = (j["pladser_n"].cast(pl.Int64) - j["pladser"].cast(pl.Int64)).abs()
        big += int((delta > 10).sum())
    assert big > 0
    assert keys[0] and all(k for k in keys)
    last = frames[-1]
    assert (
        last["virksomhedsform"].is_in(["Kommune"]).any()
        and last["virksomhedsform"].is_in(["Region"]).any()
    )
    assert (last.filter(pl.col("virksomhedsform") == "Region")["driftsherre"] == "1082").all()
    inside = set(municipalities())
    assert (~last["beliggenhedskommune"].is_in(list(inside))).any()
    assert last["paragraf"].str.starts_with("Barnets lov § 43").any()
    assert frames[0]["paragraf"].str.starts_with("SEL § 66").any()
    assert (last["godkendt"] == "nej").any()


def test_trends_differ_between_groups(rows: pl.DataFrame) -> None:
    """Autism in adult §§ 107/108 rises; outward-reacting children's placements fall."""

    def slope(frame: pl.DataFrame) -> float:
        counts = (
            frame.filter(pl.col("start") >= date(2015, 1, 1))
            .group_by(pl.col("start").dt.year().alias("y"))
            .len()
            .sort("y")
        )
        return float(np.polyfit(counts["y"].to_numpy(), np.log(counts["len"].to_numpy()), 1)[0])

    v1 = rows.filter(
        pl.col("paragraf").str.contains(SEL_107_108.pattern)
        & (pl.col("primaer_maalgruppe") == "Autismespektrum")
    )
    b3 = rows.filter(
        pl.col("paragraf").str.contains(CHILD_PARAGRAPH.pattern)
        & (pl.col("primaer_maalgruppe") == "Udadreagerende adfærd")
    )
    assert slope(v1) > 0.01
    assert slope(b3) < -0.01


def test_children_move_into_adult_offers_and_children_paragraphs_follow_the_law(
    rows: pl.DataFrame,
) -> None:
    child = rows.filter(
        pl.col("paragraf").str.contains(CHILD_PARAGRAPH.pattern) & pl.col("start").is_not_null()
    )
    before = child.filter(pl.col("start") < date(2024, 1, 1))
    after = child.filter(pl.col("start") >= date(2024, 1, 1))
    assert (before["paragraf"] == "SEL § 52 stk. 3 nr. 7").all()
    assert after["paragraf"].is_in(["BL § 43", "Barnets lov § 43"]).all()
    adult = rows.filter(pl.col("paragraf").str.contains(SEL_107_108.pattern))
    movers = set(child["cpr_key"]) & set(adult["cpr_key"])
    assert len(movers) > 100


def test_citizen_target_group_missing_on_some_rows(rows: pl.DataFrame) -> None:
    missing = rows["primaer_maalgruppe"].is_null().mean()
    assert 0.08 <= missing <= 0.22
    legacy = rows["primaer_maalgruppe"].is_in(
        ["Sindslidelse", "Autisme", "ASF", "Hjerneskade, erhvervet"]
    )
    assert legacy.any()


# 3. Planted defects -------------------------------------------------------------------------


def test_every_defect_kind_is_planted(demo_dir: tuple[Path, dict]) -> None:
    _, manifest = demo_dir
    entries = manifest["placement_files"].values()
    for reason in REASONS:
        assert sum(e["rejects"][reason] for e in entries) > 0, reason
    assert sum(e["blank_lines"] for e in entries) > 0
    assert manifest["quarantined_files"] and set(manifest["quarantined_files"].values()) == {
        "no_profile"
    }
    assert manifest["unknown_providers"]


def test_defect_counts_match_the_files(demo_dir: tuple[Path, dict], rows: pl.DataFrame) -> None:
    root, manifest = demo_dir
    names = municipalities()
    kommune_ok = set(names) | {f"{n} Kommune" for n in names.values()}
    for rel, entry in manifest["placement_files"].items():
        header, table, encoding = _read_table(root / rel)
        assert encoding == entry["encoding"], rel
        data = [r for r in table if r is not None]
        assert len(data) == entry["data_rows"], rel
        assert len(table) - len(data) == entry["blank_lines"], rel
        seen: set[tuple] = set()
        dups = 0
        for r in data:
            dups += r in seen
            seen.add(r)
        assert dups == entry["rejects"]["duplicate_row"], rel
        mine = rows.filter(pl.col("file") == rel)
        rejects = entry["rejects"]
        assert int((~mine["cpr_ok"]).sum()) == rejects["invalid_cpr"], rel
        bad_para = ~mine["paragraf"].str.contains(KNOWN_PARAGRAPH.pattern)
        assert int(bad_para.sum()) == rejects["unknown_paragraph"], rel
        bad_price = mine["pris"].is_not_null() & (mine["price"].is_null() | (mine["price"] < 0))
        assert int(bad_price.sum()) == rejects["invalid_price"], rel
        backwards = mine["end"].is_not_null() & (mine["end"] < mine["start"])
        assert int(backwards.sum()) == rejects["end_before_start"], rel
        unknown_kommune = ~mine["handlekommune"].is_in(list(kommune_ok))
        assert int(unknown_kommune.sum()) == rejects["unknown_municipality"], rel


def test_cp1252_file_with_euro_and_en_dash(demo_dir: tuple[Path, dict]) -> None:
    root, manifest = demo_dir
    found = False
    for rel, entry in manifest["placement_files"].items():
        if entry["encoding"] != "cp1252":
            continue
        raw = (root / rel).read_bytes()
        with pytest.raises(UnicodeDecodeError):
            raw.decode("utf-8")
        text = raw.decode("cp1252")
        found |= "€" in text and "–" in text
    assert found


def test_unknown_providers_match_nothing(demo_dir: tuple[Path, dict], rows: pl.DataFrame) -> None:
    root, manifest = demo_dir
    mapping = set(pl.read_csv(root / "mappings/leverandoerer.csv", separator=";")["leverandoer"])
    offered = set(
        pl.read_csv(root / "tilbudsportalen/2026-01-01.csv", separator=";", infer_schema=False)[
            "tilbudsnavn"
        ]
    )
    delivered = set(rows["leverandoer"])
    for name in manifest["unknown_providers"]:
        assert name in delivered and name not in mapping and name not in offered
    # Most provider spellings are mapped, some are left for fuzzy matching.
    unmapped = delivered - mapping - set(manifest["unknown_providers"])
    assert unmapped and len(unmapped) < 0.3 * len(delivered)
    assert rows["leverandoer"].is_in(list(mapping)).mean() > 0.85
    assert {"Bostedet Solhøj", "Bostedet Solhoej", "Bo & Naboskab", "Bo og Naboskab"} <= mapping


def test_files_that_are_not_placement_files_match_no_profile(demo_dir: tuple[Path, dict]) -> None:
    root, manifest = demo_dir
    profiles = _profiles()
    for rel in manifest["quarantined_files"]:
        header, _, _ = _read_table(root / rel)
        assert _detect(header, profiles) is None


def test_dubu_exports_have_excel_dates_text_dates_and_numeric_cpr(
    demo_dir: tuple[Path, dict],
) -> None:
    root, manifest = demo_dir
    kinds = set()
    numeric_cpr = 0
    for rel, entry in manifest["placement_files"].items():
        if entry["profile"] != "dubu":
            continue
        sheet = fastexcel.read_excel(root / rel).load_sheet(0, dtypes="string").to_polars()
        for v in sheet["Ydelse startdato"].drop_nulls().to_list():
            kinds.add("excel" if " 00:00:00" in v else "text")
        numeric_cpr += sum(
            1 for v in sheet["Barnets CPR"].drop_nulls() if v.isdigit() and len(v) == 9
        )
    assert kinds == {"excel", "text"}
    assert numeric_cpr > 0


def test_labelled_as_synthetic(demo_dir: tuple[Path, dict]) -> None:
    root, manifest = demo_dir
    notice = (root / "LÆS_MIG_SYNTETISKE_DATA.txt").read_text(encoding="utf-8")
    assert "SYNTETISKE DEMODATA" in notice and "SYNTHETIC DEMO DATA" in notice
    xlsx = next(p for p in root.rglob("*.xlsx"))
    import zipfile

    core = zipfile.ZipFile(xlsx).read("docProps/core.xml").decode("utf-8")
    assert "SYNTETISKE DEMODATA" in core
    assert "2026-01-05T08:00:00Z" in core


def test_waiting_list_and_planned_capacity(demo_dir: tuple[Path, dict]) -> None:
    root, _ = demo_dir
    wl = pl.read_csv(root / "waiting_list.csv", separator=";", infer_schema=False)
    assert wl.columns == [
        "cpr",
        "handlekommune",
        "maalgruppe",
        "henvisningsdato",
        "placeringsdato",
    ]
    assert set(wl["maalgruppe"]) <= {"B1", "B2", "B3", "V1", "V2", "V3", "V4"}
    assert wl["placeringsdato"].is_null().any() and wl["placeringsdato"].is_not_null().any()
    assert all(_cpr_valid(c) for c in wl["cpr"])
    pc = pl.read_csv(root / "planned_capacity.csv", separator=";", infer_schema=False)
    assert pc.columns == ["kommunekode", "projekt", "maalgruppe", "paragraf", "pladser",
                          "heraf_andre_kommuner", "aar", "status"]  # fmt: skip
    assert set(pc["aar"].cast(int)) <= set(range(2025, 2029))
    assert (pc["heraf_andre_kommuner"].cast(int) > 0).any()


# 4. The command -------------------------------------------------------------------------------


def test_command_writes_and_refuses_a_non_empty_folder(tmp_path: Path) -> None:
    app = typer.Typer()
    app.command()(demo)

    @app.callback()
    def _root() -> None:
        """Test app."""

    runner = CliRunner()
    target = tmp_path / "raw"
    first = runner.invoke(app, ["demo", "--data-raw", str(target), "--seed", "11"])
    assert first.exit_code == 0, first.output
    assert (target / "demo_manifest.json").is_file()
    assert "Placeringsfiler" in first.output
    second = runner.invoke(app, ["demo", "--data-raw", str(target)])
    assert second.exit_code != 0
    message = " ".join(second.output.split())
    assert "--force" in message and "ikke tom" in message
    (target / "egne_noter.txt").write_text("behold mig", encoding="utf-8")
    third = runner.invoke(app, ["demo", "--data-raw", str(target), "--seed", "11", "--force"])
    assert third.exit_code == 0, third.output
    assert (target / "egne_noter.txt").read_text(encoding="utf-8") == "behold mig"
    assert json.loads((target / "demo_manifest.json").read_text(encoding="utf-8"))["seed"] == 11
