"""The errors the storage helpers raise, phrased as expected / observed / hint.

``StorageError``: a schema, a table definition or a saved state is not what was declared
(a bug to fix). ``StorageUnavailable``: the datastore did not answer a reset, save or
restore; it is a ``ConnectionError``, which Parity counts as an infrastructure failure
(the run is incomplete), never as a difference between backends.
"""

from __future__ import annotations


class _Explained(Exception):
    """The four-part message (like ``harness.provisioning.ProvisioningError``, which is not
    imported here, so that ``harness.storage`` stays free of database drivers)."""

    def __init__(self, what: str, *, expected: str, observed: str, hint: str) -> None:
        self.what = what
        self.expected = expected
        self.observed = observed
        self.hint = hint
        super().__init__(self.render())

    def render(self) -> str:
        """The multi-line message shown to the user."""
        return (
            f"parity: {self.what}\n"
            f"  expected: {_indent(self.expected)}\n"
            f"  observed: {_indent(self.observed)}\n"
            f"  hint:     {_indent(self.hint)}"
        )


class StorageError(_Explained, RuntimeError):
    """A schema, a table definition or a state did not do what the target declared: what
    failed (naming the statement or table), what was expected, what was observed instead,
    and a hint saying what to do."""


class StorageUnavailable(_Explained, ConnectionError):
    """The datastore could not be reached, or failed, while Parity reset, saved or restored
    it (an infrastructure failure: the case is incomplete, not a mismatch)."""


def _indent(text: str) -> str:
    """Indent continuation lines so multi-line parts stay readable under their label."""
    return text.replace("\n", "\n            ")


__all__ = ["StorageError", "StorageUnavailable"]
