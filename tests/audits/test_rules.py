"""The component rules: what each source shows becomes one finding per component, with evidence."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from audits.rules import COMPONENT_RULES, NOT_FOUND_LIMIT, evaluate
from audits.rules.types import (
    DATA_FACETS,
    AuditInput,
    Curation,
    DeclaredArtifact,
    Finding,
    Observation,
)
from registry.components import COMPONENTS

FETCHED_AT = "2026-11-20T08:00:00Z"
LLAMA2 = "LicenseRef-scancode-llama-2-license-2023"
CREATIVEML = "LicenseRef-scancode-stable-diffusion-2022-08-22"
OPENRAIL_PLUS = "LicenseRef-scancode-bigscience-open-rail-m2"


@pytest.fixture(autouse=True)
def _plain_static_storage() -> None:
    # Replaces the suite-wide fixture of the same name, which needs Django settings: these
    # tests are pure and must also run with `-p no:django`.
    return None


# --- Payloads in the shapes the Hub and GitHub answer with ------------------------------------


def hub_model(
    repo_id: str,
    *,
    license: str | None = "apache-2.0",
    gated: Any = False,
    siblings: tuple[str, ...] = ("README.md", "config.json", "model.safetensors"),
    tags: tuple[str, ...] = (),
    card: dict[str, Any] | None = None,
    branches: list[str] | None = None,
    model_index: list[dict[str, Any]] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A `GET /api/models/{id}` body, trimmed to the keys the rules read, plus `branches`."""
    card_data: dict[str, Any] = {"license": license} if license else {}
    card_data.update(card or {})
    payload: dict[str, Any] = {
        "_id": "6300e0f58a4db6e9052953a8",
        "id": repo_id,
        "modelId": repo_id,
        "author": repo_id.split("/")[0],
        "sha": "133a221b8aa7292a167afc5127cb63fb5005638b",
        "lastModified": "2023-08-23T21:15:42.000Z",
        "private": False,
        "gated": gated,
        "disabled": False,
        "tags": list(tags),
        "cardData": card_data,
        "config": {"architectures": ["GPTNeoXForCausalLM"], "model_type": "gpt_neox"},
        "siblings": [{"rfilename": name} for name in siblings],
        "model-index": model_index,
    }
    if branches is not None:
        payload["branches"] = branches
    payload.update(extra)
    return payload


def hub_dataset(
    repo_id: str,
    *,
    license: str | None = "cc-by-4.0",
    gated: Any = False,
    card: dict[str, Any] | None = None,
    description: str = "",
    readme: bool = True,
) -> dict[str, Any]:
    """A `GET /api/datasets/{id}` body, trimmed to the keys the rules read."""
    card_data: dict[str, Any] = {"license": license} if license else {}
    card_data.update(card or {})
    return {
        "_id": "621ffdd236468d709f181e3f",
        "id": repo_id,
        "author": repo_id.split("/")[0] if "/" in repo_id else None,
        "sha": "a3e3ca7c8f5dbb9ef2e1fd44a7b3e0b4f7bbd1e1",
        "lastModified": "2023-05-12T10:00:00.000Z",
        "private": False,
        "gated": gated,
        "disabled": False,
        "description": description,
        "tags": [f"license:{license}"] if license else [],
        "cardData": card_data,
        "siblings": [{"rfilename": "README.md"}] if readme else [],
    }


GITHUB_LICENSES: dict[str | None, dict[str, Any] | None] = {
    "Apache-2.0": {
        "key": "apache-2.0",
        "name": "Apache License 2.0",
        "spdx_id": "Apache-2.0",
        "url": "https://api.github.com/licenses/apache-2.0",
        "node_id": "MDc6TGljZW5zZTI=",
    },
    "MIT": {
        "key": "mit",
        "name": "MIT License",
        "spdx_id": "MIT",
        "url": "https://api.github.com/licenses/mit",
        "node_id": "MDc6TGljZW5zZTEz",
    },
    "NOASSERTION": {
        "key": "other",
        "name": "Other",
        "spdx_id": "NOASSERTION",
        "url": None,
        "node_id": "MDc6TGljZW5zZTA=",
    },
    None: None,
}


def github_repo(full_name: str, license: str | None = "Apache-2.0", **extra: Any) -> dict[str, Any]:
    """A `GET /repos/{owner}/{repo}` body, trimmed to the keys the rules read."""
    return {
        "id": 307260205,
        "full_name": full_name,
        "html_url": f"https://github.com/{full_name}",
        "description": "",
        "archived": False,
        "disabled": False,
        "pushed_at": "2026-10-01T12:00:00Z",
        "license": GITHUB_LICENSES[license],
        **extra,
    }


_URLS = {
    "hf-model": "https://huggingface.co/{}",
    "hf-dataset": "https://huggingface.co/datasets/{}",
    "github": "https://github.com/{}",
    "github-tree": "https://github.com/{}",
    "github-readme": "https://github.com/{}",
    "github-license": "https://github.com/{}",
    "hf-file": "https://huggingface.co/{}",
    "arxiv": "https://arxiv.org/abs/{}",
}


def seen(source: str, locator: str, payload: dict[str, Any] | None, **state: Any) -> Observation:
    """An observation as the harvest hands it to the rules."""
    return Observation(
        source=source,
        locator=locator,
        state=state.pop("state", "ok"),
        url=_URLS[source].format(locator),
        payload=payload,
        snapshot_id=state.pop("snapshot_id", 41),
        fetched_at=state.pop("fetched_at", FETCHED_AT),
        **state,
    )


def art(source: str, locator: str, *serves: str, license: str | None = None) -> DeclaredArtifact:
    return DeclaredArtifact(source=source, locator=locator, serves=serves, license=license)


def audit_of(
    artifacts: list[DeclaredArtifact],
    observations: list[Observation],
    curations: tuple[Curation, ...] = (),
) -> AuditInput:
    return AuditInput(
        artifacts=tuple(artifacts),
        observations={(o.source, o.locator): o for o in observations},
        curations=curations,
    )


def finding(findings: tuple[Finding, ...], component: str) -> Finding:
    (found,) = [f for f in findings if f.component == component]
    return found


def one_model(
    payload: dict[str, Any], *, serves: tuple[str, ...] = (), license: str | None = None
) -> AuditInput:
    """An audit of a single Hub model and nothing else."""
    locator = payload["id"]
    return audit_of(
        [art("hf-model", locator, *serves, license=license)], [seen("hf-model", locator, payload)]
    )


# --- Projects, as their catalogue records declare them and their sources answer ---------------

PILE_CARD = {
    "annotations_creators": ["no-annotation"],
    "language_creators": ["found"],
    "language": ["en"],
    "multilinguality": ["monolingual"],
    "pretty_name": "the Pile",
    "size_categories": ["unknown"],
    "source_datasets": ["original"],
    "task_categories": ["text-generation", "fill-mask"],
    "task_ids": ["language-modeling", "masked-language-modeling"],
    "paperswithcode_id": "the-pile",
}
PYTHIA_BRANCHES = ["main", "step0", "step1", "step512", "step1000", "step142000", "step143000"]


def pythia(**changes: Observation) -> AuditInput:
    """Pythia 6.9B: Apache weights with step branches, Apache/MIT code, the Pile's card."""
    model = hub_model(
        "EleutherAI/pythia-6.9b",
        tags=(
            "transformers",
            "pytorch",
            "safetensors",
            "gpt_neox",
            "text-generation",
            "causal-lm",
            "pythia",
            "en",
            "dataset:EleutherAI/pile",
            "arxiv:2304.01373",
            "arxiv:2101.00027",
            "license:apache-2.0",
        ),
        card={"language": ["en"], "tags": ["pytorch", "causal-lm", "pythia"]},
        siblings=(
            ".gitattributes",
            "README.md",
            "config.json",
            "model-00001-of-00002.safetensors",
            "model-00002-of-00002.safetensors",
            "model.safetensors.index.json",
            "special_tokens_map.json",
            "tokenizer.json",
        ),
        branches=PYTHIA_BRANCHES,
    )
    observations = {
        "EleutherAI/pythia-6.9b": seen("hf-model", "EleutherAI/pythia-6.9b", model),
        "EleutherAI/gpt-neox": seen(
            "github", "EleutherAI/gpt-neox", github_repo("EleutherAI/gpt-neox")
        ),
        "EleutherAI/pythia": seen("github", "EleutherAI/pythia", github_repo("EleutherAI/pythia")),
        "EleutherAI/lm-evaluation-harness": seen(
            "github",
            "EleutherAI/lm-evaluation-harness",
            github_repo("EleutherAI/lm-evaluation-harness", "MIT"),
        ),
        "EleutherAI/pile": seen(
            "hf-dataset",
            "EleutherAI/pile",
            hub_dataset("EleutherAI/pile", license="other", card=PILE_CARD),
        ),
    }
    observations.update(changes)
    return audit_of(
        [
            art(
                "hf-model",
                "EleutherAI/pythia-6.9b",
                "final-weights",
                "model-card",
                "model-metadata",
                "intermediate-checkpoints",
                license="apache-2.0",
            ),
            art(
                "github",
                "EleutherAI/gpt-neox",
                "training-code",
                "inference-code",
                "model-architecture",
                "data-preprocessing-code",
                license="Apache-2.0",
            ),
            art(
                "github",
                "EleutherAI/pythia",
                "training-code",
                "evaluation-results",
                license="Apache-2.0",
            ),
            art("github", "EleutherAI/lm-evaluation-harness", "evaluation-code", license="MIT"),
            art("hf-dataset", "EleutherAI/pile", "training-datasets"),
            art("url", "https://arxiv.org/abs/2304.01373", "research-paper"),
            art("url", "https://arxiv.org/abs/2101.00027", "data-card"),
        ],
        list(observations.values()),
    )


def llama2() -> AuditInput:
    """Llama 2 7B: weights under the Llama 2 license behind a manual gate; no data named."""
    model = hub_model(
        "meta-llama/Llama-2-7b-hf",
        license="llama2",
        gated="manual",
        tags=(
            "transformers",
            "pytorch",
            "safetensors",
            "llama",
            "text-generation",
            "facebook",
            "meta",
            "llama-2",
            "en",
            "arxiv:2307.09288",
            "license:llama2",
        ),
        card={
            "language": ["en"],
            "pipeline_tag": "text-generation",
            "extra_gated_heading": "You need to share contact information with Meta to access "
            "this model",
            "extra_gated_fields": {"First Name": "text", "Last Name": "text", "Country": "country"},
            "extra_gated_button_content": "Submit",
        },
        siblings=(
            ".gitattributes",
            "LICENSE.txt",
            "README.md",
            "Responsible-Use-Guide.pdf",
            "USE_POLICY.md",
            "config.json",
            "generation_config.json",
            "model-00001-of-00002.safetensors",
            "model-00002-of-00002.safetensors",
            "pytorch_model-00001-of-00002.bin",
            "pytorch_model-00002-of-00002.bin",
            "tokenizer.model",
        ),
    )
    return audit_of(
        [
            art("hf-model", "meta-llama/Llama-2-7b-hf", license="llama2"),
            art("github", "meta-llama/llama", "inference-code", "model-architecture"),
            art("url", "https://arxiv.org/abs/2307.09288", "research-paper"),
        ],
        [
            seen("hf-model", "meta-llama/Llama-2-7b-hf", model),
            seen("github", "meta-llama/llama", github_repo("meta-llama/llama", "NOASSERTION")),
        ],
    )


LAION_CARD = {
    "language": ["en"],
    "size_categories": ["1B<n<10B"],
    "task_categories": ["text-to-image"],
    "source_datasets": ["common-crawl"],
    "annotations_creators": ["machine-generated"],
}


def stable_diffusion_v1_4() -> AuditInput:
    """SD v1.4, from the recorded Hub answer: CreativeML OpenRAIL-M, gated false, LAION data."""
    model = hub_model(
        "CompVis/stable-diffusion-v1-4",
        license="creativeml-openrail-m",
        gated=False,
        tags=(
            "diffusers",
            "safetensors",
            "stable-diffusion",
            "text-to-image",
            "arxiv:2207.12598",
            "arxiv:2112.10752",
            "arxiv:2103.00020",
            "arxiv:2205.11487",
            "arxiv:1910.09700",
            "license:creativeml-openrail-m",
            "diffusers:StableDiffusionPipeline",
        ),
        # The gate was lifted, but the card still carries its prompt.
        card={
            "tags": ["stable-diffusion", "stable-diffusion-diffusers", "text-to-image"],
            "extra_gated_prompt": "This model is open access and available to all, with a "
            "CreativeML OpenRAIL-M license further specifying rights and usage.",
            "extra_gated_heading": "Please read the LICENSE to access this model",
        },
        config={"diffusers": {"_class_name": "StableDiffusionPipeline"}},
        siblings=(
            ".gitattributes",
            "README.md",
            "model_index.json",
            "safety_checker/model.safetensors",
            "text_encoder/model.safetensors",
            "unet/config.json",
            "unet/diffusion_pytorch_model.bin",
            "unet/diffusion_pytorch_model.safetensors",
            "vae/diffusion_pytorch_model.safetensors",
        ),
    )
    return audit_of(
        [
            art("hf-model", "CompVis/stable-diffusion-v1-4", license="creativeml-openrail-m"),
            art(
                "github",
                "CompVis/stable-diffusion",
                "training-code",
                "inference-code",
                "model-architecture",
            ),
            art("hf-dataset", "laion/laion2B-en", "training-datasets"),
            art("hf-dataset", "laion/laion-high-resolution", "training-datasets"),
            art("url", "https://arxiv.org/abs/2112.10752", "research-paper"),
            art("url", "https://arxiv.org/abs/2210.08402", "data-card"),
        ],
        [
            seen("hf-model", "CompVis/stable-diffusion-v1-4", model),
            seen(
                "github",
                "CompVis/stable-diffusion",
                github_repo("CompVis/stable-diffusion", "NOASSERTION"),
            ),
            seen(
                "hf-dataset",
                "laion/laion2B-en",
                hub_dataset("laion/laion2B-en", card=LAION_CARD),
            ),
            seen(
                "hf-dataset",
                "laion/laion-high-resolution",
                hub_dataset("laion/laion-high-resolution", card=LAION_CARD),
            ),
        ],
    )


PROJECTS = {"pythia": pythia, "llama2": llama2, "stable-diffusion-v1-4": stable_diffusion_v1_4}


# --- The rules are pure ----------------------------------------------------------------------


def test_importing_the_rules_loads_no_django_orm() -> None:
    script = (
        "import sys, audits.rules, audits.rules.components, audits.rules.frameworks, "
        "audits.rules.data_information; "
        "loaded = sorted(m for m in sys.modules if m.startswith(('django.db', 'django.apps'))); "
        "assert not loaded, loaded"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


# --- Shape of the findings -------------------------------------------------------------------


@pytest.mark.parametrize("project", sorted(PROJECTS))
def test_findings_are_17_components_then_access_the_facets_lineage_claims_and_agreement(
    project: str,
) -> None:
    findings = evaluate(PROJECTS[project]())
    assert [f.component for f in findings] == [
        *(c.id for c in COMPONENTS),
        "access",
        *DATA_FACETS,
        "lineage",
        "open-source-claim",
        "license-agreement",
    ]


@pytest.mark.parametrize("project", sorted(PROJECTS))
def test_every_finding_has_a_reason_and_evidence_unless_closed(project: str) -> None:
    for found in evaluate(PROJECTS[project]()):
        assert found.reason.strip(), found.component
        assert found.reason.rstrip().endswith("."), found.reason
        if found.status != "closed":
            assert found.evidence, f"{found.component} is {found.status} without evidence"
        for evidence in found.evidence:
            assert evidence.url.startswith("https://"), evidence


def test_component_rules_table_covers_the_17_components_in_order() -> None:
    assert list(COMPONENT_RULES) == [c.id for c in COMPONENTS]
    for rule in COMPONENT_RULES.values():
        assert rule.open_when.endswith(".")
        assert callable(rule.evaluate)
    assert COMPONENT_RULES["final-weights"].required_by == ("OSAID 1.0", "MOF Class III")
    assert COMPONENT_RULES["supporting-libraries"].required_by == (
        "OSAID 1.0 (when declared)",
        "MOF Class II (optional)",
    )
    assert COMPONENT_RULES["research-paper"].required_by == ("MOF Class I",)


# --- Final weights ---------------------------------------------------------------------------

WEIGHTS_CASES = [
    # (case, payload changes, status, license)
    ("apache, no gate", {}, "open", "Apache-2.0"),
    ("apache behind an auto gate", {"gated": "auto"}, "gated", "Apache-2.0"),
    ("apache behind a manual gate", {"gated": "manual"}, "gated", "Apache-2.0"),
    ("llama2 behind a manual gate", {"license": "llama2", "gated": "manual"}, "restricted", LLAMA2),
    ("CreativeML OpenRAIL-M", {"license": "creativeml-openrail-m"}, "restricted", CREATIVEML),
    ("OpenRAIL++", {"license": "openrail++"}, "restricted", OPENRAIL_PLUS),
    ("no license anywhere", {"license": None}, "unlicensed", None),
    ("'other' without a name", {"license": "other"}, "unknown", None),
    (
        "'other' with a known name",
        {"license": "other", "card": {"license_name": "gemma-terms-of-use"}},
        "restricted",
        "LicenseRef-scancode-gemma-tou-2024-04-01",
    ),
    ("license only in a tag", {"license": None, "tags": ("license:mit",)}, "open", "MIT"),
    ("no weight files", {"siblings": ("README.md", "config.json")}, "not-found", None),
    (
        "weights in a diffusers subfolder",
        {"siblings": ("README.md", "unet/diffusion_pytorch_model.safetensors")},
        "open",
        "Apache-2.0",
    ),
    ("GGUF only", {"siblings": ("README.md", "phi-2.Q4_K_M.gguf")}, "open", "Apache-2.0"),
    ("disabled repo", {"disabled": True}, "closed", None),
]


@pytest.mark.parametrize(
    ("changes", "status", "license"),
    [case[1:] for case in WEIGHTS_CASES],
    ids=[case[0] for case in WEIGHTS_CASES],
)
def test_final_weights_status(changes: dict[str, Any], status: str, license: str | None) -> None:
    found = finding(evaluate(one_model(hub_model("org/model", **changes))), "final-weights")
    assert (found.status, found.license) == (status, license)


def test_gated_weights_are_not_open() -> None:
    found = finding(evaluate(one_model(hub_model("org/model", gated="auto"))), "final-weights")
    assert found.status == "gated"
    assert "access request" in found.reason
    assert {"field": "gated", "value": "auto"} in [
        {"field": e.field, "value": e.value} for e in found.evidence
    ]


def test_restricted_weights_say_they_are_gated_too() -> None:
    found = finding(evaluate(llama2()), "final-weights")
    assert found.status == "restricted"
    assert "access request that a person reviews" in found.reason
    assert "restrict" in found.reason


def test_weights_evidence_points_at_the_snapshot_and_fields() -> None:
    found = finding(evaluate(llama2()), "final-weights")
    fields = {e.field: e for e in found.evidence}
    assert fields["cardData.license"].value == "llama2"
    assert fields["cardData.license"].snapshot_id == 41
    assert fields["cardData.license"].fetched_at == FETCHED_AT
    assert fields["cardData.license"].url == "https://huggingface.co/meta-llama/Llama-2-7b-hf"
    assert "model-00001-of-00002.safetensors" in fields["siblings"].value
    assert fields["serves"].source == "record"


# --- Access ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("gated", "access"),
    [(False, "none"), ("auto", "auto"), ("manual", "manual"), (None, "unknown")],
)
def test_access_follows_the_hub_gate(gated: Any, access: str) -> None:
    found = finding(evaluate(one_model(hub_model("org/model", gated=gated))), "access")
    assert found.status == access


def test_leftover_gate_prompt_on_an_ungated_card_means_no_gate() -> None:
    found = finding(evaluate(stable_diffusion_v1_4()), "access")
    assert found.status == "none"


def test_access_is_unknown_without_a_hub_model() -> None:
    audit = audit_of(
        [art("github", "org/code", "training-code")],
        [seen("github", "org/code", github_repo("org/code"))],
    )
    assert finding(evaluate(audit), "access").status == "unknown"


# --- Fetch states ----------------------------------------------------------------------------


def test_unreachable_source_is_unknown_and_still_points_at_the_last_good_snapshot() -> None:
    payload = hub_model("org/model")
    audit = audit_of(
        [art("hf-model", "org/model")],
        [
            seen(
                "hf-model",
                "org/model",
                payload,
                state="unreachable",
                unreachable_since="2026-11-19T03:00:00Z",
                error="HTTP 503 from the Hub",
                snapshot_id=7,
            )
        ],
    )
    found = finding(evaluate(audit), "final-weights")
    assert found.status == "unknown"
    assert found.reason == "Source unreachable since 2026-11-19T03:00:00Z: HTTP 503 from the Hub."
    assert any(e.snapshot_id == 7 for e in found.evidence)


@pytest.mark.parametrize(
    ("count", "status", "phrase"),
    [
        (1, "unknown", "answered not found once since 2026-11-19T03:00:00Z"),
        (2, "unknown", "it is declared gone after 3"),
        (NOT_FOUND_LIMIT, "closed", "no longer exists on its source (not found 3 times in a row)"),
        (5, "closed", "not found 5 times in a row"),
    ],
)
def test_not_found_is_unknown_until_the_third_time(count: int, status: str, phrase: str) -> None:
    audit = audit_of(
        [art("github", "org/code", "training-code")],
        [
            seen(
                "github",
                "org/code",
                github_repo("org/code"),
                state="not-found",
                not_found_count=count,
                unreachable_since="2026-11-19T03:00:00Z",
            )
        ],
    )
    found = finding(evaluate(audit), "training-code")
    assert found.status == status
    assert phrase in found.reason


def test_a_source_never_fetched_is_unknown() -> None:
    audit = audit_of([art("github", "org/code", "training-code")], [])
    found = finding(evaluate(audit), "training-code")
    assert found.status == "unknown"
    assert "not been fetched" in found.reason


# --- Declared versus seen --------------------------------------------------------------------


def test_source_license_wins_over_a_disagreeing_record_and_the_reason_says_so() -> None:
    found = finding(
        evaluate(one_model(hub_model("org/model", license="apache-2.0"), license="mit")),
        "final-weights",
    )
    assert (found.status, found.license, found.declared_license) == ("open", "Apache-2.0", "MIT")
    assert "the record declares MIT, but the source shows Apache-2.0" in found.reason
    assert any(e.source == "record" and e.field == "license" for e in found.evidence)


def test_same_license_spelled_differently_is_not_a_disagreement() -> None:
    found = finding(
        evaluate(one_model(hub_model("org/model", license="apache-2.0"), license="Apache-2.0")),
        "final-weights",
    )
    assert found.declared_license is None
    assert "record" not in found.reason


GITHUB_CASES = [
    # (case, license GitHub identified, declared, status, license, reason phrase)
    ("identified", "Apache-2.0", None, "open", "Apache-2.0", "OSI-approved"),
    ("NOASSERTION with a declared license", "NOASSERTION", "Apache-2.0", "open", "Apache-2.0",
     "comes from the record"),
    ("NOASSERTION, nothing declared", "NOASSERTION", None, "unknown", None,
     "could not identify it"),
    ("no license file", None, None, "unlicensed", None, "no license was found"),
    ("no license file, declared MIT", None, "MIT", "open", "MIT", "comes from the record"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("shown", "declared", "status", "license", "phrase"),
    [case[1:] for case in GITHUB_CASES],
    ids=[case[0] for case in GITHUB_CASES],
)
def test_github_license(
    shown: str | None, declared: str | None, status: str, license: str | None, phrase: str
) -> None:
    audit = audit_of(
        [art("github", "org/code", "training-code", license=declared)],
        [seen("github", "org/code", github_repo("org/code", shown))],
    )
    found = finding(evaluate(audit), "training-code")
    assert (found.status, found.license) == (status, license)
    assert phrase in found.reason
    assert found.declared_license is None


# --- Code components --------------------------------------------------------------------------


def test_code_nobody_serves_is_not_found_and_says_where_the_audit_looked() -> None:
    findings = evaluate(llama2())
    training = finding(findings, "training-code")
    assert training.status == "not-found"
    assert training.reason.startswith(
        "No published code serves the training code: the audit "
        "looked in the Hub metadata of meta-llama/Llama-2-7b-hf"
    )
    assert "meta-llama/llama" in training.reason
    assert {e.locator for e in training.evidence} >= {"meta-llama/Llama-2-7b-hf"}
    libraries = finding(findings, "supporting-libraries")
    assert libraries.status == "not-found"
    assert "where applicable" in libraries.reason


def test_code_served_by_several_repositories_is_as_open_as_the_least_open() -> None:
    audit = audit_of(
        [
            art("github", "org/open", "training-code"),
            art("github", "org/other", "training-code"),
        ],
        [
            seen("github", "org/open", github_repo("org/open", "MIT")),
            seen("github", "org/other", github_repo("org/other", None)),
        ],
    )
    found = finding(evaluate(audit), "training-code")
    assert found.status == "unlicensed"
    assert found.reason.startswith("org/other holds it at unlicensed (1 of 2 sources)")
    assert found.license == "MIT"


def test_a_known_shortfall_wins_over_an_unreachable_part() -> None:
    audit = audit_of(
        [
            art("github", "org/down", "training-code"),
            art("github", "org/nolicense", "training-code"),
        ],
        [
            seen("github", "org/down", None, state="unreachable", error="timeout"),
            seen("github", "org/nolicense", github_repo("org/nolicense", None)),
        ],
    )
    assert finding(evaluate(audit), "training-code").status == "unlicensed"


# --- Checkpoints, cards, papers, evaluation --------------------------------------------------

CHECKPOINT_CASES = [
    # (case, branches, declared serves checkpoints, status)
    ("pythia step branches", PYTHIA_BRANCHES, False, "open"),
    ("OLMo step-token revisions", ["main", "step1000-tokens4B", "step2000-tokens8B"], False,
     "open"),
    ("trainer checkpoints", ["main", "checkpoint-500", "global_step1000"], False, "open"),
    ("OLMo 2 stage branches", ["main", "stage1-step140000-tokens1174B",
     "stage2-ingredient1-step11931-tokens50B"], False, "open"),
    ("LLM360 checkpoints", ["main", "ckpt_000", "ckpt_100"], False, "open"),
    ("only main", ["main"], False, "not-found"),
    ("format branches are not checkpoints", ["main", "float16", "sharded"], False, "not-found"),
    ("declared but only main", ["main"], True, "not-found"),
    ("declared but branches never read", None, True, "unknown"),
    ("not declared, branches never read", None, False, "not-found"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("branches", "declared", "status"),
    [case[1:] for case in CHECKPOINT_CASES],
    ids=[case[0] for case in CHECKPOINT_CASES],
)
def test_intermediate_checkpoints(branches: list[str] | None, declared: bool, status: str) -> None:
    serves = ("final-weights", "intermediate-checkpoints") if declared else ()
    found = finding(
        evaluate(one_model(hub_model("org/model", branches=branches), serves=serves)),
        "intermediate-checkpoints",
    )
    assert found.status == status


def test_checkpoints_share_the_gate_and_license_of_the_weights() -> None:
    payload = hub_model("org/model", gated="manual", branches=["main", "step1000"])
    assert finding(evaluate(one_model(payload)), "intermediate-checkpoints").status == "gated"


def test_no_checkpoints_reason() -> None:
    found = finding(evaluate(llama2()), "intermediate-checkpoints")
    assert found.status == "not-found"
    assert found.reason.startswith("No intermediate checkpoints were found: the audit looked in")


def test_model_card_needs_a_readme_and_takes_the_documentation_license() -> None:
    with_readme = finding(evaluate(one_model(hub_model("org/model"))), "model-card")
    without = finding(
        evaluate(one_model(hub_model("org/model", siblings=("model.safetensors",)))), "model-card"
    )
    assert (with_readme.status, without.status) == ("open", "not-found")
    assert "open for documentation" in with_readme.reason


def test_model_index_gives_evaluation_results() -> None:
    index = [{"name": "org/model", "results": [{"task": {"type": "text-generation"}}]}]
    found = finding(
        evaluate(one_model(hub_model("org/model", model_index=index))), "evaluation-results"
    )
    assert found.status == "open"
    assert finding(evaluate(one_model(hub_model("org/model"))), "evaluation-results").status == (
        "not-found"
    )


def arxiv_record(paper: str, title: str, license: str | None) -> dict[str, Any]:
    """An arXiv OAI-PMH record as the arXiv client stores it."""
    return {
        "id": paper,
        "title": title,
        "abstract": "We present a model and evaluate it.",
        "authors": ["A. Author"],
        "created": "2023-04-03",
        "updated": None,
        "license": license,
        "categories": "cs.CL",
        "comments": "",
        "journal_ref": "",
        "doi": "",
    }


PAPER_LICENSE_CASES = [
    # (case, arXiv license URL, status, license)
    ("CC BY 4.0", "http://creativecommons.org/licenses/by/4.0/", "open", "CC-BY-4.0"),
    ("CC BY-SA 4.0", "http://creativecommons.org/licenses/by-sa/4.0/", "open", "CC-BY-SA-4.0"),
    ("CC0", "http://creativecommons.org/publicdomain/zero/1.0/", "open", "CC0-1.0"),
    ("CC BY-NC-SA 4.0", "http://creativecommons.org/licenses/by-nc-sa/4.0/", "restricted",
     "CC-BY-NC-SA-4.0"),
    ("arXiv's non-exclusive license", "http://arxiv.org/licenses/nonexclusive-distrib/1.0/",
     "unlicensed", None),
    ("no license element", None, "unlicensed", None),
]  # fmt: skip


@pytest.mark.parametrize(
    ("url", "status", "license"),
    [case[1:] for case in PAPER_LICENSE_CASES],
    ids=[case[0] for case in PAPER_LICENSE_CASES],
)
def test_the_models_own_paper_takes_the_license_arxiv_records(
    url: str | None, status: str, license: str | None
) -> None:
    payload = hub_model("EleutherAI/pythia-6.9b", tags=("arxiv:2304.01373",))
    record = arxiv_record("2304.01373", "Pythia: A Suite for Analyzing Large Language Models", url)
    audit = audit_of(
        [art("hf-model", "EleutherAI/pythia-6.9b")],
        [seen("hf-model", "EleutherAI/pythia-6.9b", payload), seen("arxiv", "2304.01373", record)],
    )
    found = finding(evaluate(audit), "research-paper")
    assert (found.status, found.license) == (status, license)
    assert "arXiv:2304.01373" in found.reason


def test_papers_a_card_only_cites_are_not_its_research_paper() -> None:
    payload = hub_model("org/widget-7b", tags=("arxiv:2005.14165",))
    record = arxiv_record(
        "2005.14165",
        "Language Models are Few-Shot Learners",
        "http://creativecommons.org/licenses/by/4.0/",
    )
    audit = audit_of(
        [art("hf-model", "org/widget-7b")],
        [seen("hf-model", "org/widget-7b", payload), seen("arxiv", "2005.14165", record)],
    )
    assert finding(evaluate(audit), "research-paper").status == "not-found"


def test_one_open_copy_of_a_document_is_enough() -> None:
    payload = hub_model("EleutherAI/pythia-6.9b", tags=("arxiv:2304.01373",))
    record = arxiv_record(
        "2304.01373",
        "Pythia: A Suite for Analyzing Large Language Models",
        "http://creativecommons.org/licenses/by/4.0/",
    )
    audit = audit_of(
        [
            art("hf-model", "EleutherAI/pythia-6.9b"),
            art("url", "https://example.org/pythia.pdf", "research-paper"),
        ],
        [seen("hf-model", "EleutherAI/pythia-6.9b", payload), seen("arxiv", "2304.01373", record)],
    )
    found = finding(evaluate(audit), "research-paper")
    assert (found.status, found.license) == ("open", "CC-BY-4.0")
    assert "The most open of 2 sources is open" in found.reason


def test_a_declared_arxiv_paper_is_read_from_arxiv_and_its_record_wins() -> None:
    audit = audit_of(
        [
            art("hf-model", "org/model"),
            art("url", "https://arxiv.org/abs/2304.01373", "research-paper", license="CC-BY-4.0"),
        ],
        [
            seen("hf-model", "org/model", hub_model("org/model")),
            seen("arxiv", "2304.01373", arxiv_record("2304.01373", "A paper", None)),
        ],
    )
    assert finding(evaluate(audit), "research-paper").status == "unlicensed"


def test_a_declared_paper_keeps_its_declared_license_until_arxiv_answers() -> None:
    payload = hub_model("org/model", tags=("arxiv:1910.09700",))
    audit = audit_of(
        [
            art("hf-model", "org/model"),
            art("url", "https://arxiv.org/abs/2304.01373", "research-paper", license="CC-BY-4.0"),
        ],
        [seen("hf-model", "org/model", payload)],
    )
    found = finding(evaluate(audit), "research-paper")
    assert (found.status, found.license) == ("open", "CC-BY-4.0")
    assert "arXiv's record was not read" in found.reason


def test_technical_report_is_not_found_unless_one_is_published() -> None:
    found = finding(evaluate(pythia()), "technical-report")
    assert found.status == "not-found"
    assert found.reason.startswith("No technical report was found: the audit looked in")


# --- Datasets --------------------------------------------------------------------------------


def test_the_least_open_dataset_decides_and_is_named() -> None:
    audit = audit_of(
        [
            art("hf-dataset", "org/open-data", "training-datasets"),
            art("hf-dataset", "org/nc-data", "training-datasets"),
        ],
        [
            seen("hf-dataset", "org/open-data", hub_dataset("org/open-data", license="cc-by-4.0")),
            seen("hf-dataset", "org/nc-data", hub_dataset("org/nc-data", license="cc-by-nc-4.0")),
        ],
    )
    found = finding(evaluate(audit), "training-datasets")
    assert found.status == "restricted"
    assert found.reason.startswith("org/nc-data holds it at restricted")
    assert found.license == "CC-BY-4.0 AND CC-BY-NC-4.0"


def test_a_gated_dataset_with_an_open_license_is_gated() -> None:
    audit = audit_of(
        [art("hf-dataset", "org/data", "training-datasets")],
        [seen("hf-dataset", "org/data", hub_dataset("org/data", license="odc-by", gated="auto"))],
    )
    assert finding(evaluate(audit), "training-datasets").status == "gated"


def test_datasets_named_on_the_model_card_count_when_they_were_fetched() -> None:
    payload = hub_model(
        "google-bert/bert-base-uncased",
        tags=("dataset:bookcorpus", "dataset:wikipedia", "license:apache-2.0"),
        card={"datasets": ["bookcorpus", "wikipedia"]},
    )
    model_only = audit_of(
        [art("hf-model", "google-bert/bert-base-uncased")],
        [seen("hf-model", "google-bert/bert-base-uncased", payload)],
    )
    with_one = audit_of(
        list(model_only.artifacts),
        [
            *model_only.observations.values(),
            seen("hf-dataset", "bookcorpus", hub_dataset("bookcorpus", license=None)),
        ],
    )
    # Named but not fetched yet: not dropped, and not judged either.
    assert finding(evaluate(model_only), "training-datasets").status == "unknown"
    found = finding(evaluate(with_one), "training-datasets")
    assert found.status == "unlicensed"
    assert found.evidence[0].field == "cardData.datasets"
    # One card unlicensed, the other not read: the unread one might be open.
    assert finding(evaluate(with_one), "data-card").status == "unknown"


def test_no_training_data_reason() -> None:
    found = finding(evaluate(llama2()), "training-datasets")
    assert found.status == "not-found"
    assert found.reason.startswith("The training data is not disclosed")


def test_data_card_from_a_dataset_card_and_a_declared_data_sheet() -> None:
    findings = evaluate(stable_diffusion_v1_4())
    found = finding(findings, "data-card")
    # The LAION cards are CC-BY-4.0; one open document is enough, whatever the LAION-5B
    # paper (not read from arXiv here) turns out to be.
    assert (found.status, found.license) == ("open", "CC-BY-4.0")
    assert "The most open of" in found.reason
    assert finding(findings, "training-datasets").status == "open"


# --- Training-data information ---------------------------------------------------------------


def test_named_datasets_with_full_cards_disclose_all_three_facets() -> None:
    findings = evaluate(pythia())
    for facet in DATA_FACETS:
        found = finding(findings, facet)
        assert found.status == "disclosed", (facet, found.reason)
        assert found.reason.startswith("Dataset cards disclose")
        assert "need not be open for OSAID" in found.reason
    provenance = finding(findings, "data-provenance")
    assert {e.field for e in provenance.evidence} >= {
        "cardData.source_datasets",
        "cardData.paperswithcode_id",
    }


FACET_CASES = [
    # (case, card keys, provenance, characteristics, labelling)
    ("full card", PILE_CARD, "disclosed", "disclosed", "disclosed"),
    ("empty card", {}, "partial", "not-disclosed", "not-disclosed"),
    ("one characteristic", {"language": ["en"]}, "partial", "partial", "not-disclosed"),
    ("size 'unknown' does not count", {"size_categories": ["unknown"], "language": ["en"]},
     "partial", "partial", "not-disclosed"),
    ("who wrote the text", {"language_creators": ["found"]}, "disclosed", "not-disclosed",
     "partial"),
    ("labelled", {"annotations_creators": ["crowdsourced"]}, "partial", "not-disclosed",
     "disclosed"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("card", "provenance", "characteristics", "labelling"),
    [case[1:] for case in FACET_CASES],
    ids=[case[0] for case in FACET_CASES],
)
def test_dataset_card_keys_decide_the_facets(
    card: dict[str, Any], provenance: str, characteristics: str, labelling: str
) -> None:
    audit = audit_of(
        [art("hf-model", "org/model"), art("hf-dataset", "org/data")],
        [
            seen("hf-model", "org/model", hub_model("org/model")),
            seen("hf-dataset", "org/data", hub_dataset("org/data", card=card)),
        ],
    )
    findings = evaluate(audit)
    assert [finding(findings, f).status for f in DATA_FACETS] == [
        provenance,
        characteristics,
        labelling,
    ]


def test_one_undescribed_dataset_makes_a_facet_partial() -> None:
    audit = audit_of(
        [art("hf-dataset", "org/described"), art("hf-dataset", "org/bare")],
        [
            seen("hf-dataset", "org/described", hub_dataset("org/described", card=PILE_CARD)),
            seen("hf-dataset", "org/bare", hub_dataset("org/bare")),
        ],
    )
    found = finding(evaluate(audit), "data-characteristics")
    assert found.status == "partial"
    assert "org/bare" in found.reason


def test_an_unreadable_dataset_card_leaves_a_facet_unknown() -> None:
    audit = audit_of(
        [art("hf-dataset", "org/data")],
        [seen("hf-dataset", "org/data", None, state="unreachable", error="timeout")],
    )
    assert finding(evaluate(audit), "data-labelling").status == "unknown"


def test_a_declared_data_sheet_discloses_the_facets_whatever_the_datasets_license() -> None:
    audit = audit_of(
        [
            art("hf-dataset", "org/data", "training-datasets"),
            art("url", "https://example.org/datasheet.pdf", "data-card"),
        ],
        [seen("hf-dataset", "org/data", hub_dataset("org/data", license="cc-by-nc-4.0"))],
    )
    findings = evaluate(audit)
    for facet in DATA_FACETS:
        found = finding(findings, facet)
        assert found.status == "disclosed"
        assert "https://example.org/datasheet.pdf" in found.reason
        assert "not for the datasets themselves to be open" in found.reason
    assert finding(findings, "training-datasets").status == "restricted"


def test_a_paper_alone_does_not_name_the_training_data() -> None:
    findings = evaluate(llama2())
    for facet in DATA_FACETS:
        found = finding(findings, facet)
        assert found.status == "not-disclosed"
        assert found.reason.startswith("No training data is named")
        assert "https://arxiv.org/abs/2307.09288" in found.reason


def test_with_an_unreadable_model_card_the_facets_are_unknown() -> None:
    audit = audit_of(
        [art("hf-model", "org/model")],
        [seen("hf-model", "org/model", None, state="unreachable", error="timeout")],
    )
    assert {finding(evaluate(audit), f).status for f in DATA_FACETS} == {"unknown"}


# --- Curations -------------------------------------------------------------------------------


def test_a_curation_is_attached_and_the_tools_status_is_kept() -> None:
    curation = Curation(
        component="research-paper",
        status="open",
        license="CC-BY-4.0",
        reason="The paper is published under CC BY 4.0 in the proceedings.",
        evidence_url="https://proceedings.mlr.press/v202/biderman23a.html",
    )
    base = pythia()
    audit = audit_of(list(base.artifacts), list(base.observations.values()), (curation,))
    found = finding(evaluate(audit), "research-paper")
    assert found.status == "unknown"  # arXiv's record was not read in this audit
    assert (found.effective_status, found.effective_license) == ("open", "CC-BY-4.0")
    assert found.curation == curation
    assert finding(evaluate(audit), "technical-report").curation is None
