"""Opaque, signed page cursors shared by every backend.

A cursor is ``base64url(json) + "." + base64url(hmac)``. The JSON holds the listing's
scope (which method and arguments produced it) and the backend's position (a keyset for
MySQL, a LastEvaluatedKey for DynamoDB). A cursor that was altered, truncated, signed with
another secret or used for another listing is refused with ``ValidationError("cursor")``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import secrets
from decimal import Decimal
from typing import Any

from shop.domain import ValidationError

_HINT = "pass the next_cursor of the previous page unchanged, or None for the first page"


class CursorCodec:
    """Signs positions into cursors and checks them on the way back in."""

    def __init__(self, secret: bytes | None = None) -> None:
        self._secret = secret if secret else secrets.token_bytes(32)

    def encode(self, scope: str, position: Any) -> str:
        """A cursor for ``position`` (JSON-serialisable) within listing ``scope``."""
        body = json.dumps({"s": scope, "p": position}, separators=(",", ":"), sort_keys=True)
        raw = body.encode()
        return f"{_b64(raw)}.{_b64(self._sign(raw))}"

    def decode(self, scope: str, cursor: str) -> Any:
        """The position inside ``cursor``; ``ValidationError`` unless it is genuine and in scope."""
        body_part, dot, sig_part = cursor.partition(".")
        if not dot:
            raise ValidationError("cursor", f"expected a cursor from a previous page; {_HINT}")
        try:
            raw = _unb64(body_part)
            signature = _unb64(sig_part)
        except (binascii.Error, ValueError):
            raise ValidationError(
                "cursor", f"expected base64 cursor parts, got something else; {_HINT}"
            ) from None
        if not hmac.compare_digest(signature, self._sign(raw)):
            raise ValidationError("cursor", f"the cursor was altered or is not ours; {_HINT}")
        data = json.loads(raw)
        if data.get("s") != scope:
            raise ValidationError(
                "cursor", f"the cursor belongs to another listing or other arguments; {_HINT}"
            )
        return data["p"]

    def _sign(self, raw: bytes) -> bytes:
        return hmac.new(self._secret, raw, hashlib.sha256).digest()[:16]


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


_BASE64URL = re.compile(r"[A-Za-z0-9_-]+")


def _unb64(text: str) -> bytes:
    """Strict unpadded base64url: anything else (padding, other characters) is refused, so
    one cursor has exactly one spelling."""
    if not _BASE64URL.fullmatch(text) or len(text) % 4 == 1:
        raise ValueError("not unpadded base64url")
    raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if _b64(raw) != text:
        raise ValueError("not the canonical spelling")
    return raw


def search_scope(
    needle: str,
    category_id: str | None,
    low: Decimal | None,
    high: Decimal | None,
    in_stock_only: bool,
) -> str:
    """The cursor scope of one search: its normalised arguments, so a cursor can't be reused
    for a different search."""
    return "products.search:" + json.dumps(
        [needle, category_id, str(low), str(high), in_stock_only]
    )
