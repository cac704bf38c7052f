"""The seed systems, audited from the recorded upstream answers, come out as the evidence says."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client

from audits.models import Finding, Snapshot, SourceState
from registry.models import License, Organization, Project
from tests.fakes.upstream import FakeUpstream

SEED = Path(settings.BASE_DIR) / "registry" / "catalogue"
LLAMA_2 = ["llama-2-7b", "llama-2-13b", "llama-2-70b"]
PYTHIA = [p.stem for p in SEED.glob("pythia-*.yaml")]


@pytest.fixture(scope="module")
def audited(django_db_setup: None, django_db_blocker: pytest.FixtureRequest) -> object:
    """The whole seed catalogue, audited once against the fake upstream."""
    with FakeUpstream() as fake, django_db_blocker.unblock():
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(settings, "HF_ENDPOINT", fake.url)
            patch.setattr(settings, "GITHUB_API_URL", fake.github_url)
            patch.setattr(settings, "ARXIV_API_URL", fake.arxiv_url)
            call_command("load_catalogue", str(SEED))
            call_command("audit", "--all", "--now")
        yield fake
        # Module-scoped rows live outside each test's transaction: remove them for the next module.
        for model in (Project, Snapshot, SourceState, Organization, License):
            model.objects.all().delete()


def current(slug: str) -> tuple[Project, dict[str, Finding]]:
    project = Project.objects.select_related("current_verdict__run").get(slug=slug)
    assert project.current_verdict is not None, f"{slug} has no verdict"
    findings = {f.component: f for f in project.current_verdict.run.findings.all()}
    return project, findings


@pytest.mark.django_db
@pytest.mark.usefixtures("audited")
@pytest.mark.parametrize("slug", LLAMA_2)
def test_llama_2_is_not_open_source_ai(slug: str) -> None:
    project, findings = current(slug)

    verdict = project.current_verdict
    assert verdict.osaid == "not-open-source-ai"
    assert verdict.gated and verdict.category == "restricted-weights"
    weights = findings["final-weights"]
    assert weights.status == "restricted"
    assert weights.license == "LicenseRef-scancode-llama-2-license-2023"
    assert any(
        e["field"] == "cardData.license" and e["value"] == "llama2" for e in weights.evidence
    )
    assert findings["access"].status == "manual"
    assert findings["training-datasets"].status == "not-found"
    assert findings["data-provenance"].status == "not-disclosed"
    unmet = " ".join(verdict.osaid_unmet).lower()
    assert "weights" in unmet and "training data" in unmet


@pytest.mark.django_db
@pytest.mark.usefixtures("audited")
@pytest.mark.parametrize("slug", ["stable-diffusion-v1-4", "stable-diffusion-2-1"])
def test_stable_diffusion_weights_are_restricted_and_its_laion_data_disclosed(slug: str) -> None:
    project, findings = current(slug)

    assert project.current_verdict.osaid == "not-open-source-ai"
    assert project.current_verdict.category == "restricted-weights"
    weights = findings["final-weights"]
    assert weights.status == "restricted"
    assert weights.evidence and weights.reason
    assert findings["data-provenance"].status == "disclosed"


@pytest.mark.django_db
@pytest.mark.usefixtures("audited")
@pytest.mark.parametrize("slug", PYTHIA)
def test_pythia_is_open_source_ai_and_says_what_holds_it_below_class_one(slug: str) -> None:
    project, findings = current(slug)

    verdict = project.current_verdict
    assert verdict.osaid == "open-source-ai", verdict.osaid_unmet
    assert findings["final-weights"].status == "open"
    assert findings["final-weights"].license == "Apache-2.0"
    assert findings["intermediate-checkpoints"].status == "open"
    if verdict.mof_class != "I":
        assert verdict.mof_unmet["I"], "the verdict must say what holds it below Class I"


@pytest.mark.django_db
@pytest.mark.usefixtures("audited")
@pytest.mark.parametrize("slug", ["gpt-neox-20b", "gpt-j-6b"])
def test_eleutherai_models_are_judged_on_apache_weights_and_code_and_the_pile(slug: str) -> None:
    _, findings = current(slug)

    assert findings["final-weights"].status == "open"
    assert findings["final-weights"].license == "Apache-2.0"
    code = [findings[c] for c in ("training-code", "inference-code", "model-architecture")]
    assert all(f.status == "open" for f in code), [(f.component, f.status) for f in code]
    datasets = findings["training-datasets"]
    assert any("pile" in e["locator"].lower() for e in datasets.evidence), datasets.evidence


@pytest.mark.django_db
@pytest.mark.usefixtures("audited")
def test_every_seed_project_has_a_verdict_with_evidence() -> None:
    for project in Project.objects.select_related("current_verdict__run"):
        assert project.current_verdict is not None, project.slug
        for finding in project.current_verdict.run.findings.all():
            assert finding.reason, (project.slug, finding.component)
            if finding.status in ("open", "restricted", "gated"):
                assert finding.evidence, (project.slug, finding.component)


@pytest.mark.django_db
@pytest.mark.usefixtures("audited")
def test_llama_page_explains_why_it_is_not_open_source_ai(client: Client) -> None:
    page = client.get("/projects/llama-2-7b/").text

    assert "not-open-source-ai" in page
    assert "LicenseRef-scancode-llama-2-license-2023" in page
    assert "cardData.license" in page
