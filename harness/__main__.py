"""``python -m harness``: the parity command."""

from harness.cli import main

raise SystemExit(main())
