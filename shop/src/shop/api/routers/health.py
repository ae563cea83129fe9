"""Readiness: answers as soon as the app can serve requests (does not move the test clock)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from shop.api.schemas import HealthOut

router = APIRouter(tags=["health"])


@router.get("/health", response_model=HealthOut)
def health(request: Request) -> HealthOut:
    """``{"status": "ok", "backend": <name>}``."""
    return HealthOut(status="ok", backend=request.app.state.repositories.backend)
