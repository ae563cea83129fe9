"""The errors the storage helpers raise, phrased as expected / observed / hint.

``StorageError``: a schema, a table definition or a saved state is not what was declared
(a bug to fix). ``StorageUnavailable``: the datastore did not answer a reset, save or
restore; it is a ``ConnectionError``, which Parity counts as an infrastructure failure
(the run is incomplete), never as a difference between backends.
"""

from __future__ import annotations

from harness.explained import Explained


class StorageError(Explained, RuntimeError):
    """A schema, a table definition or a state did not do what the target declared: what
    failed (naming the statement or table), what was expected, what was observed instead,
    and a hint saying what to do."""


class StorageUnavailable(Explained, ConnectionError):
    """The datastore could not be reached, or failed, while Parity reset, saved or restored
    it (an infrastructure failure: the case is incomplete, not a mismatch)."""


__all__ = ["StorageError", "StorageUnavailable"]
