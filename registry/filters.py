"""Filters of the project list: every one in the API schema, bad values answered with a 400."""

from __future__ import annotations

from datetime import MINYEAR, UTC, datetime
from typing import Any

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q, QuerySet
from django_filters.fields import IsoDateTimeField
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
MOMENT_FORMAT = (
    "Enter a date and time in ISO 8601, e.g. 2024-05-01, 2024-05-01T12:00:00Z or "
    "2024-05-01T12:00:00+05:30."
)


def as_utc(moment: datetime) -> datetime:
    """The same moment in UTC, clamped to the years Python counts.

    PostgreSQL refuses offsets beyond ±15:59 that ISO 8601 allows (-20:29), so every moment a
    client sends reaches the database in UTC.
    """
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        # 0001-01-01T00:00+05:30 is before datetime.min in UTC; "since then" means everything.
        if moment.year == MINYEAR:
            return datetime.min.replace(tzinfo=UTC)
        return datetime.max.replace(tzinfo=UTC)


class MomentField(IsoDateTimeField):
    """An ISO 8601 date, or date and time with any offset, as a moment in UTC."""

    default_error_messages = {"invalid": MOMENT_FORMAT}

    def to_python(self, value: Any) -> datetime | None:
        if isinstance(value, str) and "\x00" in value:
            # datetime.fromisoformat stops reading at a NUL and would accept what precedes it.
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        moment = super().to_python(value)
        return None if moment is None else as_utc(moment)


class MomentFilter(django_filters.IsoDateTimeFilter):
    """Compares with a moment written in ISO 8601; a bad one is a 400 that shows the format."""

    field_class = MomentField


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
    audited_since = MomentFilter(
        field_name="audited_at",
        lookup_expr="gte",
        help_text="Projects audited at or after this moment (ISO 8601, any offset).",
    )
    changed_since = MomentFilter(
        method="filter_changed_since",
        help_text="Projects with a change recorded at or after this moment (ISO 8601, any offset).",
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

    def filter_changed_since(
        self, queryset: QuerySet[Project], name: str, value: datetime
    ) -> QuerySet[Project]:
        # The datetime hint is what the API schema documents the parameter with.
        changes = Change.objects.filter(project=OuterRef("pk"), created_at__gte=value)
        if kind := self.form.cleaned_data.get("change_kind"):
            changes = changes.filter(kind=kind)
        if changed := self.form.cleaned_data.get("change_component"):
            changes = changes.filter(component=changed)
        return queryset.filter(Exists(changes))

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
        if not data.get("changed_since") and (
            data.get("change_kind") or data.get("change_component")
        ):
            raise ValidationError({"changed_since": ["change_kind and change_component need it."]})
        return queryset


class ChangeFilter(django_filters.FilterSet):
    since = MomentFilter(
        field_name="created_at",
        lookup_expr="gte",
        help_text="Changes recorded at or after this moment (ISO 8601, any offset).",
    )
    kind = django_filters.ChoiceFilter(choices=CHANGE_KIND_CHOICES)
    component = django_filters.ChoiceFilter(choices=COMPONENT_CHOICES)
    project = django_filters.CharFilter(field_name="project__slug")

    class Meta:
        model = Change
        fields: list[str] = []
