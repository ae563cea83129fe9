"""How a target's build function plugs in, and how its result is opened and closed.

A build function takes the handle Parity made for one ``fresh()`` (``MySQLDatabase`` or
``DynamoDBTables``) and the run's ``Determinism``, and returns the repository set. If the
result is a context manager it is entered around the ``fresh()`` block (the value of
``__enter__`` is what the block gets) and exited after it; otherwise, if it has a
``close()``, that is called after the block; otherwise it is handed out as it is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeAlias

if TYPE_CHECKING:
    from harness.determinism import Determinism
    from harness.storage.dynamodb import DynamoDBTables
    from harness.storage.mysql import MySQLDatabase

Build: TypeAlias = "Callable[[MySQLDatabase | DynamoDBTables, Determinism], Any]"
"""A target's build function (either backend)."""

MySQLBuild: TypeAlias = "Callable[[MySQLDatabase, Determinism], Any]"
"""A build function for ``mysql_backend``."""

DynamoDBBuild: TypeAlias = "Callable[[DynamoDBTables, Determinism], Any]"
"""A build function for ``dynamodb_backend``."""


@contextmanager
def opened(built: Any) -> Iterator[Any]:
    """Hand out what a build function returned, entered or closed as the module says."""
    kind = type(built)
    if callable(getattr(kind, "__enter__", None)) and callable(getattr(kind, "__exit__", None)):
        with built as entered:
            yield entered
    elif callable(getattr(built, "close", None)):
        try:
            yield built
        finally:
            built.close()
    else:
        yield built


__all__ = ["Build", "DynamoDBBuild", "MySQLBuild", "opened"]
