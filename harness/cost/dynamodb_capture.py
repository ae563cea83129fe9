"""What each API call a boto3 DynamoDB client makes cost: one ``RequestCost`` per call.

``capture_costs(client, sink, tables=...)`` registers botocore event handlers on the
client's own event emitter (every client has a copy; other clients are not affected):

* ``before-parameter-build.dynamodb.*``: notes the call's parameters and start time in
  botocore's per-call ``context`` and, on operations that accept it, adds
  ``ReturnConsumedCapacity: "INDEXES"`` when the caller did not set it (the parameters are
  the call's own copy, not the caller's dict; they are validated after this event);
* ``after-call.dynamodb.*``: emitted once per API call after botocore's retries, with the
  parsed response or the parsed error (a failed conditional write arrives here as a
  ``ConditionalCheckFailedException`` response before botocore raises it). It computes the
  units from the items the call touched (``harness.cost.capacity``), records the server's
  ``ConsumedCapacity`` as reported, removes ``ConsumedCapacity`` from the response if
  Parity asked for it, and sends the ``RequestCost`` to ``sink``;
* ``after-call-error.dynamodb.*``: a call that ended without a response (a connection
  error after the retries) still gives a record, with no units and what failed.

Retries are not counted twice: both events fire once per API call, however many HTTP
attempts it took (``detail["retries"]`` says how many were retried). Nothing about the
request the repository asked for changes except ``ReturnConsumedCapacity``: no
``ReturnValues`` is added, so the item a write replaced is often unknown. What could not be
known is listed in ``detail["unknown"]`` and ``detail["figure"]`` says what the units are:
``"computed"`` (every input known), ``"lower_bound"`` (the real figure can only be higher)
or ``"estimate"`` (it could be higher or lower). See docs/cost-dynamodb.md.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from harness.cost import capacity as cap
from harness.cost.events import CostSink, RequestCost

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

READ_OPERATIONS = frozenset({"GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems"})
WRITE_OPERATIONS = frozenset(
    {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}
)
PARTIQL_OPERATIONS = frozenset({"ExecuteStatement", "BatchExecuteStatement", "ExecuteTransaction"})
INJECTED_CAPACITY = "INDEXES"
"""What Parity asks for when the caller did not set ``ReturnConsumedCapacity``."""

Figure = Literal["computed", "lower_bound", "estimate"]


@dataclass
class _Call:
    """One API call in flight (kept in botocore's per-call context)."""

    operation: str
    params: Mapping[str, Any]
    injected: bool
    started: float


@dataclass
class Figures:
    """The computed part of one call's ``RequestCost``."""

    read_units: float = 0.0
    write_units: float = 0.0
    items_read: int = 0
    full_scan: bool = False
    detail: dict[str, Any] = field(default_factory=dict)
    figure: Figure = "computed"
    unknown: list[str] = field(default_factory=list)

    def note(self, what: str, effect: Literal["lower_bound", "estimate"]) -> None:
        """Record that ``what`` is not known, and whether that makes the units a lower
        bound (only higher is possible) or an estimate."""
        if what not in self.unknown:
            self.unknown.append(what)
        if effect == "estimate" or self.figure == "estimate":
            self.figure = "estimate"
        else:
            self.figure = "lower_bound"

    def add_index_writes(self, writes: Iterable[cap.IndexWrite]) -> None:
        """Add index writes to the write units and list them in ``detail``."""
        counts = self.detail.setdefault("index_writes", {})
        for write in writes:
            self.write_units += write.units
            counts[write.index] = counts.get(write.index, 0) + write.writes


Computer = Callable[[Mapping[str, Any], Mapping[str, Any], Mapping[str, cap.TableSchema]], Figures]


def capture_costs(
    client: DynamoDBClient,
    sink: CostSink,
    tables: Mapping[str, Mapping[str, Any]] | None = None,
    *,
    clock: Callable[[], float] = time.perf_counter,
) -> None:
    """Send one ``RequestCost`` to ``sink`` for every API call ``client`` makes.

    ``tables`` maps each physical table name to its CreateTable-style definition
    (``KeySchema``, ``GlobalSecondaryIndexes``...), so that writes are charged for the
    indexes they change; a table not given is charged for its own writes only (noted in
    ``detail["unknown"]``). ``clock`` times the call (``seconds``).
    """
    schemas = {
        name: cap.TableSchema.from_definition(definition, name=name)
        for name, definition in (tables or {}).items()
    }
    _Capture(sink, schemas, clock).register(client)


class _Capture:
    """The handlers one ``capture_costs`` registers (their state key is their own)."""

    def __init__(
        self,
        sink: CostSink,
        schemas: Mapping[str, cap.TableSchema],
        clock: Callable[[], float],
    ) -> None:
        self.sink = sink
        self.schemas = schemas
        self.clock = clock
        self.key = f"parity.cost.{id(self)}"

    def register(self, client: DynamoDBClient) -> None:
        """Register the handlers on ``client``'s own event emitter."""
        events = client.meta.events
        events.register("before-parameter-build.dynamodb", self.before_parameter_build)
        events.register("after-call.dynamodb", self.after_call)
        events.register("after-call-error.dynamodb", self.after_call_error)

    def before_parameter_build(
        self, params: dict[str, Any], model: Any, context: dict[str, Any], **_: Any
    ) -> None:
        """Ask for ``ConsumedCapacity`` if the caller did not; remember the call."""
        members = getattr(model.input_shape, "members", {}) if model.input_shape else {}
        injected = "ReturnConsumedCapacity" in members and "ReturnConsumedCapacity" not in params
        if injected:
            params["ReturnConsumedCapacity"] = INJECTED_CAPACITY
        context[self.key] = _Call(
            operation=str(model.name), params=params, injected=injected, started=self.clock()
        )

    def after_call(
        self,
        http_response: Any,
        parsed: dict[str, Any],
        model: Any,
        context: dict[str, Any],
        **_: Any,
    ) -> None:
        """Compute and send the call's cost; hide the ``ConsumedCapacity`` Parity asked for."""
        call: _Call | None = context.pop(self.key, None)
        if call is None:
            return
        operation = str(model.name)
        status = int(getattr(http_response, "status_code", 200) or 200)
        error = str(parsed.get("Error", {}).get("Code") or "") if status >= 300 else ""
        consumed = parsed.get("ConsumedCapacity")
        if call.injected:
            parsed.pop("ConsumedCapacity", None)
        figures = _computed(operation, call.params, parsed, error, self.schemas)
        reported_read, reported_write = reported_units(consumed, operation)
        if consumed is not None:
            figures.detail["consumed_capacity"] = copy.deepcopy(consumed)
        retries = parsed.get("ResponseMetadata", {}).get("RetryAttempts")
        if retries:
            figures.detail["retries"] = retries
        self.sink(
            _cost(operation, figures, reported_read, reported_write, self.clock() - call.started)
        )

    def after_call_error(self, exception: BaseException, context: dict[str, Any], **_: Any) -> None:
        """A call that got no response: a record with no units, saying what failed."""
        call: _Call | None = context.pop(self.key, None)
        if call is None:
            return
        figures = Figures(detail=_where(call.params))
        figures.detail["error"] = type(exception).__name__
        figures.note("whether the server processed the request (no response came)", "lower_bound")
        self.sink(_cost(call.operation, figures, None, None, self.clock() - call.started))


def _cost(
    operation: str,
    figures: Figures,
    reported_read: float | None,
    reported_write: float | None,
    seconds: float,
) -> RequestCost:
    detail = dict(figures.detail)
    detail["figure"] = figures.figure
    if figures.unknown:
        detail["unknown"] = list(figures.unknown)
    return RequestCost(
        backend="dynamodb",
        operation=operation,
        read_units=figures.read_units,
        write_units=figures.write_units,
        reported_read_units=reported_read,
        reported_write_units=reported_write,
        items_read=figures.items_read,
        full_scan=figures.full_scan,
        seconds=seconds,
        detail=detail,
    )


def reported_units(consumed: Any, operation: str) -> tuple[float | None, float | None]:
    """The server's ``ConsumedCapacity`` (one entry or a list) as (read, write) units.

    ``ReadCapacityUnits``/``WriteCapacityUnits`` are used when the server split them; a
    bare ``CapacityUnits`` counts as read or write by the operation (a PartiQL statement's
    is not split, so it stays in ``detail["consumed_capacity"]`` only).
    """
    entries = consumed if isinstance(consumed, list) else [consumed] if consumed else []
    read: float | None = None
    write: float | None = None
    for entry in entries:
        if not isinstance(entry, Mapping):
            continue
        entry_read = entry.get("ReadCapacityUnits")
        entry_write = entry.get("WriteCapacityUnits")
        total = entry.get("CapacityUnits")
        if entry_read is None and entry_write is None and total is not None:
            if operation in READ_OPERATIONS:
                entry_read = total
            elif operation in WRITE_OPERATIONS:
                entry_write = total
        if entry_read is not None:
            read = (read or 0.0) + float(entry_read)
        if entry_write is not None:
            write = (write or 0.0) + float(entry_write)
    return read, write


def _computed(
    operation: str,
    params: Mapping[str, Any],
    parsed: Mapping[str, Any],
    error: str,
    schemas: Mapping[str, cap.TableSchema],
) -> Figures:
    """The units one call consumed by the published rules, from what it touched."""
    try:
        figures = _figures(operation, params, parsed, error, schemas)
    except cap.CapacityError as problem:
        figures = Figures(detail=_where(params))
        figures.note(f"the item sizes ({problem})", "lower_bound")
    if error:
        figures.detail["error"] = error
    return figures


def _figures(
    operation: str,
    params: Mapping[str, Any],
    parsed: Mapping[str, Any],
    error: str,
    schemas: Mapping[str, cap.TableSchema],
) -> Figures:
    if error == "ConditionalCheckFailedException" and operation in _SINGLE_WRITES:
        return _failed_conditional_write(operation, params, parsed)
    if error == "TransactionCanceledException" and operation in _TRANSACTIONS:
        figures = _TRANSACTIONS[operation](params, parsed, schemas)
        reasons = parsed.get("CancellationReasons") or []
        figures.detail["cancelled"] = [str(r.get("Code", "")) for r in reasons]
        return figures
    if error:
        figures = Figures(detail=_where(params))
        figures.note(
            f"what a request failing with {error} consumed (counted as none)", "lower_bound"
        )
        return figures
    if operation in PARTIQL_OPERATIONS:
        figures = Figures(detail=_where(params))
        figures.note("the units of PartiQL statements (not computed by Parity)", "lower_bound")
        return figures
    computer = _COMPUTERS.get(operation)
    return computer(params, parsed, schemas) if computer else Figures(detail=_where(params))


def _where(params: Mapping[str, Any]) -> dict[str, Any]:
    """``detail``'s table (and index) for a single-table call."""
    detail: dict[str, Any] = {}
    if "TableName" in params:
        detail["table"] = params["TableName"]
    if params.get("IndexName"):
        detail["index"] = params["IndexName"]
    return detail


def _projects(params: Mapping[str, Any]) -> bool:
    """Whether the response holds only some attributes (the read is charged for all)."""
    return bool(
        params.get("ProjectionExpression")
        or params.get("AttributesToGet")
        or params.get("Select") == "SPECIFIC_ATTRIBUTES"
    )


_PROJECTION = "the attributes the projection left out of the response (charged, not returned)"


# -- reads ----------------------------------------------------------------------------------


def _get_item(
    params: Mapping[str, Any], parsed: Mapping[str, Any], schemas: Mapping[str, cap.TableSchema]
) -> Figures:
    """GetItem: the item got, rounded up to 4 KB; none found still costs one block."""
    figures = Figures(detail=_where(params))
    consistency = cap.Consistency.of(params.get("ConsistentRead"))
    item = parsed.get("Item")
    figures.read_units = cap.get_item_read_units(cap.item_size(item) if item else None, consistency)
    figures.items_read = 1 if item else 0
    figures.detail["consistency"] = consistency.name.lower()
    if item and _projects(params):
        figures.note(_PROJECTION, "lower_bound")
    return figures


def _query(
    params: Mapping[str, Any], parsed: Mapping[str, Any], schemas: Mapping[str, cap.TableSchema]
) -> Figures:
    """Query/Scan: every item read summed and rounded up once for the page; the items a
    filter dropped are read too, but the response does not hold them (a lower bound)."""
    figures = Figures(detail=_where(params))
    consistency = cap.Consistency.of(params.get("ConsistentRead"))
    items = parsed.get("Items")
    sizes = [cap.item_size(item) for item in items or ()]
    scanned = int(parsed.get("ScannedCount", parsed.get("Count", len(sizes))))
    figures.read_units = cap.query_read_units(sizes, consistency)
    figures.items_read = scanned
    figures.detail["consistency"] = consistency.name.lower()
    figures.detail["items_returned"] = len(sizes) if items is not None else 0
    if items is None and scanned:
        figures.note("the sizes of the items counted (Select COUNT returns none)", "lower_bound")
    elif scanned > len(sizes):
        figures.note(
            f"the sizes of the {scanned - len(sizes)} items the filter dropped", "lower_bound"
        )
    if sizes and _projects(params):
        figures.note(_PROJECTION, "lower_bound")
    if "Segment" in params:
        figures.detail["segment"] = f"{params['Segment']}/{params.get('TotalSegments')}"
    return figures


def _scan(
    params: Mapping[str, Any], parsed: Mapping[str, Any], schemas: Mapping[str, cap.TableSchema]
) -> Figures:
    """Scan: like Query, and flagged as a full scan."""
    figures = _query(params, parsed, schemas)
    figures.full_scan = True
    return figures


def _batch_get_item(
    params: Mapping[str, Any], parsed: Mapping[str, Any], schemas: Mapping[str, cap.TableSchema]
) -> Figures:
    """BatchGetItem: each item rounded up separately; keys that found nothing cost one
    block each; unprocessed keys were not read."""
    figures = Figures(detail={"tables": sorted(params.get("RequestItems") or {})})
    responses = parsed.get("Responses") or {}
    unprocessed = parsed.get("UnprocessedKeys") or {}
    consistencies: dict[str, str] = {}
    for table, request in (params.get("RequestItems") or {}).items():
        consistency = cap.Consistency.of(request.get("ConsistentRead"))
        consistencies[table] = consistency.name.lower()
        found = responses.get(table) or []
        skipped = len((unprocessed.get(table) or {}).get("Keys") or [])
        missing = max(0, len(request.get("Keys") or []) - skipped - len(found))
        sizes = [cap.item_size(item) for item in found]
        figures.read_units += cap.batch_get_read_units(sizes, consistency, missing=missing)
        figures.items_read += len(found)
        if found and _projects(request):
            figures.note(_PROJECTION, "lower_bound")
    figures.detail["consistency"] = consistencies
    skipped_total = sum(len((u or {}).get("Keys") or []) for u in unprocessed.values())
    if skipped_total:
        figures.detail["unprocessed_keys"] = skipped_total
    return figures


def _transact_get_items(
    params: Mapping[str, Any], parsed: Mapping[str, Any], schemas: Mapping[str, cap.TableSchema]
) -> Figures:
    """TransactGetItems: each item rounded up to 4 KB at two units a block."""
    gets = [action.get("Get") or {} for action in params.get("TransactItems") or []]
    figures = Figures(detail={"tables": sorted({str(g.get("TableName")) for g in gets})})
    responses = parsed.get("Responses")
    if responses is None:
        sizes: list[int | None] = [None] * len(gets)
        figures.note("the sizes of the items (the response holds none)", "lower_bound")
    else:
        sizes = [cap.item_size(r.get("Item")) if r.get("Item") else None for r in responses]
    figures.read_units = cap.transact_get_read_units(sizes)
    figures.items_read = sum(1 for size in sizes if size is not None)
    figures.detail["consistency"] = cap.Consistency.TRANSACTIONAL.name.lower()
    if any(g.get("ProjectionExpression") for g in gets) and figures.items_read:
        figures.note(_PROJECTION, "lower_bound")
    return figures


# -- writes ---------------------------------------------------------------------------------

_OLD_UNKNOWN = "the item a write replaced, if any (its size counts when larger)"
_NO_SCHEMA = "the indexes of a table whose definition capture_costs was not given"


def _index_writes(
    figures: Figures,
    schema: cap.TableSchema | None,
    old: cap.Item | None,
    new: cap.Item | None,
    *,
    old_known: bool,
    new_known: bool,
) -> None:
    """Add what the write cost the table's secondary indexes (as far as it is known)."""
    if schema is None:
        figures.note(_NO_SCHEMA, "lower_bound")
        return
    if not schema.indexes:
        return
    if not new_known:
        figures.note("the index writes (the item after the write is unknown)", "lower_bound")
        figures.detail.setdefault("index_writes", {})
        return
    if not old_known:
        figures.note("the index writes (counted as if no item existed before)", "estimate")
    figures.add_index_writes(cap.index_writes(old if old_known else None, new, schema))


def _old_item(params: Mapping[str, Any], parsed: Mapping[str, Any]) -> tuple[cap.Item | None, bool]:
    """The item before the write, and whether it is known (only if the caller asked for
    ``ReturnValues: ALL_OLD``; no ``Attributes`` then means there was none)."""
    if params.get("ReturnValues") == "ALL_OLD":
        return parsed.get("Attributes") or None, True
    return None, False


def _put_item(
    params: Mapping[str, Any], parsed: Mapping[str, Any], schemas: Mapping[str, cap.TableSchema]
) -> Figures:
    """PutItem: the larger of the new and the replaced item, plus the index writes."""
    figures = Figures(detail=_where(params))
    new = params.get("Item") or {}
    old, old_known = _old_item(params, parsed)
    figures.write_units = cap.write_units(cap.item_size(new), cap.item_size(old))
    if not old_known:
        figures.note(_OLD_UNKNOWN, "lower_bound")
    _index_writes(
        figures,
        schemas.get(str(params.get("TableName"))),
        old,
        new,
        old_known=old_known,
        new_known=True,
    )
    return figures


def _update_item(
    params: Mapping[str, Any], parsed: Mapping[str, Any], schemas: Mapping[str, cap.TableSchema]
) -> Figures:
    """UpdateItem: the larger of the item before and after; only the side the caller's
    ``ReturnValues`` returned is known (the key, and updated values, bound the other)."""
    figures = Figures(detail=_where(params))
    returned = params.get("ReturnValues", "NONE")
    attributes = parsed.get("Attributes") or None
    old, old_known = _old_item(params, parsed)
    new_known = returned == "ALL_NEW"
    new = attributes if new_known else None
    bound = {**(params.get("Key") or {}), **((returned == "UPDATED_NEW" and attributes) or {})}
    if not new_known:
        figures.note("the item after the update (sized from what the request shows)", "lower_bound")
    if not old_known:
        figures.note("the item before the update", "lower_bound")
    new_size = cap.item_size(new) if new_known else cap.item_size(bound)
    figures.write_units = cap.write_units(new_size, cap.item_size(old))
    _index_writes(
        figures,
        schemas.get(str(params.get("TableName"))),
        old,
        new,
        old_known=old_known,
        new_known=new_known,
    )
    return figures


def _delete_item(
    params: Mapping[str, Any], parsed: Mapping[str, Any], schemas: Mapping[str, cap.TableSchema]
) -> Figures:
    """DeleteItem: the deleted item's size (one unit when there was none)."""
    figures = Figures(detail=_where(params))
    old, old_known = _old_item(params, parsed)
    figures.write_units = cap.write_units(None, cap.item_size(old))
    schema = schemas.get(str(params.get("TableName")))
    if old_known:
        if schema is None:
            figures.note(_NO_SCHEMA, "lower_bound")
        else:
            figures.add_index_writes(cap.index_writes(old, None, schema))
    else:
        figures.note("the deleted item's size", "lower_bound")
        if schema is None or schema.indexes:
            figures.note("the index writes (the deleted item is unknown)", "lower_bound")
    return figures


def _failed_conditional_write(
    operation: str, params: Mapping[str, Any], parsed: Mapping[str, Any]
) -> Figures:
    """A write whose condition failed: one unit if no item existed, else by the sizes;
    the existing item is known only with ``ReturnValuesOnConditionCheckFailure: ALL_OLD``."""
    figures = Figures(detail=_where(params))
    figures.detail["condition_failed"] = True
    new_size = cap.item_size(params.get("Item")) if operation == "PutItem" else None
    if params.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD":
        existing = parsed.get("Item") or None
        figures.write_units = cap.failed_conditional_write_units(
            cap.item_size(existing) if existing else None, new_size
        )
    else:
        figures.write_units = cap.failed_conditional_write_units(None)
        figures.note("whether the item existed, and its size", "lower_bound")
    return figures


def _batch_write_item(
    params: Mapping[str, Any], parsed: Mapping[str, Any], schemas: Mapping[str, cap.TableSchema]
) -> Figures:
    """BatchWriteItem: each put or delete rounded up to 1 KB; unprocessed ones are free."""
    figures = Figures(detail={"tables": sorted(params.get("RequestItems") or {})})
    unprocessed = parsed.get("UnprocessedItems") or {}
    skipped = 0
    for table, requests in (params.get("RequestItems") or {}).items():
        pending = list(unprocessed.get(table) or [])
        schema = schemas.get(table)
        for request in requests:
            if request in pending:
                pending.remove(request)
                skipped += 1
            elif "PutRequest" in request:
                new = request["PutRequest"].get("Item") or {}
                figures.write_units += cap.write_units(cap.item_size(new))
                figures.note(_OLD_UNKNOWN, "lower_bound")
                _index_writes(figures, schema, None, new, old_known=False, new_known=True)
            else:
                figures.write_units += cap.write_units(None)
                figures.note("the deleted item's size", "lower_bound")
                if schema is None or schema.indexes:
                    figures.note("the index writes (the deleted item is unknown)", "lower_bound")
    if skipped:
        figures.detail["unprocessed_items"] = skipped
    return figures


def _transact_write_items(
    params: Mapping[str, Any], parsed: Mapping[str, Any], schemas: Mapping[str, cap.TableSchema]
) -> Figures:
    """TransactWriteItems: each action a transactional (doubled) write; a ConditionCheck
    two units; the index writes (not doubled) as for a single put. Capacity is consumed
    even when the transaction is cancelled."""
    actions = list(params.get("TransactItems") or [])
    figures = Figures(
        detail={"tables": sorted({str(b.get("TableName")) for a in actions for b in a.values()})}
    )
    for action in actions:
        for kind, body in action.items():
            figures.write_units += _transact_action(figures, kind, body, schemas)
    return figures


def _transact_action(
    figures: Figures, kind: str, body: Mapping[str, Any], schemas: Mapping[str, cap.TableSchema]
) -> float:
    """The units of one TransactWriteItems action (adds its index writes to ``figures``)."""
    schema = schemas.get(str(body.get("TableName")))
    if kind == "ConditionCheck":
        return cap.condition_check_units()
    if kind == "Put":
        new = body.get("Item") or {}
        figures.note(_OLD_UNKNOWN, "lower_bound")
        _index_writes(figures, schema, None, new, old_known=False, new_known=True)
        return cap.write_units(cap.item_size(new), transactional=True)
    if kind == "Update":
        figures.note("the items before and after an update (sized from the key)", "lower_bound")
        _index_writes(figures, schema, None, None, old_known=False, new_known=False)
        return cap.write_units(cap.item_size(body.get("Key")), transactional=True)
    figures.note("the deleted item's size", "lower_bound")
    if schema is None or schema.indexes:
        figures.note("the index writes (the deleted item is unknown)", "lower_bound")
    return cap.write_units(None, transactional=True)


_COMPUTERS: dict[str, Computer] = {
    "GetItem": _get_item,
    "Query": _query,
    "Scan": _scan,
    "BatchGetItem": _batch_get_item,
    "TransactGetItems": _transact_get_items,
    "PutItem": _put_item,
    "UpdateItem": _update_item,
    "DeleteItem": _delete_item,
    "BatchWriteItem": _batch_write_item,
    "TransactWriteItems": _transact_write_items,
}
_SINGLE_WRITES = frozenset({"PutItem", "UpdateItem", "DeleteItem"})
_TRANSACTIONS: dict[str, Computer] = {
    "TransactGetItems": _transact_get_items,
    "TransactWriteItems": _transact_write_items,
}


__all__ = [
    "INJECTED_CAPACITY",
    "PARTIQL_OPERATIONS",
    "READ_OPERATIONS",
    "WRITE_OPERATIONS",
    "Figures",
    "capture_costs",
    "reported_units",
]
