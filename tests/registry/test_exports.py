"""SPDX 3.0.1 and CycloneDX 1.6 exports, checked by the format libraries' own validators."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import spdx_python_model
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from django.conf import settings
from django.core.management import call_command
from spdx_python_model import v3_0_1 as spdx

from audits import auditing
from audits.models import Curation
from registry import exports
from registry.models import Project
from tests.fakes.upstream import FakeUpstream

pytestmark = pytest.mark.django_db

SEED = Path(settings.BASE_DIR) / "registry" / "catalogue"
BASE_URL = "https://glasshouse.example.org"
SLUGS = ["pythia-6.9b", "llama-2-7b", "stable-diffusion-v1-4"]
LLAMA_2 = "LicenseRef-scancode-llama-2-license-2023"
STABLE_DIFFUSION = "LicenseRef-scancode-stable-diffusion-2022-08-22"
CONCLUDED = spdx.RelationshipType.hasConcludedLicense
NO_ASSERTION = spdx.expandedlicensing_IndividualLicensingInfo.NoAssertionLicense


def load(slug: str) -> Project:
    call_command("load_catalogue", str(SEED / f"{slug}.yaml"))
    return Project.objects.get(slug=slug)


@pytest.fixture
def audited(upstream_settings: FakeUpstream) -> Callable[[str], Project]:
    """Load a seed project and audit it against the fake Hub and GitHub."""

    def load_and_audit(slug: str) -> Project:
        project = load(slug)
        run = auditing.start_run(project=project, trigger="manual")
        assert auditing.perform_audit(run_id=run.pk).complete
        return Project.objects.select_related("organization", "current_verdict__run").get(slug=slug)

    return load_and_audit


# --- CycloneDX ----------------------------------------------------------------------------------


def cyclonedx_errors(bom: dict[str, Any]) -> object:
    return JsonStrictValidator(SchemaVersion.V1_6).validate_str(json.dumps(bom))


def properties(component: dict[str, Any]) -> dict[str, str]:
    return {p["name"]: p.get("value", "") for p in component.get("properties", [])}


def components(bom: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in bom.get("components", []) if c["type"] == kind}


@pytest.mark.parametrize("slug", SLUGS)
def test_cyclonedx_bom_of_an_audited_project_passes_the_strict_1_6_schema(
    audited: Callable[[str], Project], slug: str
) -> None:
    bom = exports.cyclonedx_bom(audited(slug), base_url=BASE_URL)

    assert cyclonedx_errors(bom) is None
    assert (bom["bomFormat"], bom["specVersion"]) == ("CycloneDX", "1.6")
    assert bom["metadata"]["component"]["type"] == "machine-learning-model"


def test_the_schema_check_rejects_an_unknown_model_card_field(
    audited: Callable[[str], Project],
) -> None:
    bom = exports.cyclonedx_bom(audited("pythia-6.9b"), base_url=BASE_URL)
    model_card = bom["metadata"]["component"]["modelCard"]

    bom["metadata"]["component"]["modelCard"] = {**model_card, "notAField": True}

    assert cyclonedx_errors(bom) is not None


def test_cyclonedx_pythia_is_an_apache_model_trained_on_the_pile_with_its_verdict(
    audited: Callable[[str], Project],
) -> None:
    project = audited("pythia-6.9b")

    bom = exports.cyclonedx_bom(project, base_url=BASE_URL)

    model = bom["metadata"]["component"]
    assert model["name"] == "Pythia 6.9B"
    assert model["supplier"]["name"] == "EleutherAI"
    assert model["licenses"] == [{"license": {"id": "Apache-2.0", "acknowledgement": "concluded"}}]
    assert model["purl"].startswith("pkg:huggingface/EleutherAI/pythia-6.9b@")
    references = {(r["type"], r["url"]) for r in model["externalReferences"]}
    assert ("distribution", "https://huggingface.co/EleutherAI/pythia-6.9b") in references
    assert ("documentation", "https://arxiv.org/abs/2304.01373") in references
    assert ("component-analysis-report", f"{BASE_URL}/projects/pythia-6.9b/") in references
    assert ("website", "https://www.eleuther.ai/") in references
    datasets = components(bom, "data")
    # The card names the Pile by its old id; the audit found it there (the record names none).
    assert "the_pile" in datasets
    assert properties(datasets["the_pile"])["glasshouse:origin"] == "audit"
    card_datasets = {d["ref"] for d in model["modelCard"]["modelParameters"]["datasets"]}
    assert datasets["the_pile"]["bom-ref"] in card_datasets
    code = components(bom, "library")
    assert code["EleutherAI/gpt-neox"]["licenses"][0]["license"]["id"] == "Apache-2.0"
    assert code["EleutherAI/lm-evaluation-harness"]["licenses"][0]["license"]["id"] == "MIT"
    verdict = project.current_verdict
    assert verdict is not None
    found = properties(model)
    assert found["glasshouse:audit"] == "audited"
    assert found["glasshouse:osaid"] == verdict.osaid == "open-source-ai"
    assert found["glasshouse:category"] == verdict.category
    assert found["glasshouse:mof-class"] == (verdict.mof_class or "none")
    assert found["glasshouse:score"] == str(verdict.score)
    assert found["glasshouse:gated"] == "false"
    assert found["glasshouse:component:final-weights"] == "open"
    assert found["glasshouse:component:training-datasets"] == "unknown"
    assert sum(name.startswith("glasshouse:component:") for name in found) == 17


def test_cyclonedx_llama_2_names_its_license_ref_and_reports_the_gate(
    audited: Callable[[str], Project],
) -> None:
    bom = exports.cyclonedx_bom(audited("llama-2-7b"), base_url=BASE_URL)

    model = bom["metadata"]["component"]
    (license_choice,) = model["licenses"]
    assert "id" not in license_choice["license"]
    assert license_choice["license"]["name"] == LLAMA_2
    assert license_choice["license"]["url"].startswith("https://scancode-licensedb.aboutcode.org/")
    found = properties(model)
    assert found["glasshouse:gated"] == "true"
    assert found["glasshouse:category"] == "restricted-weights"
    assert found["glasshouse:component:final-weights"] == "restricted"
    assert components(bom, "data") == {}


def test_cyclonedx_stable_diffusion_lists_laion_under_cc_by(
    audited: Callable[[str], Project],
) -> None:
    bom = exports.cyclonedx_bom(audited("stable-diffusion-v1-4"), base_url=BASE_URL)

    assert bom["metadata"]["component"]["licenses"][0]["license"]["name"] == STABLE_DIFFUSION
    datasets = components(bom, "data")
    assert {name: d["licenses"][0]["license"]["id"] for name, d in datasets.items()} == {
        "laion/laion2B-en": "CC-BY-4.0",
        "laion/laion-high-resolution": "CC-BY-4.0",
    }


def test_a_curated_weights_license_is_the_concluded_one(
    audited: Callable[[str], Project],
) -> None:
    project = load("pythia-6.9b")
    Curation.objects.create(
        project=project,
        component="final-weights",
        status="restricted",
        license="CC-BY-NC-4.0",
        reason="The weights' own LICENSE file says non-commercial.",
        evidence_url="https://example.org/LICENSE",
    )
    project = audited("pythia-6.9b")

    bom = exports.cyclonedx_bom(project, base_url=BASE_URL)

    model = bom["metadata"]["component"]
    assert model["licenses"][0]["license"]["id"] == "CC-BY-NC-4.0"
    assert properties(model)["glasshouse:component:final-weights"] == "restricted"


# --- SPDX ---------------------------------------------------------------------------------------


def reload(document: dict[str, Any]) -> spdx.SHACLObjectSet:
    """The document read back from its JSON text by the library's own loader."""
    model, objects = spdx_python_model.load_data(json.loads(json.dumps(document)))
    assert model is spdx
    return objects


def of_type(objects: spdx.SHACLObjectSet, kind: type) -> list[Any]:
    return sorted(objects.foreach_type(kind), key=lambda o: o._id)


def element_id(element: Any) -> str:
    # Named individuals such as NoAssertionLicense stay IRIs after linking.
    return element if isinstance(element, str) else element._id


def relationships(objects: spdx.SHACLObjectSet, kind: str) -> list[tuple[str, list[str]]]:
    return [
        (element_id(r.from_), [element_id(t) for t in r.to])
        for r in of_type(objects, spdx.Relationship)
        if r.relationshipType == kind
    ]


def license_of(objects: spdx.SHACLObjectSet, subject: str, kind: str) -> list[str]:
    by_id = {e._id: e for e in of_type(objects, spdx.simplelicensing_LicenseExpression)}
    return [
        by_id[target].simplelicensing_licenseExpression if target in by_id else target
        for source, targets in relationships(objects, kind)
        if source == subject
        for target in targets
    ]


def statements(objects: spdx.SHACLObjectSet) -> dict[str, str]:
    return dict(a.statement.split("=", 1) for a in of_type(objects, spdx.Annotation))


@pytest.mark.parametrize("slug", SLUGS)
def test_spdx_document_round_trips_through_the_library_without_dangling_ids(
    audited: Callable[[str], Project], slug: str
) -> None:
    document = exports.spdx_document(audited(slug), base_url=BASE_URL)

    objects = reload(document)

    assert objects.link() == set()
    assert spdx.JSONLDSerializer().serialize_data(objects) == document
    assert document["@context"] == "https://spdx.org/rdf/3.0.1/spdx-context.jsonld"
    prefix = f"{BASE_URL}/projects/{slug}/spdx"
    assert all(e._id.startswith(prefix) for e in of_type(objects, spdx.Element))
    (spdx_document,) = of_type(objects, spdx.SpdxDocument)
    assert {spdx.ProfileIdentifierType.ai, spdx.ProfileIdentifierType.dataset} <= set(
        spdx_document.profileConformance
    )
    (model,) = of_type(objects, spdx.ai_AIPackage)
    assert [root._id for root in spdx_document.rootElement] == [model._id]


def test_spdx_serializer_refuses_an_element_missing_a_required_property() -> None:
    objects = spdx.SHACLObjectSet()
    objects.add(spdx.ai_AIPackage(spdxId=f"{BASE_URL}/projects/x/spdx#model", name="x"))

    with pytest.raises(ValueError, match="creationInfo"):
        spdx.JSONLDSerializer().serialize_data(objects)


def test_spdx_pythia_is_an_ai_package_trained_on_the_pile_with_apache_licenses(
    audited: Callable[[str], Project],
) -> None:
    project = audited("pythia-6.9b")

    objects = reload(exports.spdx_document(project, base_url=BASE_URL))

    (model,) = of_type(objects, spdx.ai_AIPackage)
    assert model.name == "Pythia 6.9B"
    assert model.suppliedBy.name == "EleutherAI"
    assert model.software_downloadLocation == "https://huggingface.co/EleutherAI/pythia-6.9b"
    assert model.software_homePage == "https://www.eleuther.ai/"
    assert model.software_primaryPurpose == spdx.software_SoftwarePurpose.model
    assert "https://arxiv.org/abs/2304.01373" in [
        locator for ref in model.externalRef for locator in ref.locator
    ]
    assert license_of(objects, model._id, CONCLUDED) == ["Apache-2.0"]
    # The record declares no license: the card states it, and the audit concluded it.
    assert license_of(objects, model._id, spdx.RelationshipType.hasDeclaredLicense) == []
    datasets = {d.name: d for d in of_type(objects, spdx.dataset_DatasetPackage)}
    assert "the_pile" in datasets
    trained_on = {
        t for s, ts in relationships(objects, spdx.RelationshipType.trainedOn) for t in ts
    }
    assert datasets["the_pile"]._id in trained_on
    pile_license = license_of(objects, datasets["the_pile"]._id, CONCLUDED)
    assert pile_license == [NO_ASSERTION]
    code = {
        p.name: p
        for p in of_type(objects, spdx.software_Package)
        if type(p) is spdx.software_Package
    }
    harness = code["EleutherAI/lm-evaluation-harness"]
    assert license_of(objects, harness._id, CONCLUDED) == ["MIT"]
    scopes = {
        (r.scope, t._id) for r in of_type(objects, spdx.LifecycleScopedRelationship) for t in r.to
    }
    assert (spdx.LifecycleScopeType.test, harness._id) in scopes
    verdict = project.current_verdict
    assert verdict is not None
    said = statements(objects)
    assert said["glasshouse:osaid"] == verdict.osaid
    assert said["glasshouse:score"] == str(verdict.score)
    assert said["glasshouse:component:final-weights"] == "open"
    assert all(a.subject._id == model._id for a in of_type(objects, spdx.Annotation))


def test_spdx_llama_2_maps_its_license_ref_to_the_scancode_text(
    audited: Callable[[str], Project],
) -> None:
    objects = reload(exports.spdx_document(audited("llama-2-7b"), base_url=BASE_URL))

    (model,) = of_type(objects, spdx.ai_AIPackage)
    assert license_of(objects, model._id, CONCLUDED) == [LLAMA_2]
    (expression,) = (
        e
        for e in of_type(objects, spdx.simplelicensing_LicenseExpression)
        if e.simplelicensing_licenseExpression == LLAMA_2
    )
    mapping = {entry.key: entry.value for entry in expression.simplelicensing_customIdToUri}
    assert mapping[LLAMA_2].startswith("https://scancode-licensedb.aboutcode.org/")
    assert statements(objects)["glasshouse:gated"] == "true"
    assert of_type(objects, spdx.dataset_DatasetPackage) == []


def test_spdx_stable_diffusion_datasets_carry_their_cc_by_licenses(
    audited: Callable[[str], Project],
) -> None:
    objects = reload(exports.spdx_document(audited("stable-diffusion-v1-4"), base_url=BASE_URL))

    datasets = of_type(objects, spdx.dataset_DatasetPackage)
    assert {d.name for d in datasets} == {"laion/laion2B-en", "laion/laion-high-resolution"}
    for dataset in datasets:
        concluded = license_of(objects, dataset._id, CONCLUDED)
        assert concluded == ["CC-BY-4.0"]
    (model,) = of_type(objects, spdx.ai_AIPackage)
    concluded = license_of(objects, model._id, CONCLUDED)
    assert concluded == [STABLE_DIFFUSION]


# --- Not audited yet ----------------------------------------------------------------------------


def test_an_unaudited_project_exports_its_record_and_says_it_was_not_audited(
    tmp_path: Path,
) -> None:
    # A record that declares a license and a dataset, as a curator may where no source says so.
    record = (
        (SEED / "pythia-6.9b.yaml")
        .read_text()
        .replace(
            "    locator: EleutherAI/pythia-6.9b\n",
            "    locator: EleutherAI/pythia-6.9b\n    license: apache-2.0\n",
        )
    )
    record += "  - source: hf-dataset\n    locator: EleutherAI/pile\n"
    (tmp_path / "pythia-6.9b.yaml").write_text(record)
    call_command("load_catalogue", str(tmp_path))
    unaudited = Project.objects.get(slug="pythia-6.9b")

    bom = exports.cyclonedx_bom(unaudited, base_url=BASE_URL)
    objects = reload(exports.spdx_document(unaudited, base_url=BASE_URL))

    assert cyclonedx_errors(bom) is None
    model = bom["metadata"]["component"]
    assert properties(model) == {"glasshouse:audit": exports.NOT_AUDITED}
    assert model["licenses"] == [{"license": {"id": "Apache-2.0", "acknowledgement": "declared"}}]
    assert set(components(bom, "data")) == {"EleutherAI/pile"}
    assert "modelCard" in model
    assert objects.link() == set()
    assert statements(objects) == {"glasshouse:audit": exports.NOT_AUDITED}
    (model_package,) = of_type(objects, spdx.ai_AIPackage)
    assert license_of(objects, model_package._id, spdx.RelationshipType.hasDeclaredLicense) == [
        "Apache-2.0"
    ]
    assert relationships(objects, CONCLUDED) == []
