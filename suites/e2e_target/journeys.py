"""User journeys through the shop's HTTP API, each run on both apps and compared.

Every response (status, JSON body, the headers that matter) is observed; ids are aligned,
tokens and cursors compared only as present or absent, passwords never recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from harness import Run, case

PASSWORD = "correct horse battery staple"


@dataclass
class Shop:
    """What ``open_shop`` built: a seller, their token, categories and products."""

    seller_token: str
    seller_id: str
    books: str
    scifi: str
    products: dict[str, str]


def _body(response: Any) -> Any:
    return getattr(response, "body", None) or {}


def _login(run: Run, email: str, username: str, *, seller: bool = False) -> tuple[str, str]:
    email, username = run.unique(email), run.unique(username).replace(" ", "-")
    registered = run.call("api.register", email, username, PASSWORD, seller)
    logged_in = run.call("api.login", email, PASSWORD)
    return _body(logged_in).get("access_token", ""), _body(registered).get("id", "")


def open_shop(run: Run) -> Shop:
    """A seller opens a shop: two categories and four products."""
    token, seller_id = _login(run, "Seller@Shop.example", "seller", seller=True)
    books = _body(run.call("api.create_category", token, run.unique("Books"))).get("id", "")
    scifi_name = run.unique("Science Fiction")
    scifi = _body(run.call("api.create_category", token, scifi_name, books)).get("id", "")
    products = {}
    for name, price, stock, category in (
        ("Dune", "9.99", 5, scifi),
        ("Foundation", "8.50", 2, scifi),
        ("Hyperion", "12.00", 1, scifi),
        ("Atlas of Books", "0.01", 10, books),
    ):
        made = run.call(
            "api.create_product", token, category, run.unique(name), price, stock, f"About {name}"
        )
        products[name] = _body(made).get("id", "")
    return Shop(token, seller_id, books, scifi, products)


@case(
    "api.register",
    "api.login",
    "api.me",
    "api.category_tree",
    "api.search_products",
    "api.list_products",
    "api.add_to_cart",
    "api.set_cart_quantity",
    "api.checkout",
    "api.order",
    "api.my_orders",
    "api.cancel_order",
    "api.product",
    "api.cart",
)
def a_new_shopper_buys_and_cancels(run: Run) -> None:
    """A new shopper registers, browses, buys, sees the order, cancels it: stock is back."""
    shop = open_shop(run)
    token, _ = _login(run, "Ada@Example.com", "ada")
    run.call("api.me", token)
    run.call("api.category_tree")
    run.call("api.search_products", run.unique("DUNE").lower())
    run.call("api.list_products", shop.scifi, None, 2, None)
    page = _body(run.call("api.list_products", shop.scifi, None, 2, None))
    run.call("api.list_products", shop.scifi, None, 2, page.get("next_cursor"))
    run.call("api.add_to_cart", token, shop.products["Dune"], 1)
    run.call("api.add_to_cart", token, shop.products["Atlas of Books"], 3)
    run.call("api.set_cart_quantity", token, shop.products["Dune"], 2)
    run.call("api.cart", token)
    order = _body(run.call("api.checkout", token, "1 Main St, Springfield"))
    run.call("api.product", shop.products["Dune"])
    run.call("api.cart", token)
    run.call("api.order", token, order.get("id", "missing"))
    run.call("api.my_orders", token)
    run.call("api.cancel_order", token, order.get("id", "missing"))
    run.call("api.product", shop.products["Dune"])


@case("api.category", "api.category_children", "api.category_path", "api.create_category")
def a_shopper_browses_the_category_tree(run: Run) -> None:
    """Categories: the tree, one category, its children, its breadcrumb path."""
    shop = open_shop(run)
    run.call("api.create_category", shop.seller_token, run.unique("Art"), shop.books)
    run.call("api.create_category", shop.seller_token, run.unique("Books"))
    run.call("api.category", shop.scifi)
    run.call("api.category_children", shop.books)
    run.call("api.category_path", shop.scifi)
    run.call("api.category", "999999")


@case("api.update_product", "api.adjust_stock", "api.delete_product")
def a_seller_manages_products_and_stock(run: Run) -> None:
    """A seller renames and reprices a product, adjusts stock, and deletes one."""
    shop = open_shop(run)
    dune = shop.products["Dune"]
    run.call(
        "api.update_product", shop.seller_token, dune, {"name": "Dune (1965)", "price": "10.50"}
    )
    run.call("api.adjust_stock", shop.seller_token, dune, 7)
    run.call("api.adjust_stock", shop.seller_token, dune, -100)
    run.call("api.delete_product", shop.seller_token, shop.products["Hyperion"])
    run.call("api.product", dune)
    run.call("api.product", shop.products["Hyperion"])
    run.call("api.list_products", None, shop.seller_id, 10, None)


@case("api.remove_from_cart", "api.clear_cart")
def a_shopper_edits_the_cart(run: Run) -> None:
    """Removing lines, setting a quantity to zero, clearing the cart."""
    shop = open_shop(run)
    token, _ = _login(run, "cart@example.com", "carter")
    for name in ("Dune", "Foundation", "Atlas of Books"):
        run.call("api.add_to_cart", token, shop.products[name], 1)
    run.call("api.remove_from_cart", token, shop.products["Foundation"])
    run.call("api.set_cart_quantity", token, shop.products["Dune"], 0)
    run.call("api.cart", token)
    run.call("api.clear_cart", token)
    run.call("api.cart", token)


@case("api.checkout")
def checkout_short_of_stock_changes_nothing(run: Run) -> None:
    """Out of stock at checkout: 409, the cart and the stock are as they were."""
    shop = open_shop(run)
    token, _ = _login(run, "late@example.com", "late")
    run.call("api.add_to_cart", token, shop.products["Dune"], 1)
    run.call("api.add_to_cart", token, shop.products["Hyperion"], 2)
    run.call("api.checkout", token, "2 High St")
    run.call("api.cart", token)
    run.call("api.product", shop.products["Dune"])


@case("api.register", "api.raw")
def bad_input_is_refused_with_field_errors(run: Run) -> None:
    """Bad input: 422 with field errors, and nothing written."""
    shop = open_shop(run)
    token, _ = _login(run, "careful@example.com", "careful")
    run.call("api.register", "not-an-email", "x", PASSWORD)
    run.call("api.register", run.unique("Seller@Shop.example"), run.unique("other"), PASSWORD)
    run.call("api.add_to_cart", token, shop.products["Dune"], 0)
    run.call("api.add_to_cart", token, shop.products["Dune"], "two")
    run.call("api.checkout", token, "")
    run.call("api.create_product", shop.seller_token, shop.books, "Free", "0.00", 1)
    run.call("api.create_product", shop.seller_token, shop.books, "Cheap", "0.001", 1)
    run.call("api.list_products", shop.books, None, 101, None)
    run.call("api.list_products", shop.books, None, 1, "not-a-cursor")
    run.call("api.raw", "POST", "/cart/items", ["not", "an", "object"], token)
    run.call("api.cart", token)


@case("api.login", "api.me")
def wrong_passwords_and_bad_tokens_are_refused(run: Run) -> None:
    """Wrong password, unknown email, missing, tampered and expired tokens: 401."""
    token, _ = _login(run, "guarded@example.com", "guarded")
    run.call("api.login", run.unique("guarded@example.com"), "wrong password")
    run.call("api.login", run.unique("nobody@example.com"), PASSWORD)
    run.call("api.me", None)
    run.call("api.me", token[:-2] + ("AA" if not token.endswith("AA") else "BB"))
    run.call("api.me", "not.a.token")
    run.call("api.raw", "POST", "/_test/clock", {"advance_seconds": 7200})
    run.call("api.me", token)


@case("api.order", "api.cancel_order", "api.set_order_status")
def someone_elses_order_is_not_found(run: Run) -> None:
    """Another shopper's order: 404 to read or cancel; status changes are the seller's."""
    shop = open_shop(run)
    owner, _ = _login(run, "owner@example.com", "owner")
    other, _ = _login(run, "other@example.com", "other")
    run.call("api.add_to_cart", owner, shop.products["Atlas of Books"], 1)
    order_id = _body(run.call("api.checkout", owner, "3 Rue Café")).get("id", "missing")
    run.call("api.order", other, order_id)
    run.call("api.cancel_order", other, order_id)
    run.call("api.set_order_status", other, order_id, "paid")
    run.call("api.set_order_status", shop.seller_token, order_id, "paid")
    run.call("api.set_order_status", shop.seller_token, order_id, "delivered")
    run.call("api.order", owner, order_id)


@case("api.create_product", "api.create_category")
def only_sellers_sell(run: Run) -> None:
    """A shopper may not create categories or products, nor change a seller's product."""
    shop = open_shop(run)
    token, _ = _login(run, "shopper@example.com", "shopper")
    run.call("api.create_category", token, run.unique("Mine"))
    run.call("api.create_product", token, shop.books, run.unique("Mine"), "1.00", 1)
    run.call("api.update_product", token, shop.products["Dune"], {"price": "0.01"})
    run.call("api.create_product", None, shop.books, "Anonymous", "1.00", 1)
