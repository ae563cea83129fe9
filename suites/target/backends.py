"""How Parity opens each of the shop's backends: once per session, fresh state per run."""

from __future__ import annotations

import base64
import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from harness.determinism import Determinism
from harness.target import BackendFactory, Resources
from shop.backends.memory import MemoryStore, build_memory_repositories
from shop.cursors import CursorCodec
from shop.domain import Unavailable
from shop.repository_set import RepositorySet
from shop.settings import DynamoSettings, MySQLSettings

CURSOR_SECRET = b"parity-contract-suite"

logger = logging.getLogger(__name__)


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
            determinism.clock,
            determinism.ids,
            CursorCodec(CURSOR_SECRET),  # type: ignore[arg-type]
            store=store,
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

    On moto in-process (no endpoint URL and a ``mock_aws`` active, or ``direct_state=True``)
    the saved state, the restores and the empty reset copy moto's own objects
    (``harness.provisioning.moto_state``) instead of Scan + BatchWriteItem: no requests at
    all. The first save and the first restore are checked against a Scan through the API;
    if moto is not shaped as expected the factory warns once and uses the API from then on.
    """

    def __init__(self, settings: DynamoSettings, *, direct_state: bool | None = None) -> None:
        from shop.backends.dynamodb import create_tables, load_contract, make_client

        self.settings = settings
        self.admin = make_client(settings)
        create_tables(settings, client=self.admin)
        self.tables = list(load_contract().table_names(settings.table_prefix).values())
        """Physical table names, in contract order."""
        self.direct = self._can_go_direct() if direct_state is None else direct_state
        """Whether state moves by copying moto's objects (else through the API)."""
        self._saves_checked = False
        self._restores_checked = False

    @contextmanager
    def fresh(self, determinism: Determinism, restore: Any = None) -> Iterator[RepositorySet]:
        from shop.backends.dynamodb import build_dynamodb_repositories

        self._reset(restore)
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

    def save(self) -> Any:
        """Every item of every table: moto's objects copied, or raw items from a Scan."""
        from harness.provisioning.moto_state import MotoStateError, save_tables

        if self.direct:
            try:
                state = save_tables(self.tables, region=self.settings.region)
                if not self._saves_checked:
                    self._check(state, "a saved state")
                    self._saves_checked = True
                return state
            except MotoStateError as error:
                self._fall_back(error)
        return self._dump_api()

    def close(self) -> None:
        """Release the admin client."""
        self.admin.close()

    def _reset(self, restore: Any) -> None:
        """Make the tables hold ``restore`` (a ``save()`` result), or nothing."""
        from harness.provisioning.moto_state import MotoStateError, MotoTablesState

        if self.direct and (restore is None or isinstance(restore, MotoTablesState)):
            try:
                self._reset_direct(restore)
                return
            except MotoStateError as error:
                self._fall_back(error)
        if isinstance(restore, MotoTablesState):
            restore = self._as_table_items(restore)
        self._reset_api(restore)

    def _reset_direct(self, restore: Any) -> None:
        from harness.provisioning.moto_state import MotoTablesMissing, clear_tables, restore_tables

        def reset() -> None:
            if restore is None:
                clear_tables(self.tables, region=self.settings.region)
            else:
                restore_tables(restore)

        try:
            reset()
        except MotoTablesMissing:
            self._recreate_if_missing()
            reset()
        if restore is not None and not self._restores_checked:
            self._check(restore, "a restored state")
            self._restores_checked = True

    def _reset_api(self, restore: Any) -> None:
        from shop.backends.dynamodb import delete_all_items
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

    def _recreate_if_missing(self) -> None:
        from shop.backends.dynamodb import create_tables, delete_all_items

        create_tables(self.settings, client=self.admin)
        delete_all_items(self.settings, client=self.admin)

    def _dump_api(self) -> Any:
        from shop.backends.dynamodb.contract import dump_items

        return dump_items(self.settings, client=self.admin)

    def _can_go_direct(self) -> bool:
        from harness.provisioning.moto_state import MotoStateError, mock_active

        if self.settings.endpoint_url is not None:
            return False
        try:
            return mock_active()
        except MotoStateError as error:
            self._fall_back(error)
            return False

    def _check(self, state: Any, what: str) -> None:
        """Raise ``MotoStateError`` unless a Scan through the API sees exactly ``state``."""
        from harness.provisioning.moto_state import MotoStateError, check_against_api

        difference = check_against_api(state, self.admin)
        if difference is not None:
            raise MotoStateError(
                f"moto's in-process objects disagree with its API on {what}",
                expected="a Scan of each table returns exactly the items copied directly",
                observed=difference,
            )

    def _fall_back(self, error: Exception) -> None:
        """Use the API from now on, and say so (once per factory)."""
        if self.direct:
            message = f"DynamoFactory: direct moto state unavailable, using the API\n{error}"
            logger.warning(message)
            warnings.warn(message, RuntimeWarning, stacklevel=3)
        self.direct = False

    def _as_table_items(self, state: Any) -> Any:
        """A direct ``MotoTablesState`` as ``dump_items`` would have saved it."""
        prefix = self.settings.table_prefix
        return {
            name.removeprefix(prefix): [_binary_as_bytes(item) for item in items]
            for name, items in state.raw_items().items()
        }


def _binary_as_bytes(value: Any) -> Any:
    """moto keeps B/BS values base64-encoded as on the wire; boto3 clients take bytes."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, inner in value.items():
            if key == "B" and isinstance(inner, str):
                out[key] = base64.b64decode(inner)
            elif key == "BS" and isinstance(inner, list):
                out[key] = [base64.b64decode(v) if isinstance(v, str) else v for v in inner]
            else:
                out[key] = _binary_as_bytes(inner)
        return out
    if isinstance(value, list):
        return [_binary_as_bytes(v) for v in value]
    return value


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
        factory = DynamoFactory(_dynamo_settings(resources.dynamodb()), direct_state=False)
        try:
            yield factory
        finally:
            factory.close()
    elif name.startswith("mutant:"):
        from harness.provisioning import moto_in_process
        from suites.unit.mutants import ALL_MUTANTS, MutantFactory

        mutant = next(m for m in ALL_MUTANTS if f"mutant:{m.name}" == name)
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
