"""What every backend's ProductRepository must do."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shop.domain import (
    InsufficientStock,
    NewProduct,
    NotFound,
    ProductChanges,
    ValidationError,
)
from shop.repository_set import RepositorySet
from suites.behaviour.builders import (
    all_pages,
    make_category,
    make_product,
    make_user,
)
from suites.target.snapshot import everything


class TestProductRepository:
    def test_create_and_read_back_with_exact_decimal_price(self, repos: RepositorySet) -> None:
        product = make_product(repos, price="0.01", stock=0, image_url="https://img.example/1.png")
        assert product.price == Decimal("0.01")
        assert str(product.price) == "0.01"
        assert product.stock == 0
        assert product.created_at == product.updated_at
        assert repos.products.get(product.id) == product

    def test_create_gives_prices_two_places(self, repos: RepositorySet) -> None:
        product = make_product(repos, price="12.5")
        assert str(product.price) == "12.50"
        stored = repos.products.get(product.id)
        assert stored is not None
        assert str(stored.price) == "12.50"

    def test_optional_fields_read_back_as_none(self, repos: RepositorySet) -> None:
        product = make_product(repos, description=None, image_url=None)
        stored = repos.products.get(product.id)
        assert stored is not None
        assert (stored.description, stored.image_url) == (None, None)

    def test_create_needs_a_known_seller_who_sells_and_a_known_category(
        self, repos: RepositorySet
    ) -> None:
        seller = make_user(repos, seller=True)
        shopper = make_user(repos)
        category = make_category(repos)
        with pytest.raises(NotFound) as no_seller:
            repos.products.create(NewProduct("999999", category.id, "X", Decimal("1.00")))
        assert no_seller.value.entity == "user"
        with pytest.raises(NotFound) as no_category:
            repos.products.create(NewProduct(seller.id, "999999", "X", Decimal("1.00")))
        assert no_category.value.entity == "category"
        with pytest.raises(ValidationError) as not_seller:
            repos.products.create(NewProduct(shopper.id, category.id, "X", Decimal("1.00")))
        assert not_seller.value.field == "seller_id"
        assert repos.products.list_by_category(category.id).items == ()

    @pytest.mark.parametrize(
        ("fields", "field"),
        [
            ({"price": Decimal("0")}, "price"),
            ({"price": Decimal("-1.00")}, "price"),
            ({"price": Decimal("1.005")}, "price"),
            ({"price": 1.5}, "price"),
            ({"price": Decimal("NaN")}, "price"),
            ({"price": Decimal("100000000.00")}, "price"),
            ({"stock": -1}, "stock"),
            ({"stock": 2**31}, "stock"),
            ({"name": ""}, "name"),
            ({"name": "x" * 201}, "name"),
            ({"image_url": ""}, "image_url"),
        ],
    )
    def test_create_rejects_bad_input_before_writing(
        self, repos: RepositorySet, fields: dict[str, object], field: str
    ) -> None:
        seller = make_user(repos, seller=True)
        category = make_category(repos)
        before = everything(repos)
        values: dict[str, object] = {"name": "Thing", "price": Decimal("1.00"), "stock": 1}
        values.update(fields)
        with pytest.raises(ValidationError) as raised:
            repos.products.create(NewProduct(seller.id, category.id, **values))  # type: ignore[arg-type]
        assert raised.value.field == field
        assert everything(repos) == before

    def test_get_returns_none_for_an_unknown_id(self, repos: RepositorySet) -> None:
        assert repos.products.get("999999") is None

    def test_get_many_keeps_the_asked_order_skips_unknown_and_repeats(
        self, repos: RepositorySet
    ) -> None:
        seller, category = make_user(repos, seller=True), make_category(repos)
        a, b, c = (make_product(repos, seller, category) for _ in range(3))
        found = repos.products.get_many([c.id, "999999", a.id, c.id, b.id])
        assert [p.id for p in found] == [c.id, a.id, b.id]
        assert repos.products.get_many([]) == []

    def test_get_many_refuses_more_than_100_ids(self, repos: RepositorySet) -> None:
        with pytest.raises(ValidationError) as raised:
            repos.products.get_many([str(i) for i in range(101)])
        assert raised.value.field == "product_ids"

    def test_list_by_category_pages_in_creation_order(self, repos: RepositorySet) -> None:
        seller, category = make_user(repos, seller=True), make_category(repos)
        other = make_category(repos)
        created = [make_product(repos, seller, category) for _ in range(5)]
        make_product(repos, seller, other)
        items, pages = all_pages(
            lambda limit, cursor: repos.products.list_by_category(category.id, limit, cursor), 2
        )
        assert [p.id for p in items] == [p.id for p in created]
        assert pages == 3

    def test_list_by_category_only_lists_direct_members(self, repos: RepositorySet) -> None:
        parent = make_category(repos)
        child = make_category(repos, parent=parent)
        make_product(repos, category=child)
        assert repos.products.list_by_category(parent.id).items == ()
        assert repos.products.list_by_category("999999").items == ()

    def test_list_by_seller_pages_in_creation_order(self, repos: RepositorySet) -> None:
        seller, category = make_user(repos, seller=True), make_category(repos)
        created = [make_product(repos, seller, category) for _ in range(4)]
        make_product(repos, category=category)
        items, pages = all_pages(
            lambda limit, cursor: repos.products.list_by_seller(seller.id, limit, cursor), 1
        )
        assert [p.id for p in items] == [p.id for p in created]
        assert pages == 4
        assert repos.products.list_by_seller("999999").items == ()

    def test_a_cursor_only_works_for_the_listing_that_made_it(self, repos: RepositorySet) -> None:
        seller, category = make_user(repos, seller=True), make_category(repos)
        other_category = make_category(repos)
        for _ in range(3):
            make_product(repos, seller, category)
        cursor = repos.products.list_by_category(category.id, 1).next_cursor
        assert cursor is not None
        with pytest.raises(ValidationError):
            repos.products.list_by_category(other_category.id, 1, cursor)
        with pytest.raises(ValidationError):
            repos.products.list_by_seller(seller.id, 1, cursor)

    def test_search_matches_name_or_description_ignoring_case(self, repos: RepositorySet) -> None:
        seller, category = make_user(repos, seller=True), make_category(repos)
        lamp = make_product(repos, seller, category, name="Desk LAMP", description="bright")
        shade = make_product(repos, seller, category, name="Shade", description="For a lamp")
        make_product(repos, seller, category, name="Chair", description="comfy")
        found = repos.products.search("Lamp")
        assert {p.id for p in found.items} == {lamp.id, shade.id}
        assert found.next_cursor is None

    def test_search_treats_wildcards_literally_and_does_not_fold_accents(
        self, repos: RepositorySet
    ) -> None:
        seller, category = make_user(repos, seller=True), make_category(repos)
        percent = make_product(repos, seller, category, name="100% cotton", description=None)
        make_product(repos, seller, category, name="1000 cotton", description=None)
        cafe = make_product(repos, seller, category, name="Café", description=None)
        make_product(repos, seller, category, name="Cafe", description=None)
        assert [p.id for p in repos.products.search("0%").items] == [percent.id]
        assert [p.id for p in repos.products.search("_").items] == []
        assert [p.id for p in repos.products.search("CAFÉ").items] == [cafe.id]

    def test_search_applies_category_price_and_stock_filters(self, repos: RepositorySet) -> None:
        seller, toys, books = (
            make_user(repos, seller=True),
            make_category(repos),
            make_category(repos),
        )
        cheap = make_product(repos, seller, toys, name="Ball 1", price="1.00", stock=1)
        make_product(repos, seller, toys, name="Ball 2", price="5.00", stock=0)
        dear = make_product(repos, seller, toys, name="Ball 3", price="9.99", stock=3)
        make_product(repos, seller, books, name="Ball book", price="2.00", stock=9)

        def ids(**filters: object) -> set[str]:
            return {p.id for p in repos.products.search("ball", **filters).items}  # type: ignore[arg-type]

        assert len(ids()) == 4
        assert ids(category_id=toys.id, in_stock_only=True) == {cheap.id, dear.id}
        assert ids(min_price=Decimal("5.00"), max_price=Decimal("9.99")) == {dear.id} | {
            p.id for p in repos.products.search("ball 2").items
        }
        assert ids(max_price=Decimal("0.99")) == set()

    def test_search_pages_cover_every_match_once(self, repos: RepositorySet) -> None:
        seller, category = make_user(repos, seller=True), make_category(repos)
        made = {make_product(repos, seller, category, name=f"Widget {i}").id for i in range(7)}
        make_product(repos, seller, category, name="Gadget", description="none")
        items, _ = all_pages(
            lambda limit, cursor: repos.products.search("widget", limit=limit, cursor=cursor), 3
        )
        assert sorted(p.id for p in items) == sorted(made)

    @pytest.mark.parametrize(
        ("args", "field"),
        [
            ({"text": ""}, "text"),
            ({"text": "x" * 101}, "text"),
            ({"text": "a", "min_price": -1}, "min_price"),
            ({"text": "a", "max_price": 2.5}, "max_price"),
            ({"text": "a", "limit": 0}, "limit"),
            ({"text": "a", "cursor": "nope"}, "cursor"),
        ],
    )
    def test_search_rejects_bad_arguments(
        self, repos: RepositorySet, args: dict[str, object], field: str
    ) -> None:
        with pytest.raises(ValidationError) as raised:
            repos.products.search(**args)  # type: ignore[arg-type]
        assert raised.value.field == field

    def test_update_changes_fields_and_clears_optional_ones(self, repos: RepositorySet) -> None:
        product = make_product(repos, image_url="https://img.example/a.png")
        new_category = make_category(repos)
        updated = repos.products.update(
            product.id,
            ProductChanges(
                name="Renamed", price=Decimal("3.10"), image_url=None, category_id=new_category.id
            ),
        )
        assert (updated.name, updated.price, updated.image_url, updated.category_id) == (
            "Renamed",
            Decimal("3.10"),
            None,
            new_category.id,
        )
        assert updated.stock == product.stock
        assert updated.updated_at >= product.updated_at
        assert repos.products.get(product.id) == updated
        assert [p.id for p in repos.products.list_by_category(new_category.id).items] == [
            product.id
        ]

    def test_update_with_no_changes_returns_it_unchanged(self, repos: RepositorySet) -> None:
        product = make_product(repos)
        assert repos.products.update(product.id, ProductChanges()) == product

    def test_update_of_unknown_product_or_category_raises_not_found(
        self, repos: RepositorySet
    ) -> None:
        product = make_product(repos)
        with pytest.raises(NotFound):
            repos.products.update("999999", ProductChanges(name="X"))
        with pytest.raises(NotFound):
            repos.products.update(product.id, ProductChanges(category_id="999999"))
        assert repos.products.get(product.id) == product

    def test_update_rejects_a_bad_price_before_writing(self, repos: RepositorySet) -> None:
        product = make_product(repos)
        with pytest.raises(ValidationError):
            repos.products.update(product.id, ProductChanges(price=Decimal("0.00")))
        assert repos.products.get(product.id) == product

    def test_delete_removes_it_from_lookups_listings_and_carts(self, repos: RepositorySet) -> None:
        product = make_product(repos)
        keep = make_product(repos)
        shopper = make_user(repos)
        repos.carts.add_item(shopper.id, product.id, 2)
        repos.carts.add_item(shopper.id, keep.id, 1)
        repos.products.delete(product.id)
        assert repos.products.get(product.id) is None
        assert repos.products.list_by_category(product.category_id).items == ()
        assert [i.product_id for i in repos.carts.get(shopper.id).items] == [keep.id]
        assert repos.carts.count_items(shopper.id) == 1

    def test_delete_keeps_order_snapshots(self, repos: RepositorySet) -> None:
        product = make_product(repos)
        shopper = make_user(repos)
        repos.carts.add_item(shopper.id, product.id, 1)
        order = repos.orders.place(shopper.id, "1 Main St")
        repos.products.delete(product.id)
        assert repos.orders.get(order.id) == order

    def test_delete_of_an_unknown_product_raises_not_found(self, repos: RepositorySet) -> None:
        with pytest.raises(NotFound):
            repos.products.delete("999999")

    def test_adjust_stock_adds_and_removes_and_returns_the_new_level(
        self, repos: RepositorySet
    ) -> None:
        product = make_product(repos, stock=5)
        assert repos.products.adjust_stock(product.id, 3) == 8
        assert repos.products.adjust_stock(product.id, -8) == 0
        assert repos.products.adjust_stock(product.id, 0) == 0
        stored = repos.products.get(product.id)
        assert stored is not None
        assert stored.stock == 0

    def test_adjust_stock_never_goes_below_zero(self, repos: RepositorySet) -> None:
        product = make_product(repos, stock=2)
        with pytest.raises(InsufficientStock) as raised:
            repos.products.adjust_stock(product.id, -3)
        assert (raised.value.product_id, raised.value.requested) == (product.id, 3)
        stored = repos.products.get(product.id)
        assert stored is not None
        assert stored.stock == 2

    def test_adjust_stock_rejects_bad_deltas_and_unknown_products(
        self, repos: RepositorySet
    ) -> None:
        product = make_product(repos)
        for bad in (1.5, "1", True, 2**31):
            with pytest.raises(ValidationError):
                repos.products.adjust_stock(product.id, bad)  # type: ignore[arg-type]
        with pytest.raises(NotFound):
            repos.products.adjust_stock("999999", 1)
