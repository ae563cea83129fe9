"""Baseline and compatibility reports, the divergence ledger, and what the gate reads."""
