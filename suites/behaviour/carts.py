"""What every backend's ShoppingCartRepository must do."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shop.domain import NotFound, ProductChanges, ValidationError
from shop.repository_set import RepositorySet
from suites.behaviour.builders import make_product, make_user
from suites.target.snapshot import everything


class TestShoppingCartRepository:
    def test_a_new_user_has_an_empty_cart(self, repos: RepositorySet) -> None:
        shopper = make_user(repos)
        cart = repos.carts.get(shopper.id)
        assert (cart.user_id, cart.items, cart.total_quantity, cart.subtotal) == (
            shopper.id,
            (),
            0,
            Decimal("0.00"),
        )
        assert repos.carts.count_items(shopper.id) == 0

    def test_add_item_prices_lines_and_totals(self, repos: RepositorySet) -> None:
        shopper = make_user(repos)
        pen = make_product(repos, name="Pen", price="0.01")
        book = make_product(repos, name="Book", price="12.50")
        repos.carts.add_item(shopper.id, pen.id, 3)
        cart = repos.carts.add_item(shopper.id, book.id, 2)
        assert [(i.name, i.unit_price, i.quantity, i.line_total) for i in cart.items] == [
            ("Pen", Decimal("0.01"), 3, Decimal("0.03")),
            ("Book", Decimal("12.50"), 2, Decimal("25.00")),
        ]
        assert (cart.total_quantity, cart.subtotal) == (5, Decimal("25.03"))
        assert repos.carts.get(shopper.id) == cart

    def test_add_item_adds_to_an_existing_line(self, repos: RepositorySet) -> None:
        shopper, product = make_user(repos), make_product(repos)
        repos.carts.add_item(shopper.id, product.id, 1)
        cart = repos.carts.add_item(shopper.id, product.id, 4)
        assert [(i.product_id, i.quantity) for i in cart.items] == [(product.id, 5)]
        assert repos.carts.count_items(shopper.id) == 5

    def test_add_item_does_not_check_stock(self, repos: RepositorySet) -> None:
        shopper, product = make_user(repos), make_product(repos, stock=0)
        assert repos.carts.add_item(shopper.id, product.id, 7).total_quantity == 7

    def test_lines_keep_the_order_they_were_first_added_in(self, repos: RepositorySet) -> None:
        shopper = make_user(repos)
        a, b, c = (make_product(repos) for _ in range(3))
        for product in (b, a, c):
            repos.carts.add_item(shopper.id, product.id, 1)
        repos.carts.set_quantity(shopper.id, b.id, 5)
        repos.carts.add_item(shopper.id, a.id, 1)
        assert [i.product_id for i in repos.carts.get(shopper.id).items] == [b.id, a.id, c.id]
        repos.carts.remove_item(shopper.id, b.id)
        repos.carts.add_item(shopper.id, b.id, 1)
        assert [i.product_id for i in repos.carts.get(shopper.id).items] == [a.id, c.id, b.id]

    def test_the_cart_shows_current_prices(self, repos: RepositorySet) -> None:
        shopper, product = make_user(repos), make_product(repos, price="2.00")
        repos.carts.add_item(shopper.id, product.id, 2)
        repos.products.update(product.id, ProductChanges(price=Decimal("3.00"), name="New name"))
        cart = repos.carts.get(shopper.id)
        assert (cart.items[0].name, cart.items[0].unit_price, cart.subtotal) == (
            "New name",
            Decimal("3.00"),
            Decimal("6.00"),
        )

    def test_set_quantity_sets_creates_and_removes_lines(self, repos: RepositorySet) -> None:
        shopper, product = make_user(repos), make_product(repos)
        assert repos.carts.set_quantity(shopper.id, product.id, 3).total_quantity == 3
        assert repos.carts.set_quantity(shopper.id, product.id, 1).total_quantity == 1
        assert repos.carts.set_quantity(shopper.id, product.id, 0).items == ()
        assert repos.carts.set_quantity(shopper.id, product.id, 0).items == ()

    def test_remove_item_removes_the_line_and_ignores_absent_lines(
        self, repos: RepositorySet
    ) -> None:
        shopper, a, b = make_user(repos), make_product(repos), make_product(repos)
        repos.carts.add_item(shopper.id, a.id, 1)
        repos.carts.add_item(shopper.id, b.id, 2)
        cart = repos.carts.remove_item(shopper.id, a.id)
        assert [i.product_id for i in cart.items] == [b.id]
        assert repos.carts.remove_item(shopper.id, a.id) == cart
        assert repos.carts.remove_item(shopper.id, "999999") == cart

    def test_clear_empties_the_cart(self, repos: RepositorySet) -> None:
        shopper, product = make_user(repos), make_product(repos)
        repos.carts.add_item(shopper.id, product.id, 2)
        repos.carts.clear(shopper.id)
        assert repos.carts.get(shopper.id).items == ()
        repos.carts.clear(shopper.id)
        assert repos.carts.count_items(shopper.id) == 0

    def test_carts_belong_to_one_user_each(self, repos: RepositorySet) -> None:
        first, second, product = make_user(repos), make_user(repos), make_product(repos)
        repos.carts.add_item(first.id, product.id, 2)
        assert repos.carts.get(second.id).items == ()

    def test_unknown_user_or_product_raises_not_found(self, repos: RepositorySet) -> None:
        shopper, product = make_user(repos), make_product(repos)
        calls = [
            lambda: repos.carts.get("999999"),
            lambda: repos.carts.add_item("999999", product.id, 1),
            lambda: repos.carts.add_item(shopper.id, "999999", 1),
            lambda: repos.carts.set_quantity("999999", product.id, 1),
            lambda: repos.carts.set_quantity(shopper.id, "999999", 1),
            lambda: repos.carts.remove_item("999999", product.id),
            lambda: repos.carts.clear("999999"),
            lambda: repos.carts.count_items("999999"),
        ]
        for call in calls:
            with pytest.raises(NotFound):
                call()
        assert repos.carts.get(shopper.id).items == ()

    @pytest.mark.parametrize("quantity", [0, -1, 10_001, 1.0, "2", True, None])
    def test_add_item_rejects_bad_quantities_before_writing(
        self, repos: RepositorySet, quantity: object
    ) -> None:
        shopper, product = make_user(repos), make_product(repos)
        before = everything(repos)
        with pytest.raises(ValidationError) as raised:
            repos.carts.add_item(shopper.id, product.id, quantity)  # type: ignore[arg-type]
        assert raised.value.field == "quantity"
        assert everything(repos) == before

    def test_adding_past_the_line_maximum_is_refused_and_changes_nothing(
        self, repos: RepositorySet
    ) -> None:
        shopper, product = make_user(repos), make_product(repos)
        repos.carts.add_item(shopper.id, product.id, 9_999)
        with pytest.raises(ValidationError):
            repos.carts.add_item(shopper.id, product.id, 2)
        assert repos.carts.count_items(shopper.id) == 9_999

    @pytest.mark.parametrize("quantity", [-1, 10_001, 0.5])
    def test_set_quantity_rejects_bad_quantities(
        self, repos: RepositorySet, quantity: object
    ) -> None:
        shopper, product = make_user(repos), make_product(repos)
        with pytest.raises(ValidationError):
            repos.carts.set_quantity(shopper.id, product.id, quantity)  # type: ignore[arg-type]
