"""Categories on DynamoDB: ``PK`` = the parent's partition, ``SK`` = the category's name.

Roots live under ``PK = "ROOT"``; the children of a category under
``"<its name>#<its id>"`` (names are unique only among siblings, so the name alone would
mix two parents' children). Siblings are one partition sorted by name, so the sibling-name
rule is the key itself (a Put only if absent). Renaming a category re-keys it and every
direct child in one TransactWriteItems.
"""

from __future__ import annotations

import builtins
import dataclasses
from collections import defaultdict
from typing import Any

from shop import validation
from shop.backends.dynamodb.actions import Action, Delete, Put, Update
from shop.backends.dynamodb.base import Repository, set_fields
from shop.backends.dynamodb.client import CONCURRENT_CHANGE, Item
from shop.backends.dynamodb.errors import ConditionFailed, TransactionCancelled
from shop.backends.dynamodb.items import category_from_item, category_item, version_of
from shop.domain import (
    AlreadyExists,
    Category,
    CategoryChanges,
    CategoryNode,
    Conflict,
    NewCategory,
    ValidationError,
)

_ABSENT = "attribute_not_exists(PK)"


def _key(item: Item) -> dict[str, str]:
    return {"PK": str(item["PK"]), "SK": str(item["SK"])}


class DynamoCategoryRepository(Repository):
    """Categories in the categories table (GSI1 by id, GSI2 all of them)."""

    def create(self, new: NewCategory) -> Category:
        """Create a category: GetItem (sibling pre-check), then a conditional write.

        A root is one PutItem (only if absent). A child is one TransactWriteItems: the
        parent is updated (ADD version, only if it still exists as read) and the child put
        only if absent, so a concurrent duplicate or a vanished parent still fails.
        """
        new = validation.new_category(new)
        parent = None
        if new.parent_id is not None:
            parent = self._require_category(new.parent_id, "parent_id")
        parent_ref = None if parent is None else (str(parent["name"]), str(parent["id"]))
        if self._db.get("categories", self._keys.category(new.name, parent_ref)) is not None:
            raise AlreadyExists("category", "name", new.name)
        category = Category(
            id=self._c.ids.new_id(),
            name=new.name,
            parent_id=new.parent_id,
            description=new.description,
            created_at=self._c.clock.now(),
        )
        item = category_item(self._keys, category, None if parent_ref is None else parent_ref[0], 1)
        subject = ("category", category.id)
        if parent is None:
            try:
                self._db.put("categories", item, condition=_ABSENT, subject=subject)
            except ConditionFailed:
                raise AlreadyExists("category", "name", category.name) from None
            return category
        try:
            self._db.transact(
                [self._bump(parent), Put("categories", item, _ABSENT)], subject=subject
            )
        except TransactionCancelled as cancelled:
            if cancelled.failed(0):
                raise self._category_gone_or_changed(str(parent["id"])) from None
            if cancelled.failed(1):
                raise AlreadyExists("category", "name", category.name) from None
            raise Conflict("category", category.id, CONCURRENT_CHANGE) from None
        return category

    def _bump(self, item: Item) -> Update:
        """Transaction item: ADD 1 to a category's version, if it is still where it was read."""
        return Update(
            "categories",
            _key(item),
            "ADD #v :one",
            "attribute_exists(PK) AND #id = :id",
            {"#v": "version", "#id": "id"},
            {":one": 1, ":id": item["id"]},
        )

    def get(self, category_id: str) -> Category | None:
        """The category with this id: one Query on categories.GSI1."""
        item = self._category_item(validation.entity_id("category_id", category_id))
        return None if item is None else category_from_item(item)

    def get_by_name(self, name: str, parent_id: str | None = None) -> Category | None:
        """The parent's child with this name: GetItem (after a GSI1 Query for a parent)."""
        wanted = validation.text("name", name, max_length=validation.MAX_NAME_LENGTH)
        parent_ref = None
        if parent_id is not None:
            parent = self._category_item(validation.entity_id("parent_id", parent_id))
            if parent is None:
                return None
            parent_ref = (str(parent["name"]), str(parent["id"]))
        item = self._db.get("categories", self._keys.category(wanted, parent_ref))
        return None if item is None else category_from_item(item)

    def _children_of(self, partition: str, limit: int | None = None) -> builtins.list[Item]:
        return self._db.query_up_to(
            limit,
            "categories",
            key_condition="#pk = :pk",
            names={"#pk": "PK"},
            values={":pk": partition},
        )

    def list_children(self, parent_id: str | None = None) -> builtins.list[Category]:
        """The children: one Query of the parent's partition (after a GSI1 Query for a parent).

        DynamoDB returns the partition in SK order (UTF-8 byte order, which is code-point
        order); they are sorted by name here as well, so a server that orders differently
        (an emulator comparing UTF-16 units, say) cannot change the answer.
        """
        if parent_id is None:
            partition = self._keys.root_partition()
        else:
            parent = self._require_category(parent_id, "parent_id")
            partition = self._keys.children_partition(str(parent["name"]), str(parent["id"]))
        children = [category_from_item(i) for i in self._children_of(partition)]
        return sorted(children, key=lambda c: c.name)

    def path(self, category_id: str) -> builtins.list[Category]:
        """Root first down to the category: one Query on categories.GSI1 per level."""
        trail = [category_from_item(self._require_category(category_id))]
        seen = {trail[0].id}
        while trail[-1].parent_id is not None:
            parent = self._category_item(trail[-1].parent_id)
            if parent is None or parent["id"] in seen:
                # A parent vanished or a cycle appeared between two reads: a concurrent move.
                raise Conflict("category", category_id, CONCURRENT_CHANGE)
            seen.add(str(parent["id"]))
            trail.append(category_from_item(parent))
        return trail[::-1]

    def tree(self) -> builtins.list[CategoryNode]:
        """The whole hierarchy from one Query on categories.GSI2 (every category)."""
        items = self._db.query_up_to(
            None,
            "categories",
            index="GSI2",
            key_condition="#pk = :pk",
            names={"#pk": "GSI2PK"},
            values={":pk": self._keys.render("categories", "root_category", "GSI2PK")},
        )
        children: dict[str | None, builtins.list[Category]] = defaultdict(builtins.list)
        for item in items:
            category = category_from_item(item)
            children[category.parent_id].append(category)

        def nodes(parent_id: str | None, seen: frozenset[str]) -> tuple[CategoryNode, ...]:
            return tuple(
                CategoryNode(child, nodes(child.id, seen | {child.id}))
                for child in sorted(children.get(parent_id, ()), key=lambda c: c.name)
                if child.id not in seen
            )

        return builtins.list(nodes(None, frozenset()))

    def update(self, category_id: str, changes: CategoryChanges) -> Category:
        """Rename and/or move: an UpdateItem, or one TransactWriteItems when the key changes.

        A new name or parent changes the category's key: the transaction puts the new key
        (only if no sibling has the name), deletes the old one (only if unchanged), bumps
        the new parent's version and, for a rename, re-keys every direct child (their PK
        embeds this category's name). DynamoDB transactions hold at most 100 items, so
        renaming a category with more than 49 children (48 when also moved) is refused
        before anything is written with ``Conflict(reason="renaming the category would need
        N transaction items; ...")``: a known divergence from MySQL.
        """
        changes = validation.category_changes(changes)
        item = self._require_category(category_id)
        category = category_from_item(item)
        values = set_fields(changes)
        if not values:
            return category
        parent_id = values.get("parent_id", category.parent_id)
        parent = None
        if "parent_id" in values and parent_id is not None:
            parent = self._require_category(parent_id, "parent_id")
            self._refuse_cycle(category.id, parent)
        updated = dataclasses.replace(category, **values)
        moved = updated.parent_id != category.parent_id
        renamed = updated.name != category.name
        if not moved and not renamed:
            return self._update_in_place(item, updated, values)
        if not moved:
            partition = str(item["PK"])
        elif parent is None:
            partition = self._keys.root_partition()
        else:
            partition = self._keys.children_partition(str(parent["name"]), str(parent["id"]))
        self._rekey(item, updated, partition, parent if moved else None, renamed)
        return updated

    def _refuse_cycle(self, category_id: str, parent: Item) -> None:
        ancestor: Item | None = parent
        seen: set[str] = set()
        while ancestor is not None and str(ancestor["id"]) not in seen:
            if ancestor["id"] == category_id:
                raise ValidationError(
                    "parent_id",
                    "expected a parent outside the category's own subtree, "
                    "got the category itself or one of its descendants",
                )
            seen.add(str(ancestor["id"]))
            above = ancestor.get("parent_id")
            ancestor = None if above is None else self._category_item(str(above))

    def _update_in_place(self, item: Item, updated: Category, values: dict[str, Any]) -> Category:
        if "description" not in values:
            return updated
        names = {"#v": "version", "#id": "id", "#d": "description"}
        attrs: dict[str, Any] = {":one": 1, ":id": updated.id}
        if updated.description is None:
            expression = "ADD #v :one REMOVE #d"
        else:
            expression = "SET #d = :d ADD #v :one"
            attrs[":d"] = updated.description
        try:
            stored = self._db.update(
                "categories",
                _key(item),
                expression=expression,
                condition="attribute_exists(PK) AND #id = :id",
                names=names,
                values=attrs,
                subject=("category", updated.id),
            )
        except ConditionFailed:
            raise self._category_gone_or_changed(updated.id) from None
        return category_from_item(stored)

    def _rekey(
        self,
        item: Item,
        updated: Category,
        partition: str,
        new_parent: Item | None,
        renamed: bool,
    ) -> None:
        old_children = str(self._keys.children_partition(str(item["name"]), updated.id))
        children = self._children_of(old_children) if renamed else []
        size = 2 + (1 if new_parent is not None else 0) + 2 * len(children)
        if size > self._c.contract.transaction_limit:
            new_key = {"PK": partition, "SK": updated.name}
            if self._db.get("categories", new_key) is not None:
                raise AlreadyExists("category", "name", updated.name)
            what = "renaming the category" if renamed else "moving the category"
            self._check_transaction_size(size, "category", updated.id, what)
        moved_item = {
            **item,
            "PK": partition,
            "SK": updated.name,
            "name": updated.name,
            "parent_id": updated.parent_id,
            "description": updated.description,
            "version": version_of(item) + 1,
        }
        actions: list[Action] = [
            Put("categories", moved_item, _ABSENT),
            self._delete_if_unchanged(item),
        ]
        if new_parent is not None:
            actions.append(self._bump(new_parent))
        new_children = self._keys.children_partition(updated.name, updated.id)
        for child in children:
            copy = {**child, "PK": new_children, "version": version_of(child) + 1}
            actions.append(Put("categories", copy, _ABSENT))
            actions.append(self._delete_if_unchanged(child))
        try:
            self._db.transact(actions, subject=("category", updated.id))
        except TransactionCancelled as cancelled:
            if cancelled.failed(0):
                raise AlreadyExists("category", "name", updated.name) from None
            if cancelled.failed(1):
                raise self._category_gone_or_changed(updated.id) from None
            if new_parent is not None and cancelled.failed(2):
                raise self._category_gone_or_changed(str(new_parent["id"])) from None
            raise Conflict("category", updated.id, CONCURRENT_CHANGE) from None

    def _delete_if_unchanged(self, item: Item) -> Delete:
        return Delete(
            "categories", _key(item), "#v = :v", {"#v": "version"}, {":v": version_of(item)}
        )

    def delete(self, category_id: str) -> None:
        """Remove a category: DeleteItem only if its version is unchanged.

        Children and products are checked just before (a Query each, Limit 1); creating a
        child or a product in the category bumps its version, so neither can slip in.
        """
        item = self._require_category(category_id)
        self._refuse_delete(item)
        try:
            self._db.delete(
                "categories",
                _key(item),
                condition="#v = :v",
                names={"#v": "version"},
                values={":v": version_of(item)},
                subject=("category", str(item["id"])),
            )
        except ConditionFailed as failed:
            if failed.old is None:
                raise self._category_gone_or_changed(str(item["id"])) from None
            self._refuse_delete(failed.old)
            raise Conflict("category", str(item["id"]), CONCURRENT_CHANGE) from None

    def _refuse_delete(self, item: Item) -> None:
        category_id = str(item["id"])
        if self._children_of(self._keys.children_partition(str(item["name"]), category_id), 1):
            raise Conflict("category", category_id, "category has children")
        products, _ = self._db.query(
            "products",
            index="GSI1",
            key_condition="#k = :id",
            names={"#k": "GSI1PK"},
            values={":id": category_id},
            limit=1,
            projection=("PK",),
        )
        if products:
            raise Conflict("category", category_id, "category has products")
