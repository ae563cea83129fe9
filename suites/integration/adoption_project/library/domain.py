"""The library's entities, its documented errors and the rules both backends apply."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

MAX_TEXT = 100
MAX_COPIES = 1000


@dataclass(frozen=True)
class Member:
    """Someone who may borrow books; ``email`` is unique, compared in lower case."""

    id: str
    email: str
    name: str
    joined_at: datetime


@dataclass(frozen=True)
class Book:
    """A title the library holds ``copies`` of, ``on_loan`` of them lent out."""

    id: str
    title: str
    copies: int
    on_loan: int


class LibraryError(Exception):
    """An error the interfaces document."""

    def fields(self) -> dict[str, Any]:
        """What identifies the error (not its message)."""
        return {}


class NotFound(LibraryError):
    """No ``entity`` has the id ``key``."""

    def __init__(self, entity: str, key: str) -> None:
        super().__init__(f"no {entity} {key!r}")
        self.entity = entity
        self.key = key

    def fields(self) -> dict[str, Any]:
        return {"entity": self.entity, "key": self.key}


class AlreadyMember(LibraryError):
    """Someone already joined with this email."""

    def __init__(self, email: str) -> None:
        super().__init__(f"{email} is already a member")
        self.email = email

    def fields(self) -> dict[str, Any]:
        return {"email": self.email}


class NoCopyLeft(LibraryError):
    """Every copy of the book is on loan."""

    def __init__(self, book_id: str) -> None:
        super().__init__(f"every copy of {book_id} is on loan")
        self.book_id = book_id

    def fields(self) -> dict[str, Any]:
        return {"book_id": self.book_id}


class NotOnLoan(LibraryError):
    """No copy of the book is on loan, so none can be given back."""

    def __init__(self, book_id: str) -> None:
        super().__init__(f"no copy of {book_id} is on loan")
        self.book_id = book_id

    def fields(self) -> dict[str, Any]:
        return {"book_id": self.book_id}


class Invalid(LibraryError):
    """An argument breaks the rules below (``field`` names it)."""

    def __init__(self, field: str) -> None:
        super().__init__(f"invalid {field}")
        self.field = field

    def fields(self) -> dict[str, Any]:
        return {"field": self.field}


def email_key(email: str) -> str | None:
    """The email as stored and compared (lower case), or None if it is not one."""
    if not 3 <= len(email) <= MAX_TEXT or email.count("@") != 1:
        return None
    if email.startswith("@") or email.endswith("@"):
        return None
    if any(c.isspace() or not c.isprintable() for c in email):
        return None
    return email.lower()


def checked_email(email: str) -> str:
    """``email_key(email)``, or ``Invalid("email")``."""
    key = email_key(email)
    if key is None:
        raise Invalid("email")
    return key


def checked_text(value: str, field: str) -> str:
    """A name or title: 1 to 100 characters, not only blanks."""
    if not value.strip() or len(value) > MAX_TEXT:
        raise Invalid(field)
    return value


def checked_copies(copies: int) -> int:
    """A number of copies: 0 to 1000."""
    if not 0 <= copies <= MAX_COPIES:
        raise Invalid("copies")
    return copies
