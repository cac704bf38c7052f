"""License pages and the methodology page, generated from the rules' own tables."""

from __future__ import annotations

import re
from dataclasses import replace
from html import unescape
from io import StringIO
from pathlib import Path
from types import MappingProxyType

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from pytest_django import DjangoAssertNumQueries

from audits import rules
from registry.components import COMPONENTS
from registry.licenses import HF_LICENSES, RULES
from registry.models import License, Project

SEED = Path(settings.BASE_DIR) / "registry" / "catalogue"
LLAMA_2 = "LicenseRef-scancode-llama-2-license-2023"

pytestmark = [pytest.mark.django_db]


def seed(*slugs: str) -> None:
    for slug in slugs:
        call_command("load_catalogue", str(SEED / f"{slug}.yaml"), stdout=StringIO())
    call_command("seed_snapshots", str(SEED / "upstream"), stdout=StringIO())


def row(page: str, license_id: str) -> str:
    """The table row of one license on the list page."""
    match = re.search(
        rf'<tr>\s*<th scope="row"><a href="/licenses/{re.escape(license_id)}/">.*?</tr>', page, re.S
    )
    assert match, f"{license_id} is not listed"
    return match.group(0)


def openness(cells: str, content: str) -> str:
    match = re.search(
        rf'data-content="{content}"><span class="status status-(\w+)"[^>]*>([^<]+)<', cells
    )
    assert match, content
    return f"{match.group(1)}: {match.group(2)}"


# --- /licenses/ ---------------------------------------------------------------------------------


def test_license_list_shows_the_licenses_listed_projects_use(client: Client) -> None:
    seed("pythia-6.9b", "llama-2-7b", "bert-base-uncased")
    Project.objects.filter(slug="bert-base-uncased").update(
        review_state=Project.ReviewState.WITHDRAWN
    )
    License.objects.ensure("GPL-2.0+")  # known, but no project names it

    page = client.get("/licenses/").text

    in_use = set(
        License.objects.filter(projects__review_state="listed").values_list("id", flat=True)
    )
    shown = set(re.findall(r'<th scope="row"><a href="/licenses/([^"]+)/">', page))
    assert shown == in_use
    assert {"Apache-2.0", LLAMA_2} <= shown
    assert "GPL-2.0-or-later" not in shown
    assert page.count("<h1>") == 1


def test_license_list_says_what_each_license_is_open_for(client: Client) -> None:
    seed("pythia-6.9b", "llama-2-7b")

    page = client.get("/licenses/").text

    apache, llama = row(page, "Apache-2.0"), row(page, LLAMA_2)
    assert openness(apache, "code") == "open: open"
    assert openness(apache, "weights") == "open: open"
    assert openness(llama, "weights") == "restricted: restricted"
    assert openness(llama, "code") == "restricted: restricted"
    assert "Proprietary Free" in llama
    apache_projects = Project.objects.filter(licenses="Apache-2.0").count()
    assert re.search(rf"<td>{apache_projects}</td>\s*</tr>", apache)


def test_license_list_explains_the_rules(client: Client) -> None:
    seed("pythia-6.9b")

    page = unescape(client.get("/licenses/").text)

    for rule in RULES.values():
        assert f"For {rule.noun}, a license is open when it is" in page
    assert 'href="/methodology/"' in page


def test_license_list_queries_do_not_grow_with_licenses(
    client: Client, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    seed("pythia-6.9b", "pythia-70m", "llama-2-7b", "stable-diffusion-v1-4", "bloom")

    with django_assert_max_num_queries(1):
        client.get("/licenses/")


# --- /licenses/<id>/ ----------------------------------------------------------------------------


def test_license_detail_lists_exactly_the_listed_projects_under_it(client: Client) -> None:
    seed("pythia-6.9b", "pythia-70m", "llama-2-7b", "llama-2-13b")
    Project.objects.filter(slug="llama-2-13b").update(review_state=Project.ReviewState.WITHDRAWN)

    page = client.get(f"/licenses/{LLAMA_2}/").text

    linked = re.findall(r'<th scope="row"><a href="/projects/([^/"]+)/">', page)
    assert linked == ["llama-2-7b"]
    assert 'class="status status-closed">not open source AI<' in page


def test_license_detail_gives_facts_openness_reasons_restrictions_and_the_text(
    client: Client,
) -> None:
    seed("llama-2-7b")
    llama = License.objects.get(pk=LLAMA_2)

    page = unescape(client.get(f"/licenses/{LLAMA_2}/").text)

    assert f'href="{llama.url}"' in page
    assert "allows free use only under conditions that restrict it" in page
    for content in RULES:
        assert llama.classify(content).reason in page
    assert "Proprietary Free" in page


def test_open_license_detail_has_no_restrictions_and_says_open_for_code(client: Client) -> None:
    seed("pythia-6.9b")

    page = unescape(client.get("/licenses/Apache-2.0/").text)

    assert "records no use restrictions" in page
    code = re.search(r'<tr data-content="code">(.*?)</tr>', page, re.S)
    assert code and '<span class="status status-open">open<' in code.group(1)
    assert License.objects.get(pk="Apache-2.0").classify("code").reason in page
    assert 'href="/projects/pythia-6.9b/"' in page


@pytest.mark.parametrize(
    "license_id", ["GPL-2.0+", "LicenseRef-scancode-llama-3.1-license-2024", "CC-BY-4.0"]
)
def test_license_ids_with_dots_and_plus_resolve(client: Client, license_id: str) -> None:
    License.objects.create(id=license_id, name=f"The {license_id} license")

    page = client.get(f"/licenses/{license_id}/")

    assert page.status_code == 200
    assert f"The {license_id} license" in page.text


@pytest.mark.parametrize("license_id", ["Nope-1.0", "Apache-2.0+", "GPL-2.0+"])
def test_unknown_license_is_404(client: Client, license_id: str) -> None:
    assert client.get(f"/licenses/{license_id}/").status_code == 404


def test_license_detail_queries_do_not_grow_with_projects(
    client: Client, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    seed(*(p.stem for p in SEED.glob("pythia-*.yaml")))

    with django_assert_max_num_queries(2):
        page = client.get("/licenses/Apache-2.0/")

    assert page.text.count('href="/projects/pythia-') == 8


# --- /methodology/ ------------------------------------------------------------------------------


def test_methodology_shows_every_component_status_and_the_rules_version(client: Client) -> None:
    page = unescape(client.get("/methodology/").text)

    assert page.count("<h1>") == 1
    assert rules.RULES_VERSION in page
    for component in COMPONENTS:
        assert component.label in page
        assert rules.COMPONENT_RULES[component.id].open_when in page
    for status, weight in rules.SCORE_WEIGHTS.items():
        assert f'status-{status}">{status}</span></th><td>{weight}</td>' in page
    assert f"{len(HF_LICENSES)} Hub license ids" in page
    assert "MOF Class I (optional)" in page and "OSAID 1.0" in page


def test_methodology_is_generated_from_the_rules_tables(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    changed = dict(rules.COMPONENT_RULES)
    changed["final-weights"] = replace(
        changed["final-weights"], open_when="Weights are open when the moon is full."
    )
    monkeypatch.setattr(rules, "COMPONENT_RULES", MappingProxyType(changed))
    monkeypatch.setattr(rules, "RULES_VERSION", "1999.1.1")

    page = client.get("/methodology/").text

    assert "Weights are open when the moon is full." in page
    assert "1999.1.1" in page
