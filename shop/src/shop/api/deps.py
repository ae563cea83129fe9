"""FastAPI dependencies: the app's services and the logged-in user."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shop.domain import User
from shop.services import Services
from shop.services.errors import NotAuthenticated

MISSING_TOKEN = "missing bearer token"  # noqa: S105 - a message, not a secret

_bearer = HTTPBearer(auto_error=False, description="a token from POST /auth/login")


def get_services(request: Request) -> Services:
    """The services the app was built with."""
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def current_user(
    services: ServicesDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> User:
    """The user of the request's bearer token; ``NotAuthenticated`` (401) otherwise."""
    if credentials is None or not credentials.credentials:
        raise NotAuthenticated(MISSING_TOKEN)
    return services.auth.current_user(credentials.credentials)


CurrentUser = Annotated[User, Depends(current_user)]
