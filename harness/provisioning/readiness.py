"""Readiness polling with a deadline, free loopback ports, and log tails for error messages."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path

POLL_INTERVAL = 0.05


class NotReady(Exception):
    """Polling ended without success: the process died or the deadline passed."""

    def __init__(self, reason: str, last_error: str, elapsed: float) -> None:
        super().__init__(reason, last_error, elapsed)
        self.reason = reason
        self.last_error = last_error
        self.elapsed = elapsed

    def __str__(self) -> str:
        return f"{self.reason} after {self.elapsed:.2f} s; last attempt: {self.last_error}"


def wait_until_ready(
    attempt: Callable[[], object],
    *,
    timeout: float,
    died: Callable[[], str | None] = lambda: None,
    interval: float = POLL_INTERVAL,
    fatal: Callable[[Exception], bool] = lambda exc: False,
) -> float:
    """Call ``attempt`` until it returns without raising; return the seconds it took.

    ``died`` is checked before each attempt and returns a description (e.g. "exited
    with status 1") once the server process is gone, which ends the wait at once.
    Between attempts the thread waits ``interval`` (polling, not a fixed sleep).
    An error for which ``fatal`` returns True (e.g. bad credentials) ends it too.
    Raises ``NotReady`` on death, a fatal error, or when ``timeout`` seconds have passed.
    """
    start = time.monotonic()
    deadline = start + timeout
    pause = threading.Event()
    last_error = "no attempt made"
    while True:
        death = died()
        if death is not None:
            raise NotReady(death, last_error, time.monotonic() - start)
        try:
            attempt()
        except Exception as exc:  # the server is not answering yet
            last_error = f"{type(exc).__name__}: {exc}"
            if fatal(exc):
                elapsed = time.monotonic() - start
                raise NotReady("gave up: retrying cannot help", last_error, elapsed) from exc
        else:
            return time.monotonic() - start
        if time.monotonic() >= deadline:
            raise NotReady(
                f"deadline of {timeout:g} s passed", last_error, time.monotonic() - start
            )
        pause.wait(interval)


def free_loopback_port() -> int:
    """A TCP port that was free on 127.0.0.1 a moment ago (callers retry on a bind race)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def log_tail(path: Path, lines: int = 25) -> str:
    """The last ``lines`` lines of a log file, or a note that it is missing/empty."""
    try:
        text = path.read_text(errors="replace")
    except OSError as exc:
        return f"(no log at {path}: {exc.strerror})"
    tail = text.splitlines()[-lines:]
    return "\n".join(tail) if tail else f"(log {path} is empty)"
