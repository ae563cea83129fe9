"""What only the DynamoDB backend has to prove: its tables, its requests, its transactions.

Runs on moto in-process (``moto.mock_aws``, no sockets) with fake credentials. The
generic behaviour of the 36 methods is the shared behaviour suite's job; here we check
the DynamoDB side of it: tables equal the migration contract, each method issues exactly
the requests the contract lists (and nothing but search scans), numbers are stored exactly,
cursors are tamper-proof, multi-item changes are one transaction that leaves nothing
half-done, the 100-item limit is refused up front, and throttling becomes ``Unavailable``
after botocore's retries.
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import inspect
import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, cast

import botocore.retries.standard
import pytest
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.awsrequest import AWSResponse, HTTPHeaders
from botocore.exceptions import EndpointConnectionError

from harness.provisioning import moto_in_process
from shop.backends.dynamodb import (
    build_dynamodb_repositories,
    create_tables,
    delete_all_items,
    load_contract,
    make_client,
)
from shop.backends.dynamodb.client import Dynamo
from shop.backends.memory import build_memory_repositories
from shop.clock import SequentialIds, TickingClock
from shop.cursors import CursorCodec
from shop.domain import (
    AlreadyExists,
    CategoryChanges,
    Conflict,
    InsufficientStock,
    NewCategory,
    NewProduct,
    NewUser,
    NotFound,
    ProductChanges,
    Profile,
    ShopError,
    Unavailable,
    UserChanges,
    ValidationError,
)
from shop.interfaces import REPOSITORY_INTERFACES
from shop.repository_set import RepositorySet
from shop.settings import DynamoSettings

pytestmark = pytest.mark.unit

SETTINGS = DynamoSettings(
    endpoint_url=None,
    region="us-east-1",
    table_prefix="spec_",
    max_attempts=3,
)
SECRET = b"dynamodb-specifics"
CONTRACT = load_contract()
TABLES = tuple(CONTRACT.tables)

_deserializer = TypeDeserializer()


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """moto in-process with fake credentials (nothing leaves the process)."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    with moto_in_process():
        yield


@dataclass
class Backend:
    """The repositories under test, the requests they issued, and a raw client to peek."""

    repos: RepositorySet
    requests: list[str]
    raw: Any

    @property
    def db(self) -> Dynamo:
        """The repositories' request helper (white box: to reach their botocore client)."""
        return self.repos.users._db  # type: ignore[attr-defined,no-any-return]

    def ops(self, call: Callable[[], object]) -> list[str]:
        """The API operations ``call`` issued (raising calls included)."""
        self.requests.clear()
        with contextlib.suppress(ShopError):
            call()
        return list(self.requests)

    def items(self, table: str) -> list[dict[str, Any]]:
        """Every raw item of a table (attribute values decoded, numbers as Decimal)."""
        found: list[dict[str, Any]] = []
        request: dict[str, Any] = {"TableName": SETTINGS.table_prefix + table}
        while True:
            page = self.raw.scan(**request)
            found.extend(
                {k: _deserializer.deserialize(v) for k, v in item.items()} for item in page["Items"]
            )
            if "LastEvaluatedKey" not in page:
                return found
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def raw_items(self, table: str) -> list[dict[str, Any]]:
        """Every item of a table exactly as DynamoDB returns it (attribute-value JSON)."""
        return list(self.raw.scan(TableName=SETTINGS.table_prefix + table)["Items"])

    def snapshot(self) -> dict[str, list[str]]:
        """All tables' contents, comparable before/after."""
        return {
            t: sorted(json.dumps(i, sort_keys=True, default=str) for i in self.items(t))
            for t in TABLES
        }

    def partition(self, pk: str) -> list[dict[str, Any]]:
        """The raw items of one users-table partition."""
        return [i for i in self.items("users") if i["PK"] == pk]


def _build(settings: DynamoSettings = SETTINGS) -> Backend:
    create_tables(settings)
    requests: list[str] = []
    repos = build_dynamodb_repositories(
        settings, TickingClock(), SequentialIds(), CursorCodec(SECRET), requests.append
    )
    return Backend(repos, requests, make_client(settings))


@pytest.fixture
def backend(aws: None) -> Iterator[Backend]:
    built = _build()
    try:
        yield built
    finally:
        built.repos.close()
        built.raw.close()


@dataclass
class World:
    """A small shop: a seller, two buyers, a category tree, products, a cart, an order."""

    seller: str = ""
    buyer: str = ""
    shopper: str = ""
    toys: str = ""
    books: str = ""
    cars: str = ""
    minis: str = ""
    ball: str = ""
    cube: str = ""
    novel: str = ""
    order: str = ""
    extra: dict[str, str] = field(default_factory=dict)


def seed(repos: RepositorySet) -> World:
    """Fill ``repos`` with the ``World`` every request-count case starts from."""
    w = World()
    w.seller = repos.users.create(NewUser("Sam@Shop.example", "sam", "h", is_seller=True)).id
    w.buyer = repos.users.create(
        NewUser("bea@example.com", "bea", "h", Profile(first_name="Bea"))
    ).id
    w.shopper = repos.users.create(NewUser("sid@example.com", "sid", "h")).id
    w.toys = repos.categories.create(NewCategory("Toys")).id
    w.books = repos.categories.create(NewCategory("Books", description="paper")).id
    w.cars = repos.categories.create(NewCategory("Cars", parent_id=w.toys)).id
    w.minis = repos.categories.create(NewCategory("Minis", parent_id=w.cars)).id
    w.ball = repos.products.create(
        NewProduct(w.seller, w.toys, "Red Ball", Decimal("9.99"), 10, "A bouncy BALL")
    ).id
    w.cube = repos.products.create(NewProduct(w.seller, w.toys, "Cube", Decimal("1.50"), 3)).id
    w.novel = repos.products.create(NewProduct(w.seller, w.books, "Novel", Decimal("12.00"), 4)).id
    repos.carts.add_item(w.shopper, w.cube, 1)
    w.order = repos.orders.place(w.shopper, "1 Main St").id
    repos.carts.add_item(w.buyer, w.ball, 2)
    repos.carts.add_item(w.buyer, w.cube, 1)
    return w


# -- the tables --------------------------------------------------------------------------


def test_tables_created_from_the_contract_match_it(backend: Backend) -> None:
    for logical, table in CONTRACT.tables.items():
        described = backend.raw.describe_table(TableName=SETTINGS.table_prefix + logical)["Table"]
        keys = {k["KeyType"]: k["AttributeName"] for k in described["KeySchema"]}
        assert keys == {"HASH": table.partition_key, "RANGE": table.sort_key}
        assert {
            a["AttributeName"]: a["AttributeType"] for a in described["AttributeDefinitions"]
        } == dict(table.attribute_types)
        indexes = {i["IndexName"]: i for i in described.get("GlobalSecondaryIndexes", [])}
        assert set(indexes) == set(table.indexes)
        for name, index in table.indexes.items():
            schema = {k["KeyType"]: k["AttributeName"] for k in indexes[name]["KeySchema"]}
            expected = {"HASH": index.partition_key}
            if index.sort_key is not None:
                expected["RANGE"] = index.sort_key
            assert schema == expected, f"{logical}.{name}"
            assert indexes[name]["Projection"]["ProjectionType"] == index.projection


def test_the_contract_describes_every_method_and_its_deviations() -> None:
    methods = {
        f"{attribute}.{name}"
        for attribute, protocol in REPOSITORY_INTERFACES.items()
        for name, member in vars(protocol).items()
        if inspect.isfunction(member) and not name.startswith("_")
    }
    assert len(methods) == 36
    assert set(CONTRACT.access_patterns) == methods
    scanning = {
        method
        for method, variants in CONTRACT.access_patterns.items()
        for requests in variants.values()
        if any(r.split()[0] == "Scan" for r in requests)
    }
    assert scanning == {"products.search"}
    assert any("DEVIATION categories PK" in note for note in CONTRACT.notes)
    assert CONTRACT.transaction_limit == 100


def test_guard_keys_can_never_be_stored_emails() -> None:
    # Emails are stored str.lower()-ed; guards start with upper-case "USERNAME#".
    assert not any("A" <= ch <= "Z" for code in range(0x110000) for ch in chr(code).lower())


def test_a_username_that_looks_like_an_email_never_meets_a_user_collection(
    backend: Backend,
) -> None:
    users = backend.repos.users
    first = users.create(NewUser("USERNAME#bob@x.com", "alice", "h"))
    second = users.create(NewUser("other@x.com", "bob@x.com", "h"))
    assert users.get_by_email("username#BOB@x.com") == first
    assert users.get_by_username("bob@x.com") == second
    assert {i["PK"] for i in backend.items("users")} == {
        "username#bob@x.com",
        "other@x.com",
        "USERNAME#alice",
        "USERNAME#bob@x.com",
    }


# -- requests per method -------------------------------------------------------------------

Case = Callable[[RepositorySet, World], object]

CASES: dict[tuple[str, str], Case] = {
    ("users.create", "default"): lambda r, w: r.users.create(NewUser("new@x.com", "new", "h")),
    ("users.get", "default"): lambda r, w: r.users.get(w.buyer),
    ("users.get_by_email", "default"): lambda r, w: r.users.get_by_email("BEA@example.com"),
    ("users.get_by_username", "default"): lambda r, w: r.users.get_by_username("bea"),
    ("users.update", "fields"): lambda r, w: r.users.update(
        w.buyer, UserChanges(profile=Profile(last_name="B"), password_hash="h2")
    ),
    ("users.update", "username"): lambda r, w: r.users.update(w.buyer, UserChanges(username="bee")),
    ("users.update", "email"): lambda r, w: r.users.update(
        w.shopper, UserChanges(email="SID2@example.com")
    ),
    ("users.update", "empty"): lambda r, w: r.users.update(w.buyer, UserChanges()),
    ("users.delete", "default"): lambda r, w: r.users.delete(w.buyer),
    ("users.list", "default"): lambda r, w: r.users.list(2),
    ("categories.create", "root"): lambda r, w: r.categories.create(NewCategory("Games")),
    ("categories.create", "child"): lambda r, w: r.categories.create(
        NewCategory("Dolls", parent_id=w.toys)
    ),
    ("categories.get", "default"): lambda r, w: r.categories.get(w.cars),
    ("categories.get_by_name", "root"): lambda r, w: r.categories.get_by_name("Toys"),
    ("categories.get_by_name", "child"): lambda r, w: r.categories.get_by_name("Cars", w.toys),
    ("categories.list_children", "root"): lambda r, w: r.categories.list_children(),
    ("categories.list_children", "child"): lambda r, w: r.categories.list_children(w.toys),
    ("categories.path", "default"): lambda r, w: r.categories.path(w.minis),
    ("categories.tree", "default"): lambda r, w: r.categories.tree(),
    ("categories.update", "description"): lambda r, w: r.categories.update(
        w.books, CategoryChanges(description=None)
    ),
    ("categories.update", "rename"): lambda r, w: r.categories.update(
        w.toys, CategoryChanges(name="Playthings")
    ),
    ("categories.update", "move"): lambda r, w: r.categories.update(
        w.cars, CategoryChanges(parent_id=w.books)
    ),
    ("categories.update", "empty"): lambda r, w: r.categories.update(w.cars, CategoryChanges()),
    ("categories.delete", "default"): lambda r, w: r.categories.delete(w.minis),
    ("products.create", "default"): lambda r, w: r.products.create(
        NewProduct(w.seller, w.books, "Atlas", Decimal("30.00"), 1)
    ),
    ("products.get", "default"): lambda r, w: r.products.get(w.ball),
    ("products.get_many", "default"): lambda r, w: r.products.get_many([w.cube, w.ball, "nope"]),
    ("products.list_by_category", "default"): lambda r, w: r.products.list_by_category(w.toys, 1),
    ("products.list_by_seller", "default"): lambda r, w: r.products.list_by_seller(w.seller, 2),
    ("products.search", "default"): lambda r, w: r.products.search("ball", limit=5),
    ("products.update", "fields"): lambda r, w: r.products.update(
        w.ball, ProductChanges(name="Ball", price=Decimal("8.00"), image_url=None)
    ),
    ("products.update", "category"): lambda r, w: r.products.update(
        w.ball, ProductChanges(category_id=w.books)
    ),
    ("products.update", "empty"): lambda r, w: r.products.update(w.ball, ProductChanges()),
    ("products.delete", "no_cart_lines"): lambda r, w: r.products.delete(w.novel),
    ("products.delete", "in_carts"): lambda r, w: r.products.delete(w.ball),
    ("products.adjust_stock", "default"): lambda r, w: r.products.adjust_stock(w.ball, -3),
    ("carts.get", "default"): lambda r, w: r.carts.get(w.buyer),
    ("carts.add_item", "default"): lambda r, w: r.carts.add_item(w.buyer, w.novel, 1),
    ("carts.set_quantity", "default"): lambda r, w: r.carts.set_quantity(w.buyer, w.ball, 5),
    ("carts.remove_item", "default"): lambda r, w: r.carts.remove_item(w.buyer, w.ball),
    ("carts.clear", "default"): lambda r, w: r.carts.clear(w.buyer),
    ("carts.count_items", "default"): lambda r, w: r.carts.count_items(w.buyer),
    ("orders.place", "default"): lambda r, w: r.orders.place(w.buyer, "2 High St"),
    ("orders.get", "default"): lambda r, w: r.orders.get(w.order),
    ("orders.list_by_user", "default"): lambda r, w: r.orders.list_by_user(w.shopper),
    ("orders.list_by_status", "default"): lambda r, w: r.orders.list_by_status("pending"),
    ("orders.update_status", "default"): lambda r, w: r.orders.update_status(w.order, "paid"),
    ("orders.cancel", "default"): lambda r, w: r.orders.cancel(w.order),
}


def _expected(method: str, variant: str) -> list[str]:
    requests = CONTRACT.access_patterns[method][variant]
    if method == "categories.path":
        return ["Query"] * 3  # one GSI1 Query per level: Minis < Cars < Toys
    return [r.split()[0] for r in requests]


def test_the_cases_cover_every_method_and_variant() -> None:
    declared = {(m, v) for m, variants in CONTRACT.access_patterns.items() for v in variants}
    assert set(CASES) == declared


@pytest.mark.parametrize("case", sorted(CASES), ids=lambda c: f"{c[0]}[{c[1]}]")
def test_each_method_issues_exactly_the_contract_requests(
    backend: Backend, case: tuple[str, str]
) -> None:
    world = seed(backend.repos)
    backend.requests.clear()
    CASES[case](backend.repos, world)  # must succeed: this is the happy path
    issued = list(backend.requests)
    assert issued == _expected(*case)
    if case[0] != "products.search":
        assert "Scan" not in issued


def test_refused_calls_issue_no_write(backend: Backend) -> None:
    world = seed(backend.repos)
    repos = backend.repos
    writes = {"PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem"}
    refused: list[Callable[[], object]] = [
        lambda: repos.users.create(NewUser("bea@example.com", "x", "h")),
        lambda: repos.users.create(NewUser("x@example.com", "bea", "h")),
        lambda: repos.users.update(world.buyer, UserChanges(email="sam@shop.example")),
        lambda: repos.users.delete(world.shopper),
        lambda: repos.users.delete(world.seller),
        lambda: repos.categories.create(NewCategory("Cars", parent_id=world.toys)),
        lambda: repos.categories.update(world.toys, CategoryChanges(parent_id=world.minis)),
        lambda: repos.categories.delete(world.toys),
        lambda: repos.products.create(NewProduct(world.buyer, world.toys, "x", Decimal(1))),
        lambda: repos.products.adjust_stock(world.cube, -100),
        lambda: repos.orders.update_status(world.order, "shipped"),
        lambda: repos.carts.add_item("nobody", world.ball, 1),
    ]
    for call in refused:
        issued = backend.ops(call)
        assert not writes & set(issued), issued


# -- stored values -------------------------------------------------------------------------

_INTEGER_ATTRIBUTES = {"stock", "quantity", "version"}


def _numbers(value: Any, name: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(value, dict):
        if set(value) == {"N"}:
            yield name, value["N"]
            return
        for key, inner in value.items():
            yield from _numbers(inner, key if key not in ("M", "L") else name)
    elif isinstance(value, list):
        for inner in value:
            yield from _numbers(inner, name)


def test_no_float_is_ever_stored(backend: Backend) -> None:
    world = seed(backend.repos)
    backend.repos.orders.place(world.buyer, "2 High St")
    backend.repos.products.update(world.novel, ProductChanges(price=Decimal("0.10")))
    numbers = [n for t in TABLES for item in backend.raw_items(t) for n in _numbers(item)]
    assert {name for name, _ in numbers} >= {
        "price",
        "stock",
        "quantity",
        "total",
        "unit_price",
        "line_total",
        "version",
    }
    for name, text in numbers:
        assert "e" not in text.lower(), (name, text)
        exact = Decimal(text)
        if name in _INTEGER_ATTRIBUTES:
            assert exact == exact.to_integral_value(), (name, text)
        else:
            assert exact == exact.quantize(Decimal("0.01")), (name, text)
    with pytest.raises(TypeError):
        TypeSerializer().serialize(1.5)
    product = backend.repos.products.get(world.novel)
    assert product is not None
    assert product.price == Decimal("0.10") and str(product.price) == "0.10"
    assert type(product.stock) is int


def test_none_attributes_are_omitted_and_read_back_as_none(backend: Backend) -> None:
    world = seed(backend.repos)
    backend.repos.products.update(world.ball, ProductChanges(description=None))
    backend.repos.users.update(world.buyer, UserChanges(profile=Profile()))
    ball = next(i for i in backend.items("products") if i["id"] == world.ball)
    assert "description" not in ball and "description_lc" not in ball and "image_url" not in ball
    meta = next(i for i in backend.partition("bea@example.com") if i["SK"] == "#META")
    assert "profile" not in meta
    root = next(i for i in backend.items("categories") if i["id"] == world.toys)
    assert "parent_id" not in root and "description" not in root
    user = backend.repos.users.get(world.buyer)
    product = backend.repos.products.get(world.ball)
    assert user is not None and user.profile == Profile()
    assert product is not None and product.description is None


# -- cursors ---------------------------------------------------------------------------------


def _tamper(cursor: str) -> str:
    body, _, signature = cursor.partition(".")
    decoded = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode())
    decoded["p"] = "0" + str(decoded["p"])
    raw = json.dumps(decoded, separators=(",", ":"), sort_keys=True).encode()
    forged = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
    return f"{forged}.{signature}"


def test_a_tampered_or_foreign_cursor_is_a_validation_error(backend: Backend) -> None:
    world = seed(backend.repos)
    products = backend.repos.products
    first = products.list_by_category(world.toys, 1)
    assert first.next_cursor is not None
    bad = [
        _tamper(first.next_cursor),
        first.next_cursor[:-2] + ("AA" if not first.next_cursor.endswith("AA") else "BB"),
        first.next_cursor.replace(".", ""),
    ]
    for cursor in bad:
        with pytest.raises(ValidationError) as caught:
            products.list_by_category(world.toys, 1, cursor)
        assert caught.value.field == "cursor"
    with pytest.raises(ValidationError) as other_listing:
        products.list_by_category(world.books, 1, first.next_cursor)
    assert other_listing.value.field == "cursor"
    with pytest.raises(ValidationError):
        backend.repos.users.list(1, first.next_cursor)
    memory = build_memory_repositories(TickingClock(), SequentialIds(), CursorCodec(SECRET))
    seed(memory)
    memory_cursor = memory.products.list_by_category(world.toys, 1).next_cursor
    assert memory_cursor is not None
    with pytest.raises(ValidationError):
        products.list_by_category(world.toys, 1, memory_cursor)


def test_pages_are_exact_and_the_last_has_no_cursor(backend: Backend) -> None:
    repos = backend.repos
    world = seed(repos)
    for n in range(5):
        repos.products.create(NewProduct(world.seller, world.books, f"ball {n}", Decimal(1), n))
    seen: list[str] = []
    sizes = []
    cursor = None
    while True:
        page = repos.products.search("BALL", limit=2, cursor=cursor)
        sizes.append(len(page.items))
        seen.extend(p.id for p in page.items)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert sizes == [2, 2, 2]  # 6 matches: exact pages, no trailing empty page
    assert len(set(seen)) == len(seen) == 6
    in_stock = repos.products.search("ball", category_id=world.books, in_stock_only=True)
    assert sorted(p.name for p in in_stock.items) == ["ball 1", "ball 2", "ball 3", "ball 4"]


# -- multi-item transactions -------------------------------------------------------------------


def test_an_email_change_moves_the_whole_collection_in_one_transaction(
    backend: Backend,
) -> None:
    repos = backend.repos
    world = seed(repos)
    repos.carts.add_item(world.shopper, world.ball, 2)
    repos.orders.place(world.shopper, "again")
    repos.carts.add_item(world.shopper, world.novel, 1)
    before = backend.partition("sid@example.com")
    first_page = repos.orders.list_by_user(world.shopper, 1)
    assert first_page.next_cursor is not None

    issued = backend.ops(
        lambda: repos.users.update(world.shopper, UserChanges(email="Sid.New@Example.com"))
    )

    assert issued.count("TransactWriteItems") == 1
    assert not backend.partition("sid@example.com")
    after = backend.partition("sid.new@example.com")
    assert sorted(i["SK"] for i in after) == sorted(i["SK"] for i in before)
    assert sum(1 for i in after if i["SK"].startswith("ORDER#")) == 2
    assert sum(1 for i in after if i["SK"].startswith("CART#")) == 1
    assert repos.carts.count_items(world.shopper) == 1
    assert repos.orders.get(world.order) is not None
    # a cursor from before the move still continues the listing under the new email
    rest = repos.orders.list_by_user(world.shopper, 5, first_page.next_cursor)
    assert [o.id for o in first_page.items + rest.items] == [
        o.id for o in repos.orders.list_by_user(world.shopper, 5).items
    ]
    assert rest.next_cursor is None


def test_the_100_item_transaction_limit_is_refused_before_writing(backend: Backend) -> None:
    repos = backend.repos
    world = seed(repos)
    for n in range(49):
        product = repos.products.create(
            NewProduct(world.seller, world.books, f"p{n}", Decimal("1.00"), 5)
        )
        repos.carts.add_item(world.buyer, product.id, 1)
    # bea now has 51 cart lines: moving them all needs 2 * 52 = 104 items
    before = backend.snapshot()
    for call in (
        lambda: repos.users.update(world.buyer, UserChanges(email="bea2@example.com")),
        lambda: repos.orders.place(world.buyer, "address"),
    ):
        backend.requests.clear()
        with pytest.raises(Conflict) as refused:
            call()
        assert "at most 100" in refused.value.reason
        assert "TransactWriteItems" not in backend.requests
        assert backend.snapshot() == before
    repos.carts.remove_item(world.buyer, world.ball)
    repos.carts.remove_item(world.buyer, world.cube)
    order = repos.orders.place(world.buyer, "address")  # 49 lines: 2 + 49 + 49 = 100 items
    assert len(order.items) == 49


def test_a_category_rename_rekeys_its_children_in_one_transaction(backend: Backend) -> None:
    repos = backend.repos
    world = seed(repos)
    dolls = repos.categories.create(NewCategory("Dolls", parent_id=world.toys)).id
    issued = backend.ops(
        lambda: repos.categories.update(world.toys, CategoryChanges(name="Playthings"))
    )
    assert issued.count("TransactWriteItems") == 1
    items = {i["id"]: i for i in backend.items("categories")}
    assert items[world.toys]["PK"] == "ROOT" and items[world.toys]["SK"] == "Playthings"
    assert items[world.cars]["PK"] == f"Playthings#{world.toys}"
    assert items[dolls]["PK"] == f"Playthings#{world.toys}"
    assert items[world.minis]["PK"] == f"Cars#{world.cars}"  # grandchildren keep their key
    assert not [i for i in items.values() if i["PK"] == f"Toys#{world.toys}"]
    assert [c.name for c in repos.categories.list_children(world.toys)] == ["Cars", "Dolls"]
    assert [c.id for c in repos.categories.path(world.minis)] == [
        world.toys,
        world.cars,
        world.minis,
    ]
    with pytest.raises(AlreadyExists):
        repos.categories.update(world.cars, CategoryChanges(name="Dolls"))


def test_siblings_list_in_code_point_order(backend: Backend) -> None:
    repos = backend.repos
    root = repos.categories.create(NewCategory("Root")).id
    for name in ("😀", "a", "Ä", "B", "ｱ"):
        repos.categories.create(NewCategory(name, parent_id=root))
    expected = ["B", "a", "Ä", "ｱ", "😀"]
    assert [c.name for c in repos.categories.list_children(root)] == expected
    raw = backend.raw.query(
        TableName=SETTINGS.table_prefix + "categories",
        KeyConditionExpression="PK = :pk",
        ExpressionAttributeValues={":pk": {"S": f"Root#{root}"}},
    )
    assert [i["SK"]["S"] for i in raw["Items"]] == expected
    assert [n.category.name for n in repos.categories.tree()[0].children] == expected


def test_a_failed_place_leaves_stock_cart_and_orders_untouched(backend: Backend) -> None:
    repos = backend.repos
    world = seed(repos)
    repos.carts.set_quantity(world.buyer, world.cube, 3)
    repos.products.adjust_stock(world.cube, -1)  # 2 left, 3 wanted
    before = backend.snapshot()
    with pytest.raises(InsufficientStock) as short:
        repos.orders.place(world.buyer, "addr")
    assert short.value.fields() == {"product_id": world.cube, "requested": 3}
    assert backend.snapshot() == before


def test_a_shortfall_arriving_mid_place_cancels_the_whole_transaction(
    backend: Backend,
) -> None:
    repos = backend.repos
    world = seed(repos)
    raced = False

    def competitor(operation: str) -> None:
        # Just before place() sends its transaction, another buyer takes the cubes.
        nonlocal raced
        if operation == "TransactWriteItems" and not raced:
            raced = True
            backend.raw.update_item(
                TableName=SETTINGS.table_prefix + "products",
                Key={"PK": {"S": world.cube}, "SK": {"S": "#META"}},
                UpdateExpression="SET stock = :zero",
                ExpressionAttributeValues={":zero": {"N": "0"}},
            )

    backend.requests.clear()
    before = backend.snapshot()
    backend.db.client.meta.events.register(
        "before-call.dynamodb", lambda model, **_: competitor(model.name)
    )
    with pytest.raises(InsufficientStock) as short:
        repos.orders.place(world.buyer, "addr")
    assert short.value.product_id == world.cube
    after = backend.snapshot()
    changed = [row for row in after["products"] if row not in before["products"]]
    assert len(changed) == 1 and world.cube in changed[0]  # only the competitor's write
    assert after["users"] == before["users"]  # cart intact, no order, same version
    ball = repos.products.get(world.ball)
    assert ball is not None and ball.stock == 10


# -- cart lines ------------------------------------------------------------------------------


def test_cart_lines_keep_first_added_order_without_using_shared_ids(backend: Backend) -> None:
    repos = backend.repos
    world = seed(repos)
    next_before = repos.categories.create(NewCategory("x")).id
    repos.carts.set_quantity(world.buyer, world.ball, 7)  # keeps its place
    repos.carts.add_item(world.buyer, world.novel, 1)
    assert [i.product_id for i in repos.carts.get(world.buyer).items] == [
        world.ball,
        world.cube,
        world.novel,
    ]
    repos.carts.remove_item(world.buyer, world.ball)
    repos.carts.add_item(world.buyer, world.ball, 1)  # re-added: goes last
    assert [i.product_id for i in repos.carts.get(world.buyer).items] == [
        world.cube,
        world.novel,
        world.ball,
    ]
    next_after = repos.categories.create(NewCategory("y")).id
    assert int(next_after) == int(next_before) + 1  # cart calls took no shared id


def test_unprocessed_batch_keys_are_asked_for_again(backend: Backend) -> None:
    repos = backend.repos
    world = seed(repos)
    held_back = {"done": False}

    def hold_back_one(parsed: dict[str, Any], model: Any, **_: Any) -> None:
        if held_back["done"] or "Responses" not in parsed:
            return
        table = next(iter(parsed["Responses"]))
        item = parsed["Responses"][table].pop()
        parsed["UnprocessedKeys"] = {
            table: {"Keys": [{"PK": item["PK"], "SK": item["SK"]}], "ConsistentRead": True}
        }
        held_back["done"] = True

    backend.db.client.meta.events.register("after-call.dynamodb.BatchGetItem", hold_back_one)
    issued = backend.ops(lambda: repos.products.get_many([world.ball, world.cube, world.novel]))
    assert issued == ["BatchGetItem", "BatchGetItem"]
    assert [p.id for p in repos.products.get_many([world.novel, world.ball, world.cube])] == [
        world.novel,
        world.ball,
        world.cube,
    ]


# -- failures ----------------------------------------------------------------------------------


class _Body:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


def _error_response(request: Any, status: int, error_type: str, **extra: Any) -> AWSResponse:
    body = json.dumps(
        {"__type": f"com.amazonaws.dynamodb.v20120810#{error_type}", "message": "injected", **extra}
    ).encode()
    headers = HTTPHeaders()
    headers["Content-Type"] = "application/x-amz-json-1.0"
    return AWSResponse(request.url, status, headers, _Body(body))


def _events(backend: Backend) -> Any:
    """The event hooks of the repositories' client (typed loosely: handlers return responses)."""
    return backend.db.client.meta.events


@pytest.fixture
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """botocore's standard-mode retries without their sleeps, to keep the tests fast."""
    monkeypatch.setattr(
        botocore.retries.standard.ExponentialBackoff, "delay_amount", lambda self, context: 0
    )


@pytest.mark.parametrize("mode", ["standard", "adaptive"])
def test_throttling_surfaces_as_unavailable_after_botocore_retries(
    aws: None, no_backoff: None, caplog: pytest.LogCaptureFixture, mode: str
) -> None:
    backend = _build(dataclasses.replace(SETTINGS, retry_mode=mode))
    world = seed(backend.repos)
    attempts: list[str] = []

    def throttle(request: Any, **_: Any) -> AWSResponse:
        attempts.append(request.url)
        return _error_response(request, 400, "ThrottlingException")

    _events(backend).register_first("before-send.dynamodb", throttle)
    backend.requests.clear()
    with (
        caplog.at_level(logging.WARNING, logger="shop.backends.dynamodb"),
        pytest.raises(Unavailable) as failed,
    ):
        backend.repos.users.get(world.buyer)
    assert len(attempts) == SETTINGS.max_attempts  # total attempts, the first included
    assert backend.requests == ["Query"]  # on_request: once per API call, not per retry
    assert failed.value.operation == "Query"
    assert "ThrottlingException" in failed.value.detail
    records = [r for r in caplog.records if r.name.startswith("shop.backends.dynamodb")]
    assert len(records) == 1 and "users.GSI1" in records[0].getMessage()
    backend.repos.close()
    backend.raw.close()


def test_a_dead_endpoint_surfaces_as_unavailable(backend: Backend, no_backoff: None) -> None:
    def unreachable(request: Any, **_: Any) -> None:
        raise EndpointConnectionError(endpoint_url=request.url)

    _events(backend).register_first("before-send.dynamodb", unreachable)
    with pytest.raises(Unavailable) as failed:
        backend.repos.orders.place("0000000001", "x")
    assert "EndpointConnectionError" in failed.value.detail


def test_a_conflicting_transaction_is_a_conflict_and_retries_are_configured(
    backend: Backend,
) -> None:
    world = seed(backend.repos)

    def cancel(request: Any, **_: Any) -> AWSResponse | None:
        if not request.headers.get("X-Amz-Target", b"").endswith(b"TransactWriteItems"):
            return None
        reasons = [{"Code": "None"}, {"Code": "TransactionConflict", "Message": "busy"}]
        return _error_response(
            request, 400, "TransactionCanceledException", CancellationReasons=reasons
        )

    _events(backend).register_first("before-send.dynamodb", cancel)
    with pytest.raises(Conflict) as conflict:
        backend.repos.carts.add_item(world.buyer, world.novel, 1)
    assert "concurrently" in conflict.value.reason
    retries = cast(Any, backend.db.client.meta.config).retries
    assert retries == {"mode": "standard", "total_max_attempts": SETTINGS.max_attempts}


@pytest.mark.parametrize("competitor_took_the_stock", [True, False])
def test_a_place_beaten_by_a_conflicting_transaction(
    backend: Backend, competitor_took_the_stock: bool
) -> None:
    repos = backend.repos
    world = seed(repos)

    def conflict(request: Any, **_: Any) -> AWSResponse | None:
        if not request.headers.get("X-Amz-Target", b"").endswith(b"TransactWriteItems"):
            return None
        if competitor_took_the_stock:  # the winning transaction bought every cube
            backend.raw.update_item(
                TableName=SETTINGS.table_prefix + "products",
                Key={"PK": {"S": world.cube}, "SK": {"S": "#META"}},
                UpdateExpression="SET stock = :zero",
                ExpressionAttributeValues={":zero": {"N": "0"}},
            )
        reasons = [{"Code": "None"}, {"Code": "None"}, {"Code": "TransactionConflict"}]
        return _error_response(
            request, 400, "TransactionCanceledException", CancellationReasons=reasons
        )

    _events(backend).register_first("before-send.dynamodb", conflict)
    expected: type[ShopError] = InsufficientStock if competitor_took_the_stock else Conflict
    with pytest.raises(expected):
        repos.orders.place(world.buyer, "addr")


def test_delete_all_items_empties_every_table(backend: Backend) -> None:
    seed(backend.repos)
    assert delete_all_items(SETTINGS) > 0
    assert all(not backend.items(table) for table in TABLES)
    assert backend.repos.users.list().items == ()


def test_unknown_ids_are_not_found_without_driver_errors(backend: Backend) -> None:
    repos = backend.repos
    world = seed(repos)
    for call, entity in (
        (lambda: repos.users.update("nope", UserChanges(username="z")), "user"),
        (lambda: repos.carts.add_item(world.buyer, "nope", 1), "product"),
        (lambda: repos.products.delete("nope"), "product"),
        (lambda: repos.orders.cancel("nope"), "order"),
        (lambda: repos.categories.update("nope", CategoryChanges(name="z")), "category"),
    ):
        with pytest.raises(NotFound) as missing:
            call()
        assert missing.value.entity == entity


# -- parity with the reference -------------------------------------------------------------------


def _scenario(repos: RepositorySet) -> list[Any]:
    results: list[Any] = []

    def record(call: Callable[[], object]) -> None:
        try:
            results.append(call())
        except ShopError as error:
            results.append((type(error).__name__, error.fields()))

    w = seed(repos)
    record(lambda: repos.users.create(NewUser("BEA@example.com", "zed", "h")))
    record(lambda: repos.users.create(NewUser("zed@example.com", "bea", "h")))
    record(lambda: repos.users.list(2))
    record(lambda: repos.categories.tree())
    record(lambda: repos.categories.update(w.toys, CategoryChanges(parent_id=w.minis)))
    record(lambda: repos.categories.update(w.cars, CategoryChanges(parent_id=None)))
    record(lambda: repos.categories.list_children())
    record(lambda: repos.products.list_by_seller(w.seller, 2))
    record(lambda: repos.carts.add_item(w.buyer, w.ball, 9_999))
    record(lambda: repos.carts.add_item(w.buyer, w.ball, 8))
    record(lambda: repos.orders.place(w.buyer, "addr"))
    record(lambda: repos.orders.place(w.buyer, "addr"))
    record(lambda: repos.products.adjust_stock(w.cube, -5))
    record(lambda: repos.users.update(w.buyer, UserChanges(email="b@x.com", username="b")))
    record(lambda: repos.orders.list_by_status("pending"))
    record(lambda: repos.orders.cancel(w.order))
    record(lambda: repos.orders.cancel(w.order))
    record(lambda: repos.products.get_many([w.cube, w.ball]))
    record(lambda: repos.users.delete(w.buyer))
    record(lambda: repos.categories.delete(w.minis))
    record(lambda: repos.products.delete(w.cube))
    record(lambda: repos.carts.get(w.shopper))
    return results


def _comparable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: _comparable(getattr(value, f.name)) for f in dataclasses.fields(value)}
        if "next_cursor" in fields:
            fields["next_cursor"] = fields["next_cursor"] is not None
        return (type(value).__name__, fields)
    if isinstance(value, list | tuple):
        return [_comparable(v) for v in value]
    return value


def test_a_scenario_matches_the_memory_reference(backend: Backend) -> None:
    memory = build_memory_repositories(TickingClock(), SequentialIds(), CursorCodec(SECRET))
    expected = _scenario(memory)
    actual = _scenario(backend.repos)
    assert len(actual) == len(expected)
    for index, (mine, reference) in enumerate(zip(actual, expected, strict=True)):
        assert _comparable(mine) == _comparable(reference), f"call {index}"
