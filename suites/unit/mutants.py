"""Copies of the DynamoDB backend with one planted incompatibility each.

Each mutant subclasses one real DynamoDB repository and changes one method the way a
migration bug would; the rest of the repository set is the unmodified backend. The
self-test (test_planted_incompatibilities.py) proves the contract suite catches each one
and attributes it to the method that was changed.

``MUTANTS`` are the ones the hand-written cases catch. ``UNCAUGHT_BY_CASES`` are bugs of
the same kind that all 74 cases miss (test_mutants_slip_past_the_cases.py proves it, and
that each bug is real): the targets for generated call programs. ``ALL_MUTANTS`` is both,
``MUTANTS`` first.
"""

from __future__ import annotations

import builtins
import unicodedata
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from harness import SavesState
from shop import validation
from shop.backends.dynamodb.carts import DynamoCartRepository
from shop.backends.dynamodb.categories import DynamoCategoryRepository
from shop.backends.dynamodb.client import CONCURRENT_CHANGE
from shop.backends.dynamodb.errors import ConditionFailed, TransactionCancelled
from shop.backends.dynamodb.items import order_from_item, product_from_item
from shop.backends.dynamodb.orders import DynamoOrderRepository
from shop.backends.dynamodb.products import DynamoProductRepository
from shop.backends.dynamodb.users import DynamoUserRepository
from shop.backends.dynamodb.values import iso, whole
from shop.domain import (
    Cart,
    Category,
    CategoryNode,
    Conflict,
    InsufficientStock,
    InvalidTransition,
    NotFound,
    Order,
    OrderStatus,
    Page,
    Product,
    ProductChanges,
    ShopError,
    User,
)
from shop.interfaces import DEFAULT_LIMIT
from shop.repository_set import RepositorySet
from suites.target.backends import dynamodb_in_process


class CaseSensitiveEmailLookup(DynamoUserRepository):
    """Looks the email up exactly as given, forgetting that emails are stored lower-cased."""

    def get_by_email(self, email: str) -> User | None:
        if email != email.lower():
            return None
        return super().get_by_email(email)


class ReversedChildOrder(DynamoCategoryRepository):
    """Queries the children with ScanIndexForward=False: names come back Z to A."""

    def list_children(self, parent_id: str | None = None) -> builtins.list[Category]:
        return super().list_children(parent_id)[::-1]


class OffByOnePage(DynamoUserRepository):
    """Builds the next cursor from one item too far, so each full page skips a user."""

    def list(self, limit: int = 20, cursor: str | None = None) -> Page[User]:
        page = super().list(limit, cursor)
        if page.next_cursor is None or len(page.items) < 2:
            return page
        return Page(page.items[:-1], page.next_cursor)


class FloatPrices(DynamoProductRepository):
    """Reads prices through float, as code that used the resource API's defaults might."""

    def get(self, product_id: str) -> Product | None:
        product = super().get(product_id)
        if product is None:
            return None
        return _with_price(product, Decimal(float(product.price)))


class TrailingZerosDropped(DynamoProductRepository):
    """Returns DynamoDB's normalised numbers as stored (12.00 comes back as 12)."""

    def list_by_category(
        self, category_id: str, limit: int = 20, cursor: str | None = None
    ) -> Page[Product]:
        page = super().list_by_category(category_id, limit, cursor)
        items = tuple(_with_price(p, p.price.normalize()) for p in page.items)
        return Page(items, page.next_cursor)


class MissingStockCheck(DynamoOrderRepository):
    """Places the order without checking stock: it oversells (stock is clamped at zero)."""

    def place(self, user_id: str, shipping_address: str) -> Order:
        products = DynamoProductRepository(self._c)
        try:
            cart = DynamoCartRepository(self._c).get(user_id)
        except Exception:  # the real place() reports this error itself
            return super().place(user_id, shipping_address)
        for line in cart.items:
            product = products.get(line.product_id)
            if product is not None and product.stock < line.quantity:
                products.adjust_stock(product.id, line.quantity - product.stock)
        return super().place(user_id, shipping_address)


class CancelWithoutRestock(DynamoOrderRepository):
    """Cancels the order but forgets to put its units back in stock."""

    def cancel(self, order_id: str) -> Order:
        cancelled = super().cancel(order_id)
        products = DynamoProductRepository(self._c)
        for item in cancelled.items:
            try:
                products.adjust_stock(item.product_id, -item.quantity)
            except ShopError:  # a deleted product: nothing was restored, nothing to take
                continue
        return cancelled


class SecondPrecisionClock:
    """A clock that drops milliseconds, as a backend storing DATETIME(0)-style values would."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def now(self) -> datetime:
        return self._inner.now().replace(microsecond=0)  # type: ignore[no-any-return]


def _with_price(product: Product, price: Decimal) -> Product:
    from dataclasses import replace

    return replace(product, price=price)


@dataclass(frozen=True)
class Mutant:
    """One planted incompatibility: which method it breaks and how to plant it."""

    name: str
    method: str
    """The ``repo.method`` the contract suite must blame (``*`` for every write)."""
    plant: Callable[[RepositorySet], None]
    caught_by_cases: bool = True
    """Whether the hand-written contract cases catch it (``False``: only a longer or
    different call sequence does; see ``UNCAUGHT_BY_CASES``)."""
    replacement: type | None = None
    """The repository subclass it plants in place of its base, when that is all it does
    (None: it changes something else too)."""


def _swap(attribute: str, cls: type) -> Callable[[RepositorySet], None]:
    def plant(repos: RepositorySet) -> None:
        setattr(repos, attribute, cls(getattr(repos, attribute)._c))

    return plant


def _seconds_clock(repos: RepositorySet) -> None:
    context = repos.users._c  # type: ignore[attr-defined]  # one context, shared by all five
    object.__setattr__(context, "clock", SecondPrecisionClock(context.clock))


MUTANTS = (
    Mutant(
        "case-sensitive-email-lookup",
        "users.get_by_email",
        _swap("users", CaseSensitiveEmailLookup),
    ),
    Mutant(
        "reversed-child-order", "categories.list_children", _swap("categories", ReversedChildOrder)
    ),
    Mutant("off-by-one-page", "users.list", _swap("users", OffByOnePage)),
    Mutant("float-prices", "products.get", _swap("products", FloatPrices)),
    Mutant(
        "trailing-zeros-dropped",
        "products.list_by_category",
        _swap("products", TrailingZerosDropped),
    ),
    Mutant("missing-stock-check", "orders.place", _swap("orders", MissingStockCheck)),
    Mutant("cancel-without-restock", "orders.cancel", _swap("orders", CancelWithoutRestock)),
    Mutant("second-precision-timestamps", "*", _seconds_clock),
)


# -- Mutants the hand-written cases do not catch -----------------------------------------
#
# Each is a bug a short call sequence exposes but that none of the 74 cases happens to try
# (test_mutants_slip_past_the_cases.py proves both): evidence that the random call
# programs reach what the cases do not.


def _without_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


class AccentBlindUsernameLookup(DynamoUserRepository):
    """Falls back to an accent-insensitive match when the exact username misses.

    The MySQL column's ``utf8mb4_0900_ai_ci`` collation made the old login form forgiving,
    and the port kept that for accents (not case): ``get_by_username("Zoe")`` finds "Zoë",
    where the contract compares code point by code point.
    """

    def get_by_username(self, username: str) -> User | None:
        exact = super().get_by_username(username)
        if exact is not None:
            return exact
        wanted = _without_accents(username)
        cursor: str | None = None
        while True:
            page = self.list(100, cursor)
            for user in page.items:
                if _without_accents(user.username) == wanted:
                    return user
            cursor = page.next_cursor
            if cursor is None:
                return None


class CasefoldedSearchText(DynamoProductRepository):
    """Folds the search text with ``str.casefold()`` while the stored copies are ``lower()``-ed.

    "More correct" Unicode caseless matching, but ``casefold("ß")`` is "ss": searching
    "ß" no longer finds "Straße" (the contract says both sides go through ``lower()``).
    """

    def search(
        self,
        text: str,
        category_id: str | None = None,
        min_price: Decimal | None = None,
        max_price: Decimal | None = None,
        in_stock_only: bool = False,
        limit: int = DEFAULT_LIMIT,
        cursor: str | None = None,
    ) -> Page[Product]:
        folded = text.casefold() if isinstance(text, str) else text
        return super().search(
            folded, category_id, min_price, max_price, in_stock_only, limit, cursor
        )


class SubtreeSearch(DynamoProductRepository):
    """Filters search by the category's whole subtree, not only products directly in it.

    The MySQL query used the nested-set columns (``lft BETWEEN ...``) for the category
    filter and the port carried that over: ``search("e", category_id=<Books>)`` returns
    the science fiction under Books, where the contract says "directly in category_id".
    """

    def search(
        self,
        text: str,
        category_id: str | None = None,
        min_price: Decimal | None = None,
        max_price: Decimal | None = None,
        in_stock_only: bool = False,
        limit: int = DEFAULT_LIMIT,
        cursor: str | None = None,
    ) -> Page[Product]:
        subtree = self._subtree(category_id) if isinstance(category_id, str) else set()
        if len(subtree) < 2:  # no subcategories: the filter means the same either way
            return super().search(
                text, category_id, min_price, max_price, in_stock_only, limit, cursor
            )
        page = super().search(text, None, min_price, max_price, in_stock_only, limit, cursor)
        return Page(tuple(p for p in page.items if p.category_id in subtree), page.next_cursor)

    def _subtree(self, category_id: str) -> set[str]:
        found: set[str] = set()

        def visit(nodes: tuple[CategoryNode, ...], inside: bool) -> None:
            for node in nodes:
                here = inside or node.category.id == category_id
                if here:
                    found.add(node.category.id)
                visit(node.children, here)

        visit(tuple(DynamoCategoryRepository(self._c).tree()), False)
        return found


class MovedProductKeepsCategoryIndex(DynamoProductRepository):
    """Moving a product rewrites ``category_id`` but not ``GSI1PK``, the by-category key.

    In MySQL the listing read the column itself; in DynamoDB the index key is a copy, so
    after ``update(dune, category_id=<Fiction>)`` the product is still listed under its
    old category and missing from the new one (``get`` shows the new category).
    """

    def update(self, product_id: str, changes: ProductChanges) -> Product:
        before = self._product_item(validation.entity_id("product_id", product_id))
        updated = super().update(product_id, changes)
        if before is not None and updated.category_id != before["category_id"]:
            self._db.update(
                "products",
                self._keys.product(updated.id),
                expression="SET #k = :old",
                names={"#k": "GSI1PK"},
                values={":old": before["GSI1PK"]},
                subject=("product", updated.id),
            )
        return updated


class ClearedDescriptionStillSearched(DynamoProductRepository):
    """Clearing a description REMOVEs ``description`` but leaves its lower-cased copy.

    The search copy ``description_lc`` has no MySQL counterpart and the "clear" branch
    forgot it: after ``update(dune, ProductChanges(description=None))``,
    ``search("sandworms")`` still finds Dune.
    """

    def update(self, product_id: str, changes: ProductChanges) -> Product:
        before = self._product_item(validation.entity_id("product_id", product_id))
        updated = super().update(product_id, changes)
        stale = None if before is None else before.get("description_lc")
        if changes.description is None and stale is not None:
            self._db.update(
                "products",
                self._keys.product(updated.id),
                expression="SET #d = :stale",
                names={"#d": "description_lc"},
                values={":stale": stale},
                subject=("product", updated.id),
            )
        return updated


class FullPageKeepsSellerCursor(DynamoProductRepository):
    """Asks DynamoDB for ``limit`` items (no look-ahead) and trusts ``LastEvaluatedKey``.

    DynamoDB returns a LastEvaluatedKey whenever it stops at ``Limit``, more items or not,
    so a page that is exactly full gets a ``next_cursor`` and the next page is empty: the
    contract says ``next_cursor`` is ``None`` on the last page. Sam sells three products,
    so ``list_by_seller(sam, limit=3)`` shows it.
    """

    def list_by_seller(
        self, seller_id: str, limit: int = DEFAULT_LIMIT, cursor: str | None = None
    ) -> Page[Product]:
        key = validation.entity_id("seller_id", seller_id)
        scope = f"products.by_seller:{key}"
        size, after = self._c.pager.start(scope, limit, cursor)
        condition = "#pk = :pk"
        names = {"#pk": "GSI2PK"}
        values: dict[str, Any] = {":pk": key}
        if after is not None:
            condition += " AND #sk > :after"
            names["#sk"] = "GSI2SK"
            values[":after"] = after
        items = self._db.query_up_to(
            size, "products", index="GSI2", key_condition=condition, names=names, values=values
        )
        rows = [(product_from_item(i), str(i["GSI2SK"])) for i in items]
        if len(rows) == size:  # DynamoDB stopped at Limit: a LastEvaluatedKey, "maybe more"
            rows.append(rows[-1])
        page = self._c.pager.page(scope, rows, size, lambda row: row[1])
        return Page(tuple(row[0] for row in page.items), page.next_cursor)


class GetManyFetchesOnly25(DynamoProductRepository):
    """Sends at most 25 keys to BatchGetItem, mixing up BatchWriteItem's limit (25) with
    BatchGetItem's (100): ids after the 25th distinct one are silently skipped."""

    def get_many(self, product_ids: Sequence[str]) -> builtins.list[Product]:
        wanted = validation.product_ids(product_ids)[:25]
        found = self._products_by_id(wanted)
        return [product_from_item(found[i]) for i in wanted if i in found]


class StockCeilingOffByOne(DynamoProductRepository):
    """The update's condition is ``#s < :high`` instead of ``#s <= :high``.

    MySQL's ``INT`` column simply took 2147483647; here reaching exactly the maximum stock
    fails the condition, the re-check finds nothing wrong and the call reports a
    concurrent change (``Conflict``) instead of returning 2147483647.
    """

    def adjust_stock(self, product_id: str, delta: int) -> int:
        change = validation.stock_delta(delta)
        item = self._require_product(product_id)
        key = str(item["id"])
        self._check_stock(key, whole(item["stock"]), change)
        try:
            stored = self._db.update(
                "products",
                self._keys.product(key),
                expression="SET #s = #s + :d, #u = :now",
                condition="attribute_exists(PK) AND #s >= :low AND #s < :high",
                names={"#s": "stock", "#u": "updated_at"},
                values={
                    ":d": change,
                    ":now": iso(self._c.clock.now()),
                    ":low": max(0, -change),
                    ":high": validation.MAX_STOCK - max(0, change),
                },
                subject=("product", key),
            )
        except ConditionFailed as failed:
            if failed.old is None:
                raise NotFound("product", key) from None
            self._check_stock(key, whole(failed.old["stock"]), change)
            raise Conflict("product", key, CONCURRENT_CHANGE) from None
        return whole(stored["stock"])


class StaleNameLookup(DynamoCategoryRepository):
    """Reads by name without ``ConsistentRead``: each answer is the one the previous read of
    the same name gave (MySQL read its own writes; an eventually consistent GetItem may not).

    So after ``get_by_name("Books")``, renaming Books and asking again still returns it.
    """

    def __init__(self, context: Any) -> None:
        super().__init__(context)
        self._previous: dict[tuple[str, str | None], Category | None] = {}

    def get_by_name(self, name: str, parent_id: str | None = None) -> Category | None:
        current = super().get_by_name(name, parent_id)
        key = (name, parent_id)
        answer = self._previous.get(key, current)
        self._previous[key] = current
        return answer


class ThreeLevelTree(DynamoCategoryRepository):
    """Builds the tree three levels deep, as the MySQL query's three self-joins did.

    A category under Books > Fiction > Science Fiction is left out of ``tree()`` (while
    ``get``, ``path`` and ``list_children`` still see it).
    """

    def tree(self) -> builtins.list[CategoryNode]:
        def cut(nodes: tuple[CategoryNode, ...], depth: int) -> tuple[CategoryNode, ...]:
            if depth == 3:
                return tuple(CategoryNode(n.category, ()) for n in nodes)
            return tuple(CategoryNode(n.category, cut(n.children, depth + 1)) for n in nodes)

        return builtins.list(cut(tuple(super().tree()), 1))


class AddItemCeilingOffByOne(DynamoCartRepository):
    """Adding to an existing line checks ``#q < :room`` instead of ``#q <= :room``.

    A line may reach 10000 units, but adding to one so that it lands exactly on 10000 is
    refused (as a concurrent change): ``add_item(zoe, odes, 1)`` then
    ``add_item(zoe, odes, 9999)``. Adding 10000 to an absent line still works.
    """

    def add_item(self, user_id: str, product_id: str, quantity: int) -> Cart:
        amount = validation.quantity(quantity)
        user = self._require_user(user_id)
        product = validation.entity_id("product_id", product_id)
        line = self._line_update(
            user,
            product,
            "#q = if_not_exists(#q, :zero) + :q",
            {":zero": 0, ":q": amount, ":room": validation.MAX_QUANTITY - amount},
            condition="attribute_not_exists(#q) OR #q < :room",
        )
        try:
            self._write(user, product, line, bump=True)
        except TransactionCancelled as cancelled:
            old = cancelled.old(2)
            if cancelled.failed(2) and old is not None:
                total = whole(old["quantity"]) + amount
                validation.integer("quantity", total, minimum=1, maximum=validation.MAX_QUANTITY)
            raise Conflict("cart", str(user["id"]), CONCURRENT_CHANGE) from None
        return self._cart(user)


class OnlyOpenOrdersBlockUserDelete(DynamoUserRepository):
    """Only open orders (pending, paid, shipped) stop a user being deleted.

    The MySQL foreign key covered every order; the port's check filtered on open statuses,
    so Zoë, whose only order was delivered, can be deleted (contract: ``Conflict(reason=
    "user has orders")`` for any order).
    """

    def _refuse_delete(self, user: User) -> None:  # the check inside users.delete
        try:
            super()._refuse_delete(user)
        except Conflict as refused:
            if refused.reason != "user has orders" or self._has_open_orders(user):
                raise
            products, _ = self._db.query(
                "products",
                index="GSI2",
                key_condition="#k = :id",
                names={"#k": "GSI2PK"},
                values={":id": user.id},
                limit=1,
                projection=("PK",),
            )
            if products:
                raise Conflict("user", user.id, "user has products") from None

    def _has_open_orders(self, user: User) -> bool:
        orders = self._db.query_up_to(
            None,
            "users",
            key_condition="#pk = :pk AND begins_with(#sk, :orders)",
            names={"#pk": "PK", "#sk": "SK"},
            values={":pk": user.email, ":orders": self._keys.order_prefix},
        )
        closed = {OrderStatus.DELIVERED.value, OrderStatus.CANCELLED.value}
        return any(str(o["status"]) not in closed for o in orders)


class ShortStockReportedInIdOrder(DynamoOrderRepository):
    """Reports the first line short of stock in product-id order, not in cart order.

    The MySQL code locked the products ``ORDER BY id`` (to avoid deadlocks) and checked
    them in that order; the contract names the first short line in cart order. With Zoë's
    cart [Hyperion x3, Foundation x1] (stock 2 and 0) the error names Foundation.
    """

    def place(self, user_id: str, shipping_address: str) -> Order:
        try:
            return super().place(user_id, shipping_address)
        except InsufficientStock:  # nothing was written: say which line in id order
            cart = DynamoCartRepository(self._c).get(user_id)
            stock = self._products_by_id([line.product_id for line in cart.items])
            for line in sorted(cart.items, key=lambda line: line.product_id):
                if whole(stock[line.product_id]["stock"]) < line.quantity:
                    raise InsufficientStock(line.product_id, line.quantity) from None
            raise


class PaidStraightToDelivered(DynamoOrderRepository):
    """Lets a paid order go straight to ``delivered``, skipping ``shipped``.

    The MySQL version had a "collected in store" shortcut that the port kept in its
    condition (``#s IN (:paid, :shipped)`` for delivered); the contract allows exactly one
    step forward.
    """

    def update_status(self, order_id: str, status: OrderStatus | str) -> Order:
        try:
            return super().update_status(order_id, status)
        except InvalidTransition as refused:
            if (refused.current, refused.requested) != ("paid", "delivered"):
                raise
        item = self._require_order(order_id)
        stored = self._db.update(
            "users",
            {"PK": str(item["PK"]), "SK": str(item["SK"])},
            expression="SET #s = :new, #g = :new, #u = :now",
            condition="#s = :old",
            names={"#s": "status", "#g": "GSI4PK", "#u": "updated_at"},
            values={
                ":new": OrderStatus.DELIVERED.value,
                ":old": OrderStatus.PAID.value,
                ":now": iso(self._c.clock.now()),
            },
            subject=("order", str(item["id"])),
        )
        return order_from_item(stored)


class CancelAfterShipping(DynamoOrderRepository):
    """Cancels shipped orders too (and restocks them), as MySQL's "until delivered" did.

    The contract allows cancelling only ``pending`` or ``paid`` orders. (Planted by moving
    a shipped order back to paid first, then cancelling it the normal way.)
    """

    def cancel(self, order_id: str) -> Order:
        item = self._order_item(validation.entity_id("order_id", order_id))
        if item is not None and item["status"] == OrderStatus.SHIPPED.value:
            self._db.update(
                "users",
                {"PK": str(item["PK"]), "SK": str(item["SK"])},
                expression="SET #s = :paid, #g = :paid",
                condition="#s = :shipped",
                names={"#s": "status", "#g": "GSI4PK"},
                values={":paid": OrderStatus.PAID.value, ":shipped": OrderStatus.SHIPPED.value},
                subject=("order", str(item["id"])),
            )
        return super().cancel(order_id)


def _hidden(name: str, method: str, attribute: str, cls: type) -> Mutant:
    return Mutant(name, method, _swap(attribute, cls), caught_by_cases=False, replacement=cls)


UNCAUGHT_BY_CASES = (
    _hidden(
        "accent-blind-username-lookup",
        "users.get_by_username",
        "users",
        AccentBlindUsernameLookup,
    ),
    _hidden(
        "only-open-orders-block-user-delete",
        "users.delete",
        "users",
        OnlyOpenOrdersBlockUserDelete,
    ),
    _hidden("stale-name-lookup", "categories.get_by_name", "categories", StaleNameLookup),
    _hidden("three-level-tree", "categories.tree", "categories", ThreeLevelTree),
    _hidden("casefolded-search-text", "products.search", "products", CasefoldedSearchText),
    _hidden("subtree-search", "products.search", "products", SubtreeSearch),
    _hidden(
        "moved-product-keeps-category-index",
        "products.update",
        "products",
        MovedProductKeepsCategoryIndex,
    ),
    _hidden(
        "cleared-description-still-searched",
        "products.update",
        "products",
        ClearedDescriptionStillSearched,
    ),
    _hidden(
        "full-page-keeps-seller-cursor",
        "products.list_by_seller",
        "products",
        FullPageKeepsSellerCursor,
    ),
    _hidden("get-many-fetches-only-25", "products.get_many", "products", GetManyFetchesOnly25),
    _hidden("stock-ceiling-off-by-one", "products.adjust_stock", "products", StockCeilingOffByOne),
    _hidden("add-item-ceiling-off-by-one", "carts.add_item", "carts", AddItemCeilingOffByOne),
    _hidden(
        "short-stock-reported-in-id-order",
        "orders.place",
        "orders",
        ShortStockReportedInIdOrder,
    ),
    _hidden(
        "paid-straight-to-delivered", "orders.update_status", "orders", PaidStraightToDelivered
    ),
    _hidden("cancel-after-shipping", "orders.cancel", "orders", CancelAfterShipping),
)
"""Planted incompatibilities the 74 hand-written cases do not catch (each is exposed by a
few calls from the empty state or ``small_shop``; see test_mutants_slip_past_the_cases)."""

# -- A mutant that changes cost, not behaviour -------------------------------------------


class OneGetItemPerProduct(DynamoProductRepository):
    """Fetches the products one GetItem each instead of one BatchGetItem: the same products
    in the same order, but a request per product (the N+1 a migration often plants)."""

    def get_many(self, product_ids: Sequence[str]) -> builtins.list[Product]:
        wanted = validation.product_ids(product_ids)
        return [p for p in (self.get(i) for i in wanted) if p is not None]


COST_MUTANTS = (
    Mutant(
        "one-get-item-per-product",
        "products.get_many",
        _swap("products", OneGetItemPerProduct),
        caught_by_cases=False,
    ),
)
"""Mutants every behaviour case still matches on: only the cost gate catches them."""

ALL_MUTANTS = MUTANTS + UNCAUGHT_BY_CASES + COST_MUTANTS
"""Every mutant, caught or not: what the shop target should look ``mutant:<name>`` up in."""


def mutant_backend(mutant: Mutant) -> AbstractContextManager[SavesState]:
    """The DynamoDB backend on moto in-process (a ``mock_aws`` must be active) with
    ``mutant`` planted in every repository set it hands out."""

    def plant(repos: RepositorySet) -> RepositorySet:
        mutant.plant(repos)
        return repos

    return dynamodb_in_process(adapt=plant)
