"""Pages of the catalogue: the list of projects, one project, and a health check."""

from django.db import connection
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views import defaults

from audits.harvest import named_datasets, sources_of, states_for
from audits.rules.types import DATA_FACETS
from registry.components import COMPONENT_IDS, KINDS
from registry.models import Project, WorkerHeartbeat


def catalogue(request: HttpRequest) -> HttpResponse:
    """The catalogue: every listed project, optionally narrowed by a search and a kind."""
    projects = Project.objects.listed().select_related("organization", "current_verdict")
    query = request.GET.get("q", "").strip()[:200]
    kind = request.GET.get("kind", "")
    if query:
        projects = projects.filter(
            Q(name__icontains=query)
            | Q(slug__icontains=query)
            | Q(organization__name__icontains=query)
            | Q(family__icontains=query)
            | Q(summary__icontains=query)
        )
    if kind in dict(KINDS):
        projects = projects.filter(kind=kind)
    context = {"projects": projects, "query": query, "kind": kind, "kinds": KINDS}
    return render(request, "registry/catalogue.html", context)


def project_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """One project: its verdict with every finding and its evidence, artifacts and history."""
    project = get_object_or_404(
        Project.objects.listed().select_related("organization", "current_verdict__run"), slug=slug
    )
    verdict = project.current_verdict
    findings = list(verdict.run.findings.select_related("curation")) if verdict else []
    context = {
        "project": project,
        "verdict": verdict,
        "components": [f for f in findings if f.component in COMPONENT_IDS],
        "access": next((f for f in findings if f.component == "access"), None),
        "data_information": [f for f in findings if f.component in DATA_FACETS],
        "artifacts": project.artifacts.select_related("declared_license"),
        "changes": project.changes.all()[:20],
        "sources": sorted(
            states_for(
                [*sources_of(project), *(("hf-dataset", d) for d in named_datasets(project))]
            ).values(),
            key=lambda state: (state.source, state.locator),
        ),
        "family_members": project.family_members().only("slug", "name"),
    }
    return render(request, "registry/project_detail.html", context)


def health(request: HttpRequest) -> JsonResponse:
    """Liveness for load balancers and compose: the database answers; when the worker last ran."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    heartbeat = WorkerHeartbeat.objects.filter(name="worker").first()
    return JsonResponse(
        {
            "database": "ok",
            "now": timezone.now().isoformat(),
            "worker_seen_at": heartbeat.seen_at.isoformat() if heartbeat else None,
        }
    )


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """404 for any URL that matches no route: JSON in the API's error shape under /api/."""
    if request.path.startswith("/api/"):
        body = {
            "error": {"status": 404, "code": "not_found", "message": "No such URL.", "fields": {}}
        }
        return JsonResponse(body, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """500: JSON in the API's error shape under /api/, the plain page elsewhere."""
    if request.path.startswith("/api/"):
        body = {"error": {"status": 500, "code": "error", "message": "Server error.", "fields": {}}}
        return JsonResponse(body, status=500)
    return defaults.server_error(request)
