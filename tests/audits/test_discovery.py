"""The discovery readers: what real model cards, repositories and paper records say."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from audits.rules.discovery import (
    LINE_LIMIT,
    SERVES_SIGNALS,
    Mention,
    arxiv_ids,
    base_model_relation,
    base_models,
    dataset_mentions,
    evaluation_datasets,
    evaluation_results,
    github_repos,
    model_family,
    open_source_claims,
    paper_roles,
    repo_serves,
    split_card,
)
from registry.components import BY_ID

CARDS = Path(__file__).parent / "data" / "cards"  # sources in data/cards/SOURCES.md


@pytest.fixture(autouse=True)
def _plain_static_storage() -> None:
    # Replaces the suite-wide fixture of the same name, which needs Django settings: these
    # tests are pure and must also run with `-p no:django`.
    return None


def card(name: str) -> str:
    return (CARDS / name).read_text(encoding="utf-8")


def values(mentions: list[Mention]) -> list[str]:
    return [m.value for m in mentions]


# --- split_card -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "front", "body_starts"),
    [
        (
            card("google__gemma-2b.README.md"),
            {"license": "other", "license_name": "gemma-terms-of-use"},
            "\n# Gemma Model Card",
        ),
        (card("EleutherAI__pythia.github-README.md"), {}, "# Pythia: Interpreting"),
        ("---\nlicense: [apache-2.0\n---\n# Card\n", {}, "# Card"),
        ("---\n- a\n- b\n---\nBody\n", {}, "Body"),
        ("---\nlicense: mit\nno closing line\n", {}, "---\nlicense: mit"),
    ],
    ids=["gemma-card", "no-front-matter", "bad-yaml", "yaml-not-a-mapping", "unclosed"],
)
def test_split_card_separates_front_matter_from_body(
    text: str, front: dict[str, Any], body_starts: str
) -> None:
    parsed, body = split_card(text)
    assert {k: parsed.get(k) for k in front} == front
    if not front:
        assert parsed == {}
    assert body.startswith(body_starts)


# --- github_repos -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Pythia-12B card: a markdown link, a /tree/ link and a /blob/...#anchor link.
        (
            "- Learn more: [Pythia's GitHub repository](https://github.com/EleutherAI/pythia)",
            ["EleutherAI/pythia"],
        ),
        (
            "the [GitHub \nrepository](https://github.com/EleutherAI/pythia/tree/main/results/json/)",
            ["EleutherAI/pythia"],
        ),
        (
            "[how to reproduce it](https://github.com/EleutherAI/pythia/blob/main/README.md#"
            "reproducing-training)",
            ["EleutherAI/pythia"],
        ),
        # OLMo README: a git clone line; the .git suffix is not part of the name.
        ("git clone https://github.com/allenai/OLMo.git", ["allenai/OLMo"]),
        ("git clone git@github.com:allenai/OLMo.git", ["allenai/OLMo"]),
        # GPT-NeoX README: a shields.io badge linking to the issues page is one repository.
        (
            "[![GitHub issues](https://img.shields.io/github/issues/EleutherAI/gpt-neox)]"
            "(https://github.com/EleutherAI/gpt-neox/issues)",
            ["EleutherAI/gpt-neox"],
        ),
        # Transformers README: a raw file belongs to its repository.
        (
            '<img src="https://raw.githubusercontent.com/huggingface/transformers/master/docs/'
            'source/imgs/transformers_logo_name.png" width="400"/>',
            ["huggingface/transformers"],
        ),
        ("(see https://github.com/CompVis/stable-diffusion.)", ["CompVis/stable-diffusion"]),
        ("https://github.com/EleutherAI and https://gist.github.com/someone/0a1b2c", []),
        ("https://github.com/orgs/allenai/repositories https://github.com/features/actions", []),
        ("https://github.com/sponsors/someone https://github.com/topics/llm", []),
        (
            "[GPT-NeoX](https://github.com/EleutherAI/gpt-neox) and "
            "[gpt-neox](https://github.com/eleutherai/gpt-neox/)",
            ["EleutherAI/gpt-neox"],
        ),
    ],
)
def test_github_repos_normalises_owner_and_repo(text: str, expected: list[str]) -> None:
    assert values(github_repos(text)) == expected


def test_github_repos_of_a_card_keep_order_line_and_section() -> None:
    found = github_repos(card("EleutherAI__pythia-12b.README.md"))
    assert values(found) == [
        "EleutherAI/pythia",
        "EleutherAI/gpt-neox",
        "EleutherAI/lm-evaluation-harness",
    ]
    assert found[0].section == "Model Details"
    assert found[0].line.startswith("- Learn more: [Pythia's GitHub repository]")
    assert found[2].section == "Evaluations"


def test_a_long_line_is_quoted_by_the_sentence_that_shows_the_mention() -> None:
    filler = "A sentence about something else entirely. " * 10
    line = filler + "Code is at https://github.com/allenai/dolma for all. " + filler
    (mention,) = github_repos(line)
    assert mention.line == "Code is at https://github.com/allenai/dolma for all."
    assert len(github_repos("x" * 400 + " github.com/allenai/dolma")[0].line) <= LINE_LIMIT


# --- arxiv_ids --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("See [the Pile paper](https://arxiv.org/abs/2101.00027) for", ["2101.00027"]),
        ("(`StableEmbedding`; see [paper](https://arxiv.org/pdf/2110.02861.pdf))", ["2110.02861"]),
        ("[BBQ Dataset](https://arxiv.org/abs/2110.08193v2).", ["2110.08193"]),
        ("  journal={arXiv preprint arXiv:2306.01116},", ["2306.01116"]),
        ("      eprint={2501.00656},", ["2501.00656"]),
        ("  doi = {10.48550/ARXIV.2204.06745},", ["2204.06745"]),
        (
            '<img alt="Paper URL" src="https://img.shields.io/badge/arxiv-2402.00838-blue">',
            ["2402.00838"],
        ),
        ("https://huggingface.co/papers/2304.01373", ["2304.01373"]),
        (
            "old style: arXiv:cs/0112017v1 and https://arxiv.org/abs/hep-th/9901001",
            ["cs/0112017", "hep-th/9901001"],
        ),
        ("4 trillion tokens, version 2304.01373 of nothing, 2023.05.01", []),
    ],
)
def test_arxiv_ids_read_links_references_and_bibtex(text: str, expected: list[str]) -> None:
    assert values(arxiv_ids(text)) == expected


def test_arxiv_ids_of_a_card_are_deduplicated_in_order() -> None:
    _, body = split_card(card("tiiuae__falcon-7b.README.md"))
    assert values(arxiv_ids(body)) == [
        "2205.14135",
        "1911.02150",
        "2101.00027",
        "2005.14165",
        "2104.09864",
        "2306.01116",
    ]


# --- model_family and paper_roles -------------------------------------------------------------


@pytest.mark.parametrize(
    ("model_id", "family"),
    [
        ("EleutherAI/pythia-6.9b", "pythia"),
        ("allenai/OLMo-2-1124-13B", "olmo"),
        ("google/gemma-2b", "gemma"),
        ("tiiuae/falcon-7b", "falcon"),
        ("EleutherAI/gpt-neox-20b", "gpt-neox"),
        ("CompVis/stable-diffusion-v1-4", "stable-diffusion"),
        ("bigscience/bloom", "bloom"),
        ("meta-llama/Meta-Llama-3-70B-Instruct", "llama"),
        ("google/flan-t5-xxl", "flan-t5"),
        ("HuggingFaceH4/zephyr-7b-beta", "zephyr"),
        ("EleutherAI/pythia-70m-deduped", "pythia"),
    ],
)
def test_model_family_is_the_name_before_size_and_version(model_id: str, family: str) -> None:
    assert model_family(model_id) == family


PILE = {"title": "The Pile: An 800GB Dataset of Diverse Text for Language Modeling"}
REFINEDWEB = {
    "title": "The RefinedWeb Dataset for Falcon LLM: Outperforming Curated Corpora with Web "
    "Data, and Web Data Only"
}
GEMMA_BENCHMARKS = [
    "2312.11805", "2009.03300", "1905.07830", "1911.11641", "1904.09728", "1905.10044",
    "1907.10641", "1811.00937", "1809.02789", "1911.01547", "1705.03551", "2107.03374",
    "2108.07732", "2110.14168", "2304.06364", "2206.04615", "1804.06876", "2110.08193",
    "2009.11462", "2101.11718", "1804.09301", "2109.07958", "2203.09509",
]  # fmt: skip


@pytest.mark.parametrize(
    ("card_file", "model_id", "tags", "records", "expected"),
    [
        pytest.param(
            "EleutherAI__gpt-neox-20b.README.md",
            "EleutherAI/gpt-neox-20b",
            [],
            {"2101.00027": PILE},
            {
                "2204.06745": "own",
                "2101.00027": "cited",
                "2201.07311": "cited",
                "2104.09864": "cited",
            },
            id="gpt-neox-20b-bibtex-first-entry",
        ),
        pytest.param(
            "EleutherAI__pythia.github-README.md",
            "EleutherAI/pythia-12b",
            [],
            {"2101.00027": PILE},
            {"2304.01373": "own", "2101.00027": "cited", "2402.00838": "cited"},
            id="pythia-our-paper-link-and-pile-data-paper",
        ),
        pytest.param(
            "EleutherAI__pythia-12b.README.md",
            "EleutherAI/pythia-12b",
            [],
            {"2101.00027": PILE},
            {"2101.00027": "cited", "2201.07311": "cited"},
            id="pythia-card-cites-only-its-data",
        ),
        pytest.param(
            "tiiuae__falcon-7b.README.md",
            "tiiuae/falcon-7b",
            [],
            {"2306.01116": REFINEDWEB},
            {
                "2005.14165": "cited",
                "2101.00027": "cited",
                "2205.14135": "cited",
                "2306.01116": "cited",
            },
            id="falcon-cites-gpt3-and-its-data-paper",
        ),
        pytest.param(
            "CompVis__stable-diffusion-v1-4.README.md",
            "CompVis/stable-diffusion-v1-4",
            [
                "arxiv:2207.12598",
                "arxiv:2112.10752",
                "arxiv:2103.00020",
                "arxiv:2205.11487",
                "arxiv:1910.09700",
            ],
            {},
            {
                "2112.10752": "own",
                "2207.12598": "cited",
                "2103.00020": "cited",
                "2205.11487": "cited",
                "1910.09700": "cited",
            },
            id="stable-diffusion-paper-in-resources-field",
        ),
        pytest.param(
            "allenai__OLMo-2-1124-13B.README.md",
            "allenai/OLMo-2-1124-13B",
            [],
            {"2501.00656": {"title": "2 OLMo 2 Furious"}},
            {"2501.00656": "own"},
            id="olmo-2-paper-field-and-citation",
        ),
        pytest.param(
            "google__gemma-2b.README.md",
            "google/gemma-2b",
            [],
            {},
            dict.fromkeys(GEMMA_BENCHMARKS, "cited"),
            id="gemma-benchmark-papers-are-cited",
        ),
        pytest.param(
            "bigscience__bloom.2022-07-model_card-repo.README.md",
            "bigscience/bloom",
            [],
            {},
            {"1909.08053": "cited", "2110.02861": "cited", "2108.12409": "cited"},
            id="bloom-megatron-and-alibi-are-cited",
        ),
    ],
)
def test_paper_roles_tell_the_models_paper_from_citations(
    card_file: str,
    model_id: str,
    tags: list[str],
    records: dict[str, dict[str, Any]],
    expected: dict[str, str],
) -> None:
    front, body = split_card(card(card_file))
    roles = paper_roles(model_id=model_id, front=front, body=body, tags=tags, records=records)
    assert {paper: roles[paper].role for paper in expected} == expected
    assert all(role.role == "cited" for p, role in roles.items() if p not in expected)


@pytest.mark.parametrize(
    ("model_id", "paper", "record", "role", "reason_has"),
    [
        (
            "google/gemma-2b",
            "2403.08295",
            {"title": "Gemma: Open Models Based on Gemini Research and Technology"},
            "own",
            "names the model family 'gemma'",
        ),
        (
            "google/gemma-2b",
            "2503.19786",
            {"title": "Gemma 3 Technical Report"},
            "report",
            "names the model family 'gemma'",
        ),
        (
            "bigscience/bloom",
            "2211.05100",
            {"title": "BLOOM: A 176B-Parameter Open-Access Multilingual Language Model"},
            "own",
            "names the model family 'bloom'",
        ),
        ("EleutherAI/pythia-12b", "2101.00027", PILE, "cited", "presents a dataset"),
        ("tiiuae/falcon-7b", "2306.01116", REFINEDWEB, "cited", "presents a dataset"),
        ("google/gemma-2b", "2009.03300", {}, "cited", "no arXiv record was read"),
    ],
)
def test_a_paper_known_only_from_a_hub_tag_is_judged_by_its_record(
    model_id: str, paper: str, record: dict[str, Any], role: str, reason_has: str
) -> None:
    roles = paper_roles(
        model_id=model_id,
        front={},
        body="",
        tags=[f"arxiv:{paper}v1", "license:apache-2.0"],
        records={paper: record} if record else {},
    )
    assert list(roles) == [paper]
    assert roles[paper].role == role
    assert reason_has in roles[paper].reason
    assert roles[paper].mention is None


def test_a_paper_role_keeps_the_mention_that_shows_it() -> None:
    front, body = split_card(card("EleutherAI__gpt-neox-20b.README.md"))
    roles = paper_roles(
        model_id="EleutherAI/gpt-neox-20b", front=front, body=body, tags=[], records={}
    )
    own = roles["2204.06745"]
    assert own.reason == "It is the first entry of the card's citation section."
    assert own.mention is not None
    assert "See the [accompanying paper](https://arxiv.org/abs/2204.06745)" in own.mention.line
    assert roles["2101.00027"].mention is not None
    assert roles["2101.00027"].mention.section == "Model details"


# --- dataset_mentions -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("card_file", "expected"),
    [
        ("EleutherAI__pythia-12b.README.md", ["the_pile"]),
        ("tiiuae__falcon-7b.README.md", ["tiiuae/falcon-refinedweb"]),
        # Its logo lives in allenai/blog-images/resolve/...: a file there is no dataset it names.
        (
            "allenai__OLMo-2-1124-13B.README.md",
            [
                "allenai/dolmino-mix-1124",
                "allenai/olmo-mix-1124",
                "allenai/tulu-3-sft-olmo-mixture",
                "allenai/olmo-2-1124-7b-preference-mix",
                "allenai/olmo-2-1124-13b-preference-mix",
            ],
        ),
        ("google__gemma-2b.README.md", []),
    ],
)
def test_dataset_mentions_read_front_matter_then_links(card_file: str, expected: list[str]) -> None:
    assert values(dataset_mentions(card(card_file))) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "[`huggingface.co/datasets/allenai/dolma`](https://huggingface.co/datasets/allenai/dolma)",
            ["allenai/dolma"],
        ),
        ("https://huggingface.co/datasets/allenai/dolma/tree/main/data.", ["allenai/dolma"]),
        ("https://hf.co/datasets/wikitext/viewer/wikitext-2-raw-v1", ["wikitext"]),
        ("---\ndatasets: EleutherAI/pile\n---\nbody", ["EleutherAI/pile"]),
        (
            "---\ndatasets:\n- https://huggingface.co/datasets/allenai/dolma\n---\n",
            ["allenai/dolma"],
        ),
        ("https://huggingface.co/datasets?search=pile", []),
    ],
)
def test_dataset_mentions_normalise_ids(text: str, expected: list[str]) -> None:
    assert values(dataset_mentions(text)) == expected


def test_front_matter_dataset_mention_has_no_section() -> None:
    (mention,) = dataset_mentions(card("tiiuae__falcon-7b.README.md"))
    assert mention == Mention("tiiuae/falcon-refinedweb", "datasets: tiiuae/falcon-refinedweb", "")


# --- evaluation_results and evaluation_datasets ----------------------------------------------


@pytest.mark.parametrize(
    ("card_file", "expected_sections"),
    [
        ("EleutherAI__gpt-neox-20b.README.md", ["Evaluations"]),
        ("google__gemma-2b.README.md", ["Benchmark Results", "Evaluation Results"]),
        ("allenai__OLMo-2-1124-13B.README.md", ["Evaluation"]),
        ("bigscience__bloom.2022-07-model_card-repo.README.md", ["Results"]),
        # Hyperparameter and data-mix tables are not results; plots are not read.
        ("EleutherAI__pythia-12b.README.md", []),
        ("tiiuae__falcon-7b.README.md", []),
        ("CompVis__stable-diffusion-v1-4.README.md", []),
    ],
)
def test_evaluation_results_come_from_tables_and_lists_under_evaluation_headings(
    card_file: str, expected_sections: list[str]
) -> None:
    front, body = split_card(card(card_file))
    assert [m.section for m in evaluation_results(front, body)] == expected_sections


def test_an_evaluation_table_is_named_by_its_header_and_first_numeric_row() -> None:
    front, body = split_card(card("EleutherAI__gpt-neox-20b.README.md"))
    (table,) = evaluation_results(front, body)
    assert table.value.startswith("| Model         | OpenAI\u2019s LAMBADA | SciQ")
    assert table.line.startswith("| GPT-J-6B      | 0.683 ± 0.006")


def test_a_list_of_results_is_named_by_its_first_line() -> None:
    front, body = split_card(card("bigscience__bloom.2022-07-model_card-repo.README.md"))
    (run,) = evaluation_results(front, body)
    assert run.value == "- Training Loss: 2.04"


ZEPHYR = json.loads((CARDS / "HuggingFaceH4__zephyr-7b-beta.model-index.json").read_text())


def test_model_index_results_with_values_are_evaluation_results() -> None:
    results = evaluation_results(ZEPHYR, "")
    assert len(results) == 9
    assert (
        results[0].value
        == "AI2 Reasoning Challenge (25-Shot): normalized accuracy 62.03071672354948"
    )
    assert {m.section for m in results} == {"model-index"}


@pytest.mark.parametrize(
    ("front", "expected"),
    [
        (
            ZEPHYR,
            [
                "ai2_arc",
                "hellaswag",
                "drop",
                "truthful_qa",
                "gsm8k",
                "cais/mmlu",
                "winogrande",
                "tatsu-lab/alpaca_eval",
            ],
        ),
        ({"model-index": [{"results": [{"dataset": {"type": "Open LLM Leaderboard"}}]}]}, []),
        ({"model-index": [{"results": [{"dataset": {"type": "MMLU (5-shot)"}}]}]}, []),
        ({"model-index": [{"results": [{"dataset": {"name": "no type"}}]}]}, []),
        ({"model-index": "not a list"}, []),
        ({}, []),
    ],
)
def test_evaluation_datasets_keep_values_shaped_like_hub_ids(
    front: dict[str, Any], expected: list[str]
) -> None:
    assert evaluation_datasets(front) == expected


def test_model_index_results_without_values_are_not_results() -> None:
    front = {"model-index": [{"name": "m", "results": [{"metrics": [{"type": "acc"}]}]}]}
    assert evaluation_results(front, "") == []


# --- base_models and base_model_relation ------------------------------------------------------


@pytest.mark.parametrize(
    ("front", "expected"),
    [
        ({"base_model": "mistralai/Mistral-7B-v0.1"}, ["mistralai/Mistral-7B-v0.1"]),
        ({"base_model": "microsoft/phi-2"}, ["microsoft/phi-2"]),
        (
            {"base_model": ["https://huggingface.co/microsoft/phi-2/tree/main", "microsoft/phi-2"]},
            ["microsoft/phi-2"],
        ),
        ({"base_model": [" a/b ", "not an id!"]}, ["a/b"]),
        ({"base_model": None}, []),
        ({}, []),
    ],
)
def test_base_models_are_normalised_hub_ids(front: dict[str, Any], expected: list[str]) -> None:
    assert base_models(front) == expected


@pytest.mark.parametrize(
    ("front", "tags", "expected"),
    [
        # HuggingFaceH4/zephyr-7b-beta as the Hub answered for it.
        (
            {"base_model": "mistralai/Mistral-7B-v0.1"},
            [
                "base_model:mistralai/Mistral-7B-v0.1",
                "base_model:finetune:mistralai/Mistral-7B-v0.1",
            ],
            "finetune",
        ),
        # meta-llama/Llama-3.1-8B-Instruct: the card's id is the pre-rename one, the tag the new.
        (
            {"base_model": "meta-llama/Meta-Llama-3.1-8B"},
            ["base_model:finetune:meta-llama/Llama-3.1-8B"],
            "finetune",
        ),
        ({"base_model": "microsoft/phi-2"}, ["base_model:quantized:microsoft/phi-2"], "quantized"),
        ({}, ["base_model:adapter:x/y"], "adapter"),
        ({}, ["base_model:merge:x/y", "base_model:merge:x/z"], "merge"),
        ({"base_model_relation": "quantized"}, ["base_model:finetune:x/y"], "quantized"),
        ({"base_model": "x/y"}, ["base_model:x/y"], None),
        ({}, [], None),
    ],
)
def test_base_model_relation_comes_from_card_or_hub_tags(
    front: dict[str, Any], tags: list[str], expected: str | None
) -> None:
    assert base_model_relation(front, tags) == expected


# --- repo_serves ------------------------------------------------------------------------------

GPT_NEOX_PATHS = [
    "README.md", "LICENSE", "configs/20B.yml", "deepy.py", "eval.py", "generate.py",
    "megatron/model/gpt2_model.py", "megatron/model/transformer.py", "megatron/training.py",
    "prepare_data.py", "requirements/requirements.txt", "tests/model/test_model_generation.py",
    "tools/datasets/preprocess_data.py", "train.py",
]  # fmt: skip
GPT_NEOX_README = (
    "# GPT-NeoX\n\nThis repository records [EleutherAI](https://www.eleuther.ai)'s library for "
    "training large-scale language models on GPUs.\n"
)
OLMO_PATHS = [
    "README.md", "LICENSE", "pyproject.toml", "configs/official-1124/OLMo2-13B-stage1.yaml",
    "hf_olmo/modeling_olmo.py", "inference/compression/run_quantization.py", "olmo/model.py",
    "olmo/train.py", "olmo/eval/evaluator.py", "scripts/train.py", "tests/model_test.py",
]  # fmt: skip
OLMO_README = (
    "OLMo is a repository for training and using AI2's state-of-the-art open language models. "
    "It is designed by scientists, for scientists.\n\nYou can also install from PyPI with:\n"
    "```bash\npip install ai2-olmo\n```\n"
)
DOLMA_PATHS = [
    "README.md", "LICENSE", "Cargo.toml", "pyproject.toml", "configs/dolma-v1_5/tokenizer.yaml",
    "docs/taggers.md", "python/dolma/cli/deduper.py", "python/dolma/cli/mixer.py",
    "python/dolma/taggers/gopher.py", "src/deduper.rs",
]  # fmt: skip
DOLMA_README = (
    "2. **Dolma Toolkit**: a high-performance toolkit for curating datasets for language "
    "modeling -- this repo contains the source code for the Dolma Toolkit.\n\n"
    "To install, simply type `pip install dolma` in your terminal.\n"
)
LM_EVAL_PATHS = [
    "README.md", "LICENSE.md", "pyproject.toml", "docs/interface.md", "lm_eval/api/model.py",
    "lm_eval/evaluator.py", "lm_eval/models/huggingface.py", "lm_eval/tasks/c4/preprocess_c4.py",
    "lm_eval/tasks/bigbench/generate_tasks.py",
]  # fmt: skip
LM_EVAL_README = (
    "# Language Model Evaluation Harness\n\nThis project provides a unified framework to test "
    "generative language models on a large number of different evaluation tasks.\n"
)
STABLE_DIFFUSION_PATHS = [
    "README.md", "LICENSE", "setup.py", "environment.yaml", "assets/txt2img-preview.png",
    "configs/stable-diffusion/v1-inference.yaml", "ldm/models/diffusion/ddpm.py",
    "ldm/modules/attention.py", "ldm/modules/diffusionmodules/model.py", "main.py",
    "scripts/img2img.py", "scripts/train_searcher.py", "scripts/txt2img.py",
]  # fmt: skip
STABLE_DIFFUSION_README = "We provide a reference sampling script, which incorporates\n"
TRANSFORMERS_PATHS = [
    "README.md", "setup.py", "examples/pytorch/language-modeling/run_clm.py",
    "src/transformers/models/gpt_neox/configuration_gpt_neox.py",
    "src/transformers/models/gpt_neox/modeling_gpt_neox.py",
    "src/transformers/pipelines/text_generation.py",
]  # fmt: skip
TRANSFORMERS_README = (
    "- This library is not a modular toolbox of building blocks for neural nets.\n\n"
    "```bash\npip install transformers\n```\n"
)
MODEL_CARD_PATHS = [
    "LICENSE", "README.md", "assets/data/loss-metric[May 19].png", "assets/data/pie_chart.svg",
]  # fmt: skip


@pytest.mark.parametrize(
    ("full_name", "paths", "readme", "expected"),
    [
        (
            "EleutherAI/gpt-neox",
            GPT_NEOX_PATHS,
            GPT_NEOX_README,
            {
                "model-architecture": "megatron/model/gpt2_model.py",
                "training-code": "train.py",
                "inference-code": "generate.py",
                "evaluation-code": "eval.py",
                "data-preprocessing-code": "prepare_data.py",
            },
        ),
        (
            "allenai/OLMo",
            OLMO_PATHS,
            OLMO_README,
            {
                "model-architecture": "hf_olmo/modeling_olmo.py",
                "training-code": "olmo/train.py",
                "inference-code": "inference/compression/run_quantization.py",
                "evaluation-code": "olmo/eval/evaluator.py",
                "supporting-libraries": "pip install ai2-olmo",
            },
        ),
        (
            "allenai/dolma",
            DOLMA_PATHS,
            DOLMA_README,
            {
                "data-preprocessing-code": "src/deduper.rs",
                "supporting-libraries": "To install, simply type `pip install dolma` in your "
                "terminal.",
            },
        ),
        (
            "EleutherAI/lm-evaluation-harness",
            LM_EVAL_PATHS,
            LM_EVAL_README,
            {
                "evaluation-code": "lm_eval/evaluator.py",
                "supporting-libraries": "This project provides a unified framework to test "
                "generative language models on a large number of different evaluation tasks.",
            },
        ),
        (
            "CompVis/stable-diffusion",
            STABLE_DIFFUSION_PATHS,
            STABLE_DIFFUSION_README,
            {
                "model-architecture": "ldm/modules/diffusionmodules/model.py",
                "training-code": "scripts/train_searcher.py",
                "inference-code": "scripts/img2img.py",
            },
        ),
        (
            "huggingface/transformers",
            TRANSFORMERS_PATHS,
            TRANSFORMERS_README,
            {
                "model-architecture": "src/transformers/models/gpt_neox/modeling_gpt_neox.py",
                "inference-code": "src/transformers/pipelines/text_generation.py",
                "supporting-libraries": "- This library is not a modular toolbox of building "
                "blocks for neural nets.",
            },
        ),
        (
            "bigscience-workshop/model_card",
            MODEL_CARD_PATHS,
            card("bigscience__bloom.2022-07-model_card-repo.README.md"),
            {},
        ),
    ],
    ids=[
        "gpt-neox",
        "olmo",
        "dolma",
        "lm-evaluation-harness",
        "stable-diffusion",
        "transformers",
        "readme-only",
    ],
)
def test_repo_serves_reads_tree_and_readme(
    full_name: str, paths: list[str], readme: str, expected: dict[str, str]
) -> None:
    served = repo_serves(full_name=full_name, paths=paths, readme=readme)
    assert {s.component: s.evidence for s in served} == expected


def test_repo_serves_prefers_a_path_to_a_sentence() -> None:
    served = repo_serves(full_name="EleutherAI/gpt-neox", paths=GPT_NEOX_PATHS, readme=OLMO_README)
    kinds = {s.component: s.evidence_kind for s in served}
    assert kinds["training-code"] == "path"
    assert "supporting-libraries" not in kinds  # no packaging file at the root


def test_repo_serves_reads_the_description_as_readme_text() -> None:
    served = repo_serves(
        full_name="allenai/dolma",
        paths=["pyproject.toml", "python/dolma/core/runtime.py"],
        readme="",
        description="Data and tools for generating and inspecting OLMo pre-training data.",
    )
    assert served == []
    served = repo_serves(
        full_name="allenai/dolma",
        paths=["pyproject.toml", "python/dolma/core/runtime.py"],
        readme="",
        description="A high-performance toolkit for curating datasets for language modeling.",
    )
    assert [(s.component, s.evidence_kind) for s in served] == [
        ("data-preprocessing-code", "sentence")
    ]


def test_every_serves_signal_names_code_or_published_results() -> None:
    kinds = {(BY_ID[s.component].content_type, s.component) for s in SERVES_SIGNALS}
    assert {kind for kind, _ in kinds} == {"code", "documentation"}
    assert {c for kind, c in kinds if kind == "documentation"} == {"evaluation-results"}
    assert all(bool(s.path) != bool(s.sentence) for s in SERVES_SIGNALS)


def test_a_folder_of_result_files_is_published_evaluation_results() -> None:
    paths = ["README.md", "evals/pythia-70m/step1000.json", "evals/pythia-70m/step2000.json"]
    served = repo_serves(full_name="EleutherAI/pythia", paths=paths, readme="")
    assert [(s.component, s.evidence) for s in served] == [
        ("evaluation-results", "evals/pythia-70m/step1000.json")
    ]
    # One results file alone may be a fixture, and JSON is no evaluation code.
    served = repo_serves(full_name="EleutherAI/pythia", paths=paths[:2], readme="")
    assert served == []


# --- open_source_claims -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # GPT-NeoX-20B card, its paper link wrapped over two lines.
        (
            "- Learn more: [GPT-NeoX-20B: An Open-Source Autoregressive Language \nModel]"
            "(https://arxiv.org/abs/2204.06745).",
            [
                (
                    "open source",
                    "- Learn more: GPT-NeoX-20B: An Open-Source Autoregressive Language Model.",
                )
            ],
        ),
        # OLMo README.
        (
            "OLMo is a repository for training and using AI2's state-of-the-art open language "
            "models. It is designed by scientists, for scientists.",
            [
                (
                    "open model",
                    "OLMo is a repository for training and using AI2's state-of-the-art open "
                    "language models.",
                )
            ],
        ),
        # Falcon-7B and OLMo 2 cards compare themselves with other open models: no claim.
        ("* **It outperforms comparable open-source models** (e.g., MPT-7B, StableLM).", []),
        (
            "These models are on par with or better than equivalently-sized fully-open models, "
            "and competitive with open-weight models from Meta and Mistral.",
            [],
        ),
        ("| *Partially open models:* |", []),
        ("This model is not open source.", []),
        ("The weights are non-open-source.", []),
        ("It is built with an open-source library.", []),
        (
            "It is fully open: data, code and weights.",
            [("fully open", "It is fully open: data, code and weights.")],
        ),
    ],
)
def test_open_source_claims_find_the_sentence_and_skip_negations(
    text: str, expected: list[tuple[str, str]]
) -> None:
    assert [(m.value, m.line) for m in open_source_claims(text)] == expected


def test_open_source_claims_of_a_card_keep_their_section() -> None:
    claims = open_source_claims(card("google__gemma-2b.README.md"))
    assert [(m.value, m.section) for m in claims] == [
        ("open model", "Description"),
        ("open model", "Ethical Considerations and Risks"),
        ("open model", "Ethical Considerations and Risks"),
    ]
