"""``EndpointResources``: fixed endpoints as ``Resources``, for scripts, tests and benches.

Inside a Parity run the harness passes its own ``Resources`` (servers started lazily, one
database and table prefix per worker). Outside one, e.g. to open a backend on moto
in-process in a test of your own or on a server you started, wrap the endpoints::

    with moto_in_process() as endpoint:
        with dynamodb_backend(EndpointResources(dynamodb=endpoint), TABLES, build) as b:
            ...
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from harness.storage.errors import StorageError

if TYPE_CHECKING:
    from harness.provisioning.endpoints import DynamoEndpoint, MySQLEndpoint


@dataclass(frozen=True)
class EndpointResources:
    """``Resources`` handing out the endpoints it was made with."""

    mysql_endpoint: MySQLEndpoint | None = None
    dynamodb_endpoint: DynamoEndpoint | None = None

    def __init__(
        self, *, mysql: MySQLEndpoint | None = None, dynamodb: DynamoEndpoint | None = None
    ) -> None:
        object.__setattr__(self, "mysql_endpoint", mysql)
        object.__setattr__(self, "dynamodb_endpoint", dynamodb)

    def mysql(self) -> MySQLEndpoint:
        """The MySQL endpoint given."""
        if self.mysql_endpoint is None:
            raise _not_given("mysql")
        return self.mysql_endpoint

    def dynamodb(self) -> DynamoEndpoint:
        """The DynamoDB endpoint given."""
        if self.dynamodb_endpoint is None:
            raise _not_given("dynamodb")
        return self.dynamodb_endpoint


def _not_given(kind: str) -> StorageError:
    return StorageError(
        f"EndpointResources has no {kind} endpoint",
        expected=f"EndpointResources({kind}=<endpoint>) for a {kind} backend",
        observed=f"{kind}=None",
        hint=f"pass the {kind} endpoint when making the EndpointResources",
    )


__all__ = ["EndpointResources"]
