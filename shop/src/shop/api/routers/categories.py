"""The category tree: anyone browses, sellers add."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from shop.api.deps import CurrentUser, ServicesDep
from shop.api.schemas import CategoryIn, CategoryNodeOut, CategoryOut, ErrorOut

router = APIRouter(prefix="/categories", tags=["categories"])
_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorOut}}


@router.get("", response_model=list[CategoryNodeOut])
def tree(services: ServicesDep) -> list[CategoryNodeOut]:
    """The whole tree: roots sorted by name, each with its children nested."""
    return [CategoryNodeOut.of_node(node) for node in services.catalog.tree()]


@router.post(
    "",
    status_code=201,
    response_model=CategoryOut,
    responses={403: {"model": ErrorOut}, 409: {"model": ErrorOut}},
)
def create(body: CategoryIn, user: CurrentUser, services: ServicesDep) -> CategoryOut:
    """Add a category (sellers only)."""
    category = services.catalog.create_category(user, body.name, body.parent_id, body.description)
    return CategoryOut.of(category)


@router.get("/{category_id}", response_model=CategoryOut, responses=_NOT_FOUND)
def get(category_id: str, services: ServicesDep) -> CategoryOut:
    """One category."""
    return CategoryOut.of(services.catalog.category(category_id))


@router.get("/{category_id}/children", response_model=list[CategoryOut], responses=_NOT_FOUND)
def children(category_id: str, services: ServicesDep) -> list[CategoryOut]:
    """The category's direct children, sorted by name."""
    return [CategoryOut.of(c) for c in services.catalog.children(category_id)]


@router.get("/{category_id}/path", response_model=list[CategoryOut], responses=_NOT_FOUND)
def path(category_id: str, services: ServicesDep) -> list[CategoryOut]:
    """The breadcrumb trail, root first."""
    return [CategoryOut.of(c) for c in services.catalog.path(category_id)]
