"""Bad files never pass: the readers of the report, baseline, ledger and cost files, fuzzed.

Every input (a valid file cut short, bytes flipped, inserted or deleted, a value anywhere
in the document replaced by arbitrary JSON or TOML) must give the reader's own error,
naming the file, or be accepted as valid. Never another exception; and the gate never
passes (exit 0) on a report its reader refused, and never raises.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness import gate
from harness.cost.baseline import CostBaselineError, load_cost_baseline
from harness.report.baseline import BaselineError, digest, load_baseline
from harness.report.ledger import LedgerError, load_ledger
from suites.unit.harness.test_gate import LEDGER, clean_cases, report_of

pytestmark = pytest.mark.unit

EXAMPLES = int(os.environ.get("PARITY_FUZZ_EXAMPLES", "150"))
"""Inputs per reader and kind of damage (the closing note records the totals)."""

FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)


def valid_report() -> bytes:
    return json.dumps(report_of(clean_cases())).encode()


def valid_baseline() -> bytes:
    observation = [{"call": "users.get", "args": {}, "outcome": "returned", "value": None}]
    entry = {"digest": digest(observation), "clean": True, "labels": ["users.get()"]}
    document = {
        "schema": "parity-baseline/1",
        "tier": "unit",
        "backend": "mysql",
        "cases": {"users.get:x": entry | {"observation": observation}},
    }
    return json.dumps(document, indent=1).encode()


def valid_cost() -> bytes:
    figures = {"calls": 2, "requests": 1.0, "read_units": 0.5, "write_units": 0.0}
    document = {
        "schema": "parity-cost/1",
        "tier": "unit",
        "pair": ["mysql", "dynamodb"],
        "cases": {"users.get:x": {"baseline": {"users.get": figures}, "candidate": {}}},
    }
    return json.dumps(document).encode()


def valid_ledger() -> bytes:
    return LEDGER.format(expires="2027-03-31").encode()


READERS: dict[str, tuple[Callable[[Path], Any], type[Exception], Callable[[], bytes]]] = {
    "report": (gate.load_report, gate.Untrusted, valid_report),
    "baseline": (load_baseline, BaselineError, valid_baseline),
    "ledger": (load_ledger, LedgerError, valid_ledger),
    "cost": (load_cost_baseline, CostBaselineError, valid_cost),
}

TRIED: dict[str, int] = {}


@st.composite
def damaged(draw: st.DrawFn, original: bytes) -> bytes:
    """``original`` cut short, or with bytes flipped, inserted or deleted."""
    kind = draw(st.sampled_from(["truncate", "flip", "insert", "delete"]))
    at = draw(st.integers(0, max(0, len(original) - 1)))
    if kind == "truncate":
        return original[:at]
    if kind == "flip":
        mask = draw(st.integers(1, 255))
        return original[:at] + bytes([original[at] ^ mask]) + original[at + 1 :]
    if kind == "insert":
        return original[:at] + draw(st.binary(min_size=1, max_size=8)) + original[at:]
    size = draw(st.integers(1, 64))
    return original[:at] + original[at + size :]


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3)
    ),
    max_leaves=8,
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*prefix, index))
    return found


@st.composite
def replaced(draw: st.DrawFn, original: bytes) -> bytes:
    """A JSON document with the value at one of its paths replaced by arbitrary JSON."""
    document = json.loads(original)
    path = draw(st.sampled_from(_paths(document)))
    value = draw(JSON_VALUES)
    if not path:
        return json.dumps(value).encode()
    node = document
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return json.dumps(document).encode()


def _check(name: str, path: Path, data: bytes) -> None:
    reader, error, _ = READERS[name]
    TRIED[name] = TRIED.get(name, 0) + 1
    path.write_bytes(data)
    try:
        reader(path)
    except error as refused:
        assert str(path) in str(refused), f"{name}: the error does not name the file: {refused}"


@pytest.mark.parametrize("name", sorted(READERS))
def test_damaged_bytes_give_the_readers_own_error_naming_the_file(
    name: str, tmp_path: Path
) -> None:
    original = READERS[name][2]()

    @FUZZ
    @given(data=damaged(original))
    def check(data: bytes) -> None:
        _check(name, tmp_path / f"{name}.json", data)

    check()


@pytest.mark.parametrize("name", ["report", "baseline", "cost"])
def test_any_value_anywhere_gives_the_readers_own_error_or_a_valid_file(
    name: str, tmp_path: Path
) -> None:
    original = READERS[name][2]()

    @FUZZ
    @given(data=replaced(original))
    def check(data: bytes) -> None:
        _check(name, tmp_path / f"{name}.json", data)

    check()


@st.composite
def toml_ledgers(draw: st.DrawFn) -> bytes:
    keys = st.sampled_from(["case", "method", "path", "reason", "owner", "expires", "x"])
    values = st.one_of(
        st.text(max_size=10).map(json.dumps),
        st.integers().map(str),
        st.sampled_from(["2027-03-31", "2026-13-40", "true", "[1, 2]", "{a = 1}", ""]),
    )
    tables = draw(st.lists(st.dictionaries(keys, values, max_size=6), max_size=3), label="tables")
    header = draw(st.sampled_from(["[[accept]]", "[accept]", "[[other]]"]))
    lines = []
    for table in tables:
        lines.append(header)
        lines += [f"{key} = {value}" for key, value in table.items()]
    return "\n".join(lines).encode()


def test_any_ledger_structure_gives_a_ledger_error_naming_the_file_or_a_ledger(
    tmp_path: Path,
) -> None:
    @FUZZ
    @given(data=toml_ledgers())
    def check(data: bytes) -> None:
        _check("ledger", tmp_path / "ledger.toml", data)

    check()


def test_the_gate_never_passes_a_report_its_reader_refuses_and_never_raises(
    tmp_path: Path,
) -> None:
    original = valid_report()
    report = tmp_path / "reports" / "unit" / "compatibility.json"
    report.parent.mkdir(parents=True)
    options = gate.Options(
        report=report,
        baseline=tmp_path / "missing.json",
        ledger=tmp_path / "missing.toml",
        summary=tmp_path / "summary.md",
        today=date(2026, 6, 1),
        allow_missing_baseline=True,
    )

    @FUZZ
    @given(data=st.one_of(damaged(original), replaced(original)))
    def check(data: bytes) -> None:
        TRIED["gate"] = TRIED.get("gate", 0) + 1
        report.write_bytes(data)
        try:
            gate.load_report(report)
            readable = True
        except gate.Untrusted:
            readable = False
        verdict = gate.evaluate(options)
        gate.render_text(verdict)
        gate.render_markdown(verdict)
        if not readable:
            assert verdict.status == gate.UNTRUSTED

    check()


def test_every_fuzzer_tried_its_inputs() -> None:
    """Runs last in the file (pytest keeps file order without randomisation): each fuzzer
    made its examples. With random ordering it only checks the ones that ran first."""
    for name, count in TRIED.items():
        assert count >= 10, f"{name}: only {count} inputs were tried"
    print(f"fuzzed inputs: {sum(TRIED.values())} in all, {dict(sorted(TRIED.items()))}")
