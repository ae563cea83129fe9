"""library as a Parity target: how Parity builds, seeds and reads the repositories.

What ``parity init`` wrote, with every ``# TODO(parity):`` filled in for the library
package beside it (the adoption test copies this over the generated skeleton).
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from harness import (
    BackendFactory,
    CanonicalRules,
    Determinism,
    DynamoDBTables,
    DynamoTables,
    MySQLDatabase,
    MySQLSchema,
    Resources,
    dynamodb_backend,
    mysql_backend,
)
from hypothesis import strategies as st

from library.domain import (
    AlreadyMember,
    Invalid,
    LibraryError,
    NoCopyLeft,
    NotFound,
    NotOnLoan,
)
from library.dynamodb_repos import DynamoDBLibrary
from library.interfaces import BookRepository, MemberRepository
from library.mysql_repos import MySQLLibrary

HERE = Path(__file__).resolve().parent

INTERFACES: Mapping[str, type] = {"members": MemberRepository, "books": BookRepository}

DOMAIN_ERRORS: tuple[type[BaseException], ...] = (
    NotFound,
    AlreadyMember,
    NoCopyLeft,
    NotOnLoan,
    Invalid,
)

WRITE_METHODS: frozenset[str] = frozenset(
    {"members.join", "members.rename", "books.add", "books.lend", "books.give_back"}
)


def error_fields(error: BaseException) -> Mapping[str, Any]:
    """What identifies a raised error (two errors agree when type and fields agree)."""
    if isinstance(error, LibraryError):
        return error.fields()
    return {"message": str(error)}


RULES = CanonicalRules(
    id_kinds_by_field={"member_id": "member", "book_id": "book"},
    id_kinds_by_type={"Member": "member", "Book": "book"},
    id_kinds_by_entity={"member": "member", "book": "book"},
    opaque_fields=frozenset({"next_cursor", "cursor"}),
    secret_fields=frozenset(),
    unordered={},
    error_fields=error_fields,
)

MYSQL_SCHEMA_FILE = HERE / "library" / "schema.sql"
DYNAMODB_TABLES_FILE = HERE / "library" / "dynamodb_tables.json"


def build_mysql(database: MySQLDatabase, determinism: Determinism) -> Any:
    """The library on one of Parity's counting PyMySQL connections."""
    return MySQLLibrary(database.connect(), determinism.clock.now, determinism.ids.new_id)


def build_dynamodb(tables: DynamoDBTables, determinism: Determinism) -> Any:
    """The library on one of Parity's counting boto3 clients."""
    return DynamoDBLibrary(
        tables.client(), tables.table_name, determinism.clock.now, determinism.ids.new_id
    )


class Target:
    """What Parity needs to know about the library (docs/targets.md)."""

    name = "library"
    interfaces = INTERFACES
    rules = RULES
    case_modules: tuple[str, ...] = ("parity_cases",)
    domain_errors = DOMAIN_ERRORS
    write_methods = WRITE_METHODS
    backends: tuple[str, ...] = ("mysql", "dynamodb")
    default_pairs: Mapping[str, tuple[str, str]] = {"integration": ("mysql", "dynamodb")}
    program_strategies: Mapping[str, Any] = {
        "email": st.from_regex(r"[a-z]{1,6}@example\.(org|com)", fullmatch=True),
    }

    def open_backend(
        self, name: str, resources: Resources
    ) -> AbstractContextManager[BackendFactory]:
        """Backend ``name`` for the session: schema created once, emptied per case."""
        if name == "mysql":
            schema = MySQLSchema.from_file(MYSQL_SCHEMA_FILE)
            return mysql_backend(resources, schema, build_mysql)
        if name == "dynamodb":
            tables = DynamoTables.from_file(DYNAMODB_TABLES_FILE)
            return dynamodb_backend(resources, tables, build_dynamodb)
        raise ValueError(f"{self.name}: no backend {name!r}; expected one of {self.backends}")

    def seed(self, repositories: Any, dataset: str) -> Mapping[str, Any]:
        """Load seed ``dataset`` through the interfaces; return its entities by name."""
        if dataset != "small_library":
            raise ValueError(f"{self.name}: no seed dataset {dataset!r}")
        return {
            "ada": repositories.members.join("ada@example.org", "Ada"),
            "bob": repositories.members.join("Bob@Example.com", "Bob"),
            "dune": repositories.books.add("Dune", 1),
            "emma": repositories.books.add("Emma", 2),
        }

    def snapshot(self, repositories: Any) -> Any:
        """Every member and book, and each member read back through its email."""
        members = repositories.members.everyone()
        by_email = [repositories.members.find_by_email(m.email) for m in members]
        return {
            "members": members,
            "by_email": ["same" if f == m else f for f, m in zip(by_email, members, strict=True)],
            "books": repositories.books.catalogue(),
        }


TARGET = Target()
