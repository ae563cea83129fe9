"""DynamoDB-API servers: an external endpoint / real AWS, dynamodb-local in Docker, or moto.

Each is a context manager yielding itself; ``endpoint`` is how to reach it. The
unit tier uses ``moto_in_process()`` instead (no sockets at all).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import IO, Any, Self

from harness.provisioning.choice import DYNAMODB_ENDPOINT_ENV, LOCAL_REGION, DynamoChoice
from harness.provisioning.endpoints import DynamoEndpoint
from harness.provisioning.errors import ProvisioningError
from harness.provisioning.lifetime import die_with_parent
from harness.provisioning.readiness import NotReady, log_tail, wait_until_ready
from harness.provisioning.rundirs import new_run_dir, record_pid, server_env
from harness.provisioning.server import ProvisionedServer

LOCAL_KEY = "testing"


def _probe_config() -> Any:
    """A quick-failing client config for readiness probes (botocore imported on use)."""
    from botocore.config import Config

    return Config(connect_timeout=2, read_timeout=5, retries={"max_attempts": 1})


class DynamoServer(ProvisionedServer):
    """A reachable DynamoDB API and how it was chosen."""

    kind: str = "?"

    def __init__(self, reason: str, table_prefix: str) -> None:
        self.reason = reason
        self.table_prefix = table_prefix
        self.version = "?"
        self.ready_seconds = 0.0
        self._endpoint: DynamoEndpoint | None = None

    @property
    def endpoint(self) -> DynamoEndpoint:
        """How to reach the API (table prefix = the base prefix; fixtures narrow it per worker)."""
        if self._endpoint is None:
            raise RuntimeError(f"{type(self).__name__} is not started")
        return self._endpoint

    @property
    def label(self) -> str:
        return f"DynamoDB ({self.kind})"

    @property
    def where(self) -> str:
        return self.endpoint.url or f"AWS {self.endpoint.region}"

    def describe(self) -> str:
        """One line for the run report: kind, version, address and the reason."""
        where = self.where
        return (
            f"DynamoDB <- {self.kind}{' ' + self.version if self.version else ''} at {where} "
            f"(ready in {self.ready_seconds:.2f} s) [{self.reason}]"
        )

    def _wait(self, timeout: float) -> None:
        client = self.endpoint.client(_probe_config())
        self.ready_seconds = wait_until_ready(lambda: client.list_tables(Limit=1), timeout=timeout)


class ExternalDynamo(DynamoServer):
    """An endpoint somebody else runs, or real AWS (url None); only checked, never stopped."""

    action = "reaching"

    def __init__(self, endpoint: DynamoEndpoint, reason: str, timeout: float = 20.0) -> None:
        super().__init__(reason, endpoint.table_prefix)
        self.kind = "external endpoint" if endpoint.url else "real AWS DynamoDB"
        self.version = ""
        self.target = endpoint
        self.timeout = timeout

    def start(self) -> Self:
        self._endpoint = self.target
        try:
            self._wait(self.timeout)
            self._identify()
        except NotReady as exc:
            raise ProvisioningError(
                "the DynamoDB endpoint is not reachable",
                expected=f"ListTables to succeed on {self.target!r} within {self.timeout:g} s",
                observed=str(exc),
                hint=(
                    f"start that server, check credentials/region, or unset {DYNAMODB_ENDPOINT_ENV}"
                ),
            ) from exc
        return self

    def _identify(self) -> None:
        """Name what answers (kind and version) for the header and the reports."""
        from harness.provisioning.identify import identify_dynamodb

        try:
            identity = identify_dynamodb(self.target.client(_probe_config()), self.target.url)
        except Exception as error:  # labelling only: a failed probe must not stop the run
            self.kind = f"{self.kind}: not identified ({type(error).__name__})"
            return
        origin = "external endpoint" if self.target.url else "real AWS DynamoDB"
        self.kind = f"{origin}: {identity.kind} ({identity.evidence})"
        self.version = identity.version

    def stop(self) -> None:
        self._endpoint = None


class DockerDynamoDBLocal(DynamoServer):
    """amazon/dynamodb-local in a container (in-memory, shared DB) through testcontainers."""

    kind = "dynamodb-local"

    def __init__(self, image: str, reason: str, table_prefix: str, timeout: float = 120.0) -> None:
        super().__init__(reason, table_prefix)
        self.image = image
        self.version = image.rpartition(":")[2] if ":" in image else "latest"
        self.timeout = timeout
        self._container: Any = None

    def start(self) -> Self:
        from testcontainers.core.container import DockerContainer

        container = DockerContainer(self.image)
        container.with_exposed_ports(8000)
        container.with_command("-jar DynamoDBLocal.jar -inMemory -sharedDb")
        try:
            container.start()
            self._container = container
            host = container.get_container_host_ip()
            port = int(container.get_exposed_port(8000))
            self._endpoint = DynamoEndpoint(
                f"http://{host}:{port}", LOCAL_REGION, LOCAL_KEY, LOCAL_KEY, self.table_prefix
            )
            self._wait(self.timeout)
        except Exception as exc:
            self.stop()
            raise ProvisioningError(
                f"DynamoDB local in Docker ({self.image}) did not start",
                expected=f"a container from {self.image} answering ListTables",
                observed=f"{type(exc).__name__}: {exc}",
                hint=f"check `docker pull {self.image}` works, or set {DYNAMODB_ENDPOINT_ENV}",
            ) from exc
        return self

    def stop(self) -> None:
        container, self._container = self._container, None
        self._endpoint = None
        if container is not None:
            container.stop()


# Runs in a child interpreter so moto's global state (which ``mock_aws`` resets on every
# use in the test process) and its request handling (GIL) stay out of the test process.
#
# One request at a time: ThreadedMotoServer serves each request on its own thread
# (werkzeug ``make_server(..., threaded=True)``) and moto's DynamoDB backend takes no lock,
# so concurrent conditional writes and TransactWriteItems interleave: conditions are
# checked against stale items (oversold stock, 9 orders for 5 units), and a cancelled
# transaction can leave some of its writes behind. Real DynamoDB and DynamoDB Local
# serialise writes per item, so the integration tier's races need the same guarantee.
# Every request reaches moto through ``DomainDispatcherApplication.__call__`` (the WSGI
# app ThreadedMotoServer builds; ``BotocoreStubber`` only serves the in-process mock), so
# that call is wrapped in one global lock, and the response body is read inside it.
# Requests still arrive concurrently; they are answered one after the other.
_MOTO_CHILD = """
import logging, sys, threading
logging.getLogger("werkzeug").setLevel(logging.ERROR)
from moto.moto_server.werkzeug_app import DomainDispatcherApplication
from moto.server import ThreadedMotoServer

_dispatch = DomainDispatcherApplication.__call__
_one_at_a_time = threading.Lock()

def _serialised(self, environ, start_response):
    with _one_at_a_time:
        response = _dispatch(self, environ, start_response)
        try:
            return [b"".join(response)]
        finally:
            close = getattr(response, "close", None)
            if close is not None:
                close()

DomainDispatcherApplication.__call__ = _serialised
server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
print("PARITY_MOTO_PORT", server.get_host_and_port()[1], flush=True)
sys.stdin.read()  # returns when the parent closes stdin or dies
server.stop()
"""


class MotoServer(DynamoServer):
    """moto's ThreadedMotoServer on 127.0.0.1, port chosen by the OS, in a child process."""

    kind = "moto ThreadedMotoServer"

    def __init__(self, reason: str, table_prefix: str, timeout: float = 60.0) -> None:
        super().__init__(reason, table_prefix)
        self.version = _package_version("moto")
        self.timeout = timeout
        self.base_dir: Path | None = None
        self._process: subprocess.Popen[str] | None = None
        self._log: IO[str] | None = None

    @property
    def pid(self) -> int | None:
        """The server process's pid while it runs."""
        return None if self._process is None else self._process.pid

    def start(self) -> Self:
        self.base_dir = new_run_dir("moto")
        log_path = self.base_dir / "moto.log"
        command = [sys.executable, "-c", _MOTO_CHILD]
        self._log = log_path.open("w")
        self._process = process = subprocess.Popen(  # noqa: S603 - our interpreter, fixed script
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
            env=server_env(self.base_dir),
            preexec_fn=die_with_parent(),
        )
        record_pid(self.base_dir, process.pid)
        first_line: list[str] = []
        assert process.stdout is not None  # noqa: S101 - guaranteed by stdout=PIPE
        stdout = process.stdout
        threading.Thread(target=lambda: first_line.append(stdout.readline()), daemon=True).start()

        def attempt() -> None:
            if not first_line:
                raise ConnectionError("moto has not reported its port yet")
            if self._endpoint is None:
                port = int(first_line[0].split()[-1])
                self._endpoint = DynamoEndpoint(
                    f"http://127.0.0.1:{port}",
                    LOCAL_REGION,
                    LOCAL_KEY,
                    LOCAL_KEY,
                    self.table_prefix,
                )
            self.endpoint.client(_probe_config()).list_tables(Limit=1)

        def died() -> str | None:
            code = process.poll()
            return None if code is None else f"moto process exited with status {code}"

        try:
            self.ready_seconds = wait_until_ready(attempt, timeout=self.timeout, died=died)
        except (NotReady, ValueError, IndexError) as exc:
            self.stop()
            raise ProvisioningError(
                "moto server did not become ready",
                expected=f"`{sys.executable} -c <ThreadedMotoServer script>` to answer ListTables "
                f"within {self.timeout:g} s",
                observed=f"{exc}\nexit status: {process.returncode}\nlog tail:\n"
                f"{log_tail(log_path)}",
                hint='pip install "moto[server,dynamodb]"; or set PARITY_DYNAMODB_ENDPOINT',
            ) from exc
        return self

    def stop(self) -> None:
        process, self._process = self._process, None
        self._endpoint = None
        if process is not None:
            if process.stdin is not None:
                process.stdin.close()  # the child's cue to stop
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
            if process.stdout is not None:
                process.stdout.close()
        if self._log is not None:
            self._log.close()
            self._log = None
        base, self.base_dir = self.base_dir, None
        if base is not None:
            shutil.rmtree(base, ignore_errors=True)


def open_dynamodb_server(
    choice: DynamoChoice, env: Mapping[str, str] | None = None
) -> DynamoServer:
    """The (not yet started) server object for a choice; use it as a context manager."""
    env = os.environ if env is None else env
    if choice.source in ("external", "aws"):
        access: str | None = None  # real AWS: boto3's default chain (env, profile, SSO, role)
        secret: str | None = None
        if choice.source == "external":
            access = env.get("AWS_ACCESS_KEY_ID") or LOCAL_KEY
            secret = env.get("AWS_SECRET_ACCESS_KEY") or LOCAL_KEY
        endpoint = DynamoEndpoint(choice.url, choice.region, access, secret, choice.table_prefix)
        return ExternalDynamo(endpoint, choice.reason)
    if choice.source == "docker" and choice.image is not None:
        return DockerDynamoDBLocal(choice.image, choice.reason, choice.table_prefix)
    if choice.source == "moto":
        return MotoServer(choice.reason, choice.table_prefix)
    raise ValueError(f"incomplete DynamoDB choice: {choice!r}")


@contextmanager
def moto_in_process(
    table_prefix: str = "parity_unit_", region: str = LOCAL_REGION
) -> Iterator[DynamoEndpoint]:
    """moto's ``mock_aws`` for the unit tier: boto3 calls are answered in-process, no sockets.

    Yields an endpoint with ``url=None``; clients made from it inside the block hit moto.
    The block always starts empty: moto does not reset its state when a mock is entered
    inside another one (a session-long mock is), so the state is reset explicitly. Anyone
    holding tables in an outer mock must be ready to find them gone.
    """
    from moto import mock_aws

    mock = mock_aws()
    with mock:
        mock.reset()
        yield DynamoEndpoint(None, region, LOCAL_KEY, LOCAL_KEY, table_prefix)


def _package_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "?"
