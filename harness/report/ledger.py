"""The divergence ledger: a committed list of accepted differences.

``reports/baselines/divergence-ledger.toml``::

    [[accept]]
    case = "users.update:moves-email-with-cart-and-orders"   # or: method = "orders.place"
    path = "[3].value.*"          # a glob over difference paths ("*" for any)
    reason = "DynamoDB refuses email changes that move more than 49 items"
    owner = "data-platform@example.com"
    expires = 2027-03-31

A mismatch whose every difference is matched by a live entry is *accepted*: shown, not
failed. An entry past its expiry date accepts nothing and fails the gate; an entry that
matched nothing in a complete run is reported as stale.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from harness.report.reading import Unreadable, read_text

FIELDS = ("reason", "owner", "expires")


class LedgerError(ValueError):
    """The ledger file is unreadable or malformed (names the file and line)."""


@dataclass(frozen=True)
class Entry:
    """One accepted difference."""

    index: int
    line: int
    case: str | None
    method: str | None
    path: str
    reason: str
    owner: str
    expires: date

    def expired(self, today: date) -> bool:
        """Whether the entry's date has passed."""
        return self.expires < today

    def matches(self, case_id: str, step_call: str | None, path: str) -> bool:
        """Whether this entry accepts a difference at ``path`` in ``case_id``."""
        if self.case is not None and self.case != case_id:
            return False
        if self.method is not None and self.method != step_call:
            return False
        return _glob(self.path).fullmatch(path) is not None

    def to_json(self) -> dict[str, Any]:
        """The entry as report data."""
        return {
            "index": self.index,
            "line": self.line,
            "case": self.case,
            "method": self.method,
            "path": self.path,
            "reason": self.reason,
            "owner": self.owner,
            "expires": self.expires.isoformat(),
        }


@dataclass(frozen=True)
class Ledger:
    """The entries of one ledger file."""

    file: str
    entries: tuple[Entry, ...]

    def live(self, today: date) -> list[Entry]:
        """Entries that have not expired."""
        return [e for e in self.entries if not e.expired(today)]


def load_ledger(path: Path) -> Ledger:
    """Read and check a ledger file; a missing file is an empty ledger."""
    if not path.exists():
        return Ledger(str(path), ())
    try:
        text = read_text(path)
    except Unreadable as error:
        raise LedgerError(f"{error}; restore it from git") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise LedgerError(f"{path}: not valid TOML ({error}); fix the file") from None
    unknown = set(data) - {"accept"}
    if unknown:
        raise LedgerError(
            f"{path}: expected only [[accept]] tables, got {sorted(unknown)}; "
            "write each accepted difference as an [[accept]] table"
        )
    raw_entries = data.get("accept", [])
    if not isinstance(raw_entries, list):
        raise LedgerError(f"{path}: expected [[accept]] tables, got a single value")
    lines = _entry_lines(text)
    entries = [
        _entry(path, i, lines[i] if i < len(lines) else 0, raw) for i, raw in enumerate(raw_entries)
    ]
    return Ledger(str(path), tuple(entries))


def _entry_lines(text: str) -> list[int]:
    return [n for n, line in enumerate(text.splitlines(), 1) if line.strip() == "[[accept]]"]


def _entry(path: Path, index: int, line: int, raw: dict[str, Any]) -> Entry:
    where = f"{path}:{line} (entry {index + 1})"
    missing = [f for f in FIELDS if f not in raw]
    if missing:
        raise LedgerError(f"{where}: expected fields {list(FIELDS)}, missing {missing}")
    if ("case" in raw) == ("method" in raw):
        raise LedgerError(f"{where}: expected exactly one of 'case' or 'method', got {sorted(raw)}")
    expires = raw["expires"]
    if not isinstance(expires, date):
        raise LedgerError(
            f"{where}: expected 'expires' as a TOML date like 2027-03-31, got {expires!r}"
        )
    for name in ("reason", "owner"):
        if not isinstance(raw[name], str) or not raw[name].strip():
            raise LedgerError(f"{where}: expected a non-empty '{name}', got {raw[name]!r}")
    pattern = raw.get("path", "*")
    if not isinstance(pattern, str):
        raise LedgerError(f"{where}: expected 'path' as a glob string, got {pattern!r}")
    return Entry(
        index=index,
        line=line,
        case=raw.get("case"),
        method=raw.get("method"),
        path=pattern,
        reason=raw["reason"],
        owner=raw["owner"],
        expires=expires,
    )


def apply_ledger(
    ledger: Ledger, cases: Iterable[dict[str, Any]], today: date
) -> tuple[set[int], list[Entry]]:
    """Mark accepted differences in the case records (in place).

    Returns the indexes of entries that matched something, and the expired entries.
    A mismatch whose every difference is accepted gets status ``accepted``.
    """
    live = ledger.live(today)
    used: set[int] = set()
    for case in cases:
        if case["status"] != "mismatch":
            continue
        labels = case["baseline"]["labels"]
        remaining, accepted = [], []
        for diff in case["differences"]:
            call = _step_call(diff["path"], labels)
            entry = next((e for e in live if e.matches(case["id"], call, diff["path"])), None)
            if entry is None:
                remaining.append(diff)
            else:
                used.add(entry.index)
                accepted.append({**diff, "ledger": entry.to_json()})
        case["differences"], case["accepted"] = remaining, accepted
        if not remaining and accepted:
            case["status"] = "accepted"
    expired = [e for e in ledger.entries if e.expired(today)]
    return used, expired


@functools.cache
def _glob(pattern: str) -> re.Pattern[str]:
    """``*`` (any run of characters) and ``?`` (one character) are the only wildcards, so
    paths like ``[3].value.*`` match literally (fnmatch would read ``[3]`` as a set)."""
    parts = (".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile("".join(parts), re.DOTALL)


def _step_call(path: str, labels: list[str]) -> str | None:
    if path.startswith("[") and "]" in path:
        index = path[1 : path.index("]")]
        if index.isdigit() and int(index) < len(labels):
            return labels[int(index)].split("(", 1)[0]
    return None
