"""Backend provisioning for the harness: choose, start, describe and tear down the servers.

MySQL: PARITY_MYSQL_URL, else MySQL 8.0 in Docker, else a throwaway local mariadbd/mysqld.
DynamoDB: PARITY_DYNAMODB_ENDPOINT (URL or ``aws``), else dynamodb-local in Docker, else moto.
"""

from __future__ import annotations

from harness.provisioning.choice import (
    DynamoChoice,
    MySQLChoice,
    choose_dynamodb,
    choose_mysql,
    find_binary,
)
from harness.provisioning.docker_probe import DockerStatus, docker_status, ping_docker
from harness.provisioning.dynamodb import (
    DockerDynamoDBLocal,
    DynamoServer,
    ExternalDynamo,
    MotoServer,
    moto_in_process,
    open_dynamodb_server,
)
from harness.provisioning.endpoints import DynamoEndpoint, MySQLEndpoint
from harness.provisioning.errors import ProvisioningError
from harness.provisioning.isolation import (
    create_database,
    database_name,
    drop_database,
    drop_prefixed_tables,
    reset_dynamodb,
    reset_mysql,
    table_prefix,
    worker_id,
)
from harness.provisioning.mysql import (
    DockerMySQLServer,
    ExternalMySQLServer,
    LocalMySQLServer,
    MySQLServer,
    open_mysql_server,
)
from harness.provisioning.report import planned_lines, started_lines

__all__ = [
    "DockerDynamoDBLocal",
    "DockerMySQLServer",
    "DockerStatus",
    "DynamoChoice",
    "DynamoEndpoint",
    "DynamoServer",
    "ExternalDynamo",
    "ExternalMySQLServer",
    "LocalMySQLServer",
    "MotoServer",
    "MySQLChoice",
    "MySQLEndpoint",
    "MySQLServer",
    "ProvisioningError",
    "choose_dynamodb",
    "choose_mysql",
    "create_database",
    "database_name",
    "docker_status",
    "drop_database",
    "drop_prefixed_tables",
    "find_binary",
    "moto_in_process",
    "open_dynamodb_server",
    "open_mysql_server",
    "ping_docker",
    "planned_lines",
    "reset_dynamodb",
    "reset_mysql",
    "started_lines",
    "table_prefix",
    "worker_id",
]
