"""The catalogue, project and compare pages on the seed catalogue, without a browser."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client

from registry.models import Project

SEED = Path(settings.BASE_DIR) / "registry" / "catalogue"

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded() -> None:
    call_command("load_catalogue", str(SEED), stdout=StringIO())
    call_command("seed_snapshots", str(SEED / "upstream"), stdout=StringIO())


def project_links(html: str) -> int:
    return html.count('<th scope="row"><a href="/projects/')


@pytest.mark.usefixtures("seeded")
def test_facets_filter_and_show_counts(client: Client) -> None:
    everything = client.get("/").text
    speech = client.get("/", {"kind": "speech"}).text

    assert "41 projects" in everything
    speech_count = Project.objects.filter(kind="speech").count()
    assert f"{speech_count} project" in speech
    assert f'Speech <span class="count">({speech_count})</span>' in everything
    assert project_links(speech) == speech_count


@pytest.mark.usefixtures("seeded")
def test_open_source_ai_language_models_in_two_choices(client: Client) -> None:
    page = client.get("/", {"osaid": "open-source-ai", "kind": "language-model"}).text

    assert "pythia-6.9b" in page and "llama-2-7b" not in page
    assert 'value="open-source-ai" checked' in page


@pytest.mark.usefixtures("seeded")
def test_htmx_gets_only_the_results(client: Client) -> None:
    partial = client.get("/", {"q": "pythia"}, HTTP_HX_REQUEST="true")
    full = client.get("/", {"q": "pythia"})

    assert "<html" not in partial.text and "<html" in full.text
    assert project_links(partial.text) == 8
    # Facet counts come along out of band, so they follow the results.
    assert 'id="facet-list" hx-swap-oob="true"' in partial.text
    assert 'EleutherAI <span class="count">(8)</span>' in partial.text


@pytest.mark.usefixtures("seeded")
def test_a_bad_filter_value_is_ignored_and_said(client: Client) -> None:
    page = client.get("/", {"osaid": "maybe"})

    assert page.status_code == 200
    assert "Some filters were ignored" in page.text and "osaid" in page.text
    assert "41 projects" in page.text


@pytest.mark.usefixtures("seeded")
def test_sort_and_pages(client: Client) -> None:
    first = client.get("/", {"sort": "-score"}).text
    second = client.get("/", {"sort": "-score", "page": 2}).text

    assert project_links(first) == 25 and project_links(second) == 16
    assert "Page 1 of 2" in first and 'rel="next"' in first
    top = Project.objects.order_by("-score", "slug").first()
    assert first.index(top.name) < first.index("</tbody>")


@pytest.mark.usefixtures("seeded")
def test_openness_grid_says_each_group_in_words(client: Client) -> None:
    page = client.get("/", {"q": "llama-2-7b"}).text

    assert "Weights: </span>0 of 2 open" in page
    assert "cell cell-closed" in page


@pytest.mark.usefixtures("seeded")
def test_project_page_has_chart_badge_and_exports(client: Client) -> None:
    page = client.get("/projects/pythia-6.9b/").text

    assert '<svg class="chart"' in page and "Openness score over time" in page
    assert "[![Glasshouse verdict](http://testserver/badge/pythia-6.9b.svg)]" in page
    assert "/api/v1/projects/pythia-6.9b/export/spdx/" in page
    assert "/api/v1/projects/pythia-6.9b/export/cyclonedx/" in page


@pytest.mark.usefixtures("seeded")
def test_compare_marks_the_rows_that_differ(client: Client) -> None:
    page = client.get("/compare/", {"p": ["stable-diffusion-v1-4", "stable-diffusion-2-1"]}).text

    assert "Stable Diffusion v1.4" in page and "Stable Diffusion 2.1" in page
    assert page.count('class="differs"') >= 1
    assert "Final weights" in page


@pytest.mark.usefixtures("seeded")
@pytest.mark.parametrize(
    ("chosen", "message"),
    [
        (["pythia-70m"], "at least two"),
        (["pythia-70m", "nope"], "No project is called nope"),
        (["pythia-70m", "pythia-160m", "pythia-410m", "pythia-1b", "pythia-1.4b"], "at most 4"),
    ],
)
def test_compare_says_what_is_wrong(client: Client, chosen: list[str], message: str) -> None:
    page = client.get("/compare/", {"p": chosen})

    assert page.status_code == 200 and message in page.text


@pytest.mark.usefixtures("seeded")
def test_evidence_link_opens_the_stored_answer_at_its_field(client: Client) -> None:
    page = client.get("/projects/llama-2-7b/").text
    anchor = page.index('class="evidence-link">hf-model:meta-llama/Llama-2-7b-hf')
    start = page.rindex('href="/evidence/', 0, anchor)
    link = page[start + 6 : page.index('"', start + 6)].replace("&amp;", "&")

    evidence = client.get(link).text

    assert "meta-llama/Llama-2-7b-hf" in evidence
    assert "The field the finding read" in evidence
    assert "Shipped with the seed catalogue" in evidence
    assert client.get("/evidence/999999/").status_code == 404
