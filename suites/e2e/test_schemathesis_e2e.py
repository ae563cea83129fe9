"""Schemathesis differential run (e2e tier): every operation of the shop's OpenAPI schema,
with generated requests, sent to the app on MySQL (baseline) and on DynamoDB (candidate).

Each generated request goes to both apps, both datastores emptied and both clocks reset just
before it (so every request meets the same, empty state on both sides); the two responses
(status, content type, JSON body) are canonicalised with the e2e target's rules and compared.
The baseline's responses are also checked by schemathesis against the documented schema.
See docs/schemathesis.md.
"""

from __future__ import annotations

import json
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import Case, GenerationMode
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from harness.canonical import Canonicaliser
from harness.compare import compare, render
from harness.determinism import Determinism
from harness.session import SESSION_KEY
from suites.e2e_target import RULES
from suites.e2e_target.api import HEADERS_THAT_MATTER, annotate

pytestmark = pytest.mark.e2e

BASELINE, CANDIDATE = "app:mysql", "app:dynamodb"
EXAMPLES = {GenerationMode.POSITIVE: 6, GenerationMode.NEGATIVE: 4}
"""Examples per operation and generation mode (derandomized: the same requests every run)."""

SELLER = {"email": "schemathesis-seller@example.com", "password": "correct horse battery"}
"""Registered (as a seller) and logged in before each positive case of a secured operation."""

CONFORMANCE_CHECKS = [
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@dataclass
class Finding:
    """One request on which something went wrong."""

    request: str
    what: str


@dataclass
class Tally:
    operations: list[str] = field(default_factory=list)
    requests: Counter[str] = field(default_factory=Counter)
    differences: list[Finding] = field(default_factory=list)
    server_errors: list[Finding] = field(default_factory=list)
    nonconformance: list[Finding] = field(default_factory=list)
    ungenerated: list[str] = field(default_factory=list)
    statuses: defaultdict[str, Counter[int]] = field(default_factory=lambda: defaultdict(Counter))


def _describe(case: Case, authenticated: bool = False) -> str:
    """The request, readably: method, path, query, headers, body (as sent to both apps)."""
    parts = [f"{case.method.upper()} {case.formatted_path}"]
    if case.query:
        parts.append(f"query={json.dumps(case.query, default=str, ensure_ascii=False)}")
    headers = dict(case.headers or {})
    if authenticated:
        headers["Authorization"] = "Bearer <the seller's token>"
    if headers:
        parts.append(f"headers={json.dumps(headers, default=str, ensure_ascii=False)}")
    if case.body is not None and not _is_not_set(case.body):
        parts.append(f"body={json.dumps(case.body, default=str, ensure_ascii=False)[:300]}")
    return " ".join(parts)


def _is_not_set(value: Any) -> bool:
    return type(value).__name__ == "NotSet"


def _observation(case: Case, response: schemathesis.Response) -> dict[str, Any]:
    """What is compared: status, the headers that matter, the JSON (or text) body.

    ``GET /health`` names the app's backend by design (``"backend": "mysql"``): masked.
    """
    try:
        body: Any = response.json() if response.content else None
    except ValueError:
        body = {"$text": response.content[:2000].decode("utf-8", "replace")}
    headers = {
        name: ", ".join(response.headers[name])
        for name in HEADERS_THAT_MATTER
        if name in response.headers
    }
    if case.path == "/health" and isinstance(body, dict) and "backend" in body:
        body = {**body, "backend": "<backend>"}
    return {"status": response.status_code, "headers": headers, "body": annotate(body)}


def test_generated_requests_get_the_same_answers_from_both_apps(
    request: pytest.FixtureRequest,
) -> None:
    session = request.config.stash[SESSION_KEY]
    apps = {name: session.factory(name, request, "e2e") for name in (BASELINE, CANDIDATE)}
    raw_schema = httpx.get(f"{apps[BASELINE].url}/openapi.json", timeout=30).json()
    schema = schemathesis.openapi.from_dict(raw_schema)
    transports = {name: requests.Session() for name in apps}
    tally = Tally()
    started = time.monotonic()

    def send(case: Case, name: str, authenticated: bool) -> schemathesis.Response:
        """``case`` on app ``name``, its store emptied and its clock and ids reset first."""
        app = apps[name]
        with app.fresh(Determinism()) as fresh:
            headers = None
            if authenticated:  # a real seller's token instead of the generated (invalid) one
                fresh.api.register(SELLER["email"], "schemathesis", SELLER["password"], True)
                token = fresh.api.login(SELLER["email"], SELLER["password"]).body["access_token"]
                headers = {"Authorization": f"Bearer {token}"}
            return case.call(base_url=app.url, session=transports[name], headers=headers)

    def exchanger(authenticated: bool) -> Any:
        def exchange(case: Case) -> None:
            label = _describe(case, authenticated)
            route = f"{case.method.upper()} {case.path}"
            tally.requests[route] += 1
            answers = {name: send(case, name, authenticated) for name in apps}
            tally.statuses[route][answers[BASELINE].status_code] += 1
            for name, answer in answers.items():
                if answer.status_code >= 500:
                    tally.server_errors.append(
                        Finding(label, f"{name} answered {answer.status_code}: {answer.text[:300]}")
                    )
            try:
                case.validate_response(answers[BASELINE], checks=CONFORMANCE_CHECKS)
            except FailureGroup as failure:
                found = "; ".join(f"{e.title}: {e.message}" for e in failure.exceptions)
                tally.nonconformance.append(Finding(label, " ".join(found.split())))
            sides = [Canonicaliser(RULES).value(_observation(case, answers[n])) for n in apps]
            comparison = compare(*sides)
            if not comparison.equal:
                tally.differences.append(Finding(label, render(comparison, BASELINE, CANDIDATE)))

        return exchange

    for result in schema.get_all_operations():
        operation = result.ok()
        tally.operations.append(f"{operation.method.upper()} {operation.path}")
        secured = bool(raw_schema["paths"][operation.path][operation.method].get("security"))
        for mode, count in EXAMPLES.items():
            authenticated = secured and mode is GenerationMode.POSITIVE
            run = settings(
                max_examples=count,
                derandomize=True,
                database=None,
                deadline=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )(given(case=operation.as_strategy(generation_mode=mode))(exchanger(authenticated)))
            try:
                run()
            except Unsatisfiable:  # nothing to break (e.g. negative cases of GET /health)
                tally.ungenerated.append(
                    f"{mode.value} {operation.method.upper()} {operation.path}"
                )
    for transport in transports.values():
        transport.close()

    seconds = time.monotonic() - started
    summary = (
        f"schemathesis differential run: {len(tally.operations)} operations, "
        f"{sum(tally.requests.values())} generated requests (each sent to both apps) "
        f"in {seconds:.1f} s; {len(tally.differences)} differences, "
        f"{len(tally.server_errors)} server errors, "
        f"{len(tally.nonconformance)} schema nonconformances on {BASELINE}"
    )
    print("\n" + summary)
    if tally.ungenerated:
        print(f"  no cases could be generated for: {', '.join(tally.ungenerated)}")
    for route, count in sorted(tally.requests.items()):
        seen = ", ".join(f"{status}x{n}" for status, n in sorted(tally.statuses[route].items()))
        print(f"  {count:3d}  {route:36s} statuses: {seen}")
    for finding in tally.nonconformance:
        print(f"  [nonconformance on {BASELINE}] {finding.request}\n    {finding.what}")
    problems = [
        *(f"DIFFERENCE for {f.request}\n{_indent(f.what)}" for f in tally.differences),
        *(f"SERVER ERROR for {f.request}\n{_indent(f.what)}" for f in tally.server_errors),
    ]
    assert not problems, summary + "\n\n" + "\n\n".join(problems)


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in text.splitlines())
