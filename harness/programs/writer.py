"""Write a found program out as an ordinary ``@case`` a team commits, and load such files.

The file is plain Python a reviewer can read: one ``@case`` function whose calls are the
shrunk program, entities referred to by the variables that hold them
(``user_1 = run.call("users.create", ...)``, then ``user_1.id``) or by their seed name
(``run.seeded["alice"].id``). Once committed it runs as a regression case on every tier.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import importlib.util
import re
import sys
import textwrap
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from harness.programs.model import Handle, Program, ProgramCall, Unknown, map_references

FOUND_PREFIX = "found_"
LINE_LENGTH = 100


def program_digest(program: Program) -> str:
    """A short, stable name for a program's calls (the same program, the same name)."""
    return hashlib.sha256(repr((program.dataset, program.calls)).encode()).hexdigest()[:8]


def function_name(program: Program, blamed: str) -> str:
    """A readable case function name: what differs, and a digest to keep it unique."""
    method = re.sub(r"[^a-z_]", "_", blamed.lower()) or "program"
    return f"{method.replace('.', '_')}_differs_in_a_found_program_{program_digest(program)}"


def render_case(
    program: Program,
    covers: Iterable[str],
    *,
    name: str,
    summary: str,
    found_on: date | None = None,
    target_name: str = "",
) -> str:
    """The source of a module holding ``program`` as one ``@case`` function."""
    imports: dict[str, set[str]] = {}
    labels = {
        h.origin: h.label for c in program.calls for h in _handles(c) if isinstance(h.origin, int)
    }
    lines = []
    for index, call in enumerate(program.calls):
        rendered = [_value(a, imports) for a in call.args]
        rendered += [f"{k}={_value(v, imports)}" for k, v in call.kwargs.items()]
        if call.drain_limit is not None:
            rendered.append(f"limit={call.drain_limit}")
            verb = "drain"
        else:
            verb = "call"
        assign = f"{labels[index]} = " if index in labels else ""
        parts = [quoted(call.method), *rendered]
        text = f"{assign}run.{verb}({', '.join(parts)})"
        if len(text) + 4 <= LINE_LENGTH:
            lines.append(text)
            continue
        lines.append(f"{assign}run.{verb}(")
        for part in parts:
            wrapped = f"    {part},"
            lines.append(wrapped if len(wrapped) + 4 <= LINE_LENGTH else f"{wrapped}  # noqa: E501")
        lines.append(")")
    seed = f", seed={quoted(program.dataset)}" if program.dataset else ""
    header = [
        '"""' + "\n".join(textwrap.wrap(summary, LINE_LENGTH - 4)),
        "",
        f"Found by Parity's generated programs{f' on {found_on.isoformat()}' if found_on else ''} "
        "and shrunk to",
        "these calls. Commit it to keep it as a regression case; delete it once the",
        'difference is fixed or recorded in the divergence ledger."""',
        "",
        "from __future__ import annotations",
        "",
    ]
    module_imports = [
        f"from {module} import {', '.join(sorted(names))}"
        for module, names in sorted(imports.items())
    ]
    body = [
        *header,
        *sorted(["from harness import Run, case", *module_imports]),
        "",
        f"PARITY_TARGET = {quoted(target_name)}",
        '"""The target this case was found for (Parity loads it only for that target)."""',
        "",
        "",
        f"@case({', '.join(quoted(m) for m in covers)}{seed})",
        f"def {name}(run: Run) -> None:",
        '    """The shrunk program (see the module docstring)."""',
        *[f"    {line}" for line in lines],
        "",
    ]
    return "\n".join(body)


def _handles(call: ProgramCall) -> list[Handle]:
    found: list[Handle] = []

    def keep(reference: Handle | Unknown) -> Handle | Unknown:
        if isinstance(reference, Handle):
            found.append(reference)
        return reference

    map_references((call.args, dict(call.kwargs)), keep)
    return found


def _value(value: Any, imports: dict[str, set[str]]) -> str:
    if isinstance(value, Handle):
        if isinstance(value.origin, str):
            return f"run.seeded[{quoted(value.origin)}].id"
        return f"{value.label}.id"
    if isinstance(value, Unknown):
        return repr(value.raw)
    if isinstance(value, str):
        return quoted(value)
    if value is None or isinstance(value, bool | int):
        return repr(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, Decimal):
        imports.setdefault("decimal", set()).add("Decimal")
        return f"Decimal({str(value)!r})"
    if isinstance(value, enum.Enum):
        _import(type(value), imports)
        return f"{type(value).__name__}.{value.name}"
    if isinstance(value, datetime | date):
        raise TypeError(f"cannot write a {type(value).__name__} argument into a case")
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        _import(type(value), imports)
        fields = []
        for f in dataclasses.fields(value):
            item = getattr(value, f.name)
            default = f.default if f.default is not dataclasses.MISSING else dataclasses.MISSING
            if f.default_factory is not dataclasses.MISSING:
                default = f.default_factory()
            if (
                default is not dataclasses.MISSING
                and item == default
                and type(item) is type(default)
            ):
                continue
            fields.append(f"{f.name}={_value(item, imports)}")
        return f"{type(value).__name__}({', '.join(fields)})"
    if isinstance(value, list):
        return "[" + ", ".join(_value(v, imports) for v in value) + "]"
    if isinstance(value, tuple):
        inner = ", ".join(_value(v, imports) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, dict):
        pairs = (f"{quoted(str(k))}: {_value(v, imports)}" for k, v in value.items())
        return "{" + ", ".join(pairs) + "}"
    raise TypeError(f"cannot write a {type(value).__name__} argument into a case: {value!r}")


def quoted(text: str) -> str:
    """A double-quoted Python literal for ``text`` (as ``ruff format`` writes them)."""
    literal = repr(text)
    if literal.startswith('"'):
        return literal
    inner = literal[1:-1].replace("\\'", "'").replace('"', '\\"')
    return f'"{inner}"'


def _import(cls: type, imports: dict[str, set[str]]) -> None:
    imports.setdefault(cls.__module__, set()).add(cls.__name__)


def write_found(
    directory: Path,
    program: Program,
    covers: list[str],
    summary: str,
    found_on: date,
    target_name: str = "",
) -> Path:
    """Write ``program`` as ``<directory>/found_<name>.py``; return the path."""
    name = function_name(program, covers[0])
    source = render_case(
        program, covers, name=name, summary=summary, found_on=found_on, target_name=target_name
    )
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{FOUND_PREFIX}{name}.py"
    path.write_text(source, encoding="utf-8")
    return path


def module_name(path: Path) -> str:
    """The module name a found file is imported under."""
    return f"parity_found.{path.stem}"


def load_found(directory: Path) -> list[str]:
    """Import every ``found_*.py`` in ``directory`` (registering its cases); return the
    module names, so a target's case list can include them."""
    names = []
    for path in sorted(directory.glob(f"{FOUND_PREFIX}*.py")):
        names.append(import_found(path))
    return names


def import_found(path: Path) -> str:
    """Import (or re-import) one found file; return its module name."""
    from harness.contract.cases import forget_module

    name = module_name(path)
    forget_module(name)
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"{path}: expected a Python file Parity can import, got none")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return name


__all__ = [
    "FOUND_PREFIX",
    "import_found",
    "load_found",
    "module_name",
    "program_digest",
    "render_case",
    "write_found",
]
