"""GET /api/v1/projects/{slug}/: the contract DESIGN.md promises to scripts and benchmarks."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client

from audits import auditing
from registry.models import Project
from tests.fakes.upstream import FakeUpstream

SEED = Path(settings.BASE_DIR) / "registry" / "catalogue"

pytestmark = pytest.mark.django_db


def test_project_detail_carries_the_verdict_and_components_with_evidence(
    client: Client, upstream_settings: FakeUpstream
) -> None:
    call_command("load_catalogue", str(SEED / "pythia-6.9b.yaml"))
    run = auditing.start_run(project=Project.objects.get(slug="pythia-6.9b"), trigger="manual")
    auditing.perform_audit(run_id=run.pk)

    body = client.get("/api/v1/projects/pythia-6.9b/").json()

    assert body["slug"] == "pythia-6.9b" and body["name"] == "Pythia 6.9B"
    verdict = body["verdict"]
    assert verdict["osaid"] in {"open-source-ai", "not-open-source-ai", "insufficient-evidence"}
    assert verdict["mof_class"] in {"I", "II", "III", None}
    assert verdict["category"] in {"open-source-ai", "open-weights", "restricted-weights", "closed"}
    assert isinstance(verdict["score"], int) and verdict["gated"] is False
    assert verdict["stale"] is False
    assert body["audited_at"]
    components = {c["component"]: c for c in body["components"]}
    assert len(components) == 17
    weights = components["final-weights"]
    assert weights["status"] == "open" and weights["license"] == "Apache-2.0" and weights["reason"]
    assert weights["evidence"][0]["url"].startswith(upstream_settings.url)
    assert {"source", "locator", "field", "value", "url"} <= set(weights["evidence"][0])
    assert len(body["data_information"]) == 3


def test_project_not_audited_yet_has_no_verdict(client: Client) -> None:
    call_command("load_catalogue", str(SEED / "gpt2.yaml"))

    body = client.get("/api/v1/projects/gpt2/").json()

    assert body["verdict"] is None and body["components"] == []


def test_unknown_project_is_404_json(client: Client) -> None:
    response = client.get("/api/v1/projects/nope/")

    assert response.status_code == 404
    assert "detail" in response.json()
