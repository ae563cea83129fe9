"""Products: anyone browses and searches; a seller adds, and changes only their own."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from shop.api.deps import CurrentUser, ServicesDep
from shop.api.schemas import (
    MONEY_PATTERN,
    ErrorOut,
    ProductIn,
    ProductOut,
    ProductPage,
    ProductPatch,
    StockIn,
    StockOut,
)
from shop.domain import Page, Product, ProductChanges, ValidationError

router = APIRouter(prefix="/products", tags=["products"])

Limit = Annotated[int, Query(ge=1, le=100, description="page size, 1-100")]
Cursor = Annotated[
    str | None, Query(max_length=4096, description="next_cursor of the previous page")
]
PriceBound = Annotated[str | None, Query(pattern=MONEY_PATTERN, examples=["9.99"])]
_OWNER_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut},
    403: {"model": ErrorOut},
    404: {"model": ErrorOut},
}
_REQUIRED_IN_PATCH = ("category_id", "name", "price")


def _page(page: Page[Product]) -> ProductPage:
    return ProductPage(items=[ProductOut.of(p) for p in page.items], next_cursor=page.next_cursor)


@router.get("", response_model=ProductPage, responses={422: {"model": ErrorOut}})
def list_products(
    services: ServicesDep,
    category_id: str | None = None,
    seller_id: str | None = None,
    limit: Limit = 20,
    cursor: Cursor = None,
) -> ProductPage:
    """One page of a category's or a seller's products (give exactly one), oldest first."""
    if category_id is not None and seller_id is None:
        return _page(services.catalog.by_category(category_id, limit, cursor))
    if seller_id is not None and category_id is None:
        return _page(services.catalog.by_seller(seller_id, limit, cursor))
    field = "category_id" if category_id is None else "seller_id"
    raise ValidationError(field, "expected exactly one of category_id or seller_id")


@router.get("/search", response_model=ProductPage, responses={422: {"model": ErrorOut}})
def search(
    services: ServicesDep,
    q: Annotated[str, Query(min_length=1, max_length=100, description="text to find")],
    category_id: str | None = None,
    min_price: PriceBound = None,
    max_price: PriceBound = None,
    in_stock: bool = False,
    limit: Limit = 20,
    cursor: Cursor = None,
) -> ProductPage:
    """Products whose name or description contains ``q`` (case-insensitive), filtered.

    A page may hold fewer than ``limit`` items while ``next_cursor`` is set.
    """
    page = services.catalog.search(
        q,
        category_id=category_id,
        min_price=None if min_price is None else Decimal(min_price),
        max_price=None if max_price is None else Decimal(max_price),
        in_stock_only=in_stock,
        limit=limit,
        cursor=cursor,
    )
    return _page(page)


@router.get("/{product_id}", response_model=ProductOut, responses={404: {"model": ErrorOut}})
def get(product_id: str, services: ServicesDep) -> ProductOut:
    """One product."""
    return ProductOut.of(services.catalog.product(product_id))


@router.post(
    "",
    status_code=201,
    response_model=ProductOut,
    responses={401: {"model": ErrorOut}, 403: {"model": ErrorOut}, 404: {"model": ErrorOut}},
)
def create(body: ProductIn, user: CurrentUser, services: ServicesDep) -> ProductOut:
    """Add a product sold by the logged-in seller."""
    product = services.catalog.create_product(
        user,
        category_id=body.category_id,
        name=body.name,
        price=Decimal(body.price),
        stock=body.stock,
        description=body.description,
        image_url=body.image_url,
    )
    return ProductOut.of(product)


@router.patch("/{product_id}", response_model=ProductOut, responses=_OWNER_ERRORS)
def update(
    product_id: str, body: ProductPatch, user: CurrentUser, services: ServicesDep
) -> ProductOut:
    """Change the fields present in the body (the product's seller only)."""
    given = body.model_fields_set
    values: dict[str, Any] = {}
    for name in sorted(given):
        value = getattr(body, name)
        if value is None and name in _REQUIRED_IN_PATCH:
            raise ValidationError(name, "expected a value, got null")
        values[name] = Decimal(value) if name == "price" else value
    product = services.catalog.update_product(user, product_id, ProductChanges(**values))
    return ProductOut.of(product)


@router.delete("/{product_id}", status_code=204, responses=_OWNER_ERRORS)
def delete(product_id: str, user: CurrentUser, services: ServicesDep) -> Response:
    """Remove the product (the product's seller only); orders keep their snapshots."""
    services.catalog.delete_product(user, product_id)
    return Response(status_code=204)


@router.post("/{product_id}/stock", response_model=StockOut, responses=_OWNER_ERRORS)
def adjust_stock(
    product_id: str, body: StockIn, user: CurrentUser, services: ServicesDep
) -> StockOut:
    """Add ``delta`` (may be negative) to the stock (the product's seller only)."""
    stock = services.catalog.adjust_stock(user, product_id, body.delta)
    return StockOut(product_id=product_id, stock=stock)
