"""MySQL for a target that declares its schema: ``mysql_backend`` and what it hands out.

``mysql_backend(resources, schema, build)`` opens this worker's database
(``resources.mysql()``), runs ``schema`` once, and yields a ``MySQLBackend``. Each
``fresh(determinism)`` resets the tables (or restores a ``save()``d state), makes a
``MySQLDatabase`` handle whose connections report every statement to
``determinism.on_request`` (and what it cost to ``determinism.on_cost``), and hands out
``build(handle, determinism)``.

The database itself is the fixtures' to drop (``parity_mysql_database`` drops it at the
end of the session), so nothing here drops tables. PyMySQL is imported only when a
backend is opened or a connection made.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from harness.cost.events import CostSink, ignore_cost
from harness.storage.build import opened

if TYPE_CHECKING:
    from pymysql.connections import Connection

    from harness.determinism import Determinism
    from harness.provisioning.endpoints import MySQLEndpoint
    from harness.storage.build import MySQLBuild
    from harness.storage.mysql_schema import MySQLSchema
    from harness.storage.mysql_state import MySQLState
    from harness.target import Resources

OnRequest = Callable[[str], None]


def _ignore(label: str) -> None:
    """The default ``on_request``: count nothing."""


class MySQLDatabase:
    """This worker's database for one ``fresh()``: its endpoint and counting connections.

    ``connect(**kwargs)`` opens a PyMySQL connection like ``MySQLEndpoint.connect`` (the
    endpoint's host, port, user, password, database and socket, utf8mb4, autocommit, a 5 s
    connect timeout), with ``kwargs`` overriding or adding any ``pymysql.connect``
    argument (``cursorclass``, ``init_command``, ``client_flag``, timeouts ...). Every
    statement the connection sends calls ``on_request(<SQL verb>)`` once; connection setup
    does not. With an ``on_cost`` sink (the default ``ignore_cost`` is none), each such
    statement also gives ``on_cost(RequestCost)`` once it has run: the rows it examined and
    sent and whether it scanned a table, from the session's status counters around it
    (docs/cost-mysql.md); without one, nothing extra is sent. Connections still open when
    the ``fresh()`` block ends are closed then.
    """

    def __init__(
        self,
        endpoint: MySQLEndpoint,
        on_request: OnRequest = _ignore,
        on_cost: CostSink = ignore_cost,
    ) -> None:
        self.endpoint = endpoint
        self._on_request = on_request
        self._on_cost = on_cost
        self._opened: list[Connection[Any]] = []
        self._lock = threading.Lock()

    def connect(self, **pymysql_kwargs: Any) -> Connection[Any]:
        """A new connection to the database whose statements are counted (see the class)."""
        from harness.storage.mysql_connection import counting_connect

        overrides = dict(pymysql_kwargs)
        for alias, name in (("db", "database"), ("passwd", "password")):  # PyMySQL's aliases
            if alias in overrides:
                overrides.setdefault(name, overrides.pop(alias))
        kwargs: dict[str, Any] = {
            "host": self.endpoint.host,
            "port": self.endpoint.port,
            "user": self.endpoint.user,
            "password": self.endpoint.password,
            "database": self.endpoint.database,
            "unix_socket": self.endpoint.unix_socket,
            "charset": "utf8mb4",
            "autocommit": True,
            "connect_timeout": 5,
            **overrides,
        }
        connection = counting_connect(self._on_request, self._on_cost, **kwargs)
        with self._lock:
            self._opened = [c for c in self._opened if c.open]
            self._opened.append(connection)
        return connection

    def close(self) -> None:
        """Close every connection this handle opened that is still open."""
        import pymysql

        with self._lock:
            connections, self._opened = self._opened, []
        for connection in connections:
            if connection.open:
                with contextlib.suppress(pymysql.MySQLError, OSError):
                    connection.close()

    def __repr__(self) -> str:
        return f"MySQLDatabase({self.endpoint.redacted()})"


class MySQLBackend:
    """A target's MySQL backend for one session (a ``BackendFactory`` that ``SavesState``).

    Made by ``mysql_backend``: the schema runs when it is made. ``fresh(determinism)``
    hands out a repository set on emptied tables, ``fresh(determinism, restore=state)`` one
    on the tables as ``save()`` found them (rows and next AUTO_INCREMENT values).
    """

    def __init__(self, endpoint: MySQLEndpoint, schema: MySQLSchema, build: MySQLBuild) -> None:
        from harness.storage.mysql_state import MySQLAdmin

        self.endpoint = endpoint
        self.schema = schema
        self.build = build
        self._admin = MySQLAdmin(endpoint, schema)
        try:
            self._admin.create_schema()
        except BaseException:
            self._admin.close()
            raise

    @property
    def tables(self) -> tuple[str, ...]:
        """The schema's tables (the ones reset, saved and restored)."""
        return self.schema.tables

    @contextmanager
    def fresh(self, determinism: Determinism, restore: MySQLState | None = None) -> Iterator[Any]:
        """The repository set ``build`` makes, on empty tables or on ``restore``."""
        if restore is None:
            self._admin.reset()
        else:
            self._admin.load(restore)
        database = MySQLDatabase(self.endpoint, determinism.on_request, determinism.on_cost)
        try:
            with opened(self.build(database, determinism)) as repositories:
                yield repositories
        finally:
            database.close()

    def save(self) -> MySQLState:
        """Every table's rows and next AUTO_INCREMENT value, for ``fresh(restore=...)``."""
        return self._admin.dump()

    def close(self) -> None:
        """Close the administrative connection (the tables stay; the fixtures drop them)."""
        self._admin.close()

    def __repr__(self) -> str:
        return f"MySQLBackend({self.endpoint.redacted()}, tables={list(self.tables)})"


@contextmanager
def mysql_backend(
    resources: Resources, schema: MySQLSchema, build: MySQLBuild
) -> Iterator[MySQLBackend]:
    """This worker's MySQL database with ``schema`` created once, for the session.

    Use it as a target's ``open_backend`` for a MySQL backend::

        def open_backend(self, name, resources):
            if name == "mysql":
                return mysql_backend(resources, SCHEMA, build_mysql)
    """
    backend = MySQLBackend(resources.mysql(), schema, build)
    try:
        yield backend
    finally:
        backend.close()


__all__ = ["MySQLBackend", "MySQLDatabase", "mysql_backend"]
