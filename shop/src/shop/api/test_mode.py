"""Deterministic test mode for the e2e tier: a clock that moves once per HTTP request.

With ``SHOP_TEST_CLOCK=<ISO instant>`` the app's clock starts at that instant and moves
1 ms per request; every ``now()`` within one request returns the same instant. With
``SHOP_TEST_IDS=sequential`` new ids are ``0000000001``, ``0000000002``, ... So two apps
on two backends that receive the same request sequence stamp the same times.

Requests that only observe the app (``GET /health``, the OpenAPI document and the docs
pages) do not move the clock, so readiness polling cannot make two runs diverge.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from fastapi import APIRouter, HTTPException, Response
from pydantic import BaseModel, Field
from starlette.types import ASGIApp, Receive, Scope, Send

from shop.clock import SequentialIds, to_millis

NON_ADVANCING_PATHS = frozenset(
    {"/health", "/openapi.json", "/docs", "/docs/oauth2-redirect", "/_test/reset", "/_test/clock"}
)


class RequestClock:
    """A clock that stands still within a request and moves ``step`` between requests.

    Before the first request, and during it, ``now()`` is ``start``.
    """

    def __init__(self, start: datetime, step: timedelta = timedelta(milliseconds=1)) -> None:
        self._current = to_millis(start)
        self._step = step
        self._started = False
        self._lock = threading.Lock()

    def now(self) -> datetime:
        """The instant of the current request."""
        with self._lock:
            return self._current

    def reset(self, start: datetime) -> None:
        """Begin again at ``start`` (the next request sees ``start`` itself)."""
        with self._lock:
            self._current = to_millis(start)
            self._started = False

    def jump(self, by: timedelta) -> None:
        """Move the clock forward by ``by`` at once."""
        with self._lock:
            self._current += by

    def advance(self) -> datetime:
        """Start a new request: the first one keeps ``start``, each later one adds ``step``."""
        with self._lock:
            if self._started:
                self._current += self._step
            self._started = True
            return self._current


class RequestClockMiddleware:
    """ASGI middleware that advances a ``RequestClock`` once per HTTP request."""

    def __init__(self, app: ASGIApp, clock: RequestClock) -> None:
        self.app = app
        self.clock = clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("path") not in NON_ADVANCING_PATHS:
            self.clock.advance()
        await self.app(scope, receive, send)


def parse_instant(name: str, raw: str) -> datetime:
    """An ISO 8601 instant with a time zone (``Z`` allowed), for ``SHOP_TEST_CLOCK``."""
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise ValueError(
            f"{name}: expected an ISO 8601 instant like 2026-01-01T00:00:00Z, got {raw!r}"
        ) from None
    if moment.tzinfo is None:
        raise ValueError(f"{name}: expected a time zone (e.g. a trailing Z), got {raw!r}")
    return moment


class ResetBody(BaseModel):
    """``POST /_test/reset``: where the clock starts again."""

    clock: str


class ClockBody(BaseModel):
    """``POST /_test/clock``: how far to move the clock (e.g. past a token's expiry)."""

    advance_seconds: float = Field(ge=0, le=10 * 365 * 24 * 3600)


def test_router(clock: RequestClock, ids: SequentialIds | None) -> APIRouter:
    """Endpoints that exist only in test mode, for the e2e harness between journeys."""
    router = APIRouter(prefix="/_test", include_in_schema=False)

    @router.post("/reset", status_code=204)
    def reset(body: ResetBody) -> Response:
        try:
            clock.reset(parse_instant("clock", body.clock))
        except ValueError as error:
            raise HTTPException(status_code=422, detail=str(error)) from None
        if ids is not None:
            ids.reset()
        return Response(status_code=204)

    @router.post("/clock", status_code=204)
    def move(body: ClockBody) -> Response:
        clock.jump(timedelta(seconds=body.advance_seconds))
        return Response(status_code=204)

    return router
