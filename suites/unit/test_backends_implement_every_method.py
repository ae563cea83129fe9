"""Every backend implements every interface method, with the interface's parameters.

Checked by introspection against the Protocols (not by a hand-kept list).
"""

from __future__ import annotations

import inspect

import pytest

from shop.backends.dynamodb.carts import DynamoCartRepository
from shop.backends.dynamodb.categories import DynamoCategoryRepository
from shop.backends.dynamodb.orders import DynamoOrderRepository
from shop.backends.dynamodb.products import DynamoProductRepository
from shop.backends.dynamodb.users import DynamoUserRepository
from shop.backends.memory import (
    MemoryCartRepository,
    MemoryCategoryRepository,
    MemoryOrderRepository,
    MemoryProductRepository,
    MemoryUserRepository,
)
from shop.backends.mysql.carts import MySQLCartRepository
from shop.backends.mysql.categories import MySQLCategoryRepository
from shop.backends.mysql.orders import MySQLOrderRepository
from shop.backends.mysql.products import MySQLProductRepository
from shop.backends.mysql.users import MySQLUserRepository
from shop.interfaces import REPOSITORY_INTERFACES

pytestmark = pytest.mark.unit

BACKENDS = {
    "memory": (
        MemoryUserRepository,
        MemoryCategoryRepository,
        MemoryProductRepository,
        MemoryCartRepository,
        MemoryOrderRepository,
    ),
    "mysql": (
        MySQLUserRepository,
        MySQLCategoryRepository,
        MySQLProductRepository,
        MySQLCartRepository,
        MySQLOrderRepository,
    ),
    "dynamodb": (
        DynamoUserRepository,
        DynamoCategoryRepository,
        DynamoProductRepository,
        DynamoCartRepository,
        DynamoOrderRepository,
    ),
}


def interface_methods() -> list[tuple[str, type, str]]:
    """(attribute, Protocol, method name) for every interface method."""
    return [
        (attribute, protocol, name)
        for attribute, protocol in REPOSITORY_INTERFACES.items()
        for name, member in vars(protocol).items()
        if not name.startswith("_") and callable(member)
    ]


def _parameters(function: object) -> list[tuple[str, object]]:
    signature = inspect.signature(function)  # type: ignore[arg-type]
    return [(p.name, p.default) for p in signature.parameters.values()]


def test_the_interfaces_declare_36_methods() -> None:
    assert len(interface_methods()) == 36


@pytest.mark.parametrize("backend", sorted(BACKENDS))
def test_a_backend_implements_all_36_methods_with_the_interface_parameters(backend: str) -> None:
    classes = dict(zip(REPOSITORY_INTERFACES, BACKENDS[backend], strict=True))
    implemented = []
    for attribute, protocol, name in interface_methods():
        cls = classes[attribute]
        method = getattr(cls, name, None)
        assert method is not None, f"{backend}: {cls.__name__} lacks {name}"
        owner = next(k for k in cls.__mro__ if name in vars(k))
        assert owner is not protocol, f"{backend}: {name} comes from the Protocol, not code"
        assert _parameters(method) == _parameters(getattr(protocol, name)), (
            f"{backend}: {cls.__name__}.{name} parameters differ from the interface"
        )
        implemented.append(f"{attribute}.{name}")
    assert len(implemented) == 36
