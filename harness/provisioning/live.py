"""The live line while a server starts: ``parity: starting MySQL (local mariadbd) ...``,
then ``parity: MySQL (local mariadbd) ready in 2.3 s at 127.0.0.1:40117 (...)``.

Printed at pytest's default verbosity or above, by the process that owns the terminal (an
xdist worker's output is not shown; its servers are listed in the summary).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator

import pytest

from harness.provisioning.server import ProvisionedServer

Write = Callable[[str], None]


def live_writer(config: pytest.Config) -> Write | None:
    """Where the live line goes (None at -q, on an xdist worker, without a terminal)."""
    if config.get_verbosity() < 0 or hasattr(config, "workerinput"):
        return None
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None:
        return None
    capture = config.pluginmanager.get_plugin("capturemanager")

    def write(line: str) -> None:
        # a fixture is set up while output is captured: step out of the capture to write
        suspended = capture.global_and_fixture_disabled() if capture else contextlib.nullcontext()
        with suspended:
            reporter.write_line(line)

    return write


@contextlib.contextmanager
def announced(write: Write | None, server: ProvisionedServer) -> Iterator[None]:
    """Say that ``server`` is starting, then that it is ready (or did not start) and when."""
    if write is None:
        yield
        return
    write(f"parity: {server.action} {server.label} ...")
    started = time.perf_counter()
    try:
        yield
    except BaseException:
        write(f"parity: {server.label} did not start ({time.perf_counter() - started:.1f} s)")
        raise
    where = f" at {server.where}" if server.where else ""
    write(f"parity: {server.label} ready in {time.perf_counter() - started:.1f} s{where}")
