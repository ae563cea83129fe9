"""The one object through which a system under test plugs into Parity.

Parity knows nothing about the system it verifies. A target says how to build each
backend's repository set, which interface Protocols the contract covers, which modules hold
its contract cases and seed data, and how its values are canonicalised. Name it in
``pytest.ini`` (``parity_target = package.module:TARGET``). See docs/targets.md.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol

from harness.canonical import CanonicalRules
from harness.contract.cases import forget_module
from harness.determinism import Determinism


class Resources(Protocol):
    """Servers the harness provisions, started lazily on first use."""

    def mysql(self) -> Any:
        """A ``MySQLEndpoint`` for a fresh database of this worker."""
        ...

    def dynamodb(self) -> Any:
        """A ``DynamoEndpoint`` (URL, region, credentials, table prefix) for this worker."""
        ...


class BackendFactory(Protocol):
    """A backend opened for a session: hands out fresh, empty repository sets.

    A factory may also offer ``save() -> state`` (the datastore's current contents) and
    accept ``fresh(determinism, restore=state)``: Parity then seeds each dataset through
    the interfaces once per backend and restores the saved state for later cases, instead
    of seeding again (the clock and id positions are restored with it).
    """

    def fresh(self, determinism: Determinism, restore: Any = None) -> AbstractContextManager[Any]:
        """A context manager yielding a repository set: empty, or holding ``restore``."""
        ...


class Target(Protocol):
    """What Parity needs to know about a system under test."""

    name: str
    interfaces: Mapping[str, type]
    """Attribute of the repository set -> the Protocol it satisfies."""
    rules: CanonicalRules
    case_modules: Sequence[str]
    """Modules whose import registers the contract cases."""
    domain_errors: tuple[type[BaseException], ...]
    """Errors the interfaces document; any other exception is a crash."""
    write_methods: frozenset[str]
    """``repo.method`` names that change state (cases calling one get a state snapshot)."""
    backends: Sequence[str]
    default_pairs: Mapping[str, tuple[str, str]]
    """Tier -> (baseline, candidate) backend names."""

    def open_backend(
        self, name: str, resources: Resources
    ) -> AbstractContextManager[BackendFactory]:
        """Open backend ``name`` for the session (schema/tables created once)."""
        ...

    def seed(self, repositories: Any, dataset: str) -> Mapping[str, Any]:
        """Load a named seed dataset through the interfaces; return its handles by name."""
        ...

    def snapshot(self, repositories: Any) -> Any:
        """Everything reachable through the interfaces, to observe the state a case left."""
        ...


def load_target(spec: str) -> Target:
    """Import ``package.module:ATTRIBUTE`` and check it looks like a target."""
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise ValueError(
            f"parity_target: expected 'package.module:ATTRIBUTE', got {spec!r}; "
            "set it in pytest.ini"
        )
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise ValueError(
            f"parity_target: could not import {module_name!r} ({error}); "
            "check the module path in pytest.ini"
        ) from error
    target = getattr(module, attribute, None)
    if target is None:
        raise ValueError(f"parity_target: {module_name!r} has no attribute {attribute!r}")
    missing = [
        name
        for name in ("interfaces", "rules", "case_modules", "backends", "open_backend", "seed")
        if not hasattr(target, name)
    ]
    if missing:
        raise ValueError(f"parity_target {spec!r}: expected a Target, missing {missing}")
    for case_module in target.case_modules:
        forget_module(case_module)
        if case_module in sys.modules:
            importlib.reload(sys.modules[case_module])
        else:
            importlib.import_module(case_module)
    result: Target = target
    return result


def interface_methods(interfaces: Mapping[str, type]) -> list[str]:
    """Every ``repo.method`` the Protocols declare, in declaration order."""
    names: list[str] = []
    for attribute, protocol in interfaces.items():
        for name, member in vars(protocol).items():
            if not name.startswith("_") and callable(member):
                names.append(f"{attribute}.{name}")
    return names
