"""Signed bearer tokens: ``base64url(user_id).expiry.base64url(HMAC-SHA256)``.

The signature is HMAC-SHA256 over ``f"{user_id}.{expiry}"`` (UTF-8) with the server's
secret; ``expiry`` is whole seconds since the Unix epoch, read from the app's clock.
A token that is not three parts, not decodable, signed with another secret or past its
expiry is refused, each with its own message.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from shop.clock import Clock
from shop.services.errors import NotAuthenticated

DEFAULT_TTL_SECONDS = 3600

MALFORMED = "malformed bearer token"
TAMPERED = "bearer token signature is invalid"
EXPIRED = "bearer token has expired"
_B64URL = re.compile(r"[A-Za-z0-9_-]{1,1024}")


@dataclass(frozen=True)
class IssuedToken:
    """A token and how many seconds it stays valid."""

    token: str
    expires_in: int


class TokenSigner:
    """Issues and checks tokens with one secret (random per process when none is given)."""

    def __init__(
        self, clock: Clock, secret: bytes | None = None, ttl_seconds: int = DEFAULT_TTL_SECONDS
    ) -> None:
        if ttl_seconds < 1:
            raise ValueError(f"expected a token lifetime of at least 1 second, got {ttl_seconds}")
        self._clock = clock
        self._secret = secret if secret else secrets.token_bytes(32)
        self._ttl = ttl_seconds

    def _now(self) -> int:
        return int(self._clock.now().timestamp())

    def _sign(self, user_id: str, expiry: int) -> bytes:
        message = f"{user_id}.{expiry}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).digest()

    def issue(self, user_id: str) -> IssuedToken:
        """A token for ``user_id`` valid for the configured lifetime."""
        expiry = self._now() + self._ttl
        token = f"{_b64(user_id.encode())}.{expiry}.{_b64(self._sign(user_id, expiry))}"
        return IssuedToken(token, self._ttl)

    def verify(self, token: str) -> str:
        """The user id inside a genuine, unexpired ``token``; ``NotAuthenticated`` otherwise."""
        parts = token.split(".")
        if len(parts) != 3 or not parts[1].isdigit() or len(parts[1]) > 12:
            raise NotAuthenticated(MALFORMED)
        try:
            user_id = _unb64(parts[0]).decode("utf-8")
            signature = _unb64(parts[2])
        except (ValueError, binascii.Error):
            raise NotAuthenticated(MALFORMED) from None
        expiry = int(parts[1])
        if not user_id or not hmac.compare_digest(signature, self._sign(user_id, expiry)):
            raise NotAuthenticated(TAMPERED)
        if self._now() >= expiry:
            raise NotAuthenticated(EXPIRED)
        return user_id


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    if not _B64URL.fullmatch(text):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
