"""Repository root: loads the shop's test backends plugin (all logic lives in the plugin)."""

pytest_plugins = ("suites.shop_backends",)
