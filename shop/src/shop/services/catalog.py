"""Categories and products: anyone may browse; sellers add; only a product's seller changes it."""

from __future__ import annotations

from decimal import Decimal

from shop.domain import (
    Category,
    CategoryNode,
    NewCategory,
    NewProduct,
    NotFound,
    Page,
    Product,
    ProductChanges,
    User,
)
from shop.interfaces import DEFAULT_LIMIT, CategoryRepository, ProductRepository
from shop.services.errors import Forbidden

NOT_A_SELLER = "only sellers may do this"
NOT_YOUR_PRODUCT = "only the product's seller may change it"


def require_seller(user: User) -> None:
    """``Forbidden`` unless ``user`` is a seller."""
    if not user.is_seller:
        raise Forbidden(NOT_A_SELLER)


class CatalogService:
    """The category tree and the products in it."""

    def __init__(self, categories: CategoryRepository, products: ProductRepository) -> None:
        self._categories = categories
        self._products = products

    # Categories

    def tree(self) -> list[CategoryNode]:
        """The whole category tree, sorted by name at every level."""
        return self._categories.tree()

    def category(self, category_id: str) -> Category:
        """The category; ``NotFound`` when there is none."""
        category = self._categories.get(category_id)
        if category is None:
            raise NotFound("category", category_id)
        return category

    def children(self, category_id: str) -> list[Category]:
        """The category's direct children, sorted by name."""
        return self._categories.list_children(category_id)

    def path(self, category_id: str) -> list[Category]:
        """The breadcrumb trail from the root down to the category."""
        return self._categories.path(category_id)

    def create_category(
        self, actor: User, name: str, parent_id: str | None, description: str | None
    ) -> Category:
        """A new category (sellers only)."""
        require_seller(actor)
        return self._categories.create(NewCategory(name, parent_id, description))

    # Products

    def product(self, product_id: str) -> Product:
        """The product; ``NotFound`` when there is none."""
        product = self._products.get(product_id)
        if product is None:
            raise NotFound("product", product_id)
        return product

    def by_category(
        self, category_id: str, limit: int = DEFAULT_LIMIT, cursor: str | None = None
    ) -> Page[Product]:
        """One page of a category's products, oldest first."""
        return self._products.list_by_category(category_id, limit, cursor)

    def by_seller(
        self, seller_id: str, limit: int = DEFAULT_LIMIT, cursor: str | None = None
    ) -> Page[Product]:
        """One page of a seller's products, oldest first."""
        return self._products.list_by_seller(seller_id, limit, cursor)

    def search(
        self,
        text: str,
        *,
        category_id: str | None = None,
        min_price: Decimal | None = None,
        max_price: Decimal | None = None,
        in_stock_only: bool = False,
        limit: int = DEFAULT_LIMIT,
        cursor: str | None = None,
    ) -> Page[Product]:
        """One page of the products whose name or description contains ``text``."""
        return self._products.search(
            text, category_id, min_price, max_price, in_stock_only, limit, cursor
        )

    def create_product(
        self,
        actor: User,
        *,
        category_id: str,
        name: str,
        price: Decimal,
        stock: int = 0,
        description: str | None = None,
        image_url: str | None = None,
    ) -> Product:
        """A new product sold by ``actor`` (sellers only)."""
        require_seller(actor)
        new = NewProduct(actor.id, category_id, name, price, stock, description, image_url)
        return self._products.create(new)

    def _own(self, actor: User, product_id: str) -> Product:
        product = self.product(product_id)
        if product.seller_id != actor.id:
            raise Forbidden(NOT_YOUR_PRODUCT)
        return product

    def update_product(self, actor: User, product_id: str, changes: ProductChanges) -> Product:
        """Change the product (its seller only)."""
        self._own(actor, product_id)
        return self._products.update(product_id, changes)

    def delete_product(self, actor: User, product_id: str) -> None:
        """Remove the product and its cart lines (its seller only); orders keep snapshots."""
        self._own(actor, product_id)
        self._products.delete(product_id)

    def adjust_stock(self, actor: User, product_id: str, delta: int) -> int:
        """Add ``delta`` to the product's stock (its seller only); returns the new stock."""
        self._own(actor, product_id)
        return self._products.adjust_stock(product_id, delta)
