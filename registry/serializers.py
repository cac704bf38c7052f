"""API representations: projects with verdicts and evidence, audits, changes, licenses."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from audits import lineage
from audits.choices import COMPONENT_CHOICES, STATUS_CHOICES
from audits.models import AuditRun, Change, Curation, Finding, Verdict
from audits.rules.types import DATA_FACETS
from registry import licenses, published
from registry.components import COMPONENT_IDS
from registry.models import DiscoveredArtifact, License, Organization, Project

EVIDENCE_SCHEMA = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {
            "source": {"type": "string", "example": "hf-model"},
            "locator": {"type": "string", "example": "EleutherAI/pythia-6.9b"},
            "field": {"type": "string", "example": "cardData.license"},
            "value": {"description": "The value seen, as JSON.", "example": "apache-2.0"},
            "url": {"type": "string", "format": "uri"},
            "snapshot_id": {"type": "integer", "nullable": True},
            "fetched_at": {"type": "string", "format": "date-time", "nullable": True},
        },
    },
}


class CurationSerializer(serializers.ModelSerializer):
    component = serializers.ChoiceField(choices=COMPONENT_CHOICES)
    status = serializers.ChoiceField(choices=STATUS_CHOICES)

    class Meta:
        model = Curation
        fields = ["component", "status", "license", "reason", "evidence_url", "created_at"]
        read_only_fields = ["created_at"]

    def validate_license(self, value: str) -> str:
        if value and licenses.normalise(value) is None and " " not in value:
            raise serializers.ValidationError(f"{value!r} is not a license we recognise.")
        return licenses.normalise(value) or value


class FindingSerializer(serializers.ModelSerializer):
    status = serializers.CharField(
        source="effective_status", help_text="The curated status if a moderator set one."
    )
    license = serializers.CharField(source="effective_license", allow_blank=True)
    tool_status = serializers.CharField(source="status", help_text="What the auditor found.")
    tool_license = serializers.CharField(source="license", allow_blank=True)
    evidence = serializers.JSONField(help_text="Which snapshot, which field, the value seen.")
    curation = CurationSerializer(allow_null=True, help_text="A moderator's correction, if any.")

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


extend_schema_field(EVIDENCE_SCHEMA)(FindingSerializer._declared_fields["evidence"])


class LineageBaseSerializer(serializers.Serializer):
    """One base model of the chain, and the listed project that publishes it, if any."""

    locator = serializers.CharField(help_text="The base model's Hub id.")
    source_url = serializers.URLField(help_text="Its page on the Hub.")
    slug = serializers.CharField(
        allow_null=True, help_text="The listed project that publishes this base, if any."
    )
    url = serializers.URLField(allow_null=True, help_text="That project's page.")
    api_url = serializers.URLField(allow_null=True, help_text="That project in this API.")


class LineageSerializer(FindingSerializer):
    chain = serializers.SerializerMethodField(
        help_text="The base models it derives from, nearest first, linked to their projects."
    )

    class Meta(FindingSerializer.Meta):
        fields = [*FindingSerializer.Meta.fields, "chain"]

    @extend_schema_field(LineageBaseSerializer(many=True))
    def get_chain(self, finding: Finding) -> list[dict[str, Any]]:
        return self.context.get("chain", [])


class VerdictSerializer(serializers.ModelSerializer):
    mof_class = serializers.SerializerMethodField()
    stale = serializers.SerializerMethodField()
    stale_since = serializers.SerializerMethodField()
    stale_reason = serializers.SerializerMethodField()
    rules_version = serializers.CharField(source="run.rules_version")
    audit_id = serializers.IntegerField(source="run_id")
    mof_progress = serializers.DictField(
        child=serializers.FloatField(), help_text="Share of each class's components met."
    )
    mof_unmet = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Each class's required components not met.",
    )
    osaid_unmet = serializers.ListField(child=serializers.CharField())
    lineage = serializers.ListField(
        child=serializers.CharField(), help_text="Base models it derives from, nearest first."
    )
    open_washing = serializers.BooleanField(
        help_text="Its card, a README or its summary calls it open source, but it is not."
    )

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
            "lineage",
            "open_washing",
            "stale",
            "stale_since",
            "stale_reason",
            "rules_version",
            "audit_id",
            "created_at",
        ]

    @extend_schema_field(serializers.ChoiceField(choices=["I", "II", "III"], allow_null=True))
    def get_mof_class(self, verdict: Verdict) -> str | None:
        return verdict.mof_class or None

    def _project(self, verdict: Verdict) -> Project | None:
        return self.context.get("project")

    def get_stale(self, verdict: Verdict) -> bool:
        project = self._project(verdict)
        return bool(project and project.current_verdict_id == verdict.pk and project.stale)

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_stale_since(self, verdict: Verdict) -> str | None:
        project = self._project(verdict)
        if project and project.stale and project.current_verdict_id == verdict.pk:
            return project.stale_since.isoformat()  # type: ignore[union-attr]
        return None

    def get_stale_reason(self, verdict: Verdict) -> str:
        project = self._project(verdict)
        return project.stale_reason if project and project.stale else ""


class VerdictSummarySerializer(serializers.Serializer):
    """The current verdict as copied onto the project, for lists (no extra queries)."""

    osaid = serializers.CharField()
    mof_class = serializers.CharField(allow_null=True)
    category = serializers.CharField()
    score = serializers.IntegerField()
    gated = serializers.BooleanField()
    stale = serializers.BooleanField()


class ProjectListSerializer(serializers.ModelSerializer):
    organization = serializers.CharField(source="organization.name")
    organization_slug = serializers.CharField(source="organization.slug")
    verdict = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()
    api_url = serializers.SerializerMethodField()

    class Meta:
        model = Project
        fields = [
            "slug",
            "name",
            "kind",
            "organization",
            "organization_slug",
            "family",
            "audited_at",
            "verdict",
            "url",
            "api_url",
        ]

    @extend_schema_field(VerdictSummarySerializer(allow_null=True))
    def get_verdict(self, project: Project) -> dict[str, Any] | None:
        if not project.current_verdict_id:
            return None
        return {
            "osaid": project.osaid,
            "mof_class": project.mof_class or None,
            "category": project.category,
            "score": project.score,
            "gated": bool(project.gated),
            "stale": project.stale,
        }

    def get_url(self, project: Project) -> str:
        return self._absolute(project.get_absolute_url())

    def get_api_url(self, project: Project) -> str:
        return self._absolute(f"/api/v1/projects/{project.slug}/")

    def _absolute(self, path: str) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class ArtifactSerializer(serializers.Serializer):
    source = serializers.CharField()
    locator = serializers.CharField()
    url = serializers.URLField()
    serves = serializers.ListField(child=serializers.CharField())
    declared_license = serializers.CharField(source="declared_license_text", allow_blank=True)


class DiscoveredArtifactSerializer(serializers.ModelSerializer):
    url = serializers.URLField(help_text="A page a person can open for it.")
    found = serializers.ListField(
        child=serializers.DictField(), help_text="Evidence of how the audit found it."
    )

    class Meta:
        model = DiscoveredArtifact
        fields = [
            "id",
            "source",
            "locator",
            "url",
            "serves",
            "origin",
            "role",
            "depth",
            "found",
            "review",
            "still_found",
            "first_seen_at",
            "last_seen_at",
        ]


class PublishedVerdictSerializer(serializers.Serializer):
    """One framework's published verdict beside ours."""

    published = serializers.CharField(
        allow_null=True,
        help_text="The published verdict: for osi open-source-ai or not-open-source-ai, for mot "
        "the class I, II or III; null when there is none (or no class).",
    )
    listed = serializers.BooleanField(
        help_text="The publisher judged this model: OSI published a verdict, MOT lists it."
    )
    ours = serializers.CharField(
        allow_null=True,
        help_text="Our current verdict in the same terms; null when not audited (or no class).",
    )
    agrees = serializers.BooleanField(
        allow_null=True, help_text="Whether the two are equal; null when either side has none."
    )
    source = serializers.URLField(allow_null=True, help_text="Where the publisher says so.")
    differs_on = serializers.ListField(
        child=serializers.CharField(),
        help_text="Where we differ, the component ids that stand between: for osi our unmet "
        "OSAID requirements, for mot the published class's components we find unmet.",
    )
    note = serializers.CharField(
        allow_blank=True, help_text="Why we differ, in one sentence, when we do and it is known."
    )


class PublishedComparisonSerializer(serializers.Serializer):
    """The verdicts OSI and the Model Openness Tool published for a Hub model, beside ours."""

    osi = PublishedVerdictSerializer(
        help_text="OSI's validation against the Open Source AI Definition 1.0 and our OSAID status."
    )
    mot = PublishedVerdictSerializer(help_text="The Model Openness Tool's MOF class and ours.")


class ProjectDetailSerializer(ProjectListSerializer):
    verdict = serializers.SerializerMethodField()
    components = serializers.SerializerMethodField()
    access = serializers.SerializerMethodField()
    data_information = serializers.SerializerMethodField()
    lineage = serializers.SerializerMethodField(
        help_text="The lineage finding: the base models it derives from, and what follows."
    )
    artifacts = ArtifactSerializer(many=True)
    discovered = DiscoveredArtifactSerializer(
        many=True,
        help_text="What the audit found from the sources, apart from what the record declares.",
    )
    published = serializers.SerializerMethodField(
        help_text="The verdicts OSI and the Model Openness Tool published for its Hub model, "
        "beside ours; null when the model has no published entry."
    )

    class Meta(ProjectListSerializer.Meta):
        fields = [
            *ProjectListSerializer.Meta.fields,
            "summary",
            "homepage",
            "components",
            "access",
            "data_information",
            "lineage",
            "artifacts",
            "discovered",
            "published",
        ]

    def _findings(self, project: Project) -> list[Finding]:
        verdict = project.current_verdict
        return list(verdict.run.findings.all()) if verdict else []

    @extend_schema_field(VerdictSerializer(allow_null=True))
    def get_verdict(self, project: Project) -> dict[str, Any] | None:
        if project.current_verdict is None:
            return None
        return VerdictSerializer(project.current_verdict, context={"project": project}).data

    @extend_schema_field(FindingSerializer(many=True))
    def get_components(self, project: Project) -> list[dict[str, Any]]:
        rows = [f for f in self._findings(project) if f.component in COMPONENT_IDS]
        return FindingSerializer(rows, many=True).data

    @extend_schema_field(FindingSerializer(allow_null=True))
    def get_access(self, project: Project) -> dict[str, Any] | None:
        rows = [f for f in self._findings(project) if f.component == "access"]
        return FindingSerializer(rows[0]).data if rows else None

    @extend_schema_field(FindingSerializer(many=True))
    def get_data_information(self, project: Project) -> list[dict[str, Any]]:
        rows = [f for f in self._findings(project) if f.component in DATA_FACETS]
        return FindingSerializer(rows, many=True).data

    @extend_schema_field(PublishedComparisonSerializer(allow_null=True))
    def get_published(self, project: Project) -> dict[str, Any] | None:
        comparison = published.comparison_for(project)
        if comparison is None:
            return None
        return {
            item.framework: {
                "published": item.published,
                "listed": item.judged,
                "ours": item.ours,
                "agrees": item.agrees,
                "source": item.source_url,
                "differs_on": [gap.component for gap in item.gaps],
                "note": item.note,
            }
            for item in comparison.frameworks
        }

    @extend_schema_field(LineageSerializer(allow_null=True))
    def get_lineage(self, project: Project) -> dict[str, Any] | None:
        rows = [f for f in self._findings(project) if f.component == "lineage"]
        if not rows or project.current_verdict is None:
            return None
        chain = [
            {
                "locator": base.locator,
                "source_url": base.source_url,
                "slug": base.project.slug if base.project else None,
                "url": self.get_url(base.project) if base.project else None,
                "api_url": self.get_api_url(base.project) if base.project else None,
            }
            for base in lineage.chain_of(project.current_verdict.lineage, project=project)
        ]
        return LineageSerializer(rows[0], context={"chain": chain}).data


class AuditRunSerializer(serializers.ModelSerializer):
    project = serializers.CharField(source="project.slug")
    duration_seconds = serializers.FloatField(allow_null=True)
    verdict = serializers.SerializerMethodField()

    class Meta:
        model = AuditRun
        fields = [
            "id",
            "project",
            "trigger",
            "state",
            "attempt",
            "complete",
            "rules_version",
            "queued_at",
            "started_at",
            "finished_at",
            "duration_seconds",
            "error",
            "verdict",
        ]

    @extend_schema_field(VerdictSerializer(allow_null=True))
    def get_verdict(self, run: AuditRun) -> dict[str, Any] | None:
        verdict = getattr(run, "verdict", None)
        return VerdictSerializer(verdict).data if verdict is not None else None


class AuditRunDetailSerializer(AuditRunSerializer):
    findings = FindingSerializer(many=True)

    class Meta(AuditRunSerializer.Meta):
        fields = [*AuditRunSerializer.Meta.fields, "findings"]


class ChangeSerializer(serializers.ModelSerializer):
    project = serializers.CharField(source="project.slug")
    audit_id = serializers.IntegerField(source="run_id")

    class Meta:
        model = Change
        fields = [
            "id",
            "project",
            "kind",
            "component",
            "before",
            "after",
            "summary",
            "created_at",
            "audit_id",
        ]


class OpennessSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["open", "restricted", "unknown"])
    reason = serializers.CharField()


class LicenseSerializer(serializers.ModelSerializer):
    project_count = serializers.IntegerField(read_only=True)
    open_for = serializers.SerializerMethodField()

    class Meta:
        model = License
        fields = [
            "id",
            "name",
            "spdx",
            "osi_approved",
            "fsf_libre",
            "category",
            "url",
            "open_for",
            "project_count",
        ]

    @extend_schema_field(serializers.DictField(child=OpennessSerializer()))
    def get_open_for(self, license_row: License) -> dict[str, dict[str, str]]:
        return {
            content: {"status": c.status, "reason": c.reason}
            for content in ("code", "weights", "data", "documentation")
            for c in [license_row.classify(content)]  # type: ignore[arg-type]
        }


class LicenseDetailSerializer(LicenseSerializer):
    projects = serializers.SerializerMethodField()

    class Meta(LicenseSerializer.Meta):
        fields = [*LicenseSerializer.Meta.fields, "projects"]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_projects(self, license_row: License) -> list[str]:
        return list(license_row.projects.listed().values_list("slug", flat=True))


class OrganizationSerializer(serializers.ModelSerializer):
    project_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Organization
        fields = ["slug", "name", "homepage", "project_count"]


class FacetValueSerializer(serializers.Serializer):
    value = serializers.CharField(allow_null=True)
    count = serializers.IntegerField()
