"""What every backend's OrderRepository must do."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shop.domain import (
    InsufficientStock,
    InvalidTransition,
    NotFound,
    OrderStatus,
    ProductChanges,
    ValidationError,
)
from shop.repository_set import RepositorySet
from suites.behaviour.builders import all_pages, make_product, make_user
from suites.target.snapshot import everything


def _stock(repos: RepositorySet, product_id: str) -> int:
    product = repos.products.get(product_id)
    assert product is not None
    return product.stock


class TestOrderRepository:
    def test_place_turns_the_cart_into_a_pending_order(self, repos: RepositorySet) -> None:
        shopper = make_user(repos)
        pen = make_product(repos, name="Pen", price="1.25", stock=10)
        ink = make_product(repos, name="Ink", price="0.99", stock=1)
        repos.carts.add_item(shopper.id, pen.id, 4)
        repos.carts.add_item(shopper.id, ink.id, 1)
        order = repos.orders.place(shopper.id, "1 Main St, Springfield")
        assert order.status is OrderStatus.PENDING
        assert [
            (i.product_id, i.product_name, i.unit_price, i.quantity, i.line_total)
            for i in order.items
        ] == [
            (pen.id, "Pen", Decimal("1.25"), 4, Decimal("5.00")),
            (ink.id, "Ink", Decimal("0.99"), 1, Decimal("0.99")),
        ]
        assert order.total == Decimal("5.99")
        assert (order.user_id, order.shipping_address) == (shopper.id, "1 Main St, Springfield")
        assert order.created_at == order.updated_at
        assert (_stock(repos, pen.id), _stock(repos, ink.id)) == (6, 0)
        assert repos.carts.get(shopper.id).items == ()
        assert repos.orders.get(order.id) == order

    def test_order_lines_keep_the_price_at_placing(self, repos: RepositorySet) -> None:
        shopper, product = make_user(repos), make_product(repos, price="2.00")
        repos.carts.add_item(shopper.id, product.id, 1)
        order = repos.orders.place(shopper.id, "addr")
        repos.products.update(product.id, ProductChanges(price=Decimal("9.00"), name="Other"))
        assert repos.orders.get(order.id) == order

    def test_place_with_an_empty_cart_is_refused(self, repos: RepositorySet) -> None:
        shopper = make_user(repos)
        with pytest.raises(ValidationError) as raised:
            repos.orders.place(shopper.id, "addr")
        assert raised.value.field == "cart"

    def test_place_short_of_stock_changes_nothing(self, repos: RepositorySet) -> None:
        shopper = make_user(repos)
        plenty = make_product(repos, stock=10)
        short = make_product(repos, stock=1)
        also_short = make_product(repos, stock=0)
        repos.carts.add_item(shopper.id, plenty.id, 2)
        repos.carts.add_item(shopper.id, short.id, 2)
        repos.carts.add_item(shopper.id, also_short.id, 1)
        before = everything(repos)
        with pytest.raises(InsufficientStock) as raised:
            repos.orders.place(shopper.id, "addr")
        assert (raised.value.product_id, raised.value.requested) == (short.id, 2)
        assert everything(repos) == before

    def test_place_can_take_exactly_the_last_unit(self, repos: RepositorySet) -> None:
        shopper, product = make_user(repos), make_product(repos, stock=3)
        repos.carts.add_item(shopper.id, product.id, 3)
        repos.orders.place(shopper.id, "addr")
        assert _stock(repos, product.id) == 0

    def test_place_for_an_unknown_user_raises_not_found(self, repos: RepositorySet) -> None:
        with pytest.raises(NotFound):
            repos.orders.place("999999", "addr")

    @pytest.mark.parametrize("address", ["", "   ", "x" * 1001, None, "nul\x00"])
    def test_place_rejects_a_bad_address_before_writing(
        self, repos: RepositorySet, address: object
    ) -> None:
        shopper, product = make_user(repos), make_product(repos)
        repos.carts.add_item(shopper.id, product.id, 1)
        before = everything(repos)
        with pytest.raises(ValidationError) as raised:
            repos.orders.place(shopper.id, address)  # type: ignore[arg-type]
        assert raised.value.field == "shipping_address"
        assert everything(repos) == before

    def test_get_returns_none_for_an_unknown_order(self, repos: RepositorySet) -> None:
        assert repos.orders.get("999999") is None

    def test_list_by_user_pages_newest_first(self, repos: RepositorySet) -> None:
        shopper, other, product = make_user(repos), make_user(repos), make_product(repos, stock=50)
        placed = []
        for _ in range(5):
            repos.carts.add_item(shopper.id, product.id, 1)
            placed.append(repos.orders.place(shopper.id, "addr"))
        repos.carts.add_item(other.id, product.id, 1)
        repos.orders.place(other.id, "addr")
        items, pages = all_pages(
            lambda limit, cursor: repos.orders.list_by_user(shopper.id, limit, cursor), 2
        )
        assert [o.id for o in items] == [o.id for o in reversed(placed)]
        assert pages == 3
        assert repos.orders.list_by_user("999999").items == ()

    def test_list_by_status_pages_newest_first(self, repos: RepositorySet) -> None:
        shopper, product = make_user(repos), make_product(repos, stock=50)
        placed = []
        for _ in range(4):
            repos.carts.add_item(shopper.id, product.id, 1)
            placed.append(repos.orders.place(shopper.id, "addr"))
        repos.orders.update_status(placed[1].id, OrderStatus.PAID)
        pending, _ = all_pages(
            lambda limit, cursor: repos.orders.list_by_status("pending", limit, cursor), 1
        )
        assert [o.id for o in pending] == [placed[3].id, placed[2].id, placed[0].id]
        assert [o.id for o in repos.orders.list_by_status(OrderStatus.PAID).items] == [placed[1].id]
        assert repos.orders.list_by_status("delivered").items == ()

    def test_list_by_status_rejects_an_unknown_status(self, repos: RepositorySet) -> None:
        with pytest.raises(ValidationError) as raised:
            repos.orders.list_by_status("lost")
        assert raised.value.field == "status"

    def test_update_status_walks_the_lifecycle_one_step_at_a_time(
        self, repos: RepositorySet
    ) -> None:
        shopper, product = make_user(repos), make_product(repos)
        repos.carts.add_item(shopper.id, product.id, 1)
        order = repos.orders.place(shopper.id, "addr")
        for status in ("paid", "shipped", "delivered"):
            order = repos.orders.update_status(order.id, status)
            assert order.status.value == status
        assert repos.orders.get(order.id) == order

    @pytest.mark.parametrize(
        ("steps", "target"),
        [
            ([], "shipped"),
            ([], "pending"),
            ([], "cancelled"),
            (["paid"], "paid"),
            (["paid"], "pending"),
            (["paid", "shipped", "delivered"], "shipped"),
        ],
    )
    def test_update_status_refuses_other_moves(
        self, repos: RepositorySet, steps: list[str], target: str
    ) -> None:
        shopper, product = make_user(repos), make_product(repos)
        repos.carts.add_item(shopper.id, product.id, 1)
        order = repos.orders.place(shopper.id, "addr")
        for step in steps:
            order = repos.orders.update_status(order.id, step)
        with pytest.raises(InvalidTransition) as raised:
            repos.orders.update_status(order.id, target)
        assert (raised.value.current, raised.value.requested) == (order.status.value, target)
        assert repos.orders.get(order.id) == order

    def test_update_status_rejects_unknown_status_and_order(self, repos: RepositorySet) -> None:
        with pytest.raises(ValidationError):
            repos.orders.update_status("999999", "teleported")
        with pytest.raises(NotFound):
            repos.orders.update_status("999999", "paid")

    @pytest.mark.parametrize("steps", [[], ["paid"]])
    def test_cancel_restores_stock(self, repos: RepositorySet, steps: list[str]) -> None:
        shopper = make_user(repos)
        a, b = make_product(repos, stock=5), make_product(repos, stock=2)
        repos.carts.add_item(shopper.id, a.id, 3)
        repos.carts.add_item(shopper.id, b.id, 2)
        order = repos.orders.place(shopper.id, "addr")
        for step in steps:
            repos.orders.update_status(order.id, step)
        cancelled = repos.orders.cancel(order.id)
        assert cancelled.status is OrderStatus.CANCELLED
        assert (_stock(repos, a.id), _stock(repos, b.id)) == (5, 2)
        assert repos.orders.get(order.id) == cancelled

    def test_cancel_skips_products_that_were_deleted(self, repos: RepositorySet) -> None:
        shopper = make_user(repos)
        gone, kept = make_product(repos, stock=1), make_product(repos, stock=1)
        repos.carts.add_item(shopper.id, gone.id, 1)
        repos.carts.add_item(shopper.id, kept.id, 1)
        order = repos.orders.place(shopper.id, "addr")
        repos.products.delete(gone.id)
        repos.orders.cancel(order.id)
        assert repos.products.get(gone.id) is None
        assert _stock(repos, kept.id) == 1

    @pytest.mark.parametrize("steps", [["paid", "shipped"], ["paid", "shipped", "delivered"]])
    def test_cancel_refuses_shipped_delivered_and_cancelled_orders(
        self, repos: RepositorySet, steps: list[str]
    ) -> None:
        shopper, product = make_user(repos), make_product(repos, stock=5)
        repos.carts.add_item(shopper.id, product.id, 1)
        order = repos.orders.place(shopper.id, "addr")
        for step in steps:
            repos.orders.update_status(order.id, step)
        with pytest.raises(InvalidTransition):
            repos.orders.cancel(order.id)
        assert _stock(repos, product.id) == 4
        fresh = make_user(repos)
        repos.carts.add_item(fresh.id, product.id, 1)
        second = repos.orders.place(fresh.id, "addr")
        repos.orders.cancel(second.id)
        with pytest.raises(InvalidTransition):
            repos.orders.cancel(second.id)
        assert _stock(repos, product.id) == 4

    def test_cancel_of_an_unknown_order_raises_not_found(self, repos: RepositorySet) -> None:
        with pytest.raises(NotFound):
            repos.orders.cancel("999999")
