"""SVG badges of a project's verdict: words, colours, caching and 404s."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client

from audits import auditing
from registry.badges import text_width
from registry.models import Project
from tests.factories import ProjectFactory
from tests.fakes.upstream import FakeUpstream

SEED = Path(settings.BASE_DIR) / "registry" / "catalogue"
SVG = "{http://www.w3.org/2000/svg}"
PYTHIA_MODEL = "/api/models/EleutherAI/pythia-6.9b"

pytestmark = [pytest.mark.django_db]


def seed(*slugs: str) -> None:
    for slug in slugs:
        call_command("load_catalogue", str(SEED / f"{slug}.yaml"), stdout=StringIO())
    call_command("seed_snapshots", str(SEED / "upstream"), stdout=StringIO())


def badge(client: Client, slug: str) -> ET.Element:
    response = client.get(f"/badge/{slug}.svg")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    return ET.fromstring(response.content)


def texts(svg: ET.Element) -> list[str]:
    return [t.text or "" for t in svg.iter(f"{SVG}text")]


def fill(svg: ET.Element) -> str:
    # The second rectangle is the message's background.
    return svg.find(f"{SVG}g").findall(f"{SVG}rect")[1].get("fill")


def test_badge_names_the_verdict_of_an_audited_project(client: Client) -> None:
    seed("pythia-6.9b")

    svg = badge(client, "pythia-6.9b")

    # Pythia meets MOF Class III; MOT's Class I needs its data and evaluation data open too.
    assert texts(svg)[-1] == "open source AI · MOF Class III"
    assert "OSAID" in texts(svg)
    assert svg.get("role") == "img"
    assert svg.get("aria-label") == svg.findtext(f"{SVG}title")
    assert svg.findtext(f"{SVG}title").startswith("Pythia 6.9B: OSAID open source AI")


@pytest.mark.parametrize(
    ("osaid", "mof_class", "words"),
    [
        ("open-source-ai", "II", "open source AI · MOF Class II"),
        ("not-open-source-ai", "III", "not open source AI · MOF Class III"),
        ("not-open-source-ai", "", "not open source AI"),
    ],
)
def test_badge_adds_the_mof_class_when_one_is_reached(
    client: Client, osaid: str, mof_class: str, words: str
) -> None:
    ProjectFactory(slug="classy-1b", osaid=osaid, mof_class=mof_class)

    svg = badge(client, "classy-1b")

    assert texts(svg)[-1] == words
    assert words in svg.get("aria-label")


def test_each_verdict_state_has_its_words_and_colour(client: Client) -> None:
    seed("pythia-6.9b", "llama-2-7b")
    insufficient = ProjectFactory(slug="unclear-1b", osaid="insufficient-evidence")
    ProjectFactory(slug="new-1b")

    states = {
        slug: badge(client, slug)
        for slug in ("pythia-6.9b", "llama-2-7b", insufficient.slug, "new-1b")
    }

    assert texts(states["llama-2-7b"])[-1] == "not open source AI"
    assert texts(states["unclear-1b"])[-1] == "insufficient evidence"
    assert texts(states["new-1b"])[-1] == "not audited"
    assert len({fill(svg) for svg in states.values()}) == 4
    assert fill(states["pythia-6.9b"]) == "#1a7f37"
    assert fill(states["llama-2-7b"]) == "#cf222e"


def test_width_grows_with_the_message_and_fits_the_text(client: Client) -> None:
    ProjectFactory(slug="short-1b")
    ProjectFactory(slug="long-1b", osaid="insufficient-evidence")

    short, long = badge(client, "short-1b"), badge(client, "long-1b")

    assert int(long.get("width")) > int(short.get("width"))
    assert int(long.get("width")) >= text_width("OSAID") + text_width("insufficient evidence")


def test_names_are_escaped(client: Client) -> None:
    ProjectFactory(slug="tricky-1b", name='<script>"&</script>')

    response = client.get("/badge/tricky-1b.svg")

    assert b"<script>" not in response.content
    assert ET.fromstring(response.content).findtext(f"{SVG}title").startswith('<script>"&')


def test_badge_is_cacheable_and_revalidates_with_its_etag(client: Client) -> None:
    seed("pythia-6.9b")

    first = client.get("/badge/pythia-6.9b.svg")
    again = client.get("/badge/pythia-6.9b.svg", headers={"if-none-match": first["ETag"]})

    assert "public" in first["Cache-Control"] and "max-age=3600" in first["Cache-Control"]
    assert first["ETag"]
    assert again.status_code == 304
    assert again["ETag"] == first["ETag"] and "max-age=3600" in again["Cache-Control"]


def test_etag_changes_when_the_verdict_does(
    client: Client, upstream_settings: FakeUpstream
) -> None:
    seed("pythia-6.9b")
    before = client.get("/badge/pythia-6.9b.svg")
    upstream_settings.patch_json(
        PYTHIA_MODEL, lambda d: d["cardData"].update(license="cc-by-nc-4.0")
    )

    run = auditing.start_run(project=Project.objects.get(slug="pythia-6.9b"), trigger="manual")
    auditing.perform_audit(run_id=run.pk)
    after = client.get("/badge/pythia-6.9b.svg", headers={"if-none-match": before["ETag"]})

    assert after.status_code == 200
    assert after["ETag"] != before["ETag"]
    assert texts(ET.fromstring(after.content))[-1].startswith("not open source AI")


@pytest.mark.parametrize("url", ["/badge/nope.svg", "/badge/Pythia.svg"])
def test_unknown_or_withdrawn_project_is_a_plain_404(client: Client, url: str) -> None:
    ProjectFactory(slug="gone-1b", review_state=Project.ReviewState.WITHDRAWN)

    for missing in (url, "/badge/gone-1b.svg"):
        response = client.get(missing)

        assert response.status_code == 404
        assert response["Content-Type"].startswith("text/plain")
        assert b"<svg" not in response.content
        assert "max-age=60" in response["Cache-Control"]
