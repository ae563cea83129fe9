"""A web application started as a real process on a free loopback port.

The e2e tier starts the system under test once per backend (``uvicorn ... --port {port}``),
polls its health URL until it answers, keeps its log, and stops it at the end. A start
failure shows the command, the exit status and the tail of the log.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
import urllib.request
from collections.abc import Mapping, Sequence
from typing import IO, Self

from harness.provisioning.errors import ProvisioningError
from harness.provisioning.lifetime import die_with_parent
from harness.provisioning.readiness import NotReady, free_loopback_port, log_tail, wait_until_ready
from harness.provisioning.rundirs import mark_kept, new_run_dir, record_pid, server_env
from harness.provisioning.server import ProvisionedServer


class AppServer(ProvisionedServer):
    """``command`` (``{port}`` is replaced by a free port) run with ``env`` added."""

    def __init__(
        self,
        name: str,
        command: Sequence[str],
        env: Mapping[str, str],
        *,
        health_path: str = "/health",
        timeout: float = 30.0,
    ) -> None:
        self.name = name
        self.command = list(command)
        self.env = dict(env)
        self.health_path = health_path
        self.timeout = timeout
        self.port = 0
        self.ready_seconds = 0.0
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self.run_dir = new_run_dir("app")
        self.log_path = self.run_dir / f"{name}.log"
        self.keep_log = False
        """Keep the log file after ``stop`` (set it when a test using the app failed); it is
        also kept when the app exited by itself, and deleted otherwise."""

    @property
    def url(self) -> str:
        """The base URL the app answers on."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Self:
        """Start the process and wait until its health URL answers 200."""
        self.port = free_loopback_port()
        argv = [part.replace("{port}", str(self.port)) for part in self.command]
        self._log = self.log_path.open("wb")
        self._process = subprocess.Popen(  # noqa: S603 - argv from the target, no shell
            argv,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**server_env(self.run_dir), **self.env},
            preexec_fn=die_with_parent(),
        )
        record_pid(self.run_dir, self._process.pid)
        try:
            self.ready_seconds = wait_until_ready(
                self._health, timeout=self.timeout, died=self._died
            )
        except NotReady as failure:
            self.stop()
            raise ProvisioningError(
                f"the {self.name} app did not start",
                expected=f"{self.url}{self.health_path} to answer 200 within {self.timeout:g} s",
                observed=(
                    f"{failure}\ncommand: {shlex.join(argv)}\n"
                    f"log ({self.log_path}):\n{log_tail(self.log_path)}"
                ),
                hint="run the command by hand with the same environment to see the error",
            ) from None
        return self

    def _health(self) -> None:
        with urllib.request.urlopen(f"{self.url}{self.health_path}", timeout=2) as answer:  # noqa: S310 - our own loopback URL
            if answer.status != 200:
                raise RuntimeError(f"health answered {answer.status}")

    def _died(self) -> str | None:
        if self._process is None:
            return "never started"
        status = self._process.poll()
        return None if status is None else f"exited with status {status}"

    def log_text(self) -> str:
        """The app's log so far (to show when a test fails)."""
        return log_tail(self.log_path, lines=60)

    def stop(self) -> None:
        """Stop the process (terminate, then kill after 10 s) and delete its log unless it is
        kept (``keep_log``, or the app exited by itself); safe to call twice."""
        if self._process is not None and self._process.poll() is not None:
            self.keep_log = True  # it died on its own: the log says why
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=10)
        self._process = None
        if self._log is not None:
            self._log.close()
            self._log = None
        if self.keep_log:
            mark_kept(self.run_dir)  # a later run's reap leaves it for whoever reads it
        else:
            shutil.rmtree(self.run_dir, ignore_errors=True)
