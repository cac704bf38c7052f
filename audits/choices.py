"""Choices for forms, filters and serializers: what a finding can be about, and its statuses."""

from audits.rules.types import DATA_FACETS, STATUSES
from registry.components import COMPONENTS

COMPONENT_CHOICES: list[tuple[str, str]] = (
    [(c.id, c.label) for c in COMPONENTS]
    + [("access", "Access")]
    + [(facet, facet.replace("-", " ").capitalize()) for facet in DATA_FACETS]
)
# Component statuses, then access levels, then training-data disclosure levels.
STATUS_CHOICES: list[tuple[str, str]] = [(s, s) for s in STATUSES] + [
    (s, s) for s in ("none", "auto", "manual", "disclosed", "partial", "not-disclosed")
]
