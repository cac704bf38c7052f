"""Pages that explain the judgements: the licenses in use, one license, and the methodology."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Lower
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from audits import rules
from audits.rules import frameworks, types
from registry import components, licenses, published
from registry.badges import OSAID_WORDS
from registry.models import Artifact, License, Project

# How a license's openness for one kind of content reads on the pages.
OPENNESS_WORDS: Mapping[str, str] = MappingProxyType(
    {"open": "open", "restricted": "restricted", "unknown": "not judged"}
)
# The status-* class of site.css that colours an OSAID verdict; the words carry the meaning.
OSAID_STATUS_CLASS: Mapping[str, str] = MappingProxyType(
    {
        "open-source-ai": "open",
        "not-open-source-ai": "closed",
        "insufficient-evidence": "unknown",
        "": "unknown",
    }
)


@dataclass(frozen=True)
class Openness:
    """Whether a license is open for one kind of content, in words, and why."""

    content: str
    noun: str
    status: str
    words: str
    reason: str


@dataclass(frozen=True)
class LicenseRule:
    """One row of the license rules, in words: when a license is open for a kind of content."""

    content: str
    noun: str
    open_if: str
    otherwise: str
    otherwise_reason: str


def either(words: Iterable[str]) -> str:
    """'a', 'a or b', 'a, b or c'."""
    items = list(words)
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} or {items[-1]}"


def openness(license_row: License) -> list[Openness]:
    """The license classified for every content type, in the order of the license rules."""
    found = []
    for content, rule in licenses.RULES.items():
        result = license_row.classify(content)
        found.append(
            Openness(
                content, rule.noun, result.status, OPENNESS_WORDS[result.status], result.reason
            )
        )
    return found


def license_rules() -> list[LicenseRule]:
    """The license rules per content type, with each criterion's label as the code states it."""
    categories = either(sorted(licenses.OPEN_CATEGORIES))
    return [
        LicenseRule(
            content=content,
            noun=rule.noun,
            open_if=either(c.label.format(category=categories) for c in rule.open_if),
            otherwise=OPENNESS_WORDS.get(rule.otherwise, rule.otherwise),
            otherwise_reason=rule.otherwise_reason,
        )
        for content, rule in licenses.RULES.items()
    ]


def _listed_project_count() -> Count:
    return Count(
        "projects", filter=Q(projects__review_state=Project.ReviewState.LISTED), distinct=True
    )


def license_list(request: HttpRequest) -> HttpResponse:
    """`/licenses/`: every license a listed project's findings name, and what it is open for."""
    in_use = (
        License.objects.annotate(project_count=_listed_project_count())
        .filter(project_count__gt=0)
        .order_by("id")
    )
    context = {
        "licenses": [(row, openness(row)) for row in in_use],
        "license_rules": license_rules(),
        "restricting_categories": either(licenses.RESTRICTING_CATEGORIES),
    }
    return render(request, "registry/license_list.html", context)


def license_detail(request: HttpRequest, license_id: str) -> HttpResponse:
    """`/licenses/<id>/`: one license's facts, openness per content type and its projects."""
    license_row = get_object_or_404(License, pk=license_id)
    context = {
        "license": license_row,
        "openness": openness(license_row),
        "restriction": licenses.RESTRICTING_CATEGORIES.get(license_row.category, ""),
        "projects": [
            {
                "project": project,
                "osaid_words": OSAID_WORDS.get(project.osaid, project.osaid),
                "osaid_class": OSAID_STATUS_CLASS.get(project.osaid, "unknown"),
            }
            for project in license_row.projects.listed()
            .select_related("organization")
            .order_by("name")
        ],
    }
    return render(request, "registry/license_detail.html", context)


def _labels(component_ids: Iterable[str]) -> list[str]:
    return [components.BY_ID[c].label for c in component_ids]


def methodology_context() -> dict[str, Any]:
    """Everything the methodology page says, read from the rules' own tables at request time."""
    component_rules = rules.COMPONENT_RULES
    noun = {content: rule.noun for content, rule in licenses.RULES.items()}
    mof_classes = []
    cumulative = 0
    for mof_class, adds in frameworks.MOF_CLASSES.items():
        cumulative += len(adds)
        mof_classes.append(
            {
                "name": mof_class,
                "adds": _labels(adds),
                "optional": _labels(frameworks.MOF_OPTIONAL.get(mof_class, ())),
                "required_count": cumulative,
            }
        )
    hub_ids = licenses.HF_LICENSES
    return {
        "rules_version": rules.RULES_VERSION,
        "components": [
            {
                "id": c.id,
                "label": c.label,
                "group": c.group,
                "content_type": c.content_type,
                "noun": noun[c.content_type],
                "open_when": component_rules[c.id].open_when,
                "required_by": component_rules[c.id].required_by,
            }
            for c in components.COMPONENTS
        ],
        "statuses": [
            (status, types.STATUS_MEANINGS[status])
            for status in types.STATUSES
            if status in types.STATUS_MEANINGS
        ],
        "status_order": rules.STATUS_ORDER,
        "not_found_limit": rules.NOT_FOUND_LIMIT,
        "license_rules": license_rules(),
        "open_categories": sorted(licenses.OPEN_CATEGORIES),
        "restricting_categories": list(licenses.RESTRICTING_CATEGORIES.items()),
        "unstated_categories": sorted(licenses.UNSTATED_CATEGORIES),
        "osaid_required": _labels(frameworks.OSAID_COMPONENTS),
        "osaid_when_declared": _labels(frameworks.OSAID_WHEN_DECLARED),
        "osaid_facets": [frameworks.FACET_LABELS[f] for f in types.DATA_FACETS],
        "mof_classes": mof_classes,
        "mof_stand_ins": [
            (components.BY_ID[c].label, components.BY_ID[s].label)
            for c, s in frameworks.MOF_STANDS_IN.items()
        ],
        "score_weights": list(rules.SCORE_WEIGHTS.items()),
        "component_count": len(components.COMPONENTS),
        "hub_license_count": len(hub_ids),
        "hub_licenses_with_text": sum(1 for target in hub_ids.values() if target is not None),
        "hub_license_names": len(licenses.HF_LICENSE_NAMES),
    }


def methodology(request: HttpRequest) -> HttpResponse:
    """`/methodology/`: how findings and verdicts are made, generated from the rules' tables."""
    return render(request, "registry/methodology.html", methodology_context())


def agreement_rows() -> list[tuple[Project, published.Comparison]]:
    """Every listed project whose Hub model OSI or MOT judged, beside its current verdict.

    One query: the project's first declared Hub model is read by a subquery, as published_for
    reads it from the artifacts.
    """
    hub_model = (
        Artifact.objects.filter(project=OuterRef("pk"), source=Artifact.Source.HF_MODEL)
        .order_by("position", "pk")
        .values("locator")[:1]
    )
    projects = (
        Project.objects.listed()
        .annotate(hub_model=Lower(Subquery(hub_model)))
        .filter(hub_model__in=published.published_ids())
        .select_related("current_verdict")
        .order_by("name", "slug")
    )
    return [
        (project, published.compare(entry, project.current_verdict))
        for project in projects
        if (entry := published.for_hub_id(project.hub_model)) is not None
    ]


def agreement(request: HttpRequest) -> HttpResponse:
    """`/methodology/agreement/`: our verdicts beside OSI's and MOT's, and how often they agree."""
    rows = agreement_rows()
    context = {"rows": rows, "tally": published.tally(c for _, c in rows)}
    return render(request, "registry/agreement.html", context)
