"""Which DynamoDB an endpoint is: identified from what it answers, for the run header and
the reports (an external endpoint was only "external endpoint" before).

One ``ListTables`` request is made and its response headers read (botocore's
``after-call`` event): real AWS answers from ``*.amazonaws.com``; moto's server says
``Server: Werkzeug/<v> ..., amazon.com``; DynamoDB Local runs on Jetty; anything else is
named by its ``Server`` header. This only labels the run: no test decides what to assert
from it (tests probe behaviour instead).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

__all__ = ["Identity", "identify_dynamodb", "identity_from"]


@dataclass(frozen=True)
class Identity:
    """What the endpoint appears to be, its version where it says, and why we think so."""

    kind: str
    version: str
    evidence: str


def identity_from(url: str | None, headers: Mapping[str, str]) -> Identity:
    """The identity an endpoint's URL and response headers give."""
    lowered = {k.lower(): v for k, v in headers.items()}
    server = lowered.get("server", "")
    host = urlparse(url).hostname or "" if url else ""
    if url is None or re.search(r"(^|\.)amazonaws\.com(\.cn)?$", host):
        request_id = "x-amzn-requestid" in lowered
        return Identity(
            "AWS DynamoDB",
            "",
            f"host {host or 'from the region'}" + (", x-amzn-RequestId" if request_id else ""),
        )
    if "werkzeug" in server.lower() and "amazon.com" in server.lower():
        match = re.search(r"Werkzeug/([\w.]+)", server)
        return Identity(
            "moto server", f"werkzeug {match.group(1)}" if match else "", f"Server: {server}"
        )
    if "jetty" in server.lower():
        match = re.search(r"Jetty\(([^)]*)\)", server)
        return Identity("DynamoDB Local", match.group(1) if match else "", f"Server: {server}")
    if server:
        return Identity("unidentified DynamoDB-compatible server", server, f"Server: {server}")
    return Identity("unidentified DynamoDB-compatible server", "", "no Server header")


def identify_dynamodb(client: Any, url: str | None) -> Identity:
    """Identify the endpoint ``client`` talks to with one ``ListTables`` request."""
    seen: dict[str, str] = {}

    def keep(http_response: Any, **_: Any) -> None:
        seen.update({str(k): str(v) for k, v in dict(http_response.headers).items()})

    client.meta.events.register("after-call.dynamodb.ListTables", keep)
    try:
        client.list_tables(Limit=1)
    finally:
        client.meta.events.unregister("after-call.dynamodb.ListTables", keep)
    return identity_from(url, seen)
