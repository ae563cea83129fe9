"""Contract cases for ProductRepository."""

from __future__ import annotations

from decimal import Decimal

from harness import Run, case
from shop.domain import NewProduct, ProductChanges


@case("products.create", seed="small_shop")
def creates_with_exact_prices(run: Run) -> None:
    s = run.seeded
    for price in ("0.01", "12.5", "99999999.99", "7"):
        run.call(
            "products.create",
            NewProduct(s["sam"].id, s["jazz"].id, f"Price {price}", Decimal(price), stock=0),
        )
    run.drain("products.list_by_category", s["jazz"].id, limit=100)


@case("products.create", seed="small_shop")
def optional_fields_round_trip(run: Run) -> None:
    s = run.seeded
    made = run.call(
        "products.create", NewProduct(s["sue"].id, s["poetry"].id, "Bare", Decimal("1.00"))
    )
    run.call("products.get", made.id)


@case("products.create", seed="small_shop")
def needs_a_selling_seller_and_a_category(run: Run) -> None:
    s = run.seeded
    run.call("products.create", NewProduct("999999", s["jazz"].id, "X", Decimal("1.00")))
    run.call("products.create", NewProduct(s["sam"].id, "999999", "X", Decimal("1.00")))
    run.call("products.create", NewProduct(s["alice"].id, s["jazz"].id, "X", Decimal("1.00")))


@case("products.create", seed="small_shop")
def rejects_bad_prices_stock_and_names(run: Run) -> None:
    s = run.seeded
    for price in (
        Decimal("0"),
        Decimal("-0.01"),
        Decimal("1.005"),
        Decimal("NaN"),
        Decimal("100000000.00"),
        2.5,
    ):
        run.call("products.create", NewProduct(s["sam"].id, s["jazz"].id, "X", price))  # type: ignore[arg-type]
    for stock in (-1, 2**31):
        run.call(
            "products.create", NewProduct(s["sam"].id, s["jazz"].id, "X", Decimal("1.00"), stock)
        )
    run.call("products.create", NewProduct(s["sam"].id, s["jazz"].id, "", Decimal("1.00")))
    run.call("products.list_by_category", s["jazz"].id)


@case("products.get", seed="small_shop")
def gets_by_id_or_none(run: Run) -> None:
    run.call("products.get", run.seeded["dune"].id)
    run.call("products.get", "999999")


@case("products.get_many", seed="small_shop")
def keeps_asked_order_skips_unknown_and_repeats(run: Run) -> None:
    s = run.seeded
    run.call("products.get_many", [s["odes"].id, "999999", s["dune"].id, s["odes"].id])
    run.call("products.get_many", [])
    run.call("products.get_many", [f"unknown-{n}" for n in range(101)])


@case("products.list_by_category", seed="small_shop")
def pages_a_category_in_creation_order(run: Run) -> None:
    s = run.seeded
    for n in range(5):
        run.call(
            "products.create", NewProduct(s["sue"].id, s["scifi"].id, f"Extra {n}", Decimal("2.00"))
        )
    run.drain("products.list_by_category", s["scifi"].id, limit=3)
    run.drain("products.list_by_category", s["scifi"].id, limit=1)
    run.call("products.list_by_category", s["books"].id)
    run.call("products.list_by_category", "999999")


@case("products.list_by_category", seed="small_shop")
def ties_in_creation_time_fall_in_creation_order(run: Run) -> None:
    s = run.seeded
    run.freeze_clock()
    for name in ("Tie C", "Tie A", "Tie B"):
        run.call("products.create", NewProduct(s["sam"].id, s["music"].id, name, Decimal("1.00")))
    run.freeze_clock(False)
    run.drain("products.list_by_category", s["music"].id, limit=2)


@case("products.list_by_seller", seed="small_shop")
def pages_a_sellers_products(run: Run) -> None:
    s = run.seeded
    run.drain("products.list_by_seller", s["sam"].id, limit=2)
    run.drain("products.list_by_seller", s["sue"].id, limit=100)
    run.call("products.list_by_seller", s["alice"].id)
    run.call("products.list_by_seller", s["sam"].id, 0)


@case("products.search", seed="small_shop")
def matches_name_or_description_ignoring_case(run: Run) -> None:
    run.drain("products.search", "dune", limit=10)
    run.drain("products.search", "PSYCHO", limit=10)
    run.drain("products.search", "nothing matches this", limit=10)


@case("products.search", seed="small_shop")
def matches_literally_without_folding_accents(run: Run) -> None:
    run.drain("products.search", "café", limit=10)
    run.drain("products.search", "CAFE", limit=10)
    run.drain("products.search", "%", limit=10)
    run.drain("products.search", "_", limit=10)
    run.drain("products.search", "(used)", limit=10)


@case("products.search", seed="small_shop")
def applies_category_price_and_stock_filters(run: Run) -> None:
    s = run.seeded
    run.drain("products.search", "e", category_id=s["scifi"].id, limit=10)
    run.drain(
        "products.search", "e", min_price=Decimal("9.99"), max_price=Decimal("15.00"), limit=10
    )
    run.drain("products.search", "e", in_stock_only=True, limit=10)
    run.drain("products.search", "o", max_price=Decimal("0.01"), limit=10)


@case("products.search", seed="small_shop")
def pages_cover_every_match_once(run: Run) -> None:
    run.drain("products.search", "o", limit=1)
    run.drain("products.search", "e", limit=2)


@case("products.search")
def rejects_bad_search_arguments(run: Run) -> None:
    run.call("products.search", "")
    run.call("products.search", "x" * 101)
    run.call("products.search", "a", min_price=Decimal("-1"))
    run.call("products.search", "a", limit=101)


@case("products.update", seed="small_shop")
def changes_fields_and_clears_optional_ones(run: Run) -> None:
    s = run.seeded
    run.call(
        "products.update",
        s["dune"].id,
        ProductChanges(
            name="Dune (1965)", price=Decimal("10.5"), image_url=None, category_id=s["fiction"].id
        ),
    )
    run.call("products.get", s["dune"].id)
    run.call("products.update", s["dune"].id, ProductChanges())
    run.call("carts.get", s["alice"].id)


@case("products.update", seed="small_shop")
def refuses_unknowns_and_bad_prices(run: Run) -> None:
    s = run.seeded
    run.call("products.update", "999999", ProductChanges(name="X"))
    run.call("products.update", s["dune"].id, ProductChanges(category_id="999999"))
    run.call("products.update", s["dune"].id, ProductChanges(price=Decimal("0.00")))
    run.call("products.update", s["dune"].id, ProductChanges(name=""))
    run.call("products.get", s["dune"].id)


@case("products.delete", seed="small_shop")
def deletes_and_removes_cart_lines_keeping_orders(run: Run) -> None:
    s = run.seeded
    run.call("products.delete", s["dune"].id)
    run.call("products.get", s["dune"].id)
    run.call("carts.get", s["alice"].id)
    run.call("orders.get", s["bob_paid"].id)
    run.call("products.delete", s["dune"].id)


@case("products.adjust_stock", seed="small_shop")
def adjusts_and_never_goes_below_zero(run: Run) -> None:
    s = run.seeded
    run.call("products.adjust_stock", s["foundation"].id, 3)
    run.call("products.adjust_stock", s["foundation"].id, -3)
    run.call("products.adjust_stock", s["foundation"].id, -1)
    run.call("products.adjust_stock", s["foundation"].id, 0)
    run.call("products.adjust_stock", s["dune"].id, -4)
    run.call("products.adjust_stock", "999999", 1)
    run.call("products.adjust_stock", s["dune"].id, 2**31)
