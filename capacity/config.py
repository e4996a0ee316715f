"""Paths and configuration files. No logging or I/O at import time."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Any

import yaml

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_DIR.parent
CONF_DIR = PACKAGE_DIR / "conf"
SQL_DIR = PACKAGE_DIR / "sql"
NOTEBOOK_DIR = PROJECT_ROOT / "notebooks"


def data_raw_dir() -> Path:
    """Folder of immutable inputs (``$CAPACITY_DATA_RAW`` overrides)."""
    return Path(os.environ.get("CAPACITY_DATA_RAW", PROJECT_ROOT / "data_raw"))


def db_path() -> Path:
    """The DuckDB database file (``$CAPACITY_DB`` overrides)."""
    return Path(os.environ.get("CAPACITY_DB", PROJECT_ROOT / "data_clean" / "capacity.duckdb"))


def reports_dir() -> Path:
    """Folder that receives one sub-folder per report run (``$CAPACITY_REPORTS`` overrides)."""
    return Path(os.environ.get("CAPACITY_REPORTS", PROJECT_ROOT / "reports"))


def conf_path(name: str) -> Path:
    """``<name>.yaml`` from ``$CAPACITY_CONF_DIR`` when it holds one, else from capacity/conf/.

    The override lets a municipality try its own rules, and the benchmarks scale the demo
    region, without editing the shipped configuration.
    """
    override = os.environ.get("CAPACITY_CONF_DIR")
    if override and (Path(override) / f"{name}.yaml").is_file():
        return Path(override) / f"{name}.yaml"
    return CONF_DIR / f"{name}.yaml"


@cache
def load_conf(name: str) -> Any:
    """Parse the configuration file ``<name>.yaml`` (cached; treat the result as read-only)."""
    with conf_path(name).open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def read_sql(name: str) -> str:
    """Text of ``capacity/sql/<name>.sql``."""
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


def municipalities() -> dict[str, str]:
    """The 19 municipality codes of the region mapped to their names, ordered by code."""
    rows = load_conf("municipalities")["municipalities"]
    return {str(r["code"]): r["name"] for r in sorted(rows, key=lambda r: str(r["code"]))}


def key_file_path() -> Path:
    """Where the pseudonymisation key lives: ``$KAPACITET_KEY_FILE``, else the user's config dir.

    The key never lives in the repository or under data_raw/, data_clean/ or reports/.
    """
    env = os.environ.get("KAPACITET_KEY_FILE")
    if env:
        return Path(env)
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "kapacitet-midt" / "pseudonymisation.key"
