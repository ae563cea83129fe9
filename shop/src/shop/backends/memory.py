"""The in-memory backend: the reference model and the fast test double.

Plain dicts behind one lock. It implements every contract sentence of ``shop.interfaces``
with no shortcut that changes semantics: the same validation, ordering, paging (signed
keyset cursors), uniqueness and atomicity (everything is checked before anything changes).
"""

from __future__ import annotations

import builtins
import dataclasses
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

from shop import rules, validation
from shop.clock import Clock, IdSource, SortableIds, SystemClock
from shop.cursors import CursorCodec
from shop.domain import (
    UNSET,
    AlreadyExists,
    Cart,
    Category,
    CategoryChanges,
    CategoryNode,
    Conflict,
    InsufficientStock,
    NewCategory,
    NewProduct,
    NewUser,
    NotFound,
    Order,
    OrderStatus,
    Page,
    Product,
    ProductChanges,
    User,
    UserChanges,
    ValidationError,
)
from shop.interfaces import DEFAULT_LIMIT
from shop.repository_set import RepositorySet

T = TypeVar("T")


@dataclass
class _CartLine:
    quantity: int


@dataclass
class MemoryStore:
    """All the data of one memory backend."""

    users: dict[str, User] = field(default_factory=dict)
    categories: dict[str, Category] = field(default_factory=dict)
    products: dict[str, Product] = field(default_factory=dict)
    orders: dict[str, Order] = field(default_factory=dict)
    carts: dict[str, dict[str, _CartLine]] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)

    def copy(self) -> MemoryStore:
        """An independent copy of the data (entities are immutable; cart lines are copied)."""
        with self.lock:
            return MemoryStore(
                users=dict(self.users),
                categories=dict(self.categories),
                products=dict(self.products),
                orders=dict(self.orders),
                carts={
                    user: {p: _CartLine(line.quantity) for p, line in lines.items()}
                    for user, lines in self.carts.items()
                },
            )


class _Base:
    def __init__(self, store: MemoryStore, clock: Clock, ids: IdSource, cursors: CursorCodec):
        self._s = store
        self._clock = clock
        self._ids = ids
        self._cursors = cursors

    def _user(self, user_id: str) -> User:
        user = self._s.users.get(validation.entity_id("user_id", user_id))
        if user is None:
            raise NotFound("user", user_id)
        return user

    def _product(self, product_id: str) -> Product:
        product = self._s.products.get(validation.entity_id("product_id", product_id))
        if product is None:
            raise NotFound("product", product_id)
        return product

    def _category(self, category_id: str, field_name: str = "category_id") -> Category:
        category = self._s.categories.get(validation.entity_id(field_name, category_id))
        if category is None:
            raise NotFound("category", category_id)
        return category

    def _page(
        self,
        scope: str,
        rows: Iterable[T],
        key: Callable[[T], list[str]],
        limit: object,
        cursor: object,
        newest_first: bool = False,
    ) -> Page[T]:
        """Keyset paging over ``rows`` sorted by ``key`` (ascending, or descending)."""
        size, token = validation.page_args(limit, cursor)
        after = self._cursors.decode(scope, token) if token is not None else None
        ordered = sorted(rows, key=key, reverse=newest_first)
        if after is not None:
            if newest_first:
                ordered = [r for r in ordered if key(r) < after]
            else:
                ordered = [r for r in ordered if key(r) > after]
        items = tuple(ordered[:size])
        next_cursor = None
        if len(ordered) > size:
            next_cursor = self._cursors.encode(scope, key(items[-1]))
        return Page(items, next_cursor)


def _created_key(entity: User | Product | Order) -> list[str]:
    return [entity.created_at.isoformat(), entity.id]


class MemoryUserRepository(_Base):
    """Users in memory."""

    def create(self, new: NewUser) -> User:
        new = validation.new_user(new)
        with self._s.lock:
            self._check_unique(new.email, new.username, exclude=None)
            now = self._clock.now()
            user = User(
                id=self._ids.new_id(),
                email=new.email,
                username=new.username,
                password_hash=new.password_hash,
                profile=new.profile,
                is_seller=new.is_seller,
                created_at=now,
                updated_at=now,
            )
            self._s.users[user.id] = user
            return user

    def _check_unique(self, email: str | None, username: str | None, exclude: str | None) -> None:
        for other in self._s.users.values():
            if other.id == exclude:
                continue
            if email is not None and other.email == email:
                raise AlreadyExists("user", "email", email)
            if username is not None and other.username == username:
                raise AlreadyExists("user", "username", username)

    def get(self, user_id: str) -> User | None:
        key = validation.entity_id("user_id", user_id)
        with self._s.lock:
            return self._s.users.get(key)

    def get_by_email(self, email: str) -> User | None:
        wanted = validation.text("email", email, max_length=validation.MAX_EMAIL_LENGTH).lower()
        with self._s.lock:
            return next((u for u in self._s.users.values() if u.email == wanted), None)

    def get_by_username(self, username: str) -> User | None:
        wanted = validation.text("username", username, max_length=validation.MAX_USERNAME_LENGTH)
        with self._s.lock:
            return next((u for u in self._s.users.values() if u.username == wanted), None)

    def update(self, user_id: str, changes: UserChanges) -> User:
        changes = validation.user_changes(changes)
        with self._s.lock:
            user = self._user(user_id)
            values = _set_fields(changes)
            if not values:
                return user
            self._check_unique(values.get("email"), values.get("username"), exclude=user.id)
            updated = dataclasses.replace(user, **values, updated_at=self._clock.now())
            self._s.users[user.id] = updated
            return updated

    def delete(self, user_id: str) -> None:
        with self._s.lock:
            user = self._user(user_id)
            if any(o.user_id == user.id for o in self._s.orders.values()):
                raise Conflict("user", user.id, "user has orders")
            if any(p.seller_id == user.id for p in self._s.products.values()):
                raise Conflict("user", user.id, "user has products")
            del self._s.users[user.id]
            self._s.carts.pop(user.id, None)

    def list(self, limit: int = DEFAULT_LIMIT, cursor: str | None = None) -> Page[User]:
        with self._s.lock:
            return self._page(
                "users.list", builtins.list(self._s.users.values()), _created_key, limit, cursor
            )


class MemoryCategoryRepository(_Base):
    """Categories in memory."""

    def create(self, new: NewCategory) -> Category:
        new = validation.new_category(new)
        with self._s.lock:
            if new.parent_id is not None:
                self._category(new.parent_id, "parent_id")
            self._check_sibling_name(new.parent_id, new.name, exclude=None)
            category = Category(
                id=self._ids.new_id(),
                name=new.name,
                parent_id=new.parent_id,
                description=new.description,
                created_at=self._clock.now(),
            )
            self._s.categories[category.id] = category
            return category

    def _check_sibling_name(self, parent_id: str | None, name: str, exclude: str | None) -> None:
        for other in self._s.categories.values():
            if other.id != exclude and other.parent_id == parent_id and other.name == name:
                raise AlreadyExists("category", "name", name)

    def get(self, category_id: str) -> Category | None:
        key = validation.entity_id("category_id", category_id)
        with self._s.lock:
            return self._s.categories.get(key)

    def get_by_name(self, name: str, parent_id: str | None = None) -> Category | None:
        wanted = validation.text("name", name, max_length=validation.MAX_NAME_LENGTH)
        parent = None if parent_id is None else validation.entity_id("parent_id", parent_id)
        with self._s.lock:
            return next(
                (
                    c
                    for c in self._s.categories.values()
                    if c.parent_id == parent and c.name == wanted
                ),
                None,
            )

    def _children(self, parent_id: str | None) -> builtins.list[Category]:
        return sorted(
            (c for c in self._s.categories.values() if c.parent_id == parent_id),
            key=lambda c: c.name,
        )

    def list_children(self, parent_id: str | None = None) -> builtins.list[Category]:
        with self._s.lock:
            if parent_id is not None:
                self._category(parent_id, "parent_id")
            return self._children(parent_id)

    def path(self, category_id: str) -> builtins.list[Category]:
        with self._s.lock:
            trail = [self._category(category_id)]
            while trail[-1].parent_id is not None:
                trail.append(self._s.categories[trail[-1].parent_id])
            return trail[::-1]

    def tree(self) -> builtins.list[CategoryNode]:
        with self._s.lock:
            return self._subtree(None)

    def _subtree(self, parent_id: str | None) -> builtins.list[CategoryNode]:
        return [
            CategoryNode(child, tuple(self._subtree(child.id)))
            for child in self._children(parent_id)
        ]

    def update(self, category_id: str, changes: CategoryChanges) -> Category:
        changes = validation.category_changes(changes)
        with self._s.lock:
            category = self._category(category_id)
            values = _set_fields(changes)
            if not values:
                return category
            parent_id = values.get("parent_id", category.parent_id)
            if "parent_id" in values and parent_id is not None:
                self._category(parent_id, "parent_id")
                ancestor: str | None = parent_id
                while ancestor is not None:
                    if ancestor == category.id:
                        raise ValidationError(
                            "parent_id",
                            "expected a parent outside the category's own subtree, "
                            "got the category itself or one of its descendants",
                        )
                    ancestor = self._s.categories[ancestor].parent_id
            name = values.get("name", category.name)
            if parent_id != category.parent_id or name != category.name:
                self._check_sibling_name(parent_id, name, exclude=category.id)
            updated = dataclasses.replace(category, **values)
            self._s.categories[category.id] = updated
            return updated

    def delete(self, category_id: str) -> None:
        with self._s.lock:
            category = self._category(category_id)
            if any(c.parent_id == category.id for c in self._s.categories.values()):
                raise Conflict("category", category.id, "category has children")
            if any(p.category_id == category.id for p in self._s.products.values()):
                raise Conflict("category", category.id, "category has products")
            del self._s.categories[category.id]


class MemoryProductRepository(_Base):
    """Products in memory."""

    def create(self, new: NewProduct) -> Product:
        new = validation.new_product(new)
        with self._s.lock:
            seller = self._user(new.seller_id)
            if not seller.is_seller:
                raise ValidationError(
                    "seller_id", f"expected a seller, got user {seller.id!r} who does not sell"
                )
            self._category(new.category_id)
            now = self._clock.now()
            product = Product(
                id=self._ids.new_id(),
                seller_id=new.seller_id,
                category_id=new.category_id,
                name=new.name,
                description=new.description,
                price=new.price,
                stock=new.stock,
                image_url=new.image_url,
                created_at=now,
                updated_at=now,
            )
            self._s.products[product.id] = product
            return product

    def get(self, product_id: str) -> Product | None:
        key = validation.entity_id("product_id", product_id)
        with self._s.lock:
            return self._s.products.get(key)

    def get_many(self, product_ids: Sequence[str]) -> builtins.list[Product]:
        wanted = validation.product_ids(product_ids)
        with self._s.lock:
            return [self._s.products[i] for i in wanted if i in self._s.products]

    def list_by_category(
        self, category_id: str, limit: int = DEFAULT_LIMIT, cursor: str | None = None
    ) -> Page[Product]:
        key = validation.entity_id("category_id", category_id)
        with self._s.lock:
            rows = [p for p in self._s.products.values() if p.category_id == key]
            return self._page(f"products.by_category:{key}", rows, _created_key, limit, cursor)

    def list_by_seller(
        self, seller_id: str, limit: int = DEFAULT_LIMIT, cursor: str | None = None
    ) -> Page[Product]:
        key = validation.entity_id("seller_id", seller_id)
        with self._s.lock:
            rows = [p for p in self._s.products.values() if p.seller_id == key]
            return self._page(f"products.by_seller:{key}", rows, _created_key, limit, cursor)

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
        query = validation.search_query(text, category_id, min_price, max_price, in_stock_only)
        needle, category, scope = query.needle, query.category_id, query.scope
        low, high = query.min_price, query.max_price

        def matches(p: Product) -> bool:
            return (
                (needle in p.name.lower() or needle in (p.description or "").lower())
                and (category is None or p.category_id == category)
                and (low is None or p.price >= low)
                and (high is None or p.price <= high)
                and (not in_stock_only or p.stock > 0)
            )

        with self._s.lock:
            rows = [p for p in self._s.products.values() if matches(p)]
            return self._page(scope, rows, lambda p: [p.id], limit, cursor)

    def update(self, product_id: str, changes: ProductChanges) -> Product:
        changes = validation.product_changes(changes)
        with self._s.lock:
            product = self._product(product_id)
            values = _set_fields(changes)
            if not values:
                return product
            if "category_id" in values:
                self._category(values["category_id"])
            updated = dataclasses.replace(product, **values, updated_at=self._clock.now())
            self._s.products[product.id] = updated
            return updated

    def delete(self, product_id: str) -> None:
        with self._s.lock:
            product = self._product(product_id)
            del self._s.products[product.id]
            for lines in self._s.carts.values():
                lines.pop(product.id, None)

    def adjust_stock(self, product_id: str, delta: int) -> int:
        change = validation.stock_delta(delta)
        with self._s.lock:
            product = self._product(product_id)
            new_stock = product.stock + change
            if new_stock < 0:
                raise InsufficientStock(product.id, -change)
            validation.stock(new_stock)
            self._s.products[product.id] = dataclasses.replace(
                product, stock=new_stock, updated_at=self._clock.now()
            )
            return new_stock


class MemoryCartRepository(_Base):
    """Carts in memory; lines keep the order they were first added in."""

    def _priced(self, user_id: str) -> Cart:
        return _priced_cart(self._s, user_id)

    def get(self, user_id: str) -> Cart:
        with self._s.lock:
            return self._priced(self._user(user_id).id)

    def add_item(self, user_id: str, product_id: str, quantity: int) -> Cart:
        amount = validation.quantity(quantity)
        with self._s.lock:
            user = self._user(user_id)
            product = self._product(product_id)
            lines = self._s.carts.setdefault(user.id, {})
            line = lines.get(product.id)
            total = amount + (line.quantity if line else 0)
            validation.integer("quantity", total, minimum=1, maximum=validation.MAX_QUANTITY)
            if line:
                line.quantity = total
            else:
                lines[product.id] = _CartLine(total)
            return self._priced(user.id)

    def set_quantity(self, user_id: str, product_id: str, quantity: int) -> Cart:
        amount = validation.quantity(quantity, allow_zero=True)
        with self._s.lock:
            user = self._user(user_id)
            product = self._product(product_id)
            lines = self._s.carts.setdefault(user.id, {})
            if amount == 0:
                lines.pop(product.id, None)
            elif product.id in lines:
                lines[product.id].quantity = amount
            else:
                lines[product.id] = _CartLine(amount)
            return self._priced(user.id)

    def remove_item(self, user_id: str, product_id: str) -> Cart:
        key = validation.entity_id("product_id", product_id)
        with self._s.lock:
            user = self._user(user_id)
            self._s.carts.get(user.id, {}).pop(key, None)
            return self._priced(user.id)

    def clear(self, user_id: str) -> None:
        with self._s.lock:
            self._s.carts.pop(self._user(user_id).id, None)

    def count_items(self, user_id: str) -> int:
        with self._s.lock:
            return self._priced(self._user(user_id).id).total_quantity


class MemoryOrderRepository(_Base):
    """Orders in memory."""

    def place(self, user_id: str, shipping_address: str) -> Order:
        address = validation.shipping_address(shipping_address)
        with self._s.lock:
            user = self._user(user_id)
            cart = _priced_cart(self._s, user.id)
            if not cart.items:
                raise ValidationError(
                    "cart", "expected a cart with at least one line, got an empty cart"
                )
            for item in cart.items:
                if self._s.products[item.product_id].stock < item.quantity:
                    raise InsufficientStock(item.product_id, item.quantity)
            now = self._clock.now()
            for item in cart.items:
                product = self._s.products[item.product_id]
                self._s.products[product.id] = dataclasses.replace(
                    product, stock=product.stock - item.quantity, updated_at=now
                )
            items = rules.order_items(cart)
            order = Order(
                id=self._ids.new_id(),
                user_id=user.id,
                status=OrderStatus.PENDING,
                items=items,
                total=rules.order_total(items),
                shipping_address=address,
                created_at=now,
                updated_at=now,
            )
            self._s.orders[order.id] = order
            self._s.carts.pop(user.id, None)
            return order

    def _order(self, order_id: str) -> Order:
        order = self._s.orders.get(validation.entity_id("order_id", order_id))
        if order is None:
            raise NotFound("order", order_id)
        return order

    def get(self, order_id: str) -> Order | None:
        key = validation.entity_id("order_id", order_id)
        with self._s.lock:
            return self._s.orders.get(key)

    def list_by_user(
        self, user_id: str, limit: int = DEFAULT_LIMIT, cursor: str | None = None
    ) -> Page[Order]:
        key = validation.entity_id("user_id", user_id)
        with self._s.lock:
            rows = [o for o in self._s.orders.values() if o.user_id == key]
            return self._page(
                f"orders.by_user:{key}", rows, _created_key, limit, cursor, newest_first=True
            )

    def list_by_status(
        self, status: OrderStatus | str, limit: int = DEFAULT_LIMIT, cursor: str | None = None
    ) -> Page[Order]:
        wanted = validation.status(status)
        with self._s.lock:
            rows = [o for o in self._s.orders.values() if o.status == wanted]
            return self._page(
                f"orders.by_status:{wanted.value}",
                rows,
                _created_key,
                limit,
                cursor,
                newest_first=True,
            )

    def update_status(self, order_id: str, status: OrderStatus | str) -> Order:
        wanted = validation.status(status)
        with self._s.lock:
            order = self._order(order_id)
            rules.check_forward_transition(order.id, order.status, wanted)
            updated = dataclasses.replace(order, status=wanted, updated_at=self._clock.now())
            self._s.orders[order.id] = updated
            return updated

    def cancel(self, order_id: str) -> Order:
        with self._s.lock:
            order = self._order(order_id)
            rules.check_cancellable(order.id, order.status)
            now = self._clock.now()
            for item in order.items:
                product = self._s.products.get(item.product_id)
                if product is not None:
                    self._s.products[product.id] = dataclasses.replace(
                        product, stock=product.stock + item.quantity, updated_at=now
                    )
            updated = dataclasses.replace(order, status=OrderStatus.CANCELLED, updated_at=now)
            self._s.orders[order.id] = updated
            return updated


def _priced_cart(store: MemoryStore, user_id: str) -> Cart:
    """The user's cart at current prices; lines of deleted products are left out."""
    items = []
    for product_id, line in store.carts.get(user_id, {}).items():
        product = store.products.get(product_id)
        if product is not None:
            items.append(rules.cart_item(product.id, product.name, product.price, line.quantity))
    return rules.build_cart(user_id, items)


def _set_fields(changes: Any) -> dict[str, Any]:
    """The fields of a ``*Changes`` object that are not ``UNSET``."""
    return {
        f.name: getattr(changes, f.name)
        for f in dataclasses.fields(changes)
        if getattr(changes, f.name) is not UNSET
    }


def build_memory_repositories(
    clock: Clock | None = None,
    ids: IdSource | None = None,
    cursors: CursorCodec | None = None,
    store: MemoryStore | None = None,
) -> RepositorySet:
    """A memory-backed repository set (a fresh, empty store unless one is given)."""
    args = (
        store or MemoryStore(),
        clock or SystemClock(),
        ids or SortableIds(),
        cursors or CursorCodec(),
    )
    return RepositorySet(
        backend="memory",
        users=MemoryUserRepository(*args),
        categories=MemoryCategoryRepository(*args),
        products=MemoryProductRepository(*args),
        carts=MemoryCartRepository(*args),
        orders=MemoryOrderRepository(*args),
    )


__all__ = ["MemoryStore", "build_memory_repositories"]
