"""The one object through which a system under test plugs into Parity.

Parity knows nothing about the system it verifies. A target says how to build each
backend's repository set, which interface Protocols the contract covers, which modules hold
its contract cases and seed data, and how its values are canonicalised. Name it in
``pytest.ini`` (``parity_target = package.module:TARGET``). See docs/targets.md.

Required members are the ``Target`` protocol; optional capabilities are small protocols
of their own (``HasInfrastructureErrors``, ``HasProgramStrategies``, ``HasPaging`` for a
target; ``SavesState`` for a backend factory), read through the ``*_of`` helpers here.
"""

from __future__ import annotations

import importlib
import inspect
import sys
import traceback
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from harness.canonical import CanonicalRules
from harness.determinism import Determinism

if TYPE_CHECKING:
    from harness.provisioning.endpoints import DynamoEndpoint, MySQLEndpoint


class Resources(Protocol):
    """Servers the harness provisions for this worker, started lazily on first use."""

    def mysql(self) -> MySQLEndpoint:
        """A ``MySQLEndpoint`` for a fresh, empty database of this worker (dropped at the end)."""
        ...

    def dynamodb(self) -> DynamoEndpoint:
        """A ``DynamoEndpoint`` whose ``table_prefix`` is unique to this worker and run."""
        ...


class BackendFactory(Protocol):
    """A backend opened for a session: hands out fresh, empty repository sets."""

    def fresh(self, determinism: Determinism) -> AbstractContextManager[Any]:
        """A context manager yielding an empty repository set built with ``determinism``."""
        ...


@runtime_checkable
class SavesState(Protocol):
    """A factory that can save its datastore's contents and start from them again.

    Parity then seeds each dataset through the interfaces once per backend and restores
    the saved state for later cases, instead of seeding again (the clock and id positions
    are restored with it).
    """

    def save(self) -> Any:
        """The datastore's current contents (of the repository set handed out last)."""
        ...

    def fresh(self, determinism: Determinism, restore: Any = None) -> AbstractContextManager[Any]:
        """A repository set holding ``restore`` (a ``save()`` result), or empty when None."""
        ...


@dataclass(frozen=True)
class Paging:
    """How a target's listings page, for ``Run.drain``: the parameter names a listing takes
    and the names of the page's members (attributes, or keys when a page is a mapping).

    The default is ``listing(..., limit=n, cursor=c)`` returning a page with ``.items``
    and ``.next_cursor`` (None on the last page). A target with another convention sets
    ``paging = Paging(limit="page_size", cursor="page_token", items="results",
    next_cursor="next_page_token")``.
    """

    limit: str = "limit"
    cursor: str = "cursor"
    items: str = "items"
    next_cursor: str = "next_cursor"

    def member(self, page: Any, name: str) -> Any:
        """``page.<name>``, or ``page[name]`` when the page is a mapping."""
        if isinstance(page, Mapping):
            return page[name]
        return getattr(page, name)


DEFAULT_PAGING = Paging()


class Target(Protocol):
    """What Parity needs to know about a system under test (every member is required)."""

    name: str
    """A short name for reports and found programs."""
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
    """The backend names ``open_backend`` accepts."""
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


@runtime_checkable
class HasInfrastructureErrors(Protocol):
    """A target naming the errors that mean "the datastore or network failed": a call that
    raises one makes the run incomplete, never a difference."""

    infrastructure_errors: tuple[type[BaseException], ...]


@runtime_checkable
class HasProgramStrategies(Protocol):
    """A target giving argument strategies for generated programs (docs/programs.md)."""

    program_strategies: Mapping[str, Any]


@runtime_checkable
class HasPaging(Protocol):
    """A target whose listings page with other names than ``limit``/``cursor``/``items``/
    ``next_cursor`` (see ``Paging``)."""

    paging: Paging


def infrastructure_errors_of(target: object) -> tuple[type[BaseException], ...]:
    """The target's infrastructure errors (none when it declares none)."""
    return target.infrastructure_errors if isinstance(target, HasInfrastructureErrors) else ()


def program_strategies_of(target: object) -> Mapping[str, Any]:
    """The target's program strategies (none when it declares none)."""
    return (target.program_strategies or {}) if isinstance(target, HasProgramStrategies) else {}


def paging_of(target: object) -> Paging:
    """The target's paging convention (the default when it declares none)."""
    return target.paging if isinstance(target, HasPaging) else DEFAULT_PAGING


class TargetError(ValueError):
    """The configured target cannot be loaded or is not a complete ``Target``."""


_ATTRIBUTES: dict[str, str] = {
    "name": "a non-empty str",
    "interfaces": "a mapping of attribute name -> Protocol class",
    "rules": "a harness.CanonicalRules",
    "case_modules": "a sequence of module names (str)",
    "domain_errors": "a tuple of exception classes",
    "write_methods": "a frozenset of 'repo.method' names",
    "backends": "a sequence of backend names (str)",
    "default_pairs": "a mapping of tier -> (baseline, candidate) backend names",
}
_METHODS: dict[str, int] = {"open_backend": 2, "seed": 2, "snapshot": 1}
"""Required methods and how many arguments each takes."""


def check_target(target: object) -> list[str]:
    """Every way ``target`` falls short of the ``Target`` protocol (empty when it is one)."""
    problems: list[str] = []
    for name, expected in _ATTRIBUTES.items():
        if not hasattr(target, name):
            problems.append(f"missing {name} ({expected})")
            continue
        value = getattr(target, name)
        if not _attribute_ok(name, value):
            problems.append(f"{name}: expected {expected}, got {_short(value)}")
    for name, arity in _METHODS.items():
        method = getattr(target, name, None)
        if method is None:
            problems.append(f"missing method {name}() taking {arity} argument(s)")
        elif not callable(method):
            problems.append(f"{name}: expected a method, got {_short(method)}")
        elif not _accepts(method, arity):
            problems.append(f"{name}: expected a method taking {arity} argument(s)")
    backends = getattr(target, "backends", ())
    pairs = getattr(target, "default_pairs", {})
    if isinstance(pairs, Mapping) and isinstance(backends, Sequence):
        for tier, pair in pairs.items():
            unknown = [b for b in (pair if isinstance(pair, tuple) else ()) if b not in backends]
            if unknown:
                problems.append(
                    f"default_pairs[{tier!r}] names {unknown}, not in backends {list(backends)}"
                )
    interfaces = getattr(target, "interfaces", None)
    writes = getattr(target, "write_methods", None)
    if isinstance(interfaces, Mapping) and isinstance(writes, frozenset):
        known = set(interface_methods(interfaces))
        unknown_writes = sorted(m for m in writes if m not in known)
        if unknown_writes:
            problems.append(f"write_methods names methods the interfaces lack: {unknown_writes}")
    for capability, attribute in (
        (HasInfrastructureErrors, "infrastructure_errors"),
        (HasPaging, "paging"),
    ):
        if hasattr(target, attribute) and not _optional_ok(attribute, getattr(target, attribute)):
            problems.append(
                f"{attribute} ({capability.__name__}): got {_short(getattr(target, attribute))}"
            )
    return problems


def _attribute_ok(name: str, value: Any) -> bool:
    if name == "name":
        return isinstance(value, str) and bool(value)
    if name == "interfaces":
        return isinstance(value, Mapping) and all(
            isinstance(k, str) and isinstance(v, type) for k, v in value.items()
        )
    if name == "rules":
        return isinstance(value, CanonicalRules)
    if name in ("case_modules", "backends"):
        return (
            isinstance(value, Sequence)
            and not isinstance(value, str)
            and all(isinstance(v, str) for v in value)
        )
    if name == "domain_errors":
        return _exception_tuple(value)
    if name == "write_methods":
        return isinstance(value, frozenset) and all(isinstance(v, str) for v in value)
    if name == "default_pairs":
        return isinstance(value, Mapping) and all(
            isinstance(p, tuple) and len(p) == 2 and all(isinstance(b, str) for b in p)
            for p in value.values()
        )
    return True


def _optional_ok(name: str, value: Any) -> bool:
    if name == "infrastructure_errors":
        return _exception_tuple(value)
    return isinstance(value, Paging)


def _exception_tuple(value: Any) -> bool:
    return isinstance(value, tuple) and all(
        isinstance(v, type) and issubclass(v, BaseException) for v in value
    )


def _accepts(method: Callable[..., Any], arity: int) -> bool:
    try:
        inspect.signature(method).bind(*([None] * arity))
    except TypeError:
        return False
    except ValueError:  # no signature (a builtin): trust it
        return True
    return True


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def load_target(spec: str, *, setting: str = "parity_target") -> Target:
    """Import ``package.module:ATTRIBUTE``, check it is a whole ``Target``, import its cases.

    Raises ``TargetError`` saying what was expected, what was found and what to do:
    a module that is not importable (check ``pythonpath``), a module that raised while
    importing (its traceback's tail), a missing attribute, or every missing member.
    """
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise TargetError(
            f"{setting}: expected 'package.module:ATTRIBUTE', got {spec!r}; set it in pytest.ini"
        )
    module = _import(module_name, setting, "the target module")
    target = getattr(module, attribute, None)
    if target is None:
        names = sorted(n for n in vars(module) if n.isupper() or n[:1].isupper())
        raise TargetError(
            f"{setting}: module {module_name!r} ({getattr(module, '__file__', '?')}) has no "
            f"attribute {attribute!r}; it defines {names[:10] or 'no public names'}; "
            f"hint: fix the part after ':' in {spec!r}"
        )
    problems = check_target(target)
    if problems:
        raise TargetError(
            f"{setting} {spec!r}: expected an object satisfying harness.Target, found "
            f"{type(target).__name__} with these problems:\n  - "
            + "\n  - ".join(problems)
            + "\n  hint: see docs/targets.md for each member"
        )
    from harness.contract.cases import forget_module

    for case_module in target.case_modules:
        forget_module(case_module)
        if case_module in sys.modules:
            importlib.reload(sys.modules[case_module])
        else:
            _import(case_module, f"{setting} {spec!r}: case_modules", "a case module")
    result: Target = target
    return result


def _import(module_name: str, setting: str, what: str) -> Any:
    """Import a module, or raise a ``TargetError`` telling "not on sys.path" from "broke"."""
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        missing = error.name or ""
        if module_name == missing or module_name.startswith(missing + "."):
            raise TargetError(
                f"{setting}: {what} {module_name!r} is not importable: no module named "
                f"{missing!r} on sys.path; hint: add its folder to `pythonpath` in pytest.ini "
                f"(e.g. `pythonpath = .` or `pythonpath = src`), or install it; sys.path "
                f"starts {sys.path[:4]}"
            ) from None
        raise TargetError(_broke(module_name, setting, what, error)) from error
    except Exception as error:  # the module itself raised while importing
        raise TargetError(_broke(module_name, setting, what, error)) from error


def _broke(module_name: str, setting: str, what: str, error: BaseException) -> str:
    tail = "".join(traceback.format_exception(error)[-6:]).rstrip()
    return (
        f"{setting}: {what} {module_name!r} was found but raised while importing: "
        f"{type(error).__name__}: {error}\n{tail}\n  hint: fix the error above (the module "
        "itself, or a package it imports that is not installed)"
    )


def interface_methods(interfaces: Mapping[str, type]) -> list[str]:
    """Every ``repo.method`` the Protocols declare, in declaration order."""
    names: list[str] = []
    for attribute, protocol in interfaces.items():
        for name, member in vars(protocol).items():
            if not name.startswith("_") and callable(member):
                names.append(f"{attribute}.{name}")
    return names


__all__ = [
    "DEFAULT_PAGING",
    "BackendFactory",
    "HasInfrastructureErrors",
    "HasPaging",
    "HasProgramStrategies",
    "Paging",
    "Resources",
    "SavesState",
    "Target",
    "TargetError",
    "check_target",
    "infrastructure_errors_of",
    "interface_methods",
    "load_target",
    "paging_of",
    "program_strategies_of",
]
