"""Run a command against moto's server started as a separate process, given to it as an
external endpoint (``PARITY_DYNAMODB_ENDPOINT``): the path a team with its own DynamoDB
(real AWS, a shared emulator) takes, exercised on every change without a vendor emulator.

``python -m harness.provisioning.external_moto -- pytest -m integration ...`` starts the
server (the same serialised child process the harness provisions itself), runs the
command with ``PARITY_DYNAMODB_ENDPOINT`` pointing at it, stops the server and exits with
the command's status. The tests inside see an endpoint they did not start.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence

from harness.provisioning.choice import DYNAMODB_ENDPOINT_ENV
from harness.provisioning.dynamodb import MotoServer

__all__ = ["main"]

USAGE = 3


def main(argv: Sequence[str] | None = None) -> int:
    """Start the server, run the command after ``--``, stop the server; the command's status."""
    args = list(sys.argv[1:] if argv is None else argv)
    if "--" not in args or args.index("--") == len(args) - 1:
        print(
            "external_moto: expected a command after --, e.g. "
            "`python -m harness.provisioning.external_moto -- pytest -m integration ...`, "
            f"got {args!r}",
            file=sys.stderr,
        )
        return USAGE
    command = args[args.index("--") + 1 :]
    server = MotoServer("started apart, given as an external endpoint", "ext_").start()
    try:
        url = server.endpoint.url
        assert url is not None  # noqa: S101 - a server always has one
        env = {**os.environ, DYNAMODB_ENDPOINT_ENV: url}
        env.setdefault("AWS_ACCESS_KEY_ID", "testing")
        env.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
        print(f"external_moto: moto server at {url} (pid {server.pid}); running {command}")
        sys.stdout.flush()
        return subprocess.call(command, env=env)  # noqa: S603 - the caller's own command
    finally:
        server.stop()


if __name__ == "__main__":
    raise SystemExit(main())
