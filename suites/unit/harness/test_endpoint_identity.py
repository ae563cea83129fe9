"""An external DynamoDB endpoint is named by what it answers (kind and version), so the
run header and the reports say which DynamoDB a run used."""

from __future__ import annotations

import pytest

from harness.provisioning.identify import identity_from

pytestmark = pytest.mark.unit


def test_real_aws_is_known_by_its_host_or_by_having_no_url() -> None:
    aws = identity_from("https://dynamodb.eu-west-1.amazonaws.com", {"x-amzn-RequestId": "abc"})
    assert aws.kind == "AWS DynamoDB"
    assert "x-amzn-RequestId" in aws.evidence
    assert identity_from(None, {}).kind == "AWS DynamoDB"


def test_a_lookalike_host_is_not_taken_for_aws() -> None:
    assert identity_from("http://amazonaws.com.example.org", {}).kind != "AWS DynamoDB"


def test_the_moto_server_is_known_by_its_server_header_with_its_version() -> None:
    identity = identity_from(
        "http://127.0.0.1:5000", {"Server": "Werkzeug/3.1.9 Python/3.11.7, amazon.com"}
    )
    assert (identity.kind, identity.version) == ("moto server", "werkzeug 3.1.9")


def test_dynamodb_local_is_known_by_jetty() -> None:
    identity = identity_from("http://localhost:8000", {"server": "Jetty(12.0.8)"})
    assert (identity.kind, identity.version) == ("DynamoDB Local", "12.0.8")


def test_anything_else_is_named_by_its_server_header_or_says_it_has_none() -> None:
    other = identity_from("http://db:4566", {"Server": "hypercorn-h11"})
    assert (other.kind, other.version) == (
        "unidentified DynamoDB-compatible server",
        "hypercorn-h11",
    )
    assert identity_from("http://db:1", {}).evidence == "no Server header"
