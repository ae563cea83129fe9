"""Run directories are reaped only when their owner is gone, and only Parity's own: a live
owner's, a kept one, one without a marker and a process that merely reuses a recorded
pid are all left alone."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.provisioning.rundirs import (
    MARKER,
    mark_kept,
    new_run_dir,
    reap,
    record_pid,
    server_env,
)

pytestmark = [
    pytest.mark.unit,
    pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc (Linux)"),
]


def finished_pid() -> int:
    """The pid of a process that has exited (and been waited for)."""
    done = subprocess.run([sys.executable, "-c", "pass"], check=True)
    assert done.returncode == 0
    return int(subprocess.check_output([sys.executable, "-c", "import os; print(os.getpid())"]))


def owned_by(parent: Path, name: str, pid: int, start: str | None = None) -> Path:
    """A run directory as a process ``pid`` would have left it."""
    path = parent / name
    path.mkdir(parents=True)
    (path / MARKER).write_text(json.dumps({"pid": pid, "start": start, "servers": []}))
    (path / "data").write_text("left behind")
    return path


@pytest.fixture
def sleeper(tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A long-running child that is not one of Parity's servers."""
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        yield child
    finally:
        child.kill()
        child.wait()


def test_a_dead_owners_directory_is_removed(tmp_path: Path) -> None:
    gone = owned_by(tmp_path, "mysql-dead", finished_pid())
    reaped = reap(tmp_path)
    assert reaped.removed == (gone,)
    assert not gone.exists()


def test_a_live_owners_kept_and_unmarked_directories_stay(tmp_path: Path) -> None:
    mine = new_run_dir("moto", parent=tmp_path)
    kept = owned_by(tmp_path, "app-kept", finished_pid())
    mark_kept(kept)
    unmarked = tmp_path / "somebody-elses"
    unmarked.mkdir()
    corrupt = tmp_path / "corrupt"
    corrupt.mkdir()
    (corrupt / MARKER).write_text("{not json")
    assert reap(tmp_path).removed == ()
    assert all(p.exists() for p in (mine, kept, unmarked, corrupt))


def test_a_reused_pid_is_not_mistaken_for_the_owner(tmp_path: Path) -> None:
    # our own pid, but a start time that is not ours: the owner it names is gone
    reused = owned_by(tmp_path, "mysql-reused", os.getpid(), start="1")
    assert reap(tmp_path).removed == (reused,)


def test_a_recorded_server_still_running_from_the_directory_is_killed(tmp_path: Path) -> None:
    path = owned_by(tmp_path, "moto-orphan", finished_pid())
    orphan = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(60)"], env=server_env(path)
    )
    try:
        record_pid(path, orphan.pid)
        reaped = reap(tmp_path)
        assert reaped.killed == (orphan.pid,)
        assert orphan.wait(timeout=10) == -9
        assert not path.exists()
    finally:
        orphan.kill()
        orphan.wait()


def test_a_recorded_pid_now_running_something_else_is_not_killed(
    tmp_path: Path, sleeper: subprocess.Popen[bytes]
) -> None:
    path = owned_by(tmp_path, "mysql-orphan", finished_pid())
    record_pid(path, sleeper.pid)  # the pid now belongs to a process Parity did not start
    reaped = reap(tmp_path)
    assert reaped.killed == ()
    assert sleeper.poll() is None
    assert reaped.removed == (path,)


def test_a_new_run_directory_reaps_first_and_records_its_owner(tmp_path: Path) -> None:
    gone = owned_by(tmp_path, "app-dead", finished_pid())
    path = new_run_dir("app", parent=tmp_path)
    assert not gone.exists()
    marker = json.loads((path / MARKER).read_text())
    assert marker["pid"] == os.getpid() and marker["start"] and marker["servers"] == []
    record_pid(path, 12345)
    assert json.loads((path / MARKER).read_text())["servers"] == [12345]
