"""The API's own settings, read from the environment (the backend's come from ``shop.settings``).

- ``SHOP_TOKEN_SECRET``: signs bearer tokens (random per process when unset, so tokens
  die with the process; set it when several processes must accept each other's tokens).
- ``SHOP_TOKEN_TTL``: token lifetime in seconds (default 3600).
- ``SHOP_TEST_CLOCK``: an ISO instant; turns on the per-request test clock
  (see ``shop.api.test_mode``).
- ``SHOP_TEST_IDS=sequential``: sequential ids ``0000000001``, ... instead of sortable ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from shop.api.test_mode import RequestClock, parse_instant
from shop.clock import Clock, IdSource, SequentialIds, SortableIds, SystemClock
from shop.services.tokens import DEFAULT_TTL_SECONDS
from shop.settings import SettingsError


@dataclass(frozen=True)
class ApiSettings:
    """How the API signs tokens and whether it runs in deterministic test mode."""

    token_secret: bytes | None = field(default=None, repr=False)
    token_ttl: int = DEFAULT_TTL_SECONDS
    test_clock_start: datetime | None = None
    sequential_ids: bool = False

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> ApiSettings:
        """Settings from ``SHOP_TOKEN_*`` and ``SHOP_TEST_*`` variables."""
        secret = env.get("SHOP_TOKEN_SECRET")
        ttl_raw = env.get("SHOP_TOKEN_TTL", str(DEFAULT_TTL_SECONDS))
        if not ttl_raw.isdigit() or int(ttl_raw) < 1:
            raise SettingsError(
                f"SHOP_TOKEN_TTL: expected a whole number of seconds >= 1, got {ttl_raw!r}"
            )
        start = None
        clock_raw = env.get("SHOP_TEST_CLOCK")
        if clock_raw:
            try:
                start = parse_instant("SHOP_TEST_CLOCK", clock_raw)
            except ValueError as error:
                raise SettingsError(str(error)) from None
        ids_raw = env.get("SHOP_TEST_IDS", "")
        if ids_raw not in ("", "sequential"):
            raise SettingsError(f"SHOP_TEST_IDS: expected 'sequential' or unset, got {ids_raw!r}")
        return cls(
            token_secret=secret.encode() if secret else None,
            token_ttl=int(ttl_raw),
            test_clock_start=start,
            sequential_ids=ids_raw == "sequential",
        )

    def make_clock(self) -> Clock:
        """The per-request test clock in test mode, else the real UTC clock."""
        if self.test_clock_start is not None:
            return RequestClock(self.test_clock_start)
        return SystemClock()

    def make_ids(self) -> IdSource:
        """Sequential ids in test mode, else sortable ULID-style ids."""
        return SequentialIds() if self.sequential_ids else SortableIds()
