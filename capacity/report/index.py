"""The run's summary.json and its index.html (table of contents, headline figures, metadata)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from capacity.config import PACKAGE_DIR
from capacity.db import connect_readonly

if TYPE_CHECKING:
    from capacity.report.runner import RunResult


def read_data_facts(db: Path) -> dict[str, Any]:
    """Facts about the data behind the run: synthetic flag, extract dates, ingest time."""
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
    finally:
        con.close()
    return {
        "synthetic": meta.get("synthetic") == "true",
        "ingested_at": meta.get("ingested_at"),
        "tilbudsportalen_extracts": extracts,
        "latest_placement_start": last_start.isoformat() if last_start else None,
    }


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
            "pages_ok": sum(p.status == "ok" for p in result.pages),
            "pages_failed": sum(p.status != "ok" for p in result.pages),
        },
        "data": read_data_facts(db),
        "pages": headline,
    }
    (result.run_dir / "summary.json").write_text(
        json.dumps(summary, ensure_ascii=False, indent=2, sort_keys=True), encoding="utf-8"
    )
    return summary


def write_index(result: RunResult, summary: dict[str, Any], conf: dict[str, Any]) -> Path:
    """Write index.html linking every page of the run."""
    env = Environment(
        loader=FileSystemLoader(PACKAGE_DIR / "templates"),
        autoescape=select_autoescape(["html", "j2"]),
    )
    html = env.get_template("index.html.j2").render(
        title=conf["title"],
        result=result,
        summary=summary,
        annex=(result.run_dir / "bilag.xlsx").exists(),
    )
    out = result.run_dir / "index.html"
    out.write_text(html, encoding="utf-8")
    return out
