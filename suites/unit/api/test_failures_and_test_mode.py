"""Datastore failures reach clients only as clean 500/503s; the e2e test mode is deterministic."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from shop.api.app import create_app
from shop.api.config import ApiSettings
from shop.api.test_mode import RequestClock
from shop.backends.memory import build_memory_repositories
from shop.domain import Product, Unavailable
from shop.settings import SettingsError
from suites.unit.api.api_shop import PASSWORD, make_client

pytestmark = pytest.mark.unit

TEST_ENV = {
    "SHOP_BACKEND": "memory",
    "SHOP_TEST_CLOCK": "2026-01-01T00:00:00Z",
    "SHOP_TEST_IDS": "sequential",
    "SHOP_TOKEN_SECRET": "e2e-secret",
}


class _Failing:
    """Wraps a product repository whose ``get`` fails the way ``error`` says."""

    def __init__(self, inner: Any, error: Exception) -> None:
        self._inner = inner
        self._error = error

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def get(self, product_id: str) -> Product | None:
        raise self._error


def _app_whose_product_lookup_raises(error: Exception) -> Any:
    repositories = build_memory_repositories()
    repositories.products = _Failing(repositories.products, error)
    return create_app(repositories, settings=ApiSettings())


def test_a_driver_exception_becomes_a_bare_500_without_its_message() -> None:
    app = _app_whose_product_lookup_raises(RuntimeError("pymysql: Access denied for 'root'"))
    responses: list[httpx.Response] = []
    with make_client(app, responses, raise_server_exceptions=False) as client:
        response = client.get("/products/p1")
    assert response.status_code == 500
    assert response.json() == {
        "error": {"type": "internal_error", "message": "internal server error", "fields": {}}
    }
    assert "pymysql" not in response.text and "Traceback" not in response.text


def test_an_unavailable_datastore_is_a_503_without_driver_detail() -> None:
    app = _app_whose_product_lookup_raises(Unavailable("products.get", "botocore: ThrottlingX"))
    with make_client(app, []) as client:
        response = client.get("/products/p1")
    assert response.status_code == 503
    assert response.json()["error"]["type"] == "unavailable"
    assert "botocore" not in response.text


def _journey(client: Any) -> list[Any]:
    """A fixed request sequence; returns every response body."""
    bodies = [client.get("/health").json()]
    for name, seller in (("sam", True), ("ada", False)):
        body = {"email": f"{name}@example.com", "username": name, "password": PASSWORD}
        bodies.append(client.post("/auth/register", json={**body, "is_seller": seller}).json())
        login = {"email": f"{name}@example.com", "password": PASSWORD}
        bodies.append(client.post("/auth/login", json=login).json())
    bodies.append(client.get("/health").json())
    return bodies


def test_the_test_clock_moves_one_millisecond_per_request_and_ids_are_sequential() -> None:
    with make_client(create_app(env=TEST_ENV), []) as client:
        bodies = _journey(client)
    sam, ada = bodies[1], bodies[3]
    assert (sam["id"], sam["created_at"]) == ("0000000001", "2026-01-01T00:00:00.000Z")
    assert (ada["id"], ada["created_at"]) == ("0000000002", "2026-01-01T00:00:00.002Z")


def test_two_apps_given_the_same_requests_answer_identically() -> None:
    with make_client(create_app(env=TEST_ENV), []) as one:
        first = _journey(one)
    with make_client(create_app(env=TEST_ENV), []) as two:
        second = _journey(two)
    assert first == second


def test_within_one_request_the_request_clock_stands_still() -> None:
    clock = RequestClock(ApiSettings.from_env(TEST_ENV).test_clock_start or pytest.fail())
    assert clock.now() == clock.advance() == clock.now()
    assert (clock.advance() - clock.now()).total_seconds() == 0
    assert clock.now().isoformat() == "2026-01-01T00:00:00.001000+00:00"


@pytest.mark.parametrize(
    "env",
    [
        {"SHOP_TEST_CLOCK": "tomorrow"},
        {"SHOP_TEST_CLOCK": "2026-01-01T00:00:00"},
        {"SHOP_TEST_IDS": "random"},
        {"SHOP_TOKEN_TTL": "0"},
    ],
)
def test_bad_api_settings_are_refused_with_the_variable_named(env: dict[str, str]) -> None:
    with pytest.raises(SettingsError, match=next(iter(env))):
        ApiSettings.from_env(env)
