"""SQL script text: split a script into statements, find the tables it creates, name verbs.

Pure text handling (no driver): the splitter understands what the ``mysql`` client does in
a ``.sql`` file:

- statements end at the delimiter (``;``, or what a ``DELIMITER //`` line sets, for
  triggers and procedures whose bodies hold ``;``) outside quotes and comments;
- ``'...'`` and ``"..."`` strings (doubled quotes and backslash escapes inside),
  ```...``` identifiers (doubled backticks inside);
- ``-- `` comments (MySQL needs white space after ``--``), ``#`` comments and ``/* */``
  comments are dropped, except ``/*! ... */`` and ``/*+ ... */``, which the server runs
  (version-conditional code, optimizer hints) and so stay in the statement.

An unterminated quote or comment is an error naming its line, never a silent mis-split.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from harness.storage.errors import StorageError

_DELIMITER_LINE = re.compile(r"[ \t]*DELIMITER[ \t]+(\S+)[ \t]*(?:\r?\n|$)", re.IGNORECASE)
_QUOTES = "'\"`"


def split_statements(script: str) -> list[str]:
    """The statements of an SQL script, comments dropped, each stripped, delimiters removed."""
    statements: list[str] = []
    current: list[str] = []
    for kind, text in _pieces(script):
        if kind == "end":
            _flush(current, statements)
        elif kind != "comment":
            current.append(text)
    _flush(current, statements)
    return statements


def without_comments(statement: str) -> str:
    """``statement`` with its comments dropped (quoted text is kept as it is)."""
    return "".join(text for kind, text in _pieces(statement, delimiters=False) if kind == "code")


def _flush(current: list[str], statements: list[str]) -> None:
    text = "".join(current).strip()
    if text:
        statements.append(text)
    current.clear()


def _pieces(script: str, *, delimiters: bool = True) -> Iterator[tuple[str, str]]:
    """``(kind, text)`` pieces: ``code`` (quoted text included), ``comment`` or ``end``."""
    delimiter = ";"
    i, n = 0, len(script)
    line_start = True
    while i < n:
        if delimiters and line_start:
            change = _DELIMITER_LINE.match(script, i)
            if change:
                yield "end", ""
                delimiter = change.group(1)
                i = change.end()
                continue
        char = script[i]
        if char in _QUOTES:
            end = _end_of_quoted(script, i)
            yield "code", script[i:end]
            i, line_start = end, False
        elif char == "#" or (script.startswith("--", i) and script[i + 2 : i + 3] in _BLANKS):
            end = script.find("\n", i)
            end = n if end < 0 else end
            yield "comment", script[i:end]
            yield "code", " "
            i, line_start = end, False
        elif script.startswith("/*", i):
            end = script.find("*/", i + 2)
            if end < 0:
                raise _unterminated("/* comment", "*/", script, i)
            kept = script[i + 2 : i + 3] in ("!", "+")
            yield ("code", script[i : end + 2]) if kept else ("comment", script[i : end + 2])
            if not kept:
                yield "code", " "
            i, line_start = end + 2, False
        elif delimiters and script.startswith(delimiter, i):
            yield "end", ""
            i, line_start = i + len(delimiter), False
        else:
            yield "code", char
            i, line_start = i + 1, char == "\n"


_BLANKS = ("", " ", "\t", "\r", "\n")


def _end_of_quoted(script: str, start: int) -> int:
    """The index just past the quoted string or identifier starting at ``start``."""
    quote = script[start]
    i, n = start + 1, len(script)
    while i < n:
        char = script[i]
        if char == "\\" and quote != "`":
            i += 2
        elif char == quote:
            if script[i + 1 : i + 2] == quote:
                i += 2
            else:
                return i + 1
        else:
            i += 1
    what = "`quoted identifier" if quote == "`" else f"{quote}string{quote}"
    raise _unterminated(what, quote, script, start)


def _unterminated(what: str, closer: str, script: str, start: int) -> StorageError:
    line = script.count("\n", 0, start) + 1
    excerpt = script[start : start + 60].split("\n", 1)[0]
    return StorageError(
        f"the SQL script has an unterminated {what}",
        expected=f"a closing {closer} for the {what} opened on line {line}",
        observed=f"line {line}: {excerpt!r} ... and the script ends",
        hint="close the quote or comment (an apostrophe inside a -- comment needs a space "
        "after the --, or MySQL reads it as code)",
    )


_NAME = r"(`(?:[^`]|``)+`|[0-9A-Za-z_$\u0080-\U0010ffff]+)"
_CREATE_TABLE = re.compile(
    r"\s*CREATE\s+(?:OR\s+REPLACE\s+)?(TEMPORARY\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?"
    + _NAME
    + r"(?:\s*\.\s*"
    + _NAME
    + r")?",
    re.IGNORECASE | re.DOTALL,
)


def created_table(statement: str) -> str | None:
    """The table a ``CREATE TABLE`` statement creates (unquoted, without a database
    qualifier), or None for any other statement (temporary tables included)."""
    match = _CREATE_TABLE.match(without_comments(statement))
    if match is None or match.group(1):
        return None
    name = match.group(3) or match.group(2)
    if name.startswith("`"):
        return name[1:-1].replace("``", "`")
    return name


_VERB = re.compile(
    rb"(?:\s+|/\*.*?\*/|--[ \t][^\n]*(?:\n|$)|\#[^\n]*(?:\n|$)|\()*([A-Za-z]+)", re.DOTALL
)


def statement_verb(sql: str | bytes) -> str:
    """The request label of a statement: its first keyword in capitals (``SELECT``,
    ``INSERT``, ``SET``, ...), after leading comments and parentheses; a ``WITH`` (a common
    table expression) counts as ``SELECT``; ``OTHER`` when there is no keyword."""
    head = sql[:512].encode("utf-8", "replace") if isinstance(sql, str) else bytes(sql[:512])
    match = _VERB.match(head)
    if match is None:
        return "OTHER"
    word = match.group(1).decode("ascii").upper()
    return "SELECT" if word == "WITH" else word


__all__ = ["created_table", "split_statements", "statement_verb", "without_comments"]
