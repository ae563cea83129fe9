"""Translating botocore failures: conditions become internal signals, the rest ``Unavailable``.

A repository method never lets a botocore exception out. The request helpers in
``client`` turn a failed condition into ``ConditionFailed`` / ``TransactionCancelled``
(internal, caught by the repository, which knows what the condition meant: AlreadyExists,
InsufficientStock, NotFound, Conflict) and every other failure (throttling or 5xx after
botocore's configured retries, timeouts, connection errors, anything unexpected) into
``shop.domain.Unavailable``. Each failure is logged once here, with operation and table.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from shop.domain import Unavailable

logger = logging.getLogger(__name__)

CONDITION_FAILED = "ConditionalCheckFailed"
TRANSACTION_CONFLICT = "TransactionConflict"
NO_ERROR = "None"


class ConditionFailed(Exception):
    """A single-item write's condition was false; ``old`` is the item as it was (or None)."""

    def __init__(self, old: dict[str, Any] | None) -> None:
        super().__init__("condition failed")
        self.old = old


@dataclass(frozen=True)
class Reason:
    """Why one item of a cancelled transaction failed (``code`` "None": it did not)."""

    code: str
    old: dict[str, Any] | None = None

    @property
    def failed(self) -> bool:
        """Whether this item's condition was false."""
        return self.code == CONDITION_FAILED


class TransactionCancelled(Exception):
    """A TransactWriteItems was cancelled by a false condition or a conflicting transaction."""

    def __init__(self, reasons: list[Reason]) -> None:
        super().__init__(", ".join(r.code for r in reasons))
        self.reasons = reasons

    def failed(self, index: int) -> bool:
        """Whether the condition of item ``index`` was false."""
        return index < len(self.reasons) and self.reasons[index].failed

    def old(self, index: int) -> dict[str, Any] | None:
        """Item ``index`` as it was when its condition failed (None when it did not exist)."""
        return self.reasons[index].old if index < len(self.reasons) else None

    @property
    def conflicted(self) -> bool:
        """Whether another transaction on the same items caused (part of) the cancellation."""
        return any(r.code == TRANSACTION_CONFLICT for r in self.reasons)


def error_code(exc: ClientError) -> str:
    """The AWS error code of ``exc`` (empty when there is none)."""
    return str(exc.response.get("Error", {}).get("Code", ""))


def describe(exc: BaseException) -> str:
    """A one-line description of a botocore failure, without request data."""
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        attempts = exc.response.get("ResponseMetadata", {}).get("RetryAttempts")
        retried = f" after {attempts} retries" if attempts else ""
        return f"{error.get('Code', 'error')}: {error.get('Message', '')}{retried}".strip()
    return f"{type(exc).__name__}: {exc}"


def unavailable(operation: str, table: str, exc: ClientError | BotoCoreError) -> Unavailable:
    """The ``Unavailable`` for a failed request, logged once (with operation and table)."""
    detail = describe(exc)
    logger.warning("DynamoDB %s on %s failed: %s", operation, table, detail)
    return Unavailable(operation, f"{table}: {detail}")


def unexpected_reasons(operation: str, table: str, reasons: list[Reason]) -> Unavailable:
    """The ``Unavailable`` for a transaction cancelled by something other than conditions."""
    codes = ", ".join(r.code for r in reasons)
    logger.warning("DynamoDB %s on %s was cancelled: %s", operation, table, codes)
    return Unavailable(operation, f"{table}: transaction cancelled ({codes})")
