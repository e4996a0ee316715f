"""Benchmark harness: run a step in a fresh subprocess, repeat, report median/min/max and peak RSS.

Each step runs as `python -c <code>` so its peak resident memory is exactly the child's
(`os.wait4` rusage), not the harness's.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Measurement:
    """Timings (seconds) and peak memory (MiB) of repeated runs of one step."""

    step: str
    scale: str
    repeats: int
    median_s: float
    min_s: float
    max_s: float
    peak_rss_mib: float
    extra: dict

    def row(self) -> str:
        extra = ", ".join(f"{k} {v}" for k, v in self.extra.items())
        return (
            f"| {self.step} | {self.scale} | {self.median_s:.2f} "
            f"| {self.min_s:.2f}–{self.max_s:.2f} | {self.peak_rss_mib:.0f} | {extra} |"
        )


def run_once(code: str, env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """Run python code in a child process; return (seconds, peak RSS MiB, stdout)."""
    import tempfile

    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-c", code],
            cwd=ROOT,
            env={**os.environ, **(env or {})},
            stdout=out,
            stderr=err,
            text=True,
        )
        # Reap the child ourselves: wait4 gives this child's own peak resident memory.
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            raise RuntimeError(f"benchmark step failed ({proc.returncode}): {err.read()[-2000:]}")
        return seconds, usage.ru_maxrss / 1024, out.read()


def measure(step: str, scale: str, code: str, repeats: int = 3, env=None) -> Measurement:
    """Repeat a step; the child's last stdout line may hold a JSON dict of extra figures."""
    times, peaks, extra = [], [], {}
    for _ in range(repeats):
        seconds, peak, out = run_once(code, env)
        times.append(seconds)
        peaks.append(peak)
        lines = [ln for ln in out.strip().splitlines() if ln.startswith("{")]
        if lines:
            extra = json.loads(lines[-1])
    return Measurement(
        step, scale, repeats, statistics.median(times), min(times), max(times), max(peaks), extra
    )


def machine_description() -> str:
    """One line about the machine the numbers come from."""
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, {mem:.0f} GiB, "
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}"
    )


def save(measurements: list[Measurement], path: Path) -> None:
    """Keep the raw results next to the docs table (JSON)."""
    path.write_text(
        json.dumps([asdict(m) for m in measurements], indent=2, ensure_ascii=False), "utf-8"
    )
