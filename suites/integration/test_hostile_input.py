"""Hostile and malformed input: the same classified outcome on MySQL and on DynamoDB.

The corpus (fixtures/hostile/corpus.json, explained in docs/hostile-input.md) holds inputs
per parameter kind. Each test opens BOTH backends, seeds one small fixed state on each, and
calls every method that takes that kind with every input, on both. Each outcome is
classified: ("value", canonical form) or ("error", type, field / identifying fields); a
non-domain exception (a driver error escaping) is its own class and always a failure.

Asserted per (input, method): same class on both backends; ``ValidationError`` naming the
field wherever the documented rules refuse the input; no non-domain exception; and, for
refused calls and reads, every table's raw contents unchanged (``factory.save()``: rows,
items and id counters). A backend is reset (emptied and re-seeded) only after a call wrote.
Every difference is collected and reported together, so one run shows them all.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from harness.canonical import Canonicaliser
from harness.determinism import Determinism, SequentialIds
from harness.session import SESSION_KEY
from shop.clock import TickingClock
from shop.domain import NewCategory, NewProduct, NewUser, Profile, ShopError
from suites.target import RULES, TARGET
from suites.target.snapshot import everything

pytestmark = pytest.mark.integration

CORPUS_PATH = Path(__file__).resolve().parents[2] / "fixtures" / "hostile" / "corpus.json"
CORPUS: dict[str, list[dict[str, Any]]] = json.loads(CORPUS_PATH.read_text(encoding="utf-8"))
BACKENDS = ("mysql", "dynamodb")
MAX_STOCK = 2_147_483_647
MAX_PRICE = Decimal("99999999.99")
STATS: dict[str, float] = {"calls": 0, "resets": 0}


# ---------------------------------------------------------------- corpus decoding


def build(entry: dict[str, Any]) -> Any:
    """The Python value an entry stands for (refs and recipes are resolved per backend)."""
    if "value" in entry:
        return entry["value"]
    if "build" in entry:
        return entry["build"]["repeat"] * entry["build"]["count"]
    typed = entry["typed"]
    ((kind, raw),) = typed.items()
    return {
        "int": lambda: int(raw),
        "float": lambda: float(raw),
        "decimal": lambda: Decimal(raw),
        "bool": lambda: bool(raw),
        "none": lambda: None,
        "str": lambda: raw,
        "bytes": lambda: base64.b64decode(raw),
        "list": lambda: list(raw),
        "dict": lambda: {"cursor": "x"},
    }[kind]()


# ---------------------------------------------------------------- the documented rules


def text_ok(v: Any, max_length: int, *, outer: bool = False) -> bool:
    if not isinstance(v, str) or not v.strip() or len(v) > max_length or "\x00" in v:
        return False
    try:
        v.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return not outer or v == v.strip()


def email_ok(v: Any) -> bool:
    if not text_ok(v, 254, outer=True):
        return False
    local, _, domain = v.partition("@")
    return bool(local and domain) and "@" not in domain and not any(c.isspace() for c in v)


def id_ok(v: Any) -> bool:
    return (
        isinstance(v, str)
        and 0 < len(v) <= 64
        and all(ord(c) >= 32 for c in v)
        and not any(0xD800 <= ord(c) <= 0xDFFF for c in v)  # lone surrogates: not encodable
    )


def int_ok(v: Any, lo: int, hi: int) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and lo <= v <= hi


def money_ok(v: Any, minimum: Decimal) -> bool:
    if isinstance(v, bool) or not isinstance(v, Decimal | int):
        return False
    d = Decimal(v)
    return (
        d.is_finite() and (d * 100) == (d * 100).to_integral_value() and minimum <= d <= MAX_PRICE
    )


# ---------------------------------------------------------------- seeded state


@dataclass
class Seed:
    seller: Any
    buyer: Any
    category: Any
    product_a: Any
    product_b: Any
    orders: list[Any]


def seed(repos: Any) -> Seed:
    """A fixed small state: names are constants so both backends hold the same data."""
    seller = repos.users.create(
        NewUser("seller@example.com", "seller", "hash-s", Profile(first_name="Sel"), True)
    )
    buyer = repos.users.create(NewUser("buyer@example.com", "buyer", "hash-b", Profile(), False))
    category = repos.categories.create(NewCategory("Root"))
    a = repos.products.create(
        NewProduct(seller.id, category.id, "Thing one", Decimal("10.00"), 50, "A fine thing")
    )
    b = repos.products.create(NewProduct(seller.id, category.id, "Thing two", Decimal("2.50"), 5))
    orders = []
    for address in ("1 Road", "2 Road"):
        repos.carts.add_item(buyer.id, a.id, 1)
        orders.append(repos.orders.place(buyer.id, address))
    repos.carts.add_item(buyer.id, b.id, 1)  # a cart ready for orders.place
    return Seed(seller, buyer, category, a, b, orders)


class Side:
    """One backend: its factory, an open repository set holding the seed, its raw tables."""

    def __init__(self, name: str, request: pytest.FixtureRequest) -> None:
        self.name = name
        self.factory = request.config.stash[SESSION_KEY].factory(name, request)
        self.stack = ExitStack()
        self.open()

    def open(self) -> None:
        """Seed once; later resets restore the saved tables (and clock and id positions)."""
        self.stack = ExitStack()
        saved = getattr(self, "saved", None)
        if saved is None:
            clock, ids = TickingClock(), SequentialIds()
            self.repos = self.stack.enter_context(self.factory.fresh(Determinism(clock, ids)))
            self.seed = seed(self.repos)
            self.tables = self.factory.save()
            self.saved = (self.tables, clock.now(), ids.issued)
            return
        tables, now, issued = saved
        determinism = Determinism(TickingClock(start=now), SequentialIds(issued))
        self.repos = self.stack.enter_context(self.factory.fresh(determinism, restore=tables))
        self.tables = tables

    def reset(self) -> None:
        STATS["resets"] += 1
        self.stack.close()
        self.open()

    def close(self) -> None:
        self.stack.close()


# ---------------------------------------------------------------- classification


def classify(side: Side, method: str, value: Any, coarse: bool) -> tuple[Any, ...]:
    canon = Canonicaliser(RULES)
    s = side.seed
    canon.value([s.seller, s.buyer, s.category, s.product_a, s.product_b, *s.orders])
    if isinstance(value, BaseException):
        if not isinstance(value, TARGET.domain_errors):
            kind = "non-domain" if not isinstance(value, ShopError) else "non-contract"
            return (kind, f"{type(value).__module__}.{type(value).__name__}", str(value)[:300])
        if type(value).__name__ == "ValidationError":
            return ("error", "ValidationError", value.field)  # type: ignore[attr-defined]
        return ("error", type(value).__name__, canon.value(value))
    if coarse:  # an order the interface leaves unspecified (search pages after the first)
        return ("value", type(value).__name__)
    unordered = RULES.unordered.get(method, frozenset())
    return ("value", json.dumps(canon.value(value, unordered=unordered), sort_keys=True))


@dataclass(frozen=True)
class Method:
    name: str
    call: Callable[[Any, Seed, Any], Any]
    field: str
    ok: Callable[[Any], bool]
    writes: bool = False
    coarse: bool = False


class Run:
    """Runs (input, method) on both backends and collects every difference found."""

    def __init__(self, request: pytest.FixtureRequest) -> None:
        self.sides = [Side(name, request) for name in BACKENDS]
        self.problems: list[str] = []
        self.before = [everything(side.repos) for side in self.sides]
        self.unverified: dict[str, list[str]] = {side.name: [] for side in self.sides}

    def verify_state(self, kind: str, entry: dict[str, Any]) -> None:
        """Refused calls and reads since the last check must have written nothing: compare
        every table's raw contents with the seed's (once per corpus entry, not per call)."""
        for side in self.sides:
            calls = self.unverified[side.name]
            if calls and side.factory.save() != side.tables:
                self.problems.append(
                    f"{kind}/{entry['name']} on {side.name}: state changed by one of these "
                    f"refused or read calls: {'; '.join(calls)}"
                )
                side.reset()
            calls.clear()

    def check(self, kind: str, entry: dict[str, Any], method: Method, values: list[Any]) -> None:
        outcomes = []
        for side, value in zip(self.sides, values, strict=True):
            STATS["calls"] += 1
            try:
                result: Any = method.call(side.repos, side.seed, value)
            except Exception as error:
                result = error
            outcome = classify(side, method.name, result, method.coarse)
            outcomes.append(outcome)
            refused = outcome[0] != "value"
            if method.writes and not refused:
                side.reset()  # a write that was allowed: back to the seed for the next call
            else:
                self.unverified[side.name].append(
                    f"{method.name} ({'refused' if refused else 'read'}: {outcome[:2]})"
                )
        label = f"{kind}/{entry['name']} {method.name}"
        for side, outcome in zip(self.sides, outcomes, strict=True):
            if outcome[0] in {"non-domain", "non-contract"}:
                self.problems.append(
                    f"{label} on {side.name}: {outcome[0]} exception {outcome[1:]}"
                )
        if outcomes[0] != outcomes[1]:
            self.problems.append(
                f"{label}: backends differ: {BACKENDS[0]}={_show(outcomes[0])} "
                f"{BACKENDS[1]}={_show(outcomes[1])}"
            )
        expect_refusal = entry.get("expect_refusal")
        refuse = (not method.ok(values[0])) if expect_refusal is None else expect_refusal
        for side, outcome in zip(self.sides, outcomes, strict=True):
            got_field_refusal = outcome == ("error", "ValidationError", method.field)
            if refuse and not got_field_refusal:
                self.problems.append(
                    f"{label} on {side.name}: expected ValidationError(field={method.field!r}), "
                    f"got {_show(outcome)}"
                )
            if not refuse and got_field_refusal:
                self.problems.append(f"{label} on {side.name}: refused a valid {method.field}")

    def finish(self) -> None:
        for side, before in zip(self.sides, self.before, strict=True):
            if everything(side.repos) != before:
                self.problems.append(f"{side.name}: everything(repos) differs from the seed")
            side.close()
        assert not self.problems, "\n".join(self.problems)


def _show(outcome: tuple[Any, ...]) -> str:
    text = repr(outcome)
    return text if len(text) <= 400 else text[:397] + "..."


@pytest.fixture
def run(request: pytest.FixtureRequest) -> Any:
    r = Run(request)
    yield r
    for side in r.sides:
        side.stack.close()


# ---------------------------------------------------------------- methods per kind

_NEW = {
    "email": "new@example.com",
    "username": "newbie",
    "password_hash": "h",
    "profile": Profile(),
    "is_seller": False,
}


def _new_product(s: Seed, **changes: Any) -> NewProduct:
    base = NewProduct(s.seller.id, s.category.id, "Gadget", Decimal("1.00"), 1)
    return replace(base, **changes)


STRING_METHODS = [
    Method(
        "users.create",
        lambda r, s, v: r.users.create(NewUser(**{**_NEW, "email": v})),
        "email",
        email_ok,
        writes=True,
    ),
    Method(
        "users.create",
        lambda r, s, v: r.users.create(NewUser(**{**_NEW, "username": v})),
        "username",
        lambda v: text_ok(v, 64, outer=True),
        writes=True,
    ),
    Method(
        "users.get_by_email",
        lambda r, s, v: r.users.get_by_email(v),
        "email",
        lambda v: text_ok(v, 254),
    ),
    Method(
        "users.get_by_username",
        lambda r, s, v: r.users.get_by_username(v),
        "username",
        lambda v: text_ok(v, 64),
    ),
    Method(
        "categories.create",
        lambda r, s, v: r.categories.create(NewCategory(v, s.category.id)),
        "name",
        lambda v: text_ok(v, 200, outer=True),
        writes=True,
    ),
    Method(
        "categories.get_by_name",
        lambda r, s, v: r.categories.get_by_name(v),
        "name",
        lambda v: text_ok(v, 200),
    ),
    Method(
        "products.create",
        lambda r, s, v: r.products.create(_new_product(s, name=v)),
        "name",
        lambda v: text_ok(v, 200),
        writes=True,
    ),
    Method(
        "products.search", lambda r, s, v: r.products.search(v), "text", lambda v: text_ok(v, 100)
    ),
    Method(
        "orders.place",
        lambda r, s, v: r.orders.place(s.buyer.id, v),
        "shipping_address",
        lambda v: text_ok(v, 1000),
        writes=True,
    ),
]

NUMBER_METHODS = [
    Method(
        "products.adjust_stock",
        lambda r, s, v: r.products.adjust_stock(s.product_b.id, v),
        "delta",
        lambda v: int_ok(v, -MAX_STOCK, MAX_STOCK),
        writes=True,
    ),
    Method(
        "carts.add_item",
        lambda r, s, v: r.carts.add_item(s.buyer.id, s.product_a.id, v),
        "quantity",
        lambda v: int_ok(v, 1, 10_000),
        writes=True,
    ),
    Method(
        "products.create",
        lambda r, s, v: r.products.create(_new_product(s, price=v)),
        "price",
        lambda v: money_ok(v, Decimal("0.01")),
        writes=True,
    ),
    Method(
        "products.create",
        lambda r, s, v: r.products.create(_new_product(s, stock=v)),
        "stock",
        lambda v: int_ok(v, 0, MAX_STOCK),
        writes=True,
    ),
    Method(
        "products.search",
        lambda r, s, v: r.products.search("thing", min_price=v),
        "min_price",
        lambda v: v is None or money_ok(v, Decimal("0")),
    ),
]

LIMIT_METHODS = [
    Method("users.list", lambda r, s, v: r.users.list(v), "limit", lambda v: int_ok(v, 1, 100)),
    Method(
        "products.list_by_category",
        lambda r, s, v: r.products.list_by_category(s.category.id, v),
        "limit",
        lambda v: int_ok(v, 1, 100),
    ),
    Method(
        "products.search",
        lambda r, s, v: r.products.search("thing", limit=v),
        "limit",
        lambda v: int_ok(v, 1, 100),
        coarse=True,
    ),
    Method(
        "orders.list_by_status",
        lambda r, s, v: r.orders.list_by_status("pending", v),
        "limit",
        lambda v: int_ok(v, 1, 100),
    ),
]

ID_METHODS = [
    Method("users.get", lambda r, s, v: r.users.get(v), "user_id", id_ok),
    Method("products.get", lambda r, s, v: r.products.get(v), "product_id", id_ok),
    Method(
        "products.get_many",
        lambda r, s, v: r.products.get_many([s.product_a.id, v]),
        "product_ids",
        id_ok,
    ),
    Method(
        "products.list_by_category",
        lambda r, s, v: r.products.list_by_category(v),
        "category_id",
        id_ok,
    ),
    Method(
        "products.adjust_stock",
        lambda r, s, v: r.products.adjust_stock(v, 1),
        "product_id",
        id_ok,
        writes=True,
    ),
    Method(
        "carts.add_item",
        lambda r, s, v: r.carts.add_item(v, s.product_a.id, 1),
        "user_id",
        id_ok,
        writes=True,
    ),
    Method(
        "carts.add_item",
        lambda r, s, v: r.carts.add_item(s.buyer.id, v, 1),
        "product_id",
        id_ok,
        writes=True,
    ),
    Method(
        "categories.get_by_name",
        lambda r, s, v: r.categories.get_by_name("Root", v),
        "parent_id",
        lambda v: v is None or id_ok(v),
    ),
    Method("orders.list_by_user", lambda r, s, v: r.orders.list_by_user(v), "user_id", id_ok),
]

LISTINGS: dict[str, Callable[[Any, Seed, Any], Any]] = {
    "users.list": lambda r, s, c: r.users.list(1, c),
    "products.list_by_category": lambda r, s, c: r.products.list_by_category(s.category.id, 1, c),
    "products.search": lambda r, s, c: r.products.search("thing", limit=1, cursor=c),
    "orders.list_by_status": lambda r, s, c: r.orders.list_by_status("pending", 1, c),
}
OTHER_ARGUMENTS: dict[str, Callable[[Any, Seed], Any]] = {
    "users.list": lambda r, s: r.products.list_by_seller(s.seller.id, 1),
    "products.list_by_category": lambda r, s: r.products.list_by_seller(s.seller.id, 1),
    "products.search": lambda r, s: r.products.search("thin", limit=1),
    "orders.list_by_status": lambda r, s: r.orders.list_by_user(s.buyer.id, 1),
}


def _first_cursor(page: Any) -> str:
    assert page.next_cursor, "the seed must give every listing a second page"
    return page.next_cursor


def cursor_for(entry: dict[str, Any], listing: str, side: Side) -> Any:
    if "recipe" not in entry:
        return build(entry)
    r, s = side.repos, side.seed
    recipe = entry["recipe"]
    if recipe == "other-listing":
        names = list(LISTINGS)
        other = names[(names.index(listing) + 1) % len(names)]
        return _first_cursor(LISTINGS[other](r, s, None))
    if recipe == "other-arguments":
        return _first_cursor(OTHER_ARGUMENTS[listing](r, s))
    real = _first_cursor(LISTINGS[listing](r, s, None))
    body, _, sig = real.partition(".")
    if recipe == "real":
        return real
    if recipe == "flip":
        at = entry["at"] % len(real)
        if real[at] == ".":
            at -= 1
        return real[:at] + ("B" if real[at] != "B" else "C") + real[at + 1 :]
    if recipe == "truncate":
        return real[:-1]
    if recipe == "append":
        return real + entry["text"] * entry.get("count", 1)
    if recipe == "body-only":
        return body
    if recipe == "swap":
        return f"{sig}.{body}"
    if recipe == "double":
        return real + real
    raise AssertionError(f"unknown cursor recipe {recipe!r}")


def id_for(entry: dict[str, Any], side: Side) -> Any:
    if "ref" not in entry:
        return build(entry)
    entity = {"product": side.seed.product_a, "seller": side.seed.seller}[entry["ref"]]
    return entry.get("prefix", "") + entity.id + entry.get("suffix", "")


# ---------------------------------------------------------------- the tests


def _drive(run: Run, kind: str, methods: list[Method], value_for: Callable[..., Any]) -> None:
    started = time.perf_counter()
    for entry in CORPUS[kind]:
        for method in methods:
            values = [value_for(entry, method, side) for side in run.sides]
            run.check(kind, entry, method, values)
        run.verify_state(kind, entry)
    STATS[f"{kind} seconds"] = time.perf_counter() - started
    run.finish()


def test_string_inputs(run: Run) -> None:
    _drive(run, "string", STRING_METHODS, lambda e, m, side: build(e))


def test_number_inputs(run: Run) -> None:
    _drive(run, "number", NUMBER_METHODS, lambda e, m, side: build(e))


def test_limit_inputs(run: Run) -> None:
    _drive(run, "limit", LIMIT_METHODS, lambda e, m, side: build(e))


def test_id_inputs(run: Run) -> None:
    # MySQL numbers each table from 1, so a real product id may name a user there: real
    # ids are only passed where a product id is expected.
    for entry in CORPUS["id"]:
        for method in ID_METHODS:
            if "ref" in entry and not method.field.startswith("product"):
                continue
            run.check("id", entry, method, [id_for(entry, side) for side in run.sides])
    run.finish()


def test_cursor_inputs(run: Run) -> None:
    methods = [
        Method(name, call, "cursor", lambda v: False, coarse=name == "products.search")
        for name, call in LISTINGS.items()
    ]
    for entry in CORPUS["cursor"]:
        real = entry.get("recipe") == "real"
        for method in methods:
            values = [cursor_for(entry, method.name, side) for side in run.sides]
            run.check("cursor", {**entry, "expect_refusal": not real}, method, values)
    run.finish()


def test_corpus_is_big_enough() -> None:
    for kind in ("string", "number", "id", "cursor", "limit"):
        assert len(CORPUS[kind]) >= 30, kind
        names = [e["name"] for e in CORPUS[kind]]
        assert len(names) == len(set(names)), f"{kind}: duplicate names"
