"""The LP audit: how far can a reader narrow each suppressed cell from what is published?

A table is a set of cells (body cells and margins) tied together by *lines*: each line says
"these component cells add up to that total cell". For every suppressed cell the audit solves
two linear programmes (scipy's HiGHS): the minimum and the maximum of the cell subject to the
published cells, every line, and what the display tells the reader about suppressed cells.
The cell is protected when that interval is wide enough (the rule is in `protection_ok` and
docs/privacy.md).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
import polars as pl
from scipy.optimize import linprog

from capacity.disclosure.flow import GroupFlow, flow_ready, network_arcs
from capacity.disclosure.rules import DisclosureRules, Mode

if TYPE_CHECKING:
    from capacity.disclosure.suppress import SuppressedTable

# roles of cells in a suppression pattern
PUBLISHED, PRIMARY, FORCED, SECONDARY = 0, 1, 2, 3
ROLE_NAMES = {PRIMARY: "primary", FORCED: "primary", SECONDARY: "secondary"}
_EPS = 1e-7
LP_COST = 25  # an interval by linprog costs about 25 by max-flow (flow.py)


@dataclass(frozen=True)
class TableStructure:
    """Cells 0..n_cells-1 and the additive lines (components, total) that bind them."""

    n_cells: int
    lines: tuple[tuple[tuple[int, ...], int], ...]
    is_margin: tuple[bool, ...]

    @classmethod
    def two_way(
        cls, n_rows: int, n_cols: int, *, row_totals: bool = True, col_totals: bool = True
    ) -> TableStructure:
        """Body cells r*n_cols+c, then row totals, column totals and the grand total.

        A grand total exists when either kind of margin does."""
        body = n_rows * n_cols
        n = body
        lines: list[tuple[tuple[int, ...], int]] = []
        row_tot = list(range(n, n + n_rows)) if row_totals else []
        n += len(row_tot)
        col_tot = list(range(n, n + n_cols)) if col_totals else []
        n += len(col_tot)
        grand = n if (row_totals or col_totals) else None
        n += 1 if grand is not None else 0
        for r, t in enumerate(row_tot):
            lines.append((tuple(r * n_cols + c for c in range(n_cols)), t))
        for c, t in enumerate(col_tot):
            lines.append((tuple(r * n_cols + c for r in range(n_rows)), t))
        if grand is not None and row_tot:
            lines.append((tuple(row_tot), grand))
        if grand is not None and col_tot:
            lines.append((tuple(col_tot), grand))
        return cls(n, tuple(lines), tuple(i >= body for i in range(n)))

    @classmethod
    def one_way(cls, n: int, *, total: bool = True) -> TableStructure:
        """Cells 0..n-1 and, with a total, cell n = their sum."""
        if not total:
            return cls(n, (), (False,) * n)
        return cls(n + 1, ((tuple(range(n)), n),), (False,) * n + (True,))

    def cell_lines(self) -> list[list[int]]:
        """For each cell, the indices of the lines it belongs to (as component or total)."""
        out: list[list[int]] = [[] for _ in range(self.n_cells)]
        for li, (comps, total) in enumerate(self.lines):
            for c in (*comps, total):
                out[c].append(li)
        return out


def variable_bounds(
    roles: np.ndarray, rules: DisclosureRules, mode: Mode, lower: float
) -> tuple[np.ndarray, np.ndarray]:
    """What the display tells a reader about each suppressed cell, as LP bounds.

    single: every suppressed cell is >= lower (1 when zeros are always published).
    distinct: a cell shown "<5" is in [lower, threshold-1]; a cell shown with the other
    symbol is >= threshold."""
    lo = np.full(roles.shape, float(lower))
    hi = np.full(roles.shape, np.inf)
    if mode == "distinct":
        hi[roles == PRIMARY] = rules.threshold - 1
        lo[(roles == FORCED) | (roles == SECONDARY)] = rules.threshold
    return lo, hi


def suppressed_components(structure: TableStructure, suppressed: np.ndarray) -> list[list[int]]:
    """Groups of suppressed cells linked through lines. The feasible set is the product of
    the groups' feasible sets, so each group is its own (small) linear programme."""
    parent = {int(c): int(c) for c in np.flatnonzero(suppressed)}

    def find(c: int) -> int:
        while parent[c] != c:
            parent[c] = parent[parent[c]]
            c = parent[c]
        return c

    for comps, total in structure.lines:
        members = [c for c in (*comps, total) if c in parent]
        for a, b in itertools.pairwise(members):
            parent[find(a)] = find(b)
    groups: dict[int, list[int]] = {}
    for c in parent:
        groups.setdefault(find(c), []).append(c)
    return [sorted(g) for g in sorted(groups.values(), key=min)]


class _GroupLP:
    """The linear programme of one group of suppressed cells."""

    def __init__(
        self,
        structure: TableStructure,
        values: np.ndarray,
        group: list[int],
        var_lo: np.ndarray,
        var_hi: np.ndarray,
    ):
        self.pos = {c: k for k, c in enumerate(group)}
        rows: list[np.ndarray] = []
        rhs: list[float] = []
        for comps, total in structure.lines:
            if not any(c in self.pos for c in (*comps, total)):
                continue
            coef = np.zeros(len(group))
            b = 0.0
            for c in comps:
                if c in self.pos:
                    coef[self.pos[c]] += 1.0
                else:
                    b -= float(values[c])
            if total in self.pos:
                coef[self.pos[total]] -= 1.0
            else:
                b += float(values[total])
            rows.append(coef)
            rhs.append(b)
        self.a_eq = np.vstack(rows) if rows else None
        self.b_eq = np.asarray(rhs) if rows else None
        self.bounds = [
            (float(var_lo[c]), None if np.isinf(var_hi[c]) else float(var_hi[c])) for c in group
        ]

    def interval(self, cell: int, *, lazy: bool = False) -> tuple[float, float]:
        """[min, max] of a cell. With `lazy`, an unbounded maximum skips the minimum (the
        width is infinite whatever it is) and the minimum is reported as NaN."""
        obj = np.zeros(len(self.pos))
        obj[self.pos[cell]] = 1.0
        hi = -_solve(-obj, self.a_eq, self.b_eq, self.bounds)
        if lazy and np.isinf(hi):
            return np.nan, hi
        lo = _solve(obj, self.a_eq, self.b_eq, self.bounds)
        return lo, hi


Method = Literal["lp", "flow"]


def _group_solver(
    structure: TableStructure,
    values: np.ndarray,
    group: list[int],
    var_lo: np.ndarray,
    var_hi: np.ndarray,
    *,
    method: Method,
) -> _GroupLP | GroupFlow:
    if method == "flow":
        big = flow_ready(structure, values)
        arcs = network_arcs(structure)
        if big is not None and arcs is not None:
            return GroupFlow(arcs, values, group, var_lo, var_hi, big=big)
    return _GroupLP(structure, values, group, var_lo, var_hi)


def compute_bounds(
    structure: TableStructure,
    values: np.ndarray,
    suppressed: np.ndarray,
    var_lo: np.ndarray,
    var_hi: np.ndarray,
    *,
    lazy: bool = False,
    method: Method = "lp",
) -> tuple[np.ndarray, np.ndarray]:
    """Min and max of every suppressed cell given the published cells and all lines.

    Returns two arrays over all cells (NaN for published cells); an unbounded maximum is inf
    (and with `lazy` its minimum is not computed: NaN). `method="flow"` uses max-flow where
    the table is a network of integer counts (the same numbers, faster; flow.py).
    """
    lo_out = np.full(structure.n_cells, np.nan)
    hi_out = np.full(structure.n_cells, np.nan)
    for group in suppressed_components(structure, suppressed):
        lp = _group_solver(structure, values, group, var_lo, var_hi, method=method)
        for c in group:
            lo_out[c], hi_out[c] = lp.interval(c, lazy=lazy)
    return lo_out, hi_out


def cells_pass(
    structure: TableStructure,
    values: np.ndarray,
    roles: np.ndarray,
    cells: list[int],
    *,
    rules: DisclosureRules,
    mode: Mode,
    lower: float,
    budget: list[int] | None = None,
    method: Method = "lp",
) -> bool:
    """Do the groups holding `cells` all pass, on every value vector? Stops at the first
    failure (used to try removing a complementary cell). `budget` ([n]) caps the work: an
    interval by max-flow costs 1, by linprog LP_COST; when it runs out the answer is False
    (the cautious one)."""
    vals = np.atleast_2d(np.asarray(values, dtype=float))
    suppressed = roles != PUBLISHED
    var_lo, var_hi = variable_bounds(roles, rules, mode, lower)
    wanted = set(cells)
    groups = [g for g in suppressed_components(structure, suppressed) if wanted.intersection(g)]
    for t in range(vals.shape[0]):
        for group in groups:
            lp = _group_solver(structure, vals[t], group, var_lo, var_hi, method=method)
            # the given cells first: that is where a failure usually shows
            first = [c for c in dict.fromkeys(cells) if c in lp.pos]
            for c in first + [c for c in group if c not in wanted]:
                if budget is not None:
                    if budget[0] <= 0:
                        return False
                    budget[0] -= 1 if isinstance(lp, GroupFlow) else LP_COST
                lo, hi = lp.interval(c, lazy=True)
                if not protection_ok(lo, hi, int(roles[c]), rules=rules, mode=mode, lower=lower):
                    return False
    return True


def _solve(obj, a_eq, b_eq, bounds) -> float:
    res = linprog(obj, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
    if res.status == 3:  # unbounded: only possible for the maximum
        return -np.inf
    if res.status != 0:
        # the true values are always feasible, so this is a bug, not a data problem
        raise RuntimeError(f"disclosure audit: linear programme failed ({res.message})")
    return float(res.fun)


def protection_ok(
    lo: float, hi: float, role: int, *, rules: DisclosureRules, mode: Mode, lower: float
) -> bool:
    """The protection rule for one suppressed cell with LP interval [lo, hi].

    single: hi >= threshold (the reader cannot rule out a publishable count) and
    hi - lo >= protection_width. distinct: hi - lo >= distinct_width, for a cell shown "<5"
    at most the whole range it can have (threshold - 1 - lower).
    """
    width = np.inf if np.isinf(hi) else hi - lo
    if mode == "distinct":
        need = rules.distinct_width
        if role == PRIMARY:
            need = min(need, rules.threshold - 1 - lower)
        return width >= need - _EPS
    return hi >= rules.threshold - _EPS and width >= rules.protection_width - _EPS


def check_pattern(
    structure: TableStructure,
    values: np.ndarray,
    roles: np.ndarray,
    *,
    rules: DisclosureRules,
    mode: Mode,
    lower: float,
    lazy: bool = False,
    method: Method = "lp",
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Audit a pattern on one or more value vectors (shape (m, n) or (n,)).

    Returns (lower bounds, upper bounds, ok) with shape (m, n); published cells are ok.
    `lazy` skips minimums of cells whose maximum is unbounded (NaN then)."""
    vals = np.atleast_2d(np.asarray(values, dtype=float))
    suppressed = roles != PUBLISHED
    var_lo, var_hi = variable_bounds(roles, rules, mode, lower)
    m, n = vals.shape
    lo = np.full((m, n), np.nan)
    hi = np.full((m, n), np.nan)
    ok = np.ones((m, n), dtype=bool)
    for t in range(m):
        lo[t], hi[t] = compute_bounds(structure, vals[t], suppressed, var_lo, var_hi, lazy=lazy)
        for c in np.flatnonzero(suppressed):
            ok[t, c] = protection_ok(
                lo[t, c], hi[t, c], int(roles[c]), rules=rules, mode=mode, lower=lower
            )
    return lo, hi, ok


@dataclass(frozen=True)
class AuditResult:
    """Per suppressed cell: the LP interval a reader can derive, and whether it protects.

    `cells` holds true values of suppressed cells: it is for checking, never for publishing.
    """

    passed: bool
    cells: pl.DataFrame
    mode: Mode
    rule: str

    def failures(self) -> pl.DataFrame:
        """The suppressed cells that a reader can narrow too far."""
        return self.cells.filter(~pl.col("passed"))


def describe_rule(rules: DisclosureRules, mode: Mode, lower: float) -> str:
    """The protection rule in words (English, for logs and docs)."""
    if mode == "distinct":
        need = min(rules.distinct_width, rules.threshold - 1 - lower)
        return (
            f"cells shown '{rules.primary_symbol}' (known to lie in [{lower:g}, "
            f"{rules.threshold - 1}]): LP interval at least {need:g} wide; other suppressed "
            f"cells (known to be >= {rules.threshold}): at least {rules.distinct_width:g} wide"
        )
    return (
        f"every suppressed cell: LP upper bound >= {rules.threshold} and interval at least "
        f"{rules.protection_width:g} wide (lower bound known to the reader: {lower:g})"
    )


def audit_suppression(table: SuppressedTable) -> AuditResult:
    """Prove (or refute) that no suppressed cell of `table` can be recovered from the rest."""
    rules = table.rules
    lower = rules.lower_bound
    lo, hi, ok = check_pattern(
        table.structure, table.cell_counts, table.roles, rules=rules, mode=table.mode, lower=lower
    )
    keys = table.cells.select(table.key_columns() + ["cell_kind", table.count])
    frame = keys.with_columns(
        pl.Series("reason", [ROLE_NAMES.get(int(r)) for r in table.roles], dtype=pl.String),
        pl.Series("lower", lo[0]),
        pl.Series("upper", hi[0]),
        pl.Series("passed", ok[0]),
    ).filter(pl.col("reason").is_not_null())
    return AuditResult(
        passed=bool(ok.all()),
        cells=frame,
        mode=table.mode,
        rule=describe_rule(rules, table.mode, lower),
    )


def audit_values(
    structure: TableStructure,
    values: Sequence[float] | np.ndarray,
    suppressed: Sequence[bool] | np.ndarray,
    rules: DisclosureRules,
    *,
    mode: Mode = "single",
    lower: float | None = None,
) -> tuple[np.ndarray, np.ndarray, bool]:
    """Audit a bare pattern: suppressed cells not below the threshold count as secondary."""
    vals = np.asarray(values, dtype=float)
    sup = np.asarray(suppressed, dtype=bool)
    small = np.array([rules.is_small(float(v)) for v in vals])
    roles = np.where(sup, np.where(small, PRIMARY, SECONDARY), PUBLISHED).astype(np.int8)
    low = rules.lower_bound if lower is None else lower
    lo, hi, ok = check_pattern(structure, vals, roles, rules=rules, mode=mode, lower=low)
    return lo[0], hi[0], bool(ok.all())
