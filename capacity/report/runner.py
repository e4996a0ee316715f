"""Run the report: execute every page notebook with Papermill, export HTML, write the index.

Kernels run in at most two worker processes (2-core machines; Papermill's ZMQ port race), each
page gets one retry when its kernel fails to start, and nothing is written into notebooks/.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import subprocess
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from capacity.config import NOTEBOOK_DIR, PROJECT_ROOT, db_path, load_conf, reports_dir

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PageSpec:
    """One page of the run: a notebook executed with one parameter set."""

    notebook: str
    slug: str
    title: str
    parameters: dict[str, Any] = field(default_factory=dict)
    kind: str = "page"  # page (HTML report page) | slides (reveal.js)
    stage: int = 1  # pages of a later stage start when every page of earlier stages is done


@dataclass
class PageResult:
    """How one page went."""

    slug: str
    title: str
    status: str  # ok | failed
    seconds: float
    html: str | None = None
    error: str | None = None
    attempts: int = 1


@dataclass
class RunResult:
    """How the run went; `ok` is False when any page failed or publication checks found a leak."""

    run_dir: Path
    pages: list[PageResult]
    seconds: float
    findings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(p.status == "ok" for p in self.pages) and not self.findings

    @property
    def index_html(self) -> Path:
        return self.run_dir / "index.html"


def git_sha() -> str:
    """Short git sha of the working tree (``nogit`` outside a repository)."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short=8", "HEAD"],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        return out.stdout.strip() or "nogit"
    except (OSError, subprocess.CalledProcessError):
        return "nogit"


def new_run_dir(base: Path | None = None, now: datetime | None = None) -> Path:
    """Create ``reports/<YYYYmmdd-HHMM>-<gitsha>/`` (suffixed when that minute is taken)."""
    base = base or reports_dir()
    stem = f"{(now or datetime.now()):%Y%m%d-%H%M}-{git_sha()}"
    candidate, n = base / stem, 1
    while candidate.exists():
        n += 1
        candidate = base / f"{stem}-{n}"
    candidate.mkdir(parents=True)
    return candidate


def expand_pages(conf: dict[str, Any] | None = None) -> list[PageSpec]:
    """The run's pages from capacity/conf/report.yaml, fanned out over groups/municipalities."""
    from capacity.config import municipalities

    conf = conf or load_conf("report")
    pages: list[PageSpec] = []
    for entry in conf["pages"]:
        foreach = entry.get("foreach")
        kind = entry.get("kind", "page")
        stage = int(entry.get("stage", 1))
        if foreach is None:
            pages.append(
                PageSpec(entry["notebook"], entry["slug"], entry["title"], kind=kind, stage=stage)
            )
            continue
        if foreach == "target_groups":
            # one page per analysis group; X (øvrige) is shown on the overview, not forecast
            tg = load_conf("target_groups")
            other = tg.get("other_group", "X")
            items = {g: spec["label"] for g, spec in tg["groups"].items() if g != other}
        elif foreach == "municipalities":
            items = municipalities()
        else:
            raise ValueError(f"report.yaml: unknown foreach '{foreach}'")
        for key, label in items.items():
            pages.append(
                PageSpec(
                    entry["notebook"],
                    f"{entry['slug']}-{key}".lower(),
                    entry["title"].format(id=key, label=label),
                    {entry["as"]: key},
                    kind,
                    stage,
                )
            )
    return pages


def _is_kernel_start_failure(exc: BaseException) -> bool:
    text = f"{type(exc).__name__}: {exc}"
    return any(
        s in text
        for s in ("Kernel didn't respond", "Address already in use", "ZMQError", "kernel died")
    )


# One kernel per worker process, reused for every page the worker runs: starting a kernel
# and importing the library costs 4-6 s, several times a profile page's own work.
_KERNEL: Any = None
RESET_TAG = "km-reset"


def _worker_kernel(cwd: str, start_timeout: int) -> Any:
    """This worker's running kernel (started on first use, replaced when it died)."""
    global _KERNEL  # noqa: PLW0603 - one kernel per worker process by design
    import atexit

    from jupyter_client.manager import KernelManager

    class _ReusedKernel(KernelManager):
        # nbclient opens a client per page and leaves it open on a kernel it does not own:
        # remember them so the runner can close them after each page.
        def client(self, **kwargs: Any) -> Any:
            kc = super().client(**kwargs)
            self.page_clients.append(kc)
            return kc

    if _KERNEL is not None and _KERNEL.is_alive():
        return _KERNEL
    km = _ReusedKernel(kernel_name="python3")
    km.page_clients = []
    km.start_kernel(cwd=cwd)
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=start_timeout)
    finally:
        _close_clients(km)
    atexit.register(km.shutdown_kernel, now=True)
    _KERNEL = km
    return km


def _close_clients(km: Any) -> None:
    while km.page_clients:
        kc = km.page_clients.pop()
        kc.stop_channels()
        kc.context.destroy(linger=0)


def _drop_kernel() -> None:
    global _KERNEL  # noqa: PLW0603
    if _KERNEL is not None:
        try:
            _KERNEL.shutdown_kernel(now=True)
        except Exception:  # already gone
            pass
        _KERNEL = None


def _with_reset(nb: Any) -> Any:
    # A reused kernel starts each page with an empty namespace (imports stay cached).
    import nbformat

    reset = nbformat.v4.new_code_cell('get_ipython().run_line_magic("reset", "-f")')
    reset.metadata["tags"] = [RESET_TAG]
    nb.cells.insert(0, reset)
    return nb


def execute_page(
    spec: PageSpec, run_dir: str, start_timeout: int, cell_timeout: int, retries: int
) -> PageResult:
    """Execute one page notebook with Papermill and export its HTML (runs in a worker process)."""
    import jupytext
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    from capacity.report.export import export_html, export_slides

    t0 = time.perf_counter()
    out_dir = Path(run_dir)
    executed = out_dir / "notebooks" / f"{spec.slug}.ipynb"
    executed.parent.mkdir(parents=True, exist_ok=True)
    attempt = 0
    while True:
        attempt += 1
        nb = _with_reset(jupytext.read(NOTEBOOK_DIR / spec.notebook))
        nb.metadata["kernelspec"] = {
            "name": "python3",
            "display_name": "Python 3",
            "language": "python",
        }
        try:
            km = _worker_kernel(str(out_dir), start_timeout)
            pm.execute_notebook(
                nb,
                str(executed),
                parameters=spec.parameters,
                kernel_name="python3",
                km=km,
                progress_bar=False,
                log_output=False,
                start_timeout=start_timeout,
                execution_timeout=cell_timeout,
                cwd=str(out_dir),
            )
            _close_clients(km)
            break
        except PapermillExecutionError as exc:
            _close_clients(km)
            return PageResult(
                spec.slug, spec.title, "failed", time.perf_counter() - t0,
                error=f"{exc.ename} in cell {exc.exec_count}: {exc.evalue}", attempts=attempt,
            )  # fmt: skip
        except Exception as exc:  # kernel start / transport problems
            _drop_kernel()
            if attempt <= retries and _is_kernel_start_failure(exc):
                log.warning("kernel for %s failed to start; retrying once", spec.slug)
                continue
            return PageResult(
                spec.slug, spec.title, "failed", time.perf_counter() - t0,
                error=f"{type(exc).__name__}: {exc}", attempts=attempt,
            )  # fmt: skip
    html = out_dir / f"{spec.slug}.html"
    (export_slides if spec.kind == "slides" else export_html)(executed, html, spec.title)
    return PageResult(
        spec.slug, spec.title, "ok", time.perf_counter() - t0, html=html.name, attempts=attempt
    )


def _kernel_environment(run_dir: Path, db: Path) -> None:
    # Kernels inherit the parent's environment: this is how notebooks find the database and
    # the run folder without file paths in the notebooks.
    os.environ["CAPACITY_DB"] = str(db.resolve())
    os.environ["CAPACITY_RUN_DIR"] = str(run_dir.resolve())
    os.environ["PLOTLY_RENDERER"] = "notebook"
    if Path("/usr/bin/chromium").exists():
        os.environ.setdefault("BROWSER_PATH", "/usr/bin/chromium")


def _run_stage(
    pool: ProcessPoolExecutor,
    pages: list[PageSpec],
    *,
    run_dir: Path,
    ex: dict[str, Any],
    workers: int,
    on_page_done: Callable[[PageResult], None] | None,
) -> dict[str, PageResult]:
    """Execute one stage's pages in the pool, under a wall-clock guard."""
    results: dict[str, PageResult] = {}
    guard = float(ex["page_timeout"]) * max(1, -(-len(pages) // workers))
    futures = {
        pool.submit(
            execute_page, spec, str(run_dir), int(ex["start_timeout"]),
            int(ex["cell_timeout"]), int(ex["kernel_start_retries"]),
        ): spec
        for spec in pages
    }  # fmt: skip
    pending = set(futures)
    deadline = time.monotonic() + guard
    while pending:
        done, pending = wait(
            pending, timeout=max(0.0, deadline - time.monotonic()), return_when=FIRST_COMPLETED
        )
        if not done:  # wall-clock guard hit: give up on what is still running
            for fut in pending:
                spec = futures[fut]
                fut.cancel()
                results[spec.slug] = PageResult(
                    spec.slug, spec.title, "failed", guard, error="timed out"
                )
            for proc in list(getattr(pool, "_processes", {}).values()):
                proc.terminate()
            break
        for fut in done:
            spec = futures[fut]
            try:
                res = fut.result()
            except Exception as exc:  # a crashed worker process
                res = PageResult(spec.slug, spec.title, "failed", 0.0, error=repr(exc))
            results[spec.slug] = res
            if on_page_done:
                on_page_done(res)
    return results


def run_report(
    db: Path | None = None,
    out: Path | None = None,
    *,
    pages: list[PageSpec] | None = None,
    on_page_done: Callable[[PageResult], None] | None = None,
) -> RunResult:
    """Execute all report pages into a new run folder and write index.html and summary.json."""
    from capacity.disclosure import scan_run_folder
    from capacity.report.annex import write_annex
    from capacity.report.index import write_index, write_run_summary

    t0 = time.perf_counter()
    conf = load_conf("report")
    ex = conf["execution"]
    db = Path(db) if db else db_path()
    run_dir = new_run_dir(out)
    pages = pages if pages is not None else expand_pages(conf)
    _kernel_environment(run_dir, db)
    results: dict[str, PageResult] = {}
    workers = max(1, min(int(ex["workers"]), os.cpu_count() or 1, 2))
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        for stage in sorted({p.stage for p in pages}):
            batch = [p for p in pages if p.stage == stage]
            results.update(
                _run_stage(
                    pool, batch, run_dir=run_dir, ex=ex, workers=workers, on_page_done=on_page_done
                )
            )
    ordered = [results[p.slug] for p in pages]
    result = RunResult(run_dir=run_dir, pages=ordered, seconds=time.perf_counter() - t0)
    write_annex(run_dir, [p.slug for p in pages], {p.slug: p.title for p in pages})
    summary = write_run_summary(result, db, conf)
    write_index(result, summary, conf)
    # Last step: nothing leaves the workbench with a small count, a CPR number or the key in it.
    result.findings = [
        f"{f.file}: {f.location} ({f.kind}: {f.description})" for f in scan_run_folder(run_dir)
    ]
    result.seconds = time.perf_counter() - t0
    (run_dir / "run.json").write_text(
        json.dumps(
            {
                "run_dir": run_dir.name,
                "seconds": round(result.seconds, 1),
                "pages": [asdict(p) for p in ordered],
                "publication_findings": result.findings,
            },
            ensure_ascii=False,
            indent=2,
        ),
        encoding="utf-8",
    )
    return result
