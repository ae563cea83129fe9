"""Mutants the hand-written cases miss: what generated call programs must find.

For each mutant in ``UNCAUGHT_BY_CASES`` (the DynamoDB backend, moto in-process, with one
method broken the way a migration bug would break it) this proves two things:

- it slips past the contract suite: all 74 cases MATCH the memory reference on it, even
  though cases cover the method it breaks;
- it is a real incompatibility, not a no-op: a few calls from ``small_shop`` (its
  "exposure", written once below) give a different outcome on the mutant than on the
  memory reference, and run as a case they are a mismatch blamed on the method the
  mutant names.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from typing import Any, Protocol

import pytest

from harness.contract import CaseStatus, ContractCase, registered_cases, run_case
from harness.contract.runner import SeedCache
from harness.determinism import Determinism, DeterministicClock, SequentialIds
from harness.provisioning import moto_in_process
from harness.target import Target, load_target
from shop import validation
from shop.domain import (
    CategoryChanges,
    Conflict,
    InsufficientStock,
    InvalidTransition,
    NewCategory,
    NewProduct,
    OrderStatus,
    ProductChanges,
    ShopError,
)
from shop.repository_set import RepositorySet
from suites.target.backends import MemoryFactory, dynamodb_in_process
from suites.unit.mutants import (
    ALL_MUTANTS,
    MUTANTS,
    UNCAUGHT_BY_CASES,
    Mutant,
    mutant_backend,
)

pytestmark = [pytest.mark.unit, pytest.mark.usefixtures("in_process")]

BY_NAME = {m.name: m for m in UNCAUGHT_BY_CASES}

CAUGHT_SINCE_THE_SNAPSHOT_READS_EVERY_PATH = frozenset(
    {
        "moved-product-keeps-category-index",
        "stale-name-lookup",
        "paid-straight-to-delivered",
        "cancel-after-shipping",
    }
)
"""Mutants the 74 cases missed that issue 10's work catches with cases: a moved product left
in its old category's listing now shows in the end state of every case that moves one (the
snapshot reads every entity back through each index), and two cases added with it try a
renamed category's old name and every order move from every status."""


class Caller(Protocol):
    """What an exposure drives: ``Run`` in the harness, ``_Direct`` in the demonstrations."""

    seeded: Mapping[str, Any]

    def call(self, method: str, *args: Any, **kwargs: Any) -> Any: ...


Exposure = Callable[[Caller], None]

EXPOSURES: dict[str, Exposure] = {}
"""Mutant name -> the few calls from ``small_shop`` that expose it (filled below)."""


def exposes(name: str) -> Callable[[Exposure], Exposure]:
    """Register ``function`` as the exposure of mutant ``name``."""

    def register(function: Exposure) -> Exposure:
        assert name in BY_NAME and name not in EXPOSURES, name
        EXPOSURES[name] = function
        return function

    return register


@pytest.fixture(scope="module")
def target() -> Target:
    """The shop target, as the plugin loads it."""
    return load_target("suites.target:TARGET")


@pytest.fixture
def in_process() -> Iterator[None]:
    """A moto in-process mock of its own for this test."""
    with moto_in_process():
        yield


# -- the cases all match ------------------------------------------------------------------
#
# A mutant replaces one repository class with a subclass that overrides a few functions.
# A case that never calls one of those functions on the unmodified backend runs exactly
# the same code on the mutant (every run is deterministic: ids, clock and seeded state),
# so it gives the unmodified pair's result. The unmodified run below records, per case,
# which of the overridable functions it called (seeding included) and checks every case
# matches; each mutant then runs only the cases that reach its code (the rest are proven
# to match already).

Reached = dict[str, frozenset[tuple[type, str]]]
"""Case id -> the (repository class, function) pairs its unmodified run called."""

_NOT_CODE = frozenset(
    {"__module__", "__doc__", "__qualname__", "__firstlineno__", "__static_attributes__"}
)


def overridden(mutant: Mutant) -> frozenset[tuple[type, str]] | None:
    """The (base class, function name) pairs the mutant's subclass replaces; None when it
    changes more than functions (then every case may reach it). Functions it adds that
    the base lacks are left out: only its overrides can call them."""
    cls = mutant.replacement
    if cls is None or len(cls.__bases__) != 1:
        return None
    members = {k: v for k, v in vars(cls).items() if k not in _NOT_CODE}
    if not members or not all(inspect.isfunction(v) for v in members.values()):
        return None
    base = cls.__bases__[0]
    return frozenset((base, name) for name in members if hasattr(base, name))


@pytest.fixture(scope="module")
def reached(target: Target) -> Reached:
    """Every case on the unmodified pair, recording what it called; all must match."""
    watched = set().union(*(overridden(m) or () for m in UNCAUGHT_BY_CASES))
    calls: set[tuple[type, str]] = set()

    def recording(key: tuple[type, str], original: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(original)
        def record(*args: Any, **kwargs: Any) -> Any:
            calls.add(key)
            return original(*args, **kwargs)

        return record

    out: Reached = {}
    with pytest.MonkeyPatch.context() as patch, moto_in_process():
        for base, name in watched:
            patch.setattr(base, name, recording((base, name), getattr(base, name)))
        memory = MemoryFactory()
        cases = registered_cases(target.case_modules)
        with dynamodb_in_process() as factory:
            # a dataset is seeded once and then restored from the cache, so what seeding
            # calls is recorded on its own and counts for every case that uses the dataset
            seeding: dict[str | None, frozenset[tuple[type, str]]] = {None: frozenset()}
            for dataset in sorted({c.seed for c in cases if c.seed is not None}):
                calls.clear()
                with factory.fresh(Determinism(ids=SequentialIds())) as repos:
                    target.seed(repos, dataset)
                seeding[dataset] = frozenset(calls)
            cache: SeedCache = {}
            for case in cases:
                calls.clear()
                result = run_case(case, target, ("memory", memory), ("dynamodb", factory), cache)
                assert result.status is CaseStatus.MATCH, (case.id, result.error)
                out[case.id] = frozenset(calls) | seeding[case.seed]
    return out


def test_the_recording_sees_every_overridden_function_some_case_calls(reached: Reached) -> None:
    called = set().union(*reached.values())
    for mutant in UNCAUGHT_BY_CASES:
        functions = overridden(mutant)
        assert functions is not None, f"{mutant.name}: expected a subclass overriding functions"
        assert functions & called, f"{mutant.name}: no case calls any of {sorted(functions)}"


@pytest.mark.parametrize("mutant", UNCAUGHT_BY_CASES, ids=[m.name for m in UNCAUGHT_BY_CASES])
def test_every_contract_case_matches_on_a_mutant_the_cases_do_not_catch(
    target: Target, mutant: Mutant, reached: Reached
) -> None:
    cases = registered_cases(target.case_modules)
    assert any(mutant.method in c.covers for c in cases), "no case even covers the method"
    functions = overridden(mutant)
    relevant = [c for c in cases if functions is None or functions & reached[c.id]]
    assert relevant, f"{mutant.name}: no case reaches the mutated code"
    memory = MemoryFactory()
    cache: SeedCache = {}
    with mutant_backend(mutant) as factory:
        results = [
            run_case(c, target, ("memory", memory), (f"dynamodb+{mutant.name}", factory), cache)
            for c in relevant
        ]
    print(f"{mutant.name}: {len(relevant)} of {len(cases)} cases reach the mutated code")
    caught = [
        (r.case.id, r.status.value, r.error) for r in results if r.status is not CaseStatus.MATCH
    ]
    if mutant.name in CAUGHT_SINCE_THE_SNAPSHOT_READS_EVERY_PATH:
        assert caught, f"{mutant.name}: the snapshot's read paths should catch it"
        blamed = [r.suspects for r in results if r.status is CaseStatus.MISMATCH]
        assert all(mutant.method in s for s in blamed), blamed
        return
    assert caught == [], f"the cases now catch {mutant.name}: move it to MUTANTS"


def test_the_uncaught_mutants_are_new_named_once_and_marked_as_not_caught() -> None:
    names = [m.name for m in (*MUTANTS, *UNCAUGHT_BY_CASES)]
    assert len(names) == len(set(names))
    assert len(UNCAUGHT_BY_CASES) >= 12
    assert all(not m.caught_by_cases for m in UNCAUGHT_BY_CASES)
    assert all(m.caught_by_cases for m in MUTANTS)
    assert all(m.method != "*" for m in UNCAUGHT_BY_CASES)  # each blames one method
    assert ALL_MUTANTS[: len(MUTANTS) + len(UNCAUGHT_BY_CASES)] == MUTANTS + UNCAUGHT_BY_CASES


def test_every_uncaught_mutant_has_an_exposure() -> None:
    assert set(BY_NAME) - set(EXPOSURES) == set()


@pytest.mark.parametrize("mutant", UNCAUGHT_BY_CASES, ids=[m.name for m in UNCAUGHT_BY_CASES])
def test_run_as_a_case_the_exposure_is_a_mismatch_blamed_on_the_mutated_method(
    target: Target, mutant: Mutant
) -> None:
    exposure = EXPOSURES[mutant.name]
    case = ContractCase(
        id=f"{mutant.method}:exposes-{mutant.name}",
        covers=(mutant.method,),
        seed="small_shop",
        function=exposure,  # a Run is a Caller
        source=f"{__file__}:{exposure.__code__.co_firstlineno}",
    )
    with mutant_backend(mutant) as factory:
        result = run_case(case, target, ("memory", MemoryFactory()), (mutant.name, factory), {})
    assert (result.status, result.error) == (CaseStatus.MISMATCH, None)
    assert mutant.method in result.suspects, result.suspects


# -- each bug is real: a few calls expose it ----------------------------------------------


class _Direct:
    """Drives a repository set the way ``Run`` does, keeping every call's raw outcome."""

    def __init__(self, repos: RepositorySet, seeded: Mapping[str, Any]) -> None:
        self.repos = repos
        self.seeded = seeded
        self.outcomes: list[Any] = []

    def call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        repository, _, name = method.partition(".")
        try:
            value = getattr(getattr(self.repos, repository), name)(*args, **kwargs)
        except ShopError as error:  # a documented error is an outcome like any other
            value = error
        self.outcomes.append(value)
        return value


def both(name: str) -> tuple[list[Any], list[Any]]:
    """Every call's outcome of mutant ``name``'s exposure: on memory, then on the mutant."""
    sides = []
    with mutant_backend(BY_NAME[name]) as factory:
        for backend in (MemoryFactory(), factory):
            with backend.fresh(Determinism(DeterministicClock(), SequentialIds())) as repos:
                direct = _Direct(
                    repos, load_target("suites.target:TARGET").seed(repos, "small_shop")
                )
                EXPOSURES[name](direct)
                sides.append(direct.outcomes)
    return sides[0], sides[1]


def _names(nodes: Any) -> list[str]:
    return [name for n in nodes for name in (n.category.name, *_names(n.children))]


def _product_names(page: Any) -> list[str]:
    return sorted(p.name for p in page.items)


@exposes("accent-blind-username-lookup")
def zoe_without_her_accent(run: Caller) -> None:
    run.call("users.get_by_username", "Zoe")


def test_a_username_asked_without_its_accent_finds_zoe_only_on_the_mutant() -> None:
    memory, mutant = both("accent-blind-username-lookup")
    assert memory == [None]
    assert mutant[0].username == "Zoë"


@exposes("only-open-orders-block-user-delete")
def delete_zoe_whose_order_was_delivered(run: Caller) -> None:
    run.call("users.delete", run.seeded["zoe"].id)
    run.call("users.get", run.seeded["zoe"].id)


def test_a_user_whose_only_order_was_delivered_can_be_deleted_only_on_the_mutant() -> None:
    (memory_delete, memory_zoe), mutant = both("only-open-orders-block-user-delete")
    assert isinstance(memory_delete, Conflict) and memory_delete.reason == "user has orders"
    assert memory_zoe.username == "Zoë"
    assert mutant == [None, None]


@exposes("stale-name-lookup")
def look_up_books_rename_it_look_again(run: Caller) -> None:
    run.call("categories.get_by_name", "Books")
    run.call("categories.update", run.seeded["books"].id, CategoryChanges(name="Literature"))
    run.call("categories.get_by_name", "Books")


def test_a_renamed_category_is_still_found_by_its_old_name_on_the_mutant() -> None:
    memory, mutant = both("stale-name-lookup")
    assert memory[-1] is None
    assert mutant[-1].name == "Books"


@exposes("three-level-tree")
def a_category_four_levels_deep(run: Caller) -> None:
    run.call("categories.create", NewCategory("Space opera", run.seeded["scifi"].id))
    run.call("categories.tree")


def test_a_fourth_level_category_is_missing_from_the_tree_on_the_mutant() -> None:
    memory, mutant = both("three-level-tree")
    assert "Space opera" in _names(memory[-1])
    assert [n for n in _names(memory[-1]) if n != "Space opera"] == _names(mutant[-1])


@exposes("casefolded-search-text")
def search_for_eszett(run: Caller) -> None:
    s = run.seeded
    made = NewProduct(s["sue"].id, s["books"].id, "Straße der Bücher", Decimal("5.00"))
    run.call("products.create", made)
    run.call("products.search", "ß")


def test_searching_for_eszett_finds_strasse_only_on_the_reference() -> None:
    memory, mutant = both("casefolded-search-text")
    assert _product_names(memory[-1]) == ["Straße der Bücher"]
    assert _product_names(mutant[-1]) == []


@exposes("subtree-search")
def search_a_parent_category(run: Caller) -> None:
    run.call("products.search", "e", category_id=run.seeded["books"].id)


def test_searching_a_parent_category_finds_its_subcategories_products_on_the_mutant() -> None:
    memory, mutant = both("subtree-search")
    assert _product_names(memory[0]) == []  # nothing is directly in Books
    assert "Dune" in _product_names(mutant[0])


@exposes("moved-product-keeps-category-index")
def move_dune_then_list_both_categories(run: Caller) -> None:
    s = run.seeded
    run.call("products.update", s["dune"].id, ProductChanges(category_id=s["fiction"].id))
    run.call("products.list_by_category", s["fiction"].id)
    run.call("products.list_by_category", s["scifi"].id)


def test_a_moved_product_stays_listed_under_its_old_category_on_the_mutant() -> None:
    memory, mutant = both("moved-product-keeps-category-index")
    assert memory[0] == mutant[0]  # the update itself returns the moved product
    assert [_product_names(p) for p in memory[1:]] == [["Dune"], ["Foundation", "Hyperion"]]
    assert [_product_names(p) for p in mutant[1:]] == [[], ["Dune", "Foundation", "Hyperion"]]


@exposes("cleared-description-still-searched")
def clear_dunes_description_then_search_it(run: Caller) -> None:
    run.call("products.update", run.seeded["dune"].id, ProductChanges(description=None))
    run.call("products.search", "sandworms")


def test_a_cleared_description_is_still_searched_on_the_mutant() -> None:
    memory, mutant = both("cleared-description-still-searched")
    assert _product_names(memory[-1]) == []
    assert _product_names(mutant[-1]) == ["Dune"]


@exposes("full-page-keeps-seller-cursor")
def list_sams_three_products_three_per_page(run: Caller) -> None:
    page = run.call("products.list_by_seller", run.seeded["sam"].id, 3)
    if page.next_cursor is not None:
        run.call("products.list_by_seller", run.seeded["sam"].id, 3, page.next_cursor)


def test_an_exactly_full_last_page_of_a_seller_has_a_cursor_on_the_mutant() -> None:
    memory, mutant = both("full-page-keeps-seller-cursor")
    assert [(len(p.items), p.next_cursor is None) for p in memory] == [(3, True)]
    assert [(len(p.items), p.next_cursor is None) for p in mutant] == [(3, False), (0, True)]


@exposes("get-many-fetches-only-25")
def ask_for_dune_after_25_unknown_ids(run: Caller) -> None:
    run.call("products.get_many", [f"unknown-{n}" for n in range(25)] + [run.seeded["dune"].id])


def test_a_product_asked_for_after_25_other_ids_is_skipped_on_the_mutant() -> None:
    memory, mutant = both("get-many-fetches-only-25")
    assert [[p.name for p in memory[0]]] == [["Dune"]]
    assert mutant == [[]]


@exposes("stock-ceiling-off-by-one")
def fill_dunes_stock_to_the_maximum(run: Caller) -> None:
    dune = run.call("products.get", run.seeded["dune"].id)
    run.call("products.adjust_stock", dune.id, validation.MAX_STOCK - dune.stock)


def test_stock_cannot_reach_exactly_its_maximum_on_the_mutant() -> None:
    memory, mutant = both("stock-ceiling-off-by-one")
    assert memory[-1] == validation.MAX_STOCK == 2_147_483_647
    assert isinstance(mutant[-1], Conflict)


@exposes("add-item-ceiling-off-by-one")
def fill_a_cart_line_to_10000_units(run: Caller) -> None:
    s = run.seeded
    run.call("carts.add_item", s["zoe"].id, s["odes"].id, 1)
    run.call("carts.add_item", s["zoe"].id, s["odes"].id, 9_999)


def test_adding_to_a_line_so_it_holds_exactly_10000_units_fails_on_the_mutant() -> None:
    memory, mutant = both("add-item-ceiling-off-by-one")
    assert memory[-1].total_quantity == validation.MAX_QUANTITY == 10_000
    assert isinstance(mutant[-1], Conflict)


@exposes("short-stock-reported-in-id-order")
def place_a_cart_with_two_short_lines(run: Caller) -> None:
    s = run.seeded
    run.call("carts.add_item", s["zoe"].id, s["hyperion"].id, 3)  # stock 2
    run.call("carts.add_item", s["zoe"].id, s["foundation"].id, 1)  # stock 0, a lower id
    run.call("orders.place", s["zoe"].id, "3 Rue Café")


def test_the_first_short_line_in_cart_order_is_named_only_on_the_reference() -> None:
    memory, mutant = both("short-stock-reported-in-id-order")
    assert isinstance(memory[-1], InsufficientStock) and isinstance(mutant[-1], InsufficientStock)
    assert (memory[-1].requested, mutant[-1].requested) == (3, 1)  # Hyperion's 3, Foundation's 1


@exposes("paid-straight-to-delivered")
def deliver_a_paid_order(run: Caller) -> None:
    run.call("orders.update_status", run.seeded["bob_paid"].id, "delivered")


def test_a_paid_order_cannot_skip_shipping_except_on_the_mutant() -> None:
    memory, mutant = both("paid-straight-to-delivered")
    assert isinstance(memory[0], InvalidTransition)
    assert (memory[0].current, memory[0].requested) == ("paid", "delivered")
    assert mutant[0].status is OrderStatus.DELIVERED


@exposes("cancel-after-shipping")
def ship_then_cancel_an_order(run: Caller) -> None:
    run.call("orders.update_status", run.seeded["bob_paid"].id, "shipped")
    run.call("orders.cancel", run.seeded["bob_paid"].id)


def test_a_shipped_order_cannot_be_cancelled_except_on_the_mutant() -> None:
    memory, mutant = both("cancel-after-shipping")
    assert isinstance(memory[-1], InvalidTransition)
    assert (memory[-1].current, memory[-1].requested) == ("shipped", "cancelled")
    assert mutant[-1].status is OrderStatus.CANCELLED
