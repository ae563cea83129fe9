"""The CI gate: fails closed on every kind of problem, warns on the rest."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from harness import gate
from harness.cli import main
from harness.cost.profile import cost_section
from harness.report.baseline import digest
from harness.report.evidence import method_rows
from harness.report.serialise import BASELINE_SCHEMA, SCHEMA

pytestmark = pytest.mark.unit

TODAY = "2026-06-01"
LABELS = ["seed:small_shop()", "users.create(new=...)", "users.get_by_email(email=...)"]
LEDGER = """\
# accepted differences
[[accept]]
case = "users.get_by_email:ignores-case"
path = "*.value"
reason = "DynamoDB looks emails up case-sensitively"
owner = "data@example.com"
expires = {expires}
"""


def observation(value: object) -> list[dict[str, Any]]:
    return [
        {"call": "seed:small_shop", "args": {}, "outcome": "returned", "value": None},
        {"call": "users.create", "args": {}, "outcome": "returned", "value": "created"},
        {"call": "users.get_by_email", "args": {}, "outcome": "returned", "value": value},
    ]


def side(backend: str, value: object, error: str | None = None) -> dict[str, Any]:
    return {
        "backend": backend,
        "observation": observation(value),
        "raw": None,
        "labels": LABELS,
        "requests": {},
        "seconds": 0.01,
        "canonical_seconds": 0.0,
        "error": error,
    }


def _step_of(difference: dict[str, Any]) -> int:
    return int(str(difference["path"])[1 : str(difference["path"]).index("]")])


def case(case_id: str, status: str = "match", **extra: Any) -> dict[str, Any]:
    """A case record whose evidence gives its status: the sides' observations are made to
    differ exactly where its ``differences``/``accepted``/``noise`` say (at ``[i].value``)."""
    record: dict[str, Any] = {
        "id": case_id,
        "description": case_id.split(":")[-1],
        "covers": [case_id.split(":")[0]],
        "source": "suites/contract/cases_users.py:10",
        "tier": "unit",
        "status": status,
    }
    if status == "not_run":
        return record
    record |= {
        "seed": "small_shop",
        "error": None,
        "suspects": ["users.get_by_email"] if status in ("mismatch", "accepted") else [],
        "cause": "",
        "blame": None,
        "differences": [],
        "noise": [],
        "accepted": [],
        "compare_seconds": 0.001,
        "baseline_again_seconds": None,
    } | extra
    first, other = side("mysql", case_id), side("dynamodb", case_id)
    again = None
    for difference in [*record["differences"], *record["accepted"], *record["noise"]]:
        step = _step_of(difference)
        first["observation"][step]["value"] = difference["baseline"]
        other["observation"][step]["value"] = difference["candidate"]
    if first["observation"] != other["observation"]:
        again = json.loads(json.dumps(first))
        for difference in record["noise"]:
            again["observation"][_step_of(difference)]["value"] = difference["candidate"]
    if status == "error":
        other["error"] = str(record["error"]).splitlines()[0]
    record |= {"baseline": first, "candidate": other, "baseline_again": again}
    return record


def diff(
    path: str = "[2].value", baseline: object = "a", candidate: object = "b"
) -> dict[str, Any]:
    return {"path": path, "kind": "changed", "baseline": baseline, "candidate": candidate}


def accepted_case(expires: str = "2027-03-31", **entry: Any) -> dict[str, Any]:
    cited = {
        "index": 0,
        "line": 2,
        "case": "users.get_by_email:ignores-case",
        "method": None,
        "path": "*.value",
        "reason": "DynamoDB looks emails up case-sensitively",
        "owner": "data@example.com",
        "expires": expires,
    } | entry
    return case(
        "users.get_by_email:ignores-case", "accepted", accepted=[diff() | {"ledger": cited}]
    )


def report_of(cases: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    statuses = ("match", "mismatch", "noise", "accepted", "error", "not_run")
    run = {"tier": "unit", "target": "shop", "baseline": "mysql", "candidate": "dynamodb"}
    methods = sorted({m for c in cases for m in c["covers"]})
    return {
        "schema": SCHEMA,
        "complete": True,
        "incomplete_reasons": [],
        "run": run,
        "summary": {"cases": len(cases)}
        | {s: sum(c["status"] == s for c in cases) for s in statuses},
        "methods": method_rows(methods, cases),
        "cost": cost_section(cases, methods, run),
        "baseline_check": {"file": "x", "drift": [], "missing": [], "unused": [], "updated": False},
        "ledger": {"file": "x", "entries": 0, "used": [], "expired": [], "stale": []},
        "cases": sorted(cases, key=lambda c: str(c["id"])),
        "end": SCHEMA,
    } | extra


def clean_cases() -> list[dict[str, Any]]:
    return [
        case("users.create:makes-a-user"),
        case("users.get_by_email:finds-a-user", "noise", noise=[diff()]),
        accepted_case(),
    ]


class Project:
    """A project folder with a report, a committed baseline and a ledger."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.report = root / "reports" / "unit" / "compatibility.json"
        self.baseline = root / "reports" / "baselines" / "unit.json"
        self.ledger = root / "reports" / "baselines" / "divergence-ledger.toml"
        self.summary = root / "reports" / "unit" / "summary.md"

    def write(
        self,
        cases: list[dict[str, Any]] | None = None,
        *,
        baseline_from: list[dict[str, Any]] | None = None,
        expires: str = "2027-03-31",
        **extra: Any,
    ) -> dict[str, Any]:
        cases = clean_cases() if cases is None else cases
        report = report_of(cases, **extra)
        self.report.parent.mkdir(parents=True, exist_ok=True)
        self.report.write_text(json.dumps(report, indent=1))
        self.write_baseline(cases if baseline_from is None else baseline_from)
        self.ledger.write_text(LEDGER.format(expires=expires))
        return report

    def write_baseline(self, cases: list[dict[str, Any]]) -> None:
        entries = {
            c["id"]: {
                "digest": digest(c["baseline"]["observation"]),
                "observation": c["baseline"]["observation"],
            }
            for c in cases
            if "baseline" in c
        }
        self.baseline.parent.mkdir(parents=True, exist_ok=True)
        document = {"schema": BASELINE_SCHEMA, "tier": "unit", "backend": "mysql", "cases": entries}
        self.baseline.write_text(json.dumps(document, indent=1))

    def options(self, **extra: Any) -> gate.Options:
        settings: dict[str, Any] = {
            "report": self.report,
            "baseline": self.baseline,
            "ledger": self.ledger,
            "summary": self.summary,
            "today": date.fromisoformat(TODAY),
        }
        return gate.Options(**(settings | extra))

    def verdict(self, **extra: Any) -> gate.Verdict:
        return gate.evaluate(self.options(**extra))

    def cli(self, *more: str) -> int:
        return main(
            [
                "gate",
                "--report",
                str(self.report),
                "--baseline",
                str(self.baseline),
                "--ledger",
                str(self.ledger),
                "--summary",
                str(self.summary),
                "--today",
                TODAY,
                *more,
            ]
        )


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    return Project(tmp_path)


def messages(verdict: gate.Verdict) -> str:
    return "\n".join(f"{f.severity} {f.message} {' '.join(f.subjects)}" for f in verdict.findings)


def problem(verdict: gate.Verdict, text: str) -> gate.Finding:
    found = [f for f in verdict.problems if text in f.message]
    assert found, messages(verdict)
    return found[0]


# -- passing -------------------------------------------------------------------------------


def test_a_clean_run_passes_and_shows_noise_and_accepted(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    project.write()
    assert project.cli() == 0
    out = capsys.readouterr().out
    assert out.startswith("parity gate: PASS (exit 0) — unit tier, mysql vs dynamodb\n")
    assert (
        "3 cases: 1 match, 0 mismatches, 1 noisy case, 1 accepted case, 0 errors, 0 cases not run"
        in out
    )
    assert "0 problems\n" in out


def test_the_markdown_summary_is_written_with_a_table_and_problem_bullets(
    project: Project,
) -> None:
    mismatch = case("users.create:x", "mismatch", differences=[diff()])
    project.write([*clean_cases(), mismatch, case("users.list:pages", "not_run")])
    assert project.cli("--allow-partial") == 1
    markdown = project.summary.read_text()
    assert markdown.startswith("## Parity gate (unit tier): failed (exit 1)")
    assert "| status | cases |" in markdown and "| mismatch | 1 |" in markdown
    assert "### Problems" in markdown
    assert "- **1 mismatch (new incompatibility)**" in markdown
    assert "  - `users.create:x`: \\[2\\].value changed in users.get\\_by\\_email" in markdown
    assert "### Warnings" in markdown


def test_the_summary_defaults_to_the_tiers_folder(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    project.write()
    assert main(["gate", "--report", str(project.report), "--today", TODAY]) == 0
    assert (project.root / "reports" / "unit" / "summary.md").is_file()
    assert "PASS" in capsys.readouterr().out


def test_the_markdown_is_appended_to_the_github_step_summary(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    step_summary = project.root / "step-summary.md"
    step_summary.write_text("# earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(step_summary))
    project.write()
    assert project.cli() == 0
    text = step_summary.read_text()
    assert text.startswith("# earlier step\n## Parity gate (unit tier): passed (exit 0)")
    assert text.endswith(project.summary.read_text())


# -- the report cannot be trusted ----------------------------------------------------------


def test_a_missing_report_fails_closed(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    assert project.cli() == 2
    out = capsys.readouterr().out
    assert "FAIL: cannot be trusted (exit 2)" in out
    assert "no report; the run crashed" in out
    assert "1 problem:" in out
    assert (project.report.parent / "summary.md").exists() or project.summary.exists()


def test_a_truncated_report_fails_closed(project: Project) -> None:
    project.write()
    text = project.report.read_text()
    project.report.write_text(text[: len(text) // 2])
    verdict = project.verdict()
    assert verdict.status == 2
    assert "not valid JSON" in problem(verdict, "cannot be trusted").message
    assert "truncated" in verdict.findings[0].message


def test_a_report_without_its_end_marker_fails_closed(project: Project) -> None:
    report = project.write()
    del report["end"]
    project.report.write_text(json.dumps(report))
    assert "no end marker" in problem(project.verdict(), "cannot be trusted").message


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("[]", "expected a JSON object, got list"),
        ('{"schema": "parity-compatibility/0", "end": "parity-compatibility/0"}', "schema"),
        (b"\xff\xfe not utf-8", "not UTF-8 text at byte 0"),
    ],
)
def test_a_report_of_another_kind_fails_closed(
    project: Project, content: str | bytes, expected: str
) -> None:
    project.report.parent.mkdir(parents=True)
    if isinstance(content, bytes):
        project.report.write_bytes(content)
    else:
        project.report.write_text(content)
    verdict = project.verdict()
    assert verdict.status == 2
    assert expected in verdict.findings[0].message


def test_a_report_with_a_bad_case_list_fails_closed(project: Project) -> None:
    project.write(cases=[case("users.create:x", "exploded")])
    message = problem(project.verdict(), "cannot be trusted").message
    assert "does not follow the compatibility schema" in message
    assert "$.cases[0].status: 'exploded' is not one of ['match', 'mismatch'," in message


def test_an_incomplete_run_fails_and_says_why(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    project.write(complete=False, incomplete_reasons=["worker gw1 crashed"])
    assert project.cli() == 2
    out = capsys.readouterr().out
    assert "the run is incomplete" in out and "worker gw1 crashed" in out


def test_a_summary_that_disagrees_with_the_cases_fails(project: Project) -> None:
    report = project.write()
    report["summary"]["mismatch"] = 0
    report["summary"]["match"] = 2
    project.report.write_text(json.dumps(report))
    found = problem(project.verdict(), "summary disagrees")
    assert found.severity == 2
    assert "match: report says 2, its cases say 1" in found.subjects


# -- incompatibilities ---------------------------------------------------------------------


def test_a_mismatch_fails_with_its_case_id(project: Project) -> None:
    project.write([*clean_cases(), case("users.create:y", "mismatch", differences=[diff()])])
    verdict = project.verdict()
    assert verdict.status == 1
    found = problem(verdict, "1 mismatch (new incompatibility)")
    assert found.subjects == ("users.create:y: [2].value changed in users.get_by_email",)


def test_an_error_fails_with_its_reason(project: Project) -> None:
    project.write([*clean_cases(), case("users.create:z", "error", error="boom\ntraceback")])
    found = problem(project.verdict(), "1 error (case could not be compared)")
    assert found.subjects == ("users.create:z: boom",)


def test_counts_are_plural_correct(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    cases = [
        case("users.create:a", "mismatch", differences=[diff()]),
        case("users.create:b", "mismatch", differences=[diff(), diff("[1].value")]),
        case("users.create:c", "error", error="boom"),
    ]
    project.write(cases)
    assert project.cli() == 1
    out = capsys.readouterr().out
    assert "3 cases: 0 matches, 2 mismatches, 0 noisy cases, 0 accepted cases, 1 error" in out
    assert "2 mismatches (new incompatibility)" in out
    assert "(+1 more)" in out
    assert "2 problems:" in out


def test_plural_words() -> None:
    assert gate.plural(1, "mismatch") == "1 mismatch"
    assert gate.plural(2, "mismatch") == "2 mismatches"
    assert gate.plural(0, "error") == "0 errors"
    assert gate.plural(2, "entry", "entries") == "2 entries"


def test_baseline_drift_is_recomputed_not_read_from_the_report(project: Project) -> None:
    cases = clean_cases()
    committed = json.loads(json.dumps(cases))
    committed[0]["baseline"]["observation"][1]["value"] = "what was reviewed"
    project.write(cases, baseline_from=committed)  # the report's baseline_check says no drift
    verdict = project.verdict()
    assert verdict.status == 1
    assert problem(verdict, "baseline drift: 1 case").subjects == ("users.create:makes-a-user",)


def test_a_case_lost_from_the_report_fails(project: Project) -> None:
    cases = clean_cases()
    project.write(cases[1:], baseline_from=cases)
    found = problem(project.verdict(), "lost coverage: 1 case")
    assert found.subjects == ("users.create:makes-a-user",)


def test_a_method_with_no_case_fails(project: Project) -> None:
    report = project.write()
    report["methods"].append(method_rows(["users.delete"], [])[0])
    project.report.write_text(json.dumps(report))
    assert problem(project.verdict(), "lost coverage: 1 method").subjects == ("users.delete",)


def test_new_cases_without_a_baseline_are_a_warning(project: Project) -> None:
    cases = clean_cases()
    project.write(cases, baseline_from=cases[:1])
    verdict = project.verdict()
    assert verdict.status == 0
    assert any("2 new cases with no committed baseline" in w.message for w in verdict.warnings)


def test_a_missing_committed_baseline_fails_unless_allowed(project: Project) -> None:
    project.write()
    project.baseline.unlink()
    assert problem(project.verdict(), "no committed baseline").severity == 2
    allowed = project.verdict(allow_missing_baseline=True)
    assert allowed.status == 0
    assert any("no committed baseline" in w.message for w in allowed.warnings)
    assert project.cli("--allow-missing-baseline") == 0


def test_a_corrupt_baseline_names_its_file_line_and_character(project: Project) -> None:
    project.write()
    project.baseline.write_text('{\n "schema": "parity-baseline/1",\n "cases": {,}\n}')
    found = problem(project.verdict(), "baseline is corrupt")
    assert found.severity == 2
    assert f"{project.baseline}: not valid JSON at character 45 (line 3, column 12)" in (
        found.message
    )


def test_a_hand_edited_baseline_entry_is_corrupt(project: Project) -> None:
    project.write()
    document = json.loads(project.baseline.read_text())
    document["cases"]["users.create:makes-a-user"]["observation"] = []
    project.baseline.write_text(json.dumps(document))
    found = problem(project.verdict(), "whose digest is not their observation's")
    assert found.subjects == ("users.create:makes-a-user",)


def test_a_baseline_of_another_tier_is_refused(project: Project) -> None:
    project.write()
    document = json.loads(project.baseline.read_text())
    document["tier"] = "integration"
    project.baseline.write_text(json.dumps(document))
    assert problem(project.verdict(), "is for another run").severity == 2


def test_a_run_that_rewrote_the_baseline_fails(project: Project) -> None:
    check = {"file": "x", "drift": [], "missing": [], "unused": [], "updated": True}
    project.write(baseline_check=check)
    assert problem(project.verdict(), "rewrote the committed baseline").severity == 1


# -- the ledger ----------------------------------------------------------------------------


def test_an_expired_ledger_entry_fails(project: Project) -> None:
    project.write([*clean_cases()[:2], accepted_case("2026-05-31")], expires="2026-05-31")
    verdict = project.verdict()
    assert verdict.status == 1
    found = problem(verdict, "1 expired ledger entry (today is 2026-06-01)")
    assert found.subjects[0].startswith(f"{project.ledger}:2 (case users.get_by_email:ignores-case")
    assert found.subjects[0].endswith("accepts users.get_by_email:ignores-case")


def test_an_entry_expiring_today_is_still_live(project: Project) -> None:
    project.write([*clean_cases()[:2], accepted_case(TODAY)], expires=TODAY)
    assert project.verdict().status == 0


def test_an_accepted_difference_citing_no_ledger_entry_fails(project: Project) -> None:
    project.write()
    project.ledger.unlink()  # a missing ledger is an empty one
    found = problem(project.verdict(), "1 accepted difference not backed")
    assert "cites ledger entry 0, which" in found.subjects[0]


def test_an_accepted_difference_citing_a_changed_entry_fails(project: Project) -> None:
    project.write([*clean_cases()[:2], accepted_case(reason="something else")])
    found = problem(project.verdict(), "not backed")
    assert "as it no longer is (reason)" in found.subjects[0]


def test_an_accepted_difference_the_entry_does_not_match_fails(project: Project) -> None:
    cited = accepted_case()
    cited["accepted"][0]["path"] = "[1].values"
    project.write([*clean_cases()[:2], cited])
    assert (
        "is not matched by ledger entry 0" in problem(project.verdict(), "not backed").subjects[0]
    )


def test_a_corrupt_ledger_names_its_file_and_line(project: Project) -> None:
    project.write()
    project.ledger.write_text('[[accept]]\ncase = "x"\nreason = "r"\nowner = "o"\n')
    found = problem(project.verdict(), "ledger is corrupt")
    assert found.severity == 2
    assert f"{project.ledger}:1 (entry 1)" in found.message


def test_a_stale_ledger_entry_is_a_warning(project: Project) -> None:
    project.write(clean_cases()[:2])
    verdict = project.verdict()
    assert verdict.status == 0
    assert any("1 stale ledger entry" in w.message for w in verdict.warnings)


# -- exit status and usage -----------------------------------------------------------------


def test_untrusted_outranks_incompatible(project: Project) -> None:
    project.write(
        [case("users.create:y", "mismatch", differences=[diff()])],
        complete=False,
        incomplete_reasons=["interrupted"],
    )
    assert project.verdict().status == 2


@pytest.mark.parametrize(
    "argv",
    [
        ["gate"],
        ["gate", "--report", "r.json", "--today", "tomorrow"],
        ["gate", "--report", "r", "-x"],
    ],
)
def test_usage_errors_exit_3(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    try:
        status = main(argv)
    except SystemExit as exited:
        status = int(exited.code or 0)
    assert status == 3
    assert "error" in capsys.readouterr().err


def test_a_corrupt_one_line_report_is_located_by_character_offset(project: Project) -> None:
    report = project.write()
    one_line = json.dumps(report)  # a real report is one long line: "line 1" says nothing
    at = one_line.index('"cases"')
    project.report.write_text(one_line[:at] + "#" + one_line[at:])
    message = problem(project.verdict(), "cannot be trusted").message
    assert f"not valid JSON at character {at:,} (line 1, column {at + 1:,})" in message
    assert "near '" in message and "#" in message
