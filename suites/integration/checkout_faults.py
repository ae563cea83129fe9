"""Faults the shop's checkout meets on DynamoDB, shared by the fault and race tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from harness.faults import answer_with_error


def product_conflict_on_a_one_line_checkout() -> Callable[..., Any]:
    """A ``before-send`` answer cancelling a one-line checkout's TransactWriteItems with
    ``TransactionConflict`` on the product, as DynamoDB answers a transaction racing
    another for the same item. The transaction's items, in order: the user's version, the
    product's stock, the order, the cart line."""
    return answer_with_error(
        400,
        "TransactionCanceledException",
        CancellationReasons=[
            {"Code": "None"},
            {"Code": "TransactionConflict", "Message": "Transaction is ongoing for the item"},
            {"Code": "None"},
            {"Code": "None"},
        ],
    )
