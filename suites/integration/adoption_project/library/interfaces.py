"""The two repositories every backend implements; their docstrings are the contract."""

from __future__ import annotations

from typing import Protocol

from library.domain import Book, Member


class MemberRepository(Protocol):
    """The library's members."""

    def join(self, email: str, name: str) -> Member:
        """A new member. ``Invalid("email"|"name")``; ``AlreadyMember`` when the email,
        in lower case, is taken. The stored email is in lower case."""
        ...

    def get(self, member_id: str) -> Member | None:
        """The member, or None."""
        ...

    def find_by_email(self, email: str) -> Member | None:
        """The member with this email whatever its case, or None (also for a non-email)."""
        ...

    def rename(self, member_id: str, name: str) -> Member:
        """The member with the new name. ``Invalid("name")``; ``NotFound("member", id)``."""
        ...

    def everyone(self) -> list[Member]:
        """Every member, by id."""
        ...


class BookRepository(Protocol):
    """The library's books and their loans."""

    def add(self, title: str, copies: int) -> Book:
        """A new book with none on loan. ``Invalid("title"|"copies")`` (0 to 1000)."""
        ...

    def get(self, book_id: str) -> Book | None:
        """The book, or None."""
        ...

    def lend(self, book_id: str) -> Book:
        """One more copy on loan. ``NotFound("book", id)``; ``NoCopyLeft`` when every copy
        is on loan already."""
        ...

    def give_back(self, book_id: str) -> Book:
        """One copy fewer on loan. ``NotFound("book", id)``; ``NotOnLoan`` when none is."""
        ...

    def catalogue(self) -> list[Book]:
        """Every book, by id."""
        ...


class Repositories(Protocol):
    """What each backend builds: one of each repository."""

    members: MemberRepository
    books: BookRepository
