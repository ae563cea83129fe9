"""The shop's services: auth, catalog, cart and orders, built only on a ``RepositorySet``.

One setting (``SHOP_BACKEND``) picks the backend; the services never know which it is.
"""

from __future__ import annotations

from dataclasses import dataclass

from shop.clock import Clock, SystemClock
from shop.repository_set import RepositorySet
from shop.services.auth import AuthService
from shop.services.cart import CartService
from shop.services.catalog import CatalogService
from shop.services.errors import Forbidden, NotAuthenticated, ServiceError
from shop.services.orders import OrderService
from shop.services.tokens import DEFAULT_TTL_SECONDS, IssuedToken, TokenSigner


@dataclass(frozen=True)
class Services:
    """Every service of one shop, sharing one repository set."""

    auth: AuthService
    catalog: CatalogService
    carts: CartService
    orders: OrderService


def build_services(
    repositories: RepositorySet,
    *,
    clock: Clock | None = None,
    token_secret: bytes | None = None,
    token_ttl: int = DEFAULT_TTL_SECONDS,
) -> Services:
    """The services over ``repositories``; tokens are signed with ``token_secret``.

    Without a secret, a random one is made (tokens then die with the process).
    """
    tokens = TokenSigner(clock or SystemClock(), token_secret, token_ttl)
    return Services(
        auth=AuthService(repositories.users, tokens),
        catalog=CatalogService(repositories.categories, repositories.products),
        carts=CartService(repositories.carts),
        orders=OrderService(repositories.orders, repositories.products),
    )


__all__ = [
    "AuthService",
    "CartService",
    "CatalogService",
    "Forbidden",
    "IssuedToken",
    "NotAuthenticated",
    "OrderService",
    "ServiceError",
    "Services",
    "TokenSigner",
    "build_services",
]
