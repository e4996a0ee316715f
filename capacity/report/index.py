"""The run's summary.json and its index.html (first screen: headline figures, table of contents
grouped by kind of page, run metadata).

The headline figures come from what the pages wrote with ``write_summary`` (already
disclosure-controlled there); the index shows what exists and leaves out what does not, so a
run without the target-group or summary pages still gets a sensible first screen.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
from jinja2 import Environment, FileSystemLoader, select_autoescape

from capacity.config import PACKAGE_DIR, load_conf
from capacity.db import connect_readonly

if TYPE_CHECKING:
    from capacity.report.runner import PageResult, RunResult

# The table of contents, in this order; pages map to a section by their report.yaml entry.
SECTIONS = (
    "Overblik & datakvalitet",
    "Målgrupper",
    "Kommuneprofiler",
    "Rammeaftale-resumé",
    "Slides",
    "Bilag",
)
_MONTHS = ("januar", "februar", "marts", "april", "maj", "juni", "juli", "august",
           "september", "oktober", "november", "december")  # fmt: skip


def read_data_facts(db: Path) -> dict[str, Any]:
    """Facts about the data behind the run: synthetic flag, extract dates, ingest time, the
    data date and window the derived tables use, the files loaded per input kind."""
    con = connect_readonly(db)
    try:
        meta = dict(con.execute("SELECT key, value FROM meta ORDER BY key").fetchall())
        extracts = [
            d.isoformat()
            for (d,) in con.execute(
                "SELECT DISTINCT extract_date FROM offers ORDER BY extract_date"
            ).fetchall()
        ]
        last_start = con.execute("SELECT max(start_date) FROM placement_rows").fetchall()[0][0]
        try:
            derived = dict(con.execute("SELECT key, value FROM derived_meta").fetchall())
        except duckdb.CatalogException:  # built before the derived tables: no data window
            derived = {}
        files = con.execute(
            "SELECT kind, count(*) FILTER (WHERE status = 'loaded'), "
            "count(*) FILTER (WHERE status <> 'loaded') FROM load_log GROUP BY kind ORDER BY kind"
        ).fetchall()
    finally:
        con.close()
    return {
        "synthetic": meta.get("synthetic") == "true",
        "ingested_at": meta.get("ingested_at"),
        "tilbudsportalen_extracts": extracts,
        "latest_placement_start": last_start.isoformat() if last_start else None,
        "data_date": derived.get("data_date"),
        "first_year": int(derived["first_year"]) if derived.get("first_year") else None,
        "last_year": int(derived["last_year"]) if derived.get("last_year") else None,
        "files": {kind: {"loaded": int(ok), "quarantined": int(bad)} for kind, ok, bad in files},
    }


def run_parameters() -> dict[str, Any]:
    """The settings a reader needs to interpret the figures (from capacity/conf)."""
    params: dict[str, Any] = {}
    disclosure = load_conf("disclosure")
    params["disclosure_threshold"] = disclosure.get("threshold")
    try:
        scenarios = load_conf("scenarios")
        params["max_shortage_probability"] = scenarios["service_level"]["max_shortage_probability"]
        params["counting_method"] = scenarios.get("counting_method")
    except (FileNotFoundError, KeyError):
        pass
    report = load_conf("report")
    agreement = report.get("framework_agreement") or {}
    if agreement:
        params["framework_agreement"] = agreement.get("label")
    return params


def write_run_summary(result: RunResult, db: Path, conf: dict[str, Any]) -> dict[str, Any]:
    """Merge the pages' headline figures with run metadata into summary.json."""
    from capacity.report.runner import git_sha

    pages_dir = result.run_dir / "summary"
    headline = {}
    if pages_dir.exists():
        for f in sorted(pages_dir.glob("*.json")):
            headline[f.stem] = json.loads(f.read_text(encoding="utf-8"))
    summary = {
        "title": conf["title"],
        "run": {
            "id": result.run_dir.name,
            "git_sha": git_sha(),
            "created": datetime.now().isoformat(timespec="seconds"),
            "seconds": round(result.seconds, 1),
            "pages_ok": sum(p.status == "ok" for p in result.pages),
            "pages_failed": sum(p.status != "ok" for p in result.pages),
            "parameters": run_parameters(),
        },
        "data": read_data_facts(db),
        "pages": headline,
    }
    (result.run_dir / "summary.json").write_text(
        json.dumps(summary, ensure_ascii=False, indent=2, sort_keys=True), encoding="utf-8"
    )
    return summary


# -- the first screen ------------------------------------------------------------------------


def _num(value: Any, decimals: int = 0) -> str:
    """Danish number format; '·' for a figure the page did not publish (suppressed)."""
    from capacity.disclosure import format_number_da, load_rules

    if value is None:
        return load_rules().symbol
    return format_number_da(value, decimals)


def _pct(value: Any) -> str:
    return "" if value is None else f"{_num(value, 0)} %"


def _date_da(text: str | None) -> str:
    if not text:
        return "ukendt"
    try:
        day = date.fromisoformat(text[:10])
    except ValueError:
        return text
    return f"{day.day}. {_MONTHS[day.month - 1]} {day.year}"


@dataclass
class Tile:
    """One headline figure on the first screen."""

    label: str
    value: str
    note: str = ""
    href: str | None = None


@dataclass
class GroupRow:
    """One target group in the first screen's table."""

    target_group: str
    label: str
    href: str | None
    cells: dict[str, str] = field(default_factory=dict)


def _overview(summary: dict[str, Any]) -> dict[str, Any]:
    for page in summary.get("pages", {}).values():
        if isinstance(page, dict) and "placed_persons" in page and "groups" in page:
            return page
    return {}


def _target_group_pages(summary: dict[str, Any]) -> dict[str, tuple[str, dict[str, Any]]]:
    """target group -> (page slug, its summary) for pages that wrote a target group's
    forecast and gap."""
    out = {}
    for slug, page in summary.get("pages", {}).items():
        if isinstance(page, dict) and isinstance(page.get("target_group"), str):
            out[page["target_group"]] = (slug, page)
    return out


def headline_tiles(summary: dict[str, Any], pages: dict[str, str]) -> list[Tile]:
    """The headline figures of DESIGN §1 that the run's pages published (none invented)."""
    ov = _overview(summary)
    tiles: list[Tile] = []
    overview_href = pages.get("overblik")
    if ov:
        tiles.append(
            Tile(
                "Borgere i botilbud og anbringelse",
                _num(ov.get("placed_persons")),
                f"pr. {_date_da(ov.get('data_date'))}",
                overview_href,
            )
        )
        where = [
            (ov.get("share_own_municipality_pct"), "i egen kommune"),
            (ov.get("share_elsewhere_in_region_pct"), "andre steder i regionen"),
            (ov.get("share_outside_region_pct"), "uden for regionen"),
        ]
        if all(v is not None for v, _ in where):
            tiles.append(
                Tile(
                    "Hvor bor de?",
                    f"{_pct(where[0][0])} i egen kommune",
                    f"{_pct(where[1][0])} andre steder i regionen, {_pct(where[2][0])} uden for",
                    overview_href,
                )
            )
        if ov.get("share_private_pct") is not None:
            tiles.append(
                Tile(
                    "Hos hvem?",
                    f"{_pct(ov['share_private_pct'])} privat/selvejende",
                    "resten kommunalt, regionalt eller ukendt tilbud",
                    overview_href,
                )
            )
        if ov.get("spend_mio") is not None:
            tiles.append(
                Tile(
                    f"Udgift {ov.get('cost_year', '')}".strip(),
                    f"{_num(ov['spend_mio'])} mio. kr.",
                    "kommunernes udgift til borgerne, alle tilbudstyper",
                    overview_href,
                )
            )
        if ov.get("expensive_over_2mio_persons") is not None:
            tiles.append(
                Tile(
                    "Dyre enkeltsager over 2 mio. kr.",
                    f"{_num(ov['expensive_over_2mio_persons'])} borgere",
                    f"{_pct(ov.get('expensive_over_2mio_spend_share_pct'))} af udgiften",
                    overview_href,
                )
            )
        if ov.get("places_in_region") is not None:
            tiles.append(
                Tile(
                    "Pladser i regionens tilbud",
                    _num(ov["places_in_region"]),
                    "godkendte pladser, Tilbudsportalen",
                    overview_href,
                )
            )
        if ov.get("capacity_changes_for_approval") is not None:
            tiles.append(
                Tile(
                    "Kapacitetsændringer til DASSOS",
                    f"{_num(ov['capacity_changes_for_approval'])} tilbud",
                    "lukket, nye eller ændret med mere end "
                    f"±{load_conf('metrics')['capacity_change_threshold']} pladser",
                    overview_href,
                )
            )
        if ov.get("open_referrals_persons") is not None:
            tiles.append(
                Tile(
                    "Venteliste",
                    f"{_num(ov['open_referrals_persons'])} henvisninger",
                    "venter på en plads",
                    overview_href,
                )
            )
    groups = _target_group_pages(summary)
    short = [
        (g, s)
        for g, (_slug, s) in sorted(groups.items())
        if s.get("gap_places_agreement") is not None and s["gap_places_agreement"] > 0
    ]
    if groups:
        any_page = next(iter(groups.values()))[1]
        year = any_page.get("agreement_year")
        tiles.append(
            Tile(
                f"Målgrupper med for få pladser i {year}" if year else "Målgrupper med mangel",
                f"{len(short)} af {len(groups)}",
                ", ".join(g for g, _ in short) if short else "ingen mangler pladser",
            )
        )
    return tiles


def group_rows(summary: dict[str, Any], pages: dict[str, str]) -> tuple[list[str], list[GroupRow]]:
    """Per target group: citizens today (overview) and, where the target-group pages ran,
    expected demand, places, the gap and the chance of a shortage in the agreement year."""
    ov = _overview(summary)
    tg_pages = _target_group_pages(summary)
    today = {g["target_group"]: g for g in ov.get("groups", [])}
    order = [g["target_group"] for g in ov.get("groups", [])] or sorted(tg_pages)
    order = sorted(set(order) | set(tg_pages), key=lambda g: (g == "X", g))
    year = next((s.get("agreement_year") for _slug, s in tg_pages.values()), None)
    columns = ["Borgere i tilbud i dag"]
    if tg_pages:
        columns += [
            f"Forventet efterspørgsel {year}",
            "Pladser i dag",
            f"Manglende pladser {year}",
            f"Sandsynlighed for mangel {year}",
        ]
    rows = []
    for g in order:
        slug, page = tg_pages.get(g, (None, {}))
        label = page.get("label") or today.get(g, {}).get("label") or g
        cells = {"Borgere i tilbud i dag": _num(today.get(g, {}).get("placed_persons"))}
        if g not in today:
            cells["Borgere i tilbud i dag"] = ""
        if tg_pages:
            if page:
                p = page.get("p_shortage_agreement")
                cells |= {
                    columns[1]: _num(page.get("forecast_agreement_persons")),
                    columns[2]: _num(page.get("places_apportioned")),
                    columns[3]: _signed(page.get("gap_places_agreement")),
                    columns[4]: "" if p is None else f"{_num(100 * p)} %",
                }
            else:
                cells |= {c: "" for c in columns[1:]}
        rows.append(GroupRow(g, label, pages.get(slug) if slug else None, cells))
    return columns, rows


def _signed(value: Any) -> str:
    if value is None:
        return ""
    text = _num(value)
    return f"+{text}" if value > 0 else text


def _section_of(entry: dict[str, Any]) -> str:
    if entry.get("section"):
        return str(entry["section"])
    if entry.get("kind") == "slides":
        return "Slides"
    if entry.get("foreach") == "target_groups":
        return "Målgrupper"
    if entry.get("foreach") == "municipalities":
        return "Kommuneprofiler"
    if "summary" in entry["notebook"] or "resume" in entry["slug"]:
        return "Rammeaftale-resumé"
    return "Overblik & datakvalitet"


def page_sections(
    pages: list[PageResult], conf: dict[str, Any]
) -> list[tuple[str, list[PageResult]]]:
    """The run's pages grouped into the table of contents' sections, in SECTIONS order (a
    section of report.yaml that is not in SECTIONS comes before Bilag)."""
    rules = []
    for entry in conf["pages"]:
        rules.append((entry["slug"], entry.get("foreach") is not None, _section_of(entry)))

    def section(slug: str) -> str:
        for base, fanned, name in rules:
            if slug == base or (fanned and slug.startswith(f"{base}-")):
                return name
        return SECTIONS[0]

    grouped: dict[str, list[PageResult]] = {}
    for page in pages:
        grouped.setdefault(section(page.slug), []).append(page)
    if "Kommuneprofiler" in grouped:  # alphabetical, as readers look for their municipality
        grouped["Kommuneprofiler"].sort(key=lambda p: p.title)
    known = [s for s in SECTIONS if s in grouped]
    extra = [s for s in grouped if s not in SECTIONS]
    return [(s, grouped[s]) for s in [*known, *extra]]


def annex_links(run_dir: Path) -> list[tuple[str, str]]:
    """(label, relative link) of the run's annexes that exist (figures: see figure_links)."""
    links = []
    if (run_dir / "bilag.xlsx").exists():
        links.append(("Alle publicerede tabeller (Excel, ét ark pr. tabel)", "bilag.xlsx"))
    if (run_dir / "summary.json").exists():
        links.append(("Hovedtal og kørselsdata (summary.json)", "summary.json"))
    return links


def figure_links(run_dir: Path) -> list[tuple[str, str]]:
    """(label, relative link) of the headline figures as PNG, labelled from the file name."""
    folder = run_dir / "figurer"
    figures = sorted(folder.glob("*.png")) if folder.exists() else []
    # file names are ASCII: 'aa' stands for 'å' (borgere_pr_maalgruppe)
    return [
        (png.stem.replace("_", " ").replace("aa", "å"), f"figurer/{png.name}") for png in figures
    ]


def write_index(result: RunResult, summary: dict[str, Any], conf: dict[str, Any]) -> Path:
    """Write index.html: headline figures, target groups, table of contents, run metadata."""
    env = Environment(
        loader=FileSystemLoader(PACKAGE_DIR / "templates"),
        autoescape=select_autoescape(["html", "j2"]),
    )
    pages = {p.slug: p.html for p in result.pages if p.status == "ok" and p.html}
    columns, rows = group_rows(summary, pages)
    data = summary.get("data", {})
    html = env.get_template("index.html.j2").render(
        title=conf["title"],
        result=result,
        summary=summary,
        tiles=headline_tiles(summary, pages),
        group_columns=columns,
        group_rows=rows,
        sections=page_sections(result.pages, conf),
        annexes=annex_links(result.run_dir),
        figures=figure_links(result.run_dir),
        data_date=_date_da(data.get("data_date")),
        created=_date_da(summary.get("run", {}).get("created")),
        params=summary.get("run", {}).get("parameters", {}),
        num=_num,
    )
    out = result.run_dir / "index.html"
    out.write_text(html, encoding="utf-8")
    return out
