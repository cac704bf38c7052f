"""Seed snapshots: recorded upstream answers shipped with the catalogue, for an offline start."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.dateparse import parse_datetime
from huggingface_hub.hf_api import DatasetInfo, ModelInfo

from audits.harvest import payload_hash
from audits.models import Snapshot, SourceState
from audits.rules import NOT_FOUND_LIMIT
from audits.sources.arxiv import record_payload
from audits.sources.github import license_payload, readme_payload, tree_payload
from audits.sources.hub import dataset_payload, file_payload, model_payload

# folder under the seed root → source of its repository documents
FOLDERS = {"hub/models": "hf-model", "hub/datasets": "hf-dataset", "github/repos": "github"}
HUB_KINDS = {"hub/models": ("models", "model"), "hub/datasets": ("datasets", "dataset")}
# suffix of a GitHub answer beside the repository document → its source
GITHUB_PARTS = {
    ".license": "github-license",
    ".readme": "github-readme",
    ".tree": "github-tree",
}
# <name>.<YYYY-MM-DD> is an older version of <name>; the undated file is the latest.
DATED = re.compile(r"^(?P<name>.+)\.(?P<date>\d{4}-\d{2}-\d{2})$")
# Where a file's own source and date live: <name>.meta.json beside <name>.json / .xml.
META_SUFFIX = ".meta.json"
UNDATED_BEFORE = datetime(2023, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class SeedFile:
    """One upstream answer under the seed root and what it answers for.

    `path` is the document (a JSON body, an OAI-PMH record or a raw repo file); `version` is
    the date of an older version (`<name>.<YYYY-MM-DD>.json`), "" for the latest. `gone` marks
    the newest version of an answer that only older versions have (a file the repo later
    deleted): upstream answers 404 for it now.
    """

    source: str
    locator: str
    path: Path
    version: str = ""
    gone: bool = False


def seed_files(root: Path) -> list[SeedFile]:
    """Every upstream answer under the seed root, each locator's versions oldest first.

    Renamed Hub repos (hub/redirects.json) answer for their old ids too, as the Hub's redirects
    do: model cards still name datasets by old ids.
    """
    found: list[SeedFile] = []
    for folder, source in FOLDERS.items():
        found += _documents(root / folder, source)
        if folder in HUB_KINDS:
            found += _repo_files(root / folder, HUB_KINDS[folder])
    found += _arxiv_records(root / "arxiv")
    redirects_path = root / "hub" / "redirects.json"
    redirects = json.loads(redirects_path.read_text()) if redirects_path.exists() else {}
    for kind, source in (("models", "hf-model"), ("datasets", "hf-dataset")):
        for old, new in sorted(redirects.get(kind, {}).items()):
            target = root / "hub" / kind / f"{new.replace('/', '__')}.json"
            if target.exists():
                found.append(SeedFile(source, old, target))
    found.sort(key=_order)
    # Sorted oldest first, so the last of a locator's run is its newest version.
    for index, seed in enumerate(found):
        following = found[index + 1] if index + 1 < len(found) else None
        last = following is None or (following.source, following.locator) != (
            seed.source,
            seed.locator,
        )
        if last and seed.version:
            found[index] = replace(seed, gone=True)
    return found


def _split(stem: str) -> tuple[str, str]:
    """A file stem → (name, version date or "")."""
    match = DATED.match(stem)
    return (match["name"], match["date"]) if match else (stem, "")


def _documents(folder: Path, source: str) -> list[SeedFile]:
    found = []
    for path in sorted(folder.glob("*.json")):
        if path.name.endswith((META_SUFFIX, ".refs.json")):
            continue
        name, version = _split(path.stem)
        part_source = source
        for suffix, github_source in GITHUB_PARTS.items():
            if source == "github" and name.endswith(suffix):
                name, part_source = name.removesuffix(suffix), github_source
        found.append(SeedFile(part_source, name.replace("__", "/", 1), path, version))
    return found


def _repo_files(folder: Path, kind: tuple[str, str]) -> list[SeedFile]:
    """Raw repo files: <ns>__<name>[.<date>].files/<path> → hf-file "<kind>/<repo>:<path>"."""
    found = []
    for files_dir in sorted(folder.glob("*.files")):
        if not files_dir.is_dir():
            continue
        name, version = _split(files_dir.name.removesuffix(".files"))
        repo = name.replace("__", "/", 1)
        for path in sorted(p for p in files_dir.rglob("*") if p.is_file()):
            relative = path.relative_to(files_dir).as_posix()
            found.append(SeedFile("hf-file", f"{kind[0]}/{repo}:{relative}", path, version))
    return found


def _arxiv_records(folder: Path) -> list[SeedFile]:
    """OAI-PMH records: arxiv/<id>[.<date>].xml; old-style ids keep their slash as "__"."""
    found = []
    for path in sorted(folder.glob("*.xml")):
        name, version = _split(path.stem)
        found.append(SeedFile("arxiv", name.replace("__", "/", 1), path, version))
    return found


def _order(seed: SeedFile) -> tuple[str, str, bool, str]:
    # Older versions first, so that the latest is imported last and stays current.
    return (seed.source, seed.locator, not seed.version, seed.version)


def _read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _repo_document(seed: SeedFile) -> dict[str, Any]:
    """The repository document a part answers for (a GitHub repo, a Hub repo of a file)."""
    if seed.source == "hf-file":
        files_dir = next(p for p in seed.path.parents if p.name.endswith(".files"))
        path = files_dir.with_name(files_dir.name.removesuffix(".files") + ".json")
    else:
        path = seed.path.with_name(seed.locator.replace("/", "__", 1) + ".json")
    return _read_json(path) if path.exists() else {}


def seed_payload(seed: SeedFile) -> dict[str, Any]:
    """The payload a live harvest would have stored for this answer."""
    if seed.source == "hf-file":
        kind, rest = seed.locator.split("/", 1)
        repo, path = rest.split(":", 1)
        return file_payload(
            repo_type="model" if kind == "models" else "dataset",
            repo=repo,
            path=path,
            # The Hub sends the commit a file was resolved at (X-Repo-Commit): the repo's sha.
            revision=str(_repo_document(seed).get("sha") or ""),
            text=seed.path.read_text(encoding="utf-8"),
        )
    if seed.source == "arxiv":
        return record_payload(seed.path.read_text(encoding="utf-8"))
    document = _read_json(seed.path)
    if seed.source == "hf-model":
        payload = model_payload(ModelInfo(**document))
        refs_path = seed.path.with_name(seed.path.stem + ".refs.json")
        refs = _read_json(refs_path) if refs_path.exists() else {"branches": []}
        payload["branches"] = sorted({b["name"] for b in refs["branches"]} | {"main"})
        return payload
    if seed.source == "hf-dataset":
        return dataset_payload(DatasetInfo(**document))
    if seed.source == "github-license":
        return license_payload(document)
    if seed.source == "github-readme":
        return readme_payload(document)
    if seed.source == "github-tree":
        branch = _repo_document(seed).get("default_branch") or "main"
        return tree_payload(document, branch)
    return document


def seed_meta(seed: SeedFile) -> dict[str, Any]:
    """Where and when the answer was seen upstream: {"recorded", "origin", "source"}."""
    if seed.source == "hf-file":
        files_dir = next(p for p in seed.path.parents if p.name.endswith(".files"))
        meta_path = files_dir.with_name(files_dir.name + META_SUFFIX)
        metas = _read_json(meta_path) if meta_path.exists() else {}
        return metas.get(seed.path.relative_to(files_dir).as_posix(), {})
    meta_path = seed.path.with_name(seed.path.stem + META_SUFFIX)
    return _read_json(meta_path) if meta_path.exists() else {}


def origin_note(meta: dict[str, Any]) -> str:
    """What an evidence page says of a shipped answer: where and when it was seen, nothing else."""
    if not meta.get("source"):
        return ""
    recorded = f" ({meta['recorded']})" if meta.get("recorded") else ""
    return f"Seen at {meta['source']}{recorded}."


def _recorded_at(meta: dict[str, Any], version: str = "") -> datetime:
    """When the facts of a seed answer were true: a timestamp, a day, or a month."""
    text = str(meta.get("recorded") or version)
    if len(text) == 7:  # a month, e.g. "2023-05"
        text += "-01"
    moment = parse_datetime(text) if len(text) > 10 else None
    if moment is None and len(text) == 10:
        moment = datetime.fromisoformat(text)
    if moment is None:
        # Undated seed answers sort before any live answer.
        return UNDATED_BEFORE
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _revision(payload: dict[str, Any]) -> str:
    for key in ("sha", "revision", "pushed_at", "updated", "created"):
        if payload.get(key):
            return str(payload[key])
    return ""


@transaction.atomic
def import_seed(seed: SeedFile) -> bool:
    """Store one seed answer as a snapshot unless one like it exists; True when stored."""
    payload = seed_payload(seed)
    digest = payload_hash(payload)
    state, _ = SourceState.objects.get_or_create(source=seed.source, locator=seed.locator)
    if Snapshot.objects.filter(
        source=seed.source, locator=seed.locator, payload_hash=digest
    ).exists():
        return False
    meta = seed_meta(seed)
    snapshot = Snapshot.objects.create(
        source=seed.source,
        locator=seed.locator,
        fetched_at=_recorded_at(meta, seed.version),
        revision=_revision(payload)[:100],
        payload=payload,
        payload_hash=digest,
        origin=Snapshot.Origin.SEED,
        origin_note=origin_note(meta)[:500],
    )
    latest = state.latest_snapshot
    # A live answer, when there is one, stays the latest; among seeds the newest wins, and an
    # older version imported after the latest only joins the history.
    if latest is None or (
        latest.origin == Snapshot.Origin.SEED and latest.fetched_at <= snapshot.fetched_at
    ):
        state.latest_snapshot = snapshot
        state.state = SourceState.State.OK
        state.last_ok_at = snapshot.fetched_at
        state.save()
    if seed.gone:
        _mark_gone(seed, state)
    return True


def _mark_gone(seed: SeedFile, state: SourceState) -> None:
    """The repo's latest version lacks this answer: a confirmed 404 since that version.

    As a live harvest does on a 404, the last good snapshot stays as evidence of what was.
    """
    latest = state.latest_snapshot
    if latest is not None and latest.origin != Snapshot.Origin.SEED:
        return
    since = _recorded_at(_parent_meta(seed))
    state.state = SourceState.State.NOT_FOUND
    state.not_found_count = NOT_FOUND_LIMIT
    state.unreachable_since = since
    state.checked_at = since
    state.last_error = f"{seed.locator} is not in the latest version of its repository"
    state.save()


def _parent_meta(seed: SeedFile) -> dict[str, Any]:
    """The meta of the latest document of the repository this answer belongs to."""
    if seed.source == "hf-file":
        _, rest = seed.locator.split("/", 1)
        repo = rest.split(":", 1)[0].replace("/", "__", 1)
        folder = next(p for p in seed.path.parents if p.name.endswith(".files")).parent
        path = folder / f"{repo}{META_SUFFIX}"
    else:
        path = seed.path.with_name(seed.locator.replace("/", "__", 1) + META_SUFFIX)
    return _read_json(path) if path.exists() else {}
