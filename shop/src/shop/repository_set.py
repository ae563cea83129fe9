"""The five repositories of one backend, handed out together by the factory."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from shop.interfaces import (
    CategoryRepository,
    OrderRepository,
    ProductRepository,
    ShoppingCartRepository,
    UserRepository,
)


@dataclass
class RepositorySet:
    """One backend's repositories; ``close()`` releases its connections."""

    backend: str
    users: UserRepository
    categories: CategoryRepository
    products: ProductRepository
    carts: ShoppingCartRepository
    orders: OrderRepository
    on_close: Callable[[], None] = field(default=lambda: None, repr=False)

    def close(self) -> None:
        """Release the backend's connections; the repositories must not be used afterwards."""
        self.on_close()

    def __enter__(self) -> RepositorySet:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
