"""The logged-in user's cart."""

from __future__ import annotations

from fastapi import APIRouter, Response

from shop.api.deps import CurrentUser, ServicesDep
from shop.api.schemas import CartItemIn, CartOut, ErrorOut, QuantityIn

router = APIRouter(prefix="/cart", tags=["cart"], responses={401: {"model": ErrorOut}})


@router.get("", response_model=CartOut)
def view(user: CurrentUser, services: ServicesDep) -> CartOut:
    """The cart at current prices."""
    return CartOut.of(services.carts.view(user))


@router.post("/items", response_model=CartOut, responses={404: {"model": ErrorOut}})
def add(body: CartItemIn, user: CurrentUser, services: ServicesDep) -> CartOut:
    """Add units of a product (added to its line if there is one); stock is checked later."""
    return CartOut.of(services.carts.add(user, body.product_id, body.quantity))


@router.put("/items/{product_id}", response_model=CartOut, responses={404: {"model": ErrorOut}})
def set_quantity(
    product_id: str, body: QuantityIn, user: CurrentUser, services: ServicesDep
) -> CartOut:
    """Set a line to exactly ``quantity``; 0 removes it."""
    return CartOut.of(services.carts.set_quantity(user, product_id, body.quantity))


@router.delete("/items/{product_id}", response_model=CartOut)
def remove(product_id: str, user: CurrentUser, services: ServicesDep) -> CartOut:
    """Remove a line (nothing happens if it is not there)."""
    return CartOut.of(services.carts.remove(user, product_id))


@router.delete("", status_code=204)
def clear(user: CurrentUser, services: ServicesDep) -> Response:
    """Empty the cart."""
    services.carts.clear(user)
    return Response(status_code=204)
