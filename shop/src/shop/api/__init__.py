"""The shop's HTTP API (FastAPI); see ``shop.api.app.create_app`` and ``docs/api.md``."""
