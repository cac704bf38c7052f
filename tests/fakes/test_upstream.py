"""The loopback fake upstream answers the real huggingface_hub client and an httpx2 GitHub call."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import httpx2
import pytest
import yaml
from huggingface_hub import HfApi, hf_hub_download
from huggingface_hub.errors import (
    GatedRepoError,
    HfHubHTTPError,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)

from tests.fakes.upstream import (
    DEFAULT_DATA_DIR,
    GITHUB_NOT_FOUND,
    FakeUpstream,
    _dated,
    iter_data_files,
)

CATALOGUE = DEFAULT_DATA_DIR.parent
KIND_DIRS = {"hf-model": "hub/models", "hf-dataset": "hub/datasets", "github": "github/repos"}
LOOPBACK = ("127.0.0.1", "::1")


@pytest.fixture(autouse=True)
def _quiet_hub(monkeypatch: pytest.MonkeyPatch) -> None:
    # Anonymous, no telemetry: nothing the client does may reach beyond the fake.
    for name in (
        "HF_HUB_DISABLE_TELEMETRY",
        "HF_HUB_DISABLE_IMPLICIT_TOKEN",
        "HF_HUB_DISABLE_PROGRESS_BARS",
    ):
        monkeypatch.setenv(name, "1")


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    # A request to any other address fails loudly instead of silently leaving the machine.
    real_connect = socket.socket.connect

    def guarded(sock: socket.socket, address: Any) -> None:
        host = address[0] if isinstance(address, tuple) else address
        if sock.family in (socket.AF_INET, socket.AF_INET6) and host not in LOOPBACK:
            msg = f"test tried to connect to {address!r}"
            raise AssertionError(msg)
        real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture
def api(fake_upstream: FakeUpstream) -> HfApi:
    """The real client, anonymous, aimed at the fake."""
    return HfApi(endpoint=fake_upstream.url, token=False)


@pytest.fixture
def fake() -> Iterator[FakeUpstream]:
    """A fake with a short hang bound, for the delay test."""
    with FakeUpstream(max_delay=2.0) as started:
        yield started


def _catalogue_locators() -> set[tuple[str, str]]:
    found = set()
    for file in sorted(CATALOGUE.glob("*.yaml")):
        for artifact in yaml.safe_load(file.read_text(encoding="utf-8"))["artifacts"]:
            if artifact["source"] in KIND_DIRS:
                found.add((artifact["source"], artifact["locator"]))
    return found


def test_model_info_reads_the_card_license(api: HfApi) -> None:
    info = api.model_info("EleutherAI/pythia-6.9b")
    assert info.id == "EleutherAI/pythia-6.9b"
    assert info.card_data is not None
    assert info.card_data.license == "apache-2.0"
    assert "license:apache-2.0" in (info.tags or [])
    assert info.gated is False
    assert info.sha is not None
    assert len(info.sha) == 40


def test_expand_returns_only_the_asked_keys(api: HfApi, fake_upstream: FakeUpstream) -> None:
    info = api.model_info("EleutherAI/pythia-6.9b", expand=["gated", "cardData"])
    assert info.gated is False
    assert info.card_data is not None
    assert info.card_data.license == "apache-2.0"
    assert info.siblings is None
    assert info.sha is None
    last = fake_upstream.requests[-1]
    assert last.query["expand"] == ["gated", "cardData"]

    raw = httpx2.get(f"{fake_upstream.url}/api/models/EleutherAI/pythia-6.9b?expand[]=likes").json()
    assert set(raw) == {"_id", "id", "likes"}


def test_unknown_expand_property_is_a_bad_request(fake_upstream: FakeUpstream) -> None:
    response = httpx2.get(f"{fake_upstream.url}/api/models/EleutherAI/pythia-6.9b?expand=nope")
    assert response.status_code == 400


def test_refs_list_the_pythia_step_branches(api: HfApi) -> None:
    refs = api.list_repo_refs("EleutherAI/pythia-6.9b")
    names = {branch.name for branch in refs.branches}
    assert {"main", "step0", "step1", "step512", "step1000", "step143000"} <= names
    assert len(names) == 155
    by_name = {branch.name: branch.target_commit for branch in refs.branches}
    assert by_name["step143000"] == by_name["main"] == api.model_info("EleutherAI/pythia-6.9b").sha
    assert refs.tags == []


def test_refs_without_a_file_hold_main_only(api: HfApi) -> None:
    refs = api.list_repo_refs("openai-community/gpt2", include_pull_requests=True)
    assert [branch.name for branch in refs.branches] == ["main"]
    assert refs.pull_requests == []


def test_revision_resolves_branches_and_rejects_unknown_ones(api: HfApi) -> None:
    main = api.model_info("EleutherAI/pythia-70m")
    step = api.model_info("EleutherAI/pythia-70m", revision="step3000")
    assert step.sha != main.sha
    assert api.model_info("EleutherAI/pythia-70m", revision=main.sha).sha == main.sha
    with pytest.raises(RevisionNotFoundError):
        api.model_info("EleutherAI/pythia-70m", revision="step999999")


def test_dataset_info_for_the_pile(api: HfApi) -> None:
    info = api.dataset_info("EleutherAI/pile")
    assert info.id == "EleutherAI/pile"
    assert info.card_data is not None
    assert info.card_data.license == "other"
    assert info.card_data.pretty_name == "the Pile"
    assert "task_categories:text-generation" in (info.tags or [])


def test_renamed_dataset_id_redirects_to_the_new_one(
    api: HfApi, fake_upstream: FakeUpstream
) -> None:
    info = api.dataset_info("the_pile")
    assert info.id == "EleutherAI/pile"
    assert [r.path for r in fake_upstream.requests[-2:]] == [
        "/api/datasets/the_pile",
        "/api/datasets/EleutherAI/pile",
    ]


def test_llama_2_is_gated_manually(api: HfApi) -> None:
    info = api.model_info("meta-llama/Llama-2-7b-hf")
    assert info.gated == "manual"
    assert info.card_data is not None
    assert info.card_data.license == "llama2"
    assert "extra_gated_fields" in info.card_data.to_dict()


def test_recorded_response_is_served_verbatim(fake_upstream: FakeUpstream) -> None:
    recorded = DEFAULT_DATA_DIR / "hub/models/CompVis__stable-diffusion-v1-4.json"
    response = httpx2.get(f"{fake_upstream.url}/api/models/CompVis/stable-diffusion-v1-4")
    assert response.json() == json.loads(recorded.read_text(encoding="utf-8"))
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert response.headers["etag"].startswith('W/"')
    assert response.headers["x-request-id"]


def test_unknown_repo_raises_repository_not_found(api: HfApi, fake_upstream: FakeUpstream) -> None:
    with pytest.raises(RepositoryNotFoundError):
        api.model_info("runwayml/stable-diffusion-v1-5")
    with pytest.raises(RepositoryNotFoundError):
        api.dataset_info("bigcode/the-stack-v2-train")
    response = httpx2.get(f"{fake_upstream.url}/api/models/nobody/nothing")
    assert response.headers["x-error-code"] == "RepoNotFound"
    assert response.json() == {"error": "Repository not found"}


@pytest.mark.parametrize("status", [429, 503])
def test_override_status_raises_hf_hub_http_error(
    api: HfApi, fake_upstream: FakeUpstream, status: int
) -> None:
    headers = {"RateLimit": '"api";r=0;t=2', "Retry-After": "2"} if status == 429 else {}
    fake_upstream.override(
        "/api/models/EleutherAI/pythia-6.9b", status=status, headers=headers, times=1
    )
    with pytest.raises(HfHubHTTPError) as caught:
        api.model_info("EleutherAI/pythia-6.9b")
    assert caught.value.response.status_code == status
    if status == 429:
        assert caught.value.response.headers["retry-after"] == "2"
    # times=1 spent: the next request gets the real document again.
    assert api.model_info("EleutherAI/pythia-6.9b").id == "EleutherAI/pythia-6.9b"


def test_malformed_json_raises_a_decode_error(api: HfApi, fake_upstream: FakeUpstream) -> None:
    fake_upstream.override("/api/models/EleutherAI/pythia-6.9b", body=b"{not json")
    with pytest.raises(json.JSONDecodeError):
        api.model_info("EleutherAI/pythia-6.9b")


def test_override_404_makes_a_dataset_disappear(api: HfApi, fake_upstream: FakeUpstream) -> None:
    fake_upstream.override("/api/datasets/laion/laion2B-en", status=404)
    with pytest.raises(RepositoryNotFoundError):
        api.dataset_info("laion/laion2B-en")
    fake_upstream.reset()
    assert api.dataset_info("laion/laion2B-en").card_data.license == "cc-by-4.0"


def test_delay_is_bounded_so_a_hang_ends(fake: FakeUpstream) -> None:
    fake.override("/api/models/EleutherAI/pythia-6.9b", delay=30)
    started = time.monotonic()
    with pytest.raises(httpx2.TimeoutException):
        httpx2.get(f"{fake.url}/api/models/EleutherAI/pythia-6.9b", timeout=0.5)
    assert time.monotonic() - started < 5


def test_patch_json_changes_license_sha_and_keeps_history(
    api: HfApi, fake_upstream: FakeUpstream
) -> None:
    before = api.model_info("EleutherAI/pythia-6.9b")
    fake_upstream.patch_json(
        "/api/models/EleutherAI/pythia-6.9b",
        lambda d: d["cardData"].update(license="cc-by-nc-4.0"),
    )
    after = api.model_info("EleutherAI/pythia-6.9b")
    assert after.card_data.license == "cc-by-nc-4.0"
    assert after.sha != before.sha
    assert after.last_modified != before.last_modified
    assert api.list_repo_refs("EleutherAI/pythia-6.9b").branches[0].target_commit == after.sha
    old = api.model_info("EleutherAI/pythia-6.9b", revision=before.sha)
    assert old.card_data.license == "apache-2.0"
    fake_upstream.reset()
    assert api.model_info("EleutherAI/pythia-6.9b").sha == before.sha


def test_patch_json_can_gate_a_model(api: HfApi, fake_upstream: FakeUpstream) -> None:
    fake_upstream.patch_json("/api/models/EleutherAI/gpt-j-6b", lambda d: d.update(gated="manual"))
    assert api.model_info("EleutherAI/gpt-j-6b").gated == "manual"


def test_github_repo_license_and_conditional_request(fake_upstream: FakeUpstream) -> None:
    url = f"{fake_upstream.github_url}/repos/EleutherAI/gpt-neox"
    first = httpx2.get(url, headers={"Accept": "application/vnd.github+json"})
    assert first.status_code == 200
    assert first.json()["license"]["spdx_id"] == "Apache-2.0"
    etag = first.headers["etag"]
    assert etag.startswith('"')
    again = httpx2.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    fake_upstream.patch_json(
        "/github/repos/EleutherAI/gpt-neox", lambda d: d.update(stargazers_count=1)
    )
    changed = httpx2.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag


def test_github_license_noassertion_and_not_found(fake_upstream: FakeUpstream) -> None:
    llama = httpx2.get(f"{fake_upstream.github_url}/repos/meta-llama/llama").json()
    assert llama["license"]["key"] == "other"
    assert llama["license"]["spdx_id"] == "NOASSERTION"
    missing = httpx2.get(f"{fake_upstream.github_url}/repos/nobody/nothing")
    assert missing.status_code == 404
    assert missing.json() == {
        "message": "Not Found",
        "documentation_url": "https://docs.github.com/rest",
    }


def test_unrouted_paths_are_404_and_logged(fake_upstream: FakeUpstream) -> None:
    assert httpx2.get(f"{fake_upstream.url}/somewhere/else").status_code == 404
    assert httpx2.post(f"{fake_upstream.url}/api/models/EleutherAI/pythia-6.9b").status_code == 404
    assert [(r.method, r.path) for r in fake_upstream.requests] == [
        ("GET", "/somewhere/else"),
        ("POST", "/api/models/EleutherAI/pythia-6.9b"),
    ]
    fake_upstream.clear_log()
    assert fake_upstream.requests == []


def test_every_recorded_request_went_to_loopback(api: HfApi, fake_upstream: FakeUpstream) -> None:
    api.model_info("EleutherAI/gpt-neox-20b")
    api.dataset_info("EleutherAI/pile")
    httpx2.get(f"{fake_upstream.github_url}/repos/kingoflolz/mesh-transformer-jax")
    assert len(fake_upstream.requests) == 3
    port = fake_upstream.url.rsplit(":", 1)[1]
    assert all(r.headers["host"] == f"127.0.0.1:{port}" for r in fake_upstream.requests)


def test_upstream_settings_point_django_at_the_fake(upstream_settings: FakeUpstream) -> None:
    from django.conf import settings

    assert upstream_settings.url == settings.HF_ENDPOINT
    assert upstream_settings.github_url == settings.GITHUB_API_URL
    assert settings.HF_TOKEN is None
    assert settings.GITHUB_TOKEN is None


def test_stop_frees_the_port() -> None:
    fake = FakeUpstream().start()
    url = fake.url
    fake.stop()
    with pytest.raises(httpx2.ConnectError):
        httpx2.get(f"{url}/api/models/EleutherAI/pythia-70m", timeout=1)


def test_every_data_file_parses() -> None:
    files = list(iter_data_files())
    assert len(files) > 100
    for file in files:
        json.loads(file.read_text(encoding="utf-8"))


def test_every_document_is_named_after_its_id() -> None:
    for kind in ("hub/models", "hub/datasets"):
        for file in (DEFAULT_DATA_DIR / kind).glob("*.json"):
            if file.name.endswith((".meta.json", ".refs.json")) or _dated(file):
                continue
            doc = json.loads(file.read_text(encoding="utf-8"))
            assert doc["id"] == file.name.removesuffix(".json").replace("__", "/", 1), file
            assert len(doc["sha"]) == 40
            assert len(doc["_id"]) == 24


def test_every_catalogue_locator_has_a_file() -> None:
    missing = [
        f"{source} {locator}"
        for source, locator in sorted(_catalogue_locators())
        if not (
            DEFAULT_DATA_DIR / KIND_DIRS[source] / f"{locator.replace('/', '__')}.json"
        ).exists()
    ]
    assert missing == []


def test_every_file_is_described_in_sources_md() -> None:
    sources = (DEFAULT_DATA_DIR / "SOURCES.md").read_text(encoding="utf-8")
    undescribed = [
        str(path.relative_to(DEFAULT_DATA_DIR))
        for path in sorted(DEFAULT_DATA_DIR.rglob("*.json"))
        if not path.name.endswith(".meta.json")
        and str(path.relative_to(DEFAULT_DATA_DIR)) not in sources
    ]
    assert undescribed == []


def test_no_proxy_is_set_for_loopback() -> None:
    # httpx2 honours HTTP(S)_PROXY; a proxy without a loopback exemption would take our requests.
    proxies = [
        os.environ.get(n) for n in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy")
    ]
    if any(proxies):
        no_proxy = os.environ.get("NO_PROXY", "") + os.environ.get("no_proxy", "")
        assert "127.0.0.1" in no_proxy or "localhost" in no_proxy


def test_data_dir_can_be_swapped(tmp_path: Path) -> None:
    (tmp_path / "hub/models").mkdir(parents=True)
    doc = {"_id": "0" * 24, "id": "me/tiny", "sha": "1" * 40, "cardData": {"license": "mit"}}
    (tmp_path / "hub/models/me__tiny.json").write_text(json.dumps(doc), encoding="utf-8")
    with FakeUpstream(tmp_path) as fake:
        info = HfApi(endpoint=fake.url, token=False).model_info("me/tiny")
    assert info.card_data.license == "mit"


# --- Raw repo files, model listing, GitHub files and arXiv, from tests/fakes/sample_upstream ---

DATA = Path(__file__).resolve().parent / "sample_upstream"
LLAMA_3 = "meta-llama/Meta-Llama-3-8B"


@pytest.fixture
def small() -> Iterator[FakeUpstream]:
    """The fake serving the small data folder of this directory."""
    with FakeUpstream(DATA) as started:
        yield started


def test_hf_hub_download_gets_the_card_with_its_commit_and_blob_etag(
    small: FakeUpstream, tmp_path: Path
) -> None:
    local = hf_hub_download(
        "EleutherAI/pythia-70m", "README.md", endpoint=small.url, token=False, cache_dir=tmp_path
    )
    sha = small.document("/api/models/EleutherAI/pythia-70m")["sha"]
    head, get = small.requests[-2:]
    data = Path(local).read_bytes()

    assert data == (DATA / "hub/models/EleutherAI__pythia-70m.files/README.md").read_bytes()
    assert Path(local).parent.name == sha
    assert (head.method, get.method) == ("HEAD", "GET")
    blob = hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
    response = httpx2.head(f"{small.url}/EleutherAI/pythia-70m/resolve/{sha}/README.md")
    assert response.headers["etag"] == f'"{blob}"'
    assert response.headers["x-repo-commit"] == sha
    assert response.headers["content-type"] == "text/plain; charset=utf-8"


RESOLVE_ANSWERS: list[tuple[str, int, str]] = [
    # (path under the fake's root, status, X-Error-Code)
    (f"/{LLAMA_3}/resolve/main/LICENSE", 200, ""),
    (f"/{LLAMA_3}/resolve/main/config.json", 401, "GatedRepo"),
    (f"/{LLAMA_3}/resolve/main/original/LICENSE", 401, "GatedRepo"),  # root files only
    (f"/{LLAMA_3}/resolve/no-such-branch/config.json", 401, "GatedRepo"),  # gate first
    (f"/{LLAMA_3}/resolve/main/README.md", 404, "EntryNotFound"),
    ("/EleutherAI/pythia-70m/resolve/main/LICENSE", 404, "EntryNotFound"),
    ("/EleutherAI/pythia-70m/resolve/step999/README.md", 404, "RevisionNotFound"),
    ("/nobody/nothing/resolve/main/README.md", 401, "RepoNotFound"),
    ("/datasets/nobody/nothing/resolve/main/README.md", 401, "RepoNotFound"),
]


@pytest.mark.parametrize(("path", "status", "code"), RESOLVE_ANSWERS)
def test_resolve_answers_like_the_hub(
    small: FakeUpstream, path: str, status: int, code: str
) -> None:
    response = httpx2.get(f"{small.url}{path}")

    assert response.status_code == status
    assert response.headers.get("x-error-code", "") == code
    if status == 200:
        assert response.headers["content-type"] == "application/octet-stream"


def test_real_client_sees_the_gate_and_missing_entries(small: FakeUpstream) -> None:
    api = HfApi(endpoint=small.url, token=False)

    assert api.file_exists(LLAMA_3, "LICENSE")
    assert not api.file_exists("EleutherAI/pythia-70m", "LICENSE")
    with pytest.raises(GatedRepoError):
        api.file_exists(LLAMA_3, "config.json")


def test_list_models_filters_by_author_and_sorts_by_downloads(small: FakeUpstream) -> None:
    api = HfApi(endpoint=small.url, token=False)

    everything = list(api.list_models(sort="downloads", limit=10))
    eleuther = list(api.list_models(author="EleutherAI", sort="downloads", limit=10))

    assert [m.id for m in everything] == [LLAMA_3, "EleutherAI/pythia-70m"]
    assert [m.id for m in eleuther] == ["EleutherAI/pythia-70m"]
    assert everything[0].downloads >= everything[1].downloads
    assert [m.id for m in api.list_models(limit=1, sort="downloads")] == [LLAMA_3]


GITHUB_FILES: list[tuple[str, int]] = [
    ("/repos/EleutherAI/pythia/license", 200),
    ("/repos/eleutherai/Pythia/readme", 200),  # owner and name are case-insensitive
    ("/repos/EleutherAI/pythia/git/trees/main?recursive=1", 200),
    ("/repos/EleutherAI/pythia/git/trees/08cfb28f8642ed6c6644f5c770d73f11bae6c740", 200),
    ("/repos/EleutherAI/pythia/git/trees/no-such-branch", 404),
    ("/repos/nobody/nothing/license", 404),
]


@pytest.mark.parametrize(("path", "status"), GITHUB_FILES)
def test_github_files_answer_with_etags_and_304s(
    small: FakeUpstream, path: str, status: int
) -> None:
    first = httpx2.get(f"{small.github_url}{path}")

    assert first.status_code == status
    if status == 404:
        assert first.json() == GITHUB_NOT_FOUND
        return
    again = httpx2.get(
        f"{small.github_url}{path}", headers={"If-None-Match": first.headers["etag"]}
    )
    assert again.status_code == 304
    assert first.headers["x-ratelimit-limit"] == "60"


def test_github_license_content_is_base64_in_60_char_lines(small: FakeUpstream) -> None:
    body = httpx2.get(f"{small.github_url}/repos/EleutherAI/pythia/license").json()

    lines = body["content"].splitlines()
    assert body["encoding"] == "base64" and body["type"] == "file"
    assert all(len(line) == 60 for line in lines[:-1])
    assert base64.b64decode(body["content"]).decode().lstrip().startswith("Apache License")
    assert body["license"]["spdx_id"] == "Apache-2.0"


OAI_ANSWERS: list[tuple[str, str]] = [
    ("verb=GetRecord&identifier=oai:arXiv.org:0804.2273&metadataPrefix=arXiv", ""),
    ("verb=GetRecord&identifier=oai:arXiv.org:hep-th/9608091&metadataPrefix=arXiv", ""),
    ("verb=GetRecord&identifier=oai:arXiv.org:2304.01373&metadataPrefix=arXiv", "idDoesNotExist"),
    (
        "verb=GetRecord&identifier=oai:arXiv.org:0804.2273&metadataPrefix=marc",
        "cannotDisseminateFormat",
    ),
    ("verb=GetRecord&identifier=oai:arXiv.org:0804.2273", "badArgument"),
    ("verb=Frobnicate", "badVerb"),
    ("", "badVerb"),
]


@pytest.mark.parametrize(("query", "code"), OAI_ANSWERS)
def test_oai_pmh_answers_200_with_records_or_error_codes(
    small: FakeUpstream, query: str, code: str
) -> None:
    response = httpx2.get(f"{small.arxiv_url}?{query}")
    root = ElementTree.fromstring(response.content)
    error = root.find("{http://www.openarchives.org/OAI/2.0/}error")

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/xml; charset=utf-8"
    assert (error.get("code") if error is not None else "") == code


def test_patch_file_changes_a_served_file_until_reset(small: FakeUpstream) -> None:
    url = f"{small.url}/EleutherAI/pythia-70m/resolve/main/README.md"
    before = httpx2.get(url)

    small.patch_file(
        "hub/models/EleutherAI__pythia-70m.files/README.md", "---\nlicense: mit\n---\n"
    )
    small.patch_file("arxiv/0804.2273.xml", "<OAI-PMH/>")
    patched = httpx2.get(url)

    assert patched.text == "---\nlicense: mit\n---\n"
    assert patched.headers["x-repo-commit"] != before.headers["x-repo-commit"]
    assert httpx2.get(f"{small.arxiv_url}?{OAI_ANSWERS[0][0]}").text == "<OAI-PMH/>"
    small.reset()
    assert httpx2.get(url).content == before.content
    with pytest.raises(ValueError, match="not a raw file path"):
        small.patch_file("github/repos/EleutherAI__pythia.json", "{}")


def test_overrides_apply_to_files_and_oai(small: FakeUpstream) -> None:
    small.override("/EleutherAI/pythia-70m/resolve/main/README.md", status=404, times=1)
    small.override("/arxiv/oai2", status=503, headers={"Retry-After": "5"}, times=1)

    readme = httpx2.get(f"{small.url}/EleutherAI/pythia-70m/resolve/main/README.md")
    oai = httpx2.get(small.arxiv_url)

    assert (readme.status_code, readme.headers["x-error-code"]) == (404, "EntryNotFound")
    assert (oai.status_code, oai.headers["retry-after"]) == (503, "5")


def test_every_small_data_file_has_where_and_when() -> None:
    sources = (DATA / "SOURCES.md").read_text(encoding="utf-8")
    served = [
        p
        for p in sorted(DATA.rglob("*"))
        if p.is_file() and not p.name.endswith(".meta.json") and p.name != "SOURCES.md"
    ]
    for path in served:
        relative = path.relative_to(DATA)
        folder = next((q for q in relative.parents if q.name.endswith(".files")), None)
        if folder is None:
            stem = path.name.removesuffix(".json").removesuffix(".xml")
            meta = json.loads(path.with_name(f"{stem}.meta.json").read_text())
        else:
            index = json.loads((DATA / f"{folder}.meta.json").read_text())
            meta = index[str(relative.relative_to(folder))]
        assert set(meta) == {"recorded", "origin", "source"}, relative
        assert meta["origin"] in ("recorded", "built"), relative
        assert str(folder or relative) in sources, relative
