"""The shop's HTTP API on the memory backend: shoppers', sellers' and error journeys."""

from __future__ import annotations

import base64
import json
import re
from typing import Any

import pytest

from suites.unit.api.api_shop import PASSWORD, Shop

pytestmark = pytest.mark.unit

TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def _catalog(shop: Shop) -> tuple[dict[str, str], dict[str, Any], dict[str, Any]]:
    """A seller with a Books > Fiction tree; returns their headers and both categories."""
    seller = shop.user("sam", seller=True)
    books = shop.client.post("/categories", json={"name": "Books"}, headers=seller).json()
    fiction = shop.client.post(
        "/categories", json={"name": "Fiction", "parent_id": books["id"]}, headers=seller
    ).json()
    return seller, books, fiction


def _product(
    shop: Shop, seller: dict[str, str], category_id: str, name: str, price: str, stock: int
) -> dict[str, Any]:
    body = {"category_id": category_id, "name": name, "price": price, "stock": stock}
    response = shop.client.post("/products", json=body, headers=seller)
    assert response.status_code == 201, response.text
    product: dict[str, Any] = response.json()
    return product


def _error(response: Any, status: int, kind: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    assert error["type"] == kind
    return error


def test_a_shopper_registers_browses_buys_cancels_and_the_stock_comes_back(shop: Shop) -> None:
    seller, books, fiction = _catalog(shop)
    dune = _product(shop, seller, fiction["id"], "Dune", "9.99", 5)
    for n in range(4):
        _product(shop, seller, fiction["id"], f"Novel {n}", "1.50", 1)

    me = shop.register("ada", profile={"first_name": "Ada"})
    assert me["profile"]["first_name"] == "Ada" and not me["is_seller"]
    ada = shop.login("ada")
    assert shop.client.get("/me", headers=ada).json()["username"] == "ada"

    tree = shop.client.get("/categories").json()
    assert [(n["name"], [c["name"] for c in n["children"]]) for n in tree] == [
        ("Books", ["Fiction"])
    ]
    path = shop.client.get(f"/categories/{fiction['id']}/path").json()
    assert [c["name"] for c in path] == ["Books", "Fiction"]
    assert shop.client.get(f"/categories/{books['id']}/children").json()[0]["id"] == fiction["id"]

    found = shop.client.get("/products/search", params={"q": "DUNE", "in_stock": True}).json()
    assert [p["id"] for p in found["items"]] == [dune["id"]]

    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"category_id": fiction["id"], "limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = shop.client.get("/products", params=params).json()
        seen += [p["name"] for p in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ["Dune", "Novel 0", "Novel 1", "Novel 2", "Novel 3"]

    cart = shop.client.post(
        "/cart/items", json={"product_id": dune["id"], "quantity": 1}, headers=ada
    ).json()
    assert cart["total_quantity"] == 1
    cart = shop.client.put(f"/cart/items/{dune['id']}", json={"quantity": 3}, headers=ada).json()
    assert (cart["total_quantity"], cart["subtotal"]) == (3, "29.97")

    placed = shop.client.post("/orders", json={"shipping_address": "1 Main St"}, headers=ada)
    assert placed.status_code == 201, placed.text
    order = placed.json()
    assert (order["status"], order["total"], order["items"][0]["line_total"]) == (
        "pending",
        "29.97",
        "29.97",
    )
    assert shop.client.get(f"/products/{dune['id']}").json()["stock"] == 2
    assert shop.client.get("/cart", headers=ada).json()["items"] == []

    mine = shop.client.get("/orders", headers=ada).json()
    assert [o["id"] for o in mine["items"]] == [order["id"]] and mine["next_cursor"] is None
    assert shop.client.get(f"/orders/{order['id']}", headers=ada).json() == order

    cancelled = shop.client.post(f"/orders/{order['id']}/cancel", headers=ada).json()
    assert cancelled["status"] == "cancelled"
    assert shop.client.get(f"/products/{dune['id']}").json()["stock"] == 5


def test_a_seller_creates_updates_restocks_and_deletes_their_product(shop: Shop) -> None:
    seller, _, fiction = _catalog(shop)
    product = _product(shop, seller, fiction["id"], "Dune", "9.99", 0)
    assert product["price"] == "9.99" and product["stock"] == 0

    restocked = shop.client.post(
        f"/products/{product['id']}/stock", json={"delta": 7}, headers=seller
    )
    assert restocked.json() == {"product_id": product["id"], "stock": 7}

    shop.clock.advance(1)
    changed = shop.client.patch(
        f"/products/{product['id']}",
        json={"price": "12.5", "description": None},
        headers=seller,
    ).json()
    assert (changed["price"], changed["description"], changed["name"]) == ("12.50", None, "Dune")
    assert changed["updated_at"] > product["updated_at"]

    sam_id = shop.client.get("/me", headers=seller).json()["id"]
    listed = shop.client.get("/products", params={"seller_id": sam_id}).json()
    assert [p["id"] for p in listed["items"]] == [product["id"]]

    assert shop.client.delete(f"/products/{product['id']}", headers=seller).status_code == 204
    _error(shop.client.get(f"/products/{product['id']}"), 404, "not_found")


def test_a_seller_cannot_take_more_stock_than_there_is(shop: Shop) -> None:
    seller, _, fiction = _catalog(shop)
    product = _product(shop, seller, fiction["id"], "Dune", "9.99", 2)
    response = shop.client.post(
        f"/products/{product['id']}/stock", json={"delta": -3}, headers=seller
    )
    error = _error(response, 409, "insufficient_stock")
    assert error["fields"] == {"product_id": product["id"], "requested": 3}


def test_checkout_short_of_stock_is_a_409_naming_the_product_and_changes_nothing(
    shop: Shop,
) -> None:
    seller, _, fiction = _catalog(shop)
    product = _product(shop, seller, fiction["id"], "Dune", "9.99", 2)
    ada = shop.user("ada")
    shop.client.post("/cart/items", json={"product_id": product["id"], "quantity": 3}, headers=ada)

    response = shop.client.post("/orders", json={"shipping_address": "1 Main St"}, headers=ada)

    error = _error(response, 409, "insufficient_stock")
    assert error["fields"] == {"product_id": product["id"], "requested": 3}
    assert shop.client.get("/cart", headers=ada).json()["total_quantity"] == 3
    assert shop.client.get(f"/products/{product['id']}").json()["stock"] == 2


def test_checkout_of_an_empty_cart_is_a_422_on_the_cart(shop: Shop) -> None:
    ada = shop.user("ada")
    response = shop.client.post("/orders", json={"shipping_address": "1 Main St"}, headers=ada)
    assert "cart" in _error(response, 422, "validation_error")["fields"]


def test_bad_request_bodies_get_422_with_field_errors(shop: Shop) -> None:
    seller, _, fiction = _catalog(shop)
    response = shop.client.post(
        "/products",
        json={"category_id": fiction["id"], "name": "", "price": 9.99, "stock": -1},
        headers=seller,
    )
    error = _error(response, 422, "validation_error")
    assert set(error["fields"]) == {"name", "price", "stock"}
    locs = [item["loc"] for item in response.json()["detail"]]
    assert ["body", "price"] in locs
    assert all(set(item) >= {"loc", "msg"} for item in response.json()["detail"])


def test_rules_checked_by_the_repositories_also_give_422_with_the_field(shop: Shop) -> None:
    response = shop.client.post(
        "/auth/register",
        json={"email": "not-an-address", "username": "ada", "password": PASSWORD},
    )
    error = _error(response, 422, "validation_error")
    assert list(error["fields"]) == ["email"]
    assert response.json()["detail"][0]["loc"] == ["email"]


def test_listing_products_needs_exactly_one_of_category_or_seller(shop: Shop) -> None:
    _error(shop.client.get("/products"), 422, "validation_error")
    response = shop.client.get("/products", params={"category_id": "a", "seller_id": "b"})
    _error(response, 422, "validation_error")


def test_a_cursor_from_another_listing_is_a_422_on_the_cursor(shop: Shop) -> None:
    seller, _, fiction = _catalog(shop)
    for n in range(3):
        _product(shop, seller, fiction["id"], f"Novel {n}", "1.00", 1)
    page = shop.client.get("/products", params={"category_id": fiction["id"], "limit": 1}).json()
    response = shop.client.get(
        "/products/search", params={"q": "novel", "cursor": page["next_cursor"]}
    )
    assert list(_error(response, 422, "validation_error")["fields"]) == ["cursor"]


def test_a_taken_email_is_a_409_already_exists(shop: Shop) -> None:
    shop.register("ada")
    response = shop.client.post(
        "/auth/register",
        json={"email": "ADA@example.com", "username": "other", "password": PASSWORD},
    )
    assert _error(response, 409, "already_exists")["fields"]["field"] == "email"


def test_a_wrong_password_and_an_unknown_email_get_the_same_401(shop: Shop) -> None:
    shop.register("ada")
    wrong = shop.client.post(
        "/auth/login", json={"email": "ada@example.com", "password": "not the password"}
    )
    unknown = shop.client.post(
        "/auth/login", json={"email": "nobody@example.com", "password": PASSWORD}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.headers["WWW-Authenticate"] == "Bearer"


def test_a_missing_token_is_a_401_with_a_bearer_challenge(shop: Shop) -> None:
    response = shop.client.get("/cart")
    _error(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_an_expired_token_is_a_401_saying_it_expired(shop: Shop) -> None:
    ada = shop.user("ada")
    shop.clock.advance(61)
    error = _error(shop.client.get("/me", headers=ada), 401, "unauthorized")
    assert "expired" in error["message"]


def test_a_tampered_or_malformed_token_is_a_401_each_with_its_own_message(shop: Shop) -> None:
    shop.register("ada")
    shop.register("bob")
    ada = shop.login("ada")["Authorization"].removeprefix("Bearer ")
    bob_id = shop.client.get("/me", headers=shop.login("bob")).json()["id"]
    ada_id_part, expiry, signature = ada.split(".")
    bob_part = base64.urlsafe_b64encode(bob_id.encode()).rstrip(b"=").decode()
    tokens = {
        "as bob": f"{bob_part}.{expiry}.{signature}",
        "later expiry": f"{ada_id_part}.{int(expiry) + 9999}.{signature}",
        "malformed": "not-a-token",
    }
    messages = {}
    for name, token in tokens.items():
        response = shop.client.get("/me", headers={"Authorization": f"Bearer {token}"})
        messages[name] = _error(response, 401, "unauthorized")["message"]
    assert messages["as bob"] == messages["later expiry"] != messages["malformed"]
    assert "signature" in messages["as bob"] and "malformed" in messages["malformed"]


def test_someone_elses_order_is_not_found_just_like_a_missing_one(shop: Shop) -> None:
    seller, _, fiction = _catalog(shop)
    product = _product(shop, seller, fiction["id"], "Dune", "9.99", 5)
    ada, eve = shop.user("ada"), shop.user("eve")
    shop.client.post("/cart/items", json={"product_id": product["id"], "quantity": 1}, headers=ada)
    order = shop.client.post("/orders", json={"shipping_address": "x"}, headers=ada).json()

    theirs = shop.client.get(f"/orders/{order['id']}", headers=eve)
    missing = shop.client.get("/orders/no-such-order", headers=eve)
    assert _error(theirs, 404, "not_found")["fields"]["entity"] == "order"
    _error(missing, 404, "not_found")
    _error(shop.client.post(f"/orders/{order['id']}/cancel", headers=eve), 404, "not_found")
    assert shop.client.get("/orders", headers=eve).json()["items"] == []


def test_only_a_seller_in_the_order_advances_its_status_one_step_at_a_time(shop: Shop) -> None:
    seller, _, fiction = _catalog(shop)
    product = _product(shop, seller, fiction["id"], "Dune", "9.99", 5)
    ada, other_seller = shop.user("ada"), shop.user("olga", seller=True)
    shop.client.post("/cart/items", json={"product_id": product["id"], "quantity": 1}, headers=ada)
    order = shop.client.post("/orders", json={"shipping_address": "x"}, headers=ada).json()
    url = f"/orders/{order['id']}/status"

    _error(shop.client.post(url, json={"status": "paid"}, headers=ada), 403, "forbidden")
    _error(shop.client.post(url, json={"status": "paid"}, headers=other_seller), 404, "not_found")
    paid = shop.client.post(url, json={"status": "paid"}, headers=seller)
    assert paid.json()["status"] == "paid"
    skipped = shop.client.post(url, json={"status": "delivered"}, headers=seller)
    assert _error(skipped, 409, "invalid_transition")["fields"]["current"] == "paid"
    bad = shop.client.post(url, json={"status": "lost"}, headers=seller)
    _error(bad, 422, "validation_error")


def test_a_shopper_who_is_not_a_seller_cannot_add_products_or_categories(shop: Shop) -> None:
    _, _, fiction = _catalog(shop)
    ada = shop.user("ada")
    body = {"category_id": fiction["id"], "name": "Fake", "price": "1.00"}
    _error(shop.client.post("/products", json=body, headers=ada), 403, "forbidden")
    _error(shop.client.post("/categories", json={"name": "X"}, headers=ada), 403, "forbidden")


def test_a_seller_cannot_change_another_sellers_product(shop: Shop) -> None:
    seller, _, fiction = _catalog(shop)
    product = _product(shop, seller, fiction["id"], "Dune", "9.99", 5)
    olga = shop.user("olga", seller=True)
    url = f"/products/{product['id']}"
    _error(shop.client.patch(url, json={"name": "Mine"}, headers=olga), 403, "forbidden")
    _error(shop.client.delete(url, headers=olga), 403, "forbidden")
    _error(shop.client.post(f"{url}/stock", json={"delta": -5}, headers=olga), 403, "forbidden")
    assert shop.client.get(url).json()["stock"] == 5


def test_unknown_categories_and_a_duplicate_sibling_name_are_404_and_409(shop: Shop) -> None:
    seller, books, _ = _catalog(shop)
    _error(shop.client.get("/categories/nope"), 404, "not_found")
    _error(shop.client.get("/categories/nope/children"), 404, "not_found")
    duplicate = shop.client.post(
        "/categories", json={"name": "Fiction", "parent_id": books["id"]}, headers=seller
    )
    _error(duplicate, 409, "already_exists")


def test_money_is_never_a_float_and_timestamps_are_utc_milliseconds_with_z(shop: Shop) -> None:
    test_a_shopper_registers_browses_buys_cancels_and_the_stock_comes_back(shop)

    def walk(value: Any, key: str = "") -> None:
        assert not isinstance(value, float), f"{key} is a float"
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, k)
        elif isinstance(value, list):
            for v in value:
                walk(v, key)
        elif key.endswith("_at"):
            assert TIMESTAMP.match(value), f"{key}={value!r}"
        elif key in ("price", "total", "subtotal", "unit_price", "line_total"):
            assert re.fullmatch(r"\d+\.\d\d", value), f"{key}={value!r}"

    bodies = [r.json() for r in shop.responses if r.content]
    assert len(bodies) > 20
    for body in bodies:
        walk(body)


def test_no_response_ever_holds_a_password_or_its_hash(shop: Shop) -> None:
    test_a_shopper_registers_browses_buys_cancels_and_the_stock_comes_back(shop)
    stored = shop.repositories.users.get_by_email("ada@example.com")
    assert stored is not None and stored.password_hash.startswith("scrypt$16384$8$1$")
    for response in shop.responses:
        text = response.text
        assert "scrypt$" not in text and PASSWORD not in text
        assert "password" not in text


def test_the_openapi_document_and_the_docs_page_are_served(shop: Shop) -> None:
    spec = shop.client.get("/openapi.json").json()
    for path in ("/auth/login", "/products/search", "/orders/{order_id}/cancel", "/health"):
        assert path in spec["paths"]
    assert "HTTPBearer" in json.dumps(spec["components"]["securitySchemes"])
    docs = shop.client.get("/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()


def test_health_names_the_backend(shop: Shop) -> None:
    assert shop.client.get("/health").json() == {"status": "ok", "backend": "memory"}


def test_an_unknown_route_uses_the_same_error_shape(shop: Shop) -> None:
    _error(shop.client.get("/no/such/route"), 404, "not_found")
