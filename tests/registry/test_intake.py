"""Submitted input is parsed strictly into repo ids and paper links; everything else is refused."""

from __future__ import annotations

import pytest

from registry.intake import (
    IntakeError,
    parse_github_repo,
    parse_hub_repo,
    parse_list,
    parse_paper,
)

GOOD_HUB = [
    ("EleutherAI/pythia-6.9b", "EleutherAI/pythia-6.9b"),
    ("https://huggingface.co/EleutherAI/pythia-6.9b", "EleutherAI/pythia-6.9b"),
    ("https://huggingface.co/EleutherAI/pythia-6.9b/tree/main", "EleutherAI/pythia-6.9b"),
    ("  meta-llama/Llama-2-7b-hf  ", "meta-llama/Llama-2-7b-hf"),
]

BAD_HUB = [
    ("empty", ""),
    ("spaces only", "   "),
    ("too long", "a/" + "b" * 400),
    ("no namespace", "pythia-6.9b"),
    ("another host", "https://example.com/EleutherAI/pythia-6.9b"),
    ("loopback", "http://127.0.0.1/EleutherAI/pythia"),
    ("metadata service", "http://169.254.169.254/latest/meta-data"),
    ("plain http", "http://huggingface.co/EleutherAI/pythia-6.9b"),
    ("javascript", "javascript:alert(1)"),
    ("file", "file:///etc/passwd"),
    ("look-alike host", "https://huggingfac\u0435.co/EleutherAI/pythia-6.9b"),
    ("look-alike id", "Eleuther\u0410I/pythia"),
    ("path traversal", "../../etc/passwd"),
    ("traversal in id", "EleutherAI/../secrets"),
    ("port", "https://huggingface.co:8443/EleutherAI/pythia"),
    ("credentials", "https://user@huggingface.co/EleutherAI/pythia"),
    ("hidden character", "EleutherAI/pythia\x00"),
    ("three parts", "a/b/c"),
]


@pytest.mark.parametrize(("value", "expected"), GOOD_HUB)
def test_hub_ids_and_urls_are_accepted(value: str, expected: str) -> None:
    assert parse_hub_repo(value) == expected


@pytest.mark.parametrize("value", [b[1] for b in BAD_HUB], ids=[b[0] for b in BAD_HUB])
def test_anything_else_is_refused_saying_what_is_accepted(value: str) -> None:
    with pytest.raises(IntakeError) as refused:
        parse_hub_repo(value)

    assert str(refused.value)


def test_dataset_urls_keep_their_id() -> None:
    assert parse_hub_repo("https://huggingface.co/datasets/EleutherAI/pile", kind="dataset") == (
        "EleutherAI/pile"
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("EleutherAI/gpt-neox", "EleutherAI/gpt-neox"),
        ("https://github.com/EleutherAI/gpt-neox", "EleutherAI/gpt-neox"),
        ("https://github.com/EleutherAI/gpt-neox.git", "EleutherAI/gpt-neox"),
        ("https://github.com/EleutherAI/gpt-neox/tree/main/configs", "EleutherAI/gpt-neox"),
    ],
)
def test_github_repositories(value: str, expected: str) -> None:
    assert parse_github_repo(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "https://gitlab.com/a/b",
        "http://github.com/a/b",
        "a",
        "https://github.com/a",
        "-a/b",
        "a/..",
    ],
)
def test_github_refuses_other_forms(value: str) -> None:
    with pytest.raises(IntakeError, match="GitHub repository"):
        parse_github_repo(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2304.01373", "https://arxiv.org/abs/2304.01373"),
        ("arXiv:2304.01373v2", "https://arxiv.org/abs/2304.01373v2"),
        ("https://arxiv.org/abs/2304.01373", "https://arxiv.org/abs/2304.01373"),
        ("https://arxiv.org/pdf/2304.01373.pdf", "https://arxiv.org/abs/2304.01373"),
        ("10.48550/arXiv.2304.01373", "https://doi.org/10.48550/arXiv.2304.01373"),
        ("https://doi.org/10.1000/xyz123", "https://doi.org/10.1000/xyz123"),
    ],
)
def test_papers_are_stored_as_canonical_links(value: str, expected: str) -> None:
    assert parse_paper(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "https://example.com/paper.pdf",
        "http://arxiv.org/abs/2304.01373",
        "javascript:alert(1)",
        "file:///etc/passwd",
        "not-a-paper",
        "https://169.254.169.254/latest",
    ],
)
def test_other_paper_links_are_refused(value: str) -> None:
    with pytest.raises(IntakeError, match="arXiv"):
        parse_paper(value)


def test_lists_are_parsed_deduplicated_and_bounded() -> None:
    text = "EleutherAI/gpt-neox\nhttps://github.com/EleutherAI/gpt-neox\n\nEleutherAI/pythia"

    assert parse_list(text, parse_github_repo) == ["EleutherAI/gpt-neox", "EleutherAI/pythia"]
    with pytest.raises(IntakeError, match="At most 10"):
        parse_list([f"a/b{i}" for i in range(11)], parse_github_repo)
