"""Errors raised while provisioning a backend server, phrased as expected / observed / hint."""

from __future__ import annotations

from harness.explained import Explained


class ProvisioningError(Explained, RuntimeError):
    """A backend server could not be found, started or reached.

    The message always has three parts so a reader knows what to do next:
    what the harness expected, what it observed instead, and a hint.
    """
