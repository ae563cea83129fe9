"""Backend settings, read from the environment and validated with a clear error.

``SHOP_BACKEND=memory|mysql|dynamodb`` picks the backend. MySQL: ``SHOP_MYSQL_URL``
(``mysql://user:password@host:port/database``, optional ``?unix_socket=/path``).
DynamoDB: ``SHOP_DYNAMODB_ENDPOINT`` (omit for real AWS), ``SHOP_DYNAMODB_REGION``
(default ``us-east-1``), ``SHOP_DYNAMODB_TABLE_PREFIX`` (default ``shop_``),
``SHOP_DYNAMODB_RETRY_MODE`` (``standard``|``adaptive``), ``SHOP_DYNAMODB_MAX_ATTEMPTS``;
credentials come from the usual AWS variables. ``SHOP_CURSOR_SECRET`` signs page cursors
(random per process when unset).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote, urlsplit


class SettingsError(ValueError):
    """A setting is missing or malformed; the message says which, what was seen, what to do."""


class Backend(enum.StrEnum):
    MEMORY = "memory"
    MYSQL = "mysql"
    DYNAMODB = "dynamodb"


@dataclass(frozen=True)
class MySQLSettings:
    host: str
    port: int
    user: str
    password: str = field(repr=False)
    database: str
    unix_socket: str | None = None

    @classmethod
    def from_url(cls, url: str) -> MySQLSettings:
        """Parse ``mysql://user:password@host:port/database[?unix_socket=...]``."""
        parts = urlsplit(url)
        database = parts.path.lstrip("/")
        if parts.scheme != "mysql" or not parts.hostname or not database:
            raise SettingsError(
                "SHOP_MYSQL_URL: expected mysql://user:password@host:port/database, "
                f"got {_redact_url(url)!r}; set it to your server's address"
            )
        if not re.fullmatch(r"[A-Za-z0-9_$]{1,64}", database):
            raise SettingsError(
                f"SHOP_MYSQL_URL: expected a database name of letters, digits, _ or $, "
                f"got {database!r}"
            )
        socket = parse_qs(parts.query).get("unix_socket", [None])[0]
        return cls(
            host=parts.hostname,
            port=parts.port or 3306,
            user=unquote(parts.username or "root"),
            password=unquote(parts.password or ""),
            database=database,
            unix_socket=socket,
        )


@dataclass(frozen=True)
class DynamoSettings:
    endpoint_url: str | None
    region: str = "us-east-1"
    table_prefix: str = "shop_"
    access_key_id: str | None = field(default=None, repr=False)
    secret_access_key: str | None = field(default=None, repr=False)
    retry_mode: str = "standard"
    max_attempts: int = 5

    def __post_init__(self) -> None:
        if self.retry_mode not in ("standard", "adaptive"):
            raise SettingsError(
                f"SHOP_DYNAMODB_RETRY_MODE: expected standard or adaptive, got {self.retry_mode!r}"
            )
        if not re.fullmatch(r"[A-Za-z0-9_.-]{0,200}", self.table_prefix):
            raise SettingsError(
                "SHOP_DYNAMODB_TABLE_PREFIX: expected letters, digits, _ . or -, "
                f"got {self.table_prefix!r}"
            )
        if not 1 <= self.max_attempts <= 20:
            raise SettingsError(
                f"SHOP_DYNAMODB_MAX_ATTEMPTS: expected 1..20, got {self.max_attempts}"
            )


@dataclass(frozen=True)
class Settings:
    backend: Backend
    mysql: MySQLSettings | None = None
    dynamodb: DynamoSettings | None = None
    cursor_secret: bytes | None = field(default=None, repr=False)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        """Settings from environment variables (see the module docstring)."""
        raw = env.get("SHOP_BACKEND", "")
        try:
            backend = Backend(raw)
        except ValueError:
            raise SettingsError(
                f"SHOP_BACKEND: expected one of memory, mysql, dynamodb, got {raw!r}"
            ) from None
        secret = env.get("SHOP_CURSOR_SECRET")
        mysql = dynamodb = None
        if backend is Backend.MYSQL:
            url = env.get("SHOP_MYSQL_URL")
            if not url:
                raise SettingsError(
                    "SHOP_MYSQL_URL: expected mysql://user:password@host:port/database "
                    "because SHOP_BACKEND=mysql, got nothing; set it"
                )
            mysql = MySQLSettings.from_url(url)
        elif backend is Backend.DYNAMODB:
            attempts = env.get("SHOP_DYNAMODB_MAX_ATTEMPTS", "5")
            if not attempts.isdigit():
                raise SettingsError(
                    f"SHOP_DYNAMODB_MAX_ATTEMPTS: expected a whole number, got {attempts!r}"
                )
            dynamodb = DynamoSettings(
                endpoint_url=env.get("SHOP_DYNAMODB_ENDPOINT") or None,
                region=env.get("SHOP_DYNAMODB_REGION")
                or env.get("AWS_REGION")
                or env.get("AWS_DEFAULT_REGION")
                or "us-east-1",
                table_prefix=env.get("SHOP_DYNAMODB_TABLE_PREFIX", "shop_"),
                access_key_id=env.get("AWS_ACCESS_KEY_ID"),
                secret_access_key=env.get("AWS_SECRET_ACCESS_KEY"),
                retry_mode=env.get("SHOP_DYNAMODB_RETRY_MODE", "standard"),
                max_attempts=int(attempts),
            )
        return cls(backend, mysql, dynamodb, secret.encode() if secret else None)


def _redact_url(url: str) -> str:
    return re.sub(r"(//[^:/@]*:)[^@]*@", r"\1***@", url)
