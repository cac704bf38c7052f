"""Seed snapshots: recorded upstream answers shipped with the catalogue, for an offline start."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.dateparse import parse_datetime
from huggingface_hub.hf_api import DatasetInfo, ModelInfo

from audits.harvest import payload_hash
from audits.models import Snapshot, SourceState
from audits.sources.hub import dataset_payload, model_payload

# folder under the seed root → source
FOLDERS = {"hub/models": "hf-model", "hub/datasets": "hf-dataset", "github/repos": "github"}


@dataclass(frozen=True)
class SeedFile:
    source: str
    locator: str
    path: Path


def seed_files(root: Path) -> list[SeedFile]:
    """Every upstream document under the seed root, with the source and locator it answers for.

    Renamed Hub repos (hub/redirects.json) answer for their old ids too, as the Hub's redirects
    do: model cards still name datasets by old ids.
    """
    found = []
    for folder, source in FOLDERS.items():
        for path in sorted((root / folder).glob("*.json")):
            if path.name.endswith((".meta.json", ".refs.json")):
                continue
            found.append(SeedFile(source, path.stem.replace("__", "/", 1), path))
    redirects_path = root / "hub" / "redirects.json"
    redirects = json.loads(redirects_path.read_text()) if redirects_path.exists() else {}
    for kind, source in (("models", "hf-model"), ("datasets", "hf-dataset")):
        for old, new in sorted(redirects.get(kind, {}).items()):
            target = root / "hub" / kind / f"{new.replace('/', '__')}.json"
            if target.exists():
                found.append(SeedFile(source, old, target))
    return found


def seed_payload(seed: SeedFile) -> dict[str, Any]:
    """The payload a live harvest would have stored for this document."""
    document = json.loads(seed.path.read_text())
    if seed.source == "hf-model":
        payload = model_payload(ModelInfo(**document))
        refs_path = seed.path.with_name(seed.path.stem + ".refs.json")
        refs = json.loads(refs_path.read_text()) if refs_path.exists() else {"branches": []}
        payload["branches"] = sorted({b["name"] for b in refs["branches"]} | {"main"})
        return payload
    if seed.source == "hf-dataset":
        return dataset_payload(DatasetInfo(**document))
    return document


def _meta(seed: SeedFile) -> dict[str, Any]:
    meta_path = seed.path.with_name(seed.path.stem + ".meta.json")
    return json.loads(meta_path.read_text()) if meta_path.exists() else {}


def _recorded_at(meta: dict[str, Any]) -> datetime:
    """When the facts of a seed document were true: a timestamp, a day, or a month."""
    text = str(meta.get("recorded") or "")
    if len(text) == 7:  # a month, e.g. "2023-05"
        text += "-01"
    moment = parse_datetime(text) if len(text) > 10 else None
    if moment is None and len(text) == 10:
        moment = datetime.fromisoformat(text)
    if moment is None:
        # Undated seed documents sort before any live answer.
        return datetime(2023, 1, 1, tzinfo=UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@transaction.atomic
def import_seed(seed: SeedFile) -> bool:
    """Store one seed document as a snapshot unless one like it exists; True when stored."""
    payload = seed_payload(seed)
    digest = payload_hash(payload)
    state, _ = SourceState.objects.get_or_create(source=seed.source, locator=seed.locator)
    if Snapshot.objects.filter(
        source=seed.source, locator=seed.locator, payload_hash=digest
    ).exists():
        return False
    meta = _meta(seed)
    origin = meta.get("origin", "recorded")
    note = f"{origin} upstream answer shipped with the seed catalogue"
    if meta.get("source"):
        note += f"; source: {meta['source']}"
    snapshot = Snapshot.objects.create(
        source=seed.source,
        locator=seed.locator,
        fetched_at=_recorded_at(meta),
        revision=str(payload.get("sha") or payload.get("pushed_at") or ""),
        payload=payload,
        payload_hash=digest,
        origin=Snapshot.Origin.SEED,
        origin_note=note[:500],
    )
    # A live answer, when there is one, stays the latest.
    if state.latest_snapshot is None or state.latest_snapshot.origin == Snapshot.Origin.SEED:
        state.latest_snapshot = snapshot
        state.state = SourceState.State.OK
        state.last_ok_at = snapshot.fetched_at
        state.save()
    return True
