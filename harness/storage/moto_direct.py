"""Save, restore and empty moto in-process tables by copying moto's objects (no requests).

On moto in-process (no endpoint URL and a ``mock_aws`` active) every request costs
milliseconds of botocore and moto serialisation; ``harness.provisioning.moto_state``
copies the items out of and back into moto's own objects instead, in well under a
millisecond per table. ``MotoDirect`` is how a ``DynamoDBBackend`` uses it:

- the first save and the first restore are checked against a Scan through the API (on
  the administrative client, not counted); if moto is not shaped as expected (a moto
  upgrade), it warns once and the backend uses the API from then on;
- tables that vanished (moto's mock is reset whenever a test enters its own) are created
  again through ``recreate`` and the reset retried.
"""

from __future__ import annotations

import base64
import importlib.util
import logging
import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from harness.provisioning.moto_state import (
    MotoStateError,
    MotoTablesMissing,
    MotoTablesState,
    check_against_api,
    clear_tables,
    mock_active,
    restore_tables,
    save_tables,
)
from harness.storage.dynamodb_state import DynamoItems

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

    from harness.provisioning.endpoints import DynamoEndpoint
    from harness.storage.dynamodb_tables import DynamoTables

logger = logging.getLogger(__name__)


class MotoDirect:
    """Direct moto state for one backend's tables, while it works (see the module)."""

    def __init__(
        self,
        endpoint: DynamoEndpoint,
        tables: DynamoTables,
        admin: DynamoDBClient,
        recreate: Callable[[], None],
        *,
        enabled: bool | None = None,
    ) -> None:
        self.region = endpoint.region
        self.prefix = endpoint.table_prefix
        self.physical = [endpoint.table_prefix + name for name in tables.names]
        self._admin = admin
        self._recreate = recreate
        self.enabled = self._available(endpoint) if enabled is None else enabled
        """Whether state moves by copying moto's objects (else through the API)."""
        self._saves_checked = False
        self._restores_checked = False

    def save(self) -> MotoTablesState | None:
        """The tables' items copied out of moto, or None (use the API)."""
        if not self.enabled:
            return None
        try:
            try:
                state = save_tables(self.physical, region=self.region)
            except MotoTablesMissing:
                self._recreate()
                state = save_tables(self.physical, region=self.region)
            if not self._saves_checked:
                self._check(state, "a saved state")
                self._saves_checked = True
            return state
        except MotoStateError as error:
            self._fall_back(error)
            return None

    def reset(self, restore: Any) -> bool:
        """Make the tables hold ``restore`` (a ``MotoTablesState``) or nothing; False when
        it cannot (then the caller uses the API)."""
        if not self.enabled or not (restore is None or isinstance(restore, MotoTablesState)):
            return False
        try:
            try:
                self._reset(restore)
            except MotoTablesMissing:
                self._recreate()
                self._reset(restore)
            if restore is not None and not self._restores_checked:
                self._check(restore, "a restored state")
                self._restores_checked = True
        except MotoStateError as error:
            self._fall_back(error)
            return False
        return True

    def _reset(self, restore: MotoTablesState | None) -> None:
        if restore is None:
            clear_tables(self.physical, region=self.region)
        else:
            restore_tables(restore)

    def to_items(self, state: Any) -> Any:
        """A direct state as the API path takes it; any other state unchanged."""
        return self.as_items(state) if isinstance(state, MotoTablesState) else state

    def as_items(self, state: MotoTablesState) -> DynamoItems:
        """A direct state as the API path saves one (by logical name, binary as bytes)."""
        return DynamoItems(
            {
                name.removeprefix(self.prefix): tuple(_binary_as_bytes(i) for i in items)
                for name, items in state.raw_items().items()
            }
        )

    def _available(self, endpoint: DynamoEndpoint) -> bool:
        if endpoint.url is not None or importlib.util.find_spec("moto") is None:
            return False  # a server, or real AWS without moto installed
        try:
            return mock_active()
        except MotoStateError as error:
            self.enabled = True  # so that _fall_back says it
            self._fall_back(error)
            return False

    def _check(self, state: MotoTablesState, what: str) -> None:
        """Raise ``MotoStateError`` unless a Scan through the API sees exactly ``state``."""
        difference = check_against_api(state, self._admin)
        if difference is not None:
            raise MotoStateError(
                f"moto's in-process objects disagree with its API on {what}",
                expected="a Scan of each table returns exactly the items copied directly",
                observed=difference,
            )

    def _fall_back(self, error: Exception) -> None:
        """Use the API from now on, and say so (once)."""
        if self.enabled:
            message = f"DynamoDBBackend: direct moto state unavailable, using the API\n{error}"
            logger.warning(message)
            warnings.warn(message, RuntimeWarning, stacklevel=4)
        self.enabled = False


def _binary_as_bytes(value: Any) -> Any:
    """moto keeps B/BS values base64-encoded as on the wire; boto3 clients take bytes."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, inner in value.items():
            if key == "B" and isinstance(inner, str):
                out[key] = base64.b64decode(inner)
            elif key == "BS" and isinstance(inner, list):
                out[key] = [base64.b64decode(v) if isinstance(v, str) else v for v in inner]
            else:
                out[key] = _binary_as_bytes(inner)
        return out
    if isinstance(value, list):
        return [_binary_as_bytes(v) for v in value]
    return value


__all__ = ["MotoDirect"]
