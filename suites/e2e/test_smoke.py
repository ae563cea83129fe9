"""E2E smoke test (until the E2E tier is filled): the shop built from environment settings,
on each real backend, serves one shopper's journey end to end."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest

from harness.provisioning.endpoints import DynamoEndpoint, MySQLEndpoint
from shop.backends.dynamodb import create_tables
from shop.backends.mysql.schema import create_schema
from shop.domain import NewCategory, NewProduct, NewUser, OrderStatus
from shop.factory import repositories_from_env
from shop.repository_set import RepositorySet
from shop.settings import Settings

pytestmark = pytest.mark.e2e


def _mysql_env(endpoint: MySQLEndpoint) -> dict[str, str]:
    return {"SHOP_BACKEND": "mysql", "SHOP_MYSQL_URL": endpoint.url}


def _dynamodb_env(endpoint: DynamoEndpoint) -> dict[str, str]:
    return {
        "SHOP_BACKEND": "dynamodb",
        "SHOP_DYNAMODB_ENDPOINT": endpoint.url or "",
        "SHOP_DYNAMODB_REGION": endpoint.region,
        "SHOP_DYNAMODB_TABLE_PREFIX": endpoint.table_prefix + "e2e_",
        "AWS_ACCESS_KEY_ID": endpoint.access_key,
        "AWS_SECRET_ACCESS_KEY": endpoint.secret_key,
    }


@pytest.fixture(params=["mysql", "dynamodb"])
def shop(request: pytest.FixtureRequest) -> Iterator[RepositorySet]:
    """The shop as an application would build it: SHOP_* settings -> repository factory."""
    if request.param == "mysql":
        env = _mysql_env(request.getfixturevalue("parity_mysql_database"))
        settings = Settings.from_env(env)
        assert settings.mysql is not None
        create_schema(settings.mysql)
    else:
        env = _dynamodb_env(request.getfixturevalue("parity_dynamodb_endpoint"))
        settings = Settings.from_env(env)
        assert settings.dynamodb is not None
        create_tables(settings.dynamodb)
    with repositories_from_env(env) as repositories:
        yield repositories


def test_a_shopper_buys_and_cancels_through_the_configured_backend(shop: RepositorySet) -> None:
    seller = shop.users.create(NewUser("e2e-seller@example.com", "e2e-seller", "h", is_seller=True))
    shopper = shop.users.create(NewUser("E2E-Shopper@Example.com", "e2e-shopper", "h"))
    category = shop.categories.create(NewCategory("E2E Books"))
    product = shop.products.create(
        NewProduct(seller.id, category.id, "E2E Dune", Decimal("9.99"), stock=3)
    )
    shop.carts.add_item(shopper.id, product.id, 2)
    order = shop.orders.place(shopper.id, "1 Smoke Street")
    assert order.total == Decimal("19.98")
    assert shop.products.get(product.id).stock == 1  # type: ignore[union-attr]
    assert shop.users.get_by_email("e2e-shopper@example.com") == shopper
    cancelled = shop.orders.cancel(order.id)
    assert cancelled.status is OrderStatus.CANCELLED
    assert shop.products.get(product.id).stock == 3  # type: ignore[union-attr]
