"""Repository root: loads the shop's test backends plugin and pytester (all logic lives in plugins)."""

pytest_plugins = ("suites.shop_backends", "pytester")
