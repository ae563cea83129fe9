"""Registration, login and token checks, built only on a ``UserRepository``."""

from __future__ import annotations

from shop.domain import NewUser, Profile, User
from shop.interfaces import UserRepository
from shop.services.errors import NotAuthenticated
from shop.services.passwords import DUMMY_HASH, hash_password, verify_password
from shop.services.tokens import IssuedToken, TokenSigner

BAD_LOGIN = "invalid email or password"
"""The one message for a wrong password and an unknown email (no user enumeration)."""

USER_GONE = "the token's user no longer exists"


class AuthService:
    """Creates accounts, exchanges a password for a token, and resolves tokens to users."""

    def __init__(self, users: UserRepository, tokens: TokenSigner) -> None:
        self._users = users
        self._tokens = tokens

    def register(
        self,
        email: str,
        username: str,
        password: str,
        profile: Profile | None = None,
        is_seller: bool = False,
    ) -> User:
        """Create a user whose password is stored only as a salted scrypt hash."""
        new = NewUser(
            email=email,
            username=username,
            password_hash=hash_password(password),
            profile=profile or Profile(),
            is_seller=is_seller,
        )
        return self._users.create(new)

    def login(self, email: str, password: str) -> IssuedToken:
        """A bearer token for the user with this email and password.

        A wrong password and an unknown email raise the same ``NotAuthenticated``, after
        the same amount of hashing work.
        """
        user = self._users.get_by_email(email)
        stored = user.password_hash if user is not None else DUMMY_HASH
        matches = verify_password(password, stored)
        if user is None or not matches:
            raise NotAuthenticated(BAD_LOGIN)
        return self._tokens.issue(user.id)

    def verify(self, token: str) -> str:
        """The user id inside ``token``; ``NotAuthenticated`` if malformed, tampered or expired."""
        return self._tokens.verify(token)

    def current_user(self, token: str) -> User:
        """The user ``token`` was issued to; ``NotAuthenticated`` if it is invalid or they left."""
        user = self._users.get(self.verify(token))
        if user is None:
            raise NotAuthenticated(USER_GONE)
        return user
