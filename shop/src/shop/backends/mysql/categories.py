"""Categories on MySQL: the ``categories`` table, a tree through ``parent_id``.

Sibling names are unique by ``UNIQUE (parent_key, name)`` (``parent_key`` is ``parent_id``
with 0 for the root). Names are sorted in Python, by code point: a PAD SPACE collation
would sort ``"a"`` after ``"a\\tb"``.
"""

from __future__ import annotations

import builtins
import dataclasses
from collections.abc import Iterable, Mapping

from shop import validation
from shop.domain import (
    AlreadyExists,
    Category,
    CategoryChanges,
    CategoryNode,
    Conflict,
    NewCategory,
    NotFound,
    ValidationError,
)

from . import rows
from .base import MySQLRepository, set_fields
from .errors import DuplicateKey, MissingParent, ParentInUse, TransientConflict
from .ids import checked_key, format_key, parse_key
from .session import Session, expand_ids

_SELECT_BY_ID = """
SELECT id, name, parent_id, description, created_at FROM categories WHERE id = %s
"""
_SELECT_BY_ID_FOR_UPDATE = """
SELECT id, name, parent_id, description, created_at FROM categories WHERE id = %s FOR UPDATE
"""
_SELECT_BY_NAME = """
SELECT id, name, parent_id, description, created_at
FROM categories WHERE parent_key = %s AND name = %s
"""
_SELECT_CHILDREN = """
SELECT id, name, parent_id, description, created_at FROM categories WHERE parent_key = %s
"""
_SELECT_ALL = "SELECT id, name, parent_id, description, created_at FROM categories"
_EXISTS = "SELECT EXISTS (SELECT 1 FROM categories WHERE id = %s) AS found"
_CHECK_NEW = """
SELECT EXISTS (SELECT 1 FROM categories WHERE id = %s) AS parent_found,
       EXISTS (SELECT 1 FROM categories WHERE parent_key = %s AND name = %s) AS name_taken
"""
_NAME_TAKEN = """
SELECT EXISTS (
    SELECT 1 FROM categories WHERE parent_key = %s AND name = %s AND id <> %s
) AS name_taken
"""
_PATH = """
WITH RECURSIVE trail (id, name, parent_id, description, created_at, depth) AS (
    SELECT id, name, parent_id, description, created_at, 0
    FROM categories WHERE id = %s
    UNION ALL
    SELECT c.id, c.name, c.parent_id, c.description, c.created_at, t.depth + 1
    FROM categories AS c JOIN trail AS t ON c.id = t.parent_id
)
SELECT id, name, parent_id, description, created_at FROM trail ORDER BY depth DESC
"""
_ANCESTRY = """
WITH RECURSIVE chain (id, parent_id) AS (
    SELECT id, parent_id FROM categories WHERE id = %s
    UNION ALL
    SELECT c.id, c.parent_id FROM categories AS c JOIN chain AS t ON c.id = t.parent_id
)
SELECT id, parent_id FROM chain
"""
_LOCK_MANY = """
SELECT id, parent_id FROM categories FORCE INDEX (PRIMARY)
WHERE id IN ({ids})
ORDER BY id
FOR UPDATE
"""
_INSERT = """
INSERT INTO categories (name, parent_id, description, created_at) VALUES (%s, %s, %s, %s)
"""
_UPDATE = "UPDATE categories SET name = %s, parent_id = %s, description = %s WHERE id = %s"
_SELECT_FOR_DELETE = """
SELECT c.id,
       EXISTS (SELECT 1 FROM categories AS k WHERE k.parent_id = c.id) AS has_children,
       EXISTS (SELECT 1 FROM products AS p WHERE p.category_id = c.id) AS has_products
FROM categories AS c WHERE c.id = %s FOR UPDATE
"""
_DELETE = "DELETE FROM categories WHERE id = %s"

_REFERENCES = {
    "fk_categories_parent": "category has children",
    "fk_products_category": "category has products",
}
_CHAIN_ATTEMPTS = 5
_CYCLE = (
    "expected a parent outside the category's own subtree, "
    "got the category itself or one of its descendants"
)


class MySQLCategoryRepository(MySQLRepository):
    """Categories in the ``categories`` table."""

    def create(self, new: NewCategory) -> Category:
        new = validation.new_category(new)
        parent_key = 0
        if new.parent_id is not None:
            found = checked_key("parent_id", new.parent_id)
            if found is None:
                raise NotFound("category", new.parent_id)
            parent_key = found
        now = self._moment()

        def work(s: Session) -> Category:
            check = s.one(_CHECK_NEW, (parent_key, parent_key, new.name))
            if new.parent_id is not None and not check["parent_found"]:
                raise NotFound("category", new.parent_id)
            if check["name_taken"]:
                raise AlreadyExists("category", "name", new.name)
            created = now()
            try:
                key = s.insert(
                    _INSERT,
                    (new.name, parent_key or None, new.description, rows.to_db_time(created)),
                )
            except DuplicateKey:
                raise AlreadyExists("category", "name", new.name) from None
            except MissingParent:
                raise NotFound("category", str(new.parent_id)) from None
            return Category(format_key(key), new.name, new.parent_id, new.description, created)

        return self._db.write("categories.create", "categories", work)

    def get(self, category_id: str) -> Category | None:
        key = checked_key("category_id", category_id)
        if key is None:
            return None
        row = self._db.read("categories.get", "categories", lambda s: s.row(_SELECT_BY_ID, (key,)))
        return None if row is None else rows.category(row)

    def get_by_name(self, name: str, parent_id: str | None = None) -> Category | None:
        wanted = validation.text("name", name, max_length=validation.MAX_NAME_LENGTH)
        parent_key = 0
        if parent_id is not None:
            found = checked_key("parent_id", parent_id)
            if found is None:
                return None
            parent_key = found
        matches = self._db.read(
            "categories.get_by_name",
            "categories",
            lambda s: s.rows(_SELECT_BY_NAME, (parent_key, wanted)),
        )
        # PAD SPACE: "a " = "a" in SQL; compare exactly here.
        return next((rows.category(r) for r in matches if r["name"] == wanted), None)

    def list_children(self, parent_id: str | None = None) -> builtins.list[Category]:
        parent_key = 0
        if parent_id is not None:
            found = checked_key("parent_id", parent_id)
            if found is None:
                raise NotFound("category", parent_id)
            parent_key = found

        def work(s: Session) -> builtins.list[Category]:
            children = s.rows(_SELECT_CHILDREN, (parent_key,))
            # With no children, tell an empty parent from a missing one.
            if not children and parent_key and not _exists(s, parent_key):
                raise NotFound("category", str(parent_id))
            return _by_name(rows.category(r) for r in children)

        return self._db.read("categories.list_children", "categories", work)

    def path(self, category_id: str) -> builtins.list[Category]:
        key = checked_key("category_id", category_id)
        if key is None:
            raise NotFound("category", category_id)
        trail = self._db.read("categories.path", "categories", lambda s: s.rows(_PATH, (key,)))
        if not trail:
            raise NotFound("category", category_id)
        return [rows.category(r) for r in trail]

    def tree(self) -> builtins.list[CategoryNode]:
        everything = self._db.read("categories.tree", "categories", lambda s: s.rows(_SELECT_ALL))
        children: dict[str | None, builtins.list[Category]] = {}
        for category in (rows.category(r) for r in everything):
            children.setdefault(category.parent_id, []).append(category)
        return _subtree(children, None)

    def update(self, category_id: str, changes: CategoryChanges) -> Category:
        changes = validation.category_changes(changes)
        key = checked_key("category_id", category_id)
        if key is None:
            raise NotFound("category", category_id)
        values = set_fields(changes)
        if not values:
            current = self.get(category_id)
            if current is None:
                raise NotFound("category", category_id)
            return current

        def work(s: Session) -> Category:
            row = s.row(_SELECT_BY_ID_FOR_UPDATE, (key,))
            if row is None:
                raise NotFound("category", category_id)
            category = rows.category(row)
            parent_id: str | None = values.get("parent_id", category.parent_id)
            if "parent_id" in values and parent_id is not None:
                parent_key = parse_key(parent_id)
                ancestry = [] if parent_key is None else _locked_ancestry(s, parent_key)
                if not ancestry:
                    raise NotFound("category", parent_id)
                if key in ancestry:
                    raise ValidationError("parent_id", _CYCLE)
            name: str = values.get("name", category.name)
            new_parent_key = 0 if parent_id is None else int(parent_id)
            moved_or_renamed = parent_id != category.parent_id or name != category.name
            if moved_or_renamed and s.one(_NAME_TAKEN, (new_parent_key, name, key))["name_taken"]:
                raise AlreadyExists("category", "name", name)
            updated = dataclasses.replace(category, **values)
            try:
                s.execute(_UPDATE, (updated.name, new_parent_key or None, updated.description, key))
            except DuplicateKey:
                raise AlreadyExists("category", "name", name) from None
            except MissingParent:
                raise NotFound("category", str(parent_id)) from None
            return updated

        return self._db.transaction("categories.update", "categories", work)

    def delete(self, category_id: str) -> None:
        key = checked_key("category_id", category_id)
        if key is None:
            raise NotFound("category", category_id)

        def work(s: Session) -> None:
            row = s.row(_SELECT_FOR_DELETE, (key,))
            if row is None:
                raise NotFound("category", category_id)
            if row["has_children"]:
                raise Conflict("category", category_id, "category has children")
            if row["has_products"]:
                raise Conflict("category", category_id, "category has products")
            try:
                s.execute(_DELETE, (key,))
            except ParentInUse as exc:
                reason = _REFERENCES.get(exc.name, "category has children")
                raise Conflict("category", category_id, reason) from None

        self._db.transaction("categories.delete", "categories", work)


def _exists(s: Session, key: int) -> bool:
    return bool(s.one(_EXISTS, (key,))["found"])


def _locked_ancestry(s: Session, start: int) -> list[int]:
    """The keys of ``start`` and all its ancestors, each row locked ``FOR UPDATE``.

    Read the chain, lock its rows (in key order), and check that it is still the same
    chain; locked rows cannot move any more, so two concurrent moves that would together
    make a cycle always share a locked row and run one after the other. Empty when
    ``start`` does not exist.
    """
    for _ in range(_CHAIN_ATTEMPTS):
        chain = {r["id"]: r["parent_id"] for r in s.rows(_ANCESTRY, (start,))}
        if not chain:
            return []
        locked = s.rows(expand_ids(_LOCK_MANY, len(chain)), sorted(chain))
        if {r["id"]: r["parent_id"] for r in locked} == chain:
            return list(chain)
    raise TransientConflict("the category tree kept changing while a move was checked")


def _by_name(categories: Iterable[Category]) -> builtins.list[Category]:
    return sorted(categories, key=lambda c: c.name)


def _subtree(
    children: Mapping[str | None, builtins.list[Category]], parent_id: str | None
) -> builtins.list[CategoryNode]:
    return [
        CategoryNode(child, tuple(_subtree(children, child.id)))
        for child in _by_name(children.get(parent_id, []))
    ]
