"""Evaluation data from the benchmarks a card's results name: knowledge, reader and rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from audits.rules import evaluate
from audits.rules.discovered import discover
from audits.rules.discovery import evaluation_names, split_card
from audits.rules.types import AuditInput, DeclaredArtifact
from registry.benchmarks import dataset_for
from tests.audits.test_discovered import card_file
from tests.audits.test_rules import finding, hub_dataset, hub_model, seen

SUITE = Path(__file__).resolve().parents[2] / "tests" / "discovery" / "upstream" / "hub"


@pytest.fixture(autouse=True)
def _plain_static_storage() -> None:
    # Replaces the suite-wide fixture that needs Django settings: these tests are pure.
    return None


@pytest.mark.parametrize(
    ("name", "dataset"),
    [
        ("ARC-C", "ai2_arc"),
        ("ARC (Challenge)", "ai2_arc"),
        ("arc_challenge/acc", "ai2_arc"),
        ("Hella-Swag", "hellaswag"),
        ("MMLU (5-shot)", "hendrycks_test"),
        ("MMLU (5 shot MC)", "hendrycks_test"),
        ("truthfulQA (MC2)", "truthful_qa"),
        ("Winogrande ↑", "winogrande"),
        ("GSM8k", "gsm8k"),
        ("anli_r1/acc", "anli"),
        ("Model", None),
        ("Average", None),
        (
            "OpenAI\u2019s LAMBADA",
            None,
        ),  # a different preprocessing of LAMBADA, not the dataset itself
        ("HumanEvalSynthesis(Python)", None),
    ],
)
def test_a_benchmark_name_is_its_hub_dataset(name: str, dataset: str | None) -> None:
    assert dataset_for(name) == dataset


def test_a_results_table_names_its_benchmarks_in_its_first_column() -> None:
    front, body = split_card((SUITE / "models" / "LLM360__Amber.files" / "README.md").read_text())
    names = [m.value for m in evaluation_names(front, body)]
    assert names == ["Score", "ARC-C", "HellaSwag", "MMLU", "TruthfulQA", "WinoGrande"]


def test_model_index_names_count_too() -> None:
    front = {
        "model-index": [
            {
                "results": [
                    {"dataset": {"name": "GSM8K", "type": "gsm8k"}, "metrics": [{"value": 1}]}
                ]
            }
        ]
    }
    assert [m.value for m in evaluation_names(front, "")] == ["GSM8K"]  # the type repeats the name


CARD = """# Widget

## Evaluation

| Benchmark | Widget 7B |
|---|---|
| ARC-C | 51.2 |
| HellaSwag | 77.9 |
| Our private test | 12.0 |
"""


def widget(*datasets: tuple[str, str | None]) -> AuditInput:
    observations = [
        seen("hf-model", "org/widget", hub_model("org/widget")),
        card_file("org/widget", CARD),
        *(seen("hf-dataset", d, hub_dataset(d, license=lic)) for d, lic in datasets),
    ]
    return AuditInput(
        artifacts=(DeclaredArtifact("hf-model", "org/widget", ()),),
        observations={(o.source, o.locator): o for o in observations},
    )


def test_the_benchmarks_a_results_table_names_are_its_evaluation_data() -> None:
    found = {a.locator: a for a in discover(widget()) if "evaluation-data" in a.serves}
    assert set(found) == {"ai2_arc", "hellaswag"}
    # How each was found: the card's row that names it.
    assert "ARC-C | 51.2" in str(found["ai2_arc"].found[0].value)


def test_evaluation_data_is_as_open_as_its_least_open_benchmark() -> None:
    open_both = finding(
        evaluate(widget(("ai2_arc", "cc-by-sa-4.0"), ("hellaswag", "mit"))), "evaluation-data"
    )
    assert open_both.status == "open"
    one_unlicensed = finding(
        evaluate(widget(("ai2_arc", "cc-by-sa-4.0"), ("hellaswag", None))), "evaluation-data"
    )
    assert one_unlicensed.status == "unlicensed"
    assert "hellaswag" in one_unlicensed.reason
