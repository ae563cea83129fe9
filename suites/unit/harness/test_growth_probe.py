"""The growth probe (``--parity-growth``): how each read method's cost grows with the data.

The end-to-end tests use a key-value target of their own (not the shop): ``kv.get`` is one
request whatever the size; ``kv.scan_for`` is one request on the "indexed" backend and one
request per stored key on the "scanning" one.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from harness.cost.growth import (
    CONSTANT,
    GROWS_FROM_ZERO,
    LINEAR,
    NOT_MEASURED,
    SCHEMA,
    SUBLINEAR,
    WORSE,
    check_sizes,
    classify,
)

pytestmark = pytest.mark.unit

SIZES = (10, 100, 1000)

# -- the classifier ---------------------------------------------------------------------


def test_a_flat_series_is_constant() -> None:
    assert classify(SIZES, [3, 3, 3]) == (CONSTANT, 0.0)


def test_a_series_growing_with_the_size_is_linear() -> None:
    growth, exponent = classify(SIZES, [10, 100, 1000])
    assert (growth, exponent) == (LINEAR, 1.0)


def test_a_series_growing_with_the_square_of_the_size_is_worse_than_linear() -> None:
    growth, exponent = classify(SIZES, [100, 10_000, 1_000_000])
    assert (growth, exponent) == (WORSE, 2.0)


def test_a_noisy_series_within_one_and_a_half_times_is_constant() -> None:
    growth, _ = classify(SIZES, [0.81, 1.07, 1.19])
    assert growth == CONSTANT
    assert classify(SIZES, [1.2, 0.9, 1.0])[0] == CONSTANT  # faster at the largest size


def test_a_series_growing_like_the_square_root_is_sublinear() -> None:
    assert classify(SIZES, [3.2, 10, 32])[0] == SUBLINEAR


def test_request_counts_are_constant_only_when_equal() -> None:
    assert classify(SIZES, [2, 2, 2], exact=True)[0] == CONSTANT
    assert classify(SIZES, [2, 2, 3], exact=True)[0] == SUBLINEAR
    assert classify(SIZES, [2, 2, 3])[0] == CONSTANT  # not a count: within 1.5x


def test_nothing_at_the_smallest_size_and_something_at_the_largest_grows_from_zero() -> None:
    assert classify(SIZES, [0, 0, 4]) == (GROWS_FROM_ZERO, None)
    assert classify(SIZES, [0, 0, 0])[0] == CONSTANT


def test_the_exponent_is_fitted_between_the_smallest_and_largest_sizes() -> None:
    growth, exponent = classify((10, 1000), [5, 50])
    assert (growth, exponent) == (SUBLINEAR, 0.5)


def test_sizes_are_sorted_and_need_two_different_whole_numbers() -> None:
    assert check_sizes([1000, 10, 100, 10]) == (10, 100, 1000)
    for bad in ([10], [10, 10], [0, 10], ["10", "100"], "10,100", [True, 10]):
        with pytest.raises(ValueError, match="at least two different whole numbers"):
            check_sizes(bad)


# -- the probe through the plugin --------------------------------------------------------

GROWTH_TARGET = """
from __future__ import annotations

from contextlib import contextmanager
from typing import Protocol

from harness.canonical import CanonicalRules
from harness.cost.events import RequestCost


class Missing(Exception):
    def fields(self):
        return {"key": self.args[0]}


class KeyValue(Protocol):
    def put(self, key: str, value: str) -> None: ...
    def get(self, key: str) -> str: ...
    def scan_for(self, value: str) -> list: ...


class Store:
    def __init__(self, flavour, determinism):
        self.data, self.flavour, self.determinism = {}, flavour, determinism

    def _request(self, operation, read_units=0.0, write_units=0.0, items=0, scan=False):
        if self.flavour == "silent":  # an in-process reference: no requests, no cost
            return
        self.determinism.on_request(operation)
        self.determinism.on_cost(
            RequestCost(
                "dynamodb",
                operation,
                read_units=read_units,
                write_units=write_units,
                items_read=items,
                full_scan=scan,
            )
        )

    def put(self, key, value):
        self._request("PutItem", write_units=1.0)
        self.data[key] = value

    def get(self, key):
        self._request("GetItem", read_units=0.5, items=1)
        if key not in self.data or self.flavour == "broken":
            raise Missing(key)
        return self.data[key]

    def scan_for(self, value):
        if self.flavour == "scanning":  # one request per stored key
            for _ in self.data:
                self._request("GetItem", read_units=0.5, items=1)
        else:
            self._request("Query", read_units=0.5, items=1)
        return sorted(k for k, v in self.data.items() if v == value)


class Repos:
    def __init__(self, flavour, determinism):
        self.kv = Store(flavour, determinism)


class Factory:
    def __init__(self, flavour):
        self.flavour = flavour

    @contextmanager
    def fresh(self, determinism):
        yield Repos(self.flavour, determinism)


def _get(run, handles):
    run.call("kv.get", handles["key"])


def _scan_for(run, handles):
    run.call("kv.scan_for", "needle")


class PlainTarget:
    name = "plain"
    interfaces = {"kv": KeyValue}
    rules = CanonicalRules(error_fields=lambda e: e.fields() if hasattr(e, "fields") else {})
    case_modules = ("growth_cases",)
    domain_errors = (Missing,)
    write_methods = frozenset({"kv.put"})
    backends = ("indexed", "scanning", "broken", "silent")
    default_pairs = {"unit": ("indexed", "scanning")}

    @contextmanager
    def open_backend(self, name, resources):
        yield Factory(name)

    def seed(self, repos, dataset):
        return {}

    def snapshot(self, repos):
        return sorted(repos.kv.data.items())


class GrowingTarget(PlainTarget):
    name = "growing"
    growth_sizes = (10, 100, 1000)
    growth_probes = {"kv.get": _get, "kv.scan_for": _scan_for}

    def grow(self, run, size):
        for i in range(size):
            run.call("kv.put", f"k{i:05d}", "needle" if i % 400 == 0 else f"v{i}")
        return {"key": "k00000"}


TARGET = GrowingTarget()
PLAIN = PlainTarget()
"""

GROWTH_CASES = """
from harness.contract import case


@case("kv.put", "kv.get")
def keeps_a_value_to_read_back_while_growing(run):
    run.call("kv.put", "a", "needle")
    run.call("kv.get", "a")


@case("kv.scan_for")
def finds_the_keys_holding_a_value_while_growing(run):
    run.call("kv.put", "a", "needle")
    run.call("kv.put", "b", "hay")
    run.call("kv.scan_for", "needle")
"""

TEST_MODULE = """
import pytest

pytestmark = pytest.mark.unit


def test_backends_agree(parity_case, parity_check):
    assert parity_check(parity_case) == "agrees"
"""

INI = """
[pytest]
markers =
    unit: u
    integration: i
    e2e: e
pythonpath = .
parity_target = growth_target:{target}
"""


def _project(pytester: pytest.Pytester, target: str = "TARGET") -> pytest.Pytester:
    pytester.makepyfile(growth_target=GROWTH_TARGET, growth_cases=GROWTH_CASES, test_kv=TEST_MODULE)
    pytester.makeini(INI.format(target=target))
    pytester.syspathinsert()
    return pytester


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    return _project(pytester)


def _growth(project: pytest.Pytester) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        (project.path / "reports" / "unit" / "growth.json").read_text(encoding="utf-8")
    )
    return data


def _row(data: dict[str, Any], method: str, side: str) -> dict[str, Any]:
    row: dict[str, Any] = next(
        m for m in data["methods"] if m["method"] == method and m["side"] == side
    )
    return row


def test_a_lookup_stays_constant_and_a_scan_grows_linearly_on_the_backend_that_scans(
    project: pytest.Pytester,
) -> None:
    result = project.runpytest("-p", "no:randomly", "--parity-growth")
    result.assert_outcomes(passed=3)  # two cases and the probe
    data = _growth(project)
    assert data["schema"] == SCHEMA
    assert (data["target"], data["sides"], data["sizes"]) == (
        "growing",
        ["indexed", "scanning"],
        [10, 100, 1000],
    )
    for side in ("indexed", "scanning"):
        lookup = _row(data, "kv.get", side)
        assert lookup["growth"] == CONSTANT
        assert lookup["metrics"]["requests"]["values"] == [1, 1, 1]
        assert lookup["metrics"]["capacity"]["unit"] == "read_units"
        assert lookup["metrics"]["latency"]["indicative"] is True
    scan = _row(data, "kv.scan_for", "scanning")
    assert scan["metrics"]["requests"] == {
        "unit": "requests",
        "values": [10, 100, 1000],
        "growth": LINEAR,
        "exponent": 1.0,
        "indicative": False,
    }
    assert scan["metrics"]["capacity"]["values"] == [5, 50, 500]
    assert scan["growth"] == LINEAR
    assert _row(data, "kv.scan_for", "indexed")["growth"] == CONSTANT
    assert [s["size"] for s in scan["samples"]] == [10, 100, 1000]
    assert {s["calls"] for s in scan["samples"]} == {1}
    result.stdout.fnmatch_lines(
        [
            "*parity unit growth*",
            "*method*side*metric*n=10*n=100*n=1000*growth*",
            "kv.get*indexed*requests*1*1*1*constant*",
            "kv.scan_for*scanning*requests*10*100*1000*linear (k=1.00)*",
            "*latency ms*indicative*",
            "*reports/unit/growth.json",
        ]
    )


def test_the_probe_is_one_item_of_the_contract_module_and_not_a_case_of_the_report(
    project: pytest.Pytester,
) -> None:
    collected = project.runpytest("-p", "no:randomly", "--parity-growth", "--collect-only", "-q")
    collected.stdout.fnmatch_lines(["test_kv.py::parity_growth_probe[[]unit[]]"])
    assert collected.stdout.str().count("parity_growth_probe") == 1
    project.runpytest("-p", "no:randomly").assert_outcomes(passed=2)
    report = project.path / "reports" / "unit" / "compatibility.json"
    without = json.loads(report.read_text(encoding="utf-8"))
    project.runpytest("-p", "no:randomly", "--parity-growth").assert_outcomes(passed=3)
    with_probe = json.loads(report.read_text(encoding="utf-8"))
    assert [c["id"] for c in with_probe["cases"]] == [c["id"] for c in without["cases"]]
    assert with_probe["summary"] == without["summary"]
    assert with_probe["complete"] is True


def test_the_probe_alone_writes_its_report_and_leaves_the_contract_report_alone(
    project: pytest.Pytester,
) -> None:
    result = project.runpytest(
        "-p", "no:randomly", "--parity-growth", "--parity-growth-sizes", "5,50", "-k", "growth"
    )
    result.assert_outcomes(passed=1)
    assert _growth(project)["sizes"] == [5, 50]  # the option overrides the target's sizes
    assert not (project.path / "reports" / "unit" / "compatibility.json").exists()


def test_under_xdist_the_controller_prints_the_table_a_worker_measured(
    project: pytest.Pytester,
) -> None:
    result = project.runpytest("-p", "no:randomly", "--parity-growth", "-n", "2")
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(
        ["*parity unit growth*", "kv.scan_for*scanning*requests*10*100*1000*linear*"]
    )
    assert _row(_growth(project), "kv.scan_for", "scanning")["growth"] == LINEAR


def test_a_target_without_a_probe_fails_the_probe_item_saying_what_it_expected(
    pytester: pytest.Pytester,
) -> None:
    project = _project(pytester, target="PLAIN")
    result = project.runpytest("-p", "no:randomly", "--parity-growth")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*growth probe (unit) could not run: --parity-growth: expected the target "
            "'plain' to offer a growth probe*seen: missing method grow*missing "
            "growth_probes*missing growth_sizes*hint: add them to the target*",
        ]
    )
    assert not (project.path / "reports" / "unit" / "growth.json").exists()


def test_a_probe_whose_call_raises_fails_naming_the_method_side_and_size(
    project: pytest.Pytester,
) -> None:
    result = project.runpytest(
        "-p", "no:randomly", "--parity-growth", "--parity-candidate", "broken", "-k", "growth"
    )
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["*probe kv.get on broken at size 10: the call kv.get raised Missing*"]
    )


@pytest.mark.parametrize(
    ("value", "seen"),
    [("10", "'10'"), ("ten,100", "'ten,100'"), ("0,10", "'0,10'"), ("10,10", "'10,10'")],
)
def test_growth_sizes_are_validated_naming_the_option(
    project: pytest.Pytester, value: str, seen: str
) -> None:
    result = project.runpytest("--parity-growth", f"--parity-growth-sizes={value}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [f"*--parity-growth-sizes: expected at least two different whole numbers*{seen}*"]
    )


def test_growth_sizes_without_the_probe_are_a_usage_error(project: pytest.Pytester) -> None:
    result = project.runpytest("--parity-growth-sizes", "10,100")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--parity-growth-sizes: expected --parity-growth as well*"])


def test_the_option_says_what_it_does(project: pytest.Pytester) -> None:
    result = project.runpytest("--help")
    result.stdout.fnmatch_lines(["*--parity-growth *growth probe*"])


@pytest.mark.parametrize(("shard", "present"), [("1/2", True), ("2/2", False)])
def test_the_probe_runs_in_the_first_shard_only(
    project: pytest.Pytester, shard: str, present: bool
) -> None:
    result = project.runpytest(
        "-p", "no:randomly", "--parity-growth", "--parity-shard", shard, "--collect-only", "-q"
    )
    assert ("parity_growth_probe[unit]" in result.stdout.str()) is present


def test_without_the_option_there_is_no_probe_item(project: pytest.Pytester) -> None:
    result = project.runpytest("-p", "no:randomly", "--collect-only", "-q")
    assert "parity_growth_probe" not in result.stdout.str()


def test_a_backend_that_reports_no_cost_shows_its_capacity_as_not_measured(
    project: pytest.Pytester,
) -> None:
    result = project.runpytest(
        "-p", "no:randomly", "--parity-growth", "--parity-baseline", "silent", "-k", "growth"
    )
    result.assert_outcomes(passed=1)
    lookup = _row(_growth(project), "kv.get", "silent")
    assert lookup["metrics"]["requests"]["values"] == [0, 0, 0]
    assert lookup["metrics"]["capacity"]["growth"] == NOT_MEASURED
    assert lookup["growth"] == CONSTANT
    result.stdout.fnmatch_lines(["*capacity*-*-*-*not measured*"])
