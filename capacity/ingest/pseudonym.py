"""Keyed pseudonymisation of CPR numbers: person_key = HMAC-SHA256(secret key, 10-digit CPR).

A plain hash of a CPR number is not a pseudonym: the whole CPR space (365 million numbers) is
hashed in minutes. The key is 32 random bytes kept outside the repository, in
``$KAPACITET_KEY_FILE`` or the user's config dir; it is created on first use.
"""

from __future__ import annotations

import hmac
import logging
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from capacity.config import key_file_path
from capacity.errors import KeyMismatchError

log = logging.getLogger(__name__)

KEY_BYTES = 32
_FINGERPRINT_LABEL = b"kapacitet-midt key fingerprint v1"


@dataclass(frozen=True)
class PseudonymKey:
    """The secret key and where it came from. ``repr`` never shows the key."""

    key: bytes
    path: Path
    created: bool = False

    def __repr__(self) -> str:
        return f"PseudonymKey(path={str(self.path)!r}, created={self.created})"

    @property
    def fingerprint(self) -> str:
        """Identifies the key without revealing it (stored in the database's meta table)."""
        return hmac.new(self.key, _FINGERPRINT_LABEL, "sha256").hexdigest()[:16]


def read_key(path: Path | None = None) -> PseudonymKey | None:
    """The key in the key file, or None when there is no key file yet."""
    path = path or key_file_path()
    if not path.exists():
        return None
    try:
        text = path.read_text(encoding="ascii").strip()
        key = bytes.fromhex(text)
    except (OSError, UnicodeDecodeError, ValueError):
        raise KeyMismatchError(
            f"The pseudonymisation key file {path} is not readable or not a hex key."
        ) from None
    if len(key) < KEY_BYTES:
        raise KeyMismatchError(
            f"The pseudonymisation key in {path} is too short ({len(key)} bytes; need "
            f"{KEY_BYTES})."
        )
    return PseudonymKey(key=key, path=path)


def create_key(path: Path | None = None) -> PseudonymKey:
    """Create a new random key file (mode 0600, folder 0700); fails if one exists."""
    path = path or key_file_path()
    if not path.parent.exists():
        path.parent.mkdir(parents=True, mode=0o700)
        path.parent.chmod(0o700)  # whatever the umask
    key = secrets.token_bytes(KEY_BYTES)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(key.hex() + "\n")
    log.warning("Created a new pseudonymisation key at %s", path)
    return PseudonymKey(key=key, path=path, created=True)


def key_notice(key: PseudonymKey) -> str:
    """The message shown when a new key was created."""
    return (
        f"A new pseudonymisation key was created at {key.path} (readable only by you). "
        "Keep it secret and back it up (e.g. with the data protection officer): without it "
        "the same person gets a new person_key and the history can no longer be linked. "
        "Set KAPACITET_KEY_FILE to use a key stored elsewhere."
    )


def check_key(stored_fingerprint: str | None, path: Path | None = None) -> PseudonymKey:
    """The key to use for a database with the given stored fingerprint (None = new database).

    A new database gets a new key when none exists. An existing database never does: a
    missing or different key aborts with KeyMismatchError before anything is written.
    """
    path = path or key_file_path()
    key = read_key(path)
    if key is None:
        if stored_fingerprint is not None:
            raise KeyMismatchError(
                f"The database was built with a pseudonymisation key, but there is no key file "
                f"at {path}. Point KAPACITET_KEY_FILE to the original key (or rebuild the "
                "database from data_raw/ with a new key)."
            )
        return create_key(path)
    if stored_fingerprint is not None and not hmac.compare_digest(
        stored_fingerprint, key.fingerprint
    ):
        raise KeyMismatchError(
            f"The pseudonymisation key in {path} is not the key this database was built with "
            f"(fingerprint {key.fingerprint}, database {stored_fingerprint}). Loading with it "
            "would turn every citizen into a new person. Use the original key, or rebuild "
            "the database from data_raw/."
        )
    return key


def pseudonymise(cpr10: pl.Series, key: PseudonymKey) -> pl.Series:
    """person_key for each 10-digit CPR; each distinct number is hashed once."""
    uniques = cpr10.drop_nulls().unique()
    keyed = hmac.new(key.key, digestmod="sha256")  # the key is absorbed once, then copied
    keys = []
    for cpr in uniques.to_list():
        h = keyed.copy()
        h.update(cpr.encode("ascii"))
        keys.append(h.hexdigest())
    return cpr10.replace_strict(
        uniques, pl.Series(keys, dtype=pl.String), default=None, return_dtype=pl.String
    )
