"""Injected faults on real servers: what ``orders.place`` (and ``adjust_stock``) do when
the datastore misbehaves, and that the shop's state stays whole whatever they report.

DynamoDB (the moto server): faults are injected through botocore's event system on the
repositories' own client (``before-send.dynamodb.TransactWriteItems`` returning a fake
response, or sending the real request and then losing its answer), so botocore's
configured retries run for real. MySQL (the local server): a second connection holds row
locks, kills the repository's connection mid-transaction, or makes it wait for a lock.

"Whole" means: every order has taken its stock and emptied its cart, and no stock was
taken and no cart emptied without an order (checked through the interfaces only).
See docs/faults.md for what each fault does and why.
"""

from __future__ import annotations

import dataclasses
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import pytest
from botocore.awsrequest import AWSPreparedRequest
from botocore.exceptions import ClientError, ConnectionClosedError
from botocore.httpsession import URLLib3Session

from harness.faults import answer_with, answer_with_error
from harness.session import SESSION_KEY
from shop.backends.dynamodb import build_dynamodb_repositories
from shop.backends.mysql.connection import Connection, connect
from shop.clock import SequentialIds, TickingClock
from shop.cursors import CursorCodec
from shop.domain import (
    Conflict,
    InsufficientStock,
    Order,
    Product,
    Unavailable,
    User,
    ValidationError,
)
from shop.repository_set import RepositorySet
from suites.behaviour.builders import make_product, make_user
from suites.integration.checkout_faults import product_conflict_on_a_one_line_checkout
from suites.target.backends import CURSOR_SECRET, dynamo_settings
from suites.target.snapshot import everything

pytestmark = pytest.mark.integration

ADDRESS = "1 Fault Lane, Testville"
ATTEMPTS = 3
"""Total attempts of the DynamoDB client the retry tests use (botocore backs off up to
1 s, then 2 s: a persistent fault costs at most 3 s; the default 5 would cost up to 15 s)."""
LOCK_WAIT_LIMIT = 15.0
"""Upper bound, in seconds, on any wait for the server to reach an expected state."""


# -- shared: a cart to order and the state check ---------------------------------------------


@dataclasses.dataclass(frozen=True)
class Scene:
    shopper: User
    product: Product
    quantity: int


def cart_ready(repos: RepositorySet, *, stock: int = 5, quantity: int = 2) -> Scene:
    """A product with ``stock`` and a shopper whose cart holds ``quantity`` of it."""
    product = make_product(repos, stock=stock)
    shopper = make_user(repos)
    repos.carts.add_item(shopper.id, product.id, quantity)
    return Scene(shopper, product, quantity)


def assert_whole(repos: RepositorySet, scene: Scene, *, orders: int) -> list[Order]:
    """Exactly ``orders`` orders exist, each took its stock once and emptied the cart."""
    state = everything(repos)
    placed = [o for o in state["orders.list_by_user"] if o.user_id == scene.shopper.id]
    assert len(placed) == orders == len(state["orders.list_by_user"])
    for order in placed:
        assert [(i.product_id, i.quantity) for i in order.items] == [
            (scene.product.id, scene.quantity)
        ]
    product = repos.products.get(scene.product.id)
    assert product is not None
    assert product.stock == scene.product.stock - orders * scene.quantity
    cart = repos.carts.get(scene.shopper.id)
    if orders:
        assert cart.items == ()
    else:
        assert [(i.product_id, i.quantity) for i in cart.items] == [
            (scene.product.id, scene.quantity)
        ]
    return placed


# -- DynamoDB: faults through botocore's events ----------------------------------------------


@pytest.fixture
def dynamo(repos: RepositorySet, request: pytest.FixtureRequest) -> Iterator[RepositorySet]:
    """A repository set on the freshly emptied tables of ``repos``, built the production way
    but with a total of ``ATTEMPTS`` attempts per request (SHOP_DYNAMODB_MAX_ATTEMPTS)."""
    factory: Any = request.config.stash[SESSION_KEY].factory("dynamodb", request)
    settings = dynamo_settings(factory.endpoint, max_attempts=ATTEMPTS)
    with build_dynamodb_repositories(
        settings, TickingClock(), SequentialIds(), CursorCodec(CURSOR_SECRET)
    ) as repositories:
        yield repositories


class Injector:
    """Runs ``faults[i]`` on attempt i of each TransactWriteItems (then lets them through).

    Registered on the repositories' own client; records every attempt's outcome.
    """

    EVENT = "before-send.dynamodb.TransactWriteItems"

    def __init__(self, repos: RepositorySet, faults: list[Callable[[AWSPreparedRequest], Any]]):
        self.client = repos.orders._db.client  # type: ignore[attr-defined]
        self.faults = faults
        self.attempts = 0
        self.sent_for_real: list[int] = []
        self.tokens: list[str | None] = []

    def __enter__(self) -> Injector:
        self.client.meta.events.register(self.EVENT, self._before_send, unique_id=id(self))
        return self

    def __exit__(self, *_: Any) -> None:
        self.client.meta.events.unregister(self.EVENT, unique_id=id(self))

    def _before_send(self, request: AWSPreparedRequest, **_: Any) -> Any:
        self.attempts += 1
        body = request.body if isinstance(request.body, bytes) else b"{}"
        self.tokens.append(json.loads(body).get("ClientRequestToken"))
        if self.attempts <= len(self.faults):
            return self.faults[self.attempts - 1](request)
        return None

    def lose_answer(self, request: AWSPreparedRequest) -> None:
        """Send the request for real, then drop the connection before the answer arrives."""
        session = URLLib3Session()
        try:
            response = session.send(request)
            self.sent_for_real.append(response.status_code)
        finally:
            session.close()
        raise ConnectionClosedError(endpoint_url=request.url)


@pytest.mark.shop_backends("dynamodb")
def test_the_retry_settings_are_botocores_standard_mode(repos: RepositorySet) -> None:
    client = repos.orders._db.client  # type: ignore[attr-defined]
    assert client.meta.config.retries == {"mode": "standard", "total_max_attempts": 5}


@pytest.mark.shop_backends("dynamodb")
@pytest.mark.parametrize("code", ["ProvisionedThroughputExceededException", "ThrottlingException"])
def test_throttling_fewer_times_than_the_attempts_is_retried_away(
    dynamo: RepositorySet, code: str
) -> None:
    scene = cart_ready(dynamo)
    throttle = answer_with_error(400, code)
    with Injector(dynamo, [throttle] * (ATTEMPTS - 1)) as injected:
        order = dynamo.orders.place(scene.shopper.id, ADDRESS)
    assert injected.attempts == ATTEMPTS  # the last one went through
    assert [o.id for o in assert_whole(dynamo, scene, orders=1)] == [order.id]


@pytest.mark.shop_backends("dynamodb")
@pytest.mark.parametrize("code", ["ProvisionedThroughputExceededException", "ThrottlingException"])
def test_throttling_on_every_attempt_is_unavailable(dynamo: RepositorySet, code: str) -> None:
    scene = cart_ready(dynamo)
    with (
        Injector(dynamo, [answer_with_error(400, code)] * ATTEMPTS) as injected,
        pytest.raises(Unavailable) as caught,
    ):
        dynamo.orders.place(scene.shopper.id, ADDRESS)
    assert injected.attempts == ATTEMPTS
    assert caught.value.operation == "TransactWriteItems"
    assert f"{code}: injected after {ATTEMPTS - 1} retries" in caught.value.detail
    assert_whole(dynamo, scene, orders=0)


@pytest.mark.shop_backends("dynamodb")
def test_an_internal_server_error_is_retried(dynamo: RepositorySet) -> None:
    scene = cart_ready(dynamo)
    with Injector(dynamo, [answer_with_error(500, "InternalServerError")]) as injected:
        order = dynamo.orders.place(scene.shopper.id, ADDRESS)
    assert injected.attempts == 2
    assert [o.id for o in assert_whole(dynamo, scene, orders=1)] == [order.id]


@pytest.mark.shop_backends("dynamodb")
def test_a_persistent_internal_server_error_is_unavailable(dynamo: RepositorySet) -> None:
    scene = cart_ready(dynamo)
    with (
        Injector(dynamo, [answer_with_error(500, "InternalServerError")] * ATTEMPTS) as injected,
        pytest.raises(Unavailable) as caught,
    ):
        dynamo.orders.place(scene.shopper.id, ADDRESS)
    assert injected.attempts == ATTEMPTS
    assert f"InternalServerError: injected after {ATTEMPTS - 1} retries" in caught.value.detail
    assert_whole(dynamo, scene, orders=0)


@pytest.mark.shop_backends("dynamodb")
def test_a_transaction_conflict_is_a_conflict_and_writes_nothing(dynamo: RepositorySet) -> None:
    scene = cart_ready(dynamo)
    cancelled = product_conflict_on_a_one_line_checkout()
    with Injector(dynamo, [cancelled]) as injected, pytest.raises(Conflict) as caught:
        dynamo.orders.place(scene.shopper.id, ADDRESS)
    assert injected.attempts == 1  # not retried, by botocore nor by the backend
    assert caught.value.fields() == {
        "entity": "cart",
        "key": scene.shopper.id,
        "reason": "changed concurrently by another request; retry",
    }
    assert_whole(dynamo, scene, orders=0)
    dynamo.orders.place(scene.shopper.id, ADDRESS)  # the advised retry succeeds
    assert_whole(dynamo, scene, orders=1)


def honours_client_request_tokens(client: Any, table_prefix: str) -> bool:
    """Whether the server treats a repeated ``TransactWriteItems`` with the same
    ``ClientRequestToken`` as the first (DynamoDB's documented idempotency), found by
    trying it: the same conditional put twice, on a table of this probe's own."""
    table = f"{table_prefix}token_probe_{uuid.uuid4().hex[:8]}"
    client.create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    try:
        client.get_waiter("table_exists").wait(TableName=table, WaiterConfig={"Delay": 0.2})
        put = {
            "Put": {
                "TableName": table,
                "Item": {"k": {"S": "probe"}},
                "ConditionExpression": "attribute_not_exists(k)",
            }
        }
        token = uuid.uuid4().hex
        client.transact_write_items(TransactItems=[put], ClientRequestToken=token)
        try:
            client.transact_write_items(TransactItems=[put], ClientRequestToken=token)
        except ClientError as error:
            if error.response["Error"]["Code"] == "TransactionCanceledException":
                return False
            raise
        return True
    finally:
        client.delete_table(TableName=table)


@pytest.mark.shop_backends("dynamodb")
@pytest.mark.parametrize(
    ("stock", "reported"),
    [
        # A server that ignores the token evaluates the retry's conditions again: the order
        # already exists and the cart line is gone, so it is cancelled. With stock left for
        # a second take, place() reads that as a concurrent change...
        (5, Conflict),
        # ...and with the stock now short, as InsufficientStock.
        (2, InsufficientStock),
    ],
)
def test_an_answer_lost_after_the_write_applied_keeps_exactly_one_order(
    dynamo: RepositorySet, parity_dynamodb_server: Any, stock: int, reported: type[Exception]
) -> None:
    """What the caller is told depends on one observable behaviour, probed first: whether
    the server honours ClientRequestToken. Never on the server's name."""
    client = dynamo.orders._db.client  # type: ignore[attr-defined]
    honours = honours_client_request_tokens(client, parity_dynamodb_server.endpoint.table_prefix)
    scene = cart_ready(dynamo, stock=stock, quantity=2)
    outcome: Order | Exception
    with Injector(dynamo, []) as injected:
        injected.faults = [injected.lose_answer]
        try:
            outcome = dynamo.orders.place(scene.shopper.id, ADDRESS)
        except (Conflict, InsufficientStock) as exc:
            outcome = exc
    assert injected.sent_for_real == [200]  # the first attempt was applied by the server
    assert injected.attempts == 2  # botocore retried the transaction once...
    token = injected.tokens[0]  # ...with the ClientRequestToken botocore generated (the
    assert token and injected.tokens == [token, token]  # backend sets none), unchanged
    [order] = assert_whole(dynamo, scene, orders=1)  # applied once: no double take
    if honours:  # the retry answers as the first attempt did: the caller gets the order
        assert isinstance(outcome, Order), outcome
        assert outcome.id == order.id
    else:
        assert type(outcome) is reported  # the caller is told it failed, yet it happened
        with pytest.raises(ValidationError):  # and the advised retry finds an empty cart
            dynamo.orders.place(scene.shopper.id, ADDRESS)


class HonoursTokens:
    """Make a client's server behave as DynamoDB documents ``ClientRequestToken``: a
    TransactWriteItems repeating a token that already succeeded is answered as the first
    was (200), without being applied again. Registered first on ``before-send``, so it sees
    every attempt before any other fault does."""

    EVENT = "before-send.dynamodb.TransactWriteItems"

    def __init__(self, client: Any) -> None:
        self.client = client
        self.seen: set[str] = set()
        self.replayed = 0
        self._answer = answer_with(200, {})  # TransactWriteItems' answer on success

    def __call__(self, request: AWSPreparedRequest, **_: Any) -> Any:
        body = request.body if isinstance(request.body, bytes) else b"{}"
        token = json.loads(body).get("ClientRequestToken")
        if token is None or token not in self.seen:
            if token is not None:
                self.seen.add(token)
            return None
        self.replayed += 1
        return self._answer(request)

    def __enter__(self) -> HonoursTokens:
        self.client.meta.events.register_first(self.EVENT, self, unique_id=id(self))
        return self

    def __exit__(self, *_: Any) -> None:
        self.client.meta.events.unregister(self.EVENT, unique_id=id(self))


@pytest.mark.shop_backends("dynamodb")
def test_the_probe_tells_a_server_that_honours_tokens_from_one_that_does_not(
    dynamo: RepositorySet, parity_dynamodb_server: Any
) -> None:
    """The probe's answer follows the server's behaviour: this server as it is, then the
    same server made to honour tokens (the behaviour real DynamoDB documents)."""
    client = dynamo.orders._db.client  # type: ignore[attr-defined]
    prefix = parity_dynamodb_server.endpoint.table_prefix
    as_it_is = honours_client_request_tokens(client, prefix)
    with HonoursTokens(client) as honouring:
        assert honours_client_request_tokens(client, prefix) is True
    assert honouring.replayed == 1
    print(f"this server honours ClientRequestToken: {as_it_is}")


@pytest.mark.shop_backends("dynamodb")
def test_on_a_server_that_honours_tokens_a_lost_answer_still_gives_the_caller_the_order(
    dynamo: RepositorySet,
) -> None:
    """The branch the probe picks on real DynamoDB, run here by making the server honour
    tokens: the retry after the lost answer is answered as the applied first attempt."""
    client = dynamo.orders._db.client  # type: ignore[attr-defined]
    scene = cart_ready(dynamo, stock=5, quantity=2)
    with HonoursTokens(client) as honouring, Injector(dynamo, []) as injected:
        injected.faults = [injected.lose_answer]
        outcome = dynamo.orders.place(scene.shopper.id, ADDRESS)
    assert injected.sent_for_real == [200] and injected.attempts == 2
    assert honouring.replayed == 1  # the retry was answered by the token, not applied again
    [order] = assert_whole(dynamo, scene, orders=1)
    assert isinstance(outcome, Order) and outcome.id == order.id


# -- MySQL: a second connection interferes -----------------------------------------------------


def mysql_settings(repos: RepositorySet) -> Any:
    return repos.orders._db._connections._settings  # type: ignore[attr-defined]


@pytest.fixture
def locker(repos: RepositorySet) -> Iterator[Connection]:
    """A second connection to the repositories' database (takes locks, kills sessions)."""
    connection = connect(mysql_settings(repos))
    try:
        yield connection
    finally:
        connection.rollback()
        connection.close()


def lock_product(connection: Connection, product: Product) -> None:
    connection.begin()
    with connection.cursor() as cursor:
        cursor.execute("SELECT stock FROM products WHERE id = %s FOR UPDATE", (int(product.id),))


def waiting_for_lock(watcher: Connection, *, other_than: set[int], pending: Future[Any]) -> int:
    """The id of the connection of this database that waits for a row lock (a new one)."""
    deadline = time.monotonic() + LOCK_WAIT_LIMIT
    pause = threading.Event()
    while time.monotonic() < deadline:
        assert not pending.done(), f"expected the call to wait for the lock: {pending.result()}"
        with watcher.cursor() as cursor:
            cursor.execute(
                "SELECT t.trx_mysql_thread_id AS id FROM information_schema.INNODB_TRX t "
                "JOIN information_schema.PROCESSLIST p ON p.ID = t.trx_mysql_thread_id "
                "WHERE t.trx_state = 'LOCK WAIT' AND p.DB = DATABASE()"
            )
            ids = {int(row["id"]) for row in cursor.fetchall()} - other_than
        if ids:
            assert len(ids) == 1, ids
            return ids.pop()
        # Polling a server-side condition, with a deadline. InnoDB refreshes its
        # INNODB_TRX snapshot only when nobody read it for 0.1 s: poll more slowly.
        pause.wait(0.2)
    raise AssertionError(f"no connection waited for the lock within {LOCK_WAIT_LIMIT} s")


def kill(connection: Connection, connection_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("KILL %s", (connection_id,))


@pytest.fixture
def background() -> Iterator[ThreadPoolExecutor]:
    with ThreadPoolExecutor(1) as pool:
        yield pool


@pytest.mark.shop_backends("mysql")
def test_a_connection_killed_inside_place_is_replayed_once(
    repos: RepositorySet, locker: Connection, background: ThreadPoolExecutor
) -> None:
    scene = cart_ready(repos)
    watcher = connect(mysql_settings(repos))
    try:
        lock_product(locker, scene.product)
        pending = background.submit(repos.orders.place, scene.shopper.id, ADDRESS)
        first = waiting_for_lock(watcher, other_than=set(), pending=pending)
        kill(watcher, first)
        # The killed transaction (its cart lines already deleted) is rolled back by the
        # server; the backend replays it on a new connection, which waits for the lock too.
        replay = waiting_for_lock(watcher, other_than={first}, pending=pending)
        assert replay != first
        locker.rollback()
        order = pending.result(timeout=LOCK_WAIT_LIMIT)
    finally:
        watcher.close()
    assert [o.id for o in assert_whole(repos, scene, orders=1)] == [order.id]


@pytest.mark.shop_backends("mysql")
def test_a_connection_killed_twice_inside_place_is_unavailable(
    repos: RepositorySet, locker: Connection, background: ThreadPoolExecutor
) -> None:
    scene = cart_ready(repos)
    watcher = connect(mysql_settings(repos))
    try:
        lock_product(locker, scene.product)
        pending = background.submit(repos.orders.place, scene.shopper.id, ADDRESS)
        first = waiting_for_lock(watcher, other_than=set(), pending=pending)
        kill(watcher, first)
        replay = waiting_for_lock(watcher, other_than={first}, pending=pending)
        kill(watcher, replay)
        with pytest.raises(Unavailable) as caught:
            pending.result(timeout=LOCK_WAIT_LIMIT)
        locker.rollback()
    finally:
        watcher.close()
    assert caught.value.operation == "orders.place"
    assert_whole(repos, scene, orders=0)
    repos.orders.place(scene.shopper.id, ADDRESS)  # and the next call reconnects
    assert_whole(repos, scene, orders=1)


@pytest.mark.shop_backends("mysql")
def test_a_lock_wait_timeout_is_unavailable_and_writes_nothing(
    repos: RepositorySet, locker: Connection
) -> None:
    scene = cart_ready(repos)
    # The repositories' session sets innodb_lock_wait_timeout = 10 when it connects (so a
    # SET GLOBAL would not reach it); shorten it on this thread's session instead.
    own: Connection = repos.orders._db._connections.acquire()  # type: ignore[attr-defined]
    with own.cursor() as cursor:
        cursor.execute("SELECT @@SESSION.innodb_lock_wait_timeout AS t")
        row = cursor.fetchone()
        assert row is not None and int(row["t"]) == 10
        cursor.execute("SET SESSION innodb_lock_wait_timeout = 1")
    lock_product(locker, scene.product)
    calls: list[tuple[Callable[[], object], str]] = [
        (lambda: repos.products.adjust_stock(scene.product.id, -1), "products.adjust_stock"),
        (lambda: repos.orders.place(scene.shopper.id, ADDRESS), "orders.place"),
    ]
    for call, operation in calls:
        started = time.monotonic()
        with pytest.raises(Unavailable) as caught:
            call()
        assert time.monotonic() - started < 8  # 1 s lock wait (InnoDB checks each second)
        assert caught.value.operation == operation
        assert "lock wait timeout" in caught.value.detail
    locker.rollback()
    assert_whole(repos, scene, orders=0)
    repos.orders.place(scene.shopper.id, ADDRESS)
    assert_whole(repos, scene, orders=1)
