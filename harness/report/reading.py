"""Reading a file that crosses a boundary (as text, or as JSON), with an error that names
the file and where in it the problem is."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from harness.json_position import json_error_at

__all__ = ["Unreadable", "read_json", "read_text"]


class Unreadable(ValueError):
    """The file cannot be read as UTF-8 text (the message names it and the byte)."""


def read_text(path: Path) -> str:
    """``path``'s text, or :class:`Unreadable` saying where and why it is not UTF-8 text or
    cannot be read at all."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise Unreadable(f"{path}: cannot be read ({error.strerror or error})") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise Unreadable(
            f"{path}: not UTF-8 text at byte {error.start:,} of {len(data):,} "
            f"({error.reason}); the file is corrupt or not a text file"
        ) from None


def read_json(path: Path) -> Any:
    """``path``'s JSON document, or :class:`Unreadable` naming the file and the position
    (character offset, line and column) where it stops being JSON."""
    text = read_text(path)
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise Unreadable(f"{path}: {json_error_at(text, error)}") from None
