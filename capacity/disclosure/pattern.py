"""Secondary (complementary) suppression: choose extra cells until the LP audit passes.

1. Primary cells are suppressed.
2. Lines are closed to a fixed point: every line (components + total) that holds exactly
   one suppressed cell gets a second one, the cheapest candidate: a component before the
   line's total, a cell whose other line already holds a suppressed cell (this builds the
   rectangles of the hypercube method), then the smallest value. Zero cells are never
   complements (they are published, and a zero cannot move down to hide anything).
3. The LP audit runs; for each cell that a reader can still narrow too far, every line
   through it gets one more complement, and we go back to 2.
4. Once the audit passes, complements are published again one by one, largest first,
   wherever the audit of the cells around them still passes without them (within a work
   budget, protection.prune_budget, so big tables stay fast).
The search computes intervals by max-flow where it can (flow.py); the pattern it returns has
passed the linear programme.
It ends because every round suppresses at least one more cell, and a table with every
non-zero cell suppressed passes in "single" mode (every cell can grow without bound). A
"distinct" display ("<5" on primary cells) reveals upper bounds, so it can be unprotectable;
then the table falls back to "single".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from capacity.disclosure.audit import (
    FORCED,
    PRIMARY,
    PUBLISHED,
    SECONDARY,
    Method,
    TableStructure,
    cells_pass,
    check_pattern,
)
from capacity.disclosure.rules import DisclosureRules, Mode


@dataclass(frozen=True)
class Pattern:
    """The chosen suppression: a role per cell and the display mode it was audited for."""

    roles: np.ndarray
    mode: Mode
    passed: bool

    @property
    def suppressed(self) -> np.ndarray:
        return self.roles != PUBLISHED


def find_pattern(
    structure: TableStructure,
    values: np.ndarray,
    small: np.ndarray,
    forced: np.ndarray,
    rules: DisclosureRules,
    *,
    mode: Mode,
    lower: float,
    secondary: bool = True,
    method: Method = "flow",
) -> Pattern:
    """Roles for all cells so that every suppressed cell passes the audit on every value
    vector (values has shape (m, n): m tables sharing one pattern, e.g. years)."""
    vals = np.atleast_2d(np.asarray(values, dtype=float))
    roles = np.full(structure.n_cells, PUBLISHED, dtype=np.int8)
    roles[forced] = FORCED
    roles[small] = PRIMARY
    if not secondary:
        _, _, ok = check_pattern(structure, vals, roles, rules=rules, mode=mode, lower=lower)
        return Pattern(roles, mode, bool(ok.all()))
    chooser = _Chooser(structure, vals, method)
    for _ in range(structure.n_cells + 2):
        chooser.close_lines(roles)
        _, _, ok = check_pattern(
            structure, vals, roles, rules=rules, mode=mode, lower=lower, lazy=True, method=method
        )
        failing = np.flatnonzero(~ok.all(axis=0))
        if failing.size == 0:
            chooser.prune(roles, rules=rules, mode=mode, lower=lower)
            # the search may use max-flow; the linear programme has the last word
            _, _, ok = check_pattern(structure, vals, roles, rules=rules, mode=mode, lower=lower)
            if ok.all():
                return Pattern(roles, mode, True)
            if method != "lp":
                return find_pattern(
                    structure, vals, small, forced, rules, mode=mode, lower=lower, method="lp"
                )
            failing = np.flatnonzero(~ok.all(axis=0))
        if not chooser.repair(roles, failing):
            break
    if mode == "distinct":
        return find_pattern(
            structure, vals, small, forced, rules, mode="single", lower=lower, method=method
        )
    # unreachable in single mode (all non-zero cells suppressed is always safe); say so loudly
    raise RuntimeError("secondary suppression found no safe pattern")


class _Chooser:
    """Picks complementary cells."""

    def __init__(self, structure: TableStructure, vals: np.ndarray, method: Method):
        self.s = structure
        self.vals = vals
        self.method = method
        self.cell_lines = structure.cell_lines()
        self.members = [(*comps, total) for comps, total in structure.lines]
        self.totals = [total for _, total in structure.lines]
        self.weight = vals.sum(axis=0)  # several vectors: the cost of hiding the whole series
        self.eligible = self.weight > 0

    def _candidate(self, li: int, roles: np.ndarray) -> int | None:
        best: tuple | None = None
        for c in self.members[li]:
            if roles[c] != PUBLISHED or not self.eligible[c]:
                continue
            aligned = any(
                lj != li and any(roles[d] != PUBLISHED for d in self.members[lj])
                for lj in self.cell_lines[c]
            )
            key = (c == self.totals[li], not aligned, float(self.weight[c]), c)
            if best is None or key < best:
                best = key
        return None if best is None else int(best[-1])

    def close_lines(self, roles: np.ndarray) -> None:
        """Until no line holds exactly one suppressed cell (when a candidate exists)."""
        changed = True
        while changed:
            changed = False
            for li, members in enumerate(self.members):
                if sum(roles[c] != PUBLISHED for c in members) != 1:
                    continue
                cand = self._candidate(li, roles)
                if cand is not None:
                    roles[cand] = SECONDARY
                    changed = True

    def repair(self, roles: np.ndarray, failing: np.ndarray) -> bool:
        """One more complement in every line through every failing cell; False if none left."""
        added = False
        for cell in failing:
            for li in self.cell_lines[int(cell)]:
                cand = self._candidate(li, roles)
                if cand is not None:
                    roles[cand] = SECONDARY
                    added = True
        if not added:
            rest = np.flatnonzero((roles == PUBLISHED) & self.eligible)
            if rest.size:
                roles[rest[np.argmin(self.weight[rest])]] = SECONDARY
                added = True
        return added

    def prune(
        self, roles: np.ndarray, *, rules: DisclosureRules, mode: Mode, lower: float
    ) -> None:
        """Publish again every complementary cell the pattern can do without, largest first
        (the greedy rounds over-suppress; this roughly halves the complements)."""
        order = sorted(np.flatnonzero(roles == SECONDARY), key=lambda c: (-self.weight[c], c))
        budget = [rules.prune_budget]  # work units: deterministic, unlike a time limit
        for cell in order:
            if budget[0] <= 0:
                return
            roles[cell] = PUBLISHED
            lines = self.cell_lines[int(cell)]
            counts = [sum(roles[d] != PUBLISHED for d in self.members[li]) for li in lines]
            neighbours = [
                int(d) for li in lines for d in self.members[li] if roles[d] != PUBLISHED
            ]
            if 1 in counts or (
                neighbours
                and not cells_pass(
                    self.s,
                    self.vals,
                    roles,
                    neighbours,
                    rules=rules,
                    mode=mode,
                    lower=lower,
                    budget=budget,
                    method=self.method,
                )
            ):
                roles[cell] = SECONDARY
