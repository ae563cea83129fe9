"""Parity: prove a data access layer behaves the same on MySQL and on DynamoDB.

Everything a team writes against is exported here (and only here is public):

* writing cases: ``case``, ``Run``, ``CallFailed``;
* describing the system: the ``Target`` protocol, its optional capabilities
  (``HasInfrastructureErrors``, ``HasProgramStrategies``, ``HasPaging``/``Paging``,
  ``HasGrowthProbe``; what a call cost: ``RequestCost``),
  ``CanonicalRules``;
* generated programs: ``Pools`` and ``Override`` for a target's ``program_strategies``;
* the e2e tier: ``AppServer`` starts the system's own entry point (e.g. an HTTP app);
* reliability tests of your own: ``LoopbackProxy`` cuts a server off mid-test;
  ``HoldBackReads``/``HoldBackWrites`` make batch answers partial and
  ``answer_with``/``answer_with_error`` answer a request for the server (botocore events);
* building backends: ``BackendFactory`` and ``SavesState``, ``Determinism`` with its
  ``ClockLike``/``IdSource`` protocols, ``Resources`` and the handles it gives
  (``MySQLEndpoint``, ``DynamoEndpoint``; the servers behind them are ``MySQLServer`` and
  ``DynamoDBServer``), and the schema provisioning helpers (``MySQLSchema``,
  ``DynamoTables``, ``mysql_backend``, ``dynamodb_backend`` with their ``MySQLDatabase``
  and ``DynamoDBTables`` handles).

Names are imported on first use (PEP 562), so ``import harness`` (which the pytest plugin
does in every project) costs almost nothing and imports no database driver.
docs/targets.md documents each name.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from harness.canonical import CanonicalRules
    from harness.contract.cases import case
    from harness.contract.run import CallFailed, Run
    from harness.cost.events import RequestCost
    from harness.cost.growth import HasGrowthProbe
    from harness.determinism import (
        ClockLike,
        Determinism,
        DeterministicClock,
        IdSource,
        SequentialIds,
    )
    from harness.faults import HoldBackReads, HoldBackWrites, answer_with, answer_with_error
    from harness.programs.draw import Override, Pools
    from harness.provisioning.app import AppServer
    from harness.provisioning.cutoff import LoopbackProxy
    from harness.provisioning.dynamodb import DynamoServer as DynamoDBServer
    from harness.provisioning.dynamodb import moto_in_process
    from harness.provisioning.endpoints import DynamoEndpoint, MySQLEndpoint
    from harness.provisioning.mysql import MySQLServer
    from harness.storage import (
        DynamoDBBackend,
        DynamoDBTables,
        DynamoTables,
        EndpointResources,
        MySQLBackend,
        MySQLDatabase,
        MySQLSchema,
        StorageError,
        StorageUnavailable,
        dynamodb_backend,
        mysql_backend,
    )
    from harness.target import (
        BackendFactory,
        HasInfrastructureErrors,
        HasPaging,
        HasProgramStrategies,
        Paging,
        Resources,
        SavesState,
        Target,
        TargetError,
        load_target,
    )

_EXPORTS: dict[str, tuple[str, str]] = {
    "case": ("harness.contract.cases", "case"),
    "Run": ("harness.contract.run", "Run"),
    "CallFailed": ("harness.contract.run", "CallFailed"),
    "CanonicalRules": ("harness.canonical", "CanonicalRules"),
    "Target": ("harness.target", "Target"),
    "TargetError": ("harness.target", "TargetError"),
    "load_target": ("harness.target", "load_target"),
    "BackendFactory": ("harness.target", "BackendFactory"),
    "SavesState": ("harness.target", "SavesState"),
    "HasInfrastructureErrors": ("harness.target", "HasInfrastructureErrors"),
    "HasProgramStrategies": ("harness.target", "HasProgramStrategies"),
    "HasPaging": ("harness.target", "HasPaging"),
    "HasGrowthProbe": ("harness.cost.growth", "HasGrowthProbe"),
    "RequestCost": ("harness.cost.events", "RequestCost"),
    "Paging": ("harness.target", "Paging"),
    "Resources": ("harness.target", "Resources"),
    "Determinism": ("harness.determinism", "Determinism"),
    "DeterministicClock": ("harness.determinism", "DeterministicClock"),
    "SequentialIds": ("harness.determinism", "SequentialIds"),
    "ClockLike": ("harness.determinism", "ClockLike"),
    "IdSource": ("harness.determinism", "IdSource"),
    "MySQLEndpoint": ("harness.provisioning.endpoints", "MySQLEndpoint"),
    "DynamoEndpoint": ("harness.provisioning.endpoints", "DynamoEndpoint"),
    "MySQLServer": ("harness.provisioning.mysql", "MySQLServer"),
    "DynamoDBServer": ("harness.provisioning.dynamodb", "DynamoServer"),
    "MySQLSchema": ("harness.storage", "MySQLSchema"),
    "DynamoTables": ("harness.storage", "DynamoTables"),
    "MySQLDatabase": ("harness.storage", "MySQLDatabase"),
    "DynamoDBTables": ("harness.storage", "DynamoDBTables"),
    "mysql_backend": ("harness.storage", "mysql_backend"),
    "dynamodb_backend": ("harness.storage", "dynamodb_backend"),
    "MySQLBackend": ("harness.storage", "MySQLBackend"),
    "DynamoDBBackend": ("harness.storage", "DynamoDBBackend"),
    "EndpointResources": ("harness.storage", "EndpointResources"),
    "StorageError": ("harness.storage", "StorageError"),
    "StorageUnavailable": ("harness.storage", "StorageUnavailable"),
    "moto_in_process": ("harness.provisioning.dynamodb", "moto_in_process"),
    "Pools": ("harness.programs.draw", "Pools"),
    "Override": ("harness.programs.draw", "Override"),
    "AppServer": ("harness.provisioning.app", "AppServer"),
    "LoopbackProxy": ("harness.provisioning.cutoff", "LoopbackProxy"),
    "HoldBackReads": ("harness.faults", "HoldBackReads"),
    "HoldBackWrites": ("harness.faults", "HoldBackWrites"),
    "answer_with": ("harness.faults", "answer_with"),
    "answer_with_error": ("harness.faults", "answer_with_error"),
}

__all__ = [
    "AppServer",
    "BackendFactory",
    "CallFailed",
    "CanonicalRules",
    "ClockLike",
    "Determinism",
    "DeterministicClock",
    "DynamoDBBackend",
    "DynamoDBServer",
    "DynamoDBTables",
    "DynamoEndpoint",
    "DynamoTables",
    "EndpointResources",
    "HasGrowthProbe",
    "HasInfrastructureErrors",
    "HasPaging",
    "HasProgramStrategies",
    "HoldBackReads",
    "HoldBackWrites",
    "IdSource",
    "LoopbackProxy",
    "MySQLBackend",
    "MySQLDatabase",
    "MySQLEndpoint",
    "MySQLSchema",
    "MySQLServer",
    "Override",
    "Paging",
    "Pools",
    "RequestCost",
    "Resources",
    "Run",
    "SavesState",
    "SequentialIds",
    "StorageError",
    "StorageUnavailable",
    "Target",
    "TargetError",
    "answer_with",
    "answer_with_error",
    "case",
    "dynamodb_backend",
    "load_target",
    "moto_in_process",
    "mysql_backend",
]


def __getattr__(name: str) -> Any:
    """Import a public name on first use."""
    try:
        module_name, attribute = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module 'harness' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module_name), attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
