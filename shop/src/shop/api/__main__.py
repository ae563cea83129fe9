"""``python -m shop.api [--host H] [--port N]``: serve the API with uvicorn.

Equivalent to ``uvicorn --factory shop.api.app:create_app --host H --port N``.
"""

from __future__ import annotations

import argparse

import uvicorn


def main(argv: list[str] | None = None) -> None:
    """Parse ``--host``/``--port`` and run the app until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m shop.api", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)
    uvicorn.run("shop.api.app:create_app", factory=True, host=args.host, port=args.port)


if __name__ == "__main__":
    main()
