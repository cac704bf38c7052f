"""API representations of projects, their verdicts and findings with evidence."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from audits.models import Curation, Finding, Verdict
from audits.rules.types import DATA_FACETS
from registry.models import Project


class CurationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Curation
        fields = ["status", "license", "reason", "evidence_url", "created_at"]


class FindingSerializer(serializers.ModelSerializer):
    status = serializers.CharField(source="effective_status", help_text="Curated value if any.")
    license = serializers.CharField(source="effective_license", allow_blank=True)
    tool_status = serializers.CharField(source="status", help_text="What the auditor found.")
    tool_license = serializers.CharField(source="license", allow_blank=True)
    curation = CurationSerializer(allow_null=True)

    class Meta:
        model = Finding
        fields = [
            "component",
            "label",
            "status",
            "license",
            "reason",
            "evidence",
            "declared_license",
            "tool_status",
            "tool_license",
            "curation",
        ]


class VerdictSerializer(serializers.ModelSerializer):
    mof_class = serializers.CharField(allow_null=True)
    stale = serializers.SerializerMethodField()
    stale_since = serializers.SerializerMethodField()
    stale_reason = serializers.SerializerMethodField()
    rules_version = serializers.CharField(source="run.rules_version")
    audit_id = serializers.IntegerField(source="run_id")

    class Meta:
        model = Verdict
        fields = [
            "osaid",
            "osaid_unmet",
            "mof_class",
            "mof_progress",
            "mof_unmet",
            "category",
            "score",
            "gated",
            "stale",
            "stale_since",
            "stale_reason",
            "rules_version",
            "audit_id",
        ]

    def to_representation(self, instance: Verdict) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["mof_class"] = instance.mof_class or None
        return data

    def get_stale(self, verdict: Verdict) -> bool:
        return self.context["project"].stale

    def get_stale_since(self, verdict: Verdict) -> str | None:
        since = self.context["project"].stale_since
        return since.isoformat() if since else None

    def get_stale_reason(self, verdict: Verdict) -> str:
        return self.context["project"].stale_reason


class ProjectDetailSerializer(serializers.ModelSerializer):
    organization = serializers.CharField(source="organization.name")
    verdict = serializers.SerializerMethodField()
    components = serializers.SerializerMethodField()
    access = serializers.SerializerMethodField()
    data_information = serializers.SerializerMethodField()
    artifacts = serializers.SerializerMethodField()

    class Meta:
        model = Project
        fields = [
            "slug",
            "name",
            "kind",
            "organization",
            "family",
            "summary",
            "homepage",
            "audited_at",
            "verdict",
            "components",
            "access",
            "data_information",
            "artifacts",
        ]

    def _findings(self, project: Project) -> list[Finding]:
        verdict = project.current_verdict
        return list(verdict.run.findings.all()) if verdict else []

    def get_verdict(self, project: Project) -> dict[str, Any] | None:
        if project.current_verdict is None:
            return None
        return VerdictSerializer(project.current_verdict, context={"project": project}).data

    def get_components(self, project: Project) -> list[dict[str, Any]]:
        rows = [f for f in self._findings(project) if f.component not in ("access", *DATA_FACETS)]
        return FindingSerializer(rows, many=True).data

    def get_access(self, project: Project) -> dict[str, Any] | None:
        rows = [f for f in self._findings(project) if f.component == "access"]
        return FindingSerializer(rows[0]).data if rows else None

    def get_data_information(self, project: Project) -> list[dict[str, Any]]:
        rows = [f for f in self._findings(project) if f.component in DATA_FACETS]
        return FindingSerializer(rows, many=True).data

    def get_artifacts(self, project: Project) -> list[dict[str, Any]]:
        return [
            {
                "source": a.source,
                "locator": a.locator,
                "url": a.url,
                "serves": a.serves,
                "declared_license": a.declared_license_text or None,
            }
            for a in project.artifacts.all()
        ]
