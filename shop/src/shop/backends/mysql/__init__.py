"""The MySQL backend: plain parameterised SQL through PyMySQL on InnoDB (MySQL 8, MariaDB 10.11).

The schema is ``schema.sql`` beside this module (package data; load it with
``schema.create_schema``).
"""

from __future__ import annotations

from collections.abc import Callable

from shop.clock import Clock, IdSource
from shop.cursors import CursorCodec
from shop.repository_set import RepositorySet
from shop.settings import MySQLSettings

from .carts import MySQLCartRepository
from .categories import MySQLCategoryRepository
from .connection import Opener
from .database import Database
from .orders import MySQLOrderRepository
from .products import MySQLProductRepository
from .users import MySQLUserRepository


def build_mysql_repositories(
    settings: MySQLSettings,
    clock: Clock,
    ids: IdSource,
    cursors: CursorCodec,
    on_request: Callable[[str], None] | None = None,
    *,
    opener: Opener | None = None,
) -> RepositorySet:
    """A repository set on the MySQL database ``settings`` names (its schema loaded).

    ``ids`` is ignored: MySQL issues its own keys (BIGINT UNSIGNED AUTO_INCREMENT, shown
    as decimal strings), which increase in creation order and restart at 1 in a freshly
    reset database, so runs stay repeatable. Every timestamp comes from ``clock`` (never
    the server's ``NOW()``). ``on_request`` is called with the SQL verb of every statement
    sent (``SELECT``, ``INSERT``, ``UPDATE``, ``DELETE``, ``BEGIN``, ``COMMIT``,
    ``ROLLBACK``), not for connection setup. Connections are opened lazily, one per
    thread, by ``opener`` (``pymysql.connect`` by default; it gets ``pymysql.connect``'s
    keyword arguments, e.g. a harness's counting ``connect``); ``close()`` closes them all.
    """
    del ids  # MySQL's AUTO_INCREMENT issues the ids (see above).
    db = Database(settings, on_request, opener=opener)
    args = (db, clock, cursors)
    return RepositorySet(
        backend="mysql",
        users=MySQLUserRepository(*args),
        categories=MySQLCategoryRepository(*args),
        products=MySQLProductRepository(*args),
        carts=MySQLCartRepository(*args),
        orders=MySQLOrderRepository(*args),
        on_close=db.close,
    )


__all__ = ["build_mysql_repositories"]
