"""API representations of submissions: what a submitter sends, and the status they read."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from audits.choices import COMPONENT_CHOICES, STATUS_CHOICES
from registry import intake
from registry.components import KINDS
from registry.models import Project, Submission


def _parsed(parser: Any, value: Any, **options: Any) -> Any:
    try:
        return parser(value, **options)
    except intake.IntakeError as error:
        raise serializers.ValidationError(str(error)) from None


class SubmissionCreateSerializer(serializers.Serializer):
    """A new project (hub_model, name, kind) or a correction (project, component, ...)."""

    hub_model = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=300,
        help_text="Hugging Face model id or URL, e.g. EleutherAI/pythia-6.9b.",
    )
    github = serializers.ListField(
        child=serializers.CharField(max_length=300),
        required=False,
        max_length=10,
        help_text="GitHub repositories (owner/repo or URL).",
    )
    datasets = serializers.ListField(
        child=serializers.CharField(max_length=300),
        required=False,
        max_length=10,
        help_text="Hugging Face dataset ids or URLs.",
    )
    paper = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=300,
        help_text="An arXiv id or link, or a DOI. Stored, never fetched.",
    )
    name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    kind = serializers.ChoiceField(choices=KINDS, required=False)
    contact = serializers.EmailField(help_text="Where the outcome is sent.")
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    project = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Project.objects.listed(),
        required=False,
        help_text="For a correction: the project's slug.",
    )
    component = serializers.ChoiceField(choices=COMPONENT_CHOICES, required=False)
    proposed_status = serializers.ChoiceField(choices=STATUS_CHOICES, required=False)
    proposed_license = serializers.CharField(required=False, allow_blank=True, max_length=150)
    evidence_url = serializers.URLField(required=False, allow_blank=True, max_length=500)

    def validate_hub_model(self, value: str) -> str:
        return _parsed(intake.parse_hub_repo, value) if value else ""

    def validate_github(self, value: list[str]) -> list[str]:
        return _parsed(intake.parse_list, value, parse=intake.parse_github_repo)

    def validate_datasets(self, value: list[str]) -> list[str]:
        return _parsed(
            intake.parse_list,
            value,
            parse=lambda v: intake.parse_hub_repo(v, kind="dataset"),
        )

    def validate_paper(self, value: str) -> str:
        return _parsed(intake.parse_paper, value) if value else ""

    def validate_evidence_url(self, value: str) -> str:
        if value and not value.startswith("https://"):
            raise serializers.ValidationError("The evidence must be an https:// link.")
        return value

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        if data.get("project"):
            missing = [
                f for f in ("component", "proposed_status", "evidence_url") if not data.get(f)
            ]
            if missing:
                raise serializers.ValidationError(
                    {name: ["A correction needs this."] for name in missing}
                )
            return data
        missing = [f for f in ("hub_model", "name", "kind") if not data.get(f)]
        if missing:
            raise serializers.ValidationError(
                {name: ["A new project needs this."] for name in missing}
            )
        return data

    def submission_fields(self) -> dict[str, Any]:
        data = self.validated_data
        common = {"contact": data["contact"], "note": data.get("note", "")}
        if data.get("project"):
            return {
                **common,
                "kind": Submission.Kind.CORRECTION,
                "project": data["project"],
                "name": data["project"].name,
                "component": data["component"],
                "proposed_status": data["proposed_status"],
                "proposed_license": data.get("proposed_license", ""),
                "evidence_url": data["evidence_url"],
            }
        return {
            **common,
            "kind": Submission.Kind.PROJECT,
            "hub_model": data["hub_model"],
            "github": data.get("github", []),
            "datasets": data.get("datasets", []),
            "paper": data.get("paper", ""),
            "name": data["name"],
            "project_kind": data["kind"],
        }


class SubmissionEventSerializer(serializers.Serializer):
    action = serializers.CharField()
    message = serializers.CharField()
    created_at = serializers.DateTimeField()


class SubmissionStatusSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="token", help_text="The submission's secret id.")
    status_url = serializers.SerializerMethodField()
    duplicate_of = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    created_project = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    events = SubmissionEventSerializer(many=True, read_only=True)

    class Meta:
        model = Submission
        fields = [
            "id",
            "status_url",
            "kind",
            "state",
            "name",
            "hub_model",
            "github",
            "datasets",
            "paper",
            "preview_state",
            "preview",
            "duplicate_of",
            "created_project",
            "moderator_message",
            "created_at",
            "events",
        ]

    def get_status_url(self, submission: Submission) -> str:
        request = self.context.get("request")
        path = f"/api/v1/submissions/{submission.token}/"
        return request.build_absolute_uri(path) if request else path


class ModerationSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=["approve", "reject", "duplicate", "ask"])
    message = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    duplicate_of = serializers.SlugRelatedField(
        slug_field="slug", queryset=Project.objects.listed(), required=False
    )
