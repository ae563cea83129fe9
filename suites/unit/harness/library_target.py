"""A tiny target of the programs tests' own (not the shop): a library's members.

Members are unique by email, compared case-insensitively; ``find_by_email`` looks one up
whatever the case. Flavours of the store plant the bugs the tests expect Parity to find:

- ``case-sensitive``: ``find_by_email`` compares the email exactly;
- ``lost-rename``: ``rename`` returns the new name but stores nothing (shows only in a
  later read or the end state, so blame must be traced back to ``rename``);
- ``bad-seed``: joining a member whose name is "Crash" fails (the seed uses one).

The file is also copied into pytester's directory, so it imports only the harness.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any, Protocol

from hypothesis import strategies as st

from harness.canonical import CanonicalRules


class Missing(Exception):
    """No such member."""

    def fields(self) -> dict[str, Any]:
        return {"entity": "member", "key": self.args[0]}


class Taken(Exception):
    """That email is taken."""

    def fields(self) -> dict[str, Any]:
        return {"email": self.args[0]}


@dataclass(frozen=True)
class NewMember:
    email: str
    name: str


@dataclass(frozen=True)
class Member:
    id: str
    email: str
    name: str


class Members(Protocol):
    def join(self, new: NewMember) -> Member: ...
    def get(self, member_id: str) -> Member | None: ...
    def find_by_email(self, email: str) -> Member | None: ...
    def rename(self, member_id: str, name: str) -> Member: ...
    def leave(self, member_id: str) -> None: ...
    def everyone(self) -> list[Member]: ...


class Store:
    def __init__(self, flavour: str, ids: Any) -> None:
        self.flavour = flavour
        self.ids = ids
        self.rows: dict[str, Member] = {}

    def join(self, new: NewMember) -> Member:
        if self.flavour == "bad-seed" and new.name == "Crash":
            raise RuntimeError("the store fell over")
        if any(m.email == new.email.lower() for m in self.rows.values()):
            raise Taken(new.email.lower())
        member = Member(self.ids.new_id(), new.email.lower(), new.name)
        self.rows[member.id] = member
        return member

    def get(self, member_id: str) -> Member | None:
        return self.rows.get(member_id)

    def find_by_email(self, email: str) -> Member | None:
        wanted = email if self.flavour == "case-sensitive" else email.lower()
        return next((m for m in self.rows.values() if m.email == wanted), None)

    def rename(self, member_id: str, name: str) -> Member:
        if member_id not in self.rows:
            raise Missing(member_id)
        renamed = replace(self.rows[member_id], name=name)
        if self.flavour != "lost-rename":
            self.rows[member_id] = renamed
        return renamed

    def leave(self, member_id: str) -> None:
        if self.rows.pop(member_id, None) is None:
            raise Missing(member_id)

    def everyone(self) -> list[Member]:
        return sorted(self.rows.values(), key=lambda m: m.id)


class Repos:
    def __init__(self, flavour: str, ids: Any) -> None:
        self.members = Store(flavour, ids)


class Factory:
    def __init__(self, flavour: str) -> None:
        self.flavour = flavour

    @contextmanager
    def fresh(self, determinism: Any, restore: Any = None) -> Iterator[Repos]:
        yield Repos(self.flavour, determinism.ids)


class LibraryTarget:
    name = "library"
    interfaces: Mapping[str, type] = {"members": Members}
    rules = CanonicalRules(
        id_kinds_by_field={"member_id": "member"},
        id_kinds_by_type={"Member": "member"},
        id_kinds_by_entity={"member": "member"},
        error_fields=lambda e: e.fields() if hasattr(e, "fields") else {"message": str(e)},
    )
    case_modules: tuple[str, ...] = ()
    domain_errors = (Missing, Taken)
    write_methods = frozenset({"members.join", "members.rename", "members.leave"})
    backends = ("good", "case-sensitive", "lost-rename", "bad-seed")
    default_pairs = {"unit": ("good", "good")}
    program_strategies = {
        "email": st.sampled_from(["ann@example.org", "bob@example.net", "Cy@Example.com"]),
        "name": st.sampled_from(["Ann", "Bob", "Cy"]),
    }

    @contextmanager
    def open_backend(self, name: str, resources: Any) -> Iterator[Factory]:
        yield Factory(name)

    def seed(self, repos: Any, dataset: str) -> dict[str, Any]:
        ann = repos.members.join(NewMember("Ann@Example.org", "Ann"))
        crash = repos.members.join(NewMember("crash@example.org", "Crash"))
        return {"ann": ann, "crash": crash}

    def snapshot(self, repos: Any) -> Any:
        return repos.members.everyone()


TARGET = LibraryTarget()
