"""Parity's hooks and fixtures, registered by ``harness.plugin`` once a target is configured.

Hooks are thin: they hand off to the ``ParitySession`` kept on ``config`` (harness.session).
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Generator, Sequence
from pathlib import Path
from typing import Any

import pytest

from harness.compare import render
from harness.contract.cases import ContractCase
from harness.contract.runner import CaseResult, CaseStatus
from harness.cost.growth import GrowthProbeError, write_growth_report
from harness.fixtures_servers import *  # noqa: F403
from harness.fixtures_servers import (
    absorb_worker_output,
    provisioning_header_lines,
)
from harness.programs.tier import ProgramBatch
from harness.report.run import WORKER_KEY, absorb_worker, worker_payload, write_reports
from harness.selection import WORKER_KEY as SELECTION_KEY
from harness.selection import apply_shard, deselect_caller, function_id, parity_unit
from harness.session import SESSION_KEY, TIERS, BackendSetupFailed, ParitySession
from harness.shard import Plan, Unit
from harness.terminal import Line, summary_lines, write

RESULT_KEY = pytest.StashKey[CaseResult]()
GROWTH_KEY = pytest.StashKey[str]()
"""On the growth probe's item: its tier."""
GROWTH_PROPERTY = "parity_growth"
"""The growth item's ``user_properties`` key: its table travels to the controller so."""

MARKERS = {
    "unit": "Parity tier: fast tests with no sockets (in-process backends)",
    "integration": "Parity tier: tests against real MySQL-protocol and DynamoDB-API servers",
    "e2e": "Parity tier: the system's own entry point (e.g. HTTP API) on both backends",
}
"""The markers that pick a test's tier (Parity registers them; a project may too)."""


def pytest_configure(config: pytest.Config) -> None:
    for name, description in MARKERS.items():
        config.addinivalue_line("markers", f"{name}: {description}")
    session = ParitySession.from_config(config)
    if session is not None:
        config.stash[SESSION_KEY] = session


def pytest_sessionstart(session: pytest.Session) -> None:
    """Fail the run before any test if an interface method has no contract case."""
    parity = session.config.stash.get(SESSION_KEY, None)
    if parity is None:
        return
    for target in parity.all_targets():
        unknown = parity.unknown_covers(target)
        if unknown:
            raise pytest.UsageError(
                "parity: these cases claim to cover methods the interfaces do not have: "
                + "; ".join(unknown)
            )
        missing = parity.uncovered_methods(target)
        if missing:
            raise pytest.UsageError(
                f"parity: contract coverage is incomplete: no case covers {', '.join(missing)}; "
                "add a @case for each"
            )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "parity_program_batch" in metafunc.fixturenames:
        parity = metafunc.config.stash.get(SESSION_KEY, None)
        if parity is None:
            raise pytest.UsageError(
                "parity: a test asks for parity_program_batch but no target is configured; "
                "set parity_target in pytest.ini"
            )
        tier = next((t for t in TIERS if metafunc.definition.get_closest_marker(t)), None)
        budget = parity.budget(tier)
        batches = budget.batch_list() or [ProgramBatch(0, 1, budget.seed, 0, 1)]
        metafunc.parametrize("parity_program_batch", batches, ids=[b.id for b in batches])
        parity.narrowing.parametrized(
            function_id(metafunc.definition.parent, metafunc.function.__name__),
            [Unit(tier or "unknown", "batch", b.id) for b in batches],
        )
    if "parity_case" not in metafunc.fixturenames:
        return
    parity = metafunc.config.stash.get(SESSION_KEY, None)
    if parity is None:
        raise pytest.UsageError(
            "parity: a test asks for parity_case but no target is configured; "
            "set parity_target in pytest.ini"
        )
    tier = next((t for t in TIERS if metafunc.definition.get_closest_marker(t)), None)
    cases = parity.cases(tier)
    metafunc.parametrize("parity_case", cases, ids=[c.id for c in cases])
    parity.narrowing.parametrized(
        function_id(metafunc.definition.parent, metafunc.function.__name__),
        [Unit(tier or "unknown", "case", c.id) for c in cases],
    )


@pytest.hookimpl(wrapper=True)
def pytest_pycollect_makeitem(
    collector: pytest.Module | pytest.Class, name: str, obj: object
) -> Generator[None, object, object]:
    """``--parity-growth``: the first contract test function of each tier also brings the
    tier's growth probe item, ``parity_growth_probe[<tier>]``, into its module."""
    result = yield
    parity = collector.config.stash.get(SESSION_KEY, None)
    if parity is None or not parity.growth or not isinstance(result, list):
        return result
    contract = next(
        (i for i in result if isinstance(i, pytest.Function) and "parity_case" in i.fixturenames),
        None,
    )
    tier = next((t for t in TIERS if contract.get_closest_marker(t)), None) if contract else None
    if tier is None or tier in parity.growth_tiers:
        return result
    parity.growth_tiers.add(tier)
    item = pytest.Function.from_parent(
        collector, name=f"parity_growth_probe[{tier}]", callobj=parity_growth_probe
    )
    if item.get_closest_marker(tier) is None:
        item.add_marker(tier)
    item.stash[GROWTH_KEY] = tier
    return [*result, item]


def parity_growth_probe(request: pytest.FixtureRequest) -> None:
    """The tier's growth probe: how each read method's cost grows with the data
    (``--parity-growth``; writes ``<reports>/<tier>/growth.json``)."""
    parity = request.config.stash[SESSION_KEY]
    tier = request.node.stash[GROWTH_KEY]
    try:
        report = parity.probe_growth(tier, request)
    except BackendSetupFailed as failed:
        explanation = failed.explain()
    except GrowthProbeError as failed:
        explanation = str(failed)
    else:
        explanation = ""
    if explanation:  # failed outside the except block: no chained tracebacks
        pytest.fail(f"growth probe ({tier}) could not run: {explanation}", pytrace=False)
    path = write_growth_report(report, Path(request.config.getoption("parity_reports")), tier)
    shown = {"tier": tier, "path": str(path), "table": report.render_text()}
    request.node.user_properties.append((GROWTH_PROPERTY, json.dumps(shown)))


def pytest_itemcollected(item: pytest.Item) -> None:
    parity = item.config.stash.get(SESSION_KEY, None)
    if parity is not None:
        parity.narrowing.item_collected(item)


@pytest.fixture
def parity_check(request: pytest.FixtureRequest) -> Callable[[ContractCase], Observed]:
    """Run a contract case on the tier's backend pair; return the baseline's observation.

    ``assert parity_check(case) == "agrees"`` fails with a labelled diff (which backend
    said what, at which path) when the candidate differs from the baseline.
    """
    parity = request.config.stash[SESSION_KEY]
    tier = next((t for t in TIERS if request.node.get_closest_marker(t)), None)
    if tier is None:
        raise pytest.UsageError(f"{request.node.nodeid}: expected a unit/integration/e2e marker")

    def check(case: ContractCase) -> Observed:
        try:
            result = parity.run(case, tier, request)
        except BackendSetupFailed as failed:
            explanation = failed.explain()
        else:
            explanation = ""
        if explanation:  # failed outside the except block: no chained tracebacks
            pytest.fail(f"case {case.id} could not run: {explanation}", pytrace=False)
        request.node.stash[RESULT_KEY] = result
        if result.status is CaseStatus.ERROR:
            pytest.fail(f"case {case.id} could not be compared: {result.error}", pytrace=False)
        return Observed(result)

    return check


@pytest.fixture
def parity_explore(request: pytest.FixtureRequest) -> Callable[[ProgramBatch], Observed]:
    """Run a batch of generated programs on the tier's pair.

    ``assert parity_explore(parity_program_batch) == "agrees"`` fails with the shrunk
    program's labelled diff (and the path of the ``@case`` file it was written to) when
    a generated program makes the backends differ.
    """
    parity = request.config.stash[SESSION_KEY]
    tier = next((t for t in TIERS if request.node.get_closest_marker(t)), None)
    if tier is None:
        raise pytest.UsageError(f"{request.node.nodeid}: expected a unit/integration/e2e marker")

    def check(batch: ProgramBatch) -> Observed:
        if batch.programs == 0:
            pytest.skip("generated programs are turned off (parity_programs / --parity-programs 0)")
        try:
            outcome = parity.explore(batch, tier, request)
        except BackendSetupFailed as failed:
            explanation = failed.explain()
        else:
            explanation = ""
        if explanation:
            pytest.fail(f"programs {batch.id} could not run: {explanation}", pytrace=False)
        if outcome.result is None:
            return Observed(None)
        request.node.stash[RESULT_KEY] = outcome.result
        if outcome.result.status is CaseStatus.ERROR or not outcome.reproduced:
            found = outcome.exploration.found
            pytest.fail(
                f"generated program {outcome.result.case.id} could not be compared: "
                f"{outcome.result.error or 'it did not reproduce as a case'}\n"
                f"{found.message if found else ''}",
                pytrace=False,
            )
        return Observed(outcome.result)

    return check


class Observed:
    """A case's result on a pair; equals ``"agrees"`` when only noise (or nothing) differs."""

    def __init__(self, result: CaseResult | None) -> None:
        self.result = result

    def __eq__(self, other: object) -> bool:
        return other == "agrees" and (self.result is None or self.result.comparison.equal)

    def __hash__(self) -> int:
        return id(self)

    def __repr__(self) -> str:
        if self.result is None:
            return "<no difference found>"
        return f"<{self.result.case.id}: {self.result.status.value}>"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """With pytest-html active, attach each contract case's labelled diff to its report."""
    outcome = yield
    result = item.stash.get(RESULT_KEY, None)
    html_plugin = item.config.pluginmanager.getplugin("html")
    if call.when != "call" or result is None or html_plugin is None:
        return
    report = outcome.get_result()
    base, cand = result.baseline, result.candidate
    text = render(result.comparison, base.backend, cand.backend, base.labels) or "no differences"
    heading = f"{result.status.value}: {cand.backend} vs {base.backend}"
    body = html.escape(f"{heading}\n{text}\nsuspects: {', '.join(result.suspects) or '-'}")
    report.extras = [*getattr(report, "extras", []), html_plugin.extras.html(f"<pre>{body}</pre>")]


def pytest_assertrepr_compare(op: str, left: object, right: object) -> list[str] | None:
    """Explain a failed ``assert parity_check(case) == "agrees"`` as a labelled diff."""
    if op != "==" or not isinstance(left, Observed) or left.result is None:
        return None
    result = left.result
    base, cand = result.baseline, result.candidate
    text = render(result.comparison, base.backend, cand.backend, base.labels)
    return [
        f"{cand.backend} differs from {base.backend} on {result.case.id} "
        f"({len(result.comparison.mismatches)} difference(s)):",
        *text.splitlines(),
        f"suspects: {', '.join(result.suspects) or '-'} ({result.cause or 'untraced'})",
        f"case source: {result.case.source}",
    ]


@pytest.hookimpl(trylast=True)  # after -k, -m, --deselect and --sw have narrowed the run
def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    """``--parity-shard K/N``: keep this shard's parity items, deselect the others'."""
    parity = config.stash.get(SESSION_KEY, None)
    if parity is not None and parity.shard is not None:
        parity.shard_plan = apply_shard(config, items, parity.narrowing)
        growth = [i for i in items if GROWTH_KEY in i.stash]
        if growth and parity.shard.index != 1:  # the growth probe runs in shard 1
            config.hook.pytest_deselected(items=growth)
            items[:] = [i for i in items if GROWTH_KEY not in i.stash]


def pytest_deselected(items: Sequence[pytest.Item]) -> None:
    """Remember which option deselected parity items (for the report's ``run.selection``)."""
    parity = items[0].config.stash.get(SESSION_KEY, None) if items else None
    if parity is not None:
        parity.narrowing.record(items, deselect_caller())


def pytest_report_collectionfinish(
    config: pytest.Config, start_path: Path, items: Sequence[pytest.Item]
) -> list[str]:
    """The shard's header line, after pytest's "collected ..." (not at -q)."""
    parity = config.stash.get(SESSION_KEY, None)
    plan = parity.shard_plan if parity is not None else None
    if plan is None or config.get_verbosity() < 0:
        return []
    plan.shown = True
    return [plan.header()]


def pytest_collection_finish(session: pytest.Session) -> None:
    """Remember which contract cases were selected per tier (a complete run reports them all)."""
    parity = session.config.stash.get(SESSION_KEY, None)
    if parity is None:
        return
    parity.narrowing.collection_finished(session.config)
    if parity.shard_plan is not None:  # a shard with none of a tier's items still reports it
        for tier in parity.shard_plan.items:
            parity.selected.setdefault(tier, set())
    for item in session.items:
        unit = parity_unit(item)
        if unit is None:
            continue
        parity.selected.setdefault(unit.tier, set())
        batch = getattr(item, "callspec").params.get("parity_program_batch")  # noqa: B009
        if unit.kind == "case":
            parity.selected[unit.tier].add(unit.id)
        elif isinstance(batch, ProgramBatch) and batch.programs > 0:
            # the "programs-off" item runs nothing, by design
            parity.selected_batches.setdefault(unit.tier, set()).add(unit.id)


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Workers hand their results to the controller; the controller writes the reports."""
    config = session.config
    parity = config.stash.get(SESSION_KEY, None)
    if parity is None:
        return
    if config.option.collectonly:
        return  # collecting (what IDEs run) is not a run: it must not replace any report
    workeroutput = getattr(config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput[WORKER_KEY] = worker_payload(parity)
        plan = parity.shard_plan.to_json() if parity.shard_plan is not None else None
        workeroutput[SELECTION_KEY] = json.dumps(
            {"narrowing": parity.narrowing.to_json(), "plan": plan}
        )
        return
    parity.written = write_reports(parity, config, exitstatus)


def pytest_report_header(config: pytest.Config) -> list[str]:
    """Say which MySQL and DynamoDB sources this run will use, and why."""
    return provisioning_header_lines()


@pytest.hookimpl(optionalhook=True)  # an xdist hook: absent without pytest-xdist
def pytest_testnodedown(node: Any, error: object) -> None:
    """xdist controller: collect what each worker started and the cases it ran."""
    absorb_worker_output(getattr(node, "workeroutput", {}))
    parity = node.config.stash.get(SESSION_KEY, None)
    if parity is not None:
        absorb_worker(parity, node, error)
        selection = getattr(node, "workeroutput", {}).get(SELECTION_KEY)
        if error is None and selection is not None:
            data = json.loads(selection)
            parity.narrowing.absorb(data["narrowing"])
            if parity.shard_plan is None and data["plan"] is not None:
                parity.shard_plan = Plan.from_json(data["plan"])


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """Say which servers were used, the reports, the method coverage; at -q only the
    essentials, at -qq only the problems (harness/terminal.py)."""
    parity = config.stash.get(SESSION_KEY, None)
    write(terminalreporter, summary_lines(parity, exitstatus, config.get_verbosity()))
    if parity is not None and parity.growth and config.get_verbosity() >= -1:
        write(terminalreporter, growth_lines(terminalreporter.stats.get("passed", [])))


def growth_lines(reports: Sequence[Any]) -> list[Line]:
    """Each growth probe's table, from its item's report (an xdist worker's too)."""
    lines: list[Line] = []
    for report in reports:
        if getattr(report, "when", "") != "call":
            continue
        for key, value in getattr(report, "user_properties", []):
            if key == GROWTH_PROPERTY:
                shown = json.loads(value)
                lines.append(Line(f"parity {shown['tier']} growth", sep=True))
                lines.extend(Line(text) for text in shown["table"].splitlines())
                lines.append(Line(f"  {shown['path']}"))
    return lines


def pytest_unconfigure(config: pytest.Config) -> None:
    parity = config.stash.get(SESSION_KEY, None)
    if parity is not None:
        parity.close()
