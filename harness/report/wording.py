"""Wording shared by everything the harness prints or renders."""

from __future__ import annotations


def plural(count: int, singular: str, many: str | None = None) -> str:
    """``1 mismatch``, ``2 mismatches``, ``0 errors``, ``3 cases``."""
    if count == 1:
        return f"{count} {singular}"
    if many is None:
        many = singular + ("es" if singular.endswith(("s", "sh", "ch", "x")) else "s")
    return f"{count} {many}"
