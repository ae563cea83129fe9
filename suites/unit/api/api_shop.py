"""Pytest plugin: the `shop` fixture, the API on the memory backend driven in-process.

FastAPI's TestClient calls the app directly (no sockets), so these run in the unit tier.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from shop.api.app import create_app
from shop.api.config import ApiSettings
from shop.backends.memory import build_memory_repositories
from shop.clock import to_millis
from shop.repository_set import RepositorySet

with warnings.catch_warnings():
    # Starlette asks for httpx2; httpx still works and is what the project pins.
    warnings.filterwarnings("ignore", message=r"Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

PASSWORD = "correct horse battery"


class ManualClock:
    """A clock that moves only when a test says so."""

    def __init__(self) -> None:
        self.moment = datetime(2026, 1, 1, tzinfo=UTC)

    def now(self) -> datetime:
        return to_millis(self.moment)

    def advance(self, seconds: float) -> None:
        self.moment += timedelta(seconds=seconds)


@dataclass
class Shop:
    """The app under test, its repositories and clock, and every response it sent."""

    client: TestClient
    repositories: RepositorySet
    clock: ManualClock
    responses: list[httpx.Response] = field(default_factory=list)

    def register(self, name: str, *, seller: bool = False, **extra: Any) -> dict[str, Any]:
        body = {"email": f"{name}@example.com", "username": name, "password": PASSWORD}
        response = self.client.post("/auth/register", json={**body, "is_seller": seller, **extra})
        assert response.status_code == 201, response.text
        user: dict[str, Any] = response.json()
        return user

    def login(self, name: str) -> dict[str, str]:
        response = self.client.post(
            "/auth/login", json={"email": f"{name}@example.com", "password": PASSWORD}
        )
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['access_token']}"}

    def user(self, name: str, *, seller: bool = False) -> dict[str, str]:
        """Register ``name`` and return their auth headers."""
        self.register(name, seller=seller)
        return self.login(name)


def make_client(app: Any, responses: list[httpx.Response], **kwargs: Any) -> TestClient:
    """A TestClient for ``app`` that appends every response it receives to ``responses``."""

    def record(response: httpx.Response) -> None:
        response.read()
        responses.append(response)

    client = TestClient(app, **kwargs)
    client.event_hooks = {"response": [record]}
    return client


@pytest.fixture
def shop() -> Iterator[Shop]:
    """The API on a fresh memory backend with a hand-moved clock and 60-second tokens."""
    clock = ManualClock()
    repositories = build_memory_repositories(clock=clock)
    app = create_app(
        repositories, settings=ApiSettings(token_secret=b"unit-secret", token_ttl=60), clock=clock
    )
    responses: list[httpx.Response] = []
    with make_client(app, responses) as client:
        yield Shop(client, repositories, clock, responses)
