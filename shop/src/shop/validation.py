"""Input rules shared by every backend, applied before anything is written.

Each check returns the canonical value (e.g. a lower-cased email, a price with two places)
or raises ``ValidationError`` naming the field, saying what was expected and what was seen.
Backends call these first, so bad input is refused identically everywhere.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TypeVar

from shop.cursors import search_scope
from shop.domain import (
    UNSET,
    CategoryChanges,
    NewCategory,
    NewProduct,
    NewUser,
    OrderStatus,
    ProductChanges,
    Profile,
    Unset,
    UserChanges,
    ValidationError,
)
from shop.interfaces import MAX_LIMIT

MAX_ID_LENGTH = 64
MAX_NAME_LENGTH = 200
MAX_EMAIL_LENGTH = 254
MAX_USERNAME_LENGTH = 64
MAX_HASH_LENGTH = 255
MAX_TEXT_LENGTH = 10_000
MAX_URL_LENGTH = 2_048
MAX_PROFILE_FIELD_LENGTH = 200
MAX_ADDRESS_LENGTH = 1_000
MAX_SEARCH_LENGTH = 100
MAX_PRICE = Decimal("99999999.99")
MAX_STOCK = 2_147_483_647
MAX_QUANTITY = 10_000
MAX_CURSOR_LENGTH = 4_096
MAX_IDS_PER_CALL = 100
TWO_PLACES = Decimal("0.01")

T = TypeVar("T")
R = TypeVar("R")


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def text(
    field: str,
    value: object,
    *,
    max_length: int,
    allow_empty: bool = False,
    no_outer_space: bool = False,
) -> str:
    """A string of at most ``max_length`` characters with no NUL byte.

    ``no_outer_space`` also refuses leading/trailing white space: used for names that are
    unique keys, because MySQL's PAD SPACE collations ignore trailing spaces in comparisons
    while DynamoDB does not.
    """
    if not isinstance(value, str):
        raise ValidationError(field, f"expected a string, got {type(value).__name__}")
    if not allow_empty and not value.strip():
        raise ValidationError(field, "expected a non-empty string, got an empty or blank one")
    if len(value) > max_length:
        raise ValidationError(field, f"expected at most {max_length} characters, got {len(value)}")
    if "\x00" in value:
        raise ValidationError(field, "expected text without NUL characters, got one")
    if not _encodable(value):
        raise ValidationError(
            field, "expected text that UTF-8 can encode, got a lone surrogate character"
        )
    if no_outer_space and value != value.strip():
        raise ValidationError(
            field, f"expected no leading or trailing white space, got {_short(value)}"
        )
    return value


def _encodable(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def optional_text(field: str, value: object, *, max_length: int) -> str | None:
    """``None`` or a non-empty string (see ``text``)."""
    if value is None:
        return None
    return text(field, value, max_length=max_length)


def entity_id(field: str, value: object) -> str:
    """An opaque id: a non-empty string of at most 64 characters without control characters."""
    if not isinstance(value, str):
        raise ValidationError(field, f"expected an id string, got {type(value).__name__}")
    if not value or len(value) > MAX_ID_LENGTH or any(ord(c) < 32 for c in value):
        raise ValidationError(
            field, f"expected 1-{MAX_ID_LENGTH} printable characters, got {_short(value)}"
        )
    if not _encodable(value):
        raise ValidationError(field, "expected an id that UTF-8 can encode, got a lone surrogate")
    return value


def email(value: object, field: str = "email") -> str:
    """An email address, returned lower-cased."""
    raw = text(field, value, max_length=MAX_EMAIL_LENGTH, no_outer_space=True)
    local, at, domain = raw.partition("@")
    if not at or not local or not domain or "@" in domain or any(c.isspace() for c in raw):
        raise ValidationError(
            field, f"expected an address like name@example.com, got {_short(raw)}"
        )
    return raw.lower()


def username(value: object) -> str:
    """A username: exact, 1-64 characters, no outer white space."""
    return text("username", value, max_length=MAX_USERNAME_LENGTH, no_outer_space=True)


def boolean(field: str, value: object) -> bool:
    """A real ``bool`` (not 0/1)."""
    if not isinstance(value, bool):
        raise ValidationError(field, f"expected true or false, got {type(value).__name__}")
    return value


def integer(field: str, value: object, *, minimum: int, maximum: int) -> int:
    """An ``int`` (not ``bool``) within ``minimum..maximum``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(field, f"expected a whole number, got {type(value).__name__}")
    if not minimum <= value <= maximum:
        raise ValidationError(field, f"expected {minimum}..{maximum}, got {value}")
    return value


def money(field: str, value: object, *, minimum: Decimal = TWO_PLACES) -> Decimal:
    """A ``Decimal`` amount with at most two places, ``minimum..MAX_PRICE``, returned with two.

    Floats are refused (their binary value is not the decimal the caller meant); more than
    two places is refused rather than rounded, so nothing is silently lost.
    """
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise ValidationError(field, f"expected a Decimal amount, got {type(value).__name__}")
    amount = Decimal(value)
    if not amount.is_finite():
        raise ValidationError(field, f"expected a finite amount, got {amount}")
    try:
        exact = amount.quantize(TWO_PLACES)
    except InvalidOperation:
        raise ValidationError(field, f"expected at most {MAX_PRICE}, got {amount}") from None
    if exact != amount:
        raise ValidationError(field, f"expected at most two decimal places, got {amount}")
    if not minimum <= exact <= MAX_PRICE:
        raise ValidationError(field, f"expected {minimum}..{MAX_PRICE}, got {exact}")
    return exact


def limit(value: object) -> int:
    """A page size: 1..100."""
    return integer("limit", value, minimum=1, maximum=MAX_LIMIT)


def cursor(value: object) -> str | None:
    """``None`` or a cursor string (its content is checked by the cursor codec)."""
    if value is None:
        return None
    if not isinstance(value, str) or not value or len(value) > MAX_CURSOR_LENGTH:
        raise ValidationError(
            "cursor", f"expected a cursor from a previous page, got {_short(value)}"
        )
    return value


def status(value: object) -> OrderStatus:
    """An ``OrderStatus`` or its string value."""
    if isinstance(value, OrderStatus):
        return value
    if isinstance(value, str):
        try:
            return OrderStatus(value)
        except ValueError:
            pass
    allowed = ", ".join(s.value for s in OrderStatus)
    raise ValidationError("status", f"expected one of {allowed}, got {_short(value)}")


def quantity(value: object, *, allow_zero: bool = False) -> int:
    """A cart quantity: 1..10000 (0 allowed where it removes a line)."""
    return integer("quantity", value, minimum=0 if allow_zero else 1, maximum=MAX_QUANTITY)


def stock(value: object) -> int:
    """A stock level: 0..2**31-1."""
    return integer("stock", value, minimum=0, maximum=MAX_STOCK)


def stock_delta(value: object) -> int:
    """A stock change: any whole number that keeps stock within range."""
    return integer("delta", value, minimum=-MAX_STOCK, maximum=MAX_STOCK)


def profile(value: object) -> Profile:
    """A ``Profile`` whose fields are ``None`` or non-empty text."""
    if not isinstance(value, Profile):
        raise ValidationError("profile", f"expected a Profile, got {type(value).__name__}")
    for f in dataclasses.fields(Profile):
        optional_text(
            f"profile.{f.name}", getattr(value, f.name), max_length=MAX_PROFILE_FIELD_LENGTH
        )
    return value


def category_name(value: object) -> str:
    """A category name: unique among siblings, so no outer white space."""
    return text("name", value, max_length=MAX_NAME_LENGTH, no_outer_space=True)


def new_user(new: object) -> NewUser:
    """A checked ``NewUser`` with its email lower-cased."""
    if not isinstance(new, NewUser):
        raise ValidationError("new", f"expected a NewUser, got {type(new).__name__}")
    return NewUser(
        email=email(new.email),
        username=username(new.username),
        password_hash=text("password_hash", new.password_hash, max_length=MAX_HASH_LENGTH),
        profile=profile(new.profile),
        is_seller=boolean("is_seller", new.is_seller),
    )


def user_changes(changes: object) -> UserChanges:
    """Checked ``UserChanges``; set fields follow the ``new_user`` rules."""
    if not isinstance(changes, UserChanges):
        raise ValidationError("changes", f"expected UserChanges, got {type(changes).__name__}")
    return UserChanges(
        email=_keep_unset(changes.email, email),
        username=_keep_unset(changes.username, username),
        password_hash=_keep_unset(
            changes.password_hash,
            lambda v: text("password_hash", v, max_length=MAX_HASH_LENGTH),
        ),
        profile=_keep_unset(changes.profile, profile),
        is_seller=_keep_unset(changes.is_seller, lambda v: boolean("is_seller", v)),
    )


def new_category(new: object) -> NewCategory:
    """A checked ``NewCategory``."""
    if not isinstance(new, NewCategory):
        raise ValidationError("new", f"expected a NewCategory, got {type(new).__name__}")
    return NewCategory(
        name=category_name(new.name),
        parent_id=None if new.parent_id is None else entity_id("parent_id", new.parent_id),
        description=optional_text("description", new.description, max_length=MAX_TEXT_LENGTH),
    )


def category_changes(changes: object) -> CategoryChanges:
    """Checked ``CategoryChanges``."""
    if not isinstance(changes, CategoryChanges):
        raise ValidationError("changes", f"expected CategoryChanges, got {type(changes).__name__}")
    parent_id: str | Unset | None = changes.parent_id
    if parent_id is not UNSET and parent_id is not None:
        parent_id = entity_id("parent_id", parent_id)
    return CategoryChanges(
        name=_keep_unset(changes.name, category_name),
        parent_id=parent_id,
        description=_keep_unset(
            changes.description,
            lambda v: optional_text("description", v, max_length=MAX_TEXT_LENGTH),
        ),
    )


def new_product(new: object) -> NewProduct:
    """A checked ``NewProduct`` with its price at two places."""
    if not isinstance(new, NewProduct):
        raise ValidationError("new", f"expected a NewProduct, got {type(new).__name__}")
    return NewProduct(
        seller_id=entity_id("seller_id", new.seller_id),
        category_id=entity_id("category_id", new.category_id),
        name=text("name", new.name, max_length=MAX_NAME_LENGTH),
        price=money("price", new.price),
        stock=stock(new.stock),
        description=optional_text("description", new.description, max_length=MAX_TEXT_LENGTH),
        image_url=optional_text("image_url", new.image_url, max_length=MAX_URL_LENGTH),
    )


def product_changes(changes: object) -> ProductChanges:
    """Checked ``ProductChanges``."""
    if not isinstance(changes, ProductChanges):
        raise ValidationError("changes", f"expected ProductChanges, got {type(changes).__name__}")
    return ProductChanges(
        category_id=_keep_unset(changes.category_id, lambda v: entity_id("category_id", v)),
        name=_keep_unset(changes.name, lambda v: text("name", v, max_length=MAX_NAME_LENGTH)),
        description=_keep_unset(
            changes.description,
            lambda v: optional_text("description", v, max_length=MAX_TEXT_LENGTH),
        ),
        price=_keep_unset(changes.price, lambda v: money("price", v)),
        image_url=_keep_unset(
            changes.image_url, lambda v: optional_text("image_url", v, max_length=MAX_URL_LENGTH)
        ),
    )


def product_ids(values: object) -> list[str]:
    """At most 100 ids, duplicates dropped (first position kept)."""
    if isinstance(values, str) or not isinstance(values, Sequence):
        raise ValidationError("product_ids", f"expected a list of ids, got {type(values).__name__}")
    if len(values) > MAX_IDS_PER_CALL:
        raise ValidationError(
            "product_ids", f"expected at most {MAX_IDS_PER_CALL} ids, got {len(values)}"
        )
    seen: dict[str, None] = {}
    for value in values:
        seen.setdefault(entity_id("product_ids", value), None)
    return list(seen)


def search_text(value: object) -> str:
    """Search text: 1-100 characters, matched literally; returned lower-cased."""
    return text("text", value, max_length=MAX_SEARCH_LENGTH).lower()


@dataclass(frozen=True)
class SearchQuery:
    """A checked ``search``: the lower-cased needle and the optional filters."""

    needle: str
    category_id: str | None
    min_price: Decimal | None
    max_price: Decimal | None
    in_stock_only: bool

    @property
    def scope(self) -> str:
        """The cursor scope of this search (a cursor only fits the search that made it)."""
        return search_scope(
            self.needle, self.category_id, self.min_price, self.max_price, self.in_stock_only
        )


def search_query(
    text: object,
    category_id: object,
    min_price: object,
    max_price: object,
    in_stock_only: object,
) -> SearchQuery:
    """Check ``search``'s arguments once, for every backend."""
    return SearchQuery(
        needle=search_text(text),
        category_id=None if category_id is None else entity_id("category_id", category_id),
        min_price=price_bound("min_price", min_price),
        max_price=price_bound("max_price", max_price),
        in_stock_only=boolean("in_stock_only", in_stock_only),
    )


def price_bound(field: str, value: object) -> Decimal | None:
    """An optional price filter: ``None`` or a Decimal amount 0..MAX_PRICE."""
    if value is None:
        return None
    return money(field, value, minimum=Decimal("0.00"))


def shipping_address(value: object) -> str:
    """A shipping address: non-empty text up to 1000 characters."""
    return text("shipping_address", value, max_length=MAX_ADDRESS_LENGTH)


def page_args(limit_value: object, cursor_value: object) -> tuple[int, str | None]:
    """Check a listing's ``limit`` and ``cursor`` together."""
    return limit(limit_value), cursor(cursor_value)


def _keep_unset(value: T | Unset, check: Callable[[T], R]) -> R | Unset:
    """``UNSET`` stays ``UNSET``; any other value goes through ``check``."""
    if isinstance(value, Unset):
        return UNSET
    return check(value)
