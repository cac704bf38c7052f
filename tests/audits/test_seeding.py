"""Seed snapshots give a fresh, offline install a verdict for every project at once."""

from __future__ import annotations

import json
import re
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client

from audits.models import AuditRun, Snapshot, SourceState
from audits.rules import NOT_FOUND_LIMIT
from audits.seeding import SeedFile, import_seed, origin_note, seed_files, seed_meta
from registry.models import Project
from tests.fakes.upstream import FakeUpstream

SEED = Path(settings.BASE_DIR) / "registry" / "catalogue"
UPSTREAM = SEED / "upstream"
NOTE = re.compile(r"^Seen at \S+ \(\d{4}-\d{2}(-\d{2})?\)\.$")

pytestmark = pytest.mark.django_db


def _seeds_of(source: str, locator: str, root: Path = UPSTREAM) -> list[SeedFile]:
    return [s for s in seed_files(root) if (s.source, s.locator) == (source, locator)]


def _import(source: str, locator: str, root: Path = UPSTREAM) -> list[bool]:
    return [import_seed(seed) for seed in _seeds_of(source, locator, root)]


def _history(source: str, locator: str) -> list[Snapshot]:
    return list(Snapshot.objects.filter(source=source, locator=locator).order_by("fetched_at"))


def _latest(source: str, locator: str) -> Snapshot | None:
    return SourceState.objects.get(source=source, locator=locator).latest_snapshot


def test_every_project_gets_a_verdict_without_asking_any_source(client: Client) -> None:
    call_command("load_catalogue", str(SEED))
    out = StringIO()

    call_command("seed_snapshots", str(UPSTREAM), stdout=out)

    assert (
        f"{len(seed_files(UPSTREAM))} of {len(seed_files(UPSTREAM))} seed snapshots"
        in out.getvalue()
    )
    assert not Project.objects.filter(current_verdict=None).exists()
    assert set(AuditRun.objects.values_list("trigger", flat=True)) == {AuditRun.Trigger.SEED}
    pythia = Snapshot.objects.get(source="hf-model", locator="EleutherAI/pythia-6.9b")
    assert pythia.origin == Snapshot.Origin.SEED
    assert pythia.fetched_at.year == 2023
    assert pythia.origin_note == "Seen at https://huggingface.co/EleutherAI/pythia-6.9b (2023-05)."
    assert "step143000" in pythia.payload["branches"]
    page = client.get("/projects/pythia-6.9b/").text
    assert "open-source-ai" in page and "seen 2023-05" in page
    assert "Shipped with the seed catalogue" in page
    assert "Seen at https://huggingface.co/EleutherAI/pythia-6.9b (2023-05)." in page


def test_seeding_twice_stores_and_judges_nothing_new() -> None:
    call_command("load_catalogue", str(SEED / "pythia-70m.yaml"))
    call_command("seed_snapshots", str(UPSTREAM), stdout=StringIO())
    snapshots, runs = Snapshot.objects.count(), AuditRun.objects.count()
    out = StringIO()

    call_command("seed_snapshots", str(UPSTREAM), stdout=out)

    assert out.getvalue().startswith("0 of ")
    assert (Snapshot.objects.count(), AuditRun.objects.count()) == (snapshots, runs)


def _text_starts(prefix: str) -> Any:
    return lambda payload: payload["text"].startswith(prefix)


def _text_has(fragment: str) -> Any:
    return lambda payload: fragment in payload["text"]


# source, locator, what the payload holds (a subset), and one fact read from its text or list
KINDS = [
    (
        "hf-file",
        "models/EleutherAI/pythia-6.9b:README.md",
        {"repo_type": "model", "repo": "EleutherAI/pythia-6.9b", "path": "README.md"},
        _text_starts("---\n"),
    ),
    (
        "hf-file",
        "models/openai/clip-vit-large-patch14:README.md",
        {"repo_type": "model", "path": "README.md", "truncated": False},
        _text_has("# Model Card: CLIP"),
    ),
    (
        "github-license",
        "EleutherAI/gpt-neox",
        {"path": "LICENSE", "type": "file", "license": {"key": "apache-2.0"}},
        _text_has("Apache License"),
    ),
    (
        "github-license",
        "meta-llama/llama",
        {"path": "LICENSE", "license": {"spdx_id": "NOASSERTION"}},
        _text_has("LLAMA 2 COMMUNITY LICENSE AGREEMENT"),
    ),
    (
        "github-readme",
        "allenai/OLMo",
        {"path": "README.md"},
        _text_has("OLMo"),
    ),
    (
        "github-tree",
        "EleutherAI/pythia",
        {"branch": "main", "truncated": False},
        lambda payload: "README.md" in payload["paths"],
    ),
    (
        "github-tree",
        "bigcode-project/Megatron-LM",
        {"branch": "multi-query-attention", "truncated": False},
        lambda payload: any(p.startswith("megatron/") for p in payload["paths"]),
    ),
]


@pytest.mark.parametrize(("source", "locator", "subset", "fact"), KINDS)
def test_each_kind_of_answer_is_imported_once_in_its_payload_shape(
    source: str, locator: str, subset: dict[str, Any], fact: Any
) -> None:
    assert _import(source, locator) == [True]

    (snapshot,) = _history(source, locator)
    payload = snapshot.payload
    for key, expected in subset.items():
        if isinstance(expected, dict):
            assert {k: payload[key][k] for k in expected} == expected, key
        else:
            assert payload[key] == expected, key
    assert fact(payload)
    assert "content" not in payload  # base64 bodies are decoded, never stored twice
    assert _latest(source, locator) == snapshot
    assert NOTE.match(snapshot.origin_note), snapshot.origin_note


@pytest.mark.parametrize(("source", "locator"), [(k[0], k[1]) for k in KINDS])
def test_importing_an_answer_again_stores_nothing(source: str, locator: str) -> None:
    _import(source, locator)

    assert not any(_import(source, locator))
    assert len(_history(source, locator)) == 1


# A GetRecord body in arXiv's OAI-PMH shape for an invented old-style id (archive "test"
# does not exist): the seed folder ships no record whose licence could be verified.
ARXIV_RECORD = """<?xml version="1.0" encoding="UTF-8"?>
<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">
<responseDate>2024-01-01T00:00:00Z</responseDate>
<request verb="GetRecord" identifier="oai:arXiv.org:test/0000001" metadataPrefix="arXiv">\
http://export.arxiv.org/oai2</request>
<GetRecord><record><header><identifier>oai:arXiv.org:test/0000001</identifier>
<datestamp>2024-01-01</datestamp></header><metadata>
<arXiv xmlns="http://arxiv.org/OAI/arXiv/"><id>test/0000001</id><created>2024-01-01</created>
<authors><author><keyname>Example</keyname><forenames>An</forenames></author></authors>
<title>An invented record</title><categories>cs.CL</categories>
<license>http://creativecommons.org/licenses/by/4.0/</license>
<abstract>Nothing.</abstract></arXiv></metadata></record></GetRecord></OAI-PMH>
"""


def test_an_arxiv_record_is_imported_under_its_id_with_the_slash_restored(
    tmp_path: Path,
) -> None:
    (tmp_path / "arxiv").mkdir()
    (tmp_path / "arxiv" / "test__0000001.xml").write_text(ARXIV_RECORD, encoding="utf-8")
    meta = {"recorded": "2024-01-01", "origin": "built", "source": "https://arxiv.org/"}
    (tmp_path / "arxiv" / "test__0000001.meta.json").write_text(json.dumps(meta))

    assert _import("arxiv", "test/0000001", tmp_path) == [True]
    assert _import("arxiv", "test/0000001", tmp_path) == [False]

    (snapshot,) = _history("arxiv", "test/0000001")
    assert snapshot.payload["license"] == "http://creativecommons.org/licenses/by/4.0/"
    assert snapshot.payload["title"] == "An invented record"
    assert snapshot.origin_note == "Seen at https://arxiv.org/ (2024-01-01)."


# source, locator, (field → value) of the older version, then of the latest
VERSIONED = [
    (
        "hf-dataset",
        "laion/laion2B-en",
        lambda p: p["disabled"],
        [False, True],
    ),
    (
        "hf-dataset",
        "laion/laion-high-resolution",
        lambda p: p["disabled"],
        [False, True],
    ),
    (
        "hf-model",
        "tiiuae/falcon-7b",
        lambda p: p["cardData"].get("license"),
        [None, "apache-2.0"],
    ),
    (
        "hf-file",
        "models/tiiuae/falcon-7b:README.md",
        lambda p: "TII Falcon LLM License" in p["text"].split("---", 2)[2][:600],
        [True, False],
    ),
    (
        "github",
        "PixArt-alpha/PixArt-alpha",
        lambda p: p["license"]["spdx_id"],
        ["AGPL-3.0", "Apache-2.0"],
    ),
    (
        "github-license",
        "PixArt-alpha/PixArt-alpha",
        lambda p: p["license"]["spdx_id"],
        ["AGPL-3.0", "Apache-2.0"],
    ),
]


@pytest.mark.parametrize(("source", "locator", "read", "values"), VERSIONED)
def test_dated_versions_become_older_snapshots_and_the_undated_one_is_current(
    source: str, locator: str, read: Any, values: list[Any]
) -> None:
    assert _import(source, locator) == [True] * len(values)

    history = _history(source, locator)
    assert [read(s.payload) for s in history] == values
    assert _latest(source, locator) == history[-1]
    assert SourceState.objects.get(source=source, locator=locator).state == "ok"


@pytest.mark.parametrize(("source", "locator"), [(v[0], v[1]) for v in VERSIONED])
def test_an_older_version_imported_last_does_not_become_current(source: str, locator: str) -> None:
    for seed in reversed(_seeds_of(source, locator)):
        import_seed(seed)

    newest = _history(source, locator)[-1]
    assert _latest(source, locator) == newest
    assert not _seeds_of(source, locator)[-1].version


def test_a_file_only_older_versions_have_is_gone_but_kept_as_evidence() -> None:
    locator = "models/tiiuae/falcon-7b:LICENSE.txt"

    assert _import("hf-file", locator) == [True]

    state = SourceState.objects.get(source="hf-file", locator=locator)
    assert state.state == SourceState.State.NOT_FOUND
    assert state.not_found_count >= NOT_FOUND_LIMIT
    assert state.latest_snapshot is not None
    assert state.latest_snapshot.payload["text"].startswith("TII Falcon LLM License Version 1.0")


def test_every_seed_answer_says_only_where_and_when_it_was_seen() -> None:
    notes = {}
    for seed in seed_files(UPSTREAM):
        meta = seed_meta(seed)
        assert set(meta) == {"recorded", "origin", "source"}, seed.path
        assert meta["origin"] in ("recorded", "built"), seed.path
        notes[seed.path] = origin_note(meta)
    bad = {p: n for p, n in notes.items() if not NOTE.match(n)}
    assert bad == {}
    words = ("fake", "override", "shipped", "built", "cassette", "made up")
    assert not [n for n in notes.values() if any(w in n.lower() for w in words)]


def test_every_dated_version_is_older_than_the_latest_answer() -> None:
    seeds = seed_files(UPSTREAM)
    latest = {(s.source, s.locator): s for s in seeds if not s.version}
    for seed in (s for s in seeds if s.version):
        newest = latest.get((seed.source, seed.locator))
        if newest is not None:
            assert seed_meta(seed)["recorded"] < seed_meta(newest)["recorded"], seed.path


def test_a_dated_version_beside_an_undated_one_is_not_a_locator_of_its_own() -> None:
    locators = {s.locator for s in seed_files(UPSTREAM)}

    assert "laion/laion2B-en" in locators
    assert not [loc for loc in locators if re.search(r"\.\d{4}-\d{2}-\d{2}", loc)]
    assert not [loc for loc in locators if loc.endswith((".license", ".readme", ".tree"))]


def test_seed_verdicts_match_a_live_audit_of_the_same_answers(
    upstream_settings: FakeUpstream,
) -> None:
    slugs = ["llama-2-7b", "pythia-6.9b", "stable-diffusion-v1-4", "gpt-j-6b", "bert-base-uncased"]
    for slug in slugs:
        call_command("load_catalogue", str(SEED / f"{slug}.yaml"))
    call_command("seed_snapshots", str(UPSTREAM), stdout=StringIO())
    seeded = {p.slug: p.current_verdict for p in Project.objects.select_related("current_verdict")}

    call_command("audit", *slugs, "--now", stdout=StringIO())

    for project in Project.objects.select_related("current_verdict"):
        live, seed = project.current_verdict, seeded[project.slug]
        assert live.run.trigger == AuditRun.Trigger.MANUAL
        assert (live.osaid, live.mof_class, live.score, live.category) == (
            seed.osaid,
            seed.mof_class,
            seed.score,
            seed.category,
        ), project.slug
