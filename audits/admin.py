"""Admin for audits: runs with their findings, snapshots, and moderators' curations."""

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from audits.choices import COMPONENT_CHOICES, STATUS_CHOICES
from audits.models import AuditRun, Change, Curation, Finding, Snapshot, SourceState, Verdict


class CurationForm(forms.ModelForm):
    component = forms.ChoiceField(choices=COMPONENT_CHOICES)
    status = forms.ChoiceField(choices=STATUS_CHOICES)
    evidence_url = forms.URLField(max_length=500, assume_scheme="https")

    class Meta:
        model = Curation
        fields = ["project", "component", "status", "license", "reason", "evidence_url", "active"]


@admin.register(Curation)
class CurationAdmin(admin.ModelAdmin):
    form = CurationForm
    list_display = [
        "project",
        "component",
        "status",
        "license",
        "active",
        "created_by",
        "created_at",
    ]
    list_filter = ["active", "component"]
    autocomplete_fields = ["project"]

    def save_model(self, request: HttpRequest, obj: Curation, form: Any, change: bool) -> None:
        if not change:
            obj.created_by = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)


class FindingInline(admin.TabularInline):
    model = Finding
    extra = 0
    can_delete = False
    fields = ["component", "status", "license", "reason", "curation"]
    readonly_fields = fields


@admin.register(AuditRun)
class AuditRunAdmin(admin.ModelAdmin):
    list_display = [
        "pk",
        "project",
        "trigger",
        "state",
        "attempt",
        "complete",
        "queued_at",
        "finished_at",
    ]
    list_filter = ["state", "trigger", "complete"]
    list_select_related = ["project"]
    inlines = [FindingInline]
    readonly_fields = [
        "project",
        "trigger",
        "state",
        "attempt",
        "rules_version",
        "complete",
        "queued_at",
        "started_at",
        "finished_at",
        "error",
    ]


@admin.register(Snapshot)
class SnapshotAdmin(admin.ModelAdmin):
    list_display = ["source", "locator", "fetched_at", "revision", "origin"]
    list_filter = ["source", "origin"]
    search_fields = ["locator"]


@admin.register(SourceState)
class SourceStateAdmin(admin.ModelAdmin):
    list_display = [
        "source",
        "locator",
        "state",
        "checked_at",
        "not_found_count",
        "unreachable_since",
    ]
    list_filter = ["source", "state"]
    search_fields = ["locator"]
    raw_id_fields = ["latest_snapshot"]


@admin.register(Verdict)
class VerdictAdmin(admin.ModelAdmin):
    list_display = ["project", "osaid", "mof_class", "category", "score", "gated", "created_at"]
    list_filter = ["osaid", "mof_class", "category"]
    raw_id_fields = ["run"]


@admin.register(Change)
class ChangeAdmin(admin.ModelAdmin):
    list_display = ["project", "kind", "component", "before", "after", "created_at"]
    list_filter = ["kind"]
    raw_id_fields = ["run"]
