"""Accounts: register, log in, who am I."""

from __future__ import annotations

from fastapi import APIRouter

from shop.api.deps import CurrentUser, ServicesDep
from shop.api.schemas import ErrorOut, LoginIn, RegisterIn, TokenOut, UserOut

router = APIRouter(tags=["auth"])


@router.post(
    "/auth/register", status_code=201, response_model=UserOut, responses={409: {"model": ErrorOut}}
)
def register(body: RegisterIn, services: ServicesDep) -> UserOut:
    """Create an account (``is_seller`` makes it a seller account)."""
    user = services.auth.register(
        body.email, body.username, body.password, body.profile.to_domain(), body.is_seller
    )
    return UserOut.of(user)


@router.post("/auth/login", response_model=TokenOut, responses={401: {"model": ErrorOut}})
def login(body: LoginIn, services: ServicesDep) -> TokenOut:
    """Exchange email and password for a bearer token."""
    issued = services.auth.login(body.email, body.password)
    return TokenOut(access_token=issued.token, expires_in=issued.expires_in)


@router.get("/me", response_model=UserOut, responses={401: {"model": ErrorOut}})
def me(user: CurrentUser) -> UserOut:
    """The logged-in user."""
    return UserOut.of(user)
