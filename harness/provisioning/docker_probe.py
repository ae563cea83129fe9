"""Does a Docker engine answer? Asked once per process, before any container is constructed."""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass


@dataclass(frozen=True)
class DockerStatus:
    """Result of pinging the Docker engine; ``detail`` says what was seen (for the report)."""

    available: bool
    detail: str

    def __bool__(self) -> bool:
        return self.available


def ping_docker(timeout: float = 2.0) -> DockerStatus:
    """Ping the engine named by the environment (DOCKER_HOST or the default socket).

    Never raises: a missing ``docker`` package, a missing socket, a refused or slow
    connection all mean "not available", with the reason kept in ``detail``.
    """
    try:
        import docker
    except ImportError as exc:
        return DockerStatus(False, f"python package 'docker' not installed ({exc})")
    try:
        client = docker.from_env(timeout=max(1, round(timeout)))
        try:
            if client.ping():
                version = client.version().get("Version", "?")
                return DockerStatus(True, f"Docker engine {version} answered ping")
            return DockerStatus(False, "Docker engine did not answer ping")
        finally:
            client.close()
    except Exception as exc:  # any failure means "no usable engine"
        where = os.environ.get("DOCKER_HOST") or "default socket"
        return DockerStatus(False, f"Docker not answering at {where}: {_reason(exc)}")


@functools.cache
def docker_status() -> DockerStatus:
    """The (cached) Docker status for this process: the header and the fixtures share it."""
    return ping_docker()


_KNOWN_REASONS = (
    ("No such file or directory", "no socket there"),
    ("FileNotFoundError", "no socket there"),
    ("Connection refused", "connection refused"),
    ("Permission denied", "permission denied (is this user in the docker group?)"),
    ("timed out", "timed out"),
)


def _reason(exc: BaseException) -> str:
    """A short reason: the common cases by name, otherwise the first 120 characters."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    for marker, reason in _KNOWN_REASONS:
        if marker in text:
            return reason
    return (text[:120] + "...") if len(text) > 120 else text
