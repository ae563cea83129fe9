"""The repositories' own behaviour on the unit tier: memory and DynamoDB on moto in-process."""

from __future__ import annotations

import pytest

from suites.behaviour.carts import TestShoppingCartRepository
from suites.behaviour.categories import TestCategoryRepository
from suites.behaviour.orders import TestOrderRepository
from suites.behaviour.products import TestProductRepository
from suites.behaviour.users import TestUserRepository

pytestmark = [pytest.mark.unit, pytest.mark.shop_backends("memory", "dynamodb-inprocess")]

__all__ = [
    "TestCategoryRepository",
    "TestOrderRepository",
    "TestProductRepository",
    "TestShoppingCartRepository",
    "TestUserRepository",
]
