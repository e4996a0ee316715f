"""Length of stay: a Kaplan-Meier curve (lifelines) with an exponential tail, and sampling.

Durations are days in care with both ends counted (as the metrics count person-days).
The curve is estimated from a recent period window ("period" estimate: only time at risk
inside the window counts, through delayed entry), so a change in how long people stay shows
up within a few years instead of being diluted by old episodes. Beyond the longest observed
duration the curve continues with a constant hazard estimated from the long stays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from lifelines import KaplanMeierFitter

DAYS_PER_YEAR = 365.25


@dataclass(frozen=True)
class SurvivalCurve:
    """S(t) as a right-continuous step function on `times` (days) plus a tail hazard."""

    times: np.ndarray  # ascending, starts at 0
    surv: np.ndarray  # non-increasing, surv[0] == 1
    tail_rate: float  # per day, used beyond times[-1]
    n_events: int
    n_episodes: int

    def survival_at(self, t: np.ndarray) -> np.ndarray:
        """S(t) for durations t (days), tail included."""
        t = np.asarray(t, dtype=float)
        idx = np.searchsorted(self.times, t, side="right") - 1
        s = self.surv[np.clip(idx, 0, self.surv.size - 1)]
        beyond = t > self.times[-1]
        return np.where(beyond, self.surv[-1] * np.exp(-self.tail_rate * (t - self.times[-1])), s)

    def sample(self, u: np.ndarray, elapsed: np.ndarray | float = 0.0) -> np.ndarray:
        """Durations D (days) with D > elapsed, by inverse transform of u ~ U(0, 1).

        `elapsed` is the time already spent (current residents); pass 0 for new entrants.
        The inverse is read from a fine table on the log-survival scale (O(1) per draw).
        """
        elapsed = np.asarray(elapsed, dtype=float)
        s_elapsed = (
            self.survival_at(elapsed) if elapsed.ndim else self.survival_at(np.array([elapsed]))[0]
        )
        target = np.asarray(u, dtype=float) * s_elapsed
        d = self._inverse(target)
        # a step that lands on or before elapsed can only come from table rounding
        return np.maximum(d, np.floor(elapsed) + 1.0)

    def _inverse(self, target: np.ndarray) -> np.ndarray:
        """Smallest duration with S <= target; the constant-hazard tail below S(t_last)."""
        table, step = self._inverse_table()
        s_last = self.surv[-1]
        neglog = -np.log(np.maximum(target, 1e-300))
        in_curve = target >= s_last
        idx = np.minimum((neglog / step).astype(np.int64), table.size - 1)
        d_curve = table[idx]
        d_tail = self.times[-1] + (neglog + np.log(s_last)) / self.tail_rate
        return np.where(in_curve, d_curve, d_tail)

    def _inverse_table(self, size: int = 16384) -> tuple[np.ndarray, float]:
        cached = self.__dict__.get("_table")
        if cached is not None:
            return cached
        span = -np.log(max(self.surv[-1], 1e-12))
        step = max(span, 1e-9) / (size - 1)
        levels = np.exp(-step * np.arange(size))
        idx = np.searchsorted(-self.surv, -levels, side="left")
        table = self.times[np.minimum(idx, self.surv.size - 1)]
        object.__setattr__(self, "_table", (table, step))
        return table, step

    def mean_days(self) -> float:
        """Mean length of stay in days (area under the curve, tail included)."""
        widths = np.diff(self.times)
        area = float(np.sum(widths * self.surv[:-1]))
        return area + float(self.surv[-1]) / self.tail_rate


def fit_survival(
    durations: np.ndarray,
    events: np.ndarray,
    entry: np.ndarray | None = None,
    *,
    tail_quantile: float = 0.5,
    min_tail_rate: float = 1.0 / (30 * DAYS_PER_YEAR),
) -> SurvivalCurve:
    """Kaplan-Meier (lifelines) with delayed entry, plus a constant-hazard tail.

    The tail hazard is events / time at risk beyond the `tail_quantile` of observed
    durations: a constant hazard for long stays, the usual assumption when extrapolating.
    """
    durations = np.asarray(durations, dtype=float)
    events = np.asarray(events, dtype=bool)
    entry = np.zeros_like(durations) if entry is None else np.asarray(entry, dtype=float)
    if durations.size == 0 or not events.any():
        # no exits observed: the only honest statement is "long"; use the floor hazard
        return SurvivalCurve(
            times=np.array([0.0]),
            surv=np.array([1.0]),
            tail_rate=min_tail_rate,
            n_events=0,
            n_episodes=int(durations.size),
        )
    entry = np.minimum(entry, durations - 1e-6)
    kmf = KaplanMeierFitter().fit(durations, events, entry=entry)
    sf = kmf.survival_function_
    times = sf.index.to_numpy(dtype=float)
    surv = sf.iloc[:, 0].to_numpy(dtype=float)
    surv = np.minimum.accumulate(np.clip(surv, 0.0, 1.0))
    if times[0] > 0:
        times = np.concatenate([[0.0], times])
        surv = np.concatenate([[1.0], surv])
    surv[0] = 1.0
    t_q = float(np.quantile(durations, tail_quantile))
    at_risk = np.clip(durations - np.maximum(entry, t_q), 0.0, None)
    tail_events = int(np.sum(events & (durations > t_q)))
    exposure = float(at_risk.sum())
    if tail_events == 0 or exposure <= 0:
        tail_events = int(events.sum())
        exposure = float(np.clip(durations - entry, 0.0, None).sum())
    tail_rate = max(tail_events / exposure if exposure > 0 else 0.0, min_tail_rate)
    if surv[-1] <= 0:
        # everyone observed has left: the tail is never used, keep a tiny positive floor so
        # sampling stays defined
        surv[-1] = 1e-12
    return SurvivalCurve(
        times=times,
        surv=surv,
        tail_rate=tail_rate,
        n_events=int(events.sum()),
        n_episodes=int(durations.size),
    )
