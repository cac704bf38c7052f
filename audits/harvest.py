"""Harvest: ask each source of a project once, store new snapshots and how each source answered."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from huggingface_hub.errors import HFValidationError
from huggingface_hub.utils import validate_repo_id

from audits.models import Snapshot, SourceState
from audits.sources import Fetched, NotFound, RateLimited, SourceError
from audits.sources.github import GitHubClient
from audits.sources.hub import HubClient
from registry.models import Project

# A model card may name many datasets; an audit follows a bounded number of them.
DATASETS_FOLLOWED = 10
FETCHED_SOURCES = ("hf-model", "hf-dataset", "github")


@dataclass
class Clients:
    hub: HubClient
    github: GitHubClient

    @classmethod
    def from_settings(cls) -> Clients:
        return cls(
            hub=HubClient(
                endpoint=settings.HF_ENDPOINT,
                token=settings.HF_TOKEN,
                timeout=settings.SOURCE_TIMEOUT_SECONDS,
            ),
            github=GitHubClient(
                base_url=settings.GITHUB_API_URL,
                token=settings.GITHUB_TOKEN,
                timeout=settings.SOURCE_TIMEOUT_SECONDS,
            ),
        )


@dataclass
class HarvestReport:
    """What went wrong while harvesting, for the retry decision."""

    failures: list[tuple[str, str, SourceError]] = field(default_factory=list)

    @property
    def retry_after(self) -> float | None:
        waits = [e.retry_after for *_, e in self.failures if isinstance(e, RateLimited)]
        return max((w for w in waits if w is not None), default=None)

    @property
    def transient(self) -> bool:
        return any(e.transient for *_, e in self.failures)


def harvest(*, project: Project, clients: Clients | None = None) -> HarvestReport:
    """Fetch every source of the project, then the datasets its model cards name."""
    return harvest_sources(sources=sources_of(project), clients=clients)


def harvest_sources(
    *, sources: list[tuple[str, str]], clients: Clients | None = None
) -> HarvestReport:
    """Fetch these (source, locator) pairs, then the datasets their Hub models' cards name."""
    clients = clients or Clients.from_settings()
    report = HarvestReport()
    rate_limited: set[str] = set()
    for source, locator in sources:
        _fetch(source, locator, clients=clients, report=report, rate_limited=rate_limited)
    declared = {locator for source, locator in sources if source == "hf-dataset"}
    models = [locator for source, locator in sources if source == "hf-model"]
    for locator in datasets_named_by(models, declared=declared):
        _fetch("hf-dataset", locator, clients=clients, report=report, rate_limited=rate_limited)
    return report


def sources_of(project: Project) -> list[tuple[str, str]]:
    """The (source, locator) pairs of the project's declared artifacts that can be fetched."""
    return [(a.source, a.locator) for a in project.artifacts.all() if a.source in FETCHED_SOURCES]


def named_datasets(project: Project) -> list[str]:
    """Hub dataset ids named by the latest snapshots of the project's Hub models."""
    artifacts = list(project.artifacts.all())
    declared = {a.locator for a in artifacts if a.source == "hf-dataset"}
    models = [a.locator for a in artifacts if a.source == "hf-model"]
    return datasets_named_by(models, declared=declared)


def datasets_named_by(models: list[str], *, declared: set[str]) -> list[str]:
    """Undeclared Hub dataset ids that the latest snapshots of these Hub models name."""
    states = SourceState.objects.filter(source="hf-model", locator__in=models).select_related(
        "latest_snapshot"
    )
    named: list[str] = []
    for state in states:
        if state.latest_snapshot is not None:
            named.extend(datasets_in_model_payload(state.latest_snapshot.payload))
    found = [d for d in dict.fromkeys(named) if d not in declared]
    return found[:DATASETS_FOLLOWED]


def datasets_in_model_payload(payload: dict[str, Any]) -> list[str]:
    """Dataset ids a model's card lists (cardData.datasets) or the Hub tags (dataset:<id>)."""
    card = payload.get("cardData") or {}
    listed = card.get("datasets") or []
    if isinstance(listed, str):
        listed = [listed]
    tagged = [
        t.removeprefix("dataset:") for t in payload.get("tags") or [] if t.startswith("dataset:")
    ]
    return [d for d in dict.fromkeys([*listed, *tagged]) if _is_repo_id(d)]


def _is_repo_id(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        validate_repo_id(value)
    except HFValidationError:
        return False
    return True


def _fetch(
    source: str,
    locator: str,
    *,
    clients: Clients,
    report: HarvestReport,
    rate_limited: set[str],
) -> None:
    state, _ = SourceState.objects.get_or_create(source=source, locator=locator)
    host = "github" if source == "github" else "hub"
    try:
        if host in rate_limited:
            # Asking again while the host is limiting us only lengthens the wait.
            raise RateLimited(f"skipped {locator}: the source is rate-limiting us")
        fetched = _ask(source, locator, clients=clients, state=state)
    except SourceError as error:
        if isinstance(error, RateLimited):
            rate_limited.add(host)
        report.failures.append((source, locator, error))
        record_failure(state, error)
        return
    record_answer(state, fetched)


def _ask(source: str, locator: str, *, clients: Clients, state: SourceState) -> Fetched:
    if source == "hf-model":
        return clients.hub.model(locator)
    if source == "hf-dataset":
        return clients.hub.dataset(locator)
    etag = state.latest_snapshot.etag if state.latest_snapshot else ""
    return clients.github.repository(locator, etag=etag)


def payload_hash(payload: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


@transaction.atomic
def record_answer(state: SourceState, fetched: Fetched, *, now: datetime | None = None) -> None:
    """Store the answer as a snapshot unless it repeats the latest one; the source is fine again."""
    now = now or timezone.now()
    if not fetched.not_modified:
        assert fetched.payload is not None
        digest = payload_hash(fetched.payload)
        latest = state.latest_snapshot
        if latest is None or latest.payload_hash != digest:
            state.latest_snapshot = Snapshot.objects.create(
                source=state.source,
                locator=state.locator,
                fetched_at=now,
                revision=fetched.revision,
                etag=fetched.etag,
                payload=fetched.payload,
                payload_hash=digest,
            )
    state.state = SourceState.State.OK
    state.checked_at = state.last_ok_at = now
    state.not_found_count = 0
    state.unreachable_since = None
    state.last_error = ""
    state.save()


def record_failure(state: SourceState, error: SourceError, *, now: datetime | None = None) -> None:
    """Keep the last good snapshot; count not-found answers and date the failing streak."""
    now = now or timezone.now()
    failing = state.state != SourceState.State.OK
    if isinstance(error, NotFound):
        state.not_found_count = state.not_found_count + 1 if failing else 1
        state.state = SourceState.State.NOT_FOUND
    else:
        state.state = SourceState.State.UNREACHABLE
    if not failing or state.unreachable_since is None:
        state.unreachable_since = now
    state.checked_at = now
    state.last_error = str(error)
    state.save()


def states_for(pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], SourceState]:
    """The stored states of these (source, locator) pairs, with their latest snapshots."""
    wanted = set(pairs)
    if not wanted:
        return {}
    query = SourceState.objects.none()
    for source in {s for s, _ in wanted}:
        query |= SourceState.objects.filter(
            source=source, locator__in=[loc for s, loc in wanted if s == source]
        )
    return {(s.source, s.locator): s for s in query.select_related("latest_snapshot")}
