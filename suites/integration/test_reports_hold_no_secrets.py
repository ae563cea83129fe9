"""No secret reaches a report file: every file written for real runs on the real servers is
scanned for the seed's password hashes and the provisioned servers' credentials."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest

from harness.contract import registered_cases, run_case
from harness.report.files import write_tier_reports
from harness.report.serialise import result_json
from harness.session import SESSION_KEY
from harness.target import interface_methods
from suites.target.seed import SEED_DIR

pytestmark = pytest.mark.integration


def _seed_secrets() -> set[str]:
    found = set()
    for path in SEED_DIR.glob("*.json"):
        for user in json.loads(path.read_text(encoding="utf-8")).get("users", []):
            found.add(user["password_hash"])
    return found


def test_no_report_file_contains_a_password_hash_or_credential(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    parity = request.config.stash[SESSION_KEY]
    target = parity.target
    cases = [c for c in registered_cases(target.case_modules) if c.seed == "small_shop"][:12]
    mysql, dynamodb = parity.factory("mysql", request), parity.factory("dynamodb", request)
    cache: dict[object, object] = {}
    records = [
        result_json(run_case(c, target, ("mysql", mysql), ("dynamodb", dynamodb), cache), "x")
        for c in cases
    ]
    reports = write_tier_reports(
        tier="x",
        reports_dir=tmp_path,
        baselines_dir=tmp_path / "baselines",
        run={"tier": "x", "baseline": "mysql", "candidate": "dynamodb"},
        results=records,
        known_cases=[
            {"id": c.id, "description": c.description, "covers": c.covers, "source": c.source}
            for c in cases
        ],
        methods=interface_methods(target.interfaces),
        update_baseline=False,
        complete=True,
        incomplete_reasons=[],
        today=date.today(),
    )
    secrets = _seed_secrets()
    endpoint = request.getfixturevalue("parity_mysql_database")
    if endpoint.password:
        secrets.add(endpoint.password)
    assert len(secrets) >= 5
    written = [f.path for f in reports.files]
    assert len(written) >= 2
    for path in written:
        text = path.read_text(encoding="utf-8")
        leaked = [s for s in secrets if s in text]
        assert leaked == [], f"{path} holds {len(leaked)} secret(s)"
        assert not re.search(r"scrypt\$\d", text), f"{path} holds a password hash"
    observed = json.loads((tmp_path / "x" / "compatibility.json").read_text())
    digests = json.dumps(observed).count("secret:sha256:")
    assert digests > 0, "password hashes should appear as digests, proving they were observed"
