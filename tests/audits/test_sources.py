"""Source clients over real HTTP against the fake: answers, and failures mapped to our errors."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from audits.sources import NotFound, Permanent, RateLimited, Transient, Unauthorized
from audits.sources.arxiv import ArxivClient, record_payload
from audits.sources.github import (
    FILE_KEYS,
    GitHubClient,
    license_payload,
    readme_payload,
    tree_payload,
)
from audits.sources.hub import HubClient
from tests.fakes.upstream import FakeUpstream

PYTHIA = "/api/models/EleutherAI/pythia-6.9b"
NEOX = "/github/repos/EleutherAI/gpt-neox"
DATA = Path(__file__).resolve().parents[1] / "fakes" / "sample_upstream"
OAI_ERROR = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">'
    "<responseDate>2026-01-01T00:00:00Z</responseDate>"
    "<request>http://export.arxiv.org/oai2</request>"
    '<error code="{code}">Illegal or missing arguments</error></OAI-PMH>'
)


def hub(fake: FakeUpstream) -> HubClient:
    return HubClient(endpoint=fake.url, token=None, timeout=2.0)


def github(fake: FakeUpstream) -> GitHubClient:
    return GitHubClient(base_url=fake.github_url, token=None, timeout=2.0)


def test_hub_model_payload_keeps_the_hub_names_and_branches(fake_upstream: FakeUpstream) -> None:
    fetched = hub(fake_upstream).model("EleutherAI/pythia-6.9b")

    assert fetched.payload["cardData"]["license"] == "apache-2.0"
    assert fetched.payload["gated"] is False
    assert "step143000" in fetched.payload["branches"]
    assert fetched.revision == fetched.payload["sha"]
    assert fetched.url == f"{fake_upstream.url}/EleutherAI/pythia-6.9b"


def test_github_asks_conditionally_and_a_304_is_not_modified(fake_upstream: FakeUpstream) -> None:
    client = github(fake_upstream)
    first = client.repository("EleutherAI/gpt-neox")

    second = client.repository("EleutherAI/gpt-neox", etag=first.etag)

    assert first.payload["license"]["spdx_id"] == "Apache-2.0" and first.etag
    assert second.not_modified


HUB_FAILURES: list[tuple[str, dict[str, Any], type[Exception]]] = [
    ("not-found", {"status": 404, "headers": {"X-Error-Code": "RepoNotFound"}}, NotFound),
    ("gated", {"status": 401, "headers": {"X-Error-Code": "GatedRepo"}}, Unauthorized),
    ("forbidden", {"status": 403, "json": {"error": "no"}}, Unauthorized),
    ("rate-limited", {"status": 429, "headers": {"RateLimit": '"api";r=0;t=9'}}, RateLimited),
    ("server-error", {"status": 502, "json": {"error": "bad gateway"}}, Transient),
    ("bad-request", {"status": 400, "json": {"error": "bad"}}, Permanent),
    ("malformed", {"status": 200, "body": b"<html>"}, Transient),
    ("hangs", {"status": 200, "delay": 3.5}, Transient),
]


@pytest.mark.parametrize(
    ("response", "error"), [f[1:] for f in HUB_FAILURES], ids=[f[0] for f in HUB_FAILURES]
)
def test_hub_failures_map_to_our_errors(
    fake_upstream: FakeUpstream, response: dict[str, Any], error: type[Exception]
) -> None:
    fake_upstream.override(PYTHIA, **response)

    with pytest.raises(error) as raised:
        hub(fake_upstream).model("EleutherAI/pythia-6.9b")

    if error is RateLimited:
        assert raised.value.retry_after == 9


GITHUB_FAILURES: list[tuple[str, dict[str, Any], type[Exception]]] = [
    ("not-found", {"status": 404}, NotFound),
    (
        "primary-rate-limit",
        {
            "status": 403,
            "json": {"message": "API rate limit exceeded"},
            "headers": {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "0"},
        },
        RateLimited,
    ),
    ("secondary-rate-limit", {"status": 429, "headers": {"retry-after": "60"}}, RateLimited),
    ("forbidden", {"status": 403, "json": {"message": "Forbidden"}}, Unauthorized),
    ("server-error", {"status": 500, "json": {"message": "oops"}}, Transient),
    ("malformed", {"status": 200, "body": b"[1, 2"}, Transient),
    ("unprocessable", {"status": 422, "json": {"message": "no"}}, Permanent),
]


@pytest.mark.parametrize(
    ("response", "error"), [f[1:] for f in GITHUB_FAILURES], ids=[f[0] for f in GITHUB_FAILURES]
)
def test_github_failures_map_to_our_errors(
    fake_upstream: FakeUpstream, response: dict[str, Any], error: type[Exception]
) -> None:
    fake_upstream.override(NEOX, **response)

    with pytest.raises(error) as raised:
        github(fake_upstream).repository("EleutherAI/gpt-neox")

    if "retry-after" in response.get("headers", {}):
        assert raised.value.retry_after == 60


# --- Files, GitHub documents, arXiv records and model listings (tests/fakes/sample_upstream) -

PYTHIA_70M = "EleutherAI/pythia-70m"
LLAMA_3 = "meta-llama/Meta-Llama-3-8B"
PYTHIA_REPO = "EleutherAI/pythia"


@pytest.fixture
def data_upstream() -> Iterator[FakeUpstream]:
    """The fake serving the small data folder these tests were built from."""
    with FakeUpstream(DATA) as fake:
        yield fake


FILE_READS: list[tuple[str, str, str]] = [
    # (repo, path, a line the file is known to hold)
    (PYTHIA_70M, "README.md", "license: apache-2.0"),
    (LLAMA_3, "LICENSE", "META LLAMA 3 COMMUNITY LICENSE AGREEMENT"),
]


@pytest.mark.parametrize(("repo", "path", "line"), FILE_READS, ids=["card", "gated-license"])
def test_hub_file_reads_the_text_at_the_served_commit(
    data_upstream: FakeUpstream, tmp_path: Path, repo: str, path: str, line: str
) -> None:
    client = HubClient(endpoint=data_upstream.url, token=None, timeout=2.0, cache_dir=tmp_path)
    doc = data_upstream.document(f"/api/models/{repo}")

    fetched = client.file(repo, path)

    expected = (DATA / "hub/models" / f"{repo.replace('/', '__')}.files" / path).read_text()
    assert fetched.payload == {
        "repo_type": "model",
        "repo": repo,
        "path": path,
        "revision": doc["sha"],
        "text": expected,
        "truncated": False,
    }
    assert line in fetched.payload["text"]
    assert fetched.revision == doc["sha"]
    assert list(tmp_path.iterdir()) == []  # the download is gone once read


FILE_FAILURES: list[tuple[str, str, str, type[Exception]]] = [
    ("missing-file", PYTHIA_70M, "LICENSE", NotFound),
    ("gated-weights-config", LLAMA_3, "config.json", Unauthorized),
    ("gated-but-absent-readme", LLAMA_3, "README.md", NotFound),
    ("unknown-repo", "nobody/nothing", "README.md", NotFound),
]


@pytest.mark.parametrize(
    ("repo", "path", "error"), [f[1:] for f in FILE_FAILURES], ids=[f[0] for f in FILE_FAILURES]
)
def test_hub_file_failures_map_to_our_errors(
    data_upstream: FakeUpstream, repo: str, path: str, error: type[Exception]
) -> None:
    with pytest.raises(error):
        hub(data_upstream).file(repo, path)


def test_hub_file_follows_a_patched_file_and_its_new_commit(data_upstream: FakeUpstream) -> None:
    client = hub(data_upstream)
    before = client.file(PYTHIA_70M, "README.md")

    data_upstream.patch_file("hub/models/EleutherAI__pythia-70m.files/LICENSE", "MIT License\n")
    after = client.file(PYTHIA_70M, "LICENSE")

    assert after.payload["text"] == "MIT License\n"
    assert after.revision != before.revision
    data_upstream.reset()
    with pytest.raises(NotFound):
        client.file(PYTHIA_70M, "LICENSE")


def test_hub_file_caps_long_text(data_upstream: FakeUpstream) -> None:
    data_upstream.patch_file("hub/models/EleutherAI__pythia-70m.files/README.md", "x" * 200_001)

    payload = hub(data_upstream).file(PYTHIA_70M, "README.md").payload

    assert len(payload["text"]) == 200_000
    assert payload["truncated"] is True


def test_hub_file_of_an_overridden_readme_is_not_found(data_upstream: FakeUpstream) -> None:
    data_upstream.override(f"/{PYTHIA_70M}/resolve/main/README.md", status=404)

    with pytest.raises(NotFound):
        hub(data_upstream).file(PYTHIA_70M, "README.md")


MODEL_LISTINGS: list[tuple[dict[str, Any], list[str]]] = [
    ({"author": "EleutherAI"}, [PYTHIA_70M]),
    ({"author": "meta-llama", "limit": 5}, [LLAMA_3]),
    ({"author": "nobody"}, []),
    ({"limit": 1}, [LLAMA_3]),  # the most downloaded of the two
]


@pytest.mark.parametrize(("kwargs", "expected"), MODEL_LISTINGS)
def test_models_by_lists_ids_through_list_models(
    data_upstream: FakeUpstream, kwargs: dict[str, Any], expected: list[str]
) -> None:
    assert hub(data_upstream).models_by(**kwargs) == expected

    query = data_upstream.requests[-1].query
    assert query["sort"] == ["downloads"]
    assert query["limit"] == [str(kwargs.get("limit", 100))]


GITHUB_DOCUMENTS: list[tuple[str, Any]] = [
    ("license", lambda c, etag: c.license(PYTHIA_REPO, etag=etag)),
    ("readme", lambda c, etag: c.readme(PYTHIA_REPO, etag=etag)),
    ("tree", lambda c, etag: c.tree(PYTHIA_REPO, "main", etag=etag)),
]


@pytest.mark.parametrize(("name", "ask"), GITHUB_DOCUMENTS, ids=[d[0] for d in GITHUB_DOCUMENTS])
def test_github_documents_are_asked_conditionally(
    data_upstream: FakeUpstream, name: str, ask: Any
) -> None:
    client = github(data_upstream)

    first = ask(client, "")
    second = ask(client, first.etag)

    assert first.payload and first.etag
    assert second.not_modified
    assert data_upstream.requests[-1].headers["if-none-match"] == first.etag


def test_github_license_payload_decodes_the_text_and_drops_the_content(
    data_upstream: FakeUpstream,
) -> None:
    payload = github(data_upstream).license(PYTHIA_REPO).payload

    assert "content" not in payload
    assert payload["text"].lstrip().startswith("Apache License")
    assert payload["license"]["spdx_id"] == "Apache-2.0"
    assert payload["path"] == "LICENSE"


def test_github_readme_and_tree_payloads(data_upstream: FakeUpstream) -> None:
    client = github(data_upstream)

    readme = client.readme(PYTHIA_REPO).payload
    tree = client.tree(PYTHIA_REPO, "main").payload

    assert set(readme) == {"path", "html_url", "sha", "text"}
    assert readme["text"].startswith("# Pythia: Interpreting Transformers Across Time and Scale")
    assert tree["branch"] == "main" and tree["truncated"] is False
    assert "LICENSE" in tree["paths"] and "README.md" in tree["paths"]
    assert "evals" not in tree["paths"]  # folders are not files


GITHUB_DOCUMENT_FAILURES: list[tuple[str, str, dict[str, Any], type[Exception]]] = [
    ("no-license-file", "/license", {"status": 404}, NotFound),
    ("oversized", "/readme", {"body": b'{"a": "' + b"x" * (5 * 1024 * 1024) + b'"}'}, Transient),
    ("not-a-dict", "/license", {"json": ["LICENSE"]}, Transient),
    ("missing-content", "/readme", {"json": {"path": "README.md", "sha": "0"}}, Transient),
    (
        "not-base64",
        "/license",
        {"json": {**dict.fromkeys(FILE_KEYS, "?"), "license": None}},
        Transient,
    ),
    ("tree-without-tree", "/git/trees/main", {"json": {"sha": "0"}}, Transient),
]


@pytest.mark.parametrize(
    ("suffix", "response", "error"),
    [f[1:] for f in GITHUB_DOCUMENT_FAILURES],
    ids=[f[0] for f in GITHUB_DOCUMENT_FAILURES],
)
def test_github_document_failures_map_to_our_errors(
    data_upstream: FakeUpstream, suffix: str, response: dict[str, Any], error: type[Exception]
) -> None:
    data_upstream.override(f"/github/repos/{PYTHIA_REPO}{suffix}", **response)
    client = github(data_upstream)
    ask = {
        "/license": lambda: client.license(PYTHIA_REPO),
        "/readme": lambda: client.readme(PYTHIA_REPO),
        "/git/trees/main": lambda: client.tree(PYTHIA_REPO, "main"),
    }[suffix]

    with pytest.raises(error):
        ask()


def test_github_tree_of_an_unknown_branch_is_not_found(data_upstream: FakeUpstream) -> None:
    with pytest.raises(NotFound):
        github(data_upstream).tree(PYTHIA_REPO, "no-such-branch")


ARXIV_RECORDS: list[tuple[str, str, str | None, str]] = [
    # (asked as, id, license, title)
    (
        "0804.2273v1",
        "0804.2273",
        "http://creativecommons.org/licenses/by/3.0/",
        "Object Re-Use & Exchange: A Resource-Centric Approach",
    ),
    (
        "hep-th/9608091",
        "hep-th/9608091",
        None,
        "Excited State Destri - De Vega Equation for Sine-Gordon and Restricted Sine-Gordon Models",
    ),
]


@pytest.mark.parametrize(("asked", "paper", "license", "title"), ARXIV_RECORDS)
def test_arxiv_record_reads_the_license_or_its_absence(
    data_upstream: FakeUpstream, asked: str, paper: str, license: str | None, title: str
) -> None:
    fetched = ArxivClient(data_upstream.arxiv_url, timeout=2.0).record(asked)

    assert fetched.payload["id"] == paper
    assert fetched.payload["license"] == license
    assert fetched.payload["title"] == title
    assert fetched.url == f"https://arxiv.org/abs/{paper}"
    assert data_upstream.requests[-1].query == {
        "verb": ["GetRecord"],
        "identifier": [f"oai:arXiv.org:{paper}"],
        "metadataPrefix": ["arXiv"],
    }


def test_arxiv_record_payload_holds_every_field(data_upstream: FakeUpstream) -> None:
    payload = ArxivClient(data_upstream.arxiv_url).record("hep-th/9608091").payload

    assert payload["authors"] == ["D. Fioravanti", "A. Mariottini", "E. Quattrini", "F. Ravanini"]
    assert payload["created"] == "1996-08-14" and payload["updated"] is None
    assert payload["categories"] == ["hep-th"]
    assert payload["comments"] == "Latex, 12 pages"
    assert payload["journal_ref"] == "Phys.Lett.B390:243-251,1997"
    assert payload["doi"] == "10.1016/S0370-2693(96)01409-8"
    assert payload["abstract"].startswith("We derive a generalization")


ARXIV_FAILURES: list[tuple[str, str, dict[str, Any] | None, type[Exception]]] = [
    ("id-does-not-exist", "2304.01373", None, NotFound),
    ("not-an-id", "llama-2", None, Permanent),
    ("throttled", "0804.2273", {"status": 503, "headers": {"Retry-After": "7"}}, RateLimited),
    ("server-error", "0804.2273", {"status": 502}, Transient),
    ("unparsable", "0804.2273", {"status": 200, "body": b"<OAI-PMH"}, Transient),
    (
        "entity-bomb",
        "0804.2273",
        {"status": 200, "body": b"<!DOCTYPE x [<!ENTITY a 'a'>]><x/>"},
        Transient,
    ),
    (
        "bad-argument",
        "0804.2273",
        {"status": 200, "body": OAI_ERROR.format(code="badArgument").encode()},
        Permanent,
    ),
    ("hangs", "0804.2273", {"status": 200, "delay": 3.5}, Transient),
]


@pytest.mark.parametrize(
    ("asked", "response", "error"),
    [f[1:] for f in ARXIV_FAILURES],
    ids=[f[0] for f in ARXIV_FAILURES],
)
def test_arxiv_failures_map_to_our_errors(
    data_upstream: FakeUpstream, asked: str, response: dict[str, Any] | None, error: type[Exception]
) -> None:
    if response is not None:
        data_upstream.override("/arxiv/oai2", **response)

    with pytest.raises(error) as raised:
        ArxivClient(data_upstream.arxiv_url, timeout=2.0).record(asked)

    if error is RateLimited:
        assert raised.value.retry_after == 7


def test_record_payload_of_a_shipped_file_equals_the_fetched_one(
    data_upstream: FakeUpstream,
) -> None:
    shipped = (DATA / "arxiv/0804.2273.xml").read_text(encoding="utf-8")

    assert (
        record_payload(shipped) == ArxivClient(data_upstream.arxiv_url).record("0804.2273").payload
    )


def test_pure_github_conversions_equal_the_fetched_payloads(data_upstream: FakeUpstream) -> None:
    client = github(data_upstream)
    shipped = {
        name: json.loads((DATA / f"github/repos/EleutherAI__pythia.{name}.json").read_text())
        for name in ("license", "readme", "tree")
    }

    assert license_payload(shipped["license"]) == client.license(PYTHIA_REPO).payload
    assert readme_payload(shipped["readme"]) == client.readme(PYTHIA_REPO).payload
    assert tree_payload(shipped["tree"], "main") == client.tree(PYTHIA_REPO, "main").payload
