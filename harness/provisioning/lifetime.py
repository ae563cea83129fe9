"""Provisioned servers die with the run that started them.

A pytest killed with SIGKILL runs no finaliser, so a ``mariadbd`` or moto child it started
used to keep running. On Linux each child asks the kernel, between fork and exec, to be
sent SIGKILL when its parent dies (``prctl(PR_SET_PDEATHSIG, SIGKILL)``), and exits at once
if the parent is already gone. Elsewhere nothing is set (the normal stop still runs).
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from collections.abc import Callable

__all__ = ["die_with_parent"]

PR_SET_PDEATHSIG = 1


def die_with_parent() -> Callable[[], None] | None:
    """A ``preexec_fn`` for ``subprocess.Popen`` that ties the child's life to this process
    (``None`` where the platform cannot)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl  # resolved here, not in the child
    except (OSError, AttributeError):
        return None
    parent = os.getpid()

    def tie() -> None:
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:  # the parent died before the call took effect
            os._exit(1)

    return tie
