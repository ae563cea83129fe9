"""DynamoDB for a target that declares its tables: ``dynamodb_backend`` and what it hands out.

``dynamodb_backend(resources, tables, build)`` takes this worker's endpoint
(``resources.dynamodb()``: a server with a table prefix unique to the worker, or moto
in-process with no URL), creates the declared tables under the prefix once, and yields
a ``DynamoDBBackend``. Each ``fresh(determinism)`` empties the tables (or restores a
``save()``d state), makes a ``DynamoDBTables`` handle whose clients report every API call
to ``determinism.on_request`` and what it cost to ``determinism.on_cost``
(``harness.cost.dynamodb_capture``), and hands out ``build(handle, determinism)``.

State moves through an administrative client whose requests are not counted: on moto
in-process by copying moto's objects (``harness.storage.moto_direct``), elsewhere with
Scan + BatchWriteItem (``harness.storage.dynamodb_state``). Tables that vanished (moto's
mock is reset whenever a test enters its own) are created again. The tables are the
fixtures' to delete (``parity_dynamodb_endpoint`` deletes every table under its prefix
at the end), so nothing here deletes them. boto3 is imported only when a backend is
opened or a client made.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from harness.cost.events import CostSink, ignore_cost
from harness.storage.build import opened
from harness.storage.errors import StorageError

if TYPE_CHECKING:
    from botocore.config import Config
    from mypy_boto3_dynamodb import DynamoDBClient

    from harness.determinism import Determinism
    from harness.provisioning.endpoints import DynamoEndpoint
    from harness.storage.build import DynamoDBBuild
    from harness.storage.dynamodb_tables import DynamoTables
    from harness.storage.moto_direct import MotoDirect
    from harness.target import Resources

OnRequest = Callable[[str], None]


def _ignore(label: str) -> None:
    """The default ``on_request``: count nothing."""


class DynamoDBTables:
    """This worker's tables for one ``fresh()``: endpoint, physical names, counting clients.

    ``client(config)`` makes a boto3 DynamoDB client for the endpoint (its URL, region and
    credentials; ``config`` a ``botocore.config.Config`` for retries and timeouts). Each
    API call it makes, not each retry, calls ``on_request(<operation name>)``
    (``"Query"``, ``"TransactWriteItems"``, ...) and, unless ``on_cost`` is the default
    ``ignore_cost``, ``on_cost(RequestCost(...))`` once its response is in (the capacity
    units by DynamoDB's rules, index writes from the declared tables' definitions; see
    ``harness.cost.dynamodb_capture``). Clients are closed when the ``fresh()`` block ends.
    """

    def __init__(
        self,
        endpoint: DynamoEndpoint,
        tables: DynamoTables | None = None,
        on_request: OnRequest = _ignore,
        on_cost: CostSink = ignore_cost,
    ) -> None:
        self.endpoint = endpoint
        self._names = None if tables is None else tables.names
        self._on_request = on_request
        self._on_cost = on_cost
        self._definitions: dict[str, Any] = (
            {}
            if tables is None
            else {endpoint.table_name(name): tables.definition(name) for name in tables.names}
        )
        self._clients: list[DynamoDBClient] = []
        self._lock = threading.Lock()

    @property
    def table_prefix(self) -> str:
        """What every physical table name starts with (unique to this worker and run)."""
        return self.endpoint.table_prefix

    def table_name(self, logical: str) -> str:
        """The physical name of declared table ``logical`` (the prefix + ``logical``)."""
        if self._names is not None and logical not in self._names:
            raise StorageError(
                f"DynamoDBTables.table_name: no table {logical!r} was declared",
                expected=f"one of the declared logical names {list(self._names)}",
                observed=repr(logical),
                hint="use the TableName of a DynamoTables definition (without any prefix)",
            )
        return self.endpoint.table_name(logical)

    def table_names(self) -> dict[str, str]:
        """Logical name -> physical name, for every declared table."""
        return {name: self.endpoint.table_name(name) for name in self._names or ()}

    def client(self, config: Config | None = None) -> DynamoDBClient:
        """A boto3 DynamoDB client whose API calls are counted and costed (see the class)."""
        from harness.storage.dynamodb_client import count_requests, new_client

        client = new_client(self.endpoint, config)
        count_requests(client, self._on_request)
        if self._on_cost is not ignore_cost:
            from harness.cost.dynamodb_capture import capture_costs

            capture_costs(client, self._on_cost, tables=self._definitions)
        with self._lock:
            self._clients.append(client)
        return client

    def close(self) -> None:
        """Close every client this handle made (closing one twice is harmless)."""
        with self._lock:
            clients, self._clients = self._clients, []
        for client in clients:
            client.close()

    def __repr__(self) -> str:
        return f"DynamoDBTables({self.endpoint!r})"


class DynamoDBBackend:
    """A target's DynamoDB backend for one session (a ``BackendFactory`` that ``SavesState``).

    Made by ``dynamodb_backend``: the tables are created when it is made.
    ``fresh(determinism)`` hands out a repository set on empty tables,
    ``fresh(determinism, restore=state)`` one on the items ``save()`` found.
    ``direct_state`` forces (True) or forbids (False) copying moto's objects; by default it
    is used when the endpoint has no URL and a moto ``mock_aws`` is active.
    """

    def __init__(
        self,
        endpoint: DynamoEndpoint,
        tables: DynamoTables,
        build: DynamoDBBuild,
        *,
        direct_state: bool | None = None,
    ) -> None:
        from harness.storage.dynamodb_client import new_client

        self.endpoint = endpoint
        self.tables = tables
        self.build = build
        self.admin = new_client(endpoint, _admin_config())
        """The administrative client (never counted)."""
        self._direct: MotoDirect | None = None
        try:
            self._create()
            if direct_state is not False and (direct_state or endpoint.url is None):
                from harness.storage.moto_direct import MotoDirect

                self._direct = MotoDirect(
                    endpoint, tables, self.admin, self._recreate, enabled=direct_state
                )
        except BaseException:
            self.admin.close()
            raise

    @property
    def direct(self) -> bool:
        """Whether state moves by copying moto's objects now (False: through the API)."""
        return self._direct is not None and self._direct.enabled

    @property
    def table_names(self) -> dict[str, str]:
        """Logical name -> physical name of every declared table."""
        return {name: self.endpoint.table_name(name) for name in self.tables.names}

    @contextmanager
    def fresh(self, determinism: Determinism, restore: Any = None) -> Iterator[Any]:
        """The repository set ``build`` makes, on empty tables or on ``restore``."""
        self._reset(restore)
        handle = DynamoDBTables(
            self.endpoint, self.tables, determinism.on_request, determinism.on_cost
        )
        try:
            with opened(self.build(handle, determinism)) as repositories:
                yield repositories
        finally:
            handle.close()

    def save(self) -> Any:
        """Every item of every table (moto's objects copied, or raw items from a Scan)."""
        if self._direct is not None:
            state = self._direct.save()
            if state is not None:
                return state
        from harness.storage.dynamodb_state import dump_items

        return self._api("Scan", lambda: dump_items(self.admin, self.tables, self._prefix))

    def close(self) -> None:
        """Release the administrative client (the tables stay; the fixtures delete them)."""
        self.admin.close()

    @property
    def _prefix(self) -> str:
        return self.endpoint.table_prefix

    def _reset(self, restore: Any) -> None:
        """Make the tables hold ``restore`` (a ``save()`` result), or nothing."""
        from harness.storage.dynamodb_state import check_state, clear_tables, load_items

        if self._direct is not None:
            if self._direct.reset(restore):
                return
            restore = self._direct.to_items(restore)
        items = None if restore is None else check_state(restore, self.tables)

        def reset() -> None:
            if items is None:
                clear_tables(self.admin, self.tables, self._prefix)
            else:
                load_items(self.admin, items, self.tables, self._prefix)

        self._api("Scan/BatchWriteItem", reset, recreate=True)

    def _api(self, operation: str, work: Callable[[], Any], *, recreate: bool = False) -> Any:
        """``work()``; tables that vanished are created again (and ``work`` retried) when
        ``recreate``; an endpoint that does not answer raises ``StorageUnavailable``."""
        from harness.storage.dynamodb_state import is_missing_table, is_unavailable, unavailable

        try:
            try:
                return work()
            except Exception as error:
                if not is_missing_table(error):
                    raise
                self._recreate()
                return work()
        except Exception as error:
            if is_unavailable(error):
                raise unavailable(operation, f"{self._prefix}*", error) from error
            raise

    def _create(self) -> None:
        from harness.storage.dynamodb_state import create_tables

        create_tables(self.admin, self.tables, self._prefix)

    def _recreate(self) -> None:
        """Create the tables that are missing; empty the others."""
        from harness.storage.dynamodb_state import clear_tables

        self._create()
        clear_tables(self.admin, self.tables, self._prefix)

    def __repr__(self) -> str:
        return f"DynamoDBBackend({self.endpoint!r}, tables={list(self.tables.names)})"


def _admin_config() -> Config:
    from botocore.config import Config

    return Config(
        retries={"mode": "standard", "total_max_attempts": 4},
        connect_timeout=5,
        read_timeout=30,
    )


@contextmanager
def dynamodb_backend(
    resources: Resources, tables: DynamoTables, build: DynamoDBBuild
) -> Iterator[DynamoDBBackend]:
    """This worker's DynamoDB tables, created once, for the session.

    Use it as a target's ``open_backend`` for a DynamoDB backend::

        def open_backend(self, name, resources):
            if name == "dynamodb":
                return dynamodb_backend(resources, TABLES, build_dynamodb)
    """
    backend = DynamoDBBackend(resources.dynamodb(), tables, build)
    try:
        yield backend
    finally:
        backend.close()


__all__ = ["DynamoDBBackend", "DynamoDBTables", "dynamodb_backend"]
