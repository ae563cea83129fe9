"""The shop's HTTP API as a Parity target, for the e2e tier (``parity_target_e2e``).

Backends:
- ``app:mysql`` / ``app:dynamodb``: the shop app started by the harness as a real process
  (uvicorn on a free loopback port) on that backend's real server, in test mode: one clock
  instant per request and sequential ids, reset before every journey, so two apps given
  the same requests answer identically (timestamps compared, not ignored);
- ``url:baseline`` / ``url:candidate``: two deployments already running somewhere
  (``PARITY_E2E_BASELINE_URL``, ``PARITY_E2E_CANDIDATE_URL``, e.g. a staging pair). They
  cannot be reset or made deterministic, so timestamps and ids show up as noise there.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from harness import AppServer, BackendFactory, CanonicalRules, Determinism, Resources
from suites.e2e_target.api import HttpShopApi, ShopApi

TEST_CLOCK_START = "2026-01-01T00:00:00.000Z"
URL_ENV = {"url:baseline": "PARITY_E2E_BASELINE_URL", "url:candidate": "PARITY_E2E_CANDIDATE_URL"}


@dataclass
class ApiSet:
    """What a journey's ``run.call("api.…")`` reaches: one API client."""

    api: HttpShopApi


class AppFactory:
    """One running app; ``fresh`` empties its datastore and resets its clock and ids."""

    def __init__(
        self, url: str, reset_store: Any, resettable: bool, server: AppServer | None = None
    ) -> None:
        self.url = url
        self.server = server
        """The app's process (None for a deployment reached by URL): its log is shown when
        an e2e test fails and scanned for secrets."""
        self._reset_store = reset_store
        self._resettable = resettable

    @contextmanager
    def fresh(self, determinism: Determinism, restore: Any = None) -> Iterator[ApiSet]:
        if self._resettable:
            self._reset_store()
            answer = httpx.post(f"{self.url}/_test/reset", json={"clock": TEST_CLOCK_START})
            if answer.status_code != 204:
                raise RuntimeError(f"test-mode reset answered {answer.status_code}: {answer.text}")
        client = HttpShopApi(self.url, on_request=determinism.on_request)
        try:
            yield ApiSet(client)
        finally:
            client.close()


def _uvicorn(port_placeholder: str = "{port}") -> list[str]:
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "shop.api.app:create_app",
        "--host",
        "127.0.0.1",
        "--port",
        port_placeholder,
        "--log-level",
        "warning",
    ]


TEST_MODE = {
    "SHOP_TEST_CLOCK": TEST_CLOCK_START,
    "SHOP_TEST_IDS": "sequential",
    "SHOP_TOKEN_SECRET": "parity-e2e-token-secret",
    "SHOP_CURSOR_SECRET": "parity-e2e",
}


@contextmanager
def open_backend(name: str, resources: Resources) -> Iterator[BackendFactory]:
    """Start (or reach) the app for backend ``name``."""
    if name in URL_ENV:
        url = os.environ.get(URL_ENV[name])
        if not url:
            raise ValueError(f"{name}: expected {URL_ENV[name]} to hold the deployment's URL")
        yield AppFactory(url.rstrip("/"), None, resettable=False)
        return
    if name == "app:mysql":
        from shop.backends.mysql.schema import create_schema, reset
        from shop.settings import MySQLSettings

        endpoint = resources.mysql()
        settings = MySQLSettings.from_url(endpoint.url)
        create_schema(settings)
        env = {"SHOP_BACKEND": "mysql", "SHOP_MYSQL_URL": endpoint.url}

        def reset_store() -> None:
            reset(settings)
    elif name == "app:dynamodb":
        from shop.backends.dynamodb import create_tables, delete_all_items
        from shop.settings import DynamoSettings

        tables = resources.dynamodb()
        dynamo = DynamoSettings(
            endpoint_url=tables.url,
            region=tables.region,
            table_prefix=tables.table_prefix + "app_",
            access_key_id=tables.access_key,
            secret_access_key=tables.secret_key,
        )
        create_tables(dynamo)
        env = {
            "SHOP_BACKEND": "dynamodb",
            "SHOP_DYNAMODB_ENDPOINT": tables.url or "",
            "SHOP_DYNAMODB_REGION": dynamo.region,
            "SHOP_DYNAMODB_TABLE_PREFIX": dynamo.table_prefix,
        }
        if tables.access_key is not None and tables.secret_key is not None:
            # none means boto3's default credential chain, which the app inherits
            env["AWS_ACCESS_KEY_ID"] = tables.access_key
            env["AWS_SECRET_ACCESS_KEY"] = tables.secret_key

        def reset_store() -> None:
            delete_all_items(dynamo)
    else:
        raise ValueError(f"e2e target: no backend {name!r}; expected one of {BACKENDS}")
    with AppServer(name.replace(":", "-"), _uvicorn(), {**env, **TEST_MODE}) as server:
        yield AppFactory(server.url, reset_store, resettable=True, server=server)


def _error_fields(error: BaseException) -> Mapping[str, Any]:
    return {"message": str(error)}


RULES = CanonicalRules(
    id_kinds_by_field={
        "user_id": "user",
        "seller_id": "user",
        "product_id": "product",
        "category_id": "category",
        "parent_id": "category",
        "order_id": "order",
    },
    id_kinds_by_type={
        "User": "user",
        "Product": "product",
        "Category": "category",
        "Order": "order",
    },
    opaque_fields=frozenset({"next_cursor", "cursor", "token", "access_token"}),
    secret_fields=frozenset({"password", "password_hash"}),
    id_kinds_by_entity={
        "user": "user",
        "product": "product",
        "category": "category",
        "order": "order",
    },
    unordered={"api.search_products": frozenset({"body.items"})},
    prose_fields=frozenset({"message", "msg"}),
    error_fields=_error_fields,
)

BACKENDS = ("app:mysql", "app:dynamodb", "url:baseline", "url:candidate")


class ShopApiTarget:
    """The shop's HTTP API, verified journey by journey on two running apps."""

    name = "shop-api"
    interfaces: Mapping[str, type] = {"api": ShopApi}
    rules = RULES
    case_modules = ("suites.e2e_target.journeys",)
    domain_errors: tuple[type[BaseException], ...] = ()
    write_methods: frozenset[str] = frozenset()
    backends = BACKENDS
    default_pairs: Mapping[str, tuple[str, str]] = {"e2e": ("app:mysql", "app:dynamodb")}

    def open_backend(
        self, name: str, resources: Resources
    ) -> AbstractContextManager[BackendFactory]:
        """Start the app on backend ``name`` (or reach the deployment)."""
        return open_backend(name, resources)

    def seed(self, repositories: Any, dataset: str) -> Mapping[str, Any]:
        """Journeys build their own data through the API."""
        raise ValueError(f"the e2e target has no seed datasets (asked for {dataset!r})")

    def snapshot(self, repositories: Any) -> Any:
        """Journeys read state back through the API themselves."""
        return None


TARGET = ShopApiTarget()
