"""Repository root: loads the test plugins (all logic lives in them)."""

pytest_plugins = ("suites.shop_backends", "suites.unit.api.api_shop", "pytester")
