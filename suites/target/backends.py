"""How Parity opens each of the shop's backends: once per session, fresh state per run."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from harness.target import BackendFactory, Determinism, Resources
from shop.backends.memory import build_memory_repositories
from shop.cursors import CursorCodec
from shop.repository_set import RepositorySet
from shop.settings import DynamoSettings, MySQLSettings

CURSOR_SECRET = b"parity-contract-suite"


class MemoryFactory:
    """The reference backend: a new empty store each time."""

    @contextmanager
    def fresh(self, determinism: Determinism) -> Iterator[RepositorySet]:
        repos = build_memory_repositories(
            determinism.clock,
            determinism.ids,
            CursorCodec(CURSOR_SECRET),  # type: ignore[arg-type]
        )
        with repos:
            yield repos


class MySQLFactory:
    """MySQL on a provisioned server: schema created once, tables emptied before each run."""

    def __init__(self, settings: MySQLSettings) -> None:
        from shop.backends.mysql.schema import create_schema

        self.settings = settings
        create_schema(settings)

    @contextmanager
    def fresh(self, determinism: Determinism) -> Iterator[RepositorySet]:
        from shop.backends.mysql import build_mysql_repositories
        from shop.backends.mysql.schema import reset

        reset(self.settings)
        repos = build_mysql_repositories(
            self.settings,
            determinism.clock,
            determinism.ids,  # type: ignore[arg-type]
            CursorCodec(CURSOR_SECRET),
            on_request=determinism.on_request,
        )
        with repos:
            yield repos


class DynamoFactory:
    """DynamoDB on a provisioned endpoint: tables created once, emptied before each run."""

    def __init__(self, settings: DynamoSettings) -> None:
        from shop.backends.dynamodb.contract import create_tables

        self.settings = settings
        create_tables(settings)

    @contextmanager
    def fresh(self, determinism: Determinism) -> Iterator[RepositorySet]:
        from shop.backends.dynamodb import build_dynamodb_repositories
        from shop.backends.dynamodb.contract import delete_all_items

        delete_all_items(self.settings)
        repos = build_dynamodb_repositories(
            self.settings,
            determinism.clock,
            determinism.ids,  # type: ignore[arg-type]
            CursorCodec(CURSOR_SECRET),
            on_request=determinism.on_request,
        )
        with repos:
            yield repos


class DynamoInProcessFactory:
    """DynamoDB on moto in-process (no sockets): a fresh mock and fresh tables per run."""

    SETTINGS = DynamoSettings(
        endpoint_url=None,
        region="us-east-1",
        table_prefix="unit_",
        access_key_id="testing",
        secret_access_key="testing",
    )

    @contextmanager
    def fresh(self, determinism: Determinism) -> Iterator[RepositorySet]:
        from harness.provisioning import moto_in_process
        from shop.backends.dynamodb import build_dynamodb_repositories
        from shop.backends.dynamodb.contract import create_tables

        with moto_in_process():
            create_tables(self.SETTINGS)
            repos = build_dynamodb_repositories(
                self.SETTINGS,
                determinism.clock,
                determinism.ids,  # type: ignore[arg-type]
                CursorCodec(CURSOR_SECRET),
                on_request=determinism.on_request,
            )
            with repos:
                yield repos


@contextmanager
def open_backend(name: str, resources: Resources) -> Iterator[BackendFactory]:
    """The factory for backend ``name``, set up once for the session."""
    if name == "memory":
        yield MemoryFactory()
    elif name == "dynamodb-inprocess":
        yield DynamoInProcessFactory()
    elif name == "mysql":
        endpoint = resources.mysql()
        yield MySQLFactory(MySQLSettings.from_url(endpoint.url))
    elif name == "dynamodb":
        endpoint = resources.dynamodb()
        yield DynamoFactory(_dynamo_settings(endpoint))
    else:
        raise ValueError(f"shop target: no backend {name!r}; expected one of {BACKENDS}")


def _dynamo_settings(endpoint: Any) -> DynamoSettings:
    return DynamoSettings(
        endpoint_url=endpoint.url,
        region=endpoint.region,
        table_prefix=endpoint.table_prefix,
        access_key_id=endpoint.access_key,
        secret_access_key=endpoint.secret_key,
    )


BACKENDS = ("memory", "dynamodb-inprocess", "mysql", "dynamodb")

__all__ = ["BACKENDS", "open_backend"]
