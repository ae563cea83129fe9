"""Contract cases for OrderRepository."""

from __future__ import annotations

from harness import Run, case
from shop.domain import OrderStatus


@case("orders.place", seed="small_shop")
def places_the_cart_as_a_pending_order(run: Run) -> None:
    s = run.seeded
    order = run.call("orders.place", s["alice"].id, "1 Main St, Springfield")
    run.call("orders.get", order.id)
    run.call("carts.get", s["alice"].id)
    run.call("products.get_many", [s["dune"].id, s["cafe_music"].id])


@case("orders.place", seed="small_shop")
def takes_exactly_the_last_units(run: Run) -> None:
    s = run.seeded
    run.call("carts.add_item", s["zoe"].id, s["hyperion"].id, 1)
    run.call("carts.add_item", s["zoe"].id, s["used_dune"].id, 1)
    run.call("orders.place", s["zoe"].id, "3 Rue Café")
    run.call("products.get_many", [s["hyperion"].id, s["used_dune"].id])


@case("orders.place", seed="small_shop")
def refuses_short_stock_and_changes_nothing(run: Run) -> None:
    s = run.seeded
    zoe = s["zoe"].id
    run.call("carts.add_item", zoe, s["kind_of_blue"].id, 1)
    run.call("carts.add_item", zoe, s["foundation"].id, 1)
    run.call("carts.add_item", zoe, s["odes"].id, 1)
    run.call("orders.place", zoe, "addr")


@case("orders.place", seed="small_shop")
def refuses_empty_carts_bad_addresses_and_unknown_users(run: Run) -> None:
    s = run.seeded
    run.call("orders.place", s["zoe"].id, "addr")
    run.call("orders.place", s["alice"].id, "")
    run.call("orders.place", s["alice"].id, "x" * 1001)
    run.call("orders.place", "999999", "addr")


@case("orders.get", seed="small_shop")
def gets_orders_with_their_snapshots(run: Run) -> None:
    s = run.seeded
    run.call("orders.get", s["bob_paid"].id)
    run.call("orders.get", s["zoe_delivered"].id)
    run.call("orders.get", "999999")


@case("orders.list_by_user", seed="small_shop")
def lists_a_users_orders_newest_first(run: Run) -> None:
    s = run.seeded
    for _ in range(3):
        run.call("carts.add_item", s["bob"].id, s["kind_of_blue"].id, 1)
        run.call("orders.place", s["bob"].id, "2 High St")
    run.drain("orders.list_by_user", s["bob"].id, limit=2)
    run.call("orders.list_by_user", s["alice"].id)
    run.call("orders.list_by_user", "999999")


@case("orders.list_by_user", seed="small_shop")
def ties_fall_newest_id_first(run: Run) -> None:
    s = run.seeded
    run.freeze_clock()
    for _ in range(3):
        run.call("carts.add_item", s["alice"].id, s["kind_of_blue"].id, 1)
        run.call("orders.place", s["alice"].id, "1 Main St")
    run.freeze_clock(False)
    run.drain("orders.list_by_user", s["alice"].id, limit=1)


@case("orders.list_by_status", seed="small_shop")
def lists_orders_by_status_newest_first(run: Run) -> None:
    for status in ("pending", "paid", "shipped", "delivered", "cancelled"):
        run.drain("orders.list_by_status", status, limit=1)
    run.call("orders.list_by_status", OrderStatus.PAID, 100)
    run.call("orders.list_by_status", "lost")


@case("orders.update_status", seed="small_shop")
def walks_the_lifecycle_one_step_at_a_time(run: Run) -> None:
    order = run.seeded["bob_pending"].id
    for status in ("paid", "shipped", "delivered"):
        run.call("orders.update_status", order, status)
    run.call("orders.list_by_status", "delivered")


@case("orders.update_status", seed="small_shop")
def refuses_other_moves(run: Run) -> None:
    s = run.seeded
    run.call("orders.update_status", s["bob_pending"].id, "shipped")
    run.call("orders.update_status", s["bob_pending"].id, "cancelled")
    run.call("orders.update_status", s["bob_paid"].id, "paid")
    run.call("orders.update_status", s["bob_paid"].id, "pending")
    run.call("orders.update_status", s["zoe_delivered"].id, "shipped")
    run.call("orders.update_status", s["bob_paid"].id, "teleported")
    run.call("orders.update_status", "999999", "paid")


@case("orders.cancel", seed="small_shop")
def cancels_pending_and_paid_orders_restoring_stock(run: Run) -> None:
    s = run.seeded
    run.call("orders.cancel", s["bob_pending"].id)
    run.call("orders.cancel", s["bob_paid"].id)
    run.call("products.get_many", [s["kind_of_blue"].id, s["dune"].id, s["odes"].id])
    run.call("orders.list_by_status", "cancelled")


@case("orders.cancel", seed="small_shop")
def refuses_delivered_cancelled_and_unknown_orders(run: Run) -> None:
    s = run.seeded
    run.call("orders.cancel", s["zoe_delivered"].id)
    run.call("orders.cancel", s["bob_pending"].id)
    run.call("orders.cancel", s["bob_pending"].id)
    run.call("orders.cancel", "999999")


@case("orders.cancel", seed="small_shop")
def skips_deleted_products_when_restoring(run: Run) -> None:
    s = run.seeded
    run.call("products.delete", s["odes"].id)
    run.call("orders.cancel", s["bob_paid"].id)
    run.call("products.get", s["dune"].id)


@case("orders.update_status", "orders.cancel", seed="small_shop")
def tries_every_move_from_every_status(run: Run) -> None:
    """From each status an order reaches, every other move (and a cancel once shipped) is
    tried before the one allowed step; then everything from delivered."""
    order = run.seeded["bob_pending"]
    allowed = {"pending": "paid", "paid": "shipped", "shipped": "delivered"}
    for current, step in allowed.items():
        for status in OrderStatus:
            if status.value != step:
                run.call("orders.update_status", order.id, status)
        if current == "shipped":
            run.call("orders.cancel", order.id)
        run.call("orders.update_status", order.id, step)
    for status in OrderStatus:
        run.call("orders.update_status", order.id, status)
    run.call("orders.cancel", order.id)
    run.call("orders.list_by_status", "delivered")
