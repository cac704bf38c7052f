"""Bad answers from upstream: malformed, huge or redirected off the allowlist, and never stored."""

from __future__ import annotations

import functools
import io
import json
import random
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
from django.conf import settings
from django.core.management import call_command

from audits.harvest import MAX_SNAPSHOT_BYTES, Clients, harvest_sources
from audits.models import AuditRun, Change, Finding, Snapshot, SourceState
from audits.rules.types import DeclaredArtifact
from audits.sources import Fetched, GuardedTransport, NotFound, OffAllowlist, Policy, Transient
from audits.sources.arxiv import ArxivClient
from audits.sources.github import GitHubClient
from audits.sources.hub import HubClient
from registry.models import Project
from tests.audits.test_auditing import audit, load
from tests.fakes.upstream import FakeUpstream, RecordedRequest

SEED = Path(settings.BASE_DIR) / "registry" / "catalogue"
PYTHIA = "/api/models/EleutherAI/pythia-6.9b"
PYTHIA_README = "/EleutherAI/pythia-6.9b/resolve/main/README.md"
PILE = "/api/datasets/EleutherAI/pile"
NEOX = "/github/repos/EleutherAI/gpt-neox"
MEGATRON = "/github/repos/bigscience-workshop/Megatron-DeepSpeed"
IAM = "/latest/meta-data/iam"
COMMIT = "0123456789abcdef0123456789abcdef01234567"
# Past every cap: the answer is refused before anything reads it whole.
HUGE = 30 * 1024 * 1024

Make = Callable[[Any], Any]


def hub(fake: FakeUpstream) -> HubClient:
    return HubClient(endpoint=fake.url, token=None, timeout=2.0)


def github(fake: FakeUpstream) -> GitHubClient:
    return GitHubClient(base_url=fake.github_url, token=None, timeout=2.0)


def arxiv(fake: FakeUpstream) -> ArxivClient:
    return ArxivClient(fake.arxiv_url, timeout=2.0)


def raw(value: Any) -> bytes:
    return json.dumps(value).encode()


@functools.cache
def huge_object() -> bytes:
    return b'{"id": "x", "pad": "' + b"x" * HUGE + b'"}'


@functools.cache
def huge_text() -> bytes:
    return b"x" * HUGE


@pytest.fixture
def elsewhere() -> Iterator[FakeUpstream]:
    """Another server on 127.0.0.1, on another port: what a redirect must never reach."""
    with FakeUpstream() as other:
        other.override(IAM, json={"AccessKeyId": "AKIAFAKE", "SecretAccessKey": "hunter2"})
        yield other


def redirect_to(target: FakeUpstream, **headers: str) -> dict[str, Any]:
    return {"status": 302, "headers": {"Location": f"{target.url}{IAM}", **headers}}


# --- Hub answers of the wrong shape ---------------------------------------------------------------

HUB_INFO_MALFORMED: list[tuple[str, Make]] = [
    ("empty-object", lambda doc: {}),
    ("list", lambda doc: [1, 2, 3]),
    ("string", lambda doc: "EleutherAI/pythia-6.9b"),
    ("null", lambda doc: None),
    ("id-not-a-string", lambda doc: {**doc, "id": 5}),
    ("no-sha", lambda doc: {k: v for k, v in doc.items() if k != "sha"}),
    ("sha-not-a-commit", lambda doc: {**doc, "sha": "main"}),
    ("tags-a-string", lambda doc: {**doc, "tags": "apache-2.0"}),
    ("tag-not-a-string", lambda doc: {**doc, "tags": [1]}),
    ("siblings-a-mapping", lambda doc: {**doc, "siblings": {"rfilename": "x"}}),
    ("sibling-without-name", lambda doc: {**doc, "siblings": [{"size": 1}]}),
    ("card-a-list", lambda doc: {**doc, "cardData": ["license: mit"]}),
    ("gated-a-number", lambda doc: {**doc, "gated": 5}),
    ("private-a-string", lambda doc: {**doc, "private": "no"}),
    ("last-modified-not-a-date", lambda doc: {**doc, "lastModified": "yesterday"}),
]
# What only a model's answer carries (and its payload keeps).
MODEL_INFO_MALFORMED: list[tuple[str, Make]] = [
    *HUB_INFO_MALFORMED,
    ("config-a-string", lambda doc: {**doc, "config": "gpt_neox"}),
    ("safetensors-a-list", lambda doc: {**doc, "safetensors": [1]}),
    ("pipeline-tag-a-list", lambda doc: {**doc, "pipeline_tag": ["text-generation"]}),
]


@pytest.mark.parametrize(
    "make", [m for _, m in MODEL_INFO_MALFORMED], ids=[i for i, _ in MODEL_INFO_MALFORMED]
)
def test_a_malformed_hub_model_answer_is_a_transient_source_error(
    fake_upstream: FakeUpstream, make: Make
) -> None:
    fake_upstream.override(PYTHIA, body=raw(make(fake_upstream.document(PYTHIA))))

    with pytest.raises(Transient, match="the Hub sent an unexpected answer for EleutherAI/pythia"):
        hub(fake_upstream).model("EleutherAI/pythia-6.9b")


@pytest.mark.parametrize(
    "make", [m for _, m in HUB_INFO_MALFORMED], ids=[i for i, _ in HUB_INFO_MALFORMED]
)
def test_a_malformed_hub_dataset_answer_is_a_transient_source_error(
    fake_upstream: FakeUpstream, make: Make
) -> None:
    fake_upstream.override(PILE, body=raw(make(fake_upstream.document(PILE))))

    with pytest.raises(Transient, match="unexpected answer for EleutherAI/pile"):
        hub(fake_upstream).dataset("EleutherAI/pile")


REFS_MALFORMED: list[tuple[str, Any]] = [
    ("empty-object", {}),
    ("list", [1, 2, 3]),
    ("branches-a-string", {"branches": "main", "converts": [], "tags": []}),
    ("branch-without-name", {"branches": [{"ref": "refs/heads/main"}], "tags": []}),
    ("branch-name-a-number", {"branches": [{"name": 1}], "tags": []}),
]


@pytest.mark.parametrize("body", [b for _, b in REFS_MALFORMED], ids=[i for i, _ in REFS_MALFORMED])
def test_malformed_hub_refs_are_a_transient_source_error(
    fake_upstream: FakeUpstream, body: Any
) -> None:
    fake_upstream.override(f"{PYTHIA}/refs", body=raw(body))

    with pytest.raises(Transient, match=re.escape("unexpected answer for EleutherAI/pythia-6.9b")):
        hub(fake_upstream).model("EleutherAI/pythia-6.9b")


def test_a_huge_hub_answer_is_refused_with_a_clear_error(fake_upstream: FakeUpstream) -> None:
    fake_upstream.override(PYTHIA, body=huge_object())

    with pytest.raises(Transient, match=r"the Hub sent an answer over \d+ bytes"):
        hub(fake_upstream).model("EleutherAI/pythia-6.9b")


def test_a_huge_hub_file_is_refused_with_a_clear_error(fake_upstream: FakeUpstream) -> None:
    fake_upstream.override(
        PYTHIA_README,
        body=huge_text(),
        headers={"X-Repo-Commit": COMMIT, "ETag": '"abc"', "Content-Type": "text/plain"},
    )

    with pytest.raises(Transient, match=r"over \d+ bytes"):
        hub(fake_upstream).file("EleutherAI/pythia-6.9b", "README.md")


def test_a_hub_file_answer_without_its_commit_is_a_transient_source_error(
    fake_upstream: FakeUpstream,
) -> None:
    fake_upstream.override(PYTHIA_README, body=b"license: mit", headers={"ETag": '"abc"'})

    with pytest.raises(Transient, match=re.escape("EleutherAI/pythia-6.9b:README.md")):
        hub(fake_upstream).file("EleutherAI/pythia-6.9b", "README.md")


def test_a_hub_file_cut_short_is_a_transient_source_error(fake_upstream: FakeUpstream) -> None:
    # The HEAD announces the real file; the download then brings fewer bytes than announced.
    fake_upstream.intercept(
        lambda r: (
            {"body": b"cut", "headers": {"X-Repo-Commit": COMMIT}}
            if r.method == "GET" and r.path == PYTHIA_README
            else None
        )
    )

    with pytest.raises(Transient, match=re.escape("EleutherAI/pythia-6.9b:README.md")):
        hub(fake_upstream).file("EleutherAI/pythia-6.9b", "README.md")


def test_a_capped_stream_without_a_declared_length_is_cut_at_the_cap() -> None:
    def endless(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, content=(b"x" * 1024 for _ in range(100)))

    policy = Policy.for_urls("the Hub", ["http://127.0.0.1:1"], max_bytes=10_000)
    client = httpx2.Client(transport=GuardedTransport(policy, inner=httpx2.MockTransport(endless)))

    with pytest.raises(Transient, match="the Hub sent an answer over 10000 bytes"):
        client.get("http://127.0.0.1:1/api/models/x")


# --- GitHub and arXiv answers of the wrong shape --------------------------------------------------

GITHUB_REPO_MALFORMED: list[tuple[str, Make]] = [
    ("empty-object", lambda doc: {}),
    ("list", lambda doc: [1, 2, 3]),
    ("string", lambda doc: "EleutherAI/gpt-neox"),
    ("full-name-a-number", lambda doc: {**doc, "full_name": 5}),
    ("no-default-branch", lambda doc: {k: v for k, v in doc.items() if k != "default_branch"}),
    ("archived-a-string", lambda doc: {**doc, "archived": "no"}),
    ("license-a-string", lambda doc: {**doc, "license": "MIT"}),
    ("spdx-id-a-number", lambda doc: {**doc, "license": {"key": "mit", "spdx_id": 5}}),
    ("description-a-list", lambda doc: {**doc, "description": ["x"]}),
    ("pushed-at-a-number", lambda doc: {**doc, "pushed_at": 5}),
]


@pytest.mark.parametrize(
    "make", [m for _, m in GITHUB_REPO_MALFORMED], ids=[i for i, _ in GITHUB_REPO_MALFORMED]
)
def test_a_malformed_github_repository_is_a_transient_source_error(
    fake_upstream: FakeUpstream, make: Make
) -> None:
    fake_upstream.override(NEOX, body=raw(make(fake_upstream.document(NEOX))))

    with pytest.raises(Transient, match="GitHub sent an unexpected answer for EleutherAI/gpt-neox"):
        github(fake_upstream).repository("EleutherAI/gpt-neox")


GITHUB_DOCUMENT_MALFORMED: list[tuple[str, str, Make]] = [
    ("license-empty", "license", lambda doc: {}),
    ("license-list", "license", lambda doc: [1, 2, 3]),
    ("license-key-a-string", "license", lambda doc: {**doc, "license": "mit"}),
    ("readme-list", "readme", lambda doc: [1, 2, 3]),
    ("readme-path-a-number", "readme", lambda doc: {**doc, "path": 5}),
    ("tree-empty", "git/trees/main", lambda doc: {}),
    (
        "tree-entry-path-a-number",
        "git/trees/main",
        lambda doc: {"sha": COMMIT, "tree": [{"path": 5, "type": "blob"}]},
    ),
    ("tree-sha-a-number", "git/trees/main", lambda doc: {"sha": 5, "tree": []}),
]


@pytest.mark.parametrize(
    ("document", "make"),
    [d[1:] for d in GITHUB_DOCUMENT_MALFORMED],
    ids=[d[0] for d in GITHUB_DOCUMENT_MALFORMED],
)
def test_malformed_github_documents_are_transient_source_errors(
    fake_upstream: FakeUpstream, document: str, make: Make
) -> None:
    served = f"{NEOX}/{document.split('/main')[0]}"
    fake_upstream.override(f"{NEOX}/{document}", body=raw(make(fake_upstream.document(served))))
    client = github(fake_upstream)
    ask = {
        "license": lambda: client.license("EleutherAI/gpt-neox"),
        "readme": lambda: client.readme("EleutherAI/gpt-neox"),
        "git/trees/main": lambda: client.tree("EleutherAI/gpt-neox", "main"),
    }[document]

    with pytest.raises(Transient, match="unexpected answer for EleutherAI/gpt-neox"):
        ask()


def test_a_huge_github_answer_is_refused_with_a_clear_error(fake_upstream: FakeUpstream) -> None:
    fake_upstream.override(NEOX, body=huge_object())

    with pytest.raises(Transient, match=r"GitHub sent an answer over \d+ bytes"):
        github(fake_upstream).repository("EleutherAI/gpt-neox")


ARXIV_MALFORMED: list[tuple[str, bytes]] = [
    ("json", b"{}"),
    ("html", b"<html><body>Service Unavailable</body></html>"),
    ("cut-short", b'<?xml version="1.0"?><OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">'),
    ("huge", b"<x>" + huge_text() + b"</x>"),
]


@pytest.mark.parametrize(
    "body", [b for _, b in ARXIV_MALFORMED], ids=[i for i, _ in ARXIV_MALFORMED]
)
def test_a_malformed_arxiv_answer_is_a_transient_source_error(
    fake_upstream: FakeUpstream, body: bytes
) -> None:
    fake_upstream.override("/arxiv/oai2", body=body)

    with pytest.raises(Transient, match="arXiv"):
        arxiv(fake_upstream).record("2304.01373")


def test_an_arxiv_record_of_another_paper_is_a_transient_source_error(
    fake_upstream: FakeUpstream,
) -> None:
    other = (SEED / "upstream" / "arxiv" / "2204.06745.xml").read_bytes()
    fake_upstream.override("/arxiv/oai2", body=other)

    with pytest.raises(Transient, match=r"record of 2204\.06745 when asked for 2304\.01373"):
        arxiv(fake_upstream).record("2304.01373")


# --- Redirects: followed on the source's own host only --------------------------------------------


def test_github_never_follows_a_redirect_off_its_host(
    fake_upstream: FakeUpstream, elsewhere: FakeUpstream
) -> None:
    fake_upstream.override(NEOX, **redirect_to(elsewhere))

    with pytest.raises(
        OffAllowlist, match=f"GitHub redirected .* to {re.escape(elsewhere.url + IAM)}"
    ):
        github(fake_upstream).repository("EleutherAI/gpt-neox")
    assert elsewhere.requests == []


def test_github_follows_a_redirect_on_its_own_host(fake_upstream: FakeUpstream) -> None:
    # A renamed repository answers 301 with the new address, on the same API host.
    fake_upstream.override(
        "/github/repos/EleutherAI/old-neox",
        status=301,
        headers={"Location": f"{fake_upstream.github_url}/repos/EleutherAI/gpt-neox"},
    )

    fetched = github(fake_upstream).repository("EleutherAI/old-neox")

    assert fetched.payload["full_name"] == "EleutherAI/gpt-neox"


def test_the_hub_never_follows_a_redirect_off_its_host(
    fake_upstream: FakeUpstream, elsewhere: FakeUpstream
) -> None:
    fake_upstream.override(PYTHIA, **redirect_to(elsewhere))

    with pytest.raises(
        OffAllowlist, match=f"the Hub redirected .* to {re.escape(elsewhere.url + IAM)}"
    ):
        hub(fake_upstream).model("EleutherAI/pythia-6.9b")
    assert elsewhere.requests == []


def test_the_hub_follows_a_renamed_repository_on_its_own_host(fake_upstream: FakeUpstream) -> None:
    fetched = hub(fake_upstream).dataset("the_pile")

    assert fetched.payload["id"] == "EleutherAI/pile"


@pytest.mark.parametrize(
    "announced",
    [{}, {"X-Repo-Commit": COMMIT, "ETag": '"abc"', "X-Linked-Size": "12"}],
    ids=["bare", "as-a-cdn-would"],
)
def test_a_hub_file_is_never_downloaded_from_off_the_allowlist(
    fake_upstream: FakeUpstream, elsewhere: FakeUpstream, announced: dict[str, str]
) -> None:
    fake_upstream.override(PYTHIA_README, **redirect_to(elsewhere, **announced))

    with pytest.raises(Transient):
        hub(fake_upstream).file("EleutherAI/pythia-6.9b", "README.md")
    assert elsewhere.requests == []


def test_arxiv_never_follows_a_redirect_off_its_host(
    fake_upstream: FakeUpstream, elsewhere: FakeUpstream
) -> None:
    fake_upstream.override("/arxiv/oai2", **redirect_to(elsewhere))

    with pytest.raises(OffAllowlist, match="arXiv redirected"):
        arxiv(fake_upstream).record("2304.01373")
    assert elsewhere.requests == []


def test_the_allowlist_compares_scheme_host_and_port() -> None:
    policy = Policy.for_urls("GitHub", ["https://api.github.com/"], max_bytes=1)

    assert policy.allows(httpx2.URL("https://api.github.com/repos/a/b"))
    assert policy.allows(httpx2.URL("https://API.github.com:443/x"))
    assert not policy.allows(httpx2.URL("http://api.github.com/repos/a/b"))
    assert not policy.allows(httpx2.URL("https://api.github.com:8443/repos/a/b"))
    assert not policy.allows(httpx2.URL("https://api.github.com.evil.test/repos/a/b"))
    assert not policy.allows(httpx2.URL("http://169.254.169.254/latest/meta-data/iam"))


# --- Audits: a bad answer is a failed source, never a snapshot ------------------------------------


@pytest.mark.django_db
def test_a_hub_answer_of_an_empty_object_is_retried_and_marks_the_project_stale(
    upstream_settings: FakeUpstream,
) -> None:
    load("pythia-6.9b")
    audit("pythia-6.9b")
    good = Project.objects.get(slug="pythia-6.9b").current_verdict
    snapshots = Snapshot.objects.count()
    upstream_settings.override(PYTHIA, json={})

    outcome = audit("pythia-6.9b")

    project = Project.objects.get(slug="pythia-6.9b")
    run = AuditRun.objects.get(pk=outcome.run_id)
    assert run.state == AuditRun.State.DONE and not run.complete
    assert outcome.retryable and not outcome.complete
    assert project.stale and "unexpected answer" in project.stale_reason
    assert project.current_verdict == good
    assert Snapshot.objects.count() == snapshots
    state = SourceState.objects.get(source="hf-model", locator="EleutherAI/pythia-6.9b")
    assert state.state == SourceState.State.UNREACHABLE and "unexpected answer" in state.last_error


@pytest.mark.django_db
@pytest.mark.parametrize(
    "response",
    [{"json": {}}, {"json": [1, 2, 3]}, {"body": huge_object()}],
    ids=["empty-object", "list", "huge"],
)
def test_a_malformed_github_answer_leaves_blooms_verdict_and_stores_nothing(
    upstream_settings: FakeUpstream, response: dict[str, Any]
) -> None:
    load("bloom")
    audit("bloom")
    good = Project.objects.get(slug="bloom").current_verdict
    snapshots = Snapshot.objects.count()
    upstream_settings.override(MEGATRON, **response)

    outcome = audit("bloom")

    project = Project.objects.get(slug="bloom")
    assert outcome.retryable and project.stale
    assert project.current_verdict == good and project.current_verdict.score == good.score
    assert Snapshot.objects.count() == snapshots
    assert not Change.objects.exclude(kind=Change.Kind.FIRST).exists()
    state = SourceState.objects.get(
        source="github", locator="bigscience-workshop/Megatron-DeepSpeed"
    )
    assert state.state == SourceState.State.UNREACHABLE


@pytest.mark.django_db
def test_a_redirect_off_the_allowlist_is_refused_and_nothing_of_it_is_stored(
    upstream_settings: FakeUpstream, elsewhere: FakeUpstream
) -> None:
    load("bloom")
    audit("bloom")
    snapshots = Snapshot.objects.count()
    upstream_settings.override(MEGATRON, **redirect_to(elsewhere))

    outcome = audit("bloom")

    assert elsewhere.requests == []
    assert outcome.retryable
    assert Snapshot.objects.count() == snapshots
    assert not Snapshot.objects.filter(payload__icontains="AKIAFAKE").exists()
    evidence = json.dumps(list(Finding.objects.values_list("evidence", flat=True)))
    assert elsewhere.url not in evidence
    state = SourceState.objects.get(
        source="github", locator="bigscience-workshop/Megatron-DeepSpeed"
    )
    assert "off the allowlist" in state.last_error


class LeakyHub:
    """A Hub client that lets through an answer it should have refused."""

    def __init__(self, payload: Any) -> None:
        self.payload = payload

    def model(self, repo_id: str) -> Fetched:
        return Fetched(payload=self.payload, url=f"http://127.0.0.1:9/{repo_id}", revision=COMMIT)

    def file(self, repo_id: str, path: str, **_: Any) -> Fetched:
        raise NotFound(f"{repo_id}:{path} was not found on the Hub")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "payload",
    [[1, 2, 3], "EleutherAI/pythia-6.9b", {"id": "x", "pad": "x" * MAX_SNAPSHOT_BYTES}],
    ids=["list", "string", "huge"],
)
def test_the_harvest_stores_no_snapshot_of_what_a_client_let_through(payload: Any) -> None:
    artifact = DeclaredArtifact(source="hf-model", locator="EleutherAI/pythia-6.9b", serves=())
    clients = Clients(hub=LeakyHub(payload), github=None, arxiv=None)  # type: ignore[arg-type]

    report = harvest_sources(artifacts=[artifact], clients=clients)

    assert report.transient
    assert not Snapshot.objects.exists()
    state = SourceState.objects.get(source="hf-model", locator="EleutherAI/pythia-6.9b")
    assert state.state == SourceState.State.UNREACHABLE and state.latest_snapshot is None
    assert "snapshot" in state.last_error or "not an object" in state.last_error


# --- A storm of bad answers over the whole seed audit ---------------------------------------------


class Storm:
    """Answers a share of the requests with a malformed 200, a huge body or a redirect away."""

    def __init__(
        self, fake: FakeUpstream, elsewhere: FakeUpstream, *, rate: float, seed: int
    ) -> None:
        self.fake = fake
        self.away = f"{elsewhere.url}{IAM}"
        self.rate = rate
        self.random = random.Random(seed)
        self.sent: list[tuple[str, str, str]] = []

    def __call__(self, request: RecordedRequest) -> dict[str, Any] | None:
        if self.random.random() >= self.rate:
            return None
        if "/resolve/" in request.path and not request.path.startswith("/api/"):
            answers = self._file_answers(request)
        elif request.path.startswith("/arxiv/"):
            answers = self._xml_answers()
        else:
            answers = self._json_answers(request)
        name = self.random.choice(sorted(answers))
        self.sent.append((request.method, request.path, name))
        return answers[name]

    def _json_answers(self, request: RecordedRequest) -> dict[str, dict[str, Any]]:
        answers: dict[str, dict[str, Any]] = {
            "empty-object": {"json": {}},
            "list": {"json": [1, 2, 3]},
            "string": {"json": "ok"},
            "null": {"body": b"null"},
            "cut-short": {"body": b'{"id": "'},
            "html": {"body": b"<html>maintenance</html>", "headers": {"Content-Type": "text/html"}},
            "huge": {"body": huge_object()},
            "redirect-away": {"status": 302, "headers": {"Location": self.away}},
        }
        try:
            document = self.fake.document(request.path.removesuffix("/refs"))
        except KeyError:
            return answers
        # The real document with every value a string: every key there, none of the right type.
        answers["stringified"] = {"json": {k: str(v) for k, v in document.items()}}
        return answers

    def _xml_answers(self) -> dict[str, dict[str, Any]]:
        return {
            "json": {"json": {}},
            "html": {"body": b"<html>maintenance</html>"},
            "cut-short": {"body": b'<?xml version="1.0"?><OAI-PMH'},
            "huge": {"body": b"<x>" + huge_text() + b"</x>"},
            "redirect-away": {"status": 302, "headers": {"Location": self.away}},
        }

    def _file_answers(self, request: RecordedRequest) -> dict[str, dict[str, Any]]:
        announced = {"X-Repo-Commit": COMMIT, "ETag": '"abc"'}
        if request.method == "HEAD":
            return {
                "no-commit": {"body": b"", "headers": {"ETag": '"abc"'}},
                "huge": {"body": huge_text(), "headers": announced},
                "redirect-away": {
                    "status": 302,
                    "headers": {"Location": self.away, **announced, "X-Linked-Size": "9"},
                },
            }
        return {"cut-short": {"body": b"cut", "headers": announced}}


def published() -> dict[str, tuple[Any, ...]]:
    return {
        p.slug: (v.osaid, v.mof_class, v.score, v.category, v.gated, tuple(v.osaid_unmet))
        for p in Project.objects.select_related("current_verdict")
        if (v := p.current_verdict) is not None
    }


@pytest.mark.django_db
def test_a_storm_of_bad_answers_moves_no_verdict_and_stores_no_snapshot(
    upstream_settings: FakeUpstream, elsewhere: FakeUpstream
) -> None:
    call_command("load_catalogue", str(SEED), stdout=io.StringIO())
    call_command("audit", "--all", "--now", stdout=io.StringIO())
    before = published()
    snapshots = set(Snapshot.objects.values_list("pk", flat=True))
    changes = Change.objects.count()
    storm = Storm(upstream_settings, elsewhere, rate=0.3, seed=20261010)
    upstream_settings.intercept(storm)

    call_command("audit", "--all", "--now", stdout=io.StringIO())

    assert len(before) == Project.objects.count() > 30
    assert len(storm.sent) > 50, "the storm must have hit"
    assert published() == before
    assert set(Snapshot.objects.values_list("pk", flat=True)) == snapshots
    assert Change.objects.count() == changes
    assert not AuditRun.objects.filter(state=AuditRun.State.FAILED).exists()
    assert Project.objects.exclude(stale_since=None).count() > 10
    assert elsewhere.requests == []
