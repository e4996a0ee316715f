"""Benchmark harness: run a step in a fresh subprocess, repeat, report median/min/max and peak RSS.

Each step runs as `python -c <code>`. Its peak memory is the larger of
- the child's own high-water mark (VmHWM, read by the child as it exits): exact for one
  process. (`wait4`'s ru_maxrss is not: Linux carries the parent's RSS at fork over the exec.)
- the sum of resident memory over the child and all its descendants, sampled every 0.1 s:
  the report step runs the CLI and Jupyter kernels side by side, and their sum is what the
  machine must hold.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STEPS = ("ingest", "raw_read_csv", "metrics", "forecast", "report")


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


_HWM_MARK = "__benchmark_vmhwm_kib__"
_REPORT_HWM = f"""
import atexit as _atexit, sys as _sys
def _report_hwm():
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                _sys.stderr.write("\\n{_HWM_MARK} " + line.split()[1] + "\\n")
_atexit.register(_report_hwm)
"""
_PAGE = os.sysconf("SC_PAGE_SIZE")


def tree_rss_bytes(pid: int) -> int:
    """Resident bytes of a process and all its descendants (0 once it is gone)."""
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        try:
            with open(f"/proc/{p}/statm") as fh:
                total += int(fh.read().split()[1]) * _PAGE
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as fh:
                    stack += [int(c) for c in fh.read().split()]
        except (FileNotFoundError, ProcessLookupError, ValueError):
            continue
    return total


def run_once(code: str, env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """Run python code in a child process; return (seconds, peak RSS MiB, stdout)."""
    import tempfile

    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-c", _REPORT_HWM + code],
            cwd=ROOT,
            env={**os.environ, **(env or {})},
            stdout=out,
            stderr=err,
            text=True,
        )
        done = threading.Event()
        peak_tree = [0]

        def sample() -> None:
            while not done.wait(0.1):
                peak_tree[0] = max(peak_tree[0], tree_rss_bytes(proc.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        proc.wait()
        seconds = time.perf_counter() - t0
        done.set()
        sampler.join()
        out.seek(0)
        err.seek(0)
        stderr = err.read()
        if proc.returncode != 0:
            raise RuntimeError(f"benchmark step failed ({proc.returncode}): {stderr[-2000:]}")
        own = [ln.split()[1] for ln in stderr.splitlines() if ln.startswith(_HWM_MARK)]
        own_mib = int(own[-1]) / 1024 if own else 0.0
        return seconds, max(own_mib, peak_tree[0] / 2**20), out.read()


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


def load(path: Path) -> list[Measurement]:
    """Measurements saved by `save`."""
    return [Measurement(**m) for m in json.loads(path.read_text("utf-8"))]


def merge(old: list[Measurement], new: list[Measurement]) -> list[Measurement]:
    """``old`` with every (step, scale) that ``new`` measured replaced, in scale order."""
    fresh = {(m.step, m.scale) for m in new}
    kept = [m for m in old if (m.step, m.scale) not in fresh] + new
    order = {s: i for i, s in enumerate(STEPS)}
    return sorted(kept, key=lambda m: (int(m.scale.rstrip("x")), order.get(m.step, len(order))))
