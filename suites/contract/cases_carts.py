"""Contract cases for ShoppingCartRepository."""

from __future__ import annotations

from harness import Run, case


@case("carts.get", seed="small_shop")
def gets_priced_carts_and_empty_ones(run: Run) -> None:
    s = run.seeded
    run.call("carts.get", s["alice"].id)
    run.call("carts.get", s["zoe"].id)
    run.call("carts.get", "999999")


@case("carts.add_item", seed="small_shop")
def adds_lines_and_adds_to_existing_ones(run: Run) -> None:
    s = run.seeded
    run.call("carts.add_item", s["zoe"].id, s["odes"].id, 1)
    run.call("carts.add_item", s["zoe"].id, s["foundation"].id, 3)
    run.call("carts.add_item", s["zoe"].id, s["odes"].id, 2)
    run.call("carts.add_item", s["alice"].id, s["dune"].id, 1)


@case("carts.add_item", seed="small_shop")
def refuses_bad_quantities_and_unknowns(run: Run) -> None:
    s = run.seeded
    for quantity in (0, -1, 10_001, 1.5):
        run.call("carts.add_item", s["zoe"].id, s["odes"].id, quantity)
    run.call("carts.add_item", "999999", s["odes"].id, 1)
    run.call("carts.add_item", s["zoe"].id, "999999", 1)
    run.call("carts.add_item", s["zoe"].id, s["odes"].id, 10_000)
    run.call("carts.add_item", s["zoe"].id, s["odes"].id, 1)
    run.call("carts.count_items", s["zoe"].id)


@case("carts.set_quantity", seed="small_shop")
def sets_creates_and_removes_lines_keeping_position(run: Run) -> None:
    s = run.seeded
    alice = s["alice"].id
    run.call("carts.set_quantity", alice, s["dune"].id, 7)
    run.call("carts.set_quantity", alice, s["odes"].id, 1)
    run.call("carts.set_quantity", alice, s["cafe_music"].id, 0)
    run.call("carts.set_quantity", alice, s["cafe_music"].id, 0)
    run.call("carts.set_quantity", alice, s["dune"].id, -1)
    run.call("carts.set_quantity", alice, "999999", 1)


@case("carts.remove_item", seed="small_shop")
def removes_lines_and_ignores_absent_ones(run: Run) -> None:
    s = run.seeded
    alice = s["alice"].id
    run.call("carts.remove_item", alice, s["dune"].id)
    run.call("carts.remove_item", alice, s["dune"].id)
    run.call("carts.add_item", alice, s["dune"].id, 1)
    run.call("carts.remove_item", alice, "999999")
    run.call("carts.remove_item", "999999", s["dune"].id)


@case("carts.clear", seed="small_shop")
def clears_a_cart(run: Run) -> None:
    s = run.seeded
    run.call("carts.clear", s["alice"].id)
    run.call("carts.get", s["alice"].id)
    run.call("carts.clear", s["zoe"].id)
    run.call("carts.clear", "999999")


@case("carts.count_items", seed="small_shop")
def counts_units_across_lines(run: Run) -> None:
    s = run.seeded
    run.call("carts.count_items", s["alice"].id)
    run.call("carts.count_items", s["bob"].id)
    run.call("carts.count_items", "999999")
