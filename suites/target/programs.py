"""The shop's own argument strategies for Parity's generated programs.

Parity derives arguments from the Protocols' type hints; these override the ones whose
domain the hints cannot say: an email needs an ``@``, prices are two-place Decimals, a
quantity is a small positive number (with the invalid ones close by), a status is one of
the lifecycle's, and search text is drawn from words the seed data holds. Each still
reaches past the happy middle (case variants, characters that fold differently, the
boundary values). Parity also reuses every value seen for a name, as it was or with its
case changed, so these need not.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from harness import Override, Pools
from shop.domain import OrderStatus

_LOCAL = st.sampled_from(
    ["ann", "Bob", "zoë", "ÄNNE", "i\u0307", "straße", "STRASSE", "o'neil", "a.b", "x_y", "%"]
)
_DOMAIN = st.sampled_from(["example.com", "Example.COM", "exämple.org", "xn--bcher-kva.de"])

EMAILS = st.builds(lambda local, domain: f"{local}@{domain}", _LOCAL, _DOMAIN) | st.sampled_from(
    ["no-at-sign", "two@@example.com", " padded@example.com", "a@b"]
)
USERNAMES = st.sampled_from(
    ["ann", "Ann", "ANN", "zoë", "Zoë", "straße", "ǅemal", "İpek"]
) | st.text(st.sampled_from("abZ9_-.ßİıǅ😀 "), min_size=1, max_size=8)
NAMES = st.sampled_from(
    ["Books", "books", "Jazz", "jazz", "Ärger", "ärger", "Straße", "STRASSE", "Σίσυφος", "ΣΊΣΥΦΟΣ"]
) | st.text(st.sampled_from("aAzZäÄß ǅ_%"), min_size=1, max_size=6)
PRICES = st.decimals(
    min_value=Decimal("0.01"), max_value=Decimal("100"), places=2
) | st.sampled_from(
    [
        Decimal("0.00"),
        Decimal("1.5"),
        Decimal("12"),
        Decimal("12.345"),
        Decimal("-1.00"),
        Decimal("99999999.99"),
    ]
)
SEARCH_TEXT = st.sampled_from(
    ["dune", "DUNE", "Dune", "jazz", "blue", "e", "o", "ü", "ß", "SS", "%", "_", "İ", "music"]
)


def search_text(pools: Pools) -> st.SearchStrategy[str]:
    """Words the products' names and descriptions hold (so searches find something), then
    the fixed list above; Parity then varies their case and accents."""
    words = sorted({w for n in (*pools.get("name"), *pools.get("description")) for w in n.split()})
    return (st.sampled_from(words) if words else SEARCH_TEXT) | SEARCH_TEXT


STATUSES: st.SearchStrategy[Any] = st.sampled_from(list(OrderStatus)) | st.sampled_from(
    ["paid", "PAID", "refunded", ""]
)

PROGRAM_STRATEGIES: dict[str, Override] = {
    "email": EMAILS,
    "username": USERNAMES,
    "name": NAMES,
    "password_hash": st.sampled_from(
        ["scrypt$16384$8$1$c2FsdA$bmV3", "scrypt$16384$8$1$c2FsdA$b3RoZXI", ""]
    ),
    "price": PRICES,
    "min_price": PRICES,
    "max_price": PRICES,
    "stock": st.integers(0, 6) | st.sampled_from([-1, 1_000_000]),
    "quantity": st.integers(1, 6) | st.sampled_from([0, -1, 1000]),
    "delta": st.integers(-6, 6) | st.sampled_from([-1000, 1000]),
    "status": STATUSES,
    "shipping_address": st.sampled_from(["1 Main St", "Flat 2, 3 Road", "ü 9", ""]),
    "products.search.text": search_text,
    "limit": st.integers(1, 8) | st.sampled_from([0, 100, 101]),
}
"""Parameter or field name (or ``repo.method.param``) -> strategy."""

__all__ = ["PROGRAM_STRATEGIES"]
