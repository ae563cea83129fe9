"""Compare two canonical observations and say, precisely, where they differ.

1. Fast path: canonical forms are plain data, so ``==`` decides equality in C; equal forms
   end the comparison.
2. Locate: walk only the parts that differ. Lists are aligned before their items are
   compared:

   - a list of entities (every item carries a unique id symbol: its ``id``, else a
     ``*_id`` field, else the ``id`` of a record it holds, like ``{"category": {...}}``;
     or every item *is* a unique id symbol) is aligned by that key. An item on one side
     only is one difference (``only in baseline`` / ``only in candidate``); items on both
     sides are compared with each other; items that are equal on both sides but come in
     another order are one ``reordered`` difference at the list's path.
   - other lists are aligned by position (block equality, then row equality), or, when
     their lengths differ, on row digests (as data-diff does with checksums); the same
     rows in another order are one ``reordered`` difference.
   - the observation itself (the list of steps) is always aligned by position.

   So a 100,000-row result with one changed field costs a few passes of ``==`` plus one
   small diff, and one extra item at the front of a listing is one difference, not one
   per following row.
3. Explain: each differing small row without lists goes to deepdiff's tree view, which
   says what changed inside it; rows holding lists are walked as above.

A path names an item by its index on the baseline side (``items[3]``), or on the
candidate side for an item only the candidate has, so a path's leading ``[n]`` is always
a step index. Differences whose path also differed between two runs of the baseline are
noise: reported apart, never counted as mismatches.
"""

from __future__ import annotations

import difflib
import enum
import hashlib
import re
from collections import defaultdict, deque
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from deepdiff import DeepDiff

from harness.canonical import Canonical, dumps

SMALL_NODES = 400
"""List-free values with at most this many nodes are explained by deepdiff directly."""

BLOCK = 256
"""Rows compared per block when narrowing a long list."""

_SYMBOL = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*#[0-9]+")
"""An id symbol, as the canonicaliser writes them (``user#1``, ``order_line#12``)."""


class DiffKind(enum.StrEnum):
    CHANGED = "changed"
    TYPE_CHANGED = "type changed"
    ONLY_BASELINE = "only in baseline"
    ONLY_CANDIDATE = "only in candidate"
    REORDERED = "reordered"
    """The same items in another order; the two sides' values are the two orders."""


class _Missing:
    def __repr__(self) -> str:
        return "<absent>"


MISSING: Any = _Missing()
"""Stands for "no value here" on one side of a difference."""


@dataclass(frozen=True)
class Difference:
    """One place where the two sides differ: the path and what each side had there.

    For ``REORDERED``, ``baseline`` and ``candidate`` are the two orders: the keys of the
    items both sides hold (``["user#1", "user#2"]``), or, for a list without keys, the
    rows at the positions that differ (scalars as themselves, other rows as their
    baseline index).
    """

    path: str
    kind: DiffKind
    baseline: Canonical
    candidate: Canonical

    def to_json(self) -> dict[str, Any]:
        """A JSON-able form (absent values as ``{"$absent": true}``)."""

        def side(value: Canonical) -> Canonical:
            return {"$absent": True} if value is MISSING else value

        return {
            "path": self.path,
            "kind": self.kind.value,
            "baseline": side(self.baseline),
            "candidate": side(self.candidate),
        }


@dataclass(frozen=True)
class Comparison:
    """The outcome of comparing two observations."""

    mismatches: tuple[Difference, ...]
    noise: tuple[Difference, ...]

    @property
    def equal(self) -> bool:
        """True when nothing but noise differs."""
        return not self.mismatches


def compare(
    baseline: Canonical, candidate: Canonical, noise_paths: Iterable[str] = ()
) -> Comparison:
    """Compare two canonical observations; differences under ``noise_paths`` are noise."""
    if baseline == candidate:
        return Comparison((), ())
    found: list[Difference] = []
    _locate(baseline, candidate, "", found)
    noisy = frozenset(noise_paths)
    mismatches = tuple(d for d in found if not _under(d.path, noisy))
    noise = tuple(d for d in found if _under(d.path, noisy))
    return Comparison(mismatches, noise)


def differing_paths(first: Canonical, second: Canonical) -> frozenset[str]:
    """The paths at which two observations differ (used to find noise between baseline runs).

    Aligned as :func:`compare` aligns, with ``first`` as the baseline side, so its paths
    name the same places as those of ``compare(first, candidate)``.
    """
    if first == second:
        return frozenset()
    found: list[Difference] = []
    _locate(first, second, "", found)
    return frozenset(d.path for d in found)


def _under(path: str, prefixes: frozenset[str]) -> bool:
    if not prefixes:
        return False
    if path in prefixes:
        return True
    return any(path.startswith(p) and path[len(p) : len(p) + 1] in (".", "[") for p in prefixes)


def _locate(a: Canonical, b: Canonical, path: str, out: list[Difference]) -> None:
    if a == b:
        return
    if isinstance(a, dict) and isinstance(b, dict):
        if a.get("$type") != b.get("$type") or a.get("$error") != b.get("$error"):
            out.append(Difference(path, DiffKind.TYPE_CHANGED, a, b))
            return
        for key in list(a) + [k for k in b if k not in a]:
            sub = f"{path}.{key}" if path else str(key)
            if key not in b:
                out.append(Difference(sub, DiffKind.ONLY_BASELINE, a[key], MISSING))
            elif key not in a:
                out.append(Difference(sub, DiffKind.ONLY_CANDIDATE, MISSING, b[key]))
            else:
                _locate(a[key], b[key], sub, out)
        return
    if isinstance(a, list) and isinstance(b, list):
        _lists(a, b, path, out)
        return
    kind = DiffKind.CHANGED if _tag(a) == _tag(b) else DiffKind.TYPE_CHANGED
    out.append(Difference(path, kind, a, b))


def _tag(value: Canonical) -> str:
    if isinstance(value, dict):
        tags = [k for k in value if k.startswith("$")]
        return tags[0] if tags else "object"
    return type(value).__name__


# -- lists ---------------------------------------------------------------------------------


def _lists(a: list[Any], b: list[Any], path: str, out: list[Difference]) -> None:
    """Two differing lists: aligned by key when their items have one, else by position."""
    if len(a) != len(b):
        keys = _keys(a, b) if path else None  # the root is the list of steps: positional
        if keys is not None:
            _by_key(a, b, keys[0], keys[1], path, out)
        else:
            _by_digest(a, b, path, out)
        return
    differing = _differing(a, b)
    if path and not _same_ids_at(a, b, differing):
        keys = _keys(a, b)
        if keys is not None:
            _by_key(a, b, keys[0], keys[1], path, out)
            return
        if _reordered_rows(a, b, differing, path, out):
            return
    for i in differing:
        _row(a[i], b[i], f"{path}[{i}]", out)


def _same_ids_at(a: list[Any], b: list[Any], positions: list[int]) -> bool:
    """Whether both sides hold the same entity (same ``id`` symbol) at each position (the
    common case of a listing whose items differ in a field: no need to key every row)."""
    for i in positions:
        left, right = a[i], b[i]
        if not (isinstance(left, dict) and isinstance(right, dict)):
            return False
        key = left.get("id")
        if key != right.get("id") or not _is_symbol(key):
            return False
    return True


def _differing(a: list[Any], b: list[Any]) -> list[int]:
    """The positions at which two lists of the same length differ (block by block)."""
    found = []
    for start in range(0, len(a), BLOCK):
        if a[start : start + BLOCK] == b[start : start + BLOCK]:
            continue
        found += [i for i in range(start, min(start + BLOCK, len(a))) if a[i] != b[i]]
    return found


def _by_digest(a: list[Any], b: list[Any], path: str, out: list[Difference]) -> None:
    matcher = difflib.SequenceMatcher(None, _digests(a), _digests(b), autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        paired = min(i2 - i1, j2 - j1) if tag == "replace" else 0
        for k in range(paired):
            _row(a[i1 + k], b[j1 + k], f"{path}[{i1 + k}]", out)
        for i in range(i1 + paired, i2):
            out.append(Difference(f"{path}[{i}]", DiffKind.ONLY_BASELINE, a[i], MISSING))
        for j in range(j1 + paired, j2):
            out.append(Difference(f"{path}[{j}]", DiffKind.ONLY_CANDIDATE, MISSING, b[j]))


def _reordered_rows(
    a: list[Any], b: list[Any], differing: list[int], path: str, out: list[Difference]
) -> bool:
    """Whether the rows at ``differing`` are the same rows in another order (then one
    ``reordered`` difference is recorded: the rows as themselves when scalars, else by
    their baseline index)."""
    if len(differing) < 2:
        return False
    left, right = _digests([a[i] for i in differing]), _digests([b[i] for i in differing])
    if sorted(left) != sorted(right):
        return False
    if all(not isinstance(a[i], dict | list) for i in differing):
        order_a: list[Any] = [a[i] for i in differing]
        order_b: list[Any] = [b[i] for i in differing]
    else:
        where: defaultdict[bytes, deque[int]] = defaultdict(deque)
        for i, d in zip(differing, left, strict=True):
            where[d].append(i)
        order_a, order_b = list(differing), [where[d].popleft() for d in right]
    out.append(Difference(path, DiffKind.REORDERED, order_a, order_b))
    return True


def _keys(a: list[Any], b: list[Any]) -> tuple[list[Hashable], list[Hashable]] | None:
    """Each side's item keys, when every item of both lists has a key unique in its list."""
    if all(isinstance(x, str) for x in a) and all(isinstance(x, str) for x in b):
        ids_a, ids_b = _unique_symbols(a), _unique_symbols(b)
        return (ids_a, ids_b) if ids_a is not None and ids_b is not None else None
    first = next((x for x in (*a[:1], *b[:1]) if isinstance(x, dict)), None)
    if first is None:
        return None
    for spec in _key_specs(first):
        keys_a = _keys_at(a, spec)
        keys_b = _keys_at(b, spec) if keys_a is not None else None
        if keys_a is not None and keys_b is not None:
            return keys_a, keys_b
    return None


def _key_specs(item: dict[str, Any]) -> list[tuple[str, ...]]:
    """Where an item's key may be: its ``id``, then each ``*_id`` field or held record's
    ``id``, in field order."""
    specs: list[tuple[str, ...]] = []
    if _is_symbol(item.get("id")):
        specs.append(("id",))
    for name, value in item.items():
        if name != "id" and name.endswith("_id") and _is_symbol(value):
            specs.append((name,))
        elif isinstance(value, dict) and _is_symbol(value.get("id")):
            specs.append((name, "id"))
    return specs


def _keys_at(rows: list[Any], spec: tuple[str, ...]) -> list[Hashable] | None:
    keys: list[Hashable] = []
    seen: set[Hashable] = set()
    for row in rows:
        value = row
        for part in spec:
            value = value.get(part) if isinstance(value, dict) else None
        if value in seen or not _is_symbol(value):
            return None
        seen.add(value)
        keys.append(value)
    return keys


def _unique_symbols(rows: list[Any]) -> list[Hashable] | None:
    if not all(_SYMBOL.fullmatch(x) for x in rows) or len(set(rows)) != len(rows):
        return None
    return list(rows)


def _is_symbol(value: object) -> bool:
    return isinstance(value, str) and _SYMBOL.fullmatch(value) is not None


def _by_key(
    a: list[Any],
    b: list[Any],
    keys_a: list[Hashable],
    keys_b: list[Hashable],
    path: str,
    out: list[Difference],
) -> None:
    if keys_a == keys_b:  # the same items in the same order: pair them by position
        for i in _differing(a, b):
            _row(a[i], b[i], f"{path}[{i}]", out)
        return
    at_a = {k: i for i, k in enumerate(keys_a)}
    at_b = {k: j for j, k in enumerate(keys_b)}
    both_a = [k for k in keys_a if k in at_b]
    both_b = [k for k in keys_b if k in at_a]
    if both_a != both_b:
        # Only items equal on both sides say the order differs: a changed item may have
        # moved because it changed (a list sorted by a changed field, an unordered list).
        same = {k for k in both_a if a[at_a[k]] == b[at_b[k]]}
        if [k for k in both_a if k in same] != [k for k in both_b if k in same]:
            out.append(Difference(path, DiffKind.REORDERED, both_a, both_b))
    for i, key in enumerate(keys_a):
        j = at_b.get(key)
        if j is None:
            out.append(Difference(f"{path}[{i}]", DiffKind.ONLY_BASELINE, a[i], MISSING))
        elif a[i] != b[j]:
            _row(a[i], b[j], f"{path}[{i}]", out)
    for j, key in enumerate(keys_b):
        if key not in at_a:
            out.append(Difference(f"{path}[{j}]", DiffKind.ONLY_CANDIDATE, MISSING, b[j]))


# -- rows ----------------------------------------------------------------------------------


def _row(a: Canonical, b: Canonical, path: str, out: list[Difference]) -> None:
    """A differing row: deepdiff explains it if small and list-free, else keep walking
    (so lists inside it are aligned as above)."""
    if _small(a) and _small(b):
        _explain(a, b, path, out)
    else:
        _locate(a, b, path, out)


def _small(value: Canonical, budget: int = SMALL_NODES) -> bool:
    """Whether ``value`` has at most ``budget`` nodes and no list (stops counting early)."""
    stack = [value]
    while stack:
        budget -= 1
        if budget < 0:
            return False
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            return False
    return True


def _digests(rows: Sequence[Any]) -> list[bytes]:
    return [hashlib.blake2b(dumps(r).encode(), digest_size=8).digest() for r in rows]


_REPORT_KINDS = {
    "values_changed": DiffKind.CHANGED,
    "type_changes": DiffKind.TYPE_CHANGED,
    "dictionary_item_added": DiffKind.ONLY_CANDIDATE,
    "dictionary_item_removed": DiffKind.ONLY_BASELINE,
    "iterable_item_added": DiffKind.ONLY_CANDIDATE,
    "iterable_item_removed": DiffKind.ONLY_BASELINE,
}


def _explain(a: Canonical, b: Canonical, path: str, out: list[Difference]) -> None:
    """Ask deepdiff (tree view) what differs between two small canonical values."""
    if not isinstance(a, dict | list) or not isinstance(b, dict | list) or type(a) is not type(b):
        _locate_leaf(a, b, path, out)
        return
    tree = DeepDiff(a, b, view="tree", verbose_level=2)
    for report, levels in tree.items():
        kind = _REPORT_KINDS.get(report, DiffKind.CHANGED)
        for level in sorted(levels, key=lambda lv: str(lv.path())):
            where = path + _format_path(level.path(output_format="list"))
            left = MISSING if kind is DiffKind.ONLY_CANDIDATE else level.t1
            right = MISSING if kind is DiffKind.ONLY_BASELINE else level.t2
            out.append(Difference(where, kind, left, right))


def _locate_leaf(a: Canonical, b: Canonical, path: str, out: list[Difference]) -> None:
    kind = DiffKind.CHANGED if _tag(a) == _tag(b) else DiffKind.TYPE_CHANGED
    out.append(Difference(path, kind, a, b))


def _format_path(parts: Sequence[object]) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


# -- rendering -----------------------------------------------------------------------------


def render(
    comparison: Comparison,
    baseline_label: str,
    candidate_label: str,
    step_labels: Sequence[str] = (),
    limit: int = 20,
) -> str:
    """A readable, labelled diff: for each difference, which side said what, at which path.

    A ``reordered`` difference shows each side's order of the same items.
    """
    lines: list[str] = []
    for diff in comparison.mismatches[:limit]:
        kind, suffix = diff.kind.value, ""
        if diff.kind is DiffKind.REORDERED:
            kind, suffix = "reordered: the same items in another order", " order"
        width = max(len(baseline_label), len(candidate_label)) + len(f"candidate (){suffix}")
        lines.append(f"{_step_label(diff.path, step_labels)}at {diff.path or '<root>'} ({kind})")
        for side, label, value in (
            ("baseline", baseline_label, diff.baseline),
            ("candidate", candidate_label, diff.candidate),
        ):
            lines.append(f"    {f'{side} ({label}){suffix}'.ljust(width)}: {_show(value)}")
    hidden = len(comparison.mismatches) - limit
    if hidden > 0:
        lines.append(f"... and {hidden} more difference{'s' if hidden != 1 else ''}")
    if comparison.noise:
        count = len(comparison.noise)
        lines.append(f"({count} noise difference{'s' if count != 1 else ''} not counted)")
    return "\n".join(lines)


def _step_label(path: str, step_labels: Sequence[str]) -> str:
    if path.startswith("["):
        index = path[1 : path.index("]")]
        if index.isdigit() and int(index) < len(step_labels):
            return f"step {index}: {step_labels[int(index)]}\n  "
    return ""


def _show(value: Canonical) -> str:
    if value is MISSING:
        return "<absent>"
    text = dumps(value)
    return text if len(text) <= 300 else text[:297] + "..."
