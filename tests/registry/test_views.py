"""The minimal pages: catalogue list, project detail, health."""

from typing import Any

import pytest
from django.test import Client

from registry.models import Project, WorkerHeartbeat
from tests.factories import ArtifactFactory, ProjectFactory

pytestmark = pytest.mark.django_db


def test_catalogue_lists_listed_projects_only(client: Client) -> None:
    shown = ProjectFactory(name="Pythia 70M")
    ProjectFactory(name="Withdrawn Model", review_state=Project.ReviewState.WITHDRAWN)

    page = client.get("/")

    assert page.status_code == 200
    assert shown.name in page.text
    assert shown.get_absolute_url() in page.text
    assert "Withdrawn Model" not in page.text


def test_catalogue_search_and_kind_filter(client: Client) -> None:
    ProjectFactory(name="Pythia 70M", family="pythia")
    ProjectFactory(name="Whisper", kind="speech")

    by_query = client.get("/", {"q": "pyth"}).text
    by_kind = client.get("/", {"kind": "speech"}).text

    assert "Pythia 70M" in by_query and "Whisper" not in by_query
    assert "Whisper" in by_kind and "Pythia 70M" not in by_kind


@pytest.mark.parametrize("count", [10, 60])
def test_catalogue_query_count_does_not_grow_with_projects(
    client: Client, django_assert_max_num_queries: Any, count: int
) -> None:
    ProjectFactory.create_batch(count)

    with django_assert_max_num_queries(12):
        page = client.get("/")

    assert page.text.count('href="/projects/') == min(count, 25)


def test_project_page_shows_artifacts_and_family(client: Client) -> None:
    project = ProjectFactory(slug="pythia-6.9b", name="Pythia 6.9B", family="pythia")
    ProjectFactory(slug="pythia-12b", name="Pythia 12B", family="pythia")
    ArtifactFactory(project=project, locator="EleutherAI/pythia-6.9b")

    page = client.get("/projects/pythia-6.9b/")

    assert page.status_code == 200
    assert 'href="https://huggingface.co/EleutherAI/pythia-6.9b"' in page.text
    assert "Final weights" in page.text
    assert "Pythia 12B" in page.text


@pytest.mark.parametrize("path", ["/projects/nope/", "/projects/Pythia/", "/projects/a..b/"])
def test_unknown_or_malformed_slug_is_404(client: Client, path: str) -> None:
    ProjectFactory(slug="pythia-6.9b")

    assert client.get(path).status_code == 404


def test_health_reports_database_and_last_heartbeat(client: Client) -> None:
    body = client.get("/health/").json()
    assert body["database"] == "ok" and body["worker_seen_at"] is None

    WorkerHeartbeat.objects.create(name="worker", seen_at="2026-01-01T00:00:00Z")

    assert client.get("/health/").json()["worker_seen_at"].startswith("2026-01-01")


@pytest.mark.usefixtures("upstream_settings")
def test_project_page_query_count_is_bounded_whatever_discovery_found(
    client: Client, django_assert_max_num_queries: Any
) -> None:
    # Pythia 6.9B leads discovery to its card, 3 repositories (4 answers each), datasets and
    # papers: the page rebuilds that set from stored snapshots in a few rounds, not per source.
    from io import StringIO

    from django.conf import settings
    from django.core.management import call_command

    seed = f"{settings.BASE_DIR}/registry/catalogue"
    call_command("load_catalogue", f"{seed}/pythia-6.9b.yaml", stdout=StringIO())
    call_command("seed_snapshots", f"{seed}/upstream", stdout=StringIO())

    with django_assert_max_num_queries(15):
        page = client.get("/projects/pythia-6.9b/")

    assert page.status_code == 200
    assert "Found by the audit" in page.text
