"""Races on real servers: the same concurrent calls must end the same way on both backends.

Each test releases its threads together through a ``threading.Barrier`` and checks only
outcomes that every serial order of the calls gives (how many succeed, the final state),
never which thread wins, so the results do not depend on scheduling. See
docs/concurrency.md for what each race pins down and why moto is serialised for them.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import pytest

from shop.domain import Conflict, InsufficientStock, Order, OrderStatus, UserChanges
from shop.repository_set import RepositorySet
from suites.behaviour.builders import make_product, make_user
from suites.integration.checkout_faults import product_conflict_on_a_one_line_checkout

pytestmark = [pytest.mark.integration, pytest.mark.shop_backends("mysql", "dynamodb")]

RACERS = 20
STOCK = 5
JOIN_TIMEOUT = 30.0
"""Seconds a racing thread may take before the test fails (instead of hanging)."""


def race(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run ``calls`` on one thread each, released at once; each call's result or exception."""
    barrier = threading.Barrier(len(calls), timeout=JOIN_TIMEOUT)
    outcomes: list[Any] = [None] * len(calls)

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            outcomes[index] = call()
        except BaseException as exc:  # every outcome is recorded and checked
            outcomes[index] = exc

    threads = [
        threading.Thread(target=run, args=(i, call), name=f"racer-{i}", daemon=True)
        for i, call in enumerate(calls)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_TIMEOUT)
    stuck = [t.name for t in threads if t.is_alive()]
    assert not stuck, f"expected every racer to finish within {JOIN_TIMEOUT:g} s, got {stuck}"
    return outcomes


def kinds(outcomes: list[Any]) -> Counter[str]:
    """How many outcomes of each kind: ``Order``, ``Cart``, ``InsufficientStock``..."""
    return Counter(type(o).__name__ for o in outcomes)


def test_racing_checkouts_sell_exactly_the_stock_left(repos: RepositorySet) -> None:
    product = make_product(repos, stock=STOCK)
    shoppers = [make_user(repos) for _ in range(RACERS)]
    for shopper in shoppers:
        repos.carts.add_item(shopper.id, product.id, 1)

    outcomes = race([partial(repos.orders.place, s.id, "1 Race Road") for s in shoppers])

    assert kinds(outcomes) == {"Order": STOCK, "InsufficientStock": RACERS - STOCK}
    for outcome in outcomes:
        if isinstance(outcome, InsufficientStock):
            assert (outcome.product_id, outcome.requested) == (product.id, 1)
    stock = repos.products.get(product.id)
    assert stock is not None and stock.stock == 0
    placed = [o for o in outcomes if isinstance(o, Order)]
    assert len({o.id for o in placed}) == STOCK
    pending = repos.orders.list_by_status(OrderStatus.PENDING, limit=100)
    assert sorted(o.id for o in pending.items) == sorted(o.id for o in placed)
    buyers = {o.user_id for o in placed}
    for shopper in shoppers:  # winners' carts emptied, losers' carts untouched
        assert repos.carts.count_items(shopper.id) == (0 if shopper.id in buyers else 1)


CONFLICTS = 4
"""Checkout transactions answered with TransactionConflict in the conflict race."""


class FirstTransactionsConflict:
    """Answer the first ``times`` TransactWriteItems of a client with TransactionConflict
    on the product (as DynamoDB may answer transactions racing for one item; no local
    server does), thread-safely; later ones are sent."""

    EVENT = "before-send.dynamodb.TransactWriteItems"

    def __init__(self, client: Any, times: int) -> None:
        self.client, self.left = client, times
        self.threads: set[str] = set()
        """Names of the racing threads whose transaction was answered with the conflict."""
        self._lock = threading.Lock()
        self._answer = product_conflict_on_a_one_line_checkout()

    def __call__(self, request: Any, **_: Any) -> Any:
        with self._lock:
            if self.left == 0:
                return None
            self.left -= 1
            self.threads.add(threading.current_thread().name)
        return self._answer(request)

    def __enter__(self) -> FirstTransactionsConflict:
        self.client.meta.events.register(self.EVENT, self, unique_id=id(self))
        return self

    def __exit__(self, *_: object) -> None:
        self.client.meta.events.unregister(self.EVENT, unique_id=id(self))


@pytest.mark.shop_backends("dynamodb")
def test_racing_checkouts_that_meet_transaction_conflicts_are_told_to_retry(
    repos: RepositorySet,
) -> None:
    product = make_product(repos, stock=STOCK)
    shoppers = [make_user(repos) for _ in range(RACERS)]
    for shopper in shoppers:
        repos.carts.add_item(shopper.id, product.id, 1)
    client = repos.orders._db.client  # type: ignore[attr-defined]

    with FirstTransactionsConflict(client, CONFLICTS) as conflicts:
        outcomes = race([partial(repos.orders.place, s.id, "1 Race Road") for s in shoppers])

    assert len(conflicts.threads) == CONFLICTS, "fewer checkouts reached a transaction"
    assert kinds(outcomes)["Order"] == STOCK, outcomes
    for index, outcome in enumerate(outcomes):
        if f"racer-{index}" in conflicts.threads:
            # documented: re-read the stock; taken meanwhile -> InsufficientStock, else Conflict
            assert isinstance(outcome, Conflict | InsufficientStock), outcome
        else:
            assert isinstance(outcome, Order | InsufficientStock), outcome
        if isinstance(outcome, Conflict):
            assert outcome.fields()["reason"] == "changed concurrently by another request; retry"
    assert kinds(outcomes)["Conflict"] >= 1, "no conflicted checkout found stock left"
    print(f"checkouts with {CONFLICTS} injected conflicts: {dict(kinds(outcomes))}")
    placed = [o for o in outcomes if isinstance(o, Order)]
    stock = repos.products.get(product.id)
    assert stock is not None and stock.stock == 0
    pending = repos.orders.list_by_status(OrderStatus.PENDING, limit=100)
    assert sorted(o.id for o in pending.items) == sorted(o.id for o in placed)
    buyers = {o.user_id for o in placed}
    for shopper in shoppers:  # a conflicted checkout wrote nothing: its cart is untouched
        assert repos.carts.count_items(shopper.id) == (0 if shopper.id in buyers else 1)
    told_to_retry = [s for s, o in zip(shoppers, outcomes, strict=True) if isinstance(o, Conflict)]
    for shopper in told_to_retry:  # the advised retry now finds the stock gone
        with pytest.raises(InsufficientStock):
            repos.orders.place(shopper.id, "1 Race Road")
        assert repos.carts.count_items(shopper.id) == 1


def test_racing_adds_to_one_cart_line_lose_no_update(repos: RepositorySet) -> None:
    product = make_product(repos)
    shopper = make_user(repos)

    outcomes = race(
        [lambda: repos.carts.add_item(shopper.id, product.id, 1) for _ in range(RACERS)]
    )

    assert kinds(outcomes) == {"Cart": RACERS}
    cart = repos.carts.get(shopper.id)
    assert [(line.product_id, line.quantity) for line in cart.items] == [(product.id, RACERS)]
    assert repos.carts.count_items(shopper.id) == RACERS


@dataclass
class Sightings:
    """What one reader saw, each probe being: new email, old email, new email again."""

    probes: int = 0
    old_only: int = 0
    new_only: int = 0
    both: list[int] = field(default_factory=list)
    neither: list[int] = field(default_factory=list)


READERS = 4
MAX_PROBES = 400
"""Per reader: an upper bound so the race stays short even if the write is slow."""


def test_email_change_is_seen_under_exactly_one_email(repos: RepositorySet) -> None:
    old, new = "racer.old@example.com", "racer.new@example.com"
    user = make_user(repos, email=old)
    product = make_product(repos)
    repos.carts.add_item(user.id, product.id, 2)  # something for the email change to move
    written = threading.Event()

    def change() -> Any:
        try:
            return repos.users.update(user.id, UserChanges(email=new))
        finally:
            written.set()

    def read() -> Sightings:
        seen = Sightings()
        while seen.probes < MAX_PROBES:
            settled = written.is_set()
            # new, old, new: a user found under the new email and then under the old one
            # is under both at the old lookup's moment; one missing under the old email and
            # then under the new one is under neither at the second new lookup's moment.
            first = repos.users.get_by_email(new)
            middle = repos.users.get_by_email(old)
            last = repos.users.get_by_email(new)
            for found in (first, middle, last):
                assert found is None or found.id == user.id
            if first is not None and middle is not None:
                seen.both.append(seen.probes)
            elif middle is None and last is None:
                seen.neither.append(seen.probes)
            elif middle is not None:
                seen.old_only += 1
            else:
                seen.new_only += 1
            seen.probes += 1
            if settled:
                break
        return seen

    outcomes = race([change, *(read for _ in range(READERS))])

    updated, sightings = outcomes[0], outcomes[1:]
    assert not isinstance(updated, BaseException), repr(updated)
    for seen in sightings:
        assert isinstance(seen, Sightings), repr(seen)
    assert [(s.both, s.neither) for s in sightings] == [([], [])] * READERS, sightings
    # Settled: found under the new email only, with its id and its cart.
    assert repos.users.get_by_email(old) is None
    after = repos.users.get_by_email(new)
    assert after is not None and (after.id, after.email) == (user.id, new)
    assert repos.users.get(user.id) == after
    assert repos.carts.count_items(user.id) == 2


def test_racing_stock_decrements_take_exactly_the_stock_and_never_lose_the_product(
    repos: RepositorySet, request: pytest.FixtureRequest
) -> None:
    product = make_product(repos, stock=STOCK)

    outcomes = race([partial(repos.products.adjust_stock, product.id, -1) for _ in range(RACERS)])

    print(f"adjust_stock race: {dict(kinds(outcomes))}")
    assert kinds(outcomes) == {"int": STOCK, "InsufficientStock": RACERS - STOCK}, outcomes
    assert sorted(o for o in outcomes if isinstance(o, int)) == list(range(STOCK))
    stock = repos.products.get(product.id)
    assert stock is not None and stock.stock == 0


def _forget_the_old_item_on_condition_failures(
    client: Any, dropped: list[str]
) -> Callable[[], None]:
    """Make ``client`` answer like a server that ignores ReturnValuesOnConditionCheckFailure:
    a failed condition comes back without the item (botocore's after-call event sees the
    parsed error before it is raised; each one is appended to ``dropped``). Returns the
    function that undoes it."""

    def drop_item(parsed: dict[str, Any], **_: Any) -> None:
        if parsed.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
            dropped.append(str(parsed.pop("Item", None) is not None))

    client.meta.events.register("after-call.dynamodb.UpdateItem", drop_item)
    return lambda: client.meta.events.unregister("after-call.dynamodb.UpdateItem", drop_item)


@pytest.mark.shop_backends("dynamodb")
def test_losers_are_insufficient_stock_even_when_the_server_returns_no_old_item(
    repos: RepositorySet,
) -> None:
    product = make_product(repos, stock=STOCK)
    dropped: list[str] = []
    client = repos.products._db.client  # type: ignore[attr-defined]
    undo = _forget_the_old_item_on_condition_failures(client, dropped)
    try:
        outcomes = race(
            [partial(repos.products.adjust_stock, product.id, -1) for _ in range(RACERS)]
        )
    finally:
        undo()
    assert dropped, "expected racers to reach the failed-condition path, none did"
    print(
        f"adjust_stock race, old item dropped from {len(dropped)} failures: {dict(kinds(outcomes))}"
    )
    assert kinds(outcomes) == {"int": STOCK, "InsufficientStock": RACERS - STOCK}, outcomes
