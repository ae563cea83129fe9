"""Errors raised while provisioning a backend server, phrased as expected / observed / hint."""

from __future__ import annotations


class ProvisioningError(RuntimeError):
    """A backend server could not be found, started or reached.

    The message always has three parts so a reader knows what to do next:
    what the harness expected, what it observed instead, and a hint.
    """

    def __init__(self, what: str, *, expected: str, observed: str, hint: str) -> None:
        self.what = what
        self.expected = expected
        self.observed = observed
        self.hint = hint
        super().__init__(self.render())

    def render(self) -> str:
        """Return the multi-line message shown to the user."""
        return (
            f"parity: {self.what}\n"
            f"  expected: {_indent(self.expected)}\n"
            f"  observed: {_indent(self.observed)}\n"
            f"  hint:     {_indent(self.hint)}"
        )


def _indent(text: str) -> str:
    """Indent continuation lines so multi-line parts stay readable under their label."""
    return text.replace("\n", "\n            ")
