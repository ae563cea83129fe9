"""Where a JSON file broke, said so that a reader can find it in a one-line, megabyte file."""

from __future__ import annotations

import json


def json_error_at(text: str, error: json.JSONDecodeError) -> str:
    """``not valid JSON at character N (line L, column C): <msg>, near '<text>'``."""
    near = text[max(0, error.pos - 30) : error.pos + 30]
    return (
        f"not valid JSON at character {error.pos:,} (line {error.lineno}, column "
        f"{error.colno:,}): {error.msg}, near {near!r}"
    )


__all__ = ["json_error_at"]
