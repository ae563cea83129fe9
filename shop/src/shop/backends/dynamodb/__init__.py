"""The DynamoDB backend: the five repositories over three tables (see the migration contract).

``build_dynamodb_repositories`` is what the factory calls. ``create_tables`` /
``delete_all_items`` / ``delete_tables`` provision and reset the contract's tables (use a
client that is not counting the repositories' requests, e.g. ``make_client(settings)``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from shop.backends.dynamodb.base import Context
from shop.backends.dynamodb.carts import DynamoCartRepository
from shop.backends.dynamodb.categories import DynamoCategoryRepository
from shop.backends.dynamodb.client import Dynamo, client_config, make_client, observe_requests
from shop.backends.dynamodb.contract import (
    CONTRACT_PATH,
    Contract,
    ContractError,
    create_tables,
    delete_all_items,
    delete_tables,
    load_contract,
)
from shop.backends.dynamodb.keys import Keys
from shop.backends.dynamodb.orders import DynamoOrderRepository
from shop.backends.dynamodb.paging import Pager
from shop.backends.dynamodb.products import DynamoProductRepository
from shop.backends.dynamodb.users import DynamoUserRepository
from shop.clock import Clock, IdSource, SortableIds, SystemClock
from shop.cursors import CursorCodec
from shop.repository_set import RepositorySet
from shop.settings import DynamoSettings

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


def build_dynamodb_repositories(
    settings: DynamoSettings,
    clock: Clock,
    ids: IdSource,
    cursors: CursorCodec,
    on_request: Callable[[str], None] | None = None,
    *,
    client: DynamoDBClient | None = None,
) -> RepositorySet:
    """The DynamoDB repository set over the tables ``settings.table_prefix`` + logical name.

    The tables must exist (``create_tables``). ``on_request`` is called with the operation
    name (``"Query"``, ``"TransactWriteItems"``, ...) once per API call, retries excluded.
    ``client`` is the low-level client to use (a new ``make_client(settings)`` by default;
    give one configured with ``client_config(settings)`` to keep the shop's retries and
    timeouts). The set is safe to share between threads; ``close()`` closes the client.
    """
    contract = load_contract()
    if client is None:
        client = make_client(settings)
    if on_request is not None:
        observe_requests(client, on_request)
    db = Dynamo(
        client,
        contract.table_names(settings.table_prefix),
        batch_get_limit=contract.batch_get_limit,
        unprocessed_attempts=settings.max_attempts,
    )
    context = Context(
        db=db,
        keys=Keys(contract),
        contract=contract,
        clock=clock,
        ids=ids,
        pager=Pager(cursors),
        line_ids=SortableIds(),
        line_clock=SystemClock(),
    )
    return RepositorySet(
        backend="dynamodb",
        users=DynamoUserRepository(context),
        categories=DynamoCategoryRepository(context),
        products=DynamoProductRepository(context),
        carts=DynamoCartRepository(context),
        orders=DynamoOrderRepository(context),
        on_close=client.close,
    )


__all__ = [
    "CONTRACT_PATH",
    "Contract",
    "ContractError",
    "build_dynamodb_repositories",
    "client_config",
    "create_tables",
    "delete_all_items",
    "delete_tables",
    "load_contract",
    "make_client",
]
