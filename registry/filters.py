"""Filters of the project list: every one in the API schema, bad values answered with a 400."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Exists, OuterRef, Q, QuerySet
from rest_framework.exceptions import ValidationError

from audits.choices import COMPONENT_CHOICES, STATUS_CHOICES
from audits.models import Change, Finding
from registry import licenses
from registry.components import KINDS
from registry.models import MOF_RANKS, Project

OSAID_CHOICES = [
    ("open-source-ai", "Open source AI"),
    ("not-open-source-ai", "Not open source AI"),
    ("insufficient-evidence", "Insufficient evidence"),
]
CATEGORY_CHOICES = [
    ("open-source-ai", "Open source AI"),
    ("open-weights", "Open weights"),
    ("restricted-weights", "Restricted weights"),
    ("closed", "Closed"),
]
MOF_EXACT_CHOICES = [("III", "Class III"), ("II", "Class II"), ("I", "Class I")]
MOF_CHOICES = [("III", "Class III or better"), ("II", "Class II or better"), ("I", "Class I")]
LICENSE_CATEGORY_CHOICES = [
    (c, c)
    for c in (
        "Permissive",
        "Copyleft",
        "Copyleft Limited",
        "Public Domain",
        "Proprietary Free",
        "Free Restricted",
        "Source-available",
        "Commercial",
        "Patent License",
        "CLA",
        "Unstated License",
    )
]
CHANGE_KIND_CHOICES = Change.Kind.choices
# Only these two words: a lenient boolean would read a typo as "no filter".
BOOLEAN_CHOICES = [("true", "true"), ("false", "false")]


class ProjectFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_q",
        max_length=200,
        help_text="Full-text search over name, organization, "
        "family and summary (name and organization weigh most).",
    )
    osaid = django_filters.ChoiceFilter(choices=OSAID_CHOICES, help_text="OSAID 1.0 status.")
    category = django_filters.ChoiceFilter(choices=CATEGORY_CHOICES, help_text="Plain category.")
    mof_class_min = django_filters.ChoiceFilter(
        choices=MOF_CHOICES, method="filter_mof_class_min", help_text="Lowest MOF class accepted."
    )
    mof_class = django_filters.ChoiceFilter(
        choices=[*MOF_EXACT_CHOICES, ("none", "No class")],
        method="filter_mof_class",
        help_text="Exactly this MOF class (none: no class reached).",
    )
    kind = django_filters.ChoiceFilter(choices=KINDS)
    organization = django_filters.CharFilter(
        field_name="organization__slug", help_text="Organization slug, e.g. eleutherai."
    )
    family = django_filters.CharFilter(help_text="Family slug, e.g. pythia.")
    license = django_filters.CharFilter(
        method="filter_license",
        help_text="A license any current finding names: SPDX id, LicenseRef id or Hub id "
        "(apache-2.0, llama2).",
    )
    license_category = django_filters.ChoiceFilter(
        choices=LICENSE_CATEGORY_CHOICES,
        method="filter_license_category",
        help_text="ScanCode category of a license any current finding names.",
    )
    gated = django_filters.ChoiceFilter(
        choices=BOOLEAN_CHOICES, method="filter_gated", help_text="Weights behind a gate."
    )
    open_washing = django_filters.ChoiceFilter(
        choices=BOOLEAN_CHOICES,
        method="filter_open_washing",
        help_text="Called open source by its card, a README or its summary, but not open "
        "source AI.",
    )
    stale = django_filters.ChoiceFilter(
        choices=BOOLEAN_CHOICES,
        method="filter_stale",
        help_text="The latest audits could not confirm the verdict.",
    )
    component = django_filters.ChoiceFilter(
        choices=COMPONENT_CHOICES,
        method="filter_noop",
        help_text="With component_status: a component's current status, e.g. final-weights.",
    )
    component_status = django_filters.ChoiceFilter(
        choices=STATUS_CHOICES,
        method="filter_noop",
        help_text="With component: the status it must have (curated value when curated).",
    )
    audited_since = django_filters.IsoDateTimeFilter(field_name="audited_at", lookup_expr="gte")
    changed_since = django_filters.IsoDateTimeFilter(
        method="filter_noop", help_text="Projects with a change recorded at or after this time."
    )
    change_kind = django_filters.ChoiceFilter(
        choices=CHANGE_KIND_CHOICES, method="filter_noop", help_text="With changed_since."
    )
    change_component = django_filters.ChoiceFilter(
        choices=COMPONENT_CHOICES, method="filter_noop", help_text="With changed_since."
    )

    class Meta:
        model = Project
        fields: list[str] = []

    def filter_noop(self, queryset: QuerySet[Project], name: str, value: Any) -> QuerySet[Project]:
        # Filters that only make sense together are applied in filter_queryset.
        return queryset

    def filter_q(self, queryset: QuerySet[Project], name: str, value: str) -> QuerySet[Project]:
        return queryset.search(value) if value.strip() else queryset  # type: ignore[attr-defined]

    def filter_mof_class(
        self, queryset: QuerySet[Project], name: str, value: str
    ) -> QuerySet[Project]:
        return queryset.filter(mof_class="" if value == "none" else value)

    def filter_mof_class_min(
        self, queryset: QuerySet[Project], name: str, value: str
    ) -> QuerySet[Project]:
        return queryset.filter(mof_rank__gte=MOF_RANKS[value])

    def filter_license(
        self, queryset: QuerySet[Project], name: str, value: str
    ) -> QuerySet[Project]:
        canonical = licenses.normalise(value)
        if canonical is None:
            raise ValidationError({"license": [f"{value!r} is not a license we recognise."]})
        return queryset.filter(licenses__id=canonical).distinct()

    def filter_license_category(
        self, queryset: QuerySet[Project], name: str, value: str
    ) -> QuerySet[Project]:
        return queryset.filter(licenses__category=value).distinct()

    def filter_gated(self, queryset: QuerySet[Project], name: str, value: str) -> QuerySet[Project]:
        return queryset.filter(gated=value == "true")

    def filter_open_washing(
        self, queryset: QuerySet[Project], name: str, value: str
    ) -> QuerySet[Project]:
        return queryset.filter(open_washing=value == "true")

    def filter_stale(self, queryset: QuerySet[Project], name: str, value: str) -> QuerySet[Project]:
        return queryset.filter(stale_since__isnull=value != "true")

    def filter_queryset(self, queryset: QuerySet[Project]) -> QuerySet[Project]:
        queryset = super().filter_queryset(queryset)
        data = self.form.cleaned_data
        component, status = data.get("component"), data.get("component_status")
        if bool(component) != bool(status):
            raise ValidationError(
                {
                    "component_status" if component else "component": [
                        "component and component_status go together."
                    ]
                }
            )
        if component:
            findings = Finding.objects.filter(
                run_id=OuterRef("current_verdict__run_id"), component=component
            ).filter(Q(curation__isnull=True, status=status) | Q(curation__status=status))
            queryset = queryset.filter(Exists(findings))
        if since := data.get("changed_since"):
            changes = Change.objects.filter(project=OuterRef("pk"), created_at__gte=since)
            if kind := data.get("change_kind"):
                changes = changes.filter(kind=kind)
            if changed := data.get("change_component"):
                changes = changes.filter(component=changed)
            queryset = queryset.filter(Exists(changes))
        elif data.get("change_kind") or data.get("change_component"):
            raise ValidationError({"changed_since": ["change_kind and change_component need it."]})
        return queryset


class ChangeFilter(django_filters.FilterSet):
    since = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    kind = django_filters.ChoiceFilter(choices=CHANGE_KIND_CHOICES)
    component = django_filters.ChoiceFilter(choices=COMPONENT_CHOICES)
    project = django_filters.CharFilter(field_name="project__slug")

    class Meta:
        model = Change
        fields: list[str] = []
