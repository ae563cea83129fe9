"""Contract cases, the run recorder and the runner that compares two backends."""

from harness.contract.cases import ContractCase, case, registered_cases
from harness.contract.run import CallFailed, Run
from harness.contract.runner import CaseResult, CaseStatus, SideRun, execute, run_case

__all__ = [
    "CallFailed",
    "CaseResult",
    "CaseStatus",
    "ContractCase",
    "Run",
    "SideRun",
    "case",
    "execute",
    "registered_cases",
    "run_case",
]
