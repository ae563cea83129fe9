"""Users on DynamoDB: the ``#META`` item of each user's collection plus a username guard.

A user's items all live under ``PK = <email>``: ``#META`` (the user), ``CART#...`` lines
and ``ORDER#...`` orders, so changing the email moves the whole collection in one
TransactWriteItems. Username uniqueness is a guard item ``USERNAME#<username>``/``#GUARD``
written in the same transaction as the user. A guard can never collide with a user
collection: emails are stored ``str.lower()``-ed, which never yields an upper-case ASCII
letter, while every guard PK starts with upper-case ``USERNAME#`` (the "emails contain @"
argument would not do: a username may contain "@"); the guard SK ``#GUARD`` differs from
every SK in a collection besides.
"""

from __future__ import annotations

import builtins
import dataclasses
from collections.abc import Sequence
from typing import Any

from shop import validation
from shop.backends.dynamodb.actions import Action, Delete, Put, Update
from shop.backends.dynamodb.base import Repository, set_fields
from shop.backends.dynamodb.client import CONCURRENT_CHANGE, Item
from shop.backends.dynamodb.errors import ConditionFailed, TransactionCancelled
from shop.backends.dynamodb.items import user_from_item, user_item, version_of
from shop.backends.dynamodb.values import iso, profile_map
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

_ABSENT = "attribute_not_exists(PK)"


class DynamoUserRepository(Repository):
    """Users in the users table (``#META`` items, GSI1 by id, GSI2 by username)."""

    def create(self, new: NewUser) -> User:
        """Create a user: BatchGetItem (uniqueness pre-check), then one TransactWriteItems.

        The transaction puts the ``#META`` item and the username guard, each only if
        absent, so a concurrent duplicate still fails with ``AlreadyExists``.
        """
        new = validation.new_user(new)
        self._refuse_taken(new.email, new.username, exclude=None)
        now = self._c.clock.now()
        user = User(
            id=self._c.ids.new_id(),
            email=new.email,
            username=new.username,
            password_hash=new.password_hash,
            profile=new.profile,
            is_seller=new.is_seller,
            created_at=now,
            updated_at=now,
        )
        try:
            self._db.transact(
                [
                    Put("users", user_item(self._keys, user, version=1), _ABSENT),
                    Put("users", self._guard(user), _ABSENT),
                ],
                subject=("user", user.id),
            )
        except TransactionCancelled as cancelled:
            if cancelled.failed(0):
                raise AlreadyExists("user", "email", user.email) from None
            if cancelled.failed(1):
                raise AlreadyExists("user", "username", user.username) from None
            raise Conflict("user", user.id, CONCURRENT_CHANGE) from None
        return user

    def _guard(self, user: User) -> Item:
        return {**self._keys.guard(user.username), "user_id": user.id}

    def _refuse_taken(self, email: str | None, username: str | None, exclude: str | None) -> None:
        """``AlreadyExists`` when another user holds ``email`` or ``username``.

        Like the reference, which checks users in creation order and, per user, the email
        first: of the users in the way, the one with the lowest id decides.
        """
        wanted = []
        if email is not None:
            wanted.append(self._keys.user(email))
        if username is not None:
            wanted.append(self._keys.guard(username))
        if not wanted:
            return
        clashes: list[tuple[str, int, AlreadyExists]] = []
        for item in self._db.batch_get("users", wanted):
            if email is not None and item["PK"] == email:
                owner, error = str(item["id"]), AlreadyExists("user", "email", email)
                clashes.append((owner, 0, error))
            elif username is not None:
                owner, error = str(item["user_id"]), AlreadyExists("user", "username", username)
                clashes.append((owner, 1, error))
        clashes = [c for c in clashes if c[0] != exclude]
        if clashes:
            raise min(clashes, key=lambda c: (c[0], c[1]))[2]

    def get(self, user_id: str) -> User | None:
        """The user with this id: one Query on users.GSI1."""
        item = self._user_item(validation.entity_id("user_id", user_id))
        return None if item is None else user_from_item(item)

    def get_by_email(self, email: str) -> User | None:
        """The user with this email (lower-cased): one GetItem of its ``#META`` item."""
        wanted = validation.text("email", email, max_length=validation.MAX_EMAIL_LENGTH).lower()
        item = self._db.get("users", self._keys.user(wanted))
        return None if item is None else user_from_item(item)

    def get_by_username(self, username: str) -> User | None:
        """The user with exactly this username: one Query on users.GSI2."""
        wanted = validation.text("username", username, max_length=validation.MAX_USERNAME_LENGTH)
        items, _ = self._db.query(
            "users",
            index="GSI2",
            key_condition="#k = :u",
            names={"#k": "GSI2PK"},
            values={":u": wanted},
        )
        return user_from_item(items[0]) if items else None

    def update(self, user_id: str, changes: UserChanges) -> User:
        """Apply ``changes``: an UpdateItem, or one TransactWriteItems for a new username/email.

        A new username swaps the guard items in the same transaction. A new email moves
        the user's whole collection (``#META``, every cart line and order) to the new PK in
        ONE TransactWriteItems (each old item deleted only if unchanged since it was read).
        DynamoDB transactions hold at most 100 items, so an email change needing more
        (2 per item moved, + 2 with a username change) is refused before anything is
        written with ``Conflict(reason="email change would need N transaction items;
        ...")``: a known divergence from MySQL, which has no such limit.
        """
        changes = validation.user_changes(changes)
        item = self._require_user(user_id)
        user = user_from_item(item)
        values = set_fields(changes)
        if not values:
            return user
        new_email = values.get("email", user.email)
        new_username = values.get("username", user.username)
        moves = new_email != user.email
        renames = new_username != user.username
        self._refuse_taken(
            new_email if moves else None, new_username if renames else None, exclude=user.id
        )
        collection = self._collection(user) if moves else []
        if moves:
            size = 2 * len(collection) + (2 if renames else 0)
            self._check_transaction_size(size, "user", user.id, "email change")
        updated = dataclasses.replace(user, **values, updated_at=self._c.clock.now())
        if moves:
            self._move(user, updated, collection, renames)
            return updated
        if renames:
            self._rename(user, updated, values)
            return updated
        return self._update_fields(user, updated, values)

    def _meta_update(
        self, user: User, updated: User, values: dict[str, Any]
    ) -> tuple[str, dict[str, str], dict[str, Any]]:
        """The UpdateExpression writing the changed fields of ``#META`` (and bumping version)."""
        names = {"#updated_at": "updated_at", "#version": "version", "#id": "GSI1PK"}
        attrs: dict[str, Any] = {":updated_at": iso(updated.updated_at), ":one": 1, ":id": user.id}
        sets = ["#updated_at = :updated_at"]
        removes = []
        fields: dict[str, Any] = {
            name: getattr(updated, name)
            for name in ("password_hash", "is_seller", "username")
            if name in values
        }
        if "username" in values:
            fields["GSI2PK"] = updated.username
        if "profile" in values:
            fields["profile"] = profile_map(updated.profile) or None
        for i, (name, value) in enumerate(fields.items()):
            names[f"#f{i}"] = name
            if value is None:
                removes.append(f"#f{i}")
            else:
                sets.append(f"#f{i} = :f{i}")
                attrs[f":f{i}"] = value
        expression = "SET " + ", ".join(sets) + " ADD #version :one"
        if removes:
            expression += " REMOVE " + ", ".join(removes)
        return expression, names, attrs

    def _update_fields(self, user: User, updated: User, values: dict[str, Any]) -> User:
        expression, names, attrs = self._meta_update(user, updated, values)
        try:
            stored = self._db.update(
                "users",
                self._keys.user(user.email),
                expression=expression,
                condition="attribute_exists(PK) AND #id = :id",
                names=names,
                values=attrs,
                subject=("user", user.id),
            )
        except ConditionFailed:
            raise self._user_gone_or_changed(user.id) from None
        return user_from_item(stored)

    def _rename(self, user: User, updated: User, values: dict[str, Any]) -> None:
        expression, names, attrs = self._meta_update(user, updated, values)
        names["#username"] = "username"
        attrs[":old"] = user.username
        actions: list[Action] = [
            Update(
                "users",
                self._keys.user(user.email),
                expression,
                "attribute_exists(PK) AND #id = :id AND #username = :old",
                names,
                attrs,
            ),
            *self._guard_swap(user, updated),
        ]
        try:
            self._db.transact(actions, subject=("user", user.id))
        except TransactionCancelled as cancelled:
            if cancelled.failed(0):
                raise self._user_gone_or_changed(user.id) from None
            if cancelled.failed(2):
                raise AlreadyExists("user", "username", updated.username) from None
            raise Conflict("user", user.id, CONCURRENT_CHANGE) from None

    def _guard_swap(self, user: User, updated: User) -> list[Action]:
        return [
            Delete(
                "users",
                self._keys.guard(user.username),
                "#owner = :id",
                {"#owner": "user_id"},
                {":id": user.id},
            ),
            Put("users", self._guard(updated), _ABSENT),
        ]

    def _collection(self, user: User) -> builtins.list[Item]:
        """Every item under the user's PK (consistent Query, all pages); #META first."""
        items = self._db.query_up_to(
            None,
            "users",
            key_condition="#pk = :pk",
            names={"#pk": "PK"},
            values={":pk": user.email},
        )
        if not any(i["SK"] == self._keys.user(user.email)["SK"] for i in items):
            raise self._user_gone_or_changed(user.id)
        return items

    def _move(self, user: User, updated: User, collection: Sequence[Item], renames: bool) -> None:
        meta_sk = self._keys.user(user.email)["SK"]
        meta = next(i for i in collection if i["SK"] == meta_sk)
        version = version_of(meta)
        actions: list[Action] = [
            Put("users", user_item(self._keys, updated, version + 1), _ABSENT),
            Delete(
                "users",
                self._keys.user(user.email),
                "#version = :v",
                {"#version": "version"},
                {":v": version},
            ),
        ]
        for item in collection:
            if item["SK"] == meta_sk:
                continue
            actions.append(Put("users", {**item, "PK": updated.email}, _ABSENT))
            actions.append(self._delete_if_unchanged(item))
        if renames:
            actions.extend(self._guard_swap(user, updated))
        try:
            self._db.transact(actions, subject=("user", user.id))
        except TransactionCancelled as cancelled:
            if cancelled.failed(0):
                raise AlreadyExists("user", "email", updated.email) from None
            if renames and cancelled.failed(len(actions) - 1):
                raise AlreadyExists("user", "username", updated.username) from None
            if cancelled.failed(1):
                raise self._user_gone_or_changed(user.id) from None
            raise Conflict("user", user.id, CONCURRENT_CHANGE) from None

    def _delete_if_unchanged(self, item: Item) -> Delete:
        key = {"PK": str(item["PK"]), "SK": str(item["SK"])}
        if str(item["SK"]).startswith(self._keys.order_prefix):
            return Delete("users", key, "#s = :s", {"#s": "status"}, {":s": item["status"]})
        return Delete("users", key, "#q = :q", {"#q": "quantity"}, {":q": item["quantity"]})

    def delete(self, user_id: str) -> None:
        """Remove the user, their username guard and their cart in one TransactWriteItems.

        Orders and products are checked just before (a Query each, Limit 1); the
        ``#META`` item is deleted only if its version is unchanged, and placing an order
        or creating a product bumps that version, so neither can slip in between. More
        than 98 cart lines would exceed DynamoDB's 100-item transaction and is refused with
        ``Conflict`` before anything is written (a known divergence from MySQL).
        """
        item = self._require_user(user_id)
        user = user_from_item(item)
        self._refuse_delete(user)
        below_orders = self._db.query_up_to(
            None,
            "users",
            key_condition="#pk = :pk AND #sk < :orders",
            names={"#pk": "PK", "#sk": "SK"},
            values={":pk": user.email, ":orders": self._keys.order_prefix},
        )
        meta_key = self._keys.user(user.email)
        meta = next((i for i in below_orders if i["SK"] == meta_key["SK"]), None)
        if meta is None:
            raise self._user_gone_or_changed(user.id)
        lines = [i for i in below_orders if str(i["SK"]).startswith(self._keys.cart_prefix)]
        self._check_transaction_size(2 + len(lines), "user", user.id, "deleting the user")
        actions: list[Action] = [
            Delete("users", meta_key, "#v = :v", {"#v": "version"}, {":v": version_of(meta)}),
            Delete(
                "users",
                self._keys.guard(user.username),
                "#owner = :id",
                {"#owner": "user_id"},
                {":id": user.id},
            ),
            *(Delete("users", {"PK": str(i["PK"]), "SK": str(i["SK"])}) for i in lines),
        ]
        try:
            self._db.transact(actions, subject=("user", user.id))
        except TransactionCancelled:
            error = self._user_gone_or_changed(user.id)
            if isinstance(error, NotFound):
                raise error from None
            self._refuse_delete(user)
            raise error from None

    def _refuse_delete(self, user: User) -> None:
        orders, _ = self._db.query(
            "users",
            key_condition="#pk = :pk AND begins_with(#sk, :orders)",
            names={"#pk": "PK", "#sk": "SK"},
            values={":pk": user.email, ":orders": self._keys.order_prefix},
            limit=1,
            projection=("PK",),
        )
        if orders:
            raise Conflict("user", user.id, "user has orders")
        products, _ = self._db.query(
            "products",
            index="GSI2",
            key_condition="#k = :id",
            names={"#k": "GSI2PK"},
            values={":id": user.id},
            limit=1,
            projection=("PK",),
        )
        if products:
            raise Conflict("user", user.id, "user has products")

    def list(self, limit: int = DEFAULT_LIMIT, cursor: str | None = None) -> Page[User]:
        """All users, oldest first: one Query on users.GSI5 (``GSI5SK > cursor``)."""
        scope = "users.list"
        size, after = self._c.pager.start(scope, limit, cursor)
        condition = "#pk = :pk"
        values: dict[str, Any] = {":pk": self._keys.render("users", "user", "GSI5PK")}
        if after is not None:
            condition += " AND #sk > :after"
            values[":after"] = after
        items = self._db.query_up_to(
            size + 1,
            "users",
            index="GSI5",
            key_condition=condition,
            names={"#pk": "GSI5PK", "#sk": "GSI5SK"} if after else {"#pk": "GSI5PK"},
            values=values,
        )
        users = [user_from_item(i) for i in items]
        return self._c.pager.page(
            scope, users, size, lambda u: self._keys.user_list_position(u.id, u.created_at)
        )
