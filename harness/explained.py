"""The one shape of Parity's error messages: what failed, what was expected, what was
observed instead, and a hint saying what to do next."""

from __future__ import annotations


class Explained(Exception):
    """An error whose message has the four parts (``prefix`` names who is speaking)."""

    prefix = "parity"

    def __init__(self, what: str, *, expected: str, observed: str, hint: str) -> None:
        self.what = what
        self.expected = expected
        self.observed = observed
        self.hint = hint
        super().__init__(self.render())

    def render(self) -> str:
        """The multi-line message shown to the user."""
        return (
            f"{self.prefix}: {self.what}\n"
            f"  expected: {_indent(self.expected)}\n"
            f"  observed: {_indent(self.observed)}\n"
            f"  hint:     {_indent(self.hint)}"
        )


def _indent(text: str) -> str:
    """Indent continuation lines so multi-line parts stay readable under their label."""
    return text.replace("\n", "\n            ")


__all__ = ["Explained"]
