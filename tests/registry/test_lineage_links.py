"""A derivative's lineage links each base model to the listed project that publishes it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client

from audits import auditing, lineage
from registry.models import Project
from tests.factories import ArtifactFactory, ProjectFactory
from tests.fakes.upstream import FakeUpstream

SEED = Path(settings.BASE_DIR) / "registry" / "catalogue"
MISTRAL = "mistralai/Mistral-7B-v0.1"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_throttles() -> None:
    cache.clear()


@pytest.fixture
def audited(upstream_settings: FakeUpstream) -> None:
    """Mistral 7B and Zephyr 7B beta (fine-tuned from it), both audited against the fake."""
    for slug in ("mistral-7b-v0.1", "zephyr-7b-beta"):
        call_command("load_catalogue", str(SEED / f"{slug}.yaml"))
        run = auditing.start_run(project=Project.objects.get(slug=slug), trigger="manual")
        assert auditing.perform_audit(run_id=run.pk).complete


@pytest.mark.usefixtures("audited")
def test_the_api_lineage_chain_carries_the_listed_base_project(
    client: Client, django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(7):
        body = client.get("/api/v1/projects/zephyr-7b-beta/").json()

    assert body["verdict"]["lineage"] == [MISTRAL]
    assert body["lineage"]["status"] == "derived"
    assert body["lineage"]["chain"] == [
        {
            "locator": MISTRAL,
            "source_url": f"https://huggingface.co/{MISTRAL}",
            "slug": "mistral-7b-v0.1",
            "url": "http://testserver/projects/mistral-7b-v0.1/",
            "api_url": "http://testserver/api/v1/projects/mistral-7b-v0.1/",
        }
    ]
    original = client.get("/api/v1/projects/mistral-7b-v0.1/").json()
    assert original["lineage"]["status"] == "original" and original["lineage"]["chain"] == []


@pytest.mark.usefixtures("audited")
def test_the_project_page_links_the_base_project(
    client: Client, django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(15):
        page = client.get("/projects/zephyr-7b-beta/")

    assert page.status_code == 200
    assert f'<a href="https://huggingface.co/{MISTRAL}" rel="noopener">{MISTRAL}</a>' in page.text
    assert 'audited here as <a href="/projects/mistral-7b-v0.1/">Mistral 7B v0.1</a>' in page.text
    assert "Derived from" not in client.get("/projects/mistral-7b-v0.1/").text


@pytest.mark.usefixtures("audited")
def test_a_base_that_is_not_listed_is_not_linked(client: Client) -> None:
    Project.objects.filter(slug="mistral-7b-v0.1").update(
        review_state=Project.ReviewState.WITHDRAWN
    )

    chain = client.get("/api/v1/projects/zephyr-7b-beta/").json()["lineage"]["chain"]
    page = client.get("/projects/zephyr-7b-beta/").text

    assert [(b["locator"], b["slug"], b["url"], b["api_url"]) for b in chain] == [
        (MISTRAL, None, None, None)
    ]
    assert f"https://huggingface.co/{MISTRAL}" in page
    assert "/projects/mistral-7b-v0.1/" not in page


def test_a_chain_matches_hub_ids_regardless_of_case_and_never_links_the_project_itself(
    django_assert_num_queries: Any,
) -> None:
    base = ProjectFactory(slug="base-7b")
    ArtifactFactory(project=base, locator="Org/Base-7B")
    ArtifactFactory(project=ProjectFactory(slug="zz-base-copy"), locator="org/base-7b")
    itself = ProjectFactory(slug="tune-7b")
    ArtifactFactory(project=itself, locator="org/middle")

    with django_assert_num_queries(1):
        chain = lineage.chain_of(["org/middle", "org/base-7b", "org/unknown"], project=itself)

    assert [(b.locator, b.project.slug if b.project else None) for b in chain] == [
        ("org/middle", None),
        ("org/base-7b", "base-7b"),
        ("org/unknown", None),
    ]
    assert lineage.chain_of([]) == []
