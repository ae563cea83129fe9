"""PyMySQL connections that report every statement they send to ``on_request``.

Imported only when a MySQL backend is opened (it imports PyMySQL).

``CountingConnection`` overrides ``query`` (every cursor class sends its statements
through it: ``execute``, ``executemany`` batches, ``callproc``) and the methods that send
SQL of their own (``begin``, ``commit``, ``rollback``, ``autocommit`` when it changes the
mode, ``show_warnings``). Each reports its SQL verb once. Connection setup (``SET NAMES``,
``sql_mode``, ``init_command``, the initial autocommit mode, a reconnect) is not counted:
it is the driver's, not the repositories'.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pymysql.connections

from harness.storage.statements import statement_verb

OnRequest = Callable[[str], None]

if TYPE_CHECKING:
    _Connection = pymysql.connections.Connection[Any]
else:  # generic only in the type stubs
    _Connection = pymysql.connections.Connection


class CountingConnection(_Connection):
    """A PyMySQL connection calling ``on_request(verb)`` once per statement it sends."""

    def __init__(self, *, on_request: OnRequest, **kwargs: Any) -> None:
        self._on_request = on_request
        self._counting = False  # connect() runs inside __init__: setup is not counted
        super().__init__(**kwargs)
        self._counting = True

    def connect(self, sock: Any = None) -> None:
        """Connect (or reconnect); the setup statements are not counted."""
        counting, self._counting = self._counting, False
        try:
            super().connect(sock)
        finally:
            self._counting = counting

    def query(self, sql: Any, unbuffered: bool = False) -> int:
        """Send one statement (what every cursor calls), reporting its verb."""
        self._report(statement_verb(sql))
        return int(super().query(sql, unbuffered))

    def begin(self) -> None:
        """``BEGIN``."""
        self._report("BEGIN")
        super().begin()

    def commit(self) -> None:
        """``COMMIT``."""
        self._report("COMMIT")
        super().commit()

    def rollback(self) -> None:
        """``ROLLBACK``."""
        self._report("ROLLBACK")
        super().rollback()

    def autocommit(self, value: Any) -> None:
        """``SET AUTOCOMMIT`` (reported only when the mode changes, as only then is it sent)."""
        if bool(value) != self.get_autocommit():
            self._report("SET")
        super().autocommit(value)

    def show_warnings(self) -> Any:
        """``SHOW WARNINGS``."""
        self._report("SHOW")
        return super().show_warnings()  # type: ignore[no-untyped-call]

    def _report(self, verb: str) -> None:
        if self._counting:
            self._on_request(verb)


def counting_connect(on_request: OnRequest, **kwargs: Any) -> CountingConnection:
    """Open a ``CountingConnection`` (``kwargs`` as for ``pymysql.connect``)."""
    return CountingConnection(on_request=on_request, **kwargs)


__all__ = ["CountingConnection", "counting_connect"]
