"""The shop as a Parity target: the one object that plugs ``shop/`` into the harness.

Named in pytest.ini as ``parity_target = suites.target:TARGET``. docs/targets.md explains
each field for teams pointing Parity at their own repositories.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractContextManager
from typing import Any

from harness import BackendFactory, CanonicalRules, Resources, Run
from shop.domain import (
    AlreadyExists,
    Conflict,
    InsufficientStock,
    InvalidTransition,
    NotFound,
    ShopError,
    Unavailable,
    ValidationError,
)
from shop.interfaces import REPOSITORY_INTERFACES
from suites.target import backends, growth, seed, snapshot
from suites.target.programs import PROGRAM_STRATEGIES


def _error_fields(error: BaseException) -> Mapping[str, Any]:
    if isinstance(error, ValidationError):
        return {"field": error.field}  # the message is prose; the field is the contract
    if isinstance(error, ShopError):
        return error.fields()
    return {"message": str(error)}


_ID_KINDS = {
    "user_id": "user",
    "seller_id": "user",
    "product_id": "product",
    "product_ids": "product",
    "category_id": "category",
    "parent_id": "category",
    "order_id": "order",
}

RULES = CanonicalRules(
    id_kinds_by_field=_ID_KINDS,
    id_kinds_by_type={
        "User": "user",
        "Product": "product",
        "Category": "category",
        "Order": "order",
    },
    id_kinds_by_entity={
        "user": "user",
        "product": "product",
        "category": "category",
        "order": "order",
    },
    opaque_fields=frozenset({"next_cursor", "cursor"}),
    secret_fields=frozenset({"password_hash"}),
    unordered={"products.search": frozenset({"items"})},
    error_fields=_error_fields,
)

WRITE_METHODS = frozenset(
    {
        "users.create",
        "users.update",
        "users.delete",
        "categories.create",
        "categories.update",
        "categories.delete",
        "products.create",
        "products.update",
        "products.delete",
        "products.adjust_stock",
        "carts.add_item",
        "carts.set_quantity",
        "carts.remove_item",
        "carts.clear",
        "orders.place",
        "orders.update_status",
        "orders.cancel",
    }
)


class ShopTarget:
    """The shop's repositories, backends, seeds and canonicalisation rules."""

    name = "shop"
    interfaces: Mapping[str, type] = REPOSITORY_INTERFACES
    rules = RULES
    case_modules = (
        "suites.contract.cases_users",
        "suites.contract.cases_categories",
        "suites.contract.cases_products",
        "suites.contract.cases_carts",
        "suites.contract.cases_orders",
    )
    domain_errors: tuple[type[BaseException], ...] = (
        NotFound,
        AlreadyExists,
        InsufficientStock,
        InvalidTransition,
        Conflict,
        ValidationError,
    )
    write_methods = WRITE_METHODS
    infrastructure_errors: tuple[type[BaseException], ...] = (Unavailable,)
    program_strategies = PROGRAM_STRATEGIES
    """Argument strategies for generated programs (Parity derives the rest from hints)."""
    growth_sizes: tuple[int, ...] = growth.SIZES
    """The growth probe's dataset sizes (``--parity-growth``, docs/cost-growth.md)."""
    growth_probes = growth.PROBES
    """Read method -> one call of it on the grown data (suites/target/growth.py)."""

    @property
    def backends(self) -> tuple[str, ...]:
        """Backend names: the four real ones, plus ``mutant:<name>`` (DynamoDB in-process
        with one planted incompatibility, see suites/unit/mutants.py) to see the suite and
        the gate catch a known bug."""
        from suites.unit.mutants import ALL_MUTANTS

        return (*backends.BACKENDS, *(f"mutant:{m.name}" for m in ALL_MUTANTS))

    default_pairs: Mapping[str, tuple[str, str]] = {
        "unit": ("memory", "dynamodb-inprocess"),
        "integration": ("mysql", "dynamodb"),
    }

    def open_backend(
        self, name: str, resources: Resources
    ) -> AbstractContextManager[BackendFactory]:
        """Open backend ``name`` for the session."""
        return backends.open_backend(name, resources)

    def seed(self, repositories: Any, dataset: str) -> Mapping[str, Any]:
        """Load ``fixtures/seed/<dataset>.json`` through the interfaces."""
        return seed.seed(repositories, dataset)

    def snapshot(self, repositories: Any) -> Any:
        """Everything reachable through the interfaces."""
        return snapshot.everything(repositories)

    def grow(self, run: Run, size: int) -> Mapping[str, Any]:
        """``size`` users and products under a category chain growing with ``size``."""
        return growth.grow(run, size)


TARGET = ShopTarget()

__all__ = ["RULES", "TARGET", "ShopTarget"]
