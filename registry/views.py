"""Pages: the catalogue, one project, a comparison, a health check, and the error pages."""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views import defaults

from audits.choices import STATUS_CHOICES
from audits.harvest import declared_of, observed_pairs, states_for
from audits.lineage import chain_of
from audits.models import Finding, Snapshot, Verdict
from audits.rules.types import DATA_FACETS
from registry import published
from registry.api_errors import error_body
from registry.charts import score_history_svg
from registry.components import BY_ID, COMPONENT_IDS, COMPONENTS, KINDS, page_url
from registry.filters import MOF_CHOICES, OSAID_CHOICES, ProjectFilter
from registry.models import Artifact, Organization, Project, WorkerHeartbeat, is_slug

PAGE_SIZE = 25
SORTS = {
    "name": ("name", "Name"),
    "-score": ("-score", "Most open first"),
    "score": ("score", "Least open first"),
    "-audited": ("-audited_at", "Recently audited"),
}
# The facets the catalogue page offers, in the order shown.
PAGE_FACETS = ["osaid", "mof_class", "kind", "license_category", "gated", "stale", "organization"]
GROUPS = [
    ("code", "Code"),
    ("parameters", "Weights"),
    ("data", "Data"),
    ("documentation", "Docs"),
]
COMPARE_MAX = 4


def catalogue(request: HttpRequest) -> HttpResponse:
    """The catalogue: search, facets, sort and pages; htmx asks for the results alone."""
    filters = ProjectFilter(
        _known(request.GET),
        queryset=Project.objects.listed().select_related("organization", "current_verdict"),
    )
    problems = {}
    if filters.is_valid():
        projects = filters.qs
    else:
        # A hand-edited URL with a bad value shows everything and says what was ignored.
        problems = {name: " ".join(errors) for name, errors in filters.errors.items()}
        projects = Project.objects.listed().select_related("organization", "current_verdict")
    sort = request.GET.get("sort", "name")
    if sort not in SORTS:
        sort = "name"
    projects = projects.order_by(SORTS[sort][0], "slug")
    page = Paginator(projects, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    context = {
        "page": page,
        "rows": [(p, grid) for p, grid in zip(rows, _openness_grid(rows), strict=True)],
        "groups": GROUPS,
        "facets": _facet_options(projects, request.GET),
        "query": request.GET.get("q", ""),
        "sort": sort,
        "sorts": [(key, label) for key, (_, label) in SORTS.items()],
        "problems": problems,
        "querystring": _without(request.GET, "page"),
    }
    template = "registry/_results.html" if request.htmx else "registry/catalogue.html"
    return render(request, template, context)


def _known(params: QueryDict) -> QueryDict:
    """The query without the page's own parameters, for the filter set."""
    return _without(params, "page", "sort")


def _without(params: QueryDict, *names: str) -> QueryDict:
    kept = params.copy()
    for name in names:
        kept.pop(name, None)
    return kept


FACET_LABELS = {
    "osaid": ("Open Source AI?", dict(OSAID_CHOICES)),
    "mof_class": ("MOF class", {"none": "No class", **{k: f"Class {k}" for k, _ in MOF_CHOICES}}),
    "kind": ("Kind", dict(KINDS)),
    "license_category": ("License category", {}),
    "gated": ("Gated weights", {True: "Gated", False: "Not gated", None: "Not audited"}),
    "stale": ("Freshness", {"true": "Stale", "false": "Up to date"}),
    "organization": ("Organization", {}),
}


def _facet_options(projects: Any, params: QueryDict) -> list[dict[str, Any]]:
    counts = projects.facet_counts(PAGE_FACETS, limit=20)
    organizations = dict(Organization.objects.values_list("slug", "name"))
    facets = []
    for name in PAGE_FACETS:
        title, labels = FACET_LABELS[name]
        param = name
        options = []
        for row in counts[name]:
            value = row["value"]
            if name == "mof_class" and not value:
                value = "none"
            if value in (None, ""):
                continue
            written = {True: "true", False: "false"}.get(value, value)
            label = labels.get(value, organizations.get(value, value))
            options.append({"value": written, "label": label, "count": row["count"]})
        facets.append(
            {"name": param, "title": title, "options": options, "selected": params.get(param, "")}
        )
    return facets


def _openness_grid(projects: list[Project]) -> list[list[dict[str, Any]]]:
    """Per project, per component group: how many of its components are open, in words."""
    run_ids = [p.current_verdict.run_id for p in projects if p.current_verdict]
    statuses: dict[int, dict[str, str]] = defaultdict(dict)
    for run_id, component, status, curated in Finding.objects.filter(
        run_id__in=run_ids, component__in=COMPONENT_IDS
    ).values_list("run_id", "component", "status", "curation__status"):
        statuses[run_id][component] = curated or status
    grid = []
    for project in projects:
        found = statuses.get(project.current_verdict.run_id) if project.current_verdict else None
        cells = []
        for group, label in GROUPS:
            members = [c.id for c in COMPONENTS if c.group == group]
            if not found:
                cells.append({"label": label, "css": "unknown", "text": "not audited"})
                continue
            open_count = sum(found.get(c) == "open" for c in members)
            css = (
                "open"
                if open_count == len(members)
                else ("closed" if not open_count else "partial")
            )
            cells.append(
                {"label": label, "css": css, "text": f"{open_count} of {len(members)} open"}
            )
        grid.append(cells)
    return grid


def project_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """One project: its verdict with every finding and its evidence, artifacts and history."""
    project = get_object_or_404(
        Project.objects.listed()
        .select_related("organization", "current_verdict__run")
        .prefetch_related(
            Prefetch("artifacts", queryset=Artifact.objects.select_related("declared_license"))
        ),
        slug=slug,
    )
    verdict = project.current_verdict
    findings = list(verdict.run.findings.select_related("curation")) if verdict else []
    history = Verdict.objects.filter(project=project, run__complete=True).order_by("created_at")
    page_url = request.build_absolute_uri(project.get_absolute_url())
    badge_url = request.build_absolute_uri(f"/badge/{project.slug}.svg")
    context = {
        "project": project,
        "verdict": verdict,
        "components": [f for f in findings if f.component in COMPONENT_IDS],
        "access": next((f for f in findings if f.component == "access"), None),
        "data_information": [f for f in findings if f.component in DATA_FACETS],
        "artifacts": project.artifacts.all(),
        "discovered": project.discovered.all(),
        "lineage": next((f for f in findings if f.component == "lineage"), None),
        "lineage_chain": chain_of(verdict.lineage, project=project) if verdict else [],
        "claims": next((f for f in findings if f.component == "open-source-claim"), None),
        "license_agreement": next(
            (f for f in findings if f.component == "license-agreement"), None
        ),
        "changes": project.changes.all()[:20],
        "family_members": project.family_members().only("slug", "name"),
        "sources": sorted(
            states_for(observed_pairs(declared_of(project))).values(),
            key=lambda state: (state.source, state.locator),
        ),
        # Built from integers and dates only, escaped inside: safe to embed.
        "score_chart": mark_safe(  # noqa: S308
            score_history_svg([(v.created_at, v.score) for v in history])
        ),
        "badge_url": badge_url,
        "published": published.comparison_for(
            project, statuses={f.component: f.effective_status for f in findings}
        ),
        "correction_statuses": [s for s, _ in STATUS_CHOICES],
        "badge_markdown": f"[![Glasshouse verdict]({badge_url})]({page_url})",
    }
    return render(request, "registry/project_detail.html", context)


def compare(request: HttpRequest) -> HttpResponse:
    """Two to four projects side by side, rows that differ marked."""
    slugs = list(dict.fromkeys(s for s in request.GET.getlist("p") if s))[: COMPARE_MAX + 1]
    found = {
        p.slug: p
        for p in Project.objects.listed()
        # Text that is no slug names no project (and a NUL in it PostgreSQL would refuse).
        .filter(slug__in=[s for s in slugs if is_slug(s)])
        .select_related("organization", "current_verdict__run")
    }
    problems = []
    if unknown := [s for s in slugs if s not in found]:
        problems.append(f"No project is called {', '.join(unknown)}.")
    if len(slugs) > COMPARE_MAX:
        problems.append(
            f"Compare at most {COMPARE_MAX} projects; the first {COMPARE_MAX} are shown."
        )
    projects = [found[s] for s in slugs if s in found][:COMPARE_MAX]
    if len(projects) < 2:
        problems.append("Choose at least two projects to compare.")
    context = {
        "projects": projects,
        "rows": _comparison_rows(projects) if len(projects) >= 2 else [],
        "problems": problems,
        "choices": Project.objects.listed().order_by("name").values_list("slug", "name"),
        "selected": [p.slug for p in projects],
        "slots": range(COMPARE_MAX),
    }
    return render(request, "registry/compare.html", context)


def _comparison_rows(projects: list[Project]) -> list[dict[str, Any]]:
    run_ids = [p.current_verdict.run_id for p in projects if p.current_verdict]
    findings: dict[int, dict[str, Finding]] = defaultdict(dict)
    for finding in Finding.objects.filter(run_id__in=run_ids).select_related("curation"):
        findings[finding.run_id][finding.component] = finding

    def cells_for(value: Any) -> list[str]:
        return [value(p) if p.current_verdict else "not audited" for p in projects]

    rows = [
        {"label": "Open Source AI (OSAID 1.0)", "cells": cells_for(lambda p: p.osaid)},
        {"label": "MOF class", "cells": cells_for(lambda p: p.mof_class or "none")},
        {"label": "Category", "cells": cells_for(lambda p: p.category)},
        {"label": "Openness score", "cells": cells_for(lambda p: str(p.score))},
        {"label": "Gated", "cells": cells_for(lambda p: "yes" if p.gated else "no")},
    ]
    for component in [*(c.id for c in COMPONENTS), "access", *DATA_FACETS]:
        label = BY_ID[component].label if component in BY_ID else component.replace("-", " ")

        def finding_text(project: Project, component: str = component) -> str:
            finding = findings[project.current_verdict.run_id].get(component)  # type: ignore[union-attr]
            if finding is None:
                return "unknown"
            license_id = finding.effective_license
            return finding.effective_status + (f" ({license_id})" if license_id else "")

        rows.append({"label": label.capitalize(), "cells": cells_for(finding_text)})
    for row in rows:
        row["differs"] = len(set(row["cells"])) > 1
    return rows


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
        return JsonResponse(error_body(404, "not_found", "No such URL."), status=404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """500: JSON in the API's error shape under /api/, the plain page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse(error_body(500, "error", "Server error."), status=500)
    return defaults.server_error(request)


def evidence(request: HttpRequest, snapshot_id: int) -> HttpResponse:
    """A stored snapshot: the source's answer a finding rests on, with the field it read."""
    snapshot = get_object_or_404(Snapshot, pk=snapshot_id)
    field = request.GET.get("field", "")[:200]
    value: Any = snapshot.payload
    for part in field.split(".") if field else []:
        value = value.get(part) if isinstance(value, dict) else None
    context = {
        "snapshot": snapshot,
        "field": field,
        "value": json.dumps(value, indent=2, ensure_ascii=False) if field else "",
        "payload": json.dumps(snapshot.payload, indent=2, ensure_ascii=False, sort_keys=True),
        "source_url": page_url(snapshot.source, snapshot.locator),
    }
    return render(request, "registry/evidence.html", context)
