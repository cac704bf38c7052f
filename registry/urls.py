"""URL routes of the site."""

from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_replace
from django.contrib import admin
from django.urls import include, path, register_converter
from django.urls.converters import StringConverter
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from registry import api, submission_views, views
from registry.models import SLUG_PATTERN


class ProjectSlugConverter:
    """Project slugs may hold dots (pythia-6.9b), which Django's slug converter refuses."""

    regex = SLUG_PATTERN

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class TextConverter(StringConverter):
    """Any text but "/" and NUL: PostgreSQL refuses NUL in text, so such a URL names nothing."""

    regex = r"[^/\x00]+"


register_converter(ProjectSlugConverter, "project")
register_converter(TextConverter, "text")

api_urls = [
    path("projects/", api.ProjectList.as_view(), name="api-project-list"),
    path("projects/<project:slug>/", api.ProjectDetail.as_view(), name="api-project-detail"),
    path("projects/<project:slug>/audits/", api.ProjectAudits.as_view(), name="api-project-audits"),
    path(
        "projects/<project:slug>/changes/", api.ProjectChanges.as_view(), name="api-project-changes"
    ),
    path(
        "projects/<project:slug>/curations/",
        api.ProjectCurations.as_view(),
        name="api-project-curations",
    ),
    path(
        "projects/<project:slug>/discovered/<int:pk>/review/",
        api.DiscoveredReview.as_view(),
        name="api-project-discovered-review",
    ),
    path(
        "projects/<project:slug>/export/spdx/",
        api.ProjectSpdxExport.as_view(),
        name="api-project-export-spdx",
    ),
    path(
        "projects/<project:slug>/export/cyclonedx/",
        api.ProjectCycloneDxExport.as_view(),
        name="api-project-export-cyclonedx",
    ),
    path("audits/<int:pk>/", api.AuditDetail.as_view(), name="api-audit-detail"),
    path("changes/", api.ChangeList.as_view(), name="api-change-list"),
    path("licenses/", api.LicenseList.as_view(), name="api-license-list"),
    path("licenses/<text:pk>/", api.LicenseDetail.as_view(), name="api-license-detail"),
    path("organizations/", api.OrganizationList.as_view(), name="api-organization-list"),
    path("submissions/", api.SubmissionCreate.as_view(), name="api-submission-create"),
    path("submissions/queue/", api.SubmissionQueue.as_view(), name="api-submission-queue"),
    path("submissions/<text:token>/", api.SubmissionStatus.as_view(), name="api-submission-status"),
    path(
        "submissions/<text:token>/moderate/",
        api.SubmissionModerate.as_view(),
        name="api-submission-moderate",
    ),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    # ReDoc's bundle adds styles of its own before it can be given a nonce, and searches in a
    # blob: worker: this page alone allows both. Its one inline script still needs the nonce.
    path(
        "redoc/",
        csp_replace({"style-src": [SELF, UNSAFE_INLINE], "worker-src": [SELF, "blob:"]})(
            SpectacularRedocView.as_view(url_name="api-schema")
        ),
        name="api-redoc",
    ),
]

urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("projects/<project:slug>/", views.project_detail, name="project-detail"),
    path("compare/", views.compare, name="compare"),
    path("evidence/<int:snapshot_id>/", views.evidence, name="evidence"),
    path("submit/", submission_views.submit, name="submit"),
    path("submissions/<text:token>/", submission_views.status, name="submission-status"),
    path("moderation/", submission_views.moderation, name="moderation"),
    path("health/", views.health, name="health"),
    path("api/v1/", include(api_urls)),
    path("admin/", admin.site.urls),
    path("", include("registry.site_urls")),
]

handler404 = "registry.views.not_found"
handler500 = "registry.views.server_error"
