"""Atom feeds of changes: the whole catalogue, one project, one organization."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from html import unescape
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client

from audits import auditing
from audits.models import Change
from registry.models import Project
from tests.fakes.upstream import FakeUpstream

SEED = Path(settings.BASE_DIR) / "registry" / "catalogue"
ATOM = "{http://www.w3.org/2005/Atom}"
PYTHIA_MODEL = "/api/models/EleutherAI/pythia-6.9b"

pytestmark = [pytest.mark.django_db]


def seed(*slugs: str) -> None:
    for slug in slugs:
        call_command("load_catalogue", str(SEED / f"{slug}.yaml"), stdout=StringIO())
    call_command("seed_snapshots", str(SEED / "upstream"), stdout=StringIO())


def reaudit(slug: str) -> None:
    run = auditing.start_run(project=Project.objects.get(slug=slug), trigger="manual")
    auditing.perform_audit(run_id=run.pk)


def entries(client: Client, url: str) -> list[ET.Element]:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    assert feed.tag == f"{ATOM}feed"
    return feed.findall(f"{ATOM}entry")


def titles(found: list[ET.Element]) -> list[str]:
    return [e.findtext(f"{ATOM}title") for e in found]


def links(found: list[ET.Element]) -> list[str]:
    return [e.find(f"{ATOM}link").get("href") for e in found]


def test_global_feed_lists_changes_of_listed_projects_newest_first(
    client: Client, upstream_settings: FakeUpstream
) -> None:
    seed("pythia-6.9b", "llama-2-7b", "bert-base-uncased")
    Project.objects.filter(slug="bert-base-uncased").update(
        review_state=Project.ReviewState.WITHDRAWN
    )
    upstream_settings.patch_json(PYTHIA_MODEL, lambda d: d["cardData"].update(license="mit"))
    reaudit("pythia-6.9b")

    found = entries(client, "/feeds/changes/")

    listed = Change.objects.filter(project__review_state="listed").order_by("-created_at", "-pk")
    assert titles(found) == [c.summary for c in listed]
    assert "Final weights license changed from Apache-2.0 to MIT." in titles(found)
    assert all(title.startswith("First verdict") for title in titles(found)[-2:])
    assert not any("/projects/bert-base-uncased/" in link for link in links(found))
    updated = [e.findtext(f"{ATOM}updated") for e in found]
    assert updated == sorted(updated, reverse=True)


def test_every_entry_links_to_its_change_on_the_project_page_with_a_unique_id(
    client: Client,
) -> None:
    seed("pythia-6.9b", "llama-2-7b")

    found = entries(client, "/feeds/changes/")

    assert len(found) == 2
    ids = [e.findtext(f"{ATOM}id") for e in found]
    assert len(set(ids)) == 2 and all(i.startswith("tag:glasshouse,") for i in ids)
    for entry in found:
        change = Change.objects.get(pk=entry.findtext(f"{ATOM}id").rsplit("/", 1)[1])
        assert entry.findtext(f"{ATOM}title") == change.summary
        assert entry.find(f"{ATOM}link").get("href") == (
            f"http://testserver/projects/{change.project.slug}/#change-{change.pk}"
        )
        assert entry.findtext(f"{ATOM}author/{ATOM}name") == "Glasshouse"
        assert entry.findtext(f"{ATOM}published") == change.created_at.isoformat()


def test_global_feed_holds_at_most_fifty_entries(client: Client) -> None:
    seed("pythia-6.9b")
    change = Change.objects.get()
    Change.objects.bulk_create(
        Change(
            project=change.project,
            run=change.run,
            kind=Change.Kind.CATEGORY,
            summary=f"Change {n}",
        )
        for n in range(60)
    )

    assert len(entries(client, "/feeds/changes/")) == 50


def test_project_feed_holds_only_its_own_changes(
    client: Client, upstream_settings: FakeUpstream
) -> None:
    seed("pythia-6.9b", "llama-2-7b")
    upstream_settings.patch_json(PYTHIA_MODEL, lambda d: d["cardData"].update(license="mit"))
    reaudit("pythia-6.9b")

    pythia = entries(client, "/projects/pythia-6.9b/feed/")
    llama = entries(client, "/projects/llama-2-7b/feed/")

    expected = Project.objects.get(slug="pythia-6.9b").changes.order_by("-created_at", "-pk")
    assert titles(pythia) == [c.summary for c in expected]
    assert len(pythia) > 1
    assert all("/projects/pythia-6.9b/#change-" in link for link in links(pythia))
    assert len(llama) == 1 and "/projects/llama-2-7b/" in links(llama)[0]


def test_organization_feed_holds_only_its_projects_changes(client: Client) -> None:
    seed("pythia-6.9b", "pythia-70m", "llama-2-7b")

    eleuther = entries(client, "/organizations/eleutherai/feed/")
    meta = entries(client, "/organizations/meta/feed/")

    assert len(eleuther) == 2
    assert all("/projects/pythia-" in link for link in links(eleuther))
    assert len(meta) == 1 and "/projects/llama-2-7b/" in links(meta)[0]


@pytest.mark.parametrize(
    "url",
    [
        "/projects/nope/feed/",
        "/organizations/nope/feed/",
        "/projects/Pythia/feed/",
    ],
)
def test_unknown_project_or_organization_feed_is_404(client: Client, url: str) -> None:
    seed("pythia-6.9b")

    assert client.get(url).status_code == 404


def test_withdrawn_project_has_no_feed(client: Client) -> None:
    seed("pythia-6.9b")
    Project.objects.update(review_state=Project.ReviewState.WITHDRAWN)

    assert client.get("/projects/pythia-6.9b/feed/").status_code == 404
    assert entries(client, "/organizations/eleutherai/feed/") == []


def test_entries_carry_names_and_summaries_as_text_not_markup(client: Client) -> None:
    seed("pythia-6.9b")
    Project.objects.update(name="Pythia <6.9B> & co")

    (entry,) = entries(client, "/feeds/changes/")

    summary = entry.find(f"{ATOM}summary")
    assert summary.get("type") == "html"
    assert unescape(summary.text).startswith("Pythia <6.9B> & co: First verdict")
    assert "<" not in summary.text
    assert entry.findtext(f"{ATOM}title").startswith("First verdict")
