"""Planted defects in known amounts: each defective row has exactly one problem.

Totals per reason come from conf/demo.yaml and are spread over the placement files; every
planted row is counted on its delivery, which the manifest reports. Also planted: an unknown
provider name (loads, offer fields null) and the € / – characters of one cp1252 file.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from capacity.demo.deliveries import Blank, Delivery

_REASON_FIELD = {
    "invalid_cpr": "cpr",
    "end_before_start": "slutdato",
    "unknown_paragraph": "paragraf",
    "invalid_price": "pris",
    "unknown_municipality": "handlekommune",
}


def _clean_rows(d: Delivery, need: str | None = None) -> np.ndarray:
    """Indices of rows not yet touched (and, for a field, where that field can be spoiled)."""
    out = []
    for i, r in enumerate(d.rows):
        if isinstance(r, Blank) or i in d.protected:
            continue
        if need == "pris" and not isinstance(r[d.col("pris")], float):
            continue
        if need == "slutdato" and not isinstance(r[d.col("startdato")], int):
            continue
        out.append(i)
    return np.array(out, dtype=np.int64)


def _spread(rng: np.random.Generator, total: int, deliveries: list[Delivery]) -> np.ndarray:
    """Split ``total`` over deliveries, more in larger files."""
    w = np.sqrt(np.array([d.data_rows for d in deliveries], dtype=float))
    return rng.multinomial(total, w / w.sum())


def _bad_value(
    rng: np.random.Generator, conf: dict[str, Any], reason: str, d: Delivery, row: list[Any]
) -> Any:
    dconf = conf["defects"]
    if reason == "invalid_cpr":
        return dconf["bad_cpr_values"][int(rng.integers(len(dconf["bad_cpr_values"])))]
    if reason == "end_before_start":
        return int(row[d.col("startdato")]) - int(rng.integers(1, 401))
    if reason == "unknown_paragraph":
        return dconf["bad_paragraphs"][int(rng.integers(len(dconf["bad_paragraphs"])))]
    if reason == "invalid_price":
        value = dconf["bad_prices"][int(rng.integers(len(dconf["bad_prices"])))]
        if d.encoding == "xlsx" and value.startswith("-"):
            return -float(value[1:].replace(".", "").replace(",", "."))
        return value
    if reason == "unknown_municipality":
        named = not str(row[d.col("handlekommune")]).isdigit()
        options = [m for m in dconf["bad_municipalities"] if (not m.isdigit()) == named]
        return options[int(rng.integers(len(options)))]
    raise ValueError(reason)


def plant_special_characters(
    rng: np.random.Generator, conf: dict[str, Any], deliveries: list[Delivery]
) -> None:
    """End reasons with € and – in the cp1252 file flagged ``special_chars``."""
    texts = conf["defects"]["special_texts"]
    for d in deliveries:
        if not d.spec.get("special_chars"):
            continue
        col = d.col("afslutningsaarsag")
        ended = [i for i in _clean_rows(d).tolist() if d.rows[i][col]]
        picks = rng.choice(ended, min(len(ended), conf["defects"]["special_rows"]), replace=False)
        for k, i in enumerate(sorted(picks.tolist())):
            d.rows[i][col] = texts[k % len(texts)]
            d.protected.add(i)


def plant_unknown_providers(
    rng: np.random.Generator, conf: dict[str, Any], deliveries: list[Delivery]
) -> list[str]:
    """Rows whose provider matches no offer at all; returns the names."""
    pconf = conf["provider_names"]
    adult = [d for d in deliveries if d.spec["part"] == "adults"]
    for name, count in zip(pconf["unknown"], pconf["unknown_rows"], strict=True):
        files = rng.choice(len(adult), 2, replace=False)
        split = [count - count // 2, count // 2]
        for f, k in zip(files.tolist(), split, strict=True):
            d = adult[f]
            rows = rng.choice(_clean_rows(d), k, replace=False)
            for i in rows.tolist():
                d.rows[i][d.col("leverandoer")] = name
                if "tilbud_id" in d.fields:
                    d.rows[i][d.col("tilbud_id")] = None
                d.protected.add(i)
    return list(pconf["unknown"])


def plant_row_defects(
    rng: np.random.Generator, conf: dict[str, Any], deliveries: list[Delivery]
) -> None:
    """Spoil one field of chosen rows per reason; then add duplicate rows and blank lines."""
    dconf = conf["defects"]
    for reason, fieldname in _REASON_FIELD.items():
        for d, k in zip(
            deliveries, _spread(rng, int(dconf[reason]), deliveries).tolist(), strict=True
        ):
            if k == 0:
                continue
            rows = rng.choice(_clean_rows(d, fieldname), k, replace=False)
            for i in rows.tolist():
                d.rows[i][d.col(fieldname)] = _bad_value(rng, conf, reason, d, d.rows[i])
                d.protected.add(i)
            d.rejects[reason] += k

    # Duplicates: an exact copy of an earlier clean row, placed somewhere after it.
    for d, k in zip(
        deliveries, _spread(rng, int(dconf["duplicate_row"]), deliveries).tolist(), strict=True
    ):
        if k == 0:
            continue
        sources = rng.choice(_clean_rows(d), k, replace=False)
        inserts: dict[int, list[list[Any]]] = {}
        for i in sources.tolist():
            at = int(rng.integers(i, min(len(d.rows), i + 200)))
            inserts.setdefault(at, []).append(list(d.rows[i]))
            d.protected.add(i)
        new_rows: list[list[Any] | Blank] = []
        for i, r in enumerate(d.rows):
            new_rows.append(r)
            new_rows.extend(inserts.get(i, []))
        d.rows = new_rows
        d.protected = set()  # indices moved; nothing is spoiled after this point
        d.rejects["duplicate_row"] += k

    # Blank lines: empty, whitespace-only and separator-only lines (empty rows in xlsx).
    for d, k in zip(
        deliveries, _spread(rng, int(dconf["blank_lines"]), deliveries).tolist(), strict=True
    ):
        if k == 0:
            continue
        variants = ["", "   ", "\t", ";" * (len(d.fields) - 1)]
        for _ in range(k):
            if d.encoding == "xlsx":
                at = int(rng.integers(1, len(d.rows)))  # trailing empty rows do not exist in xlsx
            else:
                at = int(rng.integers(0, len(d.rows) + 1))
            d.rows.insert(at, Blank(variants[int(rng.integers(len(variants)))]))
        d.blank_lines += k


def check_no_accidental_duplicates(d: Delivery) -> None:
    """Only the planted copies may repeat a row (guards the manifest's duplicate count)."""
    data = [tuple(r) for r in d.rows if not isinstance(r, Blank)]
    if len(data) - len(set(data)) != d.rejects["duplicate_row"]:
        raise RuntimeError(f"{d.path}: unplanned duplicate rows in the generated data")
