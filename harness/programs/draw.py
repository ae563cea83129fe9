"""Arguments for generated calls, drawn from each parameter's whole domain.

Values come from the Protocols' type hints (``str``, ``int``, ``bool``, ``Decimal``,
enums, ``X | None``, sentinel enums such as ``Unset``, sequences and dataclasses, nested),
and a target may override any parameter or field with its own Hypothesis strategy, keyed
(most specific first) by ``"repo.method.param"``, ``"TypeName.field"`` or the bare name.

Beyond the happy middle:

- ids: a parameter or field whose name the target's ``CanonicalRules`` maps to an id kind
  gets a handle of that kind (seeded or returned by an earlier call), or now and then a
  well-formed id that names nothing;
- text: beyond ASCII, with characters whose case mapping or folding differs between
  libraries and locales (``İ``, ``ß``, ``ﬁ``, final sigma, Kelvin sign, dotless i, ``ǅ``,
  composed and decomposed accents), SQL wildcards and quotes;
- reuse: every text value seen for a name (seeded, returned or sent) goes into a pool, and
  is drawn again as it was or with its case changed, so values freed by an update or a
  delete are reused and uniqueness and case rules are tried;
- numbers: boundaries (0, -1, huge), Decimals with too many places and trailing zeros.

Choices are ordered simplest first, so Hypothesis shrinks towards readable programs.
"""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from harness.programs.model import Handle, Unknown

TRICKY_TEXT = (
    "aZ09 _%'\"-.@"
    "\u0130\u0131\u00df\u1e9e\ufb01"  # dotted capital I, dotless i, sharp s (both), fi ligature
    "\u03a3\u03c3\u03c2\u212a\u01c5\u01c6"  # sigma, final sigma, Kelvin sign, title-case dz
    "\u00e9e\u0301\u00c5\u212b"  # e-acute composed and decomposed, A-ring and Angstrom sign
    "\u00c4\u00e4\u00c6\u00f8\u0141\u4e2d\U0001f600"  # Latin-1, Polish, CJK, an emoji
)
"""Characters that break naive case handling, collations, LIKE patterns and encodings."""


def _strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


STRING_TRANSFORMS: tuple[tuple[str, Callable[[str], str]], ...] = (
    ("as it was", lambda s: s),
    ("upper", str.upper),
    ("lower", str.lower),
    ("swapcase", str.swapcase),
    ("casefold", str.casefold),
    ("title", str.title),
    ("accents stripped", _strip_accents),
    ("decomposed (NFD)", lambda s: unicodedata.normalize("NFD", s)),
    ("its first half", lambda s: s[: max(1, len(s) // 2)]),
    ("its last word", lambda s: s.split()[-1] if s.split() else s),
)
"""How a seen value is drawn again: the ways two stores disagree about "the same" text."""

Strategy = st.SearchStrategy[Any]
Override = st.SearchStrategy[Any] | Callable[["Pools"], st.SearchStrategy[Any]]
"""A target's strategy for a parameter, or a function of the values seen so far giving one
(to search for words the data holds, say)."""


def default_text() -> Strategy:
    """Short text over ASCII and the tricky characters (no surrogates, no NUL)."""
    return st.text(
        st.sampled_from(TRICKY_TEXT) | st.characters(min_codepoint=32, max_codepoint=0x2FFF),
        min_size=1,
        max_size=10,
    )


def default_int() -> Strategy:
    """Small positive integers first, then zero and negatives, then boundaries."""
    return (
        st.integers(1, 6)
        | st.integers(-2, 0)
        | st.sampled_from([7, 99, 100, 101, 1000, 2**31, -(2**31)])
    )


def default_decimal() -> Strategy:
    """Two-place amounts, then the awkward ones (one place, three places, zero, huge)."""
    return st.decimals(min_value=0, max_value=1000, places=2) | st.sampled_from(
        [
            Decimal("0"),
            Decimal("0.00"),
            Decimal("1.5"),
            Decimal("10"),
            Decimal("12.345"),
            Decimal("-1.00"),
            Decimal("99999999.99"),
        ]
    )


class Pools:
    """Text values the data holds, per field name (reused by later draws): harvested from
    seeded and returned entities only, so the values reused are ones that exist (or
    existed) rather than every string the program tried."""

    def __init__(self) -> None:
        self._values: dict[str, list[str]] = {}

    def add(self, name: str, value: str) -> None:
        """Remember ``value`` for ``name`` (once)."""
        values = self._values.setdefault(name, [])
        if value not in values and len(values) < 64:
            values.append(value)

    def harvest(self, value: Any) -> None:
        """Remember the text fields of an entity (and of the entities inside it)."""
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            for f in dataclasses.fields(value):
                item = getattr(value, f.name)
                if isinstance(item, str):
                    self.add(f.name, item)
                else:
                    self.harvest(item)
        elif isinstance(value, list | tuple):
            for item in value[:20]:
                self.harvest(item)
        elif isinstance(value, Mapping):
            for item in list(value.values())[:20]:
                self.harvest(item)

    def get(self, name: str) -> list[str]:
        """The values seen for ``name``."""
        return self._values.get(name, [])


class HandleSource(typing.Protocol):
    """Where drawn ids come from: the handles a program can refer to, per id kind."""

    def handles(self, kind: str) -> Sequence[Handle]:
        """Handles of ``kind`` available now."""
        ...


class ValueDrawer:
    """Draws one argument at a time inside a Hypothesis rule (``data.draw``)."""

    def __init__(
        self,
        id_kinds: Mapping[str, str],
        overrides: Mapping[str, Override],
        pools: Pools,
        handles: HandleSource,
    ) -> None:
        self.id_kinds = id_kinds
        self.overrides = overrides
        self.pools = pools
        self.handles = handles
        self._unknown = 0
        self._recent: dict[str, Handle] = {}

    def draw(self, data: st.DataObject, hint: Any, name: str, owner: str) -> Any:
        """A value for parameter/field ``name`` of ``owner`` (a method or a type name)."""
        for key in (f"{owner}.{name}", name):
            if key in self.overrides:
                override = self.overrides[key]
                strategy = (
                    override if isinstance(override, st.SearchStrategy) else override(self.pools)
                )
                value = data.draw(strategy, label=f"{owner}.{name}")
                return self._reuse_text(data, name, value) if isinstance(value, str) else value
        kind = self.id_kinds.get(name)
        return self._draw_type(data, hint, name, owner, kind)

    def _draw_type(
        self, data: st.DataObject, hint: Any, name: str, owner: str, kind: str | None
    ) -> Any:
        origin = typing.get_origin(hint)
        if origin in (typing.Union, types.UnionType):
            branches = sorted(typing.get_args(hint), key=_simplest_first)
            chosen = data.draw(st.sampled_from(branches), label=f"{owner}.{name}:type")
            return self._draw_type(data, chosen, name, owner, kind)
        if hint is type(None):
            return None
        if origin in (list, tuple, Sequence, typing.Sequence) or hint in (list, tuple):
            args = typing.get_args(hint)
            item = args[0] if args else str
            count = data.draw(
                st.integers(0, 4) | st.sampled_from([25, 26, 100, 101]),  # batch limits too
                label=f"{owner}.{name}:length",
            )
            items = [self._draw_type(data, item, name, owner, kind) for _ in range(count)]
            return tuple(items) if origin is tuple else items
        if kind is not None and hint in (str, int):
            return self._draw_id(data, kind)
        if isinstance(hint, type) and issubclass(hint, enum.Enum):
            return data.draw(st.sampled_from(list(hint)), label=f"{owner}.{name}")
        if hint is bool:
            return data.draw(st.booleans(), label=f"{owner}.{name}")
        if hint is int:
            return data.draw(default_int(), label=f"{owner}.{name}")
        if hint is Decimal:
            return data.draw(default_decimal(), label=f"{owner}.{name}")
        if hint is str:
            return self._reuse_text(data, name, None)
        if isinstance(hint, type) and dataclasses.is_dataclass(hint):
            return self.draw_dataclass(data, hint)
        return None

    def draw_dataclass(self, data: st.DataObject, cls: type) -> Any:
        """An instance of ``cls``: required fields drawn, optional ones now and then."""
        hints = typing.get_type_hints(cls)
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            optional = (
                f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING
            )
            if optional and not data.draw(st.booleans(), label=f"{cls.__name__}.{f.name}:set"):
                continue
            values[f.name] = self.draw(data, hints[f.name], f.name, cls.__name__)
        return cls(**values)

    def _draw_id(self, data: st.DataObject, kind: str) -> Handle | Unknown:
        handles = list(self.handles.handles(kind))
        which = data.draw(st.integers(0, 7), label=f"{kind} id: the last one, any, or none?")
        if handles and which < 7:
            recent = self._recent.get(kind)
            if which < 4 and recent is not None:
                # the entity the program used last: calls chain on one entity (add to a
                # cart, then place that cart's order), as real sequences do
                chosen = recent
            else:
                # newest first, so shrinking drops later handles (as Hypothesis's bundles do)
                chosen = data.draw(st.sampled_from(handles[::-1]), label=f"{kind} handle")
            self._recent[kind] = chosen
            return chosen
        self._unknown += 1
        return Unknown(kind, f"no-such-{kind}-{self._unknown}")

    def returned(self, handle: Handle) -> None:
        """An entity the program just created becomes the one its next calls use."""
        self._recent[handle.kind] = handle

    def _reuse_text(self, data: st.DataObject, name: str, fresh: str | None) -> str:
        seen = self.pools.get(name)
        choice = data.draw(st.integers(0, 3) if seen else st.just(0), label=f"{name}: reuse?")
        if choice <= 1:
            value = fresh if fresh is not None else data.draw(default_text(), label=name)
        else:
            base = data.draw(st.sampled_from(seen), label=f"{name}: seen")
            how = data.draw(st.sampled_from(STRING_TRANSFORMS), label=f"{name}: case")
            value = how[1](base)
        return value


def _simplest_first(hint: Any) -> int:
    """Sentinels and None before real values, so shrinking prefers "leave it unset"."""
    if isinstance(hint, type) and issubclass(hint, enum.Enum) and len(list(hint)) == 1:
        return 0
    if hint is type(None):
        return 1
    return 2


__all__ = ["TRICKY_TEXT", "Pools", "ValueDrawer", "default_decimal", "default_int", "default_text"]
