"""The shop's settings: read from the environment, refused with a clear error when wrong."""

from __future__ import annotations

import re

import pytest

from shop.factory import build_repositories
from shop.settings import Backend, DynamoSettings, MySQLSettings, Settings, SettingsError

pytestmark = pytest.mark.unit


def test_memory_needs_nothing_else() -> None:
    settings = Settings.from_env({"SHOP_BACKEND": "memory"})
    assert settings.backend is Backend.MEMORY
    with build_repositories(settings) as repositories:
        assert repositories.users.list().items == ()


def test_mysql_url_is_parsed_and_its_password_never_shown() -> None:
    settings = Settings.from_env(
        {"SHOP_BACKEND": "mysql", "SHOP_MYSQL_URL": "mysql://app:s3cr%40t@db.local:3307/shop"}
    )
    assert settings.mysql == MySQLSettings("db.local", 3307, "app", "s3cr@t", "shop")
    assert "s3cr" not in repr(settings)


def test_dynamodb_settings_take_defaults_and_aws_variables() -> None:
    settings = Settings.from_env(
        {"SHOP_BACKEND": "dynamodb", "AWS_REGION": "eu-west-1", "AWS_SECRET_ACCESS_KEY": "k"}
    )
    assert settings.dynamodb is not None
    assert (settings.dynamodb.region, settings.dynamodb.table_prefix) == ("eu-west-1", "shop_")
    assert "k" not in repr(settings.dynamodb).replace("shop_", "").replace("eu-west-1", "")


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "SHOP_BACKEND: expected one of memory, mysql, dynamodb, got ''"),
        ({"SHOP_BACKEND": "oracle"}, "got 'oracle'"),
        ({"SHOP_BACKEND": "mysql"}, "SHOP_MYSQL_URL: expected mysql://"),
        (
            {"SHOP_BACKEND": "mysql", "SHOP_MYSQL_URL": "postgres://u:pw@h/db"},
            "got 'postgres://u:***@h/db'",
        ),
        ({"SHOP_BACKEND": "mysql", "SHOP_MYSQL_URL": "mysql://h/bad-name"}, "database name"),
        (
            {"SHOP_BACKEND": "dynamodb", "SHOP_DYNAMODB_RETRY_MODE": "legacy"},
            "standard or adaptive",
        ),
        ({"SHOP_BACKEND": "dynamodb", "SHOP_DYNAMODB_MAX_ATTEMPTS": "many"}, "whole number"),
        (
            {"SHOP_BACKEND": "dynamodb", "SHOP_DYNAMODB_TABLE_PREFIX": "bad prefix"},
            "letters, digits",
        ),
    ],
)
def test_bad_settings_say_what_was_expected_and_what_was_seen(
    env: dict[str, str], expected: str
) -> None:
    with pytest.raises(SettingsError, match=re.escape(expected)):
        Settings.from_env(env)


def test_dynamodb_settings_refuse_attempts_out_of_range() -> None:
    with pytest.raises(SettingsError, match=re.escape("1..20")):
        DynamoSettings(endpoint_url=None, max_attempts=0)
