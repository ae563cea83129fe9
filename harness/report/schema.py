"""The JSON Schemas (2020-12) of the files that cross a boundary, and their validation.

``harness/schemas/compatibility.schema.json`` describes ``compatibility.json`` and
``harness/schemas/baseline.schema.json`` the baseline files. The writers validate what
they write in the tests; the gate and the baseline reader validate what they read. A
schema error names the file and the JSON path of every problem (up to a few), so a
hand edit or a truncated list is found without opening a 2 MB one-line file.
"""

from __future__ import annotations

import functools
import json
from importlib import resources
from pathlib import Path
from typing import Any

__all__ = ["SCHEMA_FILES", "SchemaError", "check_schema", "schema", "schema_problems"]

SCHEMA_FILES = {
    "compatibility": "compatibility.schema.json",
    "baseline": "baseline.schema.json",
    "cost": "cost.schema.json",
}
"""Schema name -> file inside ``harness/schemas``."""

SHOWN = 5
"""How many problems an error lists (the rest are counted)."""


class SchemaError(ValueError):
    """A document does not follow its schema (the message names the file and paths)."""

    def __init__(self, message: str, problems: list[str]) -> None:
        super().__init__(message)
        self.problems = problems


@functools.cache
def schema(name: str) -> dict[str, Any]:
    """The schema called ``name`` (``"compatibility"`` or ``"baseline"``)."""
    text = resources.files("harness").joinpath("schemas", SCHEMA_FILES[name]).read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


@functools.cache
def _validator(name: str) -> Any:
    from jsonschema import Draft202012Validator

    document = schema(name)
    Draft202012Validator.check_schema(document)
    return Draft202012Validator(document)


def schema_problems(document: object, name: str) -> list[str]:
    """Every way ``document`` breaks the schema, as ``"<json path>: <what is wrong>"``."""
    errors = sorted(_validator(name).iter_errors(document), key=lambda e: list(e.path))
    return [f"{error.json_path}: {_message(error)}" for error in errors]


def check_schema(document: object, name: str, file: Path | str) -> None:
    """Raise :class:`SchemaError` when ``document`` (read from ``file``) breaks the schema."""
    problems = schema_problems(document, name)
    if not problems:
        return
    shown = "; ".join(problems[:SHOWN])
    more = f" (and {len(problems) - SHOWN} more)" if len(problems) > SHOWN else ""
    raise SchemaError(
        f"{file}: does not follow the {name} schema (harness/schemas/{SCHEMA_FILES[name]}): "
        f"{shown}{more}",
        problems,
    )


def _message(error: Any) -> str:
    message = str(error.message)
    if len(message) > 160:
        message = message[:159] + "…"
    if error.validator == "oneOf" and error.context:
        best = min(error.context, key=lambda e: len(list(e.absolute_path)))
        return f"{message} ({best.message[:120]})"
    return message
