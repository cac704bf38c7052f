"""The audit engine's pure rules: observations and a declared record in, findings and a verdict out.

Imports nothing from Django, so rules run anywhere and are tested with plain dicts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from audits.rules.claims import claims_finding, lineage_finding
from audits.rules.components import (
    COMPONENT_RULES,
    NOT_FOUND_LIMIT,
    STATUS_ORDER,
    ComponentRule,
    access_finding,
    component_findings,
)
from audits.rules.data_information import facet_findings
from audits.rules.discovered import with_discovered
from audits.rules.frameworks import SCORE_WEIGHTS, verdict
from audits.rules.license_agreement import license_agreement_finding
from audits.rules.types import AuditInput, Curation, Finding

__all__ = [
    "COMPONENT_RULES",
    "NOT_FOUND_LIMIT",
    "RULES_VERSION",
    "SCORE_WEIGHTS",
    "STATUS_ORDER",
    "ComponentRule",
    "evaluate",
    "verdict",
]

# Bump whenever a rule changes what it finds: every project is then re-evaluated from its
# stored snapshots. Year.month.release-within-the-month.
RULES_VERSION = "2026.12.1"


def _curated(finding: Finding, curations: Sequence[Curation]) -> Finding:
    matching = [c for c in curations if c.component == finding.component]
    # Curations arrive oldest first; the latest correction is the one that stands.
    return replace(finding, curation=matching[-1]) if matching else finding


def evaluate(audit: AuditInput) -> tuple[Finding, ...]:
    """All findings of one audit: 17 components in registry order, access, the data facets,
    then lineage, open-source claims and whether the license statements agree.

    What the sources lead to (discovery) is judged with what the record declares. A curation
    is attached to its finding; the tool's own status stays in `Finding.status`.
    """
    full = with_discovered(audit, audit.rejected)
    findings = (
        *component_findings(full),
        access_finding(full),
        *facet_findings(full),
        lineage_finding(full),
        claims_finding(full),
        license_agreement_finding(full),
    )
    return tuple(_curated(f, audit.curations) for f in findings)
