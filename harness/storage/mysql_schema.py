"""``MySQLSchema``: the DDL a target declares, as the statements Parity runs in order."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.resources.abc import Traversable
from pathlib import Path

from harness.storage.errors import StorageError
from harness.storage.statements import created_table, split_statements


@dataclass(frozen=True)
class MySQLSchema:
    """The statements that create a target's MySQL schema, run once per session in order.

    ``MySQLSchema(["CREATE TABLE ...", ...])`` takes the statements themselves;
    ``MySQLSchema.from_file(path)`` reads a ``.sql`` script and splits it (see
    ``harness.storage.statements``). The tables the ``CREATE TABLE`` statements create are
    the ones Parity empties, saves and restores (``tables``).
    """

    statements: tuple[str, ...]

    def __init__(self, statements: Sequence[str]) -> None:
        if isinstance(statements, str):
            raise StorageError(
                "MySQLSchema was given one string",
                expected="a sequence of statements, e.g. ['CREATE TABLE a (...)', ...]",
                observed=f"a str of {len(statements)} characters",
                hint="split a script with MySQLSchema.from_text(script) or read a file with "
                "MySQLSchema.from_file(path)",
            )
        cleaned: list[str] = []
        for number, statement in enumerate(statements, 1):
            if not isinstance(statement, str) or not statement.strip(" \t\r\n;"):
                raise StorageError(
                    f"MySQLSchema statement {number} is empty or not text",
                    expected="each statement a non-empty str of SQL",
                    observed=repr(statement)[:80],
                    hint="drop the empty entry",
                )
            cleaned.append(statement.strip().rstrip(";").rstrip())
        object.__setattr__(self, "statements", tuple(cleaned))

    @classmethod
    def from_text(cls, script: str) -> MySQLSchema:
        """The statements of an SQL script (split on ``;`` outside quotes and comments)."""
        return cls(split_statements(script))

    @classmethod
    def from_file(cls, path: str | os.PathLike[str] | Traversable) -> MySQLSchema:
        """The statements of a ``.sql`` file (a path, or package data via
        ``importlib.resources.files(package) / "schema.sql"``)."""
        source = Path(path) if isinstance(path, str | os.PathLike) else path
        try:
            script = source.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise StorageError(
                f"cannot read the MySQL schema file {path}",
                expected="a readable UTF-8 .sql file",
                observed=f"{type(error).__name__}: {error}",
                hint="check the path (package data: importlib.resources.files(pkg) / 'x.sql', "
                "and list the file in the package's package-data)",
            ) from None
        schema = cls.from_text(script)
        if not schema.statements:
            raise StorageError(
                f"the MySQL schema file {path} holds no statements",
                expected="at least one CREATE TABLE statement",
                observed=f"{len(script)} characters of comments and white space",
                hint="point from_file at the DDL script",
            )
        return schema

    @property
    def tables(self) -> tuple[str, ...]:
        """The tables the ``CREATE TABLE`` statements create, in order (each once;
        temporary tables excluded)."""
        found: dict[str, None] = {}
        for statement in self.statements:
            name = created_table(statement)
            if name is not None:
                found.setdefault(name)
        return tuple(found)

    def describe(self, index: int) -> str:
        """``statement <n> of <total>: <its first line>`` (for error messages)."""
        first = self.statements[index].strip().split("\n", 1)[0]
        if len(first) > 100:
            first = first[:97] + "..."
        return f"statement {index + 1} of {len(self.statements)}: {first}"


__all__ = ["MySQLSchema"]
