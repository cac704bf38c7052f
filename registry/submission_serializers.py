"""API representations of submissions: what a submitter sends, and the status they read."""

from __future__ import annotations

import re
from typing import Any

from rest_framework import serializers
from rest_framework.exceptions import APIException

from audits.choices import COMPONENT_CHOICES, STATUS_CHOICES
from registry import intake
from registry.components import KINDS
from registry.models import Project, Submission, is_slug

IDEMPOTENCY_HEADER = "Idempotency-Key"
IDEMPOTENCY_KEY_MAX_LENGTH = Submission._meta.get_field("idempotency_key").max_length
# A client's key is printable ASCII (a UUID, usually), bare or quoted as RFC 8941 strings are.
_IDEMPOTENCY_KEY = re.compile(r"[\x20-\x7e]+")
# A correction's reason is shown beside the finding it corrects: as long as a discovered
# artifact's review note may be; the evidence link says the rest.
CORRECTION_REASON_MAX_LENGTH = 500


class IdempotencyKeyReused(APIException):
    """A key sent again with a different submission: answering the first would leak it."""

    status_code = 422
    default_detail = (
        "This Idempotency-Key came with a different submission; send a new key with a new one."
    )
    default_code = "idempotency_key_reused"


def idempotency_key(request: Any) -> str:
    """The request's Idempotency-Key without its quotes, or "" when it sends none."""
    raw = request.headers.get(IDEMPOTENCY_HEADER) if request is not None else None
    if raw is None:
        return ""
    key = raw.strip()
    if len(key) >= 2 and key[0] == key[-1] == '"':
        key = key[1:-1]
    if len(key) > IDEMPOTENCY_KEY_MAX_LENGTH or not _IDEMPOTENCY_KEY.fullmatch(key):
        raise serializers.ValidationError(
            {
                IDEMPOTENCY_HEADER: [
                    f"Send 1 to {IDEMPOTENCY_KEY_MAX_LENGTH} printable ASCII characters, "
                    "e.g. a UUID."
                ]
            }
        )
    return key


def _parsed(parser: Any, value: Any, **options: Any) -> Any:
    try:
        return parser(value, **options)
    except intake.IntakeError as error:
        raise serializers.ValidationError(str(error)) from None


class ListedProjectField(serializers.SlugRelatedField):
    """A listed project named by its slug; text that is no slug is refused before any query.

    A NUL byte would otherwise reach PostgreSQL, which refuses it in text.
    """

    default_error_messages = {"not_a_slug": "Name a listed project by its slug, e.g. pythia-6.9b."}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(slug_field="slug", queryset=Project.objects.listed(), **kwargs)

    def to_internal_value(self, data: Any) -> Project:
        if not isinstance(data, str) or not is_slug(data):
            self.fail("not_a_slug")
        return super().to_internal_value(data)


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
    project = ListedProjectField(required=False, help_text="For a correction: the project's slug.")
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
        """Each kind's required fields; a correction's reason that fits; the client's key.

        A key already used answers its submission again (submissions.submit), but only for the
        same submission: another one under that key is refused with 422.
        """
        if data.get("project"):
            missing = [
                f for f in ("component", "proposed_status", "evidence_url") if not data.get(f)
            ]
            if missing:
                raise serializers.ValidationError(
                    {name: ["A correction needs this."] for name in missing}
                )
            if len(data.get("note", "")) > CORRECTION_REASON_MAX_LENGTH:
                raise serializers.ValidationError(
                    {
                        "note": [
                            f"A correction's reason is at most {CORRECTION_REASON_MAX_LENGTH} "
                            "characters; the evidence link can say the rest."
                        ]
                    }
                )
        else:
            missing = [f for f in ("hub_model", "name", "kind") if not data.get(f)]
            if missing:
                raise serializers.ValidationError(
                    {name: ["A new project needs this."] for name in missing}
                )
        key = idempotency_key(self.context.get("request"))
        earlier = Submission.objects.filter(idempotency_key=key).first() if key else None
        if earlier is not None and not _same_submission(earlier, _submission_fields(data)):
            raise IdempotencyKeyReused()
        return {**data, "idempotency_key": key}

    def submission_fields(self) -> dict[str, Any]:
        return _submission_fields(self.validated_data)


def _same_submission(submission: Submission, fields: dict[str, Any]) -> bool:
    return all(
        getattr(submission, name) == value
        for name, value in fields.items()
        if name != "idempotency_key"
    )


def _submission_fields(data: dict[str, Any]) -> dict[str, Any]:
    """The Submission fields a valid request stores."""
    common = {
        "contact": data["contact"],
        "note": data.get("note", ""),
        "idempotency_key": data.get("idempotency_key", ""),
    }
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
    # Null until a duplicate is noted, or until approval creates the project.
    duplicate_of = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    created_project = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True
    )
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
    duplicate_of = ListedProjectField(required=False)
