"""Batch answers that leave keys or items unprocessed (DynamoDB does under load or past
16 MB; moto never does), injected with ``harness.HoldBackReads``/``HoldBackWrites``
through botocore's events, repeated, then cleared. Every batch path of the shop returns
or writes everything after bounded, backed-off retries: ``get_many`` and the cart's reads
(BatchGetItem), and the table admin's ``delete_all_items`` and ``load_items``
(BatchWriteItem). Keys or items that never get processed make the call ``Unavailable``."""

from __future__ import annotations

from typing import Any

import pytest

from harness import HoldBackReads, HoldBackWrites
from shop.backends.dynamodb.contract import delete_all_items, dump_items, load_items
from shop.domain import Unavailable
from shop.repository_set import RepositorySet
from shop.settings import DynamoSettings
from suites.behaviour.builders import make_product, make_user

pytestmark = [pytest.mark.unit, pytest.mark.shop_backends("dynamodb-inprocess")]


def client_of(repos: RepositorySet) -> Any:
    return repos.products._db.client  # type: ignore[attr-defined]


def test_get_many_returns_every_product_after_partial_answers(repos: RepositorySet) -> None:
    products = [make_product(repos) for _ in range(6)]
    ids = [p.id for p in products]
    with HoldBackReads(client_of(repos), times=3) as held:
        found = repos.products.get_many(ids)
    assert [p.id for p in found] == ids
    assert held.held > 0  # the injection really withheld items
    assert held.answers == 4  # three partial answers, then the complete one


def test_the_cart_reads_every_line_after_partial_answers(repos: RepositorySet) -> None:
    shopper = make_user(repos)
    products = [make_product(repos) for _ in range(4)]
    for product in products:
        repos.carts.add_item(shopper.id, product.id, 1)
    expected = repos.carts.get(shopper.id)
    with HoldBackReads(client_of(repos), times=2) as held:
        cart = repos.carts.get(shopper.id)
    assert cart == expected
    assert held.held > 0


def test_keys_that_are_never_processed_make_the_call_unavailable(repos: RepositorySet) -> None:
    ids = [make_product(repos).id for _ in range(3)]
    hold_all = HoldBackReads(client_of(repos), times=10_000, keep=0)
    with hold_all as held, pytest.raises(Unavailable) as raised:
        repos.products.get_many(ids)
    assert "keys still unprocessed after" in str(raised.value)
    assert 1 < held.answers <= 10  # bounded: the configured attempts, not forever


# -- BatchWriteItem: the admin paths ---------------------------------------------------------


def admin_settings(repos: RepositorySet, max_attempts: int = 5) -> DynamoSettings:
    """Settings naming the tables ``repos`` uses (prefix and attempts are all the admin
    functions read from them; the client is given)."""
    physical = repos.products._db.physical("products")  # type: ignore[attr-defined]
    prefix = physical.removesuffix("products")
    return DynamoSettings(endpoint_url=None, table_prefix=prefix, max_attempts=max_attempts)


@pytest.fixture
def pauses(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The pauses the admin's batch writes take, recorded instead of slept."""
    taken: list[float] = []
    monkeypatch.setattr("shop.backends.dynamodb.contract.time.sleep", taken.append)
    return taken


def test_delete_all_items_removes_everything_after_partial_answers(
    repos: RepositorySet, pauses: list[float]
) -> None:
    for _ in range(30):
        make_product(repos)
    client = client_of(repos)
    settings = admin_settings(repos)
    with HoldBackWrites(client, times=3, keep=4) as held:
        removed = delete_all_items(settings, client=client)
    assert removed > 30  # products, their index copies, the seller
    assert all(items == [] for items in dump_items(settings, client=client).values())
    assert held.partial == 3 and held.held > 0
    assert pauses == sorted(pauses) and len(pauses) > 0 and max(pauses) <= 1.0


def test_load_items_restores_everything_after_partial_answers(
    repos: RepositorySet, pauses: list[float]
) -> None:
    for _ in range(12):
        make_product(repos)
    client = client_of(repos)
    settings = admin_settings(repos)
    saved = dump_items(settings, client=client)
    delete_all_items(settings, client=client)
    with HoldBackWrites(client, times=4, keep=3) as held:
        load_items(settings, saved, client=client)
    assert dump_items(settings, client=client) == saved
    assert held.partial == 4


def test_items_that_are_never_written_make_the_admin_call_unavailable(
    repos: RepositorySet, pauses: list[float]
) -> None:
    make_product(repos)
    client = client_of(repos)
    settings = admin_settings(repos, max_attempts=4)
    with (
        HoldBackWrites(client, times=10_000, keep=0) as held,
        pytest.raises(Unavailable) as raised,
    ):
        delete_all_items(settings, client=client)
    assert "items still unprocessed after 4 requests" in str(raised.value)
    assert held.answers == 4  # bounded by SHOP_DYNAMODB_MAX_ATTEMPTS
    assert pauses == [0.1, 0.2, 0.4]
