"""The repositories' own behaviour on real servers: MySQL and a DynamoDB API endpoint."""

from __future__ import annotations

import pytest

from suites.behaviour.carts import TestShoppingCartRepository
from suites.behaviour.categories import TestCategoryRepository
from suites.behaviour.orders import TestOrderRepository
from suites.behaviour.products import TestProductRepository
from suites.behaviour.users import TestUserRepository

pytestmark = [pytest.mark.integration, pytest.mark.shop_backends("mysql", "dynamodb")]

__all__ = [
    "TestCategoryRepository",
    "TestOrderRepository",
    "TestProductRepository",
    "TestShoppingCartRepository",
    "TestUserRepository",
]
