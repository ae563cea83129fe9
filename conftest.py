"""Repository root: loads the shop backends plugin and pytester (logic lives in plugins)."""

pytest_plugins = ("suites.shop_backends", "pytester")
