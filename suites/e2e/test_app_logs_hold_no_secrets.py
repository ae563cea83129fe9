"""No secret in the logs the harness's apps write: after a register, login and an
authenticated call on each app, neither log holds the password, its hash or the token."""

from __future__ import annotations

import pytest

from harness.determinism import Determinism
from harness.session import SESSION_KEY

pytestmark = pytest.mark.e2e

PASSWORD = "log-scan password 7f3e"


@pytest.mark.parametrize("backend", ["app:mysql", "app:dynamodb"])
def test_an_apps_log_holds_no_password_hash_or_token(
    request: pytest.FixtureRequest, backend: str
) -> None:
    factory = request.config.stash[SESSION_KEY].factory(backend, request, "e2e")
    with factory.fresh(Determinism()) as apps:
        apps.api.register("logscan@example.com", "logscan", PASSWORD)
        token = apps.api.login("logscan@example.com", PASSWORD).body["access_token"]
        assert apps.api.me(token).status == 200
        assert apps.api.me(token[:-3] + "AAA").status == 401
    log = factory.server.log_path.read_text(encoding="utf-8", errors="replace")
    for secret in (PASSWORD, token, token.rsplit(".", 1)[-1], "scrypt$"):
        assert secret not in log, f"{backend}'s log holds a secret"
