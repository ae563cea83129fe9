"""Connection info for the two backends: immutable, printable without leaking secrets."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

from harness.provisioning.errors import ProvisioningError

if TYPE_CHECKING:
    from botocore.config import Config
    from mypy_boto3_dynamodb import DynamoDBClient, DynamoDBServiceResource
    from pymysql.connections import Connection
    from pymysql.cursors import Cursor

_HIDDEN = "***"


@dataclass(frozen=True, repr=False)
class MySQLEndpoint:
    """Where and how to reach one MySQL-protocol database (or the server, if database is None)."""

    host: str
    port: int
    user: str
    password: str
    database: str | None
    unix_socket: str | None = None

    @property
    def url(self) -> str:
        """The endpoint as a ``mysql://`` URL, password included (do not log it)."""
        return self._url(self.password)

    def redacted(self) -> str:
        """The URL with the password replaced by ``***``: safe for logs and reports."""
        return self._url(_HIDDEN if self.password else "")

    def _url(self, password: str) -> str:
        auth = quote(self.user, safe="")
        if password:
            auth += ":" + (password if password == _HIDDEN else quote(password, safe=""))
        url = f"mysql://{auth}@{self.host}:{self.port}/{self.database or ''}"
        if self.unix_socket:
            url += "?unix_socket=" + quote(self.unix_socket, safe="/")
        return url

    def __repr__(self) -> str:
        return f"MySQLEndpoint({self.redacted()})"

    __str__ = __repr__

    def with_database(self, database: str | None) -> MySQLEndpoint:
        """The same server, another database."""
        return dataclasses.replace(self, database=database)

    def connect(self, *, autocommit: bool = True, **overrides: Any) -> Connection[Cursor]:
        """Open a PyMySQL connection (utf8mb4; unix socket when known, else TCP)."""
        kwargs: dict[str, Any] = {
            "host": self.host,
            "port": self.port,
            "user": self.user,
            "password": self.password,
            "database": self.database,
            "unix_socket": self.unix_socket,
            "charset": "utf8mb4",
            "autocommit": autocommit,
            "connect_timeout": 5,
        }
        kwargs.update(overrides)
        import pymysql  # the driver is imported only when a connection is opened

        return pymysql.connect(**kwargs)

    @classmethod
    def from_url(cls, url: str, *, source: str = "PARITY_MYSQL_URL") -> MySQLEndpoint:
        """Parse ``mysql://user:password@host:port/database[?unix_socket=/path]``."""
        parts = urlsplit(url)
        if parts.scheme not in ("mysql", "mysql+pymysql", "mariadb") or not parts.hostname:
            raise ProvisioningError(
                f"{source} is not a MySQL URL",
                expected="mysql://USER:PASSWORD@HOST:PORT/DATABASE (port and database optional)",
                observed=f"{source}={_redact_url(url)!r}",
                hint=f"fix or unset {source}, e.g. mysql://root:pw@127.0.0.1:3306/parity",
            )
        try:
            port = parts.port or 3306
        except ValueError as exc:
            raise ProvisioningError(
                f"{source} has a bad port",
                expected="a numeric port between 1 and 65535",
                observed=f"{source}={_redact_url(url)!r}: {exc}",
                hint="e.g. mysql://root:pw@127.0.0.1:3306/parity",
            ) from exc
        sockets = parse_qs(parts.query).get("unix_socket")
        return cls(
            host=parts.hostname,
            port=port,
            user=unquote(parts.username or "root"),
            password=unquote(parts.password or ""),
            database=parts.path.lstrip("/") or None,
            unix_socket=sockets[0] if sockets else None,
        )


def _redact_url(url: str) -> str:
    """Hide the password part of any URL."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(":" + parts.password + "@", ":" + _HIDDEN + "@", 1)
    return parts._replace(netloc=netloc).geturl()


@dataclass(frozen=True, repr=False)
class DynamoEndpoint:
    """Where and how to reach a DynamoDB API; ``url`` None means real AWS (or in-process moto).

    ``access_key``/``secret_key`` None means: use boto3's default credential chain.
    Every table the harness creates must start with ``table_prefix``.
    """

    url: str | None
    region: str
    access_key: str | None
    secret_key: str | None
    table_prefix: str

    def __repr__(self) -> str:
        key = "default-chain" if self.access_key is None else _HIDDEN
        return (
            f"DynamoEndpoint(url={self.url or 'aws'}, region={self.region}, "
            f"credentials={key}, table_prefix={self.table_prefix!r})"
        )

    __str__ = __repr__

    def redacted(self) -> str:
        """Same as repr: credentials are never shown."""
        return repr(self)

    def with_prefix(self, table_prefix: str) -> DynamoEndpoint:
        """The same endpoint with another table prefix."""
        return dataclasses.replace(self, table_prefix=table_prefix)

    def table_name(self, name: str) -> str:
        """The physical table name for a logical table name."""
        return self.table_prefix + name

    def client_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ``boto3.client("dynamodb", ...)`` / ``boto3.resource(...)``."""
        kwargs: dict[str, Any] = {"region_name": self.region}
        if self.url is not None:
            kwargs["endpoint_url"] = self.url
        if self.access_key is not None:
            kwargs["aws_access_key_id"] = self.access_key
            kwargs["aws_secret_access_key"] = self.secret_key
        return kwargs

    def client(self, config: Config | None = None) -> DynamoDBClient:
        """A low-level boto3 DynamoDB client for this endpoint."""
        import boto3

        return boto3.client("dynamodb", config=config, **self.client_kwargs())

    def resource(self, config: Config | None = None) -> DynamoDBServiceResource:
        """A boto3 DynamoDB service resource for this endpoint."""
        import boto3

        return boto3.resource("dynamodb", config=config, **self.client_kwargs())
