"""BatchGetItem answers that leave keys unprocessed (DynamoDB does under load or past
16 MB; moto never does): injected through botocore's after-call event, repeated, then
cleared. ``get_many`` and the cart's reads still return every item, after bounded,
backed-off retries; keys that never get processed make the call ``Unavailable``."""

from __future__ import annotations

from typing import Any

import pytest

from shop.domain import Unavailable
from shop.repository_set import RepositorySet
from suites.behaviour.builders import make_product, make_user

pytestmark = [pytest.mark.unit, pytest.mark.shop_backends("dynamodb-inprocess")]


class HoldBack:
    """For the next ``times`` BatchGetItem answers, move all but the first ``keep`` items of
    each table's Responses to UnprocessedKeys (by their key attributes)."""

    def __init__(self, client: Any, times: int, keep: int = 1) -> None:
        self.client, self.left, self.keep = client, times, keep
        self.answers = self.held = 0

    def __call__(self, parsed: dict[str, Any], **_: Any) -> None:
        self.answers += 1
        if self.left == 0 or "Error" in parsed:
            return
        self.left -= 1
        unprocessed: dict[str, Any] = {}
        for table, items in parsed.get("Responses", {}).items():
            kept, held = items[: self.keep], items[self.keep :]
            parsed["Responses"][table] = kept
            if held:
                keys = [{k: item[k] for k in ("PK", "SK") if k in item} for item in held]
                unprocessed[table] = {"Keys": keys, "ConsistentRead": True}
                self.held += len(held)
        parsed["UnprocessedKeys"] = unprocessed

    def __enter__(self) -> HoldBack:
        self.client.meta.events.register("after-call.dynamodb.BatchGetItem", self)
        return self

    def __exit__(self, *exc: object) -> None:
        self.client.meta.events.unregister("after-call.dynamodb.BatchGetItem", self)


def client_of(repos: RepositorySet) -> Any:
    return repos.products._db.client  # type: ignore[attr-defined]


def test_get_many_returns_every_product_after_partial_answers(repos: RepositorySet) -> None:
    products = [make_product(repos) for _ in range(6)]
    ids = [p.id for p in products]
    with HoldBack(client_of(repos), times=3) as held:
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
    with HoldBack(client_of(repos), times=2) as held:
        cart = repos.carts.get(shopper.id)
    assert cart == expected
    assert held.held > 0


def test_keys_that_are_never_processed_make_the_call_unavailable(repos: RepositorySet) -> None:
    ids = [make_product(repos).id for _ in range(3)]
    hold_all = HoldBack(client_of(repos), times=10_000, keep=0)
    with hold_all as held, pytest.raises(Unavailable) as raised:
        repos.products.get_many(ids)
    assert "keys still unprocessed after" in str(raised.value)
    assert 1 < held.answers <= 10  # bounded: the configured attempts, not forever
