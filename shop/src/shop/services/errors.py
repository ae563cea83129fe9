"""Errors the services add on top of the repositories' ``ShopError`` family.

Repositories say what is wrong with the data; the services also say who may not do
something. Neither kind carries driver details, so the API can show them to clients.
"""

from __future__ import annotations


class ServiceError(Exception):
    """Base class of the errors raised by the services themselves."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotAuthenticated(ServiceError):
    """No valid credentials: missing, malformed, tampered or expired token, or a bad login."""


class Forbidden(ServiceError):
    """The caller is known but not allowed to do this (not a seller, not their product)."""
