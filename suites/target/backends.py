"""How Parity opens each of the shop's backends: once per session, fresh state per run.

MySQL and DynamoDB go through Parity's storage helpers (``harness.storage``, see
docs/storage.md): the shop declares its schema (``schema.sql``, package data read by
``MySQLSchema.from_file``) and its tables (``migration-contract.json``, read by
``DynamoTables.from_contract``), and says how to build its repositories from the
connection opener and the client Parity hands it. Parity creates the schema once, resets
or restores it before each run and counts every request (so the shop gets no
``on_request`` here). The memory reference backend keeps a factory of its own.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from harness import (
    BackendFactory,
    Determinism,
    DynamoDBTables,
    DynamoTables,
    EndpointResources,
    MySQLDatabase,
    MySQLSchema,
    Resources,
    SavesState,
    dynamodb_backend,
    moto_in_process,
    mysql_backend,
)
from shop.backends.memory import MemoryStore, build_memory_repositories
from shop.cursors import CursorCodec
from shop.repository_set import RepositorySet
from shop.settings import DynamoSettings, MySQLSettings

if TYPE_CHECKING:  # the endpoints' module imports the drivers: not at the target's import
    from harness import DynamoEndpoint

CURSOR_SECRET = b"parity-contract-suite"

Adapt = Callable[[RepositorySet], RepositorySet]
"""Changes a repository set before it is handed out (the mutants plant their bugs so)."""


class MemoryFactory:
    """The reference backend: a new empty store each time, or a copy of a saved one.

    ``save()`` copies the store of the repository set handed out last, so Parity seeds a
    dataset once and restores it for later cases, as on the other backends.
    """

    def __init__(self) -> None:
        self._store: MemoryStore | None = None

    @contextmanager
    def fresh(
        self, determinism: Determinism, restore: MemoryStore | None = None
    ) -> Iterator[RepositorySet]:
        store = restore.copy() if restore is not None else MemoryStore()
        self._store = store
        repos = build_memory_repositories(
            determinism.clock, determinism.ids, CursorCodec(CURSOR_SECRET), store=store
        )
        with repos:
            yield repos

    def save(self) -> MemoryStore:
        """A copy of the current store (entities are immutable; cart lines are copied)."""
        if self._store is None:
            raise RuntimeError(
                "MemoryFactory.save: expected a repository set handed out by fresh(), "
                "observed none yet; hint: call save() inside `with factory.fresh(...)`"
            )
        return self._store.copy()


@functools.cache
def mysql_schema() -> MySQLSchema:
    """The shop's DDL (``shop/src/shop/backends/mysql/schema.sql``), read once."""
    from shop.backends.mysql.schema import SCHEMA_PATH

    return MySQLSchema.from_file(SCHEMA_PATH)


@functools.cache
def dynamodb_tables() -> DynamoTables:
    """The shop's DynamoDB tables, from its migration contract, read once."""
    from shop.backends.dynamodb import CONTRACT_PATH

    return DynamoTables.from_contract(CONTRACT_PATH)


def build_mysql(database: MySQLDatabase, determinism: Determinism) -> RepositorySet:
    """The shop's MySQL repositories, connecting through Parity's counting ``connect``."""
    from shop.backends.mysql import build_mysql_repositories

    endpoint = database.endpoint
    settings = MySQLSettings(
        host=endpoint.host,
        port=endpoint.port,
        user=endpoint.user,
        password=endpoint.password,
        database=endpoint.database or "",
        unix_socket=endpoint.unix_socket,
    )
    return build_mysql_repositories(
        settings,
        determinism.clock,
        determinism.ids,
        CursorCodec(CURSOR_SECRET),
        opener=database.connect,
    )


@dataclass(frozen=True)
class DynamoDBBuilder:
    """Builds the shop's DynamoDB repositories on the tables Parity hands out, with one of
    Parity's counting clients configured as the shop configures its own."""

    adapt: Adapt | None = None
    """Applied to each set before it is handed out (None: the set as built)."""
    max_attempts: int = 5
    """The shop's ``SHOP_DYNAMODB_MAX_ATTEMPTS`` (total attempts per request)."""

    def __call__(self, tables: DynamoDBTables, determinism: Determinism) -> RepositorySet:
        from shop.backends.dynamodb import build_dynamodb_repositories, client_config

        settings = dynamo_settings(tables.endpoint, max_attempts=self.max_attempts)
        repos = build_dynamodb_repositories(
            settings,
            determinism.clock,
            determinism.ids,
            CursorCodec(CURSOR_SECRET),
            client=tables.client(client_config(settings)),
        )
        return repos if self.adapt is None else self.adapt(repos)


def dynamo_settings(endpoint: DynamoEndpoint, *, max_attempts: int = 5) -> DynamoSettings:
    """The shop's settings for a Parity DynamoDB endpoint."""
    return DynamoSettings(
        endpoint_url=endpoint.url,
        region=endpoint.region,
        table_prefix=endpoint.table_prefix,
        access_key_id=endpoint.access_key,
        secret_access_key=endpoint.secret_key,
        max_attempts=max_attempts,
    )


@contextmanager
def dynamodb_in_process(adapt: Adapt | None = None) -> Iterator[SavesState]:
    """The shop's DynamoDB backend on moto in-process, in a mock of its own that starts
    empty (``moto_in_process``). ``adapt`` changes every repository set handed out."""
    with (
        moto_in_process("unit_") as endpoint,
        dynamodb_backend(
            EndpointResources(dynamodb=endpoint), dynamodb_tables(), DynamoDBBuilder(adapt)
        ) as backend,
    ):
        yield backend


@contextmanager
def open_backend(name: str, resources: Resources) -> Iterator[BackendFactory]:
    """The factory for backend ``name``, set up once for the session."""
    if name == "memory":
        yield MemoryFactory()
    elif name == "dynamodb-inprocess":
        with dynamodb_in_process() as backend:
            yield backend
    elif name == "mysql":
        with mysql_backend(resources, mysql_schema(), build_mysql) as backend:
            yield backend
    elif name == "dynamodb":
        with dynamodb_backend(resources, dynamodb_tables(), DynamoDBBuilder()) as backend:
            yield backend
    elif name.startswith("mutant:"):
        from suites.unit.mutants import ALL_MUTANTS, mutant_backend

        mutant = next(m for m in ALL_MUTANTS if f"mutant:{m.name}" == name)
        with mutant_backend(mutant) as planted:
            yield planted
    else:
        raise ValueError(f"shop target: no backend {name!r}; expected one of {BACKENDS}")


BACKENDS = ("memory", "dynamodb-inprocess", "mysql", "dynamodb")

__all__ = [
    "BACKENDS",
    "CURSOR_SECRET",
    "DynamoDBBuilder",
    "MemoryFactory",
    "build_mysql",
    "dynamodb_in_process",
    "dynamodb_tables",
    "mysql_schema",
    "open_backend",
]
