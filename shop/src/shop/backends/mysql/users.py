"""Users on MySQL: the ``users`` table (the profile in four nullable columns)."""

from __future__ import annotations

import builtins
import dataclasses

from shop import validation
from shop.domain import (
    AlreadyExists,
    Conflict,
    NewUser,
    NotFound,
    Page,
    User,
    UserChanges,
)
from shop.interfaces import DEFAULT_LIMIT

from . import paging, rows
from .base import MySQLRepository, set_fields
from .errors import DuplicateKey, ParentInUse
from .ids import checked_key, format_key
from .session import Session

_SELECT_BY_ID = """
SELECT id, email, username, password_hash, first_name, last_name, phone, address,
       is_seller, created_at, updated_at
FROM users WHERE id = %s
"""
_SELECT_BY_ID_FOR_UPDATE = """
SELECT id, email, username, password_hash, first_name, last_name, phone, address,
       is_seller, created_at, updated_at
FROM users WHERE id = %s FOR UPDATE
"""
_SELECT_BY_EMAIL = """
SELECT id, email, username, password_hash, first_name, last_name, phone, address,
       is_seller, created_at, updated_at
FROM users WHERE email = %s
"""
_SELECT_BY_USERNAME = """
SELECT id, email, username, password_hash, first_name, last_name, phone, address,
       is_seller, created_at, updated_at
FROM users WHERE username = %s
"""
_SELECT_HOLDERS = """
SELECT id, email, username FROM users WHERE email = %s OR username = %s ORDER BY id
"""
_INSERT = """
INSERT INTO users (email, username, password_hash, first_name, last_name, phone, address,
                   is_seller, created_at, updated_at)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
"""
_UPDATE = """
UPDATE users
SET email = %s, username = %s, password_hash = %s, first_name = %s, last_name = %s,
    phone = %s, address = %s, is_seller = %s, updated_at = %s
WHERE id = %s
"""
_SELECT_FOR_DELETE = """
SELECT u.id,
       EXISTS (SELECT 1 FROM orders AS o WHERE o.user_id = u.id) AS has_orders,
       EXISTS (SELECT 1 FROM products AS p WHERE p.seller_id = u.id) AS has_products
FROM users AS u WHERE u.id = %s FOR UPDATE
"""
_DELETE = "DELETE FROM users WHERE id = %s"
_LIST_FIRST = """
SELECT id, email, username, password_hash, first_name, last_name, phone, address,
       is_seller, created_at, updated_at
FROM users
ORDER BY created_at, id
LIMIT %s
"""
_LIST_AFTER = """
SELECT id, email, username, password_hash, first_name, last_name, phone, address,
       is_seller, created_at, updated_at
FROM users
WHERE created_at > %s OR (created_at = %s AND id > %s)
ORDER BY created_at, id
LIMIT %s
"""

_UNIQUE_FIELDS = {"uq_users_email": "email", "uq_users_username": "username"}
_REFERENCES = {"fk_orders_user": "user has orders", "fk_products_seller": "user has products"}


class MySQLUserRepository(MySQLRepository):
    """Users in the ``users`` table; email and username unique by index (exact, binary)."""

    def create(self, new: NewUser) -> User:
        new = validation.new_user(new)
        now = self._moment()

        def work(s: Session) -> User:
            _check_unique(s, new.email, new.username, exclude=None)
            created = now()
            try:
                key = s.insert(
                    _INSERT,
                    (
                        new.email,
                        new.username,
                        new.password_hash,
                        new.profile.first_name,
                        new.profile.last_name,
                        new.profile.phone,
                        new.profile.address,
                        new.is_seller,
                        rows.to_db_time(created),
                        rows.to_db_time(created),
                    ),
                )
            except DuplicateKey as exc:  # a concurrent create won the race
                raise _already_exists(exc, new.email, new.username) from None
            return User(
                id=format_key(key),
                email=new.email,
                username=new.username,
                password_hash=new.password_hash,
                profile=new.profile,
                is_seller=new.is_seller,
                created_at=created,
                updated_at=created,
            )

        return self._db.write("users.create", "users", work)

    def get(self, user_id: str) -> User | None:
        key = checked_key("user_id", user_id)
        if key is None:
            return None
        row = self._db.read("users.get", "users", lambda s: s.row(_SELECT_BY_ID, (key,)))
        return None if row is None else rows.user(row)

    def get_by_email(self, email: str) -> User | None:
        wanted = validation.text("email", email, max_length=validation.MAX_EMAIL_LENGTH).lower()
        found = self._db.read(
            "users.get_by_email", "users", lambda s: s.rows(_SELECT_BY_EMAIL, (wanted,))
        )
        # PAD SPACE: "a@b.c " = "a@b.c" in SQL; compare exactly here.
        return next((rows.user(r) for r in found if r["email"] == wanted), None)

    def get_by_username(self, username: str) -> User | None:
        wanted = validation.text("username", username, max_length=validation.MAX_USERNAME_LENGTH)
        found = self._db.read(
            "users.get_by_username", "users", lambda s: s.rows(_SELECT_BY_USERNAME, (wanted,))
        )
        return next((rows.user(r) for r in found if r["username"] == wanted), None)

    def update(self, user_id: str, changes: UserChanges) -> User:
        changes = validation.user_changes(changes)
        key = checked_key("user_id", user_id)
        if key is None:
            raise NotFound("user", user_id)
        values = set_fields(changes)
        if not values:
            current = self.get(user_id)
            if current is None:
                raise NotFound("user", user_id)
            return current
        now = self._moment()

        def work(s: Session) -> User:
            row = s.row(_SELECT_BY_ID_FOR_UPDATE, (key,))
            if row is None:
                raise NotFound("user", user_id)
            user = rows.user(row)
            email, username = values.get("email"), values.get("username")
            if email is not None or username is not None:
                _check_unique(s, email, username, exclude=user.id)
            updated = dataclasses.replace(user, **values, updated_at=now())
            try:
                s.execute(
                    _UPDATE,
                    (
                        updated.email,
                        updated.username,
                        updated.password_hash,
                        updated.profile.first_name,
                        updated.profile.last_name,
                        updated.profile.phone,
                        updated.profile.address,
                        updated.is_seller,
                        rows.to_db_time(updated.updated_at),
                        key,
                    ),
                )
            except DuplicateKey as exc:
                raise _already_exists(exc, updated.email, updated.username) from None
            return updated

        return self._db.transaction("users.update", "users", work)

    def delete(self, user_id: str) -> None:
        key = checked_key("user_id", user_id)
        if key is None:
            raise NotFound("user", user_id)

        def work(s: Session) -> None:
            row = s.row(_SELECT_FOR_DELETE, (key,))
            if row is None:
                raise NotFound("user", user_id)
            if row["has_orders"]:
                raise Conflict("user", user_id, "user has orders")
            if row["has_products"]:
                raise Conflict("user", user_id, "user has products")
            try:
                s.execute(_DELETE, (key,))  # the cart's lines go by ON DELETE CASCADE
            except ParentInUse as exc:
                reason = _REFERENCES.get(exc.name, "user has orders")
                raise Conflict("user", user_id, reason) from None

        self._db.transaction("users.delete", "users", work)

    def list(self, limit: int = DEFAULT_LIMIT, cursor: str | None = None) -> Page[User]:
        scope = "users.list"
        size, position = paging.start(self._cursors, scope, limit, cursor)
        after = None if position is None else paging.time_key(position)

        def work(s: Session) -> builtins.list[User]:
            if after is None:
                found = s.rows(_LIST_FIRST, (size + 1,))
            else:
                created_at, key = after
                found = s.rows(_LIST_AFTER, (created_at, created_at, key, size + 1))
            return [rows.user(r) for r in found]

        users = self._db.read("users.list", "users", work)
        return paging.page(
            self._cursors, scope, users, size, lambda u: paging.time_position(u.created_at, u.id)
        )


def _check_unique(s: Session, email: str | None, username: str | None, exclude: str | None) -> None:
    """Raise ``AlreadyExists`` like the reference: the oldest other holder decides the field."""
    for other in s.rows(_SELECT_HOLDERS, (email, username)):
        if format_key(other["id"]) == exclude:
            continue
        if email is not None and other["email"] == email:
            raise AlreadyExists("user", "email", email)
        if username is not None and other["username"] == username:
            raise AlreadyExists("user", "username", username)


def _already_exists(exc: DuplicateKey, email: str, username: str) -> AlreadyExists:
    field = _UNIQUE_FIELDS.get(exc.name, "email")
    return AlreadyExists("user", field, email if field == "email" else username)
