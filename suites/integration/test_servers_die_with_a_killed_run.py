"""A pytest killed with SIGKILL (no finaliser runs) leaves no server it started behind:
the local mariadbd and the moto child both die with it (PR_SET_PDEATHSIG on Linux), and
the run directories it left are removed by the next run's reap."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from harness.provisioning.readiness import NotReady, wait_until_ready
from harness.provisioning.rundirs import reap

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux"),
]

HOLDER = textwrap.dedent(
    """
    import shutil, sys
    from harness.provisioning.dynamodb import MotoServer
    from harness.provisioning.mysql import LocalMySQLServer

    def test_holds_two_servers():
        binary = shutil.which("mariadbd") or shutil.which("mysqld") or "/usr/sbin/mariadbd"
        install = shutil.which("mariadb-install-db") or shutil.which("mysql_install_db")
        mysql = LocalMySQLServer(binary, install, "SIGKILL test").start()
        moto = MotoServer("SIGKILL test", "sigkill_").start()
        print("PIDS", mysql._process.pid, moto.pid, flush=True)
        print("DIRS", mysql.base_dir, moto.base_dir, flush=True)
        sys.stdin.read()  # until the test kills this pytest
    """
)


def alive(pid: int) -> bool:
    """Whether ``pid`` still runs (a zombie waiting to be reaped does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state not in ("Z", "X")


def test_sigkilling_a_run_that_provisioned_servers_kills_them_too(tmp_path: Path) -> None:
    (tmp_path / "test_holder.py").write_text(HOLDER)
    run = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pytest",
            "-s",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:parity",
            "test_holder.py",
        ],
        cwd=tmp_path,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert run.stdout is not None
    pids: list[int] = []
    dirs: list[Path] = []
    for line in run.stdout:
        if line.startswith("PIDS"):
            pids = [int(p) for p in line.split()[1:]]
        if line.startswith("DIRS"):
            dirs = [Path(p) for p in line.split()[1:]]
            break
    assert len(pids) == 2, "expected the holder to report its two servers' pids"
    assert len(dirs) == 2 and all(d.is_dir() for d in dirs), dirs
    assert all(alive(pid) for pid in pids)

    os.kill(run.pid, signal.SIGKILL)
    run.wait(timeout=30)

    def gone() -> None:
        left = [pid for pid in pids if alive(pid)]
        if left:
            raise ProcessLookupError(f"still running: {left}")

    try:
        seconds = wait_until_ready(gone, timeout=30)
    except NotReady as error:
        for pid in pids:  # do not leave them behind for the next test either
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
        pytest.fail(f"expected both servers to die with the killed run: {error}")
    assert seconds < 30
    print(f"both servers gone {seconds:.2f} s after the SIGKILL")

    # no finaliser ran, so their run directories (a datadir, moto's log) are left: the
    # next run reaps them before it provisions anything
    assert all(d.is_dir() for d in dirs)
    reaped = reap(dirs[0].parent)
    assert set(dirs) <= set(reaped.removed), reaped
    assert not any(d.exists() for d in dirs)
