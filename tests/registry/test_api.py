"""The REST API end to end: contract, filters, search, facets, pages, caching, errors, auth."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token

from audits import auditing
from audits.models import AuditRun, Change, SourceState
from registry import pagination
from registry.models import Project
from tests.factories import ProjectFactory, make_moderator
from tests.fakes.upstream import FakeUpstream

SEED = Path(settings.BASE_DIR) / "registry" / "catalogue"
UPSTREAM = SEED / "upstream"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_throttles() -> None:
    cache.clear()


@pytest.fixture
def seeded() -> None:
    call_command("load_catalogue", str(SEED), stdout=StringIO())
    call_command("seed_snapshots", str(UPSTREAM), stdout=StringIO())


def slugs(body: dict[str, Any]) -> list[str]:
    return [row["slug"] for row in body["results"]]


def token_client(user: User) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")


@pytest.fixture
def moderator() -> User:
    return make_moderator("mod", password="x")


# --- the four questions a new user asks ---------------------------------------------------------


@pytest.mark.usefixtures("seeded")
def test_all_open_source_ai_language_models(client: Client) -> None:
    body = client.get("/api/v1/projects/", {"osaid": "open-source-ai", "kind": "language-model"})

    found = slugs(body.json())
    assert found and all(s.startswith(("pythia-", "olmo-")) for s in found)
    assert {"pythia-6.9b", "pythia-70m"} <= set(found)
    assert "llama-2-7b" not in found


def test_everything_whose_weights_license_changed_lately(
    client: Client, upstream_settings: FakeUpstream
) -> None:
    for slug in ("pythia-6.9b", "pythia-70m"):
        call_command("load_catalogue", str(SEED / f"{slug}.yaml"), stdout=StringIO())
        auditing.perform_audit(
            run_id=auditing.start_run(project=Project.objects.get(slug=slug), trigger="manual").pk
        )
    upstream_settings.patch_json(
        "/api/models/EleutherAI/pythia-6.9b", lambda d: d["cardData"].update(license="mit")
    )
    auditing.perform_audit(
        run_id=auditing.start_run(
            project=Project.objects.get(slug="pythia-6.9b"), trigger="manual"
        ).pk
    )
    since = (timezone.now() - timedelta(days=30)).isoformat()

    body = client.get(
        "/api/v1/projects/",
        {"changed_since": since, "change_kind": "license", "change_component": "final-weights"},
    ).json()

    assert slugs(body) == ["pythia-6.9b"]
    change = client.get("/api/v1/projects/pythia-6.9b/changes/").json()["results"][0]
    assert change["kind"] in {"license", "status", "osaid", "category"}


@pytest.mark.usefixtures("seeded")
def test_which_projects_use_the_llama_2_license(client: Client) -> None:
    by_hub_id = client.get("/api/v1/projects/", {"license": "llama2"}).json()
    license_page = client.get("/api/v1/licenses/LicenseRef-scancode-llama-2-license-2023/").json()

    # LLaVA-1.5's card names no license key, but its text says the LLAMA 2 Community License.
    llama = ["llama-2-13b", "llama-2-70b", "llama-2-7b", "llava-v1.5-7b"]
    assert sorted(slugs(by_hub_id)) == llama
    assert sorted(license_page["projects"]) == llama
    assert license_page["open_for"]["weights"]["status"] == "restricted"
    assert license_page["category"] == "Proprietary Free"


@pytest.mark.usefixtures("seeded")
def test_the_evidence_for_pythias_training_data_verdict(client: Client) -> None:
    body = client.get("/api/v1/projects/pythia-6.9b/").json()

    facets = {f["component"]: f for f in body["data_information"]}
    assert set(facets) == {"data-provenance", "data-characteristics", "data-labelling"}
    provenance = facets["data-provenance"]
    assert provenance["status"] == "disclosed" and provenance["reason"]
    assert any(
        e["source"] == "hf-dataset" and "pile" in e["locator"].lower()
        for e in provenance["evidence"]
    )
    datasets = next(c for c in body["components"] if c["component"] == "training-datasets")
    assert datasets["evidence"]


# --- filters, search, facets, ordering ----------------------------------------------------------

FILTERS = [
    ({"kind": "speech"}, lambda p: p.kind == "speech"),
    ({"osaid": "not-open-source-ai"}, lambda p: p.osaid == "not-open-source-ai"),
    ({"category": "restricted-weights"}, lambda p: p.category == "restricted-weights"),
    ({"gated": "true"}, lambda p: p.gated is True),
    ({"organization": "eleutherai"}, lambda p: p.organization.slug == "eleutherai"),
    ({"family": "stable-diffusion"}, lambda p: p.family == "stable-diffusion"),
    ({"stale": "false"}, lambda p: not p.stale),
    (
        {"license_category": "Proprietary Free"},
        lambda p: p.licenses.filter(category="Proprietary Free").exists(),
    ),
    (
        {"component": "final-weights", "component_status": "open"},
        lambda p: p.current_verdict.run.findings.get(component="final-weights").status == "open",
    ),
]


@pytest.mark.usefixtures("seeded")
@pytest.mark.parametrize(("params", "holds"), FILTERS, ids=[str(f[0]) for f in FILTERS])
def test_filter_returns_exactly_the_projects_it_names(
    client: Client, params: dict[str, str], holds: Any
) -> None:
    body = client.get("/api/v1/projects/", {**params, "page_size": 200}).json()

    expected = sorted(p.slug for p in Project.objects.all() if holds(p))
    assert expected, "the seed catalogue must hold a project for this filter"
    assert slugs(body) == expected


@pytest.mark.usefixtures("seeded")
def test_mof_class_min_and_ordering(client: Client) -> None:
    # Only these two carry a class here, whatever the audit gave the others.
    Project.objects.update(mof_class="", mof_rank=0)
    Project.objects.filter(slug="pythia-70m").update(mof_class="II", mof_rank=2)
    Project.objects.filter(slug="bert-base-uncased").update(mof_class="III", mof_rank=1)

    at_least_two = client.get("/api/v1/projects/", {"mof_class_min": "II"}).json()
    at_least_three = client.get("/api/v1/projects/", {"mof_class_min": "III"}).json()
    by_score = client.get("/api/v1/projects/", {"ordering": "-score", "page_size": 5}).json()

    assert slugs(at_least_two) == ["pythia-70m"]
    assert slugs(at_least_three) == ["bert-base-uncased", "pythia-70m"]
    scores = [r["verdict"]["score"] for r in by_score["results"]]
    assert scores == sorted(scores, reverse=True)


@pytest.mark.usefixtures("seeded")
def test_search_finds_by_name_organization_and_summary(client: Client) -> None:
    assert "llama-2-7b" in slugs(client.get("/api/v1/projects/", {"q": "llama"}).json())
    assert set(slugs(client.get("/api/v1/projects/", {"q": "eleutherai"}).json())) >= {
        "gpt-j-6b",
        "pythia-6.9b",
    }
    assert "whisper-large-v3" in slugs(client.get("/api/v1/projects/", {"q": "whisper"}).json())
    assert slugs(client.get("/api/v1/projects/", {"q": "zzzunheardof"}).json()) == []


@pytest.mark.usefixtures("seeded")
def test_facets_count_the_filtered_list(client: Client) -> None:
    body = client.get(
        "/api/v1/projects/", {"kind": "language-model", "facets": "osaid,kind,license_category"}
    ).json()

    osaid = {f["value"]: f["count"] for f in body["facets"]["osaid"]}
    assert sum(osaid.values()) == body["count"]
    assert body["facets"]["kind"] == [{"value": "language-model", "count": body["count"]}]
    assert (
        osaid["open-source-ai"]
        == Project.objects.filter(kind="language-model", osaid="open-source-ai").count()
    )


# --- pagination ---------------------------------------------------------------------------------


def test_cursor_pages_are_stable_under_inserts_and_counts_capped(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    ProjectFactory.create_batch(7)
    first = client.get("/api/v1/projects/", {"page_size": 3}).json()
    ProjectFactory(slug="aaa-inserted-first")

    second = client.get(first["next"]).json()
    monkeypatch.setattr(pagination, "COUNT_CAP", 5)
    capped = client.get("/api/v1/projects/").json()

    assert len(first["results"]) == 3
    assert not set(slugs(first)) & set(slugs(second))
    assert "aaa-inserted-first" not in slugs(second)
    assert (capped["count"], capped["count_capped"]) == (5, True)
    assert len(client.get("/api/v1/projects/", {"page_size": 10_000}).json()["results"]) == 8


@pytest.mark.parametrize("count", [10, 500])
def test_list_costs_the_same_queries_at_any_size(
    client: Client, django_assert_max_num_queries: Any, count: int
) -> None:
    ProjectFactory.create_batch(count)

    with django_assert_max_num_queries(5):
        body = client.get("/api/v1/projects/", {"page_size": 200, "facets": "osaid,kind"}).json()

    assert len(body["results"]) == min(count, 200)


@pytest.mark.usefixtures("seeded")
def test_project_detail_costs_a_fixed_number_of_queries(
    client: Client, django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(6):
        body = client.get("/api/v1/projects/pythia-6.9b/").json()

    assert len(body["components"]) == 17


# --- caching ------------------------------------------------------------------------------------


@pytest.mark.usefixtures("seeded")
def test_etag_and_last_modified_answer_304(client: Client) -> None:
    first = client.get("/api/v1/projects/pythia-6.9b/")
    listing = client.get("/api/v1/projects/", {"kind": "speech"})

    assert first["ETag"] and first["Last-Modified"] and listing["Last-Modified"]
    assert (
        client.get("/api/v1/projects/pythia-6.9b/", HTTP_IF_NONE_MATCH=first["ETag"]).status_code
        == 304
    )
    assert (
        client.get(
            "/api/v1/projects/pythia-6.9b/", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]
        ).status_code
        == 304
    )
    assert (
        client.get(
            "/api/v1/projects/", {"kind": "speech"}, HTTP_IF_NONE_MATCH=listing["ETag"]
        ).status_code
        == 304
    )
    assert (
        client.get(
            "/api/v1/projects/", {"kind": "code"}, HTTP_IF_NONE_MATCH=listing["ETag"]
        ).status_code
        == 200
    )


# --- errors -------------------------------------------------------------------------------------

BAD_QUERIES = [
    ({"osaid": "maybe"}, "osaid"),
    ({"kind": "robot"}, "kind"),
    ({"mof_class_min": "IV"}, "mof_class_min"),
    ({"gated": "perhaps"}, "gated"),
    ({"license": "do-what-you-like"}, "license"),
    ({"component": "final-weights"}, "component_status"),
    ({"component": "weights", "component_status": "open"}, "component"),
    ({"changed_since": "yesterday"}, "changed_since"),
    ({"change_kind": "license"}, "changed_since"),
    ({"facets": "osaid,colour"}, "facets"),
    ({"ordering": "secret"}, None),
]


@pytest.mark.parametrize(("params", "field"), BAD_QUERIES, ids=[str(q[0]) for q in BAD_QUERIES])
def test_bad_filter_values_are_400_naming_the_filter(
    client: Client, params: dict[str, str], field: str | None
) -> None:
    response = client.get("/api/v1/projects/", params)

    if field is None:  # an unknown ordering is ignored, as DRF documents
        assert response.status_code == 200
        return
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["status"] == 400 and field in error["fields"] and field in error["message"]


def test_unknown_slug_is_404_in_the_error_shape(client: Client) -> None:
    for path in (
        "/api/v1/projects/nope/",
        "/api/v1/projects/nope/changes/",
        "/api/v1/audits/999999/",
        "/api/v1/licenses/NOPE-1.0/",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.json()["error"]["code"] == "not_found"


def test_oversized_body_is_413(moderator: User, settings: Any) -> None:
    ProjectFactory(slug="pythia-6.9b")
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000

    response = token_client(moderator).post(
        "/api/v1/projects/pythia-6.9b/curations/",
        json.dumps({"component": "final-weights", "reason": "x" * 5000}),
        content_type="application/json",
    )

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"


# --- auth, permissions, throttles ---------------------------------------------------------------


CURATION = {
    "component": "final-weights",
    "status": "restricted",
    "license": "cc-by-nc-4.0",
    "reason": "The weights page adds a non-commercial clause.",
    "evidence_url": "https://example.org/terms",
}


@pytest.mark.usefixtures("seeded")
def test_curation_needs_a_moderator(client: Client, moderator: User) -> None:
    user = User.objects.create_user("someone", password="x")
    url = "/api/v1/projects/pythia-6.9b/curations/"

    anonymous = client.post(url, CURATION, content_type="application/json")
    signed_in = token_client(user).post(url, CURATION, content_type="application/json")
    by_moderator = token_client(moderator).post(url, CURATION, content_type="application/json")

    assert anonymous.status_code == 401
    assert signed_in.status_code == 403
    assert by_moderator.status_code == 201, by_moderator.content
    assert by_moderator.json()["license"] == "CC-BY-NC-4.0"
    detail = client.get("/api/v1/projects/pythia-6.9b/").json()
    weights = next(c for c in detail["components"] if c["component"] == "final-weights")
    assert (weights["status"], weights["tool_status"]) == ("restricted", "open")
    assert weights["curation"]["reason"] == CURATION["reason"]
    assert detail["verdict"]["osaid"] == "not-open-source-ai"


@pytest.mark.usefixtures("seeded")
def test_a_curation_reaches_the_verdict_even_while_a_source_is_unreachable(
    client: Client, moderator: User
) -> None:
    # The latest audit could not reach the Hub: the model's state is unreachable.
    SourceState.objects.filter(source="hf-model", locator="EleutherAI/pythia-6.9b").update(
        state="unreachable", last_error="HTTP 503", unreachable_since=timezone.now()
    )
    url = "/api/v1/projects/pythia-6.9b/curations/"

    response = token_client(moderator).post(url, CURATION, content_type="application/json")

    assert response.status_code == 201, response.content
    detail = client.get("/api/v1/projects/pythia-6.9b/").json()
    weights = next(c for c in detail["components"] if c["component"] == "final-weights")
    assert weights["status"] == "restricted"
    assert detail["verdict"]["osaid"] == "not-open-source-ai"
    # Nobody asked upstream: the curation does not make the project stale.
    assert detail["verdict"]["stale"] is False


@pytest.mark.usefixtures("seeded")
def test_a_moderator_rejects_a_discovered_artifact_and_it_is_never_judged(
    client: Client, moderator: User
) -> None:
    project = Project.objects.get(slug="pythia-6.9b")
    found = next((d for d in project.discovered.all() if d.serves), None)
    assert found is not None, list(project.discovered.values_list("source", "locator"))
    url = f"/api/v1/projects/pythia-6.9b/discovered/{found.pk}/review/"

    assert (
        client.post(url, {"review": "rejected"}, content_type="application/json").status_code == 401
    )
    moderating = token_client(moderator)
    bad = moderating.post(url, {"review": "maybe"}, content_type="application/json")
    response = moderating.post(
        url,
        {"review": "rejected", "note": "Not this model's data."},
        content_type="application/json",
    )

    assert bad.status_code == 400 and "review" in bad.json()["error"]["fields"]
    assert response.status_code == 200, response.content
    assert response.json()["review"] == "rejected"
    detail = client.get("/api/v1/projects/pythia-6.9b/").json()
    listed = {(d["source"], d["locator"]): d["review"] for d in detail["discovered"]}
    assert listed[(found.source, found.locator)] == "rejected"
    for component in detail["components"]:
        assert all(
            e["locator"] != found.locator or e["source"] == "record" for e in component["evidence"]
        ), component["component"]


@pytest.mark.usefixtures("seeded")
def test_curation_input_is_validated(moderator: User) -> None:
    response = token_client(moderator).post(
        "/api/v1/projects/pythia-6.9b/curations/",
        {**CURATION, "component": "weights", "evidence_url": "javascript:alert(1)"},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert {"component", "evidence_url"} <= set(response.json()["error"]["fields"])


def test_anonymous_clients_are_throttled_with_retry_after(
    client: Client, throttle_rate: Callable[[str, str], None]
) -> None:
    throttle_rate("anon", "3/minute")

    answers = [client.get("/api/v1/organizations/") for _ in range(4)]

    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert int(answers[-1]["Retry-After"]) > 0
    assert answers[-1].json()["error"]["code"] == "throttled"


# --- the other endpoints ------------------------------------------------------------------------


@pytest.mark.usefixtures("seeded")
def test_audits_changes_licenses_and_organizations(client: Client) -> None:
    audits = client.get("/api/v1/projects/llama-2-7b/audits/").json()
    run_id = audits["results"][0]["id"]
    run = client.get(f"/api/v1/audits/{run_id}/").json()
    changes = client.get("/api/v1/changes/", {"project": "llama-2-7b"}).json()
    licenses = client.get("/api/v1/licenses/", {"page_size": 200}).json()
    organizations = client.get("/api/v1/organizations/", {"page_size": 200}).json()

    assert audits["results"][0]["verdict"]["osaid"] == "not-open-source-ai"
    assert run["project"] == "llama-2-7b" and len(run["findings"]) == 24
    assert run["trigger"] == AuditRun.Trigger.SEED
    assert [c["kind"] for c in changes["results"]] == [Change.Kind.FIRST]
    apache = next(lic for lic in licenses["results"] if lic["id"] == "Apache-2.0")
    assert apache["osi_approved"] and apache["project_count"] >= 8
    assert {o["slug"]: o["project_count"] for o in organizations["results"]}["eleutherai"] >= 10


@pytest.mark.usefixtures("seeded")
def test_csv_export_of_a_filtered_list(client: Client) -> None:
    response = client.get("/api/v1/projects/", {"kind": "speech", "format": "csv"})

    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    lines = response.content.decode().splitlines()
    assert lines[0].startswith("slug,name,kind,organization")
    assert len(lines) - 1 == Project.objects.filter(kind="speech").count()
    assert all(",speech," in line for line in lines[1:])


def test_schema_and_docs_are_served_without_a_cdn(client: Client) -> None:
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    docs = client.get("/api/v1/docs/")

    assert schema.status_code == 200
    paths = json.loads(schema.content)["paths"]
    assert "/api/v1/projects/" in paths and "/api/v1/projects/{slug}/" in paths
    parameters = {p["name"] for p in paths["/api/v1/projects/"]["get"]["parameters"]}
    assert {"q", "osaid", "mof_class_min", "license", "component", "changed_since"} <= parameters
    assert docs.status_code == 200
    assert b"/static/drf_spectacular_sidecar/" in docs.content
    assert b"cdn.jsdelivr" not in docs.content


def test_every_schema_field_is_described(client: Client) -> None:
    schema = json.loads(client.get("/api/v1/schema/", {"format": "json"}).content)

    undescribed = [
        f"{name}.{field}"
        for name, component in schema["components"]["schemas"].items()
        for field, spec in component.get("properties", {}).items()
        if not spec.get("description")
    ]
    assert undescribed == []
    responses = schema["paths"]["/api/v1/projects/"]["get"]["responses"]
    assert {"200", "400", "404", "429"} <= set(responses)
    assert responses["400"]["content"]["application/json"]["schema"]["$ref"].endswith("/Error")


@pytest.mark.usefixtures("seeded")
def test_exports_are_served_and_valid(client: Client) -> None:
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    cyclonedx = client.get("/api/v1/projects/pythia-6.9b/export/cyclonedx/")
    spdx = client.get("/api/v1/projects/pythia-6.9b/export/spdx/")

    assert cyclonedx.status_code == 200
    assert cyclonedx["Content-Type"].startswith("application/vnd.cyclonedx+json")
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(cyclonedx.content.decode()) is None
    assert spdx.status_code == 200 and spdx["Content-Type"] == "application/spdx+json"
    assert json.loads(spdx.content)["@context"] == "https://spdx.org/rdf/3.0.1/spdx-context.jsonld"
    assert client.get("/api/v1/projects/nope/export/spdx/").status_code == 404
