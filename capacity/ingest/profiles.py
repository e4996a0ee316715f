"""Source profiles: one YAML file per placement-export format (docs/profiles.md).

A profile maps the source's column names to the canonical fields of docs/data-contract.md and
states its CSV dialect, date formats and value spellings. Profiles are found in
capacity/conf/profiles/, in ``$CAPACITY_PROFILES_DIR`` (extra profiles, no code change needed),
and as ``profile.yaml`` in a municipality's folder (either ``profile: <name>`` or a whole
profile). A file is matched by its header unless its folder names a profile.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from capacity.config import CONF_DIR
from capacity.errors import DataQualityError

PLACEMENT_FIELDS = (
    "cpr",
    "handlekommune",
    "betalingskommune",
    "paragraf",
    "leverandoer",
    "tilbud_id",
    "startdato",
    "slutdato",
    "pris",
    "prisenhed",
    "primaer_maalgruppe",
    "sekundaer_maalgruppe",
    "afslutningsaarsag",
    # Optional extras used only for provider suggestions.
    "leverandoer_cvr",
    "leverandoer_kommune",
)
REQUIRED_FIELDS = ("cpr", "paragraf", "leverandoer", "startdato")


def normalise_header(name: str) -> str:
    """Header comparison ignores case, surrounding and repeated whitespace and a BOM."""
    return " ".join(name.replace("\ufeff", "").split()).casefold()


class CsvDialect(BaseModel):
    model_config = ConfigDict(extra="forbid")
    delimiter: str | list[str] = ";"
    decimal: str = ","
    thousands: str | None = "."
    strict_delimiter: bool = False  # True: never try other delimiters

    @property
    def delimiters(self) -> list[str]:
        return [self.delimiter] if isinstance(self.delimiter, str) else list(self.delimiter)


class Detect(BaseModel):
    model_config = ConfigDict(extra="forbid")
    required_headers: list[str] = Field(min_length=1)


class Profile(BaseModel):
    """One source format. See docs/profiles.md for every key."""

    model_config = ConfigDict(extra="forbid")
    name: str
    description: str = ""
    formats: list[str] = ["csv", "xlsx"]
    detect: Detect
    csv: CsvDialect = CsvDialect()
    date_formats: list[str] = ["%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d"]
    columns: dict[str, str | list[str]]
    values: dict[str, dict[str, str]] = {}
    defaults: dict[str, str] = {}
    source: str = ""  # where the profile was read from (for messages)

    @field_validator("columns")
    @classmethod
    def _known_fields(cls, columns: dict[str, str | list[str]]) -> dict[str, str | list[str]]:
        unknown = sorted(set(columns) - set(PLACEMENT_FIELDS))
        if unknown:
            raise ValueError(f"unknown canonical field(s): {', '.join(unknown)}")
        missing = [f for f in REQUIRED_FIELDS if f not in columns]
        if missing:
            raise ValueError(f"required field(s) not mapped: {', '.join(missing)}")
        return columns

    @field_validator("values", "defaults")
    @classmethod
    def _known_value_fields(cls, mapping: dict) -> dict:
        unknown = sorted(set(mapping) - set(PLACEMENT_FIELDS))
        if unknown:
            raise ValueError(f"unknown canonical field(s): {', '.join(unknown)}")
        return mapping

    def source_names(self, field: str) -> list[str]:
        """The source header names (normalised) that may hold a canonical field."""
        spec = self.columns.get(field)
        if spec is None:
            return []
        names = [spec] if isinstance(spec, str) else spec
        return [normalise_header(n) for n in names]

    def matches(self, header: list[str]) -> bool:
        present = {normalise_header(h) for h in header}
        return all(normalise_header(h) in present for h in self.detect.required_headers)

    def column_positions(self, header: list[str]) -> dict[str, int]:
        """Canonical field -> position in the header (first matching column wins)."""
        positions: dict[str, int] = {}
        normalised = [normalise_header(h) for h in header]
        for fld in self.columns:
            for name in self.source_names(fld):
                if name in normalised:
                    positions[fld] = normalised.index(name)
                    break
        return positions


def parse_profile(data: object, source: str) -> Profile:
    """Validate a profile mapping read from YAML; a bad profile is a DataQualityError."""
    if not isinstance(data, dict):
        raise DataQualityError("a profile must be a YAML mapping", file=source)
    try:
        return Profile.model_validate({**data, "source": source})
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        raise DataQualityError(f"invalid profile ({problems})", file=source) from None


def _read_yaml(path: Path) -> object:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        raise DataQualityError("the file is not readable YAML", file=str(path)) from None


def profile_dirs() -> list[Path]:
    """Built-in profiles first, then ``$CAPACITY_CONF_DIR/profiles`` if it exists, then
    ``$CAPACITY_PROFILES_DIR`` (os.pathsep-separated)."""
    dirs = [CONF_DIR / "profiles"]
    conf_override = os.environ.get("CAPACITY_CONF_DIR")
    if conf_override and (Path(conf_override) / "profiles").is_dir():
        dirs.append(Path(conf_override) / "profiles")
    extra = os.environ.get("CAPACITY_PROFILES_DIR", "")
    dirs += [Path(p) for p in extra.split(os.pathsep) if p]
    return dirs


def load_profiles(dirs: list[Path] | None = None) -> tuple[dict[str, Profile], list[str]]:
    """All profiles by name, and notices about profile files that could not be used."""
    profiles: dict[str, Profile] = {}
    notices: list[str] = []
    for directory in dirs if dirs is not None else profile_dirs():
        if not directory.is_dir():
            notices.append(f"Profile folder {directory} does not exist.")
            continue
        for path in sorted(directory.glob("*.yaml")) + sorted(directory.glob("*.yml")):
            try:
                profile = parse_profile(_read_yaml(path), str(path))
            except DataQualityError as exc:
                notices.append(f"Profile not used: {exc}")
                continue
            # A later folder may override a built-in profile of the same name on purpose.
            profiles[profile.name] = profile
    return profiles, notices


@dataclass
class FolderProfile:
    """What a municipality folder's profile.yaml says: a profile name or a whole profile."""

    name: str | None = None
    profile: Profile | None = None
    error: str | None = None


def read_folder_profile(path: Path) -> FolderProfile:
    """Read ``placements/<code>/profile.yaml``; problems are returned, not raised."""
    try:
        data = _read_yaml(path)
    except DataQualityError as exc:
        return FolderProfile(error=str(exc))
    if isinstance(data, dict) and set(data) == {"profile"} and isinstance(data["profile"], str):
        return FolderProfile(name=data["profile"])
    try:
        return FolderProfile(profile=parse_profile(data, str(path)))
    except DataQualityError as exc:
        return FolderProfile(error=str(exc))


def detect_profile(
    candidates: dict[str | None, list[str]],
    profiles: dict[str, Profile],
    fmt: str,
    forced: Profile | None = None,
) -> tuple[Profile, str | None] | None:
    """Choose the profile (and CSV delimiter) whose required headers the file's header holds.

    ``candidates`` maps a delimiter (None for Excel) to the header it gives. The most specific
    match wins (most required headers), then a profile's own delimiter over a fallback one,
    then the profile name, so the choice is deterministic.
    """
    pool = [forced] if forced is not None else list(profiles.values())
    best: tuple[tuple[int, int, str], Profile, str | None] | None = None
    for profile in pool:
        if fmt not in profile.formats and forced is None:
            continue
        if fmt == "csv":
            own = profile.csv.delimiters
            order = own if profile.csv.strict_delimiter else [*own, *candidates]
            options = [(d, 0 if d in own else 1) for d in dict.fromkeys(order) if d is not None]
        else:
            options = [(None, 0)]
        for delim, fallback in options:
            header = candidates.get(delim)
            if header is None or not profile.matches(header):
                continue
            rank = (-len(profile.detect.required_headers), fallback, profile.name)
            if best is None or rank < best[0]:
                best = (rank, profile, delim)
            break
    if best is None:
        return None
    return best[1], best[2]
