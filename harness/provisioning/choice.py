"""Which server to use: pure functions over injected probes (environment, Docker, PATH lookup).

Nothing here starts anything; the result says what to start and why, so the
decision can be unit-tested and printed before any server exists.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

from harness.provisioning.docker_probe import DockerStatus
from harness.provisioning.endpoints import MySQLEndpoint
from harness.provisioning.errors import ProvisioningError

MYSQL_URL_ENV = "PARITY_MYSQL_URL"
MYSQL_IMAGE_ENV = "PARITY_MYSQL_IMAGE"
DYNAMODB_ENDPOINT_ENV = "PARITY_DYNAMODB_ENDPOINT"
DYNAMODB_IMAGE_ENV = "PARITY_DYNAMODB_IMAGE"
TABLE_PREFIX_ENV = "PARITY_DYNAMODB_TABLE_PREFIX"

DEFAULT_MYSQL_IMAGE = "mysql:8.0"
DEFAULT_DYNAMODB_IMAGE = "amazon/dynamodb-local:latest"
LOCAL_REGION = "us-east-1"

SERVER_BINARIES = ("mariadbd", "mysqld")
INSTALL_DB_BINARIES = ("mariadb-install-db", "mysql_install_db")
EXTRA_BINARY_DIRS = (
    "/usr/sbin",
    "/usr/libexec",
    "/usr/local/mysql/bin",
    "/usr/local/sbin",
    "/usr/local/bin",
    "/opt/homebrew/bin",
    "/opt/homebrew/sbin",
)

MYSQL_HINT = (
    "install a local server: `apt-get install mariadb-server` (Debian/Ubuntu) or "
    "`brew install mariadb` (macOS); or start Docker (MySQL 8.0 via testcontainers); "
    f"or set {MYSQL_URL_ENV}=mysql://root:pw@127.0.0.1:3306/parity"
)

DockerProbe = Callable[[], "DockerStatus | bool"]
Which = Callable[[str], "str | None"]


def find_binary(name: str) -> str | None:
    """Absolute path of ``name`` on PATH, else in the usual server directories (sbin etc.)."""
    return shutil.which(name) or shutil.which(name, path=os.pathsep.join(EXTRA_BINARY_DIRS))


def module_available(name: str) -> bool:
    """True when the top-level module ``name`` can be imported."""
    return importlib.util.find_spec(name) is not None


def _status(probe: DockerProbe) -> DockerStatus:
    result = probe()
    if isinstance(result, DockerStatus):
        return result
    return DockerStatus(result, "Docker answered ping" if result else "Docker not answering")


@dataclass(frozen=True)
class MySQLChoice:
    """The MySQL source to use and the reason, before anything is started."""

    source: Literal["external", "docker", "local"]
    reason: str
    endpoint: MySQLEndpoint | None = None
    image: str | None = None
    server_binary: str | None = None
    install_binary: str | None = None

    def describe(self) -> str:
        """One line: what will be used and why."""
        if self.source == "external" and self.endpoint is not None:
            what = f"external server {self.endpoint.redacted()}"
        elif self.source == "docker":
            what = f"{self.image} via testcontainers"
        else:
            what = f"local {self.server_binary}"
        return f"MySQL <- {what} ({self.reason})"


def choose_mysql(
    env: Mapping[str, str], docker_available: DockerProbe, which: Which
) -> MySQLChoice:
    """Pick the MySQL source: PARITY_MYSQL_URL, else Docker, else a local binary, else raise.

    ``docker_available`` is only called when no URL is set; ``which`` maps a program
    name to an absolute path or None.
    """
    url = env.get(MYSQL_URL_ENV, "").strip()
    if url:
        return MySQLChoice(
            "external", f"{MYSQL_URL_ENV} is set", endpoint=MySQLEndpoint.from_url(url)
        )
    docker = _status(docker_available)
    if docker:
        image = env.get(MYSQL_IMAGE_ENV, "").strip() or DEFAULT_MYSQL_IMAGE
        return MySQLChoice("docker", f"{MYSQL_URL_ENV} unset; {docker.detail}", image=image)
    for name in SERVER_BINARIES:
        server = which(name)
        if server:
            install = next(filter(None, (which(tool) for tool in INSTALL_DB_BINARIES)), None)
            return MySQLChoice(
                "local",
                f"{MYSQL_URL_ENV} unset; {docker.detail}; found {server}",
                server_binary=server,
                install_binary=install,
            )
    raise ProvisioningError(
        "no MySQL server available",
        expected=(
            f"one of: {MYSQL_URL_ENV} naming a server; a Docker engine answering ping; "
            f"a local {' or '.join(SERVER_BINARIES)} binary"
        ),
        observed=(
            f"{MYSQL_URL_ENV} unset; {docker.detail}; no {' / '.join(SERVER_BINARIES)} on PATH "
            f"or in {', '.join(EXTRA_BINARY_DIRS)}"
        ),
        hint=MYSQL_HINT,
    )


@dataclass(frozen=True)
class DynamoChoice:
    """The DynamoDB source to use and the reason, before anything is started."""

    source: Literal["external", "aws", "docker", "moto"]
    reason: str
    region: str
    url: str | None = None
    image: str | None = None
    table_prefix: str = "parity_"

    def describe(self) -> str:
        """One line: what will be used and why."""
        what = {
            "external": f"external endpoint {self.url}",
            "aws": f"real AWS DynamoDB in {self.region} (default credential chain)",
            "docker": f"{self.image} via testcontainers",
            "moto": "moto ThreadedMotoServer on 127.0.0.1",
        }[self.source]
        return f"DynamoDB <- {what}, tables {self.table_prefix}* ({self.reason})"


def choose_dynamodb(
    env: Mapping[str, str],
    docker_available: DockerProbe,
    has_module: Callable[[str], bool] = module_available,
) -> DynamoChoice:
    """Pick the DynamoDB source: PARITY_DYNAMODB_ENDPOINT (URL or ``aws``), Docker, moto."""
    prefix = env.get(TABLE_PREFIX_ENV, "").strip() or "parity_"
    endpoint = env.get(DYNAMODB_ENDPOINT_ENV, "").strip()
    if endpoint.lower() == "aws":
        region = env.get("AWS_REGION", "").strip() or env.get("AWS_DEFAULT_REGION", "").strip()
        if not region:
            raise ProvisioningError(
                "no AWS region for real DynamoDB",
                expected=f"AWS_REGION or AWS_DEFAULT_REGION set when {DYNAMODB_ENDPOINT_ENV}=aws",
                observed="neither is set",
                hint="export AWS_REGION=eu-west-1 (or unset PARITY_DYNAMODB_ENDPOINT for moto)",
            )
        return DynamoChoice(
            "aws", f"{DYNAMODB_ENDPOINT_ENV}=aws", region=region, table_prefix=prefix
        )
    if endpoint:
        if not endpoint.startswith(("http://", "https://")):
            raise ProvisioningError(
                f"{DYNAMODB_ENDPOINT_ENV} is not a URL",
                expected="http(s)://HOST:PORT of a DynamoDB-API server, or the word 'aws'",
                observed=f"{DYNAMODB_ENDPOINT_ENV}={endpoint!r}",
                hint="e.g. PARITY_DYNAMODB_ENDPOINT=http://127.0.0.1:8000",
            )
        region = env.get("AWS_REGION", "").strip() or LOCAL_REGION
        return DynamoChoice(
            "external",
            f"{DYNAMODB_ENDPOINT_ENV} is set",
            region=region,
            url=endpoint.rstrip("/"),
            table_prefix=prefix,
        )
    docker = _status(docker_available)
    if docker:
        image = env.get(DYNAMODB_IMAGE_ENV, "").strip() or DEFAULT_DYNAMODB_IMAGE
        return DynamoChoice(
            "docker",
            f"{DYNAMODB_ENDPOINT_ENV} unset; {docker.detail}",
            region=LOCAL_REGION,
            image=image,
            table_prefix=prefix,
        )
    if has_module("moto"):
        return DynamoChoice(
            "moto",
            f"{DYNAMODB_ENDPOINT_ENV} unset; {docker.detail}; moto installed",
            region=LOCAL_REGION,
            table_prefix=prefix,
        )
    raise ProvisioningError(
        "no DynamoDB endpoint available",
        expected=f"{DYNAMODB_ENDPOINT_ENV} set, a Docker engine answering ping, or moto installed",
        observed=f"{DYNAMODB_ENDPOINT_ENV} unset; {docker.detail}; moto not importable",
        hint='pip install "moto[server,dynamodb]" (or pip install -e ".[test]"), or start Docker',
    )
