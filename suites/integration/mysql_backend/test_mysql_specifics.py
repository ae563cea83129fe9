"""What only the MySQL backend has to get right: its schema, keys, SQL, transactions and
connections. (The behaviour every backend shares is tested by the contract and behaviour
suites.)"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

import pytest

from shop.backends.mysql import build_mysql_repositories
from shop.backends.mysql import users as mysql_users
from shop.backends.mysql.connection import Connection, connect
from shop.backends.mysql.schema import TABLES, create_schema, reset, split_statements
from shop.clock import FrozenClock, SequentialIds, TickingClock
from shop.cursors import CursorCodec
from shop.domain import (
    AlreadyExists,
    CategoryChanges,
    InsufficientStock,
    NewCategory,
    NewProduct,
    NewUser,
    NotFound,
    Product,
    ProductChanges,
    ShopError,
    Unavailable,
    User,
    UserChanges,
    ValidationError,
)
from shop.repository_set import RepositorySet
from shop.settings import MySQLSettings

pytestmark = pytest.mark.integration

SECRET = b"mysql-specifics"
T = TypeVar("T")


@pytest.fixture(scope="module")
def settings(parity_mysql_database: Any) -> MySQLSettings:
    """The session's MySQL database, with the schema loaded."""
    loaded = MySQLSettings.from_url(parity_mysql_database.url)
    create_schema(loaded)
    return loaded


@pytest.fixture
def requests() -> list[str]:
    """Every request label the repositories reported, in order."""
    return []


@pytest.fixture
def mysql_repos(settings: MySQLSettings, requests: list[str]) -> Iterator[RepositorySet]:
    """A repository set on emptied tables, with a ticking clock."""
    reset(settings)
    repositories = build_mysql_repositories(
        settings, TickingClock(), SequentialIds(), CursorCodec(SECRET), requests.append
    )
    with repositories:
        yield repositories


@pytest.fixture
def sql(settings: MySQLSettings) -> Iterator[Connection]:
    """A separate connection, to look at the tables directly."""
    connection = connect(settings)
    try:
        yield connection
    finally:
        connection.close()


def query(connection: Connection, statement: str, *args: Any) -> list[dict[str, Any]]:
    with connection.cursor() as cursor:
        cursor.execute(statement, args)
        return list(cursor.fetchall())


def seller(repos: RepositorySet, name: str = "sam") -> User:
    return repos.users.create(NewUser(f"{name}@example.com", name, "hash", is_seller=True))


def product(repos: RepositorySet, owner: User, stock: int = 5, name: str = "Dune") -> Product:
    category = repos.categories.get_by_name("Books") or repos.categories.create(
        NewCategory("Books")
    )
    return repos.products.create(
        NewProduct(owner.id, category.id, name, Decimal("9.99"), stock, "A desert planet")
    )


def race(count: int, work: Callable[[int], T]) -> list[T | ShopError]:
    """Run ``work(i)`` on ``count`` threads released together; results or domain errors."""
    barrier = threading.Barrier(count)
    results: list[T | ShopError | None] = [None] * count

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = work(i)
        except ShopError as exc:
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert all(r is not None for r in results), "a racing thread did not finish"
    return [r for r in results if r is not None]


# --- schema -----------------------------------------------------------------------------


def test_schema_loads_innodb_tables_with_the_designed_collations(
    settings: MySQLSettings, sql: Connection
) -> None:
    create_schema(settings)  # loading it again changes nothing
    tables = query(
        sql,
        "SELECT TABLE_NAME AS name, ENGINE AS engine, TABLE_COLLATION AS collation "
        "FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()",
    )
    assert {t["name"] for t in tables} == set(TABLES)
    assert {(t["engine"], t["collation"]) for t in tables} == {("InnoDB", "utf8mb4_unicode_ci")}
    binary = query(
        sql,
        "SELECT CONCAT(TABLE_NAME, '.', COLUMN_NAME) AS col FROM information_schema.COLUMNS "
        "WHERE TABLE_SCHEMA = DATABASE() AND COLLATION_NAME = 'utf8mb4_bin'",
    )
    assert {
        "users.email",
        "users.username",
        "categories.name",
        "products.name",
        "products.description",
        "products.search_name",
        "products.search_description",
    } <= {c["col"] for c in binary}
    charsets = query(
        sql,
        "SELECT DISTINCT CHARACTER_SET_NAME AS cs FROM information_schema.COLUMNS "
        "WHERE TABLE_SCHEMA = DATABASE() AND CHARACTER_SET_NAME IS NOT NULL",
    )
    assert {c["cs"] for c in charsets} == {"utf8mb4"}
    foreign_keys = query(
        sql,
        "SELECT CONCAT(TABLE_NAME, '.', COLUMN_NAME, '->', REFERENCED_TABLE_NAME) AS fk "
        "FROM information_schema.KEY_COLUMN_USAGE "
        "WHERE TABLE_SCHEMA = DATABASE() AND REFERENCED_TABLE_NAME IS NOT NULL",
    )
    assert {f["fk"] for f in foreign_keys} == {
        "products.seller_id->users",
        "products.category_id->categories",
        "categories.parent_id->categories",
        "cart_items.user_id->users",
        "cart_items.product_id->products",
        "orders.user_id->users",
        "order_items.order_id->orders",
    }  # order_items.product_id has none: order lines outlive their products


def test_schema_splitter_keeps_semicolons_inside_strings_and_drops_comments() -> None:
    script = (
        "-- a; comment\nCREATE TABLE t (a VARCHAR(3) DEFAULT ';'); /* x; */ SELECT 'it''s;'#;\n"
    )
    assert split_statements(script) == [
        "CREATE TABLE t (a VARCHAR(3) DEFAULT ';')",
        "SELECT 'it''s;'",
    ]


def test_reset_restarts_ids_even_for_tables_emptied_by_deletes(
    mysql_repos: RepositorySet, settings: MySQLSettings
) -> None:
    user = mysql_repos.users.create(NewUser("gone@example.com", "gone", "hash"))
    mysql_repos.users.delete(user.id)
    assert mysql_repos.users.list().items == ()
    reset(settings)
    assert mysql_repos.users.create(NewUser("new@example.com", "new", "hash")).id == "1"


# --- keys -------------------------------------------------------------------------------

NON_CANONICAL = [
    "007",
    "0",
    "-1",
    "+1",
    "1e3",
    "1.0",
    " 1",
    "1 ",
    "abc",
    "\u0661",  # ARABIC-INDIC DIGIT ONE
    "18446744073709551616",
]


@pytest.mark.parametrize("bad", NON_CANONICAL)
def test_non_canonical_ids_name_nothing(mysql_repos: RepositorySet, bad: str) -> None:
    owner = seller(mysql_repos)
    item = product(mysql_repos, owner)
    assert owner.id == "1" and item.id == "1"
    assert mysql_repos.users.get(bad) is None
    assert mysql_repos.products.get(bad) is None
    assert mysql_repos.orders.get(bad) is None
    assert mysql_repos.categories.get(bad) is None
    assert mysql_repos.categories.get_by_name("Books", parent_id=bad) is None
    assert mysql_repos.products.get_many([bad, item.id]) == [item]
    assert mysql_repos.products.list_by_seller(bad).items == ()
    assert mysql_repos.orders.list_by_user(bad).items == ()
    for call, entity in [
        (lambda: mysql_repos.users.update(bad, UserChanges(username="z")), "user"),
        (lambda: mysql_repos.users.delete(bad), "user"),
        (lambda: mysql_repos.carts.get(bad), "user"),
        (lambda: mysql_repos.carts.add_item(owner.id, bad, 1), "product"),
        (lambda: mysql_repos.products.adjust_stock(bad, 1), "product"),
        (lambda: mysql_repos.products.update(bad, ProductChanges(name="x")), "product"),
        (lambda: mysql_repos.categories.path(bad), "category"),
        (lambda: mysql_repos.categories.update(bad, CategoryChanges(name="x")), "category"),
        (lambda: mysql_repos.orders.cancel(bad), "order"),
        (lambda: mysql_repos.orders.place(bad, "1 Road"), "user"),
    ]:
        with pytest.raises(NotFound) as caught:
            call()
        assert caught.value.fields() == {"entity": entity, "key": bad}


def test_pad_space_collations_do_not_leak_into_lookups(mysql_repos: RepositorySet) -> None:
    mysql_repos.users.create(NewUser("ann@example.com", "ann", "hash"))
    mysql_repos.categories.create(NewCategory("Books"))
    assert mysql_repos.users.get_by_username("ann ") is None
    assert mysql_repos.users.get_by_email("ANN@example.com ") is None
    assert mysql_repos.users.get_by_email("ANN@example.com") is not None
    assert mysql_repos.categories.get_by_name("Books ") is None
    assert mysql_repos.categories.get_by_name("books") is None


def test_names_sort_by_code_point_not_by_collation(mysql_repos: RepositorySet) -> None:
    for name in ["a", "a\tb", "B", "Ä", "a b"]:
        mysql_repos.categories.create(NewCategory(name))
    names = [c.name for c in mysql_repos.categories.list_children()]
    assert names == sorted(names) == ["B", "a", "a\tb", "a b", "Ä"]


def test_search_matches_python_lower_literally(mysql_repos: RepositorySet) -> None:
    owner = seller(mysql_repos)
    cotton = product(mysql_repos, owner, name="100% Cotton")
    under = product(mysql_repos, owner, name="snake_case")
    istanbul = product(mysql_repos, owner, name="İstanbul")  # "İ".lower() is two code points
    product(mysql_repos, owner, name="1000 Cottons")

    def found(text: str) -> set[str]:
        return {p.id for p in mysql_repos.products.search(text, limit=100).items}

    assert found("0% c") == {cotton.id}
    assert found("e_c") == {under.id}
    assert found("_") == {under.id}
    assert found("i̇stan") == {istanbul.id}
    assert found("istan") == set()
    assert found("!") == set()


# --- transactions -------------------------------------------------------------------------


def test_failed_place_leaves_no_order_and_no_stock_change(
    mysql_repos: RepositorySet, sql: Connection
) -> None:
    owner = seller(mysql_repos)
    plenty = product(mysql_repos, owner, stock=10, name="Plenty")
    scarce = product(mysql_repos, owner, stock=1, name="Scarce")
    buyer = mysql_repos.users.create(NewUser("bo@example.com", "bo", "hash"))
    mysql_repos.carts.add_item(buyer.id, plenty.id, 3)
    mysql_repos.carts.add_item(buyer.id, scarce.id, 2)
    cart_before = mysql_repos.carts.get(buyer.id)

    with pytest.raises(InsufficientStock) as caught:
        mysql_repos.orders.place(buyer.id, "1 Road")

    assert caught.value.fields() == {"product_id": scarce.id, "requested": 2}
    assert query(sql, "SELECT COUNT(*) AS n FROM orders")[0]["n"] == 0
    assert query(sql, "SELECT COUNT(*) AS n FROM order_items")[0]["n"] == 0
    assert mysql_repos.products.get(plenty.id) == plenty
    assert mysql_repos.products.get(scarce.id) == scarce
    assert mysql_repos.carts.get(buyer.id) == cart_before


def test_order_lines_outlive_deleted_products_and_cancel_skips_them(
    mysql_repos: RepositorySet,
) -> None:
    owner = seller(mysql_repos)
    kept = product(mysql_repos, owner, stock=5, name="Kept")
    dropped = product(mysql_repos, owner, stock=5, name="Dropped")
    buyer = mysql_repos.users.create(NewUser("bo@example.com", "bo", "hash"))
    mysql_repos.carts.add_item(buyer.id, kept.id, 2)
    mysql_repos.carts.add_item(buyer.id, dropped.id, 1)
    order = mysql_repos.orders.place(buyer.id, "1 Road")
    mysql_repos.products.delete(dropped.id)

    assert mysql_repos.orders.get(order.id) == order
    cancelled = mysql_repos.orders.cancel(order.id)
    assert cancelled.items == order.items
    restored = mysql_repos.products.get(kept.id)
    assert restored is not None and restored.stock == 5


def test_concurrent_duplicate_email_gives_one_user_and_already_exists(
    mysql_repos: RepositorySet,
) -> None:
    results = race(
        20, lambda i: mysql_repos.users.create(NewUser(f"Same{i}@Example.com", f"user{i}", "hash"))
    )
    results += race(
        20, lambda i: mysql_repos.users.create(NewUser("same@example.com", f"other{i}", "hash"))
    )
    created = [r for r in results if isinstance(r, User)]
    refused = [r for r in results if isinstance(r, AlreadyExists)]
    assert len(created) == 21 and len(refused) == 19
    assert {e.fields()["field"] for e in refused} == {"email"}


def test_unique_index_is_the_last_word_on_duplicates(
    mysql_repos: RepositorySet, monkeypatch: pytest.MonkeyPatch
) -> None:
    mysql_repos.users.create(NewUser("ann@example.com", "ann", "hash"))
    # Pretend the check ran before a concurrent insert: only the unique index sees it.
    monkeypatch.setattr(mysql_users, "_check_unique", lambda *args, **kwargs: None)
    with pytest.raises(AlreadyExists) as by_email:
        mysql_repos.users.create(NewUser("ANN@example.com", "other", "hash"))
    with pytest.raises(AlreadyExists) as by_username:
        mysql_repos.users.create(NewUser("other@example.com", "ann", "hash"))
    assert by_email.value.fields() == {
        "entity": "user",
        "field": "email",
        "value": "ann@example.com",
    }
    assert by_username.value.fields() == {"entity": "user", "field": "username", "value": "ann"}


def test_racing_buyers_take_exactly_the_units_in_stock(mysql_repos: RepositorySet) -> None:
    owner = seller(mysql_repos)
    item = product(mysql_repos, owner, stock=5)
    buyers = [
        mysql_repos.users.create(NewUser(f"b{i}@example.com", f"b{i}", "hash")) for i in range(20)
    ]
    for buyer in buyers:
        mysql_repos.carts.add_item(buyer.id, item.id, 1)

    results = race(20, lambda i: mysql_repos.orders.place(buyers[i].id, "1 Road"))

    kinds = Counter(type(r).__name__ for r in results)
    assert kinds == {"Order": 5, "InsufficientStock": 15}
    left = mysql_repos.products.get(item.id)
    assert left is not None and left.stock == 0


def test_racing_adds_to_one_line_sum_up_within_the_limit(mysql_repos: RepositorySet) -> None:
    item = product(mysql_repos, seller(mysql_repos))
    buyer = mysql_repos.users.create(NewUser("bo@example.com", "bo", "hash"))
    results = race(20, lambda i: mysql_repos.carts.add_item(buyer.id, item.id, 1))
    assert all(not isinstance(r, ShopError) for r in results)
    assert mysql_repos.carts.count_items(buyer.id) == 20
    results = race(2, lambda i: mysql_repos.carts.add_item(buyer.id, item.id, 5000))
    refused = [r for r in results if isinstance(r, ShopError)]
    assert len(refused) == 1 and isinstance(refused[0], ValidationError)
    assert refused[0].fields() == {"field": "quantity", "message": "expected 1..10000, got 10020"}
    assert mysql_repos.carts.count_items(buyer.id) == 5020


def test_racing_stock_adjustments_never_oversell(mysql_repos: RepositorySet) -> None:
    item = product(mysql_repos, seller(mysql_repos), stock=10)
    results = race(20, lambda i: mysql_repos.products.adjust_stock(item.id, -1))
    assert sorted(r for r in results if isinstance(r, int)) == list(range(10))
    assert Counter(type(r).__name__ for r in results)["InsufficientStock"] == 10


def test_adjust_stock_by_zero_with_a_frozen_clock_returns_the_stock(
    settings: MySQLSettings,
) -> None:
    reset(settings)
    with build_mysql_repositories(
        settings, FrozenClock(), SequentialIds(), CursorCodec(SECRET)
    ) as mysql_repos:
        item = product(mysql_repos, seller(mysql_repos), stock=0)
        assert mysql_repos.products.adjust_stock(item.id, 0) == 0
        assert mysql_repos.products.adjust_stock(item.id, 3) == 3
        assert mysql_repos.products.adjust_stock(item.id, 0) == 3


def test_concurrent_moves_never_make_a_cycle(mysql_repos: RepositorySet) -> None:
    for round_no in range(5):
        a = mysql_repos.categories.create(NewCategory(f"A{round_no}"))
        b = mysql_repos.categories.create(NewCategory(f"B{round_no}"))
        pairs = [(a.id, b.id), (b.id, a.id)]
        results = race(
            2,
            lambda i, p=pairs: mysql_repos.categories.update(
                p[i][0], CategoryChanges(parent_id=p[i][1])
            ),
        )
        errors = [r for r in results if isinstance(r, ShopError)]
        assert len(errors) == 1 and isinstance(errors[0], ValidationError)
        assert errors[0].field == "parent_id"
        tops = {c.id for c in mysql_repos.categories.list_children()}
        assert len({a.id, b.id} & tops) == 1  # exactly one of them is still a root


# --- cursors, requests, timestamps -------------------------------------------------------


def test_tampered_or_foreign_cursors_are_validation_errors(mysql_repos: RepositorySet) -> None:
    for n in range(3):
        mysql_repos.users.create(NewUser(f"u{n}@example.com", f"u{n}", "hash"))
    cursor = mysql_repos.users.list(limit=1).next_cursor
    assert cursor is not None
    body, _, signature = cursor.partition(".")
    flipped = body[:-1] + ("A" if body[-1] != "A" else "B")
    forged = CursorCodec(SECRET).encode("users.list", ["not a time", "1"])
    for bad in [f"{flipped}.{signature}", cursor[:-2], "nonsense", forged]:
        with pytest.raises(ValidationError) as caught:
            mysql_repos.users.list(limit=1, cursor=bad)
        assert caught.value.field == "cursor"
    with pytest.raises(ValidationError):
        mysql_repos.products.list_by_seller("1", cursor=cursor)
    assert len(mysql_repos.users.list(limit=1, cursor=cursor).items) == 1


def test_each_statement_is_reported_with_its_verb(
    mysql_repos: RepositorySet, requests: list[str]
) -> None:
    owner = seller(mysql_repos)
    item = product(mysql_repos, owner)
    buyer = mysql_repos.users.create(NewUser("bo@example.com", "bo", "hash"))
    mysql_repos.carts.add_item(buyer.id, item.id, 1)

    requests.clear()
    mysql_repos.users.get(buyer.id)
    assert requests == ["SELECT"]

    requests.clear()
    mysql_repos.users.get("007")  # names nothing: no request at all
    assert requests == []

    requests.clear()
    order = mysql_repos.orders.place(buyer.id, "1 Road")
    assert requests == [
        "BEGIN", "SELECT", "DELETE", "SELECT", "UPDATE", "INSERT", "INSERT", "COMMIT",
    ]  # fmt: skip

    requests.clear()
    with pytest.raises(ValidationError):
        mysql_repos.orders.place(buyer.id, "1 Road")  # the cart is empty now
    assert requests == ["BEGIN", "SELECT", "ROLLBACK"]

    requests.clear()
    mysql_repos.orders.cancel(order.id)
    assert requests == ["BEGIN", "SELECT", "UPDATE", "UPDATE", "COMMIT"]


def test_timestamps_round_trip_at_millisecond_precision(
    settings: MySQLSettings, sql: Connection
) -> None:
    reset(settings)
    moment = datetime(2026, 3, 4, 5, 6, 7, 891000, tzinfo=UTC)
    with build_mysql_repositories(
        settings,
        TickingClock(moment, timedelta(milliseconds=1)),
        SequentialIds(),
        CursorCodec(SECRET),
    ) as mysql_repos:
        created = mysql_repos.users.create(NewUser("t@example.com", "t", "hash"))
        assert created.created_at == moment
        with sql.cursor() as cursor:
            cursor.execute("SET time_zone = '+05:00'")  # DATETIME does not move with it
        stored = query(sql, "SELECT created_at FROM users WHERE id = %s", int(created.id))
        assert stored[0]["created_at"] == datetime(2026, 3, 4, 5, 6, 7, 891000)
        fetched = mysql_repos.users.get(created.id)
        assert fetched is not None and fetched.created_at == moment
        assert fetched.created_at.tzinfo is UTC
        updated = mysql_repos.users.update(created.id, UserChanges(username="t2"))
        assert updated.updated_at == moment + timedelta(milliseconds=1)
        assert mysql_repos.users.get(created.id) == updated


# --- connections -------------------------------------------------------------------------


def test_connections_close_when_their_threads_end(mysql_repos: RepositorySet) -> None:
    db = mysql_repos.users._db  # type: ignore[attr-defined]
    mysql_repos.users.list()
    assert db.open_connections() == 1
    for _ in range(3):
        threads = [threading.Thread(target=mysql_repos.users.list) for _ in range(10)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    deadline = time.monotonic() + 5
    while db.open_connections() > 1 and time.monotonic() < deadline:
        time.sleep(0.01)  # a finished thread's connection closes as its locals are freed
    assert db.open_connections() == 1  # only this thread's is left
    mysql_repos.close()
    assert db.open_connections() == 0
    with pytest.raises(Unavailable):
        mysql_repos.users.list()


def test_an_unreachable_server_is_unavailable_not_a_driver_error(
    settings: MySQLSettings,
) -> None:
    nowhere = MySQLSettings("127.0.0.1", 1, settings.user, settings.password, settings.database)
    with build_mysql_repositories(
        nowhere, TickingClock(), SequentialIds(), CursorCodec()
    ) as mysql_repos:
        with pytest.raises(Unavailable) as caught:
            mysql_repos.users.get("1")
        assert caught.value.fields() == {"operation": "users.get"}
        with pytest.raises(Unavailable):
            mysql_repos.users.create(NewUser("a@example.com", "a", "hash"))


def test_a_connection_killed_under_a_read_is_replaced(
    mysql_repos: RepositorySet, sql: Connection, requests: list[str]
) -> None:
    mysql_repos.users.create(NewUser("a@example.com", "a", "hash"))
    db = mysql_repos.users._db  # type: ignore[attr-defined]
    with sql.cursor() as cursor:
        cursor.execute("KILL %s", (db.connection_id(),))
    requests.clear()
    assert mysql_repos.users.get("1") is not None  # replayed once on a fresh connection
    assert requests == ["SELECT", "SELECT"]


def test_a_write_whose_connection_died_is_unavailable_not_replayed(
    mysql_repos: RepositorySet, sql: Connection
) -> None:
    db = mysql_repos.users._db  # type: ignore[attr-defined]
    with sql.cursor() as cursor:
        cursor.execute("KILL %s", (db.connection_id(),))
    with pytest.raises(Unavailable) as caught:
        mysql_repos.products.delete("1")  # a single autocommit write: outcome unknown
    assert caught.value.fields() == {"operation": "products.delete"}
    assert mysql_repos.users.list().items == ()  # the next call reconnects
