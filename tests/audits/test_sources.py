"""Source clients over real HTTP against the fake: answers, and failures mapped to our errors."""

from __future__ import annotations

from typing import Any

import pytest

from audits.sources import NotFound, Permanent, RateLimited, Transient, Unauthorized
from audits.sources.github import GitHubClient
from audits.sources.hub import HubClient
from tests.fakes.upstream import FakeUpstream

PYTHIA = "/api/models/EleutherAI/pythia-6.9b"
NEOX = "/github/repos/EleutherAI/gpt-neox"


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
