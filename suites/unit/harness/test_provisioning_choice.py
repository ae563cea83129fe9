"""Which MySQL / DynamoDB source the harness picks, tested with injected probes (no servers)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from harness.fixtures_servers import in_ci
from harness.provisioning import (
    DockerStatus,
    DynamoEndpoint,
    ExternalDynamo,
    MySQLEndpoint,
    ProvisioningError,
    choose_dynamodb,
    choose_mysql,
    database_name,
    open_dynamodb_server,
    table_prefix,
)
from harness.provisioning.readiness import NotReady, wait_until_ready

pytestmark = pytest.mark.unit

DOCKER_UP = DockerStatus(True, "Docker engine 27.0 answered ping")
DOCKER_DOWN = DockerStatus(False, "Docker not answering: no socket")
LOCAL_TOOLS = {
    "mariadbd": "/usr/sbin/mariadbd",
    "mariadb-install-db": "/usr/bin/mariadb-install-db",
}


def which_from(paths: dict[str, str]) -> Callable[[str], str | None]:
    """A fake ``which`` that knows only ``paths``."""
    return paths.get


def must_not_probe_docker() -> DockerStatus:
    """A Docker probe that fails the test if anyone asks."""
    raise AssertionError("Docker must not be probed when an env var decides")


def no_binaries(name: str) -> str | None:
    """A ``which`` for a machine with an empty PATH."""
    return None


# --- MySQL -----------------------------------------------------------------------------


def test_env_var_wins_over_docker_and_local_binary() -> None:
    env = {"PARITY_MYSQL_URL": "mysql://root:s3cret@db.example:3307/parity"}

    choice = choose_mysql(env, must_not_probe_docker, which_from(LOCAL_TOOLS))

    assert choice.source == "external"
    assert choice.endpoint == MySQLEndpoint("db.example", 3307, "root", "s3cret", "parity")
    assert "s3cret" not in choice.describe()


def test_docker_is_chosen_when_the_engine_answers_and_no_url_is_set() -> None:
    choice = choose_mysql({}, lambda: DOCKER_UP, which_from(LOCAL_TOOLS))

    assert choice.source == "docker"
    assert choice.image == "mysql:8.0"
    assert "answered ping" in choice.reason


def test_a_plain_true_from_the_docker_probe_is_enough() -> None:
    assert choose_mysql({}, lambda: True, which_from(LOCAL_TOOLS)).source == "docker"


def test_local_mariadbd_is_used_when_docker_does_not_answer() -> None:
    choice = choose_mysql({}, lambda: DOCKER_DOWN, which_from(LOCAL_TOOLS))

    assert choice.source == "local"
    assert choice.server_binary == "/usr/sbin/mariadbd"
    assert choice.install_binary == "/usr/bin/mariadb-install-db"
    assert "no socket" in choice.reason


def test_mysqld_is_used_when_there_is_no_mariadbd() -> None:
    choice = choose_mysql({}, lambda: False, which_from({"mysqld": "/usr/local/mysql/bin/mysqld"}))

    assert choice.source == "local"
    assert choice.server_binary == "/usr/local/mysql/bin/mysqld"
    assert choice.install_binary is None


def test_missing_server_error_states_expected_observed_and_how_to_get_one() -> None:
    with pytest.raises(ProvisioningError) as caught:
        choose_mysql({}, lambda: DOCKER_DOWN, no_binaries)

    message = str(caught.value)
    assert "expected:" in message
    assert "observed:" in message
    assert "hint:" in message
    assert "no socket" in message
    assert "apt-get install mariadb-server" in message
    assert "brew install mariadb" in message
    assert "PARITY_MYSQL_URL" in message


def test_a_malformed_mysql_url_is_an_error_that_hides_the_password() -> None:
    env = {"PARITY_MYSQL_URL": "postgres://root:s3cret@db:5432/x"}

    with pytest.raises(ProvisioningError) as caught:
        choose_mysql(env, must_not_probe_docker, no_binaries)

    assert "mysql://" in caught.value.expected
    assert "s3cret" not in str(caught.value)


def test_mysql_endpoint_repr_and_redacted_url_hide_the_password() -> None:
    endpoint = MySQLEndpoint("127.0.0.1", 3306, "root", "s3cret", "parity")

    assert "s3cret" not in repr(endpoint)
    assert "s3cret" not in endpoint.redacted()
    assert endpoint.redacted() == "mysql://root:***@127.0.0.1:3306/parity"
    assert endpoint.url == "mysql://root:s3cret@127.0.0.1:3306/parity"
    assert MySQLEndpoint.from_url(endpoint.url) == endpoint


# --- DynamoDB --------------------------------------------------------------------------


def test_dynamodb_env_url_wins_over_docker_and_moto() -> None:
    env = {"PARITY_DYNAMODB_ENDPOINT": "http://127.0.0.1:8000/"}

    choice = choose_dynamodb(env, must_not_probe_docker, lambda name: True)

    assert choice.source == "external"
    assert choice.url == "http://127.0.0.1:8000"


def test_dynamodb_env_aws_means_real_aws_with_the_default_credential_chain() -> None:
    env = {
        "PARITY_DYNAMODB_ENDPOINT": "aws",
        "AWS_DEFAULT_REGION": "eu-west-1",
        "PARITY_DYNAMODB_TABLE_PREFIX": "team-parity-",
        "AWS_ACCESS_KEY_ID": "AKIAEXAMPLE",
    }

    choice = choose_dynamodb(env, must_not_probe_docker)
    server = open_dynamodb_server(choice, env)
    assert isinstance(server, ExternalDynamo)
    endpoint = server.target

    assert choice.source == "aws"
    assert choice.region == "eu-west-1"
    assert choice.table_prefix == "team-parity-"
    assert endpoint.url is None
    assert endpoint.access_key is None


def test_real_aws_without_a_region_is_an_error_with_a_hint() -> None:
    with pytest.raises(ProvisioningError) as caught:
        choose_dynamodb({"PARITY_DYNAMODB_ENDPOINT": "aws"}, must_not_probe_docker)

    assert "AWS_REGION" in caught.value.hint


def test_dynamodb_local_in_docker_is_chosen_when_the_engine_answers() -> None:
    choice = choose_dynamodb({}, lambda: DOCKER_UP, lambda name: True)

    assert choice.source == "docker"
    assert choice.image is not None
    assert choice.image.startswith("amazon/dynamodb-local")


def test_moto_server_is_the_fallback_when_docker_does_not_answer() -> None:
    choice = choose_dynamodb({}, lambda: DOCKER_DOWN, lambda name: name == "moto")

    assert choice.source == "moto"
    assert "no socket" in choice.reason


def test_no_dynamodb_source_at_all_is_an_error_with_a_pip_hint() -> None:
    with pytest.raises(ProvisioningError) as caught:
        choose_dynamodb({}, lambda: DOCKER_DOWN, lambda name: False)

    assert "moto[server,dynamodb]" in caught.value.hint


def test_dynamo_endpoint_repr_hides_the_keys() -> None:
    endpoint = DynamoEndpoint("http://127.0.0.1:1", "us-east-1", "AKIAEXAMPLE", "s3cret", "p_")

    assert "AKIAEXAMPLE" not in repr(endpoint)
    assert "s3cret" not in repr(endpoint)
    assert endpoint.client_kwargs()["aws_secret_access_key"] == "s3cret"


# --- isolation, CI flag, readiness --------------------------------------------------------


def test_names_are_unique_per_run_and_carry_the_worker_id() -> None:
    assert database_name("gw1").startswith("parity_gw1_")
    assert database_name("gw1") != database_name("gw1")
    assert table_prefix("parity_", "gw0").startswith("parity_gw0_")
    assert table_prefix("parity_", "gw0").endswith("_")


def test_ci_flag_reads_true_ish_values_only() -> None:
    assert in_ci({"CI": "true"})
    assert in_ci({"CI": "1"})
    assert not in_ci({"CI": "false"})
    assert not in_ci({})


def test_readiness_gives_up_at_once_when_the_process_dies() -> None:
    def refuse() -> None:
        raise ConnectionRefusedError("nobody home")

    with pytest.raises(NotReady) as caught:
        wait_until_ready(refuse, timeout=30, died=lambda: "server exited with status 1")

    assert caught.value.reason == "server exited with status 1"
    assert caught.value.elapsed < 1


def test_readiness_reports_the_last_error_when_the_deadline_passes() -> None:
    def refuse() -> None:
        raise ConnectionRefusedError("nobody home")

    with pytest.raises(NotReady) as caught:
        wait_until_ready(refuse, timeout=0.1, interval=0.01)

    assert "deadline" in caught.value.reason
    assert "nobody home" in caught.value.last_error


def test_readiness_returns_once_an_attempt_succeeds() -> None:
    attempts: list[int] = []

    def third_time_lucky() -> None:
        attempts.append(1)
        if len(attempts) < 3:
            raise ConnectionRefusedError

    wait_until_ready(third_time_lucky, timeout=5, interval=0.001)

    assert len(attempts) == 3


def test_in_process_moto_answers_dynamodb_calls_without_sockets(
    parity_dynamodb_in_process: DynamoEndpoint,
) -> None:
    client = parity_dynamodb_in_process.client()
    name = parity_dynamodb_in_process.table_name("things")
    client.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )

    assert client.list_tables()["TableNames"] == [name]
