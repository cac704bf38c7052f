"""Discovery in the rules: from a Hub id alone, what its card leads to, and lineage."""

from __future__ import annotations

from typing import Any

import pytest

from audits.rules import evaluate, verdict
from audits.rules.discovered import discover, fetch_pairs, related
from audits.rules.types import AuditInput, DeclaredArtifact, Observation
from tests.audits.test_rules import arxiv_record, finding, hub_dataset, hub_model, seen

GPL_LINE = "Apache License 2.0"
CARD = """---
license: apache-2.0
datasets:
- org/corpus
---
# Widget 7B

Widget 7B is a language model trained with [our training code](https://github.com/org/widget-train).
The data was cleaned with [our data pipeline](https://github.com/org/widget-data), which
deduplicates and filters the corpus. We evaluated it with the evaluation harness at
https://github.com/org/widget-eval.

Paper: [Widget: an open language model](https://arxiv.org/abs/2401.00001).
It builds on ideas from https://arxiv.org/abs/2005.14165.

## Evaluation

| Benchmark | Widget 7B | Other 7B |
|---|---|---|
| ARC | 51.2 | 49.0 |
| HellaSwag | 77.9 | 76.1 |
"""


@pytest.fixture(autouse=True)
def _plain_static_storage() -> None:
    # Replaces the suite-wide fixture that needs Django settings: these tests are pure.
    return None


def card_file(repo_id: str, text: str, repo_type: str = "models") -> Observation:
    return Observation(
        source="hf-file",
        locator=f"{repo_type}/{repo_id}:README.md",
        state="ok",
        url=f"https://huggingface.co/{repo_id}/blob/main/README.md",
        payload={"repo_type": "model", "repo": repo_id, "path": "README.md", "text": text},
        snapshot_id=7,
        fetched_at="2026-11-20T08:00:00Z",
    )


def repo_files(full_name: str, paths: list[str], readme: str) -> list[Observation]:
    github = {
        "full_name": full_name,
        "html_url": f"https://github.com/{full_name}",
        "default_branch": "main",
        "license": {"key": "apache-2.0", "name": GPL_LINE, "spdx_id": "Apache-2.0"},
        "archived": False,
        "disabled": False,
        "description": "",
    }
    return [
        seen("github", full_name, github),
        seen("github-tree", full_name, {"sha": "a" * 40, "branch": "main", "truncated": False,
                                        "paths": paths}),
        seen("github-readme", full_name, {"path": "README.md", "text": readme,
                                          "html_url": f"https://github.com/{full_name}"}),
    ]  # fmt: skip


def widget(**extra: Observation) -> AuditInput:
    """A model given by its Hub id alone, with everything its card leads to fetched."""
    observations = [
        seen(
            "hf-model",
            "org/widget-7b",
            hub_model(
                "org/widget-7b",
                card={"datasets": ["org/corpus"]},
                tags=("dataset:org/corpus", "arxiv:2401.00001", "arxiv:2005.14165"),
            ),
        ),
        card_file("org/widget-7b", CARD),
        *repo_files(
            "org/widget-train",
            ["README.md", "train.py", "configs/pretrain/widget-7b.yaml", "widget/model.py"],
            "# Widget training\n\nCode to pretrain Widget models.",
        ),
        *repo_files(
            "org/widget-data",
            ["README.md", "dedup/minhash.py", "filters/quality.py", "tokenize.py"],
            "# Widget data\n\nThe data processing pipeline: deduplication and filtering.",
        ),
        *repo_files(
            "org/widget-eval",
            ["README.md", "eval/run_eval.py", "tasks/arc.py"],
            "# Widget eval\n\nAn evaluation harness for Widget models.",
        ),
        seen(
            "hf-dataset",
            "org/corpus",
            hub_dataset(
                "org/corpus",
                license="odc-by",
                card={
                    "source_datasets": ["original"],
                    "size_categories": ["n>1T"],
                    "language": ["en"],
                    "annotations_creators": ["no-annotation"],
                },
            ),
        ),
        seen(
            "arxiv",
            "2401.00001",
            arxiv_record(
                "2401.00001",
                "Widget: an open language model",
                "http://creativecommons.org/licenses/by/4.0/",
            ),
        ),
        seen(
            "arxiv",
            "2005.14165",
            arxiv_record("2005.14165", "Language Models are Few-Shot Learners", None),
        ),
    ]
    by_key = {(o.source, o.locator): o for o in observations}
    by_key.update({(o.source, o.locator): o for o in extra.values()})
    return AuditInput(
        artifacts=(DeclaredArtifact("hf-model", "org/widget-7b", ()),),
        observations=by_key,
    )


def test_a_hub_id_alone_leads_to_its_repositories_papers_and_datasets() -> None:
    found = {(a.source, a.locator): a for a in discover(widget())}
    assert set(found) >= {
        ("github", "org/widget-train"),
        ("github", "org/widget-data"),
        ("github", "org/widget-eval"),
        ("arxiv", "2401.00001"),
        ("arxiv", "2005.14165"),
        ("hf-dataset", "org/corpus"),
    }
    assert "training-code" in found[("github", "org/widget-train")].serves
    assert "data-preprocessing-code" in found[("github", "org/widget-data")].serves
    assert "evaluation-code" in found[("github", "org/widget-eval")].serves
    assert found[("arxiv", "2401.00001")].role == "own"
    assert found[("arxiv", "2005.14165")].role == "cited"
    # Each says how it was found: the card's own line.
    assert "widget-train" in str(found[("github", "org/widget-train")].found[0].value)


@pytest.mark.parametrize(
    ("component", "status"),
    [
        ("training-code", "open"),
        ("data-preprocessing-code", "open"),
        ("evaluation-code", "open"),
        ("research-paper", "open"),
        ("training-datasets", "open"),
        ("evaluation-results", "open"),
        ("technical-report", "not-found"),
    ],
)
def test_discovered_artifacts_are_judged_like_declared_ones(component: str, status: str) -> None:
    assert finding(evaluate(widget()), component).status == status


def test_a_paper_the_card_only_cites_is_not_counted() -> None:
    paper = finding(evaluate(widget()), "research-paper")
    assert paper.license == "CC-BY-4.0"
    assert "2005.14165" not in paper.reason


def test_rejected_discoveries_are_not_judged() -> None:
    audit = widget()
    rejected = AuditInput(
        artifacts=audit.artifacts,
        observations=audit.observations,
        rejected=frozenset({("github", "org/widget-train")}),
    )
    assert finding(evaluate(rejected), "training-code").status == "not-found"


def test_the_harvest_is_told_what_to_fetch_next() -> None:
    assert related("hf-model", "org/m", hub_model("org/m")) == [
        ("hf-file", "models/org/m:README.md")
    ]
    other = hub_model("org/m", license="other", siblings=("README.md", "LICENSE", "m.safetensors"))
    assert ("hf-file", "models/org/m:LICENSE") in related("hf-model", "org/m", other)
    # A named license's file is read too: the license-agreement finding compares the two.
    named = hub_model("org/m", license="mit", siblings=("README.md", "LICENSE.md", "m.bin"))
    assert ("hf-file", "models/org/m:LICENSE.md") in related("hf-model", "org/m", named)
    assert related("github", "o/r", {"full_name": "o/r"}) == [
        ("github-license", "o/r"),
        ("github-readme", "o/r"),
        ("github-tree", "o/r"),
    ]
    # A URL is never fetched as given: only an arXiv URL becomes a question to arXiv.
    assert fetch_pairs(DeclaredArtifact("url", "https://arxiv.org/abs/2304.01373v2", ())) == [
        ("arxiv", "2304.01373")
    ]
    assert fetch_pairs(DeclaredArtifact("url", "https://example.org/paper.pdf", ())) == []


# --- Lineage -----------------------------------------------------------------------------------

LLAMA_CARD = "---\nlicense: llama2\n---\n# Base\n"


def derivative(base_payload: dict[str, Any], base_card: str, **extra: Any) -> AuditInput:
    model = hub_model(
        "org/chat-7b",
        license="apache-2.0",
        card={"base_model": "org/base-7b", "datasets": ["org/chat-data"]},
        tags=("dataset:org/chat-data", "base_model:finetune:org/base-7b"),
    )
    data = hub_dataset("org/chat-data", license="mit", card={
        "source_datasets": ["original"], "size_categories": ["10K<n<100K"], "language": ["en"],
        "annotations_creators": ["machine-generated"]})  # fmt: skip
    observations = [
        seen("hf-model", "org/chat-7b", model),
        card_file("org/chat-7b", "---\nlicense: apache-2.0\n---\n# Chat\n"),
        seen("hf-dataset", "org/chat-data", data),
        seen("hf-model", "org/base-7b", base_payload),
        card_file("org/base-7b", base_card),
    ]
    return AuditInput(
        artifacts=(DeclaredArtifact("hf-model", "org/chat-7b", ()),),
        observations={(o.source, o.locator): o for o in observations},
    )


def test_a_derivative_is_never_more_open_than_its_base_license() -> None:
    audit = derivative(hub_model("org/base-7b", license="llama2", gated="manual"), LLAMA_CARD)
    weights = finding(evaluate(audit), "final-weights")
    assert weights.status == "restricted"
    assert "org/base-7b" in weights.reason
    result = verdict(evaluate(audit))
    assert result.lineage == ("org/base-7b",)
    assert result.osaid == "not-open-source-ai"


def test_a_base_that_names_no_data_leaves_the_derivatives_data_undisclosed() -> None:
    audit = derivative(
        hub_model("org/base-7b", license="apache-2.0"), "---\nlicense: apache-2.0\n---\n"
    )
    findings = evaluate(audit)
    assert finding(findings, "final-weights").status == "open"
    provenance = finding(findings, "data-provenance")
    assert provenance.status == "partial"
    assert "org/base-7b names no training data" in provenance.reason
    assert finding(findings, "training-datasets").status == "not-found"
    assert finding(findings, "lineage").status == "derived"


def test_an_original_model_has_no_lineage() -> None:
    assert verdict(evaluate(widget())).lineage == ()
    assert finding(evaluate(widget()), "lineage").status == "original"


# --- License from the card's text, open-washing -------------------------------------------

LLAVA_CARD = """---
inference: false
---
# LLaVA Model Card

**License:**
Llama 2 is licensed under the LLAMA 2 Community License,
Copyright (c) Meta Platforms, Inc. All Rights Reserved.
"""


def test_a_card_without_a_license_key_is_read_for_its_license() -> None:
    payload = hub_model("org/llava", license=None)
    audit = AuditInput(
        artifacts=(DeclaredArtifact("hf-model", "org/llava", ()),),
        observations={
            ("hf-model", "org/llava"): seen("hf-model", "org/llava", payload),
            ("hf-file", "models/org/llava:README.md"): card_file("org/llava", LLAVA_CARD),
        },
    )
    weights = finding(evaluate(audit), "final-weights")
    assert (weights.status, weights.license) == (
        "restricted",
        "LicenseRef-scancode-llama-2-license-2023",
    )
    assert "its model card reads as" in weights.reason
    assert verdict(evaluate(audit)).category == "restricted-weights"


def test_calling_a_restricted_model_open_source_is_open_washing() -> None:
    card = "---\nlicense: llama2\n---\n# Base\n\nBase is a fully open-source model for everyone.\n"
    payload = hub_model("org/base", license="llama2")
    audit = AuditInput(
        artifacts=(DeclaredArtifact("hf-model", "org/base", ()),),
        observations={
            ("hf-model", "org/base"): seen("hf-model", "org/base", payload),
            ("hf-file", "models/org/base:README.md"): card_file("org/base", card),
        },
    )
    findings = evaluate(audit)
    assert finding(findings, "open-source-claim").status == "claimed"
    assert verdict(findings).open_washing is True
    assert verdict(evaluate(widget())).open_washing is False
