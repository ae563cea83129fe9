"""What every DynamoDB repository shares: the context and the common look-ups."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from shop import validation
from shop.backends.dynamodb.actions import Check, Update
from shop.backends.dynamodb.client import CONCURRENT_CHANGE, Dynamo, Item
from shop.backends.dynamodb.contract import Contract
from shop.backends.dynamodb.keys import Keys
from shop.backends.dynamodb.paging import Pager
from shop.clock import Clock, IdSource
from shop.domain import UNSET, Conflict, NotFound, ShopError


@dataclass(frozen=True)
class Context:
    """The collaborators of one backend instance (shared by its five repositories).

    ``line_ids``/``line_clock`` order cart lines; they are private on purpose (see the
    contract notes): cart calls must not consume the injected ``ids``/``clock``.
    """

    db: Dynamo
    keys: Keys
    contract: Contract
    clock: Clock
    ids: IdSource
    pager: Pager
    line_ids: IdSource
    line_clock: Clock


class Repository:
    """Base of the five repositories: look-ups by id and the 100-item limit check."""

    def __init__(self, context: Context) -> None:
        self._c = context
        self._db = context.db
        self._keys = context.keys

    # -- users ---------------------------------------------------------------------------

    def _user_item(self, user_id: str) -> Item | None:
        """The ``#META`` item of the user with this id (Query users.GSI1), or None."""
        items, _ = self._db.query(
            "users",
            index="GSI1",
            key_condition="#k = :id",
            names={"#k": "GSI1PK"},
            values={":id": user_id},
        )
        return items[0] if items else None

    def _require_user(self, user_id: str, field: str = "user_id") -> Item:
        """The user's ``#META`` item; ``NotFound("user")`` when there is none."""
        item = self._user_item(validation.entity_id(field, user_id))
        if item is None:
            raise NotFound("user", user_id)
        return item

    def _user_gone_or_changed(self, user_id: str) -> ShopError:
        """After a failed condition on a user: ``NotFound`` if they are gone, else Conflict."""
        if self._user_item(user_id) is None:
            return NotFound("user", user_id)
        return Conflict("user", user_id, CONCURRENT_CHANGE)

    # -- categories ----------------------------------------------------------------------

    def _category_item(self, category_id: str) -> Item | None:
        """The item of the category with this id (Query categories.GSI1), or None."""
        items, _ = self._db.query(
            "categories",
            index="GSI1",
            key_condition="#k = :id",
            names={"#k": "GSI1PK"},
            values={":id": category_id},
        )
        return items[0] if items else None

    def _require_category(self, category_id: str, field: str = "category_id") -> Item:
        """The category's item; ``NotFound("category")`` when there is none."""
        item = self._category_item(validation.entity_id(field, category_id))
        if item is None:
            raise NotFound("category", category_id)
        return item

    def _category_gone_or_changed(self, category_id: str) -> ShopError:
        """After a failed condition on a category: NotFound if it is gone, else Conflict."""
        if self._category_item(category_id) is None:
            return NotFound("category", category_id)
        return Conflict("category", category_id, CONCURRENT_CHANGE)

    # -- products ------------------------------------------------------------------------

    def _product_item(self, product_id: str) -> Item | None:
        """The product's item (GetItem, consistent), or None."""
        return self._db.get("products", self._keys.product(product_id))

    def _require_product(self, product_id: str) -> Item:
        """The product's item; ``NotFound("product")`` when there is none."""
        item = self._product_item(validation.entity_id("product_id", product_id))
        if item is None:
            raise NotFound("product", product_id)
        return item

    def _products_by_id(self, product_ids: Sequence[str]) -> dict[str, Item]:
        """The products that exist among ``product_ids`` (BatchGetItem; none when empty)."""
        if not product_ids:
            return {}
        found = self._db.batch_get("products", [self._keys.product(p) for p in product_ids])
        return {str(item["id"]): item for item in found}

    # -- transactions --------------------------------------------------------------------

    def _check_transaction_size(self, size: int, entity: str, key: str, what: str) -> None:
        """Refuse, before writing, a change that would not fit in one transaction."""
        limit = self._c.contract.transaction_limit
        if size > limit:
            raise Conflict(
                entity,
                key,
                f"{what} would need {size} transaction items; "
                f"DynamoDB transactions hold at most {limit}",
            )


def set_fields(changes: Any) -> dict[str, Any]:
    """The fields of a ``*Changes`` object that are not ``UNSET``."""
    return {
        f.name: getattr(changes, f.name)
        for f in dataclasses.fields(changes)
        if getattr(changes, f.name) is not UNSET
    }


class CollectionRepository(Repository):
    """Shared by carts and orders: a user's cart lines and the products they hold."""

    def _user_check(self, user: Item, *, bump: bool) -> Update | Check:
        """Transaction item: the user's ``#META`` still exists (and, with ``bump``, ADD version).

        Bumping is for writes that add items to the collection: an email move or a user
        delete that read the collection earlier conditions on the version, so it fails
        instead of leaving the new item behind.
        """
        key = self._keys.user(str(user["email"]))
        condition = "attribute_exists(PK) AND #id = :id"
        if bump:
            return Update(
                "users",
                key,
                "ADD #v :one",
                condition,
                {"#id": "GSI1PK", "#v": "version"},
                {":id": user["id"], ":one": 1},
            )
        return Check("users", key, condition, {"#id": "GSI1PK"}, {":id": user["id"]})

    def _lines(self, email: str) -> list[Item]:
        """The user's cart lines (consistent Query), in the order they were first added."""
        lines = self._db.query_up_to(
            None,
            "users",
            key_condition="#pk = :pk AND begins_with(#sk, :cart)",
            names={"#pk": "PK", "#sk": "SK"},
            values={":pk": email, ":cart": self._keys.cart_prefix},
        )
        return sorted(lines, key=lambda line: (str(line["added_at"]), str(line["line_id"])))
