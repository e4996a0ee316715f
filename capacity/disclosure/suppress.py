"""Primary and secondary suppression of person counts (and the money and averages beside them).

Everything published that counts persons goes through here: `suppress_table` for tables with
margins, `publish_counts` for 1-D series, `suppress_series_for_publication` to decide which
municipality × target-group series (and forecasts built from them) may be shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from capacity.config import load_conf
from capacity.disclosure.audit import PUBLISHED, ROLE_NAMES, TableStructure
from capacity.disclosure.pattern import find_pattern
from capacity.disclosure.rules import DisclosureError, DisclosureRules, Mode, load_rules

_RESERVED = ("cell_kind", "suppressed", "reason")


@dataclass(frozen=True)
class SuppressedTable:
    """A count table with its margins and the suppression decided for every cell.

    `cells` keeps the TRUE values (the audit needs them); publish `publishable()` or
    `format_for_display(table)`, never `cells`. Margin rows have a null key: a row total has
    a null column key, a column total a null row key, the grand total both.
    """

    cells: pl.DataFrame
    row: str
    col: str | None
    count: str
    values: tuple[str, ...]
    means: tuple[str, ...]
    rules: DisclosureRules
    mode: Mode
    passed: bool
    structure: TableStructure = field(repr=False)
    cell_counts: np.ndarray = field(repr=False)
    roles: np.ndarray = field(repr=False)

    @property
    def threshold(self) -> int:
        return self.rules.threshold

    def key_columns(self) -> list[str]:
        """The key columns of `cells` (row, and column for a 2-D table)."""
        return [self.row] if self.col is None else [self.row, self.col]

    def measure_columns(self) -> list[str]:
        return [self.count, *self.values, *self.means]

    def publishable(self) -> pl.DataFrame:
        """Cells and margins with every suppressed measure set to null (safe to plot/export)."""
        hide = pl.col("suppressed")
        return self.cells.select(
            *self.key_columns(),
            "cell_kind",
            *(
                pl.when(hide).then(None).otherwise(pl.col(c)).alias(c)
                for c in self.measure_columns()
            ),
            "suppressed",
        )

    def n_suppressed(self) -> dict[str, int]:
        """How many cells each reason suppressed (for logs and the audit trail)."""
        reasons = [ROLE_NAMES.get(int(r)) for r in self.roles]
        return {k: reasons.count(k) for k in ("primary", "secondary")}


def _check_columns(df: pl.DataFrame, needed: Sequence[str]) -> None:
    missing = [c for c in needed if c not in df.columns]
    if missing:
        raise DisclosureError(f"table to suppress lacks column(s): {', '.join(missing)}")
    clash = [c for c in needed if c in _RESERVED]
    if clash:
        raise DisclosureError(f"column name(s) reserved by disclosure control: {clash}")


def _check_counts(df: pl.DataFrame, count: str, keys: list[str]) -> None:
    if df[count].null_count():
        raise DisclosureError(f"count column '{count}' has missing values; use 0 for none")
    if (df[count] < 0).any():
        raise DisclosureError(f"count column '{count}' has negative values")
    for k in keys:
        if df[k].null_count():
            raise DisclosureError(f"key column '{k}' has missing values")
    if df.select(keys).is_duplicated().any():
        raise DisclosureError(f"table has more than one row per {' × '.join(keys)}")


def _margin(
    frame: pl.DataFrame, by: list[str], count: str, values: Sequence[str], means: Sequence[str]
) -> pl.DataFrame:
    """Sum counts and values, count-weighted means; grouped by `by` (or all rows)."""
    aggs = [pl.col(count).sum()]
    aggs += [pl.col(v).sum() for v in values]
    aggs += [
        (
            (pl.col(m).cast(pl.Float64) * pl.col(count)).sum()
            / pl.col(count).filter(pl.col(m).is_not_null()).sum()
        ).alias(m)
        for m in means
    ]
    if by:
        return frame.group_by(by, maintain_order=True).agg(aggs)
    return frame.select(aggs)


def suppress_table(
    df: pl.DataFrame,
    *,
    row: str,
    col: str | None = None,
    count: str,
    values: Sequence[str] = (),
    means: Sequence[str] = (),
    threshold: int | None = None,
    margins: bool = True,
    secondary: bool = True,
    extra_primary: str | None = None,
    mode: Mode | None = None,
) -> SuppressedTable:
    """Suppress a count table (one row per row × col, long format) and add its margins.

    - primary: counts 1..threshold-1 (and 0 if zeros are not publishable), plus cells flagged
      in the boolean column `extra_primary` (e.g. `flag_dominance` on costs);
    - `values` (additive, e.g. costs: summed in margins) and `means` (per-person averages or
      prices: count-weighted in margins) are hidden wherever the count is hidden, so no money
      or average rests on fewer than threshold persons;
    - secondary (unless `secondary=False`): complementary cells until the LP audit passes, so
      no suppressed cell can be recovered from the margins (capacity/disclosure/pattern.py).
    Missing row × col combinations are zero counts. Row and column order follow first
    appearance in `df`.
    """
    rules = load_rules(threshold, mode=mode)
    keys = [row] if col is None else [row, col]
    extra = [extra_primary] if extra_primary else []
    _check_columns(df, [*keys, count, *values, *means, *extra])
    _check_counts(df, count, keys)
    measures = [count, *values, *means]

    row_keys = df.select(pl.col(row).unique(maintain_order=True)).with_row_index("_ri")
    if col is None:
        body = row_keys.join(df, on=row, how="left").sort("_ri")
        n_rows, n_cols = row_keys.height, 1
    else:
        col_keys = df.select(pl.col(col).unique(maintain_order=True)).with_row_index("_ci")
        body = (
            row_keys.join(col_keys, how="cross")
            .join(df, on=[row, col], how="left")
            .sort("_ri", "_ci")
        )
        n_rows, n_cols = row_keys.height, col_keys.height
    body = body.with_columns(pl.col(count).fill_null(0))
    forced_body = (
        body[extra_primary].fill_null(False).to_numpy().astype(bool)
        if extra_primary
        else np.zeros(body.height, dtype=bool)
    )
    body = body.select(*keys, *measures).with_columns(pl.lit("cell").alias("cell_kind"))

    parts = [body]
    if margins:
        null_row = pl.lit(None, dtype=df.schema[row]).alias(row)
        if col is None:
            parts.append(
                _margin(body, [], count, values, means).with_columns(
                    null_row, pl.lit("total").alias("cell_kind")
                )
            )
            structure = TableStructure.one_way(n_rows, total=True)
        else:
            null_col = pl.lit(None, dtype=df.schema[col]).alias(col)
            parts += [
                _margin(body, [row], count, values, means).with_columns(
                    null_col, pl.lit("row_total").alias("cell_kind")
                ),
                _margin(body, [col], count, values, means).with_columns(
                    null_row, pl.lit("col_total").alias("cell_kind")
                ),
                _margin(body, [], count, values, means).with_columns(
                    null_row, null_col, pl.lit("total").alias("cell_kind")
                ),
            ]
            structure = TableStructure.two_way(n_rows, n_cols)
    elif col is None:
        structure = TableStructure.one_way(n_rows, total=False)
    else:
        structure = TableStructure.two_way(n_rows, n_cols, row_totals=False, col_totals=False)
    order = [*keys, "cell_kind", *measures]
    cells = pl.concat([p.select(order) for p in parts], how="vertical_relaxed")

    counts = cells[count].cast(pl.Float64).to_numpy()
    small = np.array([rules.is_small(float(v)) for v in counts], dtype=bool)
    forced = np.zeros(structure.n_cells, dtype=bool)
    forced[: forced_body.size] = forced_body
    pattern = find_pattern(
        structure,
        counts,
        small,
        forced,
        rules,
        mode=rules.mode,
        lower=rules.lower_bound,
        secondary=secondary and margins,
    )
    roles = pattern.roles
    cells = cells.with_columns(
        pl.Series("suppressed", roles != PUBLISHED),
        pl.Series("reason", [ROLE_NAMES.get(int(r)) for r in roles], dtype=pl.String),
    )
    return SuppressedTable(
        cells=cells,
        row=row,
        col=col,
        count=count,
        values=tuple(values),
        means=tuple(means),
        rules=rules,
        mode=pattern.mode,
        passed=pattern.passed,
        structure=structure,
        cell_counts=counts,
        roles=roles,
    )


def publish_counts(
    df: pl.DataFrame,
    *,
    row: str,
    count: str,
    by: str | Sequence[str] | None = None,
    values: Sequence[str] = (),
    means: Sequence[str] = (),
    total: bool = False,
    threshold: int | None = None,
) -> pl.DataFrame:
    """A 1-D count series ready for a figure or table: suppressed counts (and the values and
    means beside them) are null and `suppressed` says which.

    With `by`, each group (e.g. each target group) is its own series. With `total=True` the
    series' total is published too (a row with a null `row` key), and secondary suppression
    keeps the hidden points from being recovered from it.
    """
    groups = [by] if isinstance(by, str) else list(by or [])
    _check_columns(df, [row, count, *groups])
    parts = []
    frames = df.partition_by(groups, maintain_order=True, as_dict=True) if groups else {(): df}
    for key, part in frames.items():
        table = suppress_table(
            part.drop(groups),
            row=row,
            count=count,
            values=values,
            means=means,
            threshold=threshold,
            margins=total,
        )
        out = table.publishable()
        if not total:
            out = out.drop("cell_kind")
        if groups:
            out = out.with_columns(
                pl.lit(k, dtype=df.schema[g]).alias(g) for g, k in zip(groups, key, strict=True)
            ).select(*groups, *[c for c in out.columns if c not in groups])
        parts.append(out)
    if not parts:
        return (
            df.head(0)
            .select(*groups, row, count, *values, *means)
            .with_columns(pl.lit(False).alias("suppressed"))
        )
    return pl.concat(parts, how="vertical_relaxed")


def suppress_series_for_publication(
    df: pl.DataFrame,
    *,
    kommune: str = "kommune",
    group: str = "target_group",
    time: str = "year",
    count: str = "count",
    threshold: int | None = None,
    across_groups_total: bool = True,
) -> pl.DataFrame:
    """Which series (municipality × target group, over time) may be published.

    A series is publishable only when every point passes the threshold rule (0 passes when
    zeros are publishable). Region series per group are published, and so (with
    `across_groups_total`) are municipality totals over all groups; a series hidden alone
    could then be recovered by subtraction, so complementary series are hidden too, with one
    pattern for all years (linked tables), audited year by year. Municipality-level forecasts
    are shown only where `publishable` is true; otherwise only the region level (or merged
    groups). Returns level ('municipality' | 'region'), kommune (region rows carry the region
    code), the group (null for all-groups totals), publishable and reason.
    """
    rules = load_rules(threshold)
    _check_columns(df, [kommune, group, time, count])
    _check_counts(df, count, [kommune, group, time])
    kom = df[kommune].unique(maintain_order=True).to_list()
    grp = df[group].unique(maintain_order=True).to_list()
    times = sorted(df[time].unique().to_list())
    ki = {k: i for i, k in enumerate(kom)}
    gi = {g: i for i, g in enumerate(grp)}
    ti = {t: i for i, t in enumerate(times)}
    cube = np.zeros((len(times), len(kom), len(grp)))
    for k, g, t, n in df.select(kommune, group, time, count).iter_rows():
        cube[ti[t], ki[k], gi[g]] = float(n)

    structure = TableStructure.two_way(
        len(kom), len(grp), row_totals=across_groups_total, col_totals=True
    )
    vecs = [cube.reshape(len(times), -1)]
    if across_groups_total:
        vecs.append(cube.sum(axis=2))
    vecs += [cube.sum(axis=1), cube.sum(axis=(1, 2))[:, None]]
    values = np.hstack(vecs)
    small = np.array(
        [any(rules.is_small(float(v)) for v in values[:, c]) for c in range(values.shape[1])]
    )
    # a hidden series tells the reader nothing, not even that a point is non-zero: lower 0
    pattern = find_pattern(
        structure,
        values,
        small,
        np.zeros_like(small),
        rules,
        mode="single",
        lower=0.0,
    )
    region = str(load_conf("municipalities")["region"]["code"])
    rows: list[tuple[str, str, object]] = [("municipality", str(k), g) for k in kom for g in grp]
    if across_groups_total:
        rows += [("municipality", str(k), None) for k in kom]
    rows += [("region", region, g) for g in grp]
    rows += [("region", region, None)]
    roles = pattern.roles
    return pl.DataFrame(
        {
            "level": [r[0] for r in rows],
            "kommune": [r[1] for r in rows],
            group: pl.Series([r[2] for r in rows], dtype=df.schema[group]),
            "publishable": roles == PUBLISHED,
            "reason": [ROLE_NAMES.get(int(r)) for r in roles],
        },
        schema_overrides={"reason": pl.String},
    )


def flag_dominance(
    df: pl.DataFrame, *, by: str | Sequence[str], value: str, n: int = 2, k: float = 0.85
) -> pl.DataFrame:
    """The (n, k) dominance rule for magnitudes (e.g. costs): a group is sensitive when its n
    largest contributions make up more than k of its sum. One row per group with `dominated`,
    ready for `suppress_table(..., extra_primary="dominated")` after a join."""
    keys = [by] if isinstance(by, str) else list(by)
    _check_columns(df, [*keys, value])
    v = pl.col(value).cast(pl.Float64)
    return (
        df.group_by(keys, maintain_order=True)
        .agg(top=v.top_k(n).sum(), total=v.sum())
        .with_columns(dominated=(pl.col("total") > 0) & (pl.col("top") > k * pl.col("total")))
        .select(*keys, "dominated")
    )


def assert_frame_publishable(
    df: pl.DataFrame, columns: Sequence[str], *, threshold: int | None = None
) -> None:
    """Raise DisclosureError when a person-count column of a frame about to be published
    holds a count below the threshold (suppressed counts must be null)."""
    rules = load_rules(threshold)
    _check_columns(df, list(columns))
    for c in columns:
        bad = [i for i, v in enumerate(df[c].to_list()) if rules.is_small(_as_float(v))]
        if bad:
            raise DisclosureError(
                f"column '{c}' holds {len(bad)} person count(s) below {rules.threshold} "
                f"(first at row {bad[0] + 1}); suppress before publishing"
            )


def _as_float(v: object) -> object:
    try:
        return float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return v
