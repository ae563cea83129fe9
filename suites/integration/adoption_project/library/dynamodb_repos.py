"""The library on DynamoDB, through one boto3 client.

``members`` holds the members by id; ``member_emails`` maps each (lower-case) email to
its member, written in the same transaction, so an email is taken at most once. Set
``LIBRARY_PLANT=lend-past-last-copy`` to plant a bug (for the adoption test): ``lend``
then forgets its stock check and lends copies the library does not have.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime
from typing import Any

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
TableName = Callable[[str], str]
PLANT_ENV = "LIBRARY_PLANT"


def _member(item: dict[str, Any]) -> Member:
    return Member(
        item["id"]["S"],
        item["email"]["S"],
        item["name"]["S"],
        datetime.fromisoformat(item["joined_at"]["S"]),
    )


def _book(item: dict[str, Any]) -> Book:
    return Book(
        item["id"]["S"], item["title"]["S"], int(item["copies"]["N"]), int(item["on_loan"]["N"])
    )


def _scan(client: Any, table: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for page in client.get_paginator("scan").paginate(TableName=table, ConsistentRead=True):
        items.extend(page["Items"])
    return items


class DynamoDBMembers:
    """``MemberRepository`` on the ``members`` and ``member_emails`` tables."""

    def __init__(self, client: Any, table_name: TableName, now: Clock, new_id: NewId) -> None:
        self._client = client
        self._members = table_name("members")
        self._emails = table_name("member_emails")
        self._now = now
        self._new_id = new_id

    def join(self, email: str, name: str) -> Member:
        key = checked_email(email)
        member = Member(self._new_id(), key, checked_text(name, "name"), self._now())
        item = {
            "id": {"S": member.id},
            "email": {"S": member.email},
            "name": {"S": member.name},
            "joined_at": {"S": member.joined_at.isoformat()},
        }
        try:
            self._client.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": self._emails,
                            "Item": {"email": {"S": key}, "member_id": {"S": member.id}},
                            "ConditionExpression": "attribute_not_exists(email)",
                        }
                    },
                    {
                        "Put": {
                            "TableName": self._members,
                            "Item": item,
                            "ConditionExpression": "attribute_not_exists(id)",
                        }
                    },
                ]
            )
        except self._client.exceptions.TransactionCanceledException as error:
            reasons = error.response.get("CancellationReasons", [])
            if reasons and reasons[0].get("Code") == "ConditionalCheckFailed":
                raise AlreadyMember(key) from None
            raise
        return member

    def get(self, member_id: str) -> Member | None:
        found = self._client.get_item(
            TableName=self._members, Key={"id": {"S": member_id}}, ConsistentRead=True
        )
        return _member(found["Item"]) if "Item" in found else None

    def find_by_email(self, email: str) -> Member | None:
        key = email_key(email)
        if key is None:
            return None
        found = self._client.get_item(
            TableName=self._emails, Key={"email": {"S": key}}, ConsistentRead=True
        )
        if "Item" not in found:
            return None
        return self.get(found["Item"]["member_id"]["S"])

    def rename(self, member_id: str, name: str) -> Member:
        checked_text(name, "name")
        try:
            updated = self._client.update_item(
                TableName=self._members,
                Key={"id": {"S": member_id}},
                UpdateExpression="SET #name = :name",
                ConditionExpression="attribute_exists(id)",
                ExpressionAttributeNames={"#name": "name"},
                ExpressionAttributeValues={":name": {"S": name}},
                ReturnValues="ALL_NEW",
            )
        except self._client.exceptions.ConditionalCheckFailedException:
            raise NotFound("member", member_id) from None
        return _member(updated["Attributes"])

    def everyone(self) -> list[Member]:
        return sorted((_member(i) for i in _scan(self._client, self._members)), key=lambda m: m.id)


class DynamoDBBooks:
    """``BookRepository`` on the ``books`` table (loans are conditional counters)."""

    def __init__(self, client: Any, table_name: TableName, new_id: NewId) -> None:
        self._client = client
        self._books = table_name("books")
        self._new_id = new_id
        self._planted = os.environ.get(PLANT_ENV, "") == "lend-past-last-copy"

    def add(self, title: str, copies: int) -> Book:
        book = Book(self._new_id(), checked_text(title, "title"), checked_copies(copies), 0)
        self._client.put_item(
            TableName=self._books,
            Item={
                "id": {"S": book.id},
                "title": {"S": book.title},
                "copies": {"N": str(book.copies)},
                "on_loan": {"N": "0"},
            },
            ConditionExpression="attribute_not_exists(id)",
        )
        return book

    def get(self, book_id: str) -> Book | None:
        found = self._client.get_item(
            TableName=self._books, Key={"id": {"S": book_id}}, ConsistentRead=True
        )
        return _book(found["Item"]) if "Item" in found else None

    def lend(self, book_id: str) -> Book:
        condition = "attribute_exists(id) AND on_loan < copies"
        if self._planted:
            condition = "attribute_exists(id)"  # the planted bug: no stock check
        return self._move(book_id, "+", condition, NoCopyLeft)

    def give_back(self, book_id: str) -> Book:
        return self._move(book_id, "-", "attribute_exists(id) AND on_loan > :zero", NotOnLoan)

    def catalogue(self) -> list[Book]:
        return sorted((_book(i) for i in _scan(self._client, self._books)), key=lambda b: b.id)

    def _move(
        self, book_id: str, sign: str, condition: str, refused: type[NoCopyLeft | NotOnLoan]
    ) -> Book:
        values = {":one": {"N": "1"}}
        if ":zero" in condition:
            values[":zero"] = {"N": "0"}
        try:
            updated = self._client.update_item(
                TableName=self._books,
                Key={"id": {"S": book_id}},
                UpdateExpression=f"SET on_loan = on_loan {sign} :one",
                ConditionExpression=condition,
                ExpressionAttributeValues=values,
                ReturnValues="ALL_NEW",
            )
        except self._client.exceptions.ConditionalCheckFailedException:
            if self.get(book_id) is None:
                raise NotFound("book", book_id) from None
            raise refused(book_id) from None
        return _book(updated["Attributes"])


class DynamoDBLibrary:
    """Both repositories on one client (Parity closes the clients it made)."""

    def __init__(self, client: Any, table_name: TableName, now: Clock, new_id: NewId) -> None:
        self.members = DynamoDBMembers(client, table_name, now, new_id)
        self.books = DynamoDBBooks(client, table_name, new_id)
