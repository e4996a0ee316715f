"""Text encoding detection: BOM, then strict UTF-8, then strict cp1252, else quarantine.

DuckDB's own ``latin-1`` is not cp1252 (one byte 0x80-0x9F fails the whole file) and its cp1252
support needs an extension download, so every CSV is transcoded to UTF-8 here, in Python.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field

import polars as pl

from capacity.ingest.model import FileQuarantined

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig", "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16", "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16", "utf-16-be"),
)


@dataclass
class DecodedText:
    """A CSV file as UTF-8 bytes (no BOM), the encoding that was detected, and as text.

    The text of a UTF-8 file is decoded only when asked for: the vectorised readers work on
    the bytes, and a Python string of a large delivery costs time and memory.
    """

    utf8: bytes
    encoding: str  # utf-8 | utf-8-sig | utf-16 | cp1252
    _text: str | None = field(default=None, repr=False)

    @property
    def text(self) -> str:
        """The whole file as text."""
        if self._text is None:
            self._text = self.utf8.decode("utf-8")
        return self._text

    def head(self, lines: int = 200) -> str:
        """Text that begins with the first ``lines`` lines: just those while the whole text is
        not decoded yet, else the whole text."""
        if self._text is not None:
            return self._text
        end = -1
        for _ in range(lines):
            end = self.utf8.find(b"\n", end + 1)
            if end < 0:
                return self.text
        return self.utf8[: end + 1].decode("utf-8")


def _is_utf8(data: bytes) -> bool:
    """Strict UTF-8 validation (as ``bytes.decode``) without building a Python string."""
    try:
        pl.Series([data], dtype=pl.Binary).cast(pl.String)
    except pl.exceptions.PolarsError:
        return False
    return True


def decode_bytes(data: bytes, file: str) -> DecodedText:
    """Decode a delivery strictly; raise FileQuarantined(reason='encoding') when no codec fits."""
    text: str | None = None
    label = ""
    for bom, name, codec in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom) :].decode(codec)
            except UnicodeDecodeError:
                raise FileQuarantined(
                    "encoding",
                    f"the file starts with a {name} byte-order mark but is not valid {name}",
                    file=file,
                ) from None
            label = name
            break
    if not label:
        if _is_utf8(data):
            label = "utf-8"
        else:
            try:
                # cp1252 leaves 0x81, 0x8D, 0x8F, 0x90, 0x9D undefined: strict decoding fails on
                # them, which is how latin-1 and binary files are told apart from cp1252.
                text = data.decode("cp1252")
                label = "cp1252"
            except UnicodeDecodeError:
                raise FileQuarantined(
                    "encoding",
                    "the file is neither UTF-8 nor Windows-1252 (cp1252) text",
                    file=file,
                ) from None
    if (b"\x00" in data) if label == "utf-8" else ("\x00" in (text or "")):
        raise FileQuarantined(
            "encoding",
            "the file contains NUL characters (binary data, or UTF-16 without a byte-order mark)",
            file=file,
        )
    if label == "utf-8":
        return DecodedText(utf8=data, encoding=label)
    assert text is not None
    utf8 = data[len(codecs.BOM_UTF8) :] if label == "utf-8-sig" else text.encode("utf-8")
    return DecodedText(utf8=utf8, encoding=label, _text=text)
