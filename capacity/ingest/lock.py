"""One writer at a time: a cross-process lock next to the database, naming its holder.

DuckDB itself lets only one process open a file read-write, but its error ("Could not set
lock") says nothing useful to an analyst. ``<db>.lock`` is held with flock for the whole
ingest and holds who holds it, so a second writer is told who to wait for. The operating
system drops the lock when the holder dies, so a crash never leaves a stale lock.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from capacity.errors import WriterLockedError


def lock_path(db: Path) -> Path:
    return db.with_name(db.name + ".lock")


def _holder_text(path: Path) -> str:
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
        return (
            f"PID {info.get('pid')} on {info.get('host')}, command "
            f"'{info.get('command')}', started {info.get('started')}"
        )
    except (OSError, ValueError, AttributeError):
        return "a process that has not written its details yet"


@contextmanager
def writer_lock(db: Path, command: str | None = None) -> Iterator[Path]:
    """Hold the writer lock for ``db``; raise WriterLockedError naming the holder if taken."""
    path = lock_path(db)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise WriterLockedError(
                f"Another ingest is writing to {db}: {_holder_text(path)}. Wait for it to "
                "finish (or stop that process) and run again."
            ) from None
        info = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "command": command or " ".join(["capacity", *sys.argv[1:]])[:200],
            "started": datetime.now().isoformat(timespec="seconds"),
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(info).encode("utf-8"), 0)
        yield path
    finally:
        # Closing the descriptor releases the flock.
        os.close(fd)


def friendly_duckdb_lock_error(db: Path, message: str) -> WriterLockedError:
    """Translate DuckDB's 'Could not set lock' into a message an analyst can act on."""
    m = re.search(r"PID (\d+)", message)
    who = f"process {m.group(1)}" if m else "another process"
    return WriterLockedError(
        f"The database {db} is open in {who} (often a JupyterLab kernel or another notebook "
        "with a read-write connection). Close that kernel or connection and run again."
    )
