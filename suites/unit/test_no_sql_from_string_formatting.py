"""Security: no SQL statement is built from values by string formatting, anywhere.

Identifiers (table, database names) cannot be bound parameters; interpolating them is
allowed only as a quoted identifier: ``\\`{table}\\``` or ``{quote_identifier(name)}``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
EXECUTE_F_STRING = re.compile(r"\.execute(?:many)?\(\s*f([\"'])(.*?)\1")
OTHER_FORMATTING = [
    re.compile(r"\.execute(?:many)?\([^)\n]*\.format\("),  # execute("...".format(value))
    re.compile(r"\.execute(?:many)?\(\s*[\"'][^\"']*[\"']\s*%\s*[\(\w]"),  # execute("..." % v)
    re.compile(r"\.execute(?:many)?\([^)\n]*[\"']\s*\+\s*[A-Za-z_]"),  # execute("..." + value)
]
QUOTED_IDENTIFIER = re.compile(r"`\{\w+\}`|\{quote_identifier\([^{}]*\)\}")


def violates(line: str) -> bool:
    """Whether ``line`` builds SQL from something other than a quoted identifier."""
    match = EXECUTE_F_STRING.search(line)
    if match and "{" in QUOTED_IDENTIFIER.sub("", match.group(2)):
        return True
    return any(p.search(line) for p in OTHER_FORMATTING)


def python_sources() -> list[Path]:
    folders = ("shop", "harness", "suites", "bench")
    return sorted(p for folder in folders for p in (ROOT / folder).rglob("*.py"))


def test_the_scan_catches_values_and_allows_quoted_identifiers() -> None:
    bad = [
        'cursor.execute(f"SELECT * FROM users WHERE id = {user_id}")',
        'cursor.execute(f"SELECT * FROM `{table}` WHERE id = {user_id}")',
        'cursor.execute("SELECT * FROM users WHERE id = {}".format(user_id))',
        'cursor.execute("SELECT * FROM users WHERE id = %s" % user_id)',
        'cursor.execute("SELECT * FROM users WHERE id = " + user_id)',
    ]
    good = [
        'cursor.execute("SELECT 1 WHERE id = %s", (user_id,))',
        'cur.execute(f"TRUNCATE TABLE `{table}`")',
        'cur.execute(f"DROP DATABASE IF EXISTS {quote_identifier(name)}")',
        "cursor.execute(\"SET time_zone = '+05:00'\")",
    ]
    assert [line for line in bad if not violates(line)] == []
    assert [line for line in good if violates(line)] == []


def test_no_source_file_builds_sql_from_values() -> None:
    files = python_sources()
    assert len(files) > 50
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in files
        if path.name != Path(__file__).name
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if violates(line)
    ]
    assert found == []
