"""What every provisioned server shares: start/stop, usable as a context manager."""

from __future__ import annotations

from abc import ABC, abstractmethod
from types import TracebackType
from typing import Self


class ProvisionedServer(ABC):
    """A server the harness reaches or starts; ``with server:`` starts it and stops it."""

    action = "starting"
    """What the live line says while ``start`` runs ("reaching" for a server run elsewhere)."""

    @property
    def label(self) -> str:
        """What is started, known before it is (``MySQL (local mariadbd)``)."""
        return type(self).__name__

    @property
    def where(self) -> str:
        """Where the started server answers (for the live line; empty when unknown)."""
        return ""

    @abstractmethod
    def start(self) -> Self:
        """Start or reach the server; raise ProvisioningError if that fails."""

    @abstractmethod
    def stop(self) -> None:
        """Stop the server and remove what was created; safe to call twice."""

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
