"""What each interface call costs on each backend: DynamoDB capacity units, MySQL rows
examined and scans, request counts and latency (see docs/cost.md)."""

from __future__ import annotations

from harness.cost.events import CostSink, RequestCost, ignore_cost

__all__ = ["CostSink", "RequestCost", "ignore_cost"]
