"""The library on MySQL, through one PyMySQL connection (autocommit)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pymysql

from library.domain import (
    AlreadyMember,
    Book,
    Member,
    NoCopyLeft,
    NotFound,
    NotOnLoan,
    checked_copies,
    checked_email,
    checked_text,
    email_key,
)

Clock = Callable[[], datetime]
NewId = Callable[[], str]
DUPLICATE_KEY = 1062


def _member(row: Any) -> Member:
    return Member(row[0], row[1], row[2], row[3].replace(tzinfo=UTC))


def _book(row: Any) -> Book:
    return Book(row[0], row[1], int(row[2]), int(row[3]))


class MySQLMembers:
    """``MemberRepository`` on the ``members`` table."""

    def __init__(
        self, connection: pymysql.connections.Connection[Any], now: Clock, new_id: NewId
    ) -> None:
        self._db = connection
        self._now = now
        self._new_id = new_id

    def join(self, email: str, name: str) -> Member:
        key = checked_email(email)
        member = Member(self._new_id(), key, checked_text(name, "name"), self._now())
        with self._db.cursor() as cursor:
            try:
                cursor.execute(
                    "INSERT INTO members (id, email, name, joined_at) VALUES (%s, %s, %s, %s)",
                    (member.id, member.email, member.name, member.joined_at.replace(tzinfo=None)),
                )
            except pymysql.err.IntegrityError as error:
                if error.args[0] == DUPLICATE_KEY:
                    raise AlreadyMember(key) from None
                raise
        return member

    def get(self, member_id: str) -> Member | None:
        with self._db.cursor() as cursor:
            cursor.execute(
                "SELECT id, email, name, joined_at FROM members WHERE id = %s", (member_id,)
            )
            row = cursor.fetchone()
        return None if row is None else _member(row)

    def find_by_email(self, email: str) -> Member | None:
        key = email_key(email)
        if key is None:
            return None
        with self._db.cursor() as cursor:
            cursor.execute(
                "SELECT id, email, name, joined_at FROM members WHERE email = %s", (key,)
            )
            row = cursor.fetchone()
        return None if row is None else _member(row)

    def rename(self, member_id: str, name: str) -> Member:
        checked_text(name, "name")
        found = self.get(member_id)
        if found is None:
            raise NotFound("member", member_id)
        with self._db.cursor() as cursor:
            cursor.execute("UPDATE members SET name = %s WHERE id = %s", (name, member_id))
        return Member(found.id, found.email, name, found.joined_at)

    def everyone(self) -> list[Member]:
        with self._db.cursor() as cursor:
            cursor.execute("SELECT id, email, name, joined_at FROM members ORDER BY id")
            return [_member(row) for row in cursor.fetchall()]


class MySQLBooks:
    """``BookRepository`` on the ``books`` table."""

    def __init__(self, connection: pymysql.connections.Connection[Any], new_id: NewId) -> None:
        self._db = connection
        self._new_id = new_id

    def add(self, title: str, copies: int) -> Book:
        book = Book(self._new_id(), checked_text(title, "title"), checked_copies(copies), 0)
        with self._db.cursor() as cursor:
            cursor.execute(
                "INSERT INTO books (id, title, copies, on_loan) VALUES (%s, %s, %s, 0)",
                (book.id, book.title, book.copies),
            )
        return book

    def get(self, book_id: str) -> Book | None:
        with self._db.cursor() as cursor:
            cursor.execute("SELECT id, title, copies, on_loan FROM books WHERE id = %s", (book_id,))
            row = cursor.fetchone()
        return None if row is None else _book(row)

    def lend(self, book_id: str) -> Book:
        with self._db.cursor() as cursor:
            changed = cursor.execute(
                "UPDATE books SET on_loan = on_loan + 1 WHERE id = %s AND on_loan < copies",
                (book_id,),
            )
        book = self.get(book_id)
        if book is None:
            raise NotFound("book", book_id)
        if not changed:
            raise NoCopyLeft(book_id)
        return book

    def give_back(self, book_id: str) -> Book:
        with self._db.cursor() as cursor:
            changed = cursor.execute(
                "UPDATE books SET on_loan = on_loan - 1 WHERE id = %s AND on_loan > 0",
                (book_id,),
            )
        book = self.get(book_id)
        if book is None:
            raise NotFound("book", book_id)
        if not changed:
            raise NotOnLoan(book_id)
        return book

    def catalogue(self) -> list[Book]:
        with self._db.cursor() as cursor:
            cursor.execute("SELECT id, title, copies, on_loan FROM books ORDER BY id")
            return [_book(row) for row in cursor.fetchall()]


class MySQLLibrary:
    """Both repositories on one connection; ``close()`` closes it."""

    def __init__(
        self, connection: pymysql.connections.Connection[Any], now: Clock, new_id: NewId
    ) -> None:
        self._connection = connection
        self.members = MySQLMembers(connection, now, new_id)
        self.books = MySQLBooks(connection, new_id)

    def close(self) -> None:
        if self._connection.open:
            self._connection.close()
