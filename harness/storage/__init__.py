"""Schema provisioning for any target: declare the schema, say how to build repositories.

A target declares its MySQL schema (``MySQLSchema``: the DDL statements, e.g. from a
``.sql`` file) and its DynamoDB tables (``DynamoTables``: ``CreateTable`` definitions by
logical name), and writes one build function per backend taking the handle Parity gives
(``MySQLDatabase`` / ``DynamoDBTables``: connections and clients whose requests are
counted) and the run's ``Determinism``. ``mysql_backend`` and ``dynamodb_backend`` do the
rest: create the schema once per session, reset it before each case with the fastest
correct method, save and restore seeded state, count every datastore request::

    from harness.storage import DynamoTables, MySQLSchema, dynamodb_backend, mysql_backend

    SCHEMA = MySQLSchema.from_file("schema.sql")
    TABLES = DynamoTables.from_file("tables.json")

    def open_backend(self, name, resources):
        if name == "mysql":
            return mysql_backend(resources, SCHEMA, lambda db, det: build_mysql(db.connect))
        if name == "dynamodb":
            return dynamodb_backend(resources, TABLES, lambda t, det: build_dynamo(t.client()))

Importing this package imports no database driver (PyMySQL, boto3 and moto are imported
when a backend is opened). docs/storage.md documents every name and the measured costs.
"""

from __future__ import annotations

from harness.storage.build import Build, DynamoDBBuild, MySQLBuild
from harness.storage.dynamodb import DynamoDBBackend, DynamoDBTables, dynamodb_backend
from harness.storage.dynamodb_tables import DynamoTables
from harness.storage.errors import StorageError, StorageUnavailable
from harness.storage.mysql import MySQLBackend, MySQLDatabase, mysql_backend
from harness.storage.mysql_schema import MySQLSchema
from harness.storage.resources import EndpointResources
from harness.storage.statements import split_statements

__all__ = [
    "Build",
    "DynamoDBBackend",
    "DynamoDBBuild",
    "DynamoDBTables",
    "DynamoTables",
    "EndpointResources",
    "MySQLBackend",
    "MySQLBuild",
    "MySQLDatabase",
    "MySQLSchema",
    "StorageError",
    "StorageUnavailable",
    "dynamodb_backend",
    "mysql_backend",
    "split_statements",
]
