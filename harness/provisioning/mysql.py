"""MySQL-protocol servers: external, MySQL 8.0 in Docker, or a throwaway local mariadbd/mysqld.

Each is a context manager; entering starts (or checks) the server, leaving stops it
and removes whatever it created. ``open_mysql_server`` turns a ``MySQLChoice`` into one.
"""

from __future__ import annotations

import os
import re
import secrets
import shlex
import shutil
import subprocess
import tempfile
from abc import abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, Literal, Self

from harness.provisioning.choice import MYSQL_HINT, MYSQL_URL_ENV, MySQLChoice
from harness.provisioning.endpoints import MySQLEndpoint
from harness.provisioning.errors import ProvisioningError
from harness.provisioning.lifetime import die_with_parent
from harness.provisioning.readiness import NotReady, free_loopback_port, log_tail, wait_until_ready
from harness.provisioning.rundirs import new_run_dir, record_pid, server_env
from harness.provisioning.server import ProvisionedServer

CHARSET_OPTIONS = (
    "--character-set-server=utf8mb4",
    "--collation-server=utf8mb4_unicode_ci",
    "--skip-log-bin",
    "--skip-name-resolve",
)
SERVER_OPTIONS = (
    "--bind-address=127.0.0.1",
    *CHARSET_OPTIONS,
    "--innodb-buffer-pool-size=64M",
    # Throwaway test data: durability buys nothing, fsync per commit costs a lot.
    "--innodb-flush-log-at-trx-commit=0",
    "--innodb-doublewrite=OFF",
    # One shared tablespace: TRUNCATE (per-test resets) needs no file create/unlink.
    "--innodb-file-per-table=OFF",
)
_BIND_RACE = ("Address already in use", "Do you already have another server running")


class MySQLServer(ProvisionedServer):
    """A running MySQL-protocol server and how it was chosen."""

    kind: str = "?"

    def __init__(self, reason: str) -> None:
        self.reason = reason
        self.version = "?"
        self.ready_seconds = 0.0
        self._admin: MySQLEndpoint | None = None

    @property
    def admin(self) -> MySQLEndpoint:
        """Server-level endpoint with rights to create and drop databases."""
        if self._admin is None:
            raise RuntimeError(f"{type(self).__name__} is not started")
        return self._admin

    @property
    def address(self) -> str:
        """host:port of the server."""
        return f"{self.admin.host}:{self.admin.port}"

    @property
    def label(self) -> str:
        return f"MySQL ({self.kind})"

    @property
    def where(self) -> str:
        return f"{self.address} ({self._details()})"

    def describe(self) -> str:
        """One line for the run report: kind, version, address, details and the reason."""
        return (
            f"MySQL <- {self.kind} {self.version} at {self.address} "
            f"({self._details()}; ready in {self.ready_seconds:.2f} s) [{self.reason}]"
        )

    @abstractmethod
    def _details(self) -> str: ...

    def _read_version(self) -> None:
        with self.admin.connect() as conn, conn.cursor() as cur:
            cur.execute("SELECT VERSION()")
            row = cur.fetchone()
        self.version = str(row[0]) if row else "?"


class ExternalMySQLServer(MySQLServer):
    """A server somebody else runs (PARITY_MYSQL_URL); only checked, never stopped."""

    kind = "external server"
    action = "reaching"

    def __init__(self, endpoint: MySQLEndpoint, reason: str, timeout: float = 20.0) -> None:
        super().__init__(reason)
        self.endpoint = endpoint
        self.timeout = timeout

    def _details(self) -> str:
        return self.endpoint.redacted()

    def start(self) -> Self:
        self._admin = self.endpoint
        try:
            self.ready_seconds = wait_until_ready(
                lambda: self.endpoint.connect().close(), timeout=self.timeout, fatal=_refused_login
            )
        except NotReady as exc:
            raise ProvisioningError(
                f"the MySQL server named by {MYSQL_URL_ENV} is not reachable",
                expected=f"a server accepting {self.endpoint.redacted()} within {self.timeout:g} s",
                observed=str(exc),
                hint=f"start that server, fix the credentials, or unset {MYSQL_URL_ENV}",
            ) from exc
        self._read_version()
        return self

    def stop(self) -> None:
        self._admin = None


class DockerMySQLServer(MySQLServer):
    """MySQL in a container started through testcontainers (torn down on exit)."""

    kind = "docker"

    def __init__(self, image: str, reason: str, timeout: float = 120.0) -> None:
        super().__init__(reason)
        self.image = image
        self.timeout = timeout
        self._container: Any = None

    def _details(self) -> str:
        return f"image {self.image} via testcontainers"

    def start(self) -> Self:
        try:
            from testcontainers.community.mysql import MySqlContainer
        except ImportError:  # testcontainers < 4.10 has it at the top level
            from testcontainers.mysql import MySqlContainer
        password = secrets.token_urlsafe(12)
        container = MySqlContainer(self.image, username="root", password=password, dbname="parity")
        container.with_command(" ".join(CHARSET_OPTIONS))
        container.with_kwargs(tmpfs={"/var/lib/mysql": "rw"})
        try:
            container.start()
            self._container = container
            self._admin = MySQLEndpoint(
                host=container.get_container_host_ip(),
                port=int(container.get_exposed_port(3306)),
                user="root",
                password=password,
                database=None,
            )
            self.ready_seconds = wait_until_ready(
                lambda: self.admin.connect().close(), timeout=self.timeout
            )
        except Exception as exc:
            self.stop()
            raise ProvisioningError(
                f"MySQL in Docker ({self.image}) did not start",
                expected=f"a container from {self.image} accepting connections",
                observed=f"{type(exc).__name__}: {exc}",
                hint=f"check `docker pull {self.image}` works, or set {MYSQL_URL_ENV}",
            ) from exc
        self._read_version()
        return self

    def stop(self) -> None:
        container, self._container = self._container, None
        self._admin = None
        if container is not None:
            container.stop()


class LocalMySQLServer(MySQLServer):
    """A private mariadbd/mysqld: fresh datadir in a temp dir, loopback port, own socket."""

    kind = "local"

    def __init__(
        self,
        server_binary: str,
        install_binary: str | None,
        reason: str = "",
        *,
        timeout: float = 60.0,
    ) -> None:
        super().__init__(reason)
        self.kind = f"local {Path(server_binary).name}"
        self.server_binary = server_binary
        self.install_binary = install_binary
        self.timeout = timeout
        self.flavor: Literal["mariadb", "mysql"] = "mariadb"
        self.base_dir: Path | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def datadir(self) -> Path:
        """The data directory (inside the temp dir)."""
        return self._base() / "data"

    @property
    def socket_path(self) -> Path:
        """The server's unix socket."""
        return self._base() / "mysqld.sock"

    @property
    def log_path(self) -> Path:
        """stdout+stderr of the server (its error log)."""
        return self._base() / "server.log"

    def _base(self) -> Path:
        if self.base_dir is None:
            raise RuntimeError("LocalMySQLServer is not started")
        return self.base_dir

    def _details(self) -> str:
        return f"datadir {self.datadir}"

    def start(self) -> Self:
        try:
            self._detect_flavor()
            self.base_dir = new_run_dir("mysql")
            self._initialise()
            for attempt in range(3):
                if self._launch(last_try=attempt == 2):
                    break
            self._after_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def _root_user_args(self) -> list[str]:
        # mysqld refuses to run as root unless told to; as another user the flag is not needed.
        return ["--user=root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []

    def _detect_flavor(self) -> None:
        command = [self.server_binary, "--version"]
        done = subprocess.run(  # noqa: S603 - absolute path found by shutil.which, fixed args
            command, capture_output=True, text=True, timeout=30, check=False
        )
        text = (done.stdout + done.stderr).strip()
        match = re.search(r"Ver\s+(\S+)", text)
        self.version = match.group(1) if match else "?"
        self.flavor = "mariadb" if "mariadb" in text.lower() else "mysql"

    def _initialise(self) -> None:
        if self.flavor == "mariadb":
            if self.install_binary is None:
                raise ProvisioningError(
                    f"cannot initialise a datadir for {self.server_binary}",
                    expected="mariadb-install-db (or mysql_install_db) next to the server",
                    observed="neither is on PATH or in the usual sbin directories",
                    hint=MYSQL_HINT,
                )
            command = [
                self.install_binary,
                "--no-defaults",
                f"--datadir={self.datadir}",
                "--auth-root-authentication-method=normal",
                "--skip-test-db",
                "--skip-name-resolve",
                *self._root_user_args(),
            ]
        else:
            command = [
                self.server_binary,
                "--no-defaults",
                "--initialize-insecure",
                f"--datadir={self.datadir}",
                *self._root_user_args(),
            ]
        install_log = self._base() / "install.log"
        # xdist workers initialise their datadirs at the same moment; under load
        # mariadb-install-db was seen to fail (2 of 14 runs with -n 2), so initialisations
        # take turns across processes, and a failed one is retried once from scratch.
        with _install_lock(), install_log.open("wb") as out:
            for attempt in (1, 2):
                out.write(f"--- attempt {attempt}: {shlex.join(command)}\n".encode())
                out.flush()
                done = subprocess.run(  # noqa: S603 - absolute paths from shutil.which, fixed args
                    command, stdout=out, stderr=subprocess.STDOUT, timeout=300, check=False
                )
                if done.returncode == 0:
                    break
                shutil.rmtree(self.datadir, ignore_errors=True)
        if done.returncode != 0:
            raise ProvisioningError(
                "initialising the MySQL data directory failed",
                expected=f"`{shlex.join(command)}` exits with status 0",
                observed=f"exit status {done.returncode}; log tail:\n{log_tail(install_log)}",
                hint=f"run the command by hand to see why; or set {MYSQL_URL_ENV}",
            )

    def _launch(self, *, last_try: bool) -> bool:
        """Start the server and wait for it; False means "port was taken, try another"."""
        port = free_loopback_port()
        command = [
            self.server_binary,
            "--no-defaults",
            f"--datadir={self.datadir}",
            f"--socket={self.socket_path}",
            f"--port={port}",
            f"--pid-file={self._base() / 'mysqld.pid'}",
            *self._root_user_args(),
            *SERVER_OPTIONS,
        ]
        if self.flavor == "mysql":
            command.append("--mysqlx=OFF")
        self._log = self.log_path.open("ab")
        self._process = process = subprocess.Popen(  # noqa: S603 - absolute path, fixed args
            command,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env=server_env(self._base()),
            preexec_fn=die_with_parent(),
        )
        record_pid(self._base(), process.pid)
        self._admin = MySQLEndpoint(
            host="127.0.0.1",
            port=port,
            user="root",
            password="",
            database=None,
            unix_socket=str(self.socket_path),
        )

        def died() -> str | None:
            code = process.poll()
            return None if code is None else f"server exited with status {code}"

        try:
            self.ready_seconds = wait_until_ready(
                lambda: self.admin.connect().close(), timeout=self.timeout, died=died
            )
        except NotReady as exc:
            self._terminate()
            tail = log_tail(self.log_path)
            if (
                not last_try
                and process.returncode not in (None, 0)
                and any(marker in tail for marker in _BIND_RACE)
            ):
                return False
            raise ProvisioningError(
                "the local MySQL server did not become ready",
                expected=(
                    f"`{shlex.join(command)}` accepts connections on {self.socket_path} "
                    f"within {self.timeout:g} s"
                ),
                observed=(
                    f"{exc}\nexit status: {process.returncode}\nlog tail ({self.log_path}):\n{tail}"
                ),
                hint=f"the log usually says why; or set {MYSQL_URL_ENV} to use another server",
            ) from exc
        return True

    def _after_ready(self) -> None:
        """Allow root over TCP too (socket-only accounts would not match 127.0.0.1)."""
        with self.admin.connect() as conn, conn.cursor() as cur:
            cur.execute("CREATE USER IF NOT EXISTS 'root'@'127.0.0.1'")
            cur.execute("GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION")
            cur.execute("SELECT VERSION()")
            row = cur.fetchone()
        self.version = str(row[0]) if row else self.version

    def _terminate(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        if self._log is not None:
            self._log.close()
            self._log = None

    def stop(self) -> None:
        self._terminate()
        self._admin = None
        base, self.base_dir = self.base_dir, None
        if base is not None:
            shutil.rmtree(base, ignore_errors=True)


def _refused_login(exc: Exception) -> bool:
    """Access denied / unknown database: the server is up, waiting will not help."""
    import pymysql  # only a MySQL run gets here: a DynamoDB-only install has no PyMySQL

    return isinstance(exc, pymysql.err.OperationalError) and exc.args[:1] in (
        (1044,),
        (1045,),
        (1049,),
    )


def open_mysql_server(choice: MySQLChoice) -> MySQLServer:
    """The (not yet started) server object for a choice; use it as a context manager."""
    if choice.source == "external" and choice.endpoint is not None:
        return ExternalMySQLServer(choice.endpoint, choice.reason)
    if choice.source == "docker" and choice.image is not None:
        return DockerMySQLServer(choice.image, choice.reason)
    if choice.source == "local" and choice.server_binary is not None:
        return LocalMySQLServer(choice.server_binary, choice.install_binary, choice.reason)
    raise ValueError(f"incomplete MySQL choice: {choice!r}")


@contextmanager
def _install_lock() -> Iterator[None]:
    """An exclusive lock shared by every process on this machine (for datadir init)."""
    try:
        import fcntl  # POSIX only: imported here so the plugin still loads on Windows
    except ImportError:  # pragma: no cover - Windows runs no local mariadbd install
        yield
        return
    path = Path(tempfile.gettempdir()) / "parity-mysql-install.lock"
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
