"""The FastAPI application: ``create_app()`` wires settings, repositories and services.

Run it on any backend (``SHOP_BACKEND`` and friends pick it)::

    uvicorn --factory shop.api.app:create_app --host 127.0.0.1 --port 8000
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

from fastapi import FastAPI

from shop.api.config import ApiSettings
from shop.api.errors import install_error_handlers
from shop.api.routers import auth, cart, categories, health, orders, products
from shop.api.test_mode import RequestClock, RequestClockMiddleware, test_router
from shop.clock import Clock, SequentialIds
from shop.factory import build_repositories
from shop.repository_set import RepositorySet
from shop.services import build_services
from shop.settings import Settings

DESCRIPTION = (
    "The shop's HTTP API. Money is a string with two places, timestamps are ISO 8601 UTC "
    'with milliseconds, ids are strings; errors are `{"error": {type, message, fields}}`.'
)


def create_app(
    repositories: RepositorySet | None = None,
    *,
    settings: ApiSettings | None = None,
    clock: Clock | None = None,
    env: Mapping[str, str] | None = None,
) -> FastAPI:
    """The shop's API over ``repositories``.

    With no ``repositories`` the backend is built from the environment (``SHOP_BACKEND``
    and friends, see ``shop.settings``) with the app's clock and ids, and closed when the
    app shuts down; given repositories are left open for their owner. ``settings``
    default to ``ApiSettings.from_env``; ``clock`` defaults to the settings' clock (the
    per-request test clock when ``SHOP_TEST_CLOCK`` is set) and is used for token
    expiry. A given ``RequestClock`` is advanced once per request.
    """
    environ = os.environ if env is None else env
    settings = settings or ApiSettings.from_env(environ)
    clock = clock or settings.make_clock()
    owned = repositories is None
    ids = settings.make_ids()
    if repositories is None:
        repositories = build_repositories(Settings.from_env(environ), clock=clock, ids=ids)
    repos = repositories

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        if owned:
            repos.close()

    app = FastAPI(title="Parity shop", version="0.1.0", description=DESCRIPTION, lifespan=lifespan)
    app.state.repositories = repos
    app.state.clock = clock
    app.state.services = build_services(
        repos, clock=clock, token_secret=settings.token_secret, token_ttl=settings.token_ttl
    )
    install_error_handlers(app)
    for module in (health, auth, categories, products, cart, orders):
        app.include_router(module.router)
    if isinstance(clock, RequestClock):
        app.add_middleware(RequestClockMiddleware, clock=clock)
        app.include_router(test_router(clock, ids if isinstance(ids, SequentialIds) else None))
    return app
