"""The one family of domain errors every backend raises.

No driver exception (pymysql, botocore) crosses a repository interface: backends translate
them into these.  Each error carries plain fields so that two backends' errors can be
compared like values (type and fields), not by message text.
"""

from __future__ import annotations

from typing import Any


class ShopError(Exception):
    """Base class of every error a repository raises."""

    def fields(self) -> dict[str, Any]:
        """The error's identifying fields, for comparing errors across backends."""
        return {}


class NotFound(ShopError):
    """The entity named by ``key`` does not exist."""

    def __init__(self, entity: str, key: str) -> None:
        super().__init__(f"{entity} {key!r} not found")
        self.entity = entity
        self.key = key

    def fields(self) -> dict[str, Any]:
        return {"entity": self.entity, "key": self.key}


class AlreadyExists(ShopError):
    """A unique field (``field``) already holds ``value``."""

    def __init__(self, entity: str, field: str, value: str) -> None:
        super().__init__(f"{entity} with {field} {value!r} already exists")
        self.entity = entity
        self.field = field
        self.value = value

    def fields(self) -> dict[str, Any]:
        return {"entity": self.entity, "field": self.field, "value": self.value}


class InsufficientStock(ShopError):
    """Product ``product_id`` cannot give ``requested`` units (stock would go below zero)."""

    def __init__(self, product_id: str, requested: int) -> None:
        super().__init__(f"product {product_id!r} has fewer than {requested} units in stock")
        self.product_id = product_id
        self.requested = requested

    def fields(self) -> dict[str, Any]:
        return {"product_id": self.product_id, "requested": self.requested}


class InvalidTransition(ShopError):
    """An order cannot move from ``current`` to ``requested`` status."""

    def __init__(self, order_id: str, current: str, requested: str) -> None:
        super().__init__(f"order {order_id!r} cannot go from {current} to {requested}")
        self.order_id = order_id
        self.current = current
        self.requested = requested

    def fields(self) -> dict[str, Any]:
        return {"order_id": self.order_id, "current": self.current, "requested": self.requested}


class Conflict(ShopError):
    """The change is refused because of other data (``reason`` says which)."""

    def __init__(self, entity: str, key: str, reason: str) -> None:
        super().__init__(f"{entity} {key!r}: {reason}")
        self.entity = entity
        self.key = key
        self.reason = reason

    def fields(self) -> dict[str, Any]:
        return {"entity": self.entity, "key": self.key, "reason": self.reason}


class ValidationError(ShopError):
    """Input ``field`` is invalid; raised before anything is written."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message

    def fields(self) -> dict[str, Any]:
        return {"field": self.field, "message": self.message}


class Unavailable(ShopError):
    """The datastore could not be reached or kept failing after its configured retries."""

    def __init__(self, operation: str, detail: str) -> None:
        super().__init__(f"{operation} failed: the datastore is unavailable ({detail})")
        self.operation = operation
        self.detail = detail

    def fields(self) -> dict[str, Any]:
        return {"operation": self.operation}
