"""Write a sample compatibility report from a real in-process run (for report development).

    python bench/make_sample_report.py /tmp/sample-report.json

Memory vs DynamoDB (moto in-process) with two planted bugs, so the report holds matches,
mismatches, one accepted difference (via a throw-away ledger) and not-run cases.
"""

from __future__ import annotations

import json
import sys
import tempfile
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from harness.contract import registered_cases, run_case
from harness.provisioning import moto_in_process
from harness.report.baseline import BaselineCheck
from harness.report.build import build_report
from harness.report.ledger import load_ledger
from harness.report.serialise import result_json
from harness.target import interface_methods, load_target
from suites.target.backends import MemoryFactory
from suites.unit.mutants import MUTANTS, mutant_backend

LEDGER = """
[[accept]]
case = "users.get_by_email:finds-a-user-whatever-the-case-of-the-email"
path = "*"
reason = "sample: the candidate looks emails up case-sensitively"
owner = "sample@example.com"
expires = 2099-01-01
"""


def main() -> None:
    if len(sys.argv) != 2:
        raise SystemExit("usage: python bench/make_sample_report.py OUTPUT.json")
    out = Path(sys.argv[1])
    target = load_target("suites.target:TARGET")
    cases = registered_cases(target.case_modules)
    mutant = next(m for m in MUTANTS if m.name == "case-sensitive-email-lookup")
    results = []
    with moto_in_process(), mutant_backend(mutant) as factory:
        cache: dict[object, object] = {}
        for case in cases[:-5]:
            result = run_case(
                case, target, ("memory", MemoryFactory()), ("dynamodb", factory), cache
            )  # type: ignore[arg-type]
            results.append(result_json(result, "unit"))
    with tempfile.TemporaryDirectory() as folder:
        ledger_path = Path(folder) / "ledger.toml"
        ledger_path.write_text(LEDGER)
        report = build_report(
            tier="unit",
            run={
                "tier": "unit",
                "target": "shop",
                "baseline": "memory",
                "candidate": "dynamodb",
                "started_at": "2026-11-25T08:00:00Z",
                "finished_at": "2026-11-25T08:00:09Z",
                "seconds": 9.0,
                "workers": 1,
                "parity_version": "0.1.0",
                "provisioning": [],
            },
            results=results,
            known_cases=[
                {"id": c.id, "description": c.description, "covers": c.covers, "source": c.source}
                for c in cases
            ],
            methods=interface_methods(target.interfaces),
            ledger=load_ledger(ledger_path),
            baseline_check=BaselineCheck("reports/baselines/unit.json"),
            complete=True,
            incomplete_reasons=[],
            today=date.today(),
        )
    out.write_text(json.dumps(report, indent=1, ensure_ascii=False))
    print(out, report["summary"])


if __name__ == "__main__":
    main()
