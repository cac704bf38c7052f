"""URL routes of the site."""

from django.contrib import admin
from django.urls import path, register_converter

from registry import api, views
from registry.models import SLUG_PATTERN


class ProjectSlugConverter:
    """Project slugs may hold dots (pythia-6.9b), which Django's slug converter refuses."""

    regex = SLUG_PATTERN

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(ProjectSlugConverter, "project")

urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("projects/<project:slug>/", views.project_detail, name="project-detail"),
    path("health/", views.health, name="health"),
    path("api/v1/projects/<project:slug>/", api.ProjectDetail.as_view(), name="api-project-detail"),
    path("admin/", admin.site.urls),
]
