"""Harvest: ask each source of a project once, follow what discovery finds, store what answered."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from huggingface_hub.errors import HFValidationError
from huggingface_hub.utils import validate_repo_id

from audits.models import Snapshot, SourceState
from audits.rules.discovered import discover, fetch_pairs, related
from audits.rules.types import AuditInput, DeclaredArtifact, Observation
from audits.sources import Fetched, NotFound, RateLimited, SourceError, Transient
from audits.sources.arxiv import ArxivClient
from audits.sources.github import GitHubClient
from audits.sources.hub import HubClient
from registry.components import page_url
from registry.models import Project

# Discovery follows links in rounds: the card, then what it links to, then the base model's.
MAX_ROUNDS = 5
# An audit never asks more than this many questions, whatever a card links to.
MAX_REQUESTS = 80
FETCHED_SOURCES = ("hf-model", "hf-dataset", "github", "arxiv")
# The last gate before a snapshot: the clients cap and check their answers, and whatever one
# lets through by mistake is still no snapshot if it is not an object or larger than this.
MAX_SNAPSHOT_BYTES = 8 * 1024 * 1024
# Which host each source asks: a host that rate-limits us is not asked again in this harvest.
HOSTS = {
    "hf-model": "hub",
    "hf-dataset": "hub",
    "hf-file": "hub",
    "github": "github",
    "github-license": "github",
    "github-readme": "github",
    "github-tree": "github",
    "arxiv": "arxiv",
}


@dataclass
class Clients:
    hub: HubClient
    github: GitHubClient
    arxiv: ArxivClient

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
            arxiv=ArxivClient(
                base_url=settings.ARXIV_API_URL, timeout=settings.SOURCE_TIMEOUT_SECONDS
            ),
        )


@dataclass
class HarvestReport:
    """What went wrong while harvesting, for the retry decision, and how much was asked."""

    failures: list[tuple[str, str, SourceError]] = field(default_factory=list)
    requests: int = 0
    asked: list[tuple[str, str]] = field(default_factory=list)

    @property
    def retry_after(self) -> float | None:
        waits = [e.retry_after for *_, e in self.failures if isinstance(e, RateLimited)]
        return max((w for w in waits if w is not None), default=None)

    @property
    def transient(self) -> bool:
        return any(e.transient for *_, e in self.failures)


# --- Where answers go: the database, or (for previews) memory only ------------------------------


class Store(Protocol):
    def etag(self, source: str, locator: str) -> str: ...
    def answered(self, source: str, locator: str, fetched: Fetched) -> None: ...
    def failed(self, source: str, locator: str, error: SourceError) -> None: ...
    def observations(
        self, pairs: Iterable[tuple[str, str]]
    ) -> dict[tuple[str, str], Observation]: ...


class DatabaseStore:
    """Snapshots and source states in the database: what an audit of a listed project writes."""

    def etag(self, source: str, locator: str) -> str:
        state = SourceState.objects.filter(source=source, locator=locator).first()
        return state.latest_snapshot.etag if state and state.latest_snapshot else ""

    def answered(self, source: str, locator: str, fetched: Fetched) -> None:
        state, _ = SourceState.objects.get_or_create(source=source, locator=locator)
        record_answer(state, fetched)

    def failed(self, source: str, locator: str, error: SourceError) -> None:
        state, _ = SourceState.objects.get_or_create(source=source, locator=locator)
        record_failure(state, error)

    def observations(self, pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Observation]:
        return {key: observation_of(state) for key, state in states_for(pairs).items()}


class MemoryStore:
    """Answers kept in memory: a preview reads the database but never changes what it holds.

    A listed project's sources must not look unreachable, or change, because somebody
    previewed a submission of the same model.
    """

    def __init__(self) -> None:
        self._observations: dict[tuple[str, str], Observation] = {}

    def etag(self, source: str, locator: str) -> str:
        return DatabaseStore().etag(source, locator)

    def answered(self, source: str, locator: str, fetched: Fetched) -> None:
        if fetched.not_modified:
            stored = DatabaseStore().observations([(source, locator)]).get((source, locator))
            payload = stored.payload if stored else None
            snapshot_id = stored.snapshot_id if stored else None
        else:
            payload, snapshot_id = fetched.payload, None
        self._observations[(source, locator)] = Observation(
            source=source,
            locator=locator,
            state="ok",
            url=observation_url(source, locator, payload),
            payload=payload,
            snapshot_id=snapshot_id,
            fetched_at=timezone.now().isoformat(),
        )

    def failed(self, source: str, locator: str, error: SourceError) -> None:
        self._observations[(source, locator)] = Observation(
            source=source,
            locator=locator,
            state="not-found" if isinstance(error, NotFound) else "unreachable",
            url=observation_url(source, locator, None),
            not_found_count=1 if isinstance(error, NotFound) else 0,
            unreachable_since=timezone.now().isoformat(),
            error=str(error),
        )

    def observations(self, pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Observation]:
        wanted = set(pairs)
        return {k: v for k, v in self._observations.items() if k in wanted}


# --- The harvest ---------------------------------------------------------------------------------


def harvest(
    *, project: Project, clients: Clients | None = None, store: Store | None = None
) -> HarvestReport:
    """Fetch every source of the project and everything its sources lead to."""
    return harvest_sources(
        artifacts=declared_of(project),
        rejected=rejected_of(project),
        clients=clients,
        store=store,
    )


def harvest_sources(
    *,
    artifacts: Sequence[DeclaredArtifact],
    rejected: Iterable[tuple[str, str]] = (),
    clients: Clients | None = None,
    store: Store | None = None,
) -> HarvestReport:
    """Fetch these artifacts, then, round by round, what discovery finds on what answered."""
    clients = clients or Clients.from_settings()
    store = store or DatabaseStore()
    report = HarvestReport()
    refused = set(rejected)
    rate_limited: set[str] = set()
    done: set[tuple[str, str]] = set()
    todo = [pair for a in artifacts for pair in fetch_pairs(a)]
    for _ in range(MAX_ROUNDS):
        while todo and report.requests < MAX_REQUESTS:
            pair = todo.pop(0)
            if pair in done or not askable(pair):
                continue
            done.add(pair)
            payload = _fetch(
                *pair, clients=clients, store=store, report=report, limited=rate_limited
            )
            todo = [*related(*pair, payload), *todo]
        audit = AuditInput(artifacts=tuple(artifacts), observations=store.observations(done))
        found = [a for a in discover(audit) if (a.source, a.locator) not in refused]
        todo = [pair for a in found for pair in fetch_pairs(a) if pair not in done]
        if not todo or report.requests >= MAX_REQUESTS:
            break
    report.asked = sorted(done)
    return report


def declared_of(project: Project) -> list[DeclaredArtifact]:
    """The project's declared artifacts as the rules take them."""
    return [
        DeclaredArtifact(
            source=a.source,
            locator=a.locator,
            serves=tuple(a.serves),
            license=a.declared_license_text or None,
        )
        for a in project.artifacts.all()
    ]


def rejected_of(project: Project) -> list[tuple[str, str]]:
    """Discovered artifacts a moderator rejected for this project: never followed again."""
    from registry.models import DiscoveredArtifact

    return list(
        DiscoveredArtifact.objects.filter(
            project=project, review=DiscoveredArtifact.Review.REJECTED
        ).values_list("source", "locator")
    )


def _fetch(
    source: str,
    locator: str,
    *,
    clients: Clients,
    store: Store,
    report: HarvestReport,
    limited: set[str],
) -> dict[str, Any] | None:
    """Ask one source; the payload now known for it (fresh or unchanged), or None."""
    host = HOSTS[source]
    try:
        if host in limited:
            # Asking again while the host is limiting us only lengthens the wait.
            raise RateLimited(f"skipped {locator}: the source is rate-limiting us")
        report.requests += 1
        fetched = storable(source, locator, _ask(source, locator, clients=clients, store=store))
    except SourceError as error:
        if isinstance(error, RateLimited):
            limited.add(host)
        if not (isinstance(error, NotFound) and source in ("github-license", "hf-file")):
            report.failures.append((source, locator, error))
        store.failed(source, locator, error)
        return None
    store.answered(source, locator, fetched)
    known = store.observations([(source, locator)]).get((source, locator))
    return dict(known.payload) if known is not None and known.payload is not None else None


def _ask(source: str, locator: str, *, clients: Clients, store: Store) -> Fetched:
    etag = store.etag(source, locator)
    if source == "hf-model":
        return clients.hub.model(locator)
    if source == "hf-dataset":
        return clients.hub.dataset(locator)
    if source == "hf-file":
        kind, _, rest = locator.partition("/")
        repo_id, _, path = rest.rpartition(":")
        return clients.hub.file(repo_id, path, repo_type=kind.removesuffix("s"))
    if source == "arxiv":
        return clients.arxiv.record(locator)
    if source == "github":
        return clients.github.repository(locator, etag=etag)
    if source == "github-license":
        return clients.github.license(locator, etag=etag)
    if source == "github-readme":
        return clients.github.readme(locator, etag=etag)
    repo = store.observations([("github", locator)]).get(("github", locator))
    branch = str(((repo.payload if repo else None) or {}).get("default_branch") or "HEAD")
    return clients.github.tree(locator, branch, etag=etag)


def storable(source: str, locator: str, fetched: Fetched) -> Fetched:
    """The answer, if it can be stored as a snapshot; Transient if not, so nothing is stored."""
    if fetched.not_modified:
        return fetched
    if not isinstance(fetched.payload, dict):
        raise Transient(f"{source}:{locator} answered something that is not an object")
    size = len(json.dumps(fetched.payload, ensure_ascii=False).encode())
    if size > MAX_SNAPSHOT_BYTES:
        raise Transient(
            f"{source}:{locator} answered {size} bytes, "
            f"over the {MAX_SNAPSHOT_BYTES} bytes a snapshot holds"
        )
    return fetched


# --- Recording answers ---------------------------------------------------------------------------


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


# --- What the rules read -------------------------------------------------------------------


def observation_url(source: str, locator: str, payload: dict[str, Any] | None) -> str:
    """A page a person can open for what a source showed."""
    hub = settings.HF_ENDPOINT.rstrip("/")
    payload = payload or {}
    if source == "hf-model":
        return f"{hub}/{locator}"
    if source == "hf-dataset":
        return f"{hub}/datasets/{locator}"
    if source == "hf-file":
        kind, _, rest = locator.partition("/")
        repo_id, _, path = rest.rpartition(":")
        prefix = "datasets/" if kind == "datasets" else ""
        return f"{hub}/{prefix}{repo_id}/blob/main/{path}"
    if source == "arxiv":
        return page_url(source, locator)
    if source == "github-tree":
        return f"https://github.com/{locator}/tree/{payload.get('branch') or 'HEAD'}"
    if source in ("github-license", "github-readme") and payload.get("html_url"):
        return str(payload["html_url"])
    return f"https://github.com/{locator}"


def observation_of(state: SourceState) -> Observation:
    snapshot = state.latest_snapshot
    return Observation(
        source=state.source,
        locator=state.locator,
        state=state.state,  # type: ignore[arg-type]
        url=observation_url(state.source, state.locator, snapshot.payload if snapshot else None),
        payload=snapshot.payload if snapshot else None,
        snapshot_id=snapshot.pk if snapshot else None,
        fetched_at=snapshot.fetched_at.isoformat() if snapshot else None,
        not_found_count=state.not_found_count,
        unreachable_since=state.unreachable_since.isoformat() if state.unreachable_since else None,
        error=state.last_error,
    )


def observed_pairs(artifacts: Sequence[DeclaredArtifact]) -> list[tuple[str, str]]:
    """Every (source, locator) the audit of these artifacts reads, discovery included.

    Rebuilt from the stored snapshots round by round, as the harvest followed them, with one
    query per step rather than one per source.
    """
    store = DatabaseStore()
    known: dict[tuple[str, str], Observation] = {}
    pairs: list[tuple[str, str]] = []
    pending = [pair for a in artifacts for pair in fetch_pairs(a)]
    rounds = 0
    while pending and rounds < MAX_ROUNDS:
        new = [p for p in dict.fromkeys(pending) if p not in pairs and askable(p)]
        pairs.extend(new)
        found = store.observations(new)
        known.update(found)
        pending = [r for p in new if p in found for r in related(*p, found[p].payload)]
        if not pending:
            rounds += 1
            audit = AuditInput(artifacts=tuple(artifacts), observations=known)
            pending = [p for a in discover(audit) for p in fetch_pairs(a) if p not in pairs]
    return pairs


def askable(pair: tuple[str, str]) -> bool:
    """Whether a pair names something its source can be asked about (a valid Hub id, ...)."""
    source, locator = pair
    if source in ("hf-model", "hf-dataset"):
        return is_repo_id(locator)
    if source == "hf-file":
        repo_id = locator.partition("/")[2].rpartition(":")[0]
        return is_repo_id(repo_id)
    return bool(locator)


def is_repo_id(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        validate_repo_id(value)
    except HFValidationError:
        return False
    return True
