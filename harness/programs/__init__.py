"""Generated differential programs: call sequences Hypothesis builds from a target's
Protocols, run on both backends in lockstep, shrunk on a difference and written out as
ordinary ``@case`` functions."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from harness.programs.machine import (
        DEFAULT_STEPS,
        Exploration,
        ExploreSettings,
        FoundProgram,
        ProgramDiverged,
        datasets_of,
        explore,
    )
    from harness.programs.model import Handle, Program, ProgramCall, Unknown, replay

_WHERE = {
    "DEFAULT_STEPS": "harness.programs.machine",
    "Exploration": "harness.programs.machine",
    "ExploreSettings": "harness.programs.machine",
    "FoundProgram": "harness.programs.machine",
    "ProgramDiverged": "harness.programs.machine",
    "datasets_of": "harness.programs.machine",
    "explore": "harness.programs.machine",
    "Handle": "harness.programs.model",
    "Program": "harness.programs.model",
    "ProgramCall": "harness.programs.model",
    "Unknown": "harness.programs.model",
    "replay": "harness.programs.model",
}
"""Names and their modules: the machine imports Hypothesis, so it loads on first use only
(a run without generated programs never imports Hypothesis)."""

__all__ = [
    "DEFAULT_STEPS",
    "Exploration",
    "ExploreSettings",
    "FoundProgram",
    "Handle",
    "Program",
    "ProgramCall",
    "ProgramDiverged",
    "Unknown",
    "datasets_of",
    "explore",
    "replay",
]


def __getattr__(name: str) -> Any:
    try:
        module = _WHERE[name]
    except KeyError:
        raise AttributeError(f"module 'harness.programs' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
