"""What cards and READMEs say in prose: training-data disclosure, usage scripts, link labels.

The texts are real cards and READMEs recorded for the discovery suite and the seed catalogue
(their sources are in tests/discovery/SOURCES.md and registry/catalogue/upstream/SOURCES.md).
"""

from __future__ import annotations

import base64
import json
from dataclasses import replace
from pathlib import Path

import pytest

from audits.rules import evaluate
from audits.rules.discovered import _card_labels, same_organisation
from audits.rules.discovery import data_disclosures, holds_source, repo_serves, usage_code
from audits.rules.types import AuditInput, DeclaredArtifact
from tests.audits.test_discovered import card_file, repo_files
from tests.audits.test_rules import finding, hub_dataset, hub_model, seen

ROOT = Path(__file__).resolve().parents[2]
SUITE = ROOT / "tests" / "discovery" / "upstream"
SEED = ROOT / "registry" / "catalogue" / "upstream"


@pytest.fixture(autouse=True)
def _plain_static_storage() -> None:
    # Replaces the suite-wide fixture that needs Django settings: these tests are pure.
    return None


def hub_card(root: Path, kind: str, repo_id: str) -> str:
    return (root / "hub" / kind / f"{repo_id.replace('/', '__')}.files" / "README.md").read_text()


def readme(full_name: str) -> str:
    answer = json.loads(
        (SUITE / "github" / "repos" / f"{full_name.replace('/', '__')}.readme.json").read_text()
    )
    return base64.b64decode(answer["content"]).decode()


def tree(full_name: str) -> list[str]:
    answer = json.loads(
        (SUITE / "github" / "repos" / f"{full_name.replace('/', '__')}.tree.json").read_text()
    )
    return [entry["path"] for entry in answer["tree"] if entry["type"] == "blob"]


def shown(text: str) -> set[tuple[str, str]]:
    return {(d.facet, d.kind) for d in data_disclosures(text)}


# --- data_disclosures: one row a text, what it discloses and how ----------------------------


@pytest.mark.parametrize(
    ("text", "present", "absent"),
    [
        # A data-mix table with a Subset column and token counts.
        (
            hub_card(SUITE, "datasets", "LLM360/AmberDatasets"),
            {("data-provenance", "table"), ("data-characteristics", "table")},
            {("data-labelling", "sentence")},
        ),
        # A list of named datasets after "the following datasets were being used".
        (
            hub_card(SUITE, "models", "google-t5/t5-11b"),
            {("data-provenance", "list")},
            {("data-characteristics", "sentence")},  # "40 GB" of weights is not the data's size
        ),
        # Sources named in sentences ("trained on the SlimPajama and StarCoder datasets").
        (
            hub_card(SUITE, "models", "LLM360/Crystal"),
            {("data-provenance", "sentence"), ("data-characteristics", "sentence")},
            {("data-provenance", "table")},
        ),
        # A dataset card's Source Data and collection sections, written out.
        (
            hub_card(SUITE, "datasets", "allenai/c4"),
            {("data-provenance", "section"), ("data-labelling", "section")},
            {("data-provenance", "table")},  # a Data Splits table names splits, not sources
        ),
        # Template sections left as "[More Information Needed]" disclose nothing.
        (
            hub_card(SUITE, "datasets", "wiki_dpr"),
            {("data-characteristics", "section")},
            {("data-provenance", "section"), ("data-labelling", "section")},
        ),
        # "publicly available sources" names none; a token count alone is one sentence.
        (
            hub_card(SEED, "models", "meta-llama/Meta-Llama-3-8B"),
            {("data-characteristics", "sentence")},
            {("data-provenance", "sentence"), ("data-provenance", "section")},
        ),
        # A data-preparation README: its sources and its numbered steps.
        (
            readme("LLM360/amber-data-prep"),
            {("data-labelling", "list"), ("data-provenance", "list")},
            set(),
        ),
    ],
    ids=["amber-data", "t5", "crystal", "c4", "wiki-dpr", "llama-3", "amber-data-prep"],
)
def test_data_disclosures_read_tables_lists_sections_and_sentences(
    text: str, present: set[tuple[str, str]], absent: set[tuple[str, str]]
) -> None:
    found = shown(text)
    assert present <= found, found
    assert not (absent & found), found


def test_a_disclosure_quotes_its_passage_and_section() -> None:
    (provenance,) = [
        d
        for d in data_disclosures(hub_card(SUITE, "datasets", "LLM360/AmberDatasets"))
        if d.facet == "data-provenance" and d.kind == "table"
    ]
    assert provenance.section == "DataMix"
    assert "Subset" in provenance.line and "Arxiv" in provenance.line


def test_at_most_two_sentences_are_kept_for_a_facet() -> None:
    text = "\n\n".join(f"The data was sampled from Source{n}X." for n in range(5))
    sentences = [d for d in data_disclosures(text) if d.kind == "sentence"]
    assert [d.line for d in sentences] == [
        "The data was sampled from Source0X.",
        "The data was sampled from Source1X.",
    ]


def test_code_blocks_and_front_matter_disclose_nothing() -> None:
    text = "---\nsize: 3 trillion tokens\n---\n```\nwe deduplicated 3 trillion tokens\n```\n"
    assert data_disclosures(text) == []


# --- usage_code -------------------------------------------------------------------------------


def test_a_card_usage_script_that_loads_and_runs_the_model_is_found() -> None:
    from audits.rules.discovery import split_card

    body = split_card(hub_card(SUITE, "models", "LLM360/Amber"))[1]
    usage = usage_code(body)
    assert usage is not None
    assert "from_pretrained" in usage.value and "LLM360/Amber" in usage.value


@pytest.mark.parametrize(
    "body",
    [
        "```bash\npip install transformers\n```\n",  # installs, loads nothing
        "```python\nfrom transformers import AutoModel\n"
        "m = AutoModel.from_pretrained('o/m')\n```\n",
        "from transformers import AutoModel\nm = AutoModel.from_pretrained('o/m')\nm.generate(x)\n",
    ],
    ids=["install-only", "loads-but-never-runs", "prose-not-code"],
)
def test_a_block_that_does_not_load_and_run_a_model_is_no_usage_script(body: str) -> None:
    assert usage_code(body) is None


# --- What repositories serve: labels, organisations, READMEs ----------------------------------


@pytest.mark.parametrize(
    ("line", "component", "expected"),
    [
        ("- [Training Code](https://github.com/LLM360/amber-train)", "training-code", True),
        ("- [Data Preparation](https://github.com/LLM360/amber-data-prep)",
         "data-preprocessing-code", True),
        ("- [Metrics](https://github.com/LLM360/Analysis360)", "evaluation-code", True),
        ("- [Metrics](https://github.com/LLM360/Analysis360)", "training-code", False),
        ("Core repo (training, inference, fine-tuning etc.): https://github.com/allenai/OLMo",
         "inference-code", True),
        # A long sentence about many things is no label.
        ("We trained our model with many tools and compared it with other models that were "
         "trained elsewhere: https://github.com/o/r", "training-code", False),
    ],
)  # fmt: skip
def test_a_short_card_line_labels_its_link(line: str, component: str, expected: bool) -> None:
    assert _card_labels(line, component) is expected


@pytest.mark.parametrize(
    ("owner", "namespace", "expected"),
    [
        ("LLM360", "LLM360", True),
        ("Stability-AI", "stabilityai", True),
        ("google-research", "google-t5", True),
        ("bigscience-workshop", "bigscience", True),
        ("open-compass", "open-mmlab", False),  # "open" ties nothing together
        ("meta-math", "meta-llama", False),  # too short a first word
        ("EleutherAI", "allenai", False),
    ],
)
def test_a_github_owner_and_a_hub_namespace_are_one_organisation_by_name(
    owner: str, namespace: str, expected: bool
) -> None:
    assert same_organisation(owner, namespace) is expected


def test_a_data_preparation_readme_serves_data_preprocessing_code() -> None:
    served = repo_serves(
        full_name="LLM360/amber-data-prep",
        paths=tree("LLM360/amber-data-prep"),
        readme=readme("LLM360/amber-data-prep"),
    )
    assert [(s.component, s.evidence_kind) for s in served] == [
        ("data-preprocessing-code", "sentence")
    ]


def test_the_t5_repository_serves_its_architecture_and_preprocessing() -> None:
    name = "google-research/text-to-text-transfer-transformer"
    served = {
        s.component: s.evidence
        for s in repo_serves(full_name=name, paths=tree(name), readme=readme(name))
    }
    assert served["model-architecture"] == "t5/models/mesh_transformer.py"
    assert served["data-preprocessing-code"] == "t5/data/preprocessors.py"
    assert "inference" in served["inference-code"]


def test_analysis_folders_are_not_the_models_training_code() -> None:
    served = repo_serves(
        full_name="LLM360/Analysis360",
        paths=tree("LLM360/Analysis360"),
        readme=readme("LLM360/Analysis360"),
    )
    assert "training-code" not in {s.component for s in served}
    assert holds_source(tree("LLM360/Analysis360"))
    assert not holds_source(["README.md", "docs/index.py", "LICENSE"])


# --- In the rules: prose reaches the facets ---------------------------------------------------

DATA_MIX = """# Widget data

## DataMix

| Subset | Tokens (Billion) |
| --- | --- |
| Arxiv | 30.00 |
| C4 | 197.67 |
"""


def widget_with_data(dataset_card: str, *, model_card: str = "# Widget\n") -> AuditInput:
    """A Hub model naming one dataset whose metadata shows only its language."""
    observations = [
        seen("hf-model", "org/widget", hub_model("org/widget", card={"datasets": ["org/data"]},
                                                 tags=("dataset:org/data",))),
        card_file("org/widget", model_card),
        seen("hf-dataset", "org/data", hub_dataset("org/data", license="odc-by",
                                                   card={"language": ["en"]})),
        replace(card_file("org/data", dataset_card), locator="datasets/org/data:README.md"),
    ]  # fmt: skip
    return AuditInput(
        artifacts=(DeclaredArtifact("hf-model", "org/widget", ()),),
        observations={(o.source, o.locator): o for o in observations},
    )


def test_a_dataset_cards_data_mix_table_discloses_provenance() -> None:
    findings = evaluate(widget_with_data(DATA_MIX))
    provenance = finding(findings, "data-provenance")
    assert provenance.status == "disclosed"
    assert "DataMix" in provenance.reason
    assert any(e.source == "hf-file" and "Subset" in str(e.value) for e in provenance.evidence)
    # The table's token counts are characteristics too.
    assert finding(findings, "data-characteristics").status == "disclosed"


def test_without_prose_the_dataset_is_only_named() -> None:
    findings = evaluate(widget_with_data("# Widget data\n\nSee the paper.\n"))
    assert finding(findings, "data-provenance").status == "partial"
    assert finding(findings, "data-labelling").status == "not-disclosed"


def test_the_models_own_data_preparation_readme_discloses_how_data_was_cleaned() -> None:
    audit = widget_with_data(
        "# Widget data\n",
        model_card="# Widget\n\n- [Data Preparation](https://github.com/org/widget-prep)\n",
    )
    prep = repo_files(
        "org/widget-prep",
        ["README.md", "mix.py"],
        "This repository contains the code to prepare the data for Widget.\n\n"
        "The data is prepared in the following steps:\n\n"
        "1. Download the raw text from the sources.\n"
        "2. Deduplicate documents with MinHash.\n"
        "3. Tokenize and pack into 2048-token sequences.\n",
    )
    audit = replace(
        audit, observations={**audit.observations, **{(o.source, o.locator): o for o in prep}}
    )
    findings = evaluate(audit)
    labelling = finding(findings, "data-labelling")
    assert labelling.status == "disclosed"
    assert "the README of org/widget-prep" in labelling.reason
    assert finding(findings, "data-preprocessing-code").status == "open"
