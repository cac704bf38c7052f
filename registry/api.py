"""The REST API under /api/v1/: the catalogue, its audits and its history, read by anyone."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Count, Max, Prefetch, Q, QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.http import http_date
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import generics, permissions, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from audits import auditing
from audits.models import AuditRun, Change, Curation, Finding
from registry import exports, submissions
from registry.filters import ChangeFilter, ProjectFilter
from registry.models import FACETS, DiscoveredArtifact, License, Organization, Project, Submission
from registry.pagination import (
    COUNT_CAP,
    AuditCursorPagination,
    CappedCursorPagination,
    ChangeCursorPagination,
)
from registry.renderers import ProjectCSVRenderer
from registry.serializers import (
    AuditRunDetailSerializer,
    AuditRunSerializer,
    ChangeSerializer,
    CurationSerializer,
    DiscoveredArtifactSerializer,
    FacetValueSerializer,
    LicenseDetailSerializer,
    LicenseSerializer,
    OrganizationSerializer,
    ProjectDetailSerializer,
    ProjectListSerializer,
)
from registry.submission_serializers import (
    ModerationSerializer,
    SubmissionCreateSerializer,
    SubmissionStatusSerializer,
)


class IsModerator(permissions.BasePermission):
    """Members of the moderators group (or anyone given the registry.moderate permission)."""

    message = "Only moderators may do this."

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(request.user and request.user.has_perm("registry.moderate"))


def with_last_modified(response: Response, moment: datetime | None) -> Response:
    """Send Last-Modified, so clients can ask If-Modified-Since (ETags come from middleware)."""
    if moment is not None:
        response["Last-Modified"] = http_date(moment.timestamp())
    return response


def _listed_projects() -> QuerySet[Project]:
    return Project.objects.listed().select_related("organization")


@extend_schema(
    tags=["projects"],
    parameters=[
        OpenApiParameter(
            "facets",
            OpenApiTypes.STR,
            description="Comma-separated facets to count over the filtered list: "
            + ", ".join(FACETS),
            examples=[OpenApiExample("Facets", value="osaid,kind,license_category")],
        ),
        OpenApiParameter("format", OpenApiTypes.STR, enum=["json", "csv"]),
    ],
    examples=[
        OpenApiExample(
            "Open source AI language models",
            summary="GET /api/v1/projects/?osaid=open-source-ai&kind=language-model",
            value=[
                {
                    "slug": "pythia-6.9b",
                    "name": "Pythia 6.9B",
                    "kind": "language-model",
                    "organization": "EleutherAI",
                    "organization_slug": "eleutherai",
                    "family": "pythia",
                    "audited_at": "2026-11-22T02:30:00Z",
                    "verdict": {
                        "osaid": "open-source-ai",
                        "mof_class": None,
                        "category": "open-source-ai",
                        "score": 62,
                        "gated": False,
                        "stale": False,
                    },
                    "url": "https://glasshouse.example.org/projects/pythia-6.9b/",
                    "api_url": "https://glasshouse.example.org/api/v1/projects/pythia-6.9b/",
                }
            ],
            response_only=True,
        )
    ],
)
class ProjectList(generics.ListAPIView):
    """Projects with their current verdicts: filter, search (`q`), order, facet, export as CSV."""

    serializer_class = ProjectListSerializer
    pagination_class = CappedCursorPagination
    filter_backends = [DjangoFilterBackend, OrderingFilter]
    filterset_class = ProjectFilter
    ordering_fields = ["slug", "name", "score", "audited_at"]
    renderer_classes = [JSONRenderer, ProjectCSVRenderer]

    def get_queryset(self) -> QuerySet[Project]:
        return _listed_projects()

    def handle_exception(self, exc: Exception) -> Response:
        # Errors are JSON in the one error shape, even when the list was asked for as CSV.
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return super().handle_exception(exc)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        facets = self._facets(queryset, request.query_params.get("facets", ""))
        if request.accepted_renderer.format == "csv":
            rows = self.get_serializer(queryset.order_by("slug")[:COUNT_CAP], many=True).data
            response = Response(rows)
            response["Content-Disposition"] = 'attachment; filename="glasshouse-projects.csv"'
            return response
        page = self.paginate_queryset(queryset)
        response = self.get_paginated_response(self.get_serializer(page, many=True).data)
        if facets is not None:
            response.data["facets"] = facets
        newest = queryset.order_by().aggregate(at=Max("updated_at"))["at"]
        return with_last_modified(response, newest)

    def _facets(self, queryset: QuerySet[Project], asked: str) -> dict[str, Any] | None:
        names = [n.strip() for n in asked.split(",") if n.strip()]
        if not names:
            return None
        if unknown := [n for n in names if n not in FACETS]:
            raise ValidationError(
                {"facets": [f"unknown facet {', '.join(unknown)}; use {', '.join(FACETS)}."]}
            )
        counts = queryset.facet_counts(names)  # type: ignore[attr-defined]
        return {name: FacetValueSerializer(rows, many=True).data for name, rows in counts.items()}


def _project_detail_queryset() -> QuerySet[Project]:
    return (
        _listed_projects()
        .select_related("current_verdict__run")
        .prefetch_related(
            "artifacts",
            "discovered",
            Prefetch(
                "current_verdict__run__findings",
                queryset=Finding.objects.select_related("curation"),
            ),
        )
    )


@extend_schema(
    tags=["projects"],
    examples=[
        OpenApiExample(
            "Llama 2 7B (shortened)",
            response_only=True,
            value={
                "slug": "llama-2-7b",
                "name": "Llama 2 7B",
                "kind": "language-model",
                "organization": "Meta",
                "organization_slug": "meta",
                "family": "llama-2",
                "audited_at": "2026-11-22T02:44:08Z",
                "verdict": {
                    "osaid": "not-open-source-ai",
                    "osaid_unmet": [
                        "Final weights: restricted — Llama 2 License 2023 allows free use only "
                        "under conditions that restrict it."
                    ],
                    "mof_class": None,
                    "mof_progress": {"III": 0.0, "II": 0.0, "I": 0.0},
                    "mof_unmet": {"III": ["model-architecture", "final-weights"]},
                    "category": "restricted-weights",
                    "score": 16,
                    "gated": True,
                    "stale": False,
                    "stale_since": None,
                    "stale_reason": "",
                    "rules_version": "2026.11.1",
                    "audit_id": 3,
                    "created_at": "2026-11-22T02:44:08Z",
                },
                "components": [
                    {
                        "component": "final-weights",
                        "label": "Final weights",
                        "status": "restricted",
                        "license": "LicenseRef-scancode-llama-2-license-2023",
                        "reason": "meta-llama/Llama-2-7b-hf publishes 4 weight files behind an "
                        "access request that a person reviews: the Llama 2 license restricts use.",
                        "evidence": [
                            {
                                "source": "hf-model",
                                "locator": "meta-llama/Llama-2-7b-hf",
                                "field": "cardData.license",
                                "value": "llama2",
                                "url": "https://huggingface.co/meta-llama/Llama-2-7b-hf",
                                "snapshot_id": 12,
                                "fetched_at": "2024-04-01T00:00:00+00:00",
                            }
                        ],
                        "declared_license": "",
                        "tool_status": "restricted",
                        "tool_license": "LicenseRef-scancode-llama-2-license-2023",
                        "curation": None,
                    }
                ],
            },
        )
    ],
)
class ProjectDetail(generics.RetrieveAPIView):
    """A project, its current verdict, and every finding with its evidence."""

    serializer_class = ProjectDetailSerializer
    lookup_field = "slug"

    def get_queryset(self) -> QuerySet[Project]:
        return _project_detail_queryset()

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        project = self.get_object()
        response = Response(self.get_serializer(project).data)
        return with_last_modified(response, project.updated_at)


class ProjectScopedMixin:
    kwargs: dict[str, Any]

    def project(self) -> Project:
        if not hasattr(self, "_project"):
            self._project = get_object_or_404(Project.objects.listed(), slug=self.kwargs["slug"])
        return self._project


@extend_schema(tags=["projects"])
class ProjectAudits(ProjectScopedMixin, generics.ListAPIView):
    """The project's audit runs, newest first, each with its verdict."""

    serializer_class = AuditRunSerializer
    pagination_class = AuditCursorPagination

    def get_queryset(self) -> QuerySet[AuditRun]:
        return AuditRun.objects.filter(project=self.project()).select_related(
            "project", "verdict__run"
        )


@extend_schema(tags=["projects"])
class ProjectChanges(ProjectScopedMixin, generics.ListAPIView):
    """The project's history of changes, newest first."""

    serializer_class = ChangeSerializer
    pagination_class = ChangeCursorPagination

    def get_queryset(self) -> QuerySet[Change]:
        return Change.objects.filter(project=self.project()).select_related("project")


@extend_schema(
    tags=["moderation"],
    request=CurationSerializer,
    responses={201: CurationSerializer},
    description="Correct one finding (moderators). The project is re-evaluated at once from "
    "its stored snapshots; the tool's own finding is kept beside the correction.",
)
class ProjectCurations(ProjectScopedMixin, generics.CreateAPIView):
    serializer_class = CurationSerializer
    permission_classes = [IsModerator]

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        project = self.project()
        with transaction.atomic():
            Curation.objects.filter(
                project=project, component=serializer.validated_data["component"], active=True
            ).update(active=False)
            serializer.save(project=project, created_by=self.request.user)
        auditing.reevaluate(project=project)


class DiscoveredReviewSerializer(serializers.Serializer):
    review = serializers.ChoiceField(
        choices=[DiscoveredArtifact.Review.CONFIRMED, DiscoveredArtifact.Review.REJECTED],
        help_text="confirmed: it is the project's; rejected: never follow it again.",
    )
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


@extend_schema(
    tags=["moderation"],
    request=DiscoveredReviewSerializer,
    responses={200: DiscoveredArtifactSerializer},
    description="Confirm or reject something the audit found (moderators). A rejected artifact "
    "is never followed again; the project is re-evaluated at once from its stored snapshots.",
)
class DiscoveredReview(ProjectScopedMixin, APIView):
    permission_classes = [IsModerator]

    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        project = self.project()
        item = get_object_or_404(project.discovered.all(), pk=kwargs["pk"])
        form = DiscoveredReviewSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        item.review_as(
            form.validated_data["review"], moderator=request.user, note=form.validated_data["note"]
        )
        auditing.reevaluate(project=project)
        item.refresh_from_db()
        return Response(DiscoveredArtifactSerializer(item).data)


SPDX_TYPE = "application/spdx+json"
CYCLONEDX_TYPE = "application/vnd.cyclonedx+json; version=1.6"


class ProjectExport(ProjectScopedMixin, APIView):
    """A project as a machine-readable bill of materials."""

    media_type = ""

    def build(self, project: Project, base_url: str) -> dict[str, Any]:
        raise NotImplementedError

    def get(self, request: Request, slug: str) -> HttpResponse:
        project = self.project()
        base_url = request.build_absolute_uri("/").rstrip("/")
        document = self.build(project, base_url)
        response = HttpResponse(json.dumps(document, indent=2), content_type=self.media_type)
        response["Content-Disposition"] = f'inline; filename="{project.slug}.{self.suffix}.json"'
        return response


@extend_schema(
    tags=["projects"],
    responses={(200, SPDX_TYPE): OpenApiTypes.OBJECT},
    description="SPDX 3.0.1 JSON-LD using the AI and Dataset profiles: the model, its datasets, "
    "code and papers, their licenses, and the verdict as annotations.",
)
class ProjectSpdxExport(ProjectExport):
    media_type = SPDX_TYPE
    suffix = "spdx"

    def build(self, project: Project, base_url: str) -> dict[str, Any]:
        return exports.spdx_document(project, base_url=base_url)


@extend_schema(
    tags=["projects"],
    responses={(200, CYCLONEDX_TYPE): OpenApiTypes.OBJECT},
    description="CycloneDX 1.6 ML-BOM: the model component with its model card, datasets and "
    "code as components, licenses, and the verdict as properties.",
)
class ProjectCycloneDxExport(ProjectExport):
    media_type = CYCLONEDX_TYPE
    suffix = "cdx"

    def build(self, project: Project, base_url: str) -> dict[str, Any]:
        return exports.cyclonedx_bom(project, base_url=base_url)


@extend_schema(tags=["audits"])
class AuditDetail(generics.RetrieveAPIView):
    """One audit run with all its findings and their evidence."""

    serializer_class = AuditRunDetailSerializer

    def get_queryset(self) -> QuerySet[AuditRun]:
        return AuditRun.objects.select_related("project", "verdict__run").prefetch_related(
            Prefetch("findings", queryset=Finding.objects.select_related("curation"))
        )


@extend_schema(tags=["changes"])
class ChangeList(generics.ListAPIView):
    """Every change of every project, newest first: the registry's log."""

    serializer_class = ChangeSerializer
    pagination_class = ChangeCursorPagination
    filter_backends = [DjangoFilterBackend]
    filterset_class = ChangeFilter

    def get_queryset(self) -> QuerySet[Change]:
        return Change.objects.filter(project__review_state="listed").select_related("project")


def _licenses() -> QuerySet[License]:
    return License.objects.annotate(
        project_count=Count("projects", filter=Q(projects__review_state="listed"), distinct=True)
    )


class LicensePagination(CappedCursorPagination):
    ordering = "id"


@extend_schema(tags=["licenses"])
class LicenseList(generics.ListAPIView):
    """Licenses the catalogue meets, with their facts and what they are open for."""

    serializer_class = LicenseSerializer
    pagination_class = LicensePagination

    def get_queryset(self) -> QuerySet[License]:
        return _licenses()


@extend_schema(tags=["licenses"])
class LicenseDetail(generics.RetrieveAPIView):
    """A license's facts and the projects whose current findings name it."""

    serializer_class = LicenseDetailSerializer
    lookup_value_regex = "[^/]+"

    def get_queryset(self) -> QuerySet[License]:
        return _licenses()


class SubmissionPagination(CappedCursorPagination):
    ordering = "created_at"


class OrganizationPagination(CappedCursorPagination):
    ordering = "slug"


@extend_schema(tags=["organizations"])
class OrganizationList(generics.ListAPIView):
    """Organizations with the number of their listed projects."""

    serializer_class = OrganizationSerializer
    pagination_class = OrganizationPagination

    def get_queryset(self) -> QuerySet[Organization]:
        return Organization.objects.annotate(
            project_count=Count("projects", filter=Q(projects__review_state="listed"))
        )


@extend_schema(
    tags=["submissions"],
    request=SubmissionCreateSerializer,
    responses={201: SubmissionStatusSerializer},
    description="Submit a new project for review, or a correction of a finding. The submission "
    "is stored at once (pending); a preview of what the auditor finds follows in the background. "
    "Only Hugging Face and GitHub repository ids are ever looked up; paper links are stored.",
)
class SubmissionCreate(generics.CreateAPIView):
    serializer_class = SubmissionCreateSerializer
    permission_classes = [permissions.AllowAny]
    throttle_scope = "submissions"

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        submission = submissions.submit(fields=serializer.submission_fields())
        body = SubmissionStatusSerializer(submission, context={"request": request}).data
        return Response(body, status=201, headers={"Location": body["status_url"]})


@extend_schema(tags=["submissions"])
class SubmissionStatus(generics.RetrieveAPIView):
    """A submission's state, preview and history, at its unguessable URL."""

    serializer_class = SubmissionStatusSerializer
    permission_classes = [permissions.AllowAny]
    lookup_field = "token"

    def get_queryset(self) -> QuerySet[Submission]:
        return Submission.objects.select_related(
            "duplicate_of", "created_project"
        ).prefetch_related("events")


@extend_schema(tags=["moderation"])
class SubmissionQueue(generics.ListAPIView):
    """Open submissions, oldest first, with their previews (moderators)."""

    serializer_class = SubmissionStatusSerializer
    permission_classes = [IsModerator]
    pagination_class = SubmissionPagination

    def get_queryset(self) -> QuerySet[Submission]:
        return (
            Submission.objects.filter(
                state__in=[Submission.State.PENDING, Submission.State.NEEDS_INFO]
            )
            .select_related("duplicate_of", "created_project")
            .prefetch_related("events")
        )


@extend_schema(
    tags=["moderation"],
    request=ModerationSerializer,
    responses={200: SubmissionStatusSerializer},
    description="approve (creates the project and its first audit, or the curation), reject "
    "(message required), duplicate (duplicate_of required), ask (message required).",
)
class SubmissionModerate(generics.GenericAPIView):
    serializer_class = ModerationSerializer
    permission_classes = [IsModerator]
    lookup_field = "token"
    queryset = Submission.objects.all()

    def post(self, request: Request, token: str) -> Response:
        submission = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            moderate(submission, request.user, data)
        except submissions.SubmissionError as error:
            raise ValidationError({"action": [str(error)]}) from None
        submission.refresh_from_db()
        return Response(SubmissionStatusSerializer(submission, context={"request": request}).data)


def moderate(submission: Submission, moderator: Any, data: dict[str, Any]) -> None:
    """Carry out one moderation action (shared by the API and the moderation page)."""
    action, message = data["action"], data.get("message", "")
    if action == "approve":
        submissions.approve(submission=submission, moderator=moderator, message=message)
    elif action == "reject":
        submissions.reject(submission=submission, moderator=moderator, reason=message)
    elif action == "ask":
        submissions.ask_for_more(submission=submission, moderator=moderator, message=message)
    else:
        target = data.get("duplicate_of") or submission.duplicate_of
        if target is None:
            raise submissions.SubmissionError("Name the project it duplicates (duplicate_of).")
        submissions.mark_duplicate(submission=submission, moderator=moderator, of=target)
