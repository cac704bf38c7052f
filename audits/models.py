"""Audit records: snapshots, runs, findings, verdicts and changes (built by the audit engine)."""
