"""Builds a backend's repository set from settings (the seed's DatabaseFactory)."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping

from shop.clock import Clock, IdSource, SortableIds, SystemClock
from shop.cursors import CursorCodec
from shop.repository_set import RepositorySet
from shop.settings import Backend, Settings, SettingsError


def build_repositories(
    settings: Settings,
    clock: Clock | None = None,
    ids: IdSource | None = None,
    on_request: Callable[[str], None] | None = None,
) -> RepositorySet:
    """The repository set for ``settings.backend``.

    ``clock`` and ``ids`` default to the real UTC time and fresh sortable ids; pass
    ``TickingClock()``/``SequentialIds()`` to make a run repeatable. (MySQL issues its own
    AUTO_INCREMENT ids, which a fresh database makes repeatable too.)
    """
    clock = clock or SystemClock()
    ids = ids or SortableIds()
    cursors = CursorCodec(settings.cursor_secret)
    if settings.backend is Backend.MEMORY:
        from shop.backends.memory import build_memory_repositories

        return build_memory_repositories(clock, ids, cursors)
    if settings.backend is Backend.MYSQL:
        from shop.backends.mysql import build_mysql_repositories

        if settings.mysql is None:
            raise SettingsError("SHOP_MYSQL_URL: expected MySQL settings, got none")
        return build_mysql_repositories(settings.mysql, clock, ids, cursors, on_request)
    from shop.backends.dynamodb import build_dynamodb_repositories

    if settings.dynamodb is None:
        raise SettingsError("SHOP_DYNAMODB_*: expected DynamoDB settings, got none")
    return build_dynamodb_repositories(settings.dynamodb, clock, ids, cursors, on_request)


def repositories_from_env(env: Mapping[str, str] | None = None) -> RepositorySet:
    """The repository set the environment asks for (``SHOP_BACKEND`` and friends)."""
    return build_repositories(Settings.from_env(os.environ if env is None else env))
