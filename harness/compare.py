"""Compare two canonical observations and say, precisely, where they differ.

1. Fast path: canonical forms are plain data, so ``==`` decides equality in C; equal forms
   end the comparison.
2. Locate: walk only the parts that differ. Long lists are narrowed to the differing rows
   first (block equality, then row equality; a length change is aligned on row digests,
   as data-diff does with checksums), so a 100,000-row result with one changed field costs
   one pass of ``==`` plus one small diff.
3. Explain: each differing row (and each small differing list) goes to deepdiff's tree view,
   which says what changed inside it.

Differences whose path also differed between two runs of the baseline are noise: reported
apart, never counted as mismatches.
"""

from __future__ import annotations

import difflib
import enum
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from deepdiff import DeepDiff

from harness.canonical import Canonical, dumps

SMALL_LIST = 32
"""Lists up to this length are explained by deepdiff directly."""

SMALL_NODES = 400
"""Values with at most this many nodes are explained by deepdiff directly."""

BLOCK = 256
"""Rows compared per block when narrowing a long list."""


class DiffKind(enum.StrEnum):
    CHANGED = "changed"
    TYPE_CHANGED = "type changed"
    ONLY_BASELINE = "only in baseline"
    ONLY_CANDIDATE = "only in candidate"


class _Missing:
    def __repr__(self) -> str:
        return "<absent>"


MISSING: Any = _Missing()
"""Stands for "no value here" on one side of a difference."""


@dataclass(frozen=True)
class Difference:
    """One place where the two sides differ: the path and what each side had there."""

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
    """The paths at which two observations differ (used to find noise between baseline runs)."""
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
        if len(a) != len(b) and max(len(a), len(b)) <= SMALL_LIST and _small(a) and _small(b):
            _explain(a, b, path, out)
        else:
            _narrow_rows(a, b, path, out)
        return
    kind = DiffKind.CHANGED if _tag(a) == _tag(b) else DiffKind.TYPE_CHANGED
    out.append(Difference(path, kind, a, b))


def _tag(value: Canonical) -> str:
    if isinstance(value, dict):
        tags = [k for k in value if k.startswith("$")]
        return tags[0] if tags else "object"
    return type(value).__name__


def _narrow_rows(a: list[Any], b: list[Any], path: str, out: list[Difference]) -> None:
    if len(a) == len(b):
        for start in range(0, len(a), BLOCK):
            if a[start : start + BLOCK] == b[start : start + BLOCK]:
                continue
            for i in range(start, min(start + BLOCK, len(a))):
                if a[i] != b[i]:
                    _row(a[i], b[i], f"{path}[{i}]", out)
        return
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


def _row(a: Canonical, b: Canonical, path: str, out: list[Difference]) -> None:
    """A differing row: deepdiff explains it if small, else keep narrowing inside it."""
    if _small(a) and _small(b):
        _explain(a, b, path, out)
    else:
        _locate(a, b, path, out)


def _small(value: Canonical, budget: int = SMALL_NODES) -> bool:
    """Whether ``value`` has at most ``budget`` nodes (stops counting early)."""
    stack = [value]
    while stack:
        budget -= 1
        if budget < 0:
            return False
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            if len(item) > SMALL_LIST:
                return False
            stack.extend(item)
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


def render(
    comparison: Comparison,
    baseline_label: str,
    candidate_label: str,
    step_labels: Sequence[str] = (),
    limit: int = 20,
) -> str:
    """A readable, labelled diff: for each difference, which side said what, at which path."""
    width = max(len(baseline_label), len(candidate_label)) + len("candidate ()")
    lines: list[str] = []
    for diff in comparison.mismatches[:limit]:
        lines.append(
            f"{_step_label(diff.path, step_labels)}at {diff.path or '<root>'} ({diff.kind.value})"
        )
        lines.append(
            f"    {('baseline (' + baseline_label + ')').ljust(width)}: {_show(diff.baseline)}"
        )
        lines.append(
            f"    {('candidate (' + candidate_label + ')').ljust(width)}: {_show(diff.candidate)}"
        )
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
