"""Which parity items a run selected: ``--parity-shard`` and the options that narrowed it.

``apply_shard`` deselects the other shards' parity items (harness.shard decides which);
``Narrowing`` remembers which command-line options (``-k``, ``-m``, ``--deselect``,
``--lf``, ``--sw``, node ids) left parity items out and how many, for the report's
``run.selection``. Both are computed where pytest collects (each xdist worker, identically)
and sent to the controller, which writes the reports.
"""

from __future__ import annotations

import contextlib
import shlex
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

import pytest

from harness.contract.cases import ContractCase
from harness.plugin import TIERS
from harness.programs.tier import ProgramBatch
from harness.shard import Plan, Shard, Unit, load_source, plan, report_path

WORKER_KEY = "parity_selection"
"""The ``workeroutput`` key a worker's selection and shard plan travel under."""

_CALLERS: Mapping[tuple[str, str], str] = {
    ("_pytest.mark", "deselect_by_keyword"): "-k",
    ("_pytest.mark", "deselect_by_mark"): "-m",
    ("_pytest.main", "pytest_collection_modifyitems"): "--deselect",
    ("_pytest.cacheprovider", "pytest_collection_modifyitems"): "--lf",
    ("_pytest.stepwise", "pytest_collection_modifyitems"): "--sw",
}
"""Where pytest calls ``pytest_deselected`` from, and the option that made it."""


def parity_unit(item: pytest.Item) -> Unit | None:
    """The parity item's tier, kind and id (None for any other test)."""
    callspec = getattr(item, "callspec", None)
    if callspec is None:
        return None
    tier = next((t for t in TIERS if item.get_closest_marker(t)), "unknown")
    case = callspec.params.get("parity_case")
    if isinstance(case, ContractCase):
        return Unit(tier, "case", case.id)
    batch = callspec.params.get("parity_program_batch")
    if isinstance(batch, ProgramBatch):
        return Unit(tier, "batch", batch.id)
    return None


def shard_option(config: pytest.Config) -> Shard | None:
    """The ``--parity-shard`` value (validated when the command line was parsed)."""
    value = config.getoption("parity_shard", None)
    return value if isinstance(value, Shard) else None


def apply_shard(config: pytest.Config, items: list[pytest.Item], narrowing: Narrowing) -> Plan:
    """Keep this shard's parity items; deselect the others (every other test stays).

    The shares are made of every parity item the test functions were parametrized with,
    whatever ``-k``, ``-m``, ``--lf`` or node ids leave out: a case is in the same shard
    in every run, and what those options leave out is counted by the one shard it is in.
    """
    shard = shard_option(config)
    assert shard is not None  # noqa: S101 - callers check the option first
    present = {id(item): unit for item in items if (unit := parity_unit(item)) is not None}
    units = sorted(set().union(*narrowing.generated.values(), present.values()))
    reports = Path(config.getoption("parity_reports"))  # where write_reports puts them
    tiers = sorted({u.tier for u in units})
    source = load_source({tier: report_path(reports, tier) for tier in tiers})
    shard_plan, kept = plan(shard, units, source)
    keep = [i for i in items if id(i) not in present or present[id(i)] in kept]
    drop = [i for i in items if id(i) in present and present[id(i)] not in kept]
    if drop:
        with narrowing.sharding():
            config.hook.pytest_deselected(items=drop)
        items[:] = keep
    narrowing.share = kept
    return shard_plan


@dataclass
class Narrowing:
    """The parity items that options left out, and which options, per item.

    Most options deselect (``pytest_deselected``); ``--lf`` and node ids on the command line
    (``file.py::test[case-id]``) leave items out while collecting, so the parity items a
    test function was parametrized with are compared with the ones collected. In a shard,
    only the items of its share count (``share``): the shards' counts add up.
    """

    narrowed: dict[Unit, list[str]] = field(default_factory=dict)
    """A parity item left out -> the options that left it out."""
    generated: dict[str, set[Unit]] = field(default_factory=dict)
    """Test function (``path::name``) -> the parity items it was parametrized with."""
    collected: dict[str, set[Unit]] = field(default_factory=dict)
    """Test function -> the parity items collected from it (before any deselection)."""
    share: set[Unit] | None = None
    """``--parity-shard``: this shard's parity items (None: the whole run)."""
    _sharding: bool = False
    absorbed: bool = False
    """On the xdist controller: a worker's selection was taken (every worker's is the same)."""

    @contextlib.contextmanager
    def sharding(self) -> Iterator[None]:
        """While the shard deselects: not an option's narrowing."""
        self._sharding = True
        try:
            yield
        finally:
            self._sharding = False

    def record(self, items: Sequence[pytest.Item], caller: tuple[str, str]) -> None:
        """Note deselected parity items and the option that deselected them."""
        if self._sharding:
            return
        for item in items:
            unit = parity_unit(item)
            if unit is not None:
                self._note(unit, _options_for(item, caller))

    def parametrized(self, function: str, units: Sequence[Unit]) -> None:
        """``pytest_generate_tests``: the parity items a test function will have."""
        self.generated.setdefault(function, set()).update(units)

    def item_collected(self, item: pytest.Item) -> None:
        """``pytest_itemcollected``: a parity item that collection kept."""
        unit = parity_unit(item)
        if unit is not None:
            self.collected.setdefault(_function_of(item), set()).add(unit)

    def collection_finished(self, config: pytest.Config) -> None:
        """Note the parity items left out while collecting; in a shard, keep only the
        items of its share (every deselection has happened by now)."""
        for function, units in sorted(self.generated.items()):
            for unit in sorted(units - self.collected.get(function, set())):
                self._note(unit, _collection_options(config))
        if self.share is not None:
            self.narrowed = {u: o for u, o in self.narrowed.items() if u in self.share}

    def run_json(self, tier: str) -> dict[str, Any]:
        """The report's ``run.selection`` for a tier."""
        options: list[str] = []
        count = 0
        for unit, by in self.narrowed.items():
            if unit.tier == tier:
                count += 1
                options.extend(o for o in by if o not in options)
        return {"options": options, "deselected": count}

    def to_json(self) -> list[list[Any]]:
        return [[u.tier, u.kind, u.id, by] for u, by in self.narrowed.items()]

    def absorb(self, data: Sequence[Sequence[Any]]) -> None:
        """Controller: take the first worker's selection (the others collected the same)."""
        if self.absorbed:
            return
        self.absorbed = True
        self.narrowed = {Unit(t, k, i): [str(o) for o in by] for t, k, i, by in data}

    def _note(self, unit: Unit, options: Sequence[str]) -> None:
        listed = self.narrowed.setdefault(unit, [])
        listed.extend(o for o in options if o not in listed)


def deselect_caller() -> tuple[str, str]:
    """(module, function) that called ``pytest_deselected``: the first frame above pluggy's
    and this plugin's own."""
    frame: FrameType | None = sys._getframe(1)  # the hook names no caller
    while frame is not None:
        module = str(frame.f_globals.get("__name__", ""))
        if not (module.startswith("pluggy") or module in _OWN_MODULES):
            return module, frame.f_code.co_name
        frame = frame.f_back
    return "", ""


_OWN_MODULES = frozenset({__name__, "harness.pytest_parity"})


def function_id(parent: pytest.Collector | None, name: str) -> str:
    """``path::name`` of a test function (its items' node ids without the ``[...]``)."""
    return f"{parent.nodeid}::{name}" if parent is not None else name


def _function_of(item: pytest.Item) -> str:
    return function_id(item.parent, getattr(item, "originalname", item.name))


def _collection_options(config: pytest.Config) -> list[str]:
    """What can leave parity items out while collecting: ``--lf``, else node ids given."""
    if config.getoption("lf", False):
        return ["--lf"]
    ids = [str(arg) for arg in config.args if "::" in str(arg)]
    return ids or ["(not collected)"]


def _options_for(item: pytest.Item, caller: tuple[str, str]) -> list[str]:
    config = item.config
    option = _CALLERS.get(caller)
    if option == "-k":
        return [f"-k {shlex.quote(str(config.option.keyword))}"]
    if option == "-m":
        return [f"-m {shlex.quote(str(config.option.markexpr))}"]
    if option == "--deselect":
        prefixes = config.getoption("deselect") or []
        return [f"--deselect {p}" for p in prefixes if item.nodeid.startswith(p)]
    if option == "--sw":
        return ["--sw-skip" if config.getoption("stepwise_skip", False) else "--sw"]
    if option is not None:
        return [option]
    module, function = caller
    return [f"(deselected by {module or 'an unknown plugin'}.{function})"]
