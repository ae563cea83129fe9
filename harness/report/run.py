"""End of a run: gather results (from xdist workers too) and write each tier's reports."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from datetime import UTC, date, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import pytest

from harness.fixtures_servers import provisioning_summary_lines
from harness.report.files import TierReports, write_tier_reports
from harness.session import ParitySession
from harness.target import interface_methods

WORKER_KEY = "parity_results"
TRUSTED_EXITS = (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED)


def worker_payload(parity: ParitySession) -> str:
    """What an xdist worker sends the controller: its results and what it selected."""
    return json.dumps(
        {
            "records": parity.records,
            "explorations": parity.explorations,
            "selected": {t: sorted(ids) for t, ids in parity.selected.items()},
            "batches": {t: sorted(ids) for t, ids in parity.selected_batches.items()},
            "setup_failures": parity.setup_failures,
        }
    )


def absorb_worker(parity: ParitySession, node: Any, error: object) -> None:
    """Controller: take a finished worker's results; a worker lost mid-run is remembered."""
    name = getattr(getattr(node, "gateway", None), "id", "worker")
    payload = getattr(node, "workeroutput", {}).get(WORKER_KEY)
    if error is not None or payload is None:
        parity.lost_workers.append(f"{name} went down before reporting ({error or 'no output'})")
        return
    data = json.loads(payload)
    parity.records.extend(data["records"])
    parity.explorations.extend(data.get("explorations", []))
    parity.setup_failures.extend(data.get("setup_failures", []))
    for tier, ids in data["selected"].items():
        parity.selected.setdefault(tier, set()).update(ids)
    for tier, ids in data.get("batches", {}).items():
        parity.selected_batches.setdefault(tier, set()).update(ids)


def write_reports(
    parity: ParitySession, config: pytest.Config, exitstatus: int
) -> list[TierReports]:
    """Write the reports of every tier that selected contract cases."""
    reports_dir = Path(config.getoption("parity_reports"))
    baselines_dir = Path(config.getoption("parity_baselines"))
    written = []
    for tier in sorted(parity.selected):
        target = parity.target_for(tier)
        known = [
            {"id": c.id, "description": c.description, "covers": list(c.covers), "source": c.source}
            for c in parity.cases(tier)
        ]
        methods = interface_methods(target.interfaces)
        records = _first_of_each([r for r in parity.records if r["tier"] == tier])
        missing = parity.selected[tier] - {r["id"] for r in records}
        reasons = list(parity.lost_workers)
        failures = unique_failures(f for f in parity.setup_failures if f["tier"] == tier)
        reasons.extend(f"{f['message']}\n{f['traceback']}" for f in failures)
        if exitstatus not in TRUSTED_EXITS:
            reasons.append(
                f"pytest ended with exit status {int(exitstatus)} ({_exit_name(exitstatus)})"
            )
        unavailable = [
            r["id"]
            for r in records
            if any(r[side].get("infrastructure") for side in ("baseline", "candidate"))
        ]
        if unavailable:
            reasons.append(
                f"{len(unavailable)} case{'s' if len(unavailable) != 1 else ''} hit an "
                f"unavailable backend (server down or unreachable): {', '.join(unavailable[:10])}"
            )
        explored = {e["batch"] for e in parity.explorations if e["tier"] == tier}
        lost_batches = sorted(parity.selected_batches.get(tier, set()) - explored)
        if lost_batches:
            reasons.append(
                f"{len(lost_batches)} selected program batch"
                f"{'es' if len(lost_batches) != 1 else ''} produced no result (crashed or "
                f"interrupted): {', '.join(lost_batches)}"
            )
        if missing:
            why = (
                "their backend could not be set up, above" if failures else "crashed or interrupted"
            )
            reasons.append(
                f"{len(missing)} selected case{'s' if len(missing) != 1 else ''} produced no "
                f"result ({why}): {', '.join(sorted(missing)[:10])}"
            )
        pair = records[0]["pair"] if records else list(parity.pair_for(tier))
        finished = time.time()
        run: dict[str, Any] = {
            "tier": tier,
            "target": getattr(target, "name", "target"),
            "baseline": pair[0],
            "candidate": pair[1],
            "started_at": _iso(parity.started_at),
            "finished_at": _iso(finished),
            "seconds": round(finished - parity.started_at, 3),
            "workers": int(getattr(config.option, "numprocesses", 0) or 1),
            "parity_version": _version(),
            "provisioning": provisioning_summary_lines(),
            "exploration": _exploration(parity, tier),
            "backend_setup_failures": [
                {k: f[k] for k in ("backend", "error", "traceback")} for f in failures
            ],
            "second_baseline_runs": sum(
                1 for r in records if r.get("baseline_again_seconds") is not None
            ),
            **parity.run_fields(tier),  # "shard" and "selection" (harness/selection.py)
        }
        written.append(
            write_tier_reports(
                tier=tier,
                reports_dir=reports_dir,
                baselines_dir=baselines_dir,
                run=run,
                results=records,
                known_cases=known,
                methods=methods,
                update_baseline=bool(config.getoption("parity_update_baseline")),
                complete=not reasons,
                incomplete_reasons=reasons,
                today=date.today(),
            )
        )
    return written


def _first_of_each(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One record per case id: two program batches (or workers) can find the same shrunk
    program, which is one case."""
    seen: dict[str, dict[str, Any]] = {}
    for record in records:
        seen.setdefault(record["id"], record)
    return list(seen.values())


def unique_failures(failures: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """One entry per backend and error (every xdist worker reports its own)."""
    seen: dict[tuple[str, str], dict[str, Any]] = {}
    for failure in failures:
        seen.setdefault((failure["backend"], failure["error"]), failure)
    return list(seen.values())


def _exploration(parity: ParitySession, tier: str) -> dict[str, Any]:
    """The tier's generated programs: the budget and what each batch did."""
    batches = [e for e in parity.explorations if e["tier"] == tier]
    return {
        "budget": parity.budget(tier).programs,
        "seed": parity.budget(tier).seed,
        "fresh_seed": parity.budget(tier).fresh_seed,
        "steps": parity.budget(tier).steps,
        "programs": sum(int(e["programs"]) for e in batches),
        "calls": sum(int(e["calls"]) for e in batches),
        "seconds": round(sum(float(e["seconds"]) for e in batches), 3),
        "found": [e["found_case"] for e in batches if e["found_case"]],
        "batches": batches,
    }


def _iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _exit_name(status: int) -> str:
    try:
        return pytest.ExitCode(status).name.lower().replace("_", " ")
    except ValueError:
        return "unknown"


def _version() -> str:
    try:
        return version("parity")
    except PackageNotFoundError:
        return "unknown"
