"""The REST API under /api/v1/ (read-only for now: a project with its verdict and evidence)."""

from django.db.models import Prefetch
from rest_framework import generics

from audits.models import Finding
from registry.models import Project
from registry.serializers import ProjectDetailSerializer


class ProjectDetail(generics.RetrieveAPIView):
    """A project, its current verdict, and every finding with its evidence."""

    serializer_class = ProjectDetailSerializer
    lookup_field = "slug"
    queryset = (
        Project.objects.listed()
        .select_related("organization", "current_verdict__run")
        .prefetch_related(
            "artifacts",
            Prefetch(
                "current_verdict__run__findings",
                queryset=Finding.objects.select_related("curation"),
            ),
        )
    )
