"""Run directories: where provisioned servers keep their files, reaped after a crash.

Every server Parity starts (a local ``mariadbd``'s data dir and socket, moto's log, an
app's log) lives in a directory of its own under ``<tmp>/parity-runs/``, holding an
``owner.json`` marker: the pid of the process that made it, that process's start time
(so a reused pid is not mistaken for the owner) and the pids of the servers started in
it. A clean stop removes the directory. A run killed with SIGKILL cannot, so each new run
reaps first: a directory whose owner is gone has its recorded servers killed (only if the
process with that pid still has the directory as its ``PARITY_RUN_DIR``, so only what
Parity started) and is removed. Directories marked ``kept`` (a failed run's log, kept on purpose
and named in its output) and anything without a readable marker are left alone.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "ENV",
    "Reaped",
    "mark_kept",
    "new_run_dir",
    "reap",
    "record_pid",
    "runs_parent",
    "server_env",
]

MARKER = "owner.json"


def runs_parent() -> Path:
    """``<tmp>/parity-runs`` (under /tmp when TMPDIR is too long for a unix socket path)."""
    base = Path(tempfile.gettempdir())
    if len(str(base)) > 40 and Path("/tmp").is_dir():  # noqa: S108 - socket path limit
        base = Path("/tmp")  # noqa: S108
    return base / "parity-runs"


def _start_time(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (field 22 of /proc/<pid>/stat),
    or None if there is no such process or no /proc."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[-1].split()
    if len(fields) < 20 or fields[0] in ("Z", "X"):
        return None  # a zombie has finished
    return fields[19]


def _alive(pid: int, start: str | None) -> bool:
    """Whether the process that wrote a marker still runs."""
    if Path("/proc").is_dir():
        now = _start_time(pid)
        return now is not None and (start is None or now == start)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def new_run_dir(kind: str, parent: Path | None = None) -> Path:
    """A new directory for one server of ``kind``, marked as this process's; reaps first."""
    parent = runs_parent() if parent is None else parent
    reap(parent)
    parent.mkdir(parents=True, exist_ok=True)
    path = parent / f"{kind}-{os.getpid()}-{secrets.token_hex(3)}"
    path.mkdir()
    _write_marker(path, {"pid": os.getpid(), "start": _start_time(os.getpid()), "servers": []})
    return path


def record_pid(path: Path, pid: int) -> None:
    """Note that server ``pid`` was started in ``path`` (killed by a reap if orphaned)."""
    marker = _read_marker(path)
    if marker is not None:
        servers = marker.get("servers")
        marker["servers"] = [*(servers if isinstance(servers, list) else []), pid]
        _write_marker(path, marker)


def mark_kept(path: Path) -> None:
    """Keep ``path`` past its run (a failed run's evidence): no reap removes it."""
    marker = _read_marker(path)
    if marker is not None:
        marker["kept"] = True
        _write_marker(path, marker)


@dataclass(frozen=True)
class Reaped:
    """What one reap did."""

    removed: tuple[Path, ...]
    killed: tuple[int, ...]


def reap(parent: Path | None = None) -> Reaped:
    """Remove every run directory under ``parent`` whose owner is gone, killing the
    servers recorded in it that still run from it."""
    parent = runs_parent() if parent is None else parent
    removed: list[Path] = []
    killed: list[int] = []
    try:
        children = sorted(parent.iterdir())
    except OSError:
        return Reaped((), ())
    for path in children:
        marker = _read_marker(path)
        if marker is None or marker.get("kept") or not isinstance(marker.get("pid"), int):
            continue
        start = marker.get("start")
        if _alive(marker["pid"], start if isinstance(start, str) else None):
            continue
        servers = marker.get("servers")
        for pid in servers if isinstance(servers, list) else []:
            if isinstance(pid, int) and _runs_from(pid, path):
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
                    killed.append(pid)
        shutil.rmtree(path, ignore_errors=True)
        if not path.exists():
            removed.append(path)
    return Reaped(tuple(removed), tuple(killed))


ENV = "PARITY_RUN_DIR"
"""Set in every server's environment to its run directory (how a reap knows it is ours)."""


def server_env(path: Path) -> dict[str, str]:
    """The environment to start a server of run directory ``path`` with."""
    return {**os.environ, ENV: str(path)}


def _runs_from(pid: int, path: Path) -> bool:
    """Whether process ``pid`` runs with ``path`` as its run directory (in its environment
    or on its command line): a reused pid of someone else's process never matches."""
    named = str(path).encode()
    found = False
    for part in ("environ", "cmdline"):
        with contextlib.suppress(OSError):
            found = found or named in Path(f"/proc/{pid}/{part}").read_bytes()
    return found and _start_time(pid) is not None


def _read_marker(path: Path) -> dict[str, Any] | None:
    try:
        marker = json.loads((path / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return marker if isinstance(marker, dict) else None


def _write_marker(path: Path, marker: dict[str, Any]) -> None:
    partial = path / (MARKER + ".tmp")
    partial.write_text(json.dumps(marker), encoding="utf-8")
    partial.replace(path / MARKER)
