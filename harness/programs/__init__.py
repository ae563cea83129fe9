"""Generated differential programs: call sequences Hypothesis builds from a target's
Protocols, run on both backends in lockstep, shrunk on a difference and written out as
ordinary ``@case`` functions."""

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
