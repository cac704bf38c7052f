"""Pages for submitting a project, following its status, and moderating the queue."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods
from django_ratelimit.core import is_ratelimited

from registry import submissions
from registry.api import moderate
from registry.components import KINDS
from registry.models import Project, Submission
from registry.submission_serializers import ModerationSerializer, SubmissionCreateSerializer
from registry.throttles import CACHE_ERRORS, RETRY_AFTER_SECONDS, client_key

# A field people never see; bots that fill every field give themselves away.
HONEYPOT = "website"
# Open submissions on one page of the moderation queue.
MODERATION_PAGE_SIZE = 50


@require_http_methods(["GET", "POST"])
def submit(request: HttpRequest) -> HttpResponse:
    """The submission form; a valid one is stored and the submitter sent to its status page."""
    context: dict[str, Any] = {"kinds": KINDS, "values": {}, "errors": {}}
    if request.method == "GET":
        return render(request, "registry/submit.html", context)
    if request.POST.get(HONEYPOT):
        return render(request, "registry/submit.html", context, status=400)
    try:
        limited = is_ratelimited(
            request,
            group="submit",
            key=client_key,
            rate=settings.SUBMISSION_RATE,
            method="POST",
            increment=True,
        )
    except CACHE_ERRORS:
        # Uncounted, a flood would get through: refuse until the cache is back, keep the text.
        context["values"] = request.POST
        context["errors"] = {
            "form": ["The site cannot take submissions right now; try again in a minute."]
        }
        response = render(request, "registry/submit.html", context, status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    if limited:
        context["errors"] = {"form": ["Too many submissions from your address; try later."]}
        return render(request, "registry/submit.html", context, status=429)
    data = {
        key: request.POST.get(key, "")
        for key in (
            *("hub_model", "paper", "name", "kind", "contact", "note"),
            # A producer's correction of one finding, from a project page.
            *("project", "component", "proposed_status", "proposed_license", "evidence_url"),
        )
    }
    data["github"] = request.POST.get("github", "").splitlines()
    data["datasets"] = request.POST.get("datasets", "").splitlines()
    data = {k: v for k, v in data.items() if v not in ("", [])}
    serializer = SubmissionCreateSerializer(data=data)
    if not serializer.is_valid():
        context.update(values=request.POST, errors=serializer.errors)
        if request.POST.get("project"):
            context["correction"] = True
        return render(request, "registry/submit.html", context, status=400)
    submission = submissions.submit(fields=serializer.submission_fields())
    return redirect(submission.get_absolute_url())


def status(request: HttpRequest, token: str) -> HttpResponse:
    """A submission's state, preview and history, at its unguessable URL."""
    submission = get_object_or_404(
        Submission.objects.select_related("duplicate_of", "created_project"), token=token
    )
    return render(request, "registry/submission_status.html", {"submission": submission})


@login_required
@permission_required("registry.moderate", raise_exception=True)
@require_http_methods(["GET", "POST"])
def moderation(request: HttpRequest) -> HttpResponse:
    """The queue, newest first, a page at a time: open submissions with their previews and
    conflicts, and the actions. An action returns to the page it was taken on."""
    problem = ""
    if request.method == "POST":
        token = request.POST.get("token", "")
        if "\x00" in token:
            # PostgreSQL refuses NUL in text; no submission has such a token.
            raise Http404("No submission has this token.")
        submission = get_object_or_404(Submission, token=token)
        serializer = ModerationSerializer(data=request.POST)
        if serializer.is_valid():
            try:
                moderate(submission, request.user, serializer.validated_data)
                return redirect(_moderation_url(request.POST.get("page", "")))
            except submissions.SubmissionError as error:
                problem = str(error)
        else:
            problem = "; ".join(
                f"{k}: {' '.join(map(str, v))}" for k, v in serializer.errors.items()
            )
    queue = (
        Submission.objects.filter(state__in=[Submission.State.PENDING, Submission.State.NEEDS_INFO])
        .select_related("duplicate_of", "project")
        .order_by("-created_at", "-pk")
    )
    page = Paginator(queue, MODERATION_PAGE_SIZE).get_page(
        request.POST.get("page") or request.GET.get("page")
    )
    context = {
        "page": page,
        "problem": problem,
        "projects": Project.objects.listed().order_by("name").values_list("slug", "name"),
    }
    return render(request, "registry/moderation.html", context)


def _moderation_url(page: str) -> str:
    """The queue's address at that page; the first page for anything that is not one."""
    url = reverse("moderation")
    number = int(page) if page.isascii() and page.isdigit() and len(page) <= 6 else 1
    return f"{url}?page={number}" if number > 1 else url
