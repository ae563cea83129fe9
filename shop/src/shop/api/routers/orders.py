"""Checkout and the logged-in user's orders."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from shop.api.deps import CurrentUser, ServicesDep
from shop.api.schemas import CheckoutIn, ErrorOut, OrderOut, OrderPage, StatusIn

router = APIRouter(prefix="/orders", tags=["orders"], responses={401: {"model": ErrorOut}})
_FOUND_ERRORS: dict[int | str, dict[str, object]] = {
    404: {"model": ErrorOut},
    409: {"model": ErrorOut},
}


@router.post("", status_code=201, response_model=OrderOut, responses=_FOUND_ERRORS)
def checkout(body: CheckoutIn, user: CurrentUser, services: ServicesDep) -> OrderOut:
    """Turn the cart into a pending order: stock is checked and taken, the cart emptied.

    An empty cart gives 422 (field ``cart``); a line short of stock gives 409
    ``insufficient_stock`` naming the product, and nothing changes.
    """
    return OrderOut.of(services.orders.place(user, body.shipping_address))


@router.get("", response_model=OrderPage)
def list_orders(
    user: CurrentUser,
    services: ServicesDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=4096)] = None,
) -> OrderPage:
    """One page of the user's orders, newest first."""
    page = services.orders.mine(user, limit, cursor)
    return OrderPage(items=[OrderOut.of(o) for o in page.items], next_cursor=page.next_cursor)


@router.get("/{order_id}", response_model=OrderOut, responses={404: {"model": ErrorOut}})
def get(order_id: str, user: CurrentUser, services: ServicesDep) -> OrderOut:
    """One of the user's orders (anyone else's is 404, as if it did not exist)."""
    return OrderOut.of(services.orders.get(user, order_id))


@router.post("/{order_id}/cancel", response_model=OrderOut, responses=_FOUND_ERRORS)
def cancel(order_id: str, user: CurrentUser, services: ServicesDep) -> OrderOut:
    """Cancel a pending or paid order of the user's; its stock is restored."""
    return OrderOut.of(services.orders.cancel(user, order_id))


@router.post(
    "/{order_id}/status",
    response_model=OrderOut,
    responses={**_FOUND_ERRORS, 403: {"model": ErrorOut}},
)
def update_status(
    order_id: str, body: StatusIn, user: CurrentUser, services: ServicesDep
) -> OrderOut:
    """Move the order one step (pending -> paid -> shipped -> delivered).

    Only a seller of a product in the order may; the order's own shopper gets 403,
    anyone else 404.
    """
    return OrderOut.of(services.orders.update_status(user, order_id, body.status))
