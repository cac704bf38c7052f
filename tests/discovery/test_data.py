"""The discovery suite's data is complete, sourced, and served by the loopback fake."""

from __future__ import annotations

import base64
import json
import re
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.fakes.upstream import FakeUpstream

HERE = Path(__file__).resolve().parent
UPSTREAM = HERE / "upstream"
SYSTEMS: list[dict[str, Any]] = yaml.safe_load((HERE / "systems.yaml").read_text(encoding="utf-8"))
REDIRECTS: dict[str, dict[str, str]] = json.loads(
    (UPSTREAM / "hub" / "redirects.json").read_text(encoding="utf-8")
)
ARXIV_NS = {"a": "http://arxiv.org/OAI/arXiv/"}
META_KEYS = {"recorded", "origin", "source"}
RECORDED_RE = re.compile(r"^\d{4}-\d{2}(-\d{2})?$")
# A source is a public URL or repo@commit:path of a verbatim copy; never a local path.
SOURCE_RE = re.compile(r"^(https://\S+|[\w.-]+/[\w.-]+@[0-9a-f]{40}:\S+)$")
OSI_VERDICTS = {"open-source-ai", "not-open-source-ai", None}
MOT_CLASSES = {"I", "II", "III", None}
KINDS = {"language-model", "image-generation", "speech", "multimodal", "embedding", "code", "other"}


def _stem(repo_id: str) -> str:
    return repo_id.replace("/", "__", 1)


def _resolved(kind: str, repo_id: str) -> str:
    return REDIRECTS.get(kind, {}).get(repo_id, repo_id)


def _documents() -> Iterator[Path]:
    for path in sorted(UPSTREAM.rglob("*.json")):
        # refs share their model's meta; redirects.json is a list of renames, not an answer
        if path.name.endswith((".meta.json", ".refs.json")) or path.name == "redirects.json":
            continue
        yield path


def _meta_for(path: Path) -> Path:
    return path.with_name(path.name.removesuffix(".json") + ".meta.json")


def _system_ids() -> list[str]:
    return [system["hub_id"] for system in SYSTEMS]


def test_the_suite_holds_at_least_twelve_distinct_systems() -> None:
    ids = _system_ids()
    assert len(ids) >= 12
    assert len(set(ids)) == len(ids)


def test_no_system_is_in_the_seed_catalogue() -> None:
    catalogue = HERE.parents[1] / "registry" / "catalogue"
    seeded = {
        artifact["locator"].lower()
        for file in catalogue.glob("*.yaml")
        for artifact in (yaml.safe_load(file.read_text(encoding="utf-8")) or {}).get(
            "artifacts", []
        )
        if artifact.get("source") == "hf-model"
    }
    assert not seeded & {hub_id.lower() for hub_id in _system_ids()}


@pytest.mark.parametrize("system", SYSTEMS, ids=_system_ids())
def test_published_verdicts_use_the_agreed_values(system: dict[str, Any]) -> None:
    published = system["published"]
    assert system["kind"] in KINDS
    assert published["osi"] in OSI_VERDICTS
    assert (published["osi"] is None) == (published["osi_source"] is None)
    assert published["mot_class"] in MOT_CLASSES
    assert published["mot_source"].startswith("lfai/model_openness_tool@")
    assert published["mot_reasoning"]
    assert (published["eu_index"] is None) == (published["eu_source"] is None)
    assert system["expected_notes"]


@pytest.mark.parametrize("hub_id", _system_ids())
def test_every_system_has_its_model_document_card_and_meta(hub_id: str) -> None:
    stem = UPSTREAM / "hub" / "models" / _stem(_resolved("models", hub_id))
    document = json.loads(stem.with_name(stem.name + ".json").read_text(encoding="utf-8"))
    assert document["id"] == _resolved("models", hub_id)
    card = stem.with_name(stem.name + ".files") / "README.md"
    assert card.read_text(encoding="utf-8").startswith("---\n")
    assert "README.md" in json.loads(
        stem.with_name(stem.name + ".files.meta.json").read_text(encoding="utf-8")
    )


@pytest.mark.parametrize("path", list(_documents()), ids=lambda p: str(p.relative_to(UPSTREAM)))
def test_every_document_has_a_meta_saying_only_where_and_when(path: Path) -> None:
    meta = json.loads(_meta_for(path).read_text(encoding="utf-8"))
    assert set(meta) == META_KEYS
    assert RECORDED_RE.match(meta["recorded"])
    assert meta["origin"] in ("recorded", "built")
    assert SOURCE_RE.match(meta["source"])


@pytest.mark.parametrize(
    "folder", sorted(UPSTREAM.rglob("*.files")), ids=lambda p: str(p.relative_to(UPSTREAM))
)
def test_every_raw_file_has_its_meta(folder: Path) -> None:
    metas = json.loads(folder.with_name(folder.name + ".meta.json").read_text(encoding="utf-8"))
    files = {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}
    assert files == set(metas)
    for meta in metas.values():
        assert set(meta) == META_KEYS
        assert SOURCE_RE.match(meta["source"])


@pytest.mark.parametrize(
    "path",
    sorted((UPSTREAM / "github" / "repos").glob("*.license.json"))
    + sorted((UPSTREAM / "github" / "repos").glob("*.readme.json")),
    ids=lambda p: p.name,
)
def test_github_file_bodies_carry_base64_in_sixty_character_lines(path: Path) -> None:
    body = json.loads(path.read_text(encoding="utf-8"))
    lines = body["content"].rstrip("\n").split("\n")
    assert all(len(line) == 60 for line in lines[:-1])
    assert len(base64.b64decode(body["content"])) == body["size"]


@pytest.mark.parametrize("path", sorted((UPSTREAM / "arxiv").glob("*.xml")), ids=lambda p: p.name)
def test_arxiv_records_name_their_id_and_a_license_url(path: Path) -> None:
    record = ET.parse(path).getroot().find(".//a:arXiv", ARXIV_NS)
    assert record is not None
    assert record.findtext("a:id", namespaces=ARXIV_NS) == path.stem.replace("__", "/")
    license_url = record.findtext("a:license", namespaces=ARXIV_NS)
    assert license_url is None or license_url.startswith("http://")
    assert record.findtext("a:title", namespaces=ARXIV_NS)


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeUpstream]:
    with FakeUpstream(UPSTREAM) as upstream:
        yield upstream


@pytest.mark.parametrize("hub_id", _system_ids())
def test_the_fake_serves_each_system_from_its_hub_id(fake: FakeUpstream, hub_id: str) -> None:
    # A renamed id answers 307; urllib follows it as huggingface_hub does.
    with urllib.request.urlopen(f"{fake.url}/api/models/{hub_id}", timeout=10) as response:
        served = json.loads(response.read())
    assert served["id"] == _resolved("models", hub_id)
