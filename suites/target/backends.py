"""How Parity opens each of the shop's backends: once per session, fresh state per run."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from harness.determinism import Determinism
from harness.target import BackendFactory, Resources
from shop.backends.memory import build_memory_repositories
from shop.cursors import CursorCodec
from shop.domain import Unavailable
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
    def fresh(self, determinism: Determinism, restore: Any = None) -> Iterator[RepositorySet]:
        from shop.backends.mysql import build_mysql_repositories
        from shop.backends.mysql.schema import load, reset

        if restore is not None:
            load(self.settings, restore)
        else:
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

    def save(self) -> Any:
        """Every row and next id of every table."""
        from shop.backends.mysql.schema import dump

        return dump(self.settings)


class DynamoFactory:
    """DynamoDB on an endpoint: tables created once, emptied before each run.

    One admin client serves the session's resets (its requests are not the repositories').
    Tables wiped from under us (moto's in-process mock is reset whenever any test enters
    its own) are created again.
    """

    def __init__(self, settings: DynamoSettings) -> None:
        from shop.backends.dynamodb import create_tables, make_client

        self.settings = settings
        self.admin = make_client(settings)
        create_tables(settings, client=self.admin)

    @contextmanager
    def fresh(self, determinism: Determinism, restore: Any = None) -> Iterator[RepositorySet]:
        from shop.backends.dynamodb import build_dynamodb_repositories, delete_all_items
        from shop.backends.dynamodb.contract import load_items

        try:
            if restore is not None:
                load_items(self.settings, restore, client=self.admin)
            else:
                delete_all_items(self.settings, client=self.admin)
        except Unavailable:
            self._recreate_if_missing()
            if restore is not None:
                load_items(self.settings, restore, client=self.admin)
        repos = build_dynamodb_repositories(
            self.settings,
            determinism.clock,  # type: ignore[arg-type]
            determinism.ids,
            CursorCodec(CURSOR_SECRET),
            on_request=determinism.on_request,
        )
        with self.adapt(repos):
            yield repos

    def adapt(self, repos: RepositorySet) -> RepositorySet:
        """The repository set handed out (self-tests override this to plant bugs)."""
        return repos

    def _recreate_if_missing(self) -> None:
        from shop.backends.dynamodb import create_tables, delete_all_items

        create_tables(self.settings, client=self.admin)
        delete_all_items(self.settings, client=self.admin)

    def save(self) -> Any:
        """Every item of every table, raw."""
        from shop.backends.dynamodb.contract import dump_items

        return dump_items(self.settings, client=self.admin)

    def close(self) -> None:
        """Release the admin client."""
        self.admin.close()


IN_PROCESS_SETTINGS = DynamoSettings(
    endpoint_url=None,
    region="us-east-1",
    table_prefix="unit_",
    access_key_id="testing",
    secret_access_key="testing",
)
"""moto in-process: no endpoint, moto's fake keys."""


@contextmanager
def open_backend(name: str, resources: Resources) -> Iterator[BackendFactory]:
    """The factory for backend ``name``, set up once for the session."""
    if name == "memory":
        yield MemoryFactory()
    elif name == "dynamodb-inprocess":
        from harness.provisioning import moto_in_process

        with moto_in_process():
            factory = DynamoFactory(IN_PROCESS_SETTINGS)
            try:
                yield factory
            finally:
                factory.close()
    elif name == "mysql":
        endpoint = resources.mysql()
        yield MySQLFactory(MySQLSettings.from_url(endpoint.url))
    elif name == "dynamodb":
        factory = DynamoFactory(_dynamo_settings(resources.dynamodb()))
        try:
            yield factory
        finally:
            factory.close()
    elif name.startswith("mutant:"):
        from harness.provisioning import moto_in_process
        from suites.unit.mutants import MUTANTS, MutantFactory

        mutant = next(m for m in MUTANTS if f"mutant:{m.name}" == name)
        with moto_in_process():
            planted = MutantFactory(IN_PROCESS_SETTINGS, mutant)
            try:
                yield planted
            finally:
                planted.close()
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
