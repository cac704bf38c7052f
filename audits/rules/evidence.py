"""Evidence and parts: what one source shows for one component, and how parts become a finding.

Pure Python: no Django.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from audits.rules.types import DeclaredArtifact, Evidence, Finding, Observation
from registry.components import default_serves, page_url

# A source that answers "not found" this many times in a row is taken to be gone for good;
# fewer could be a rename or a moderation hiccup on the Hub.
NOT_FOUND_LIMIT = 3

# Least open first. A component served by several artifacts is as open as its least open part.
# `unknown` sits just below `open`: a part we could not read cannot make the whole better than
# a part we know falls short, so a known shortfall always wins over an unknown.
# `gated` > `restricted`: past a gate the terms are open, while use restrictions bind for good.
# `unlicensed` < `restricted`: without a license no rights are granted at all.
# `not-found` sits by `closed`: both leave the component unmet, but only `closed` has evidence
# that the thing is withheld.
STATUS_ORDER: tuple[str, ...] = (
    "closed",
    "not-found",
    "unlicensed",
    "restricted",
    "gated",
    "unknown",
    "open",
)
RANK: Mapping[str, int] = MappingProxyType({s: i for i, s in enumerate(STATUS_ORDER)})


@dataclass(frozen=True)
class Part:
    """What one artifact (or one thing a model card links to) shows for one component."""

    name: str  # how the reason names it: a locator, a URL, "arXiv:…"
    status: str
    reason: str
    license: str | None = None
    evidence: tuple[Evidence, ...] = ()
    declared_license: str | None = None


def serves(artifact: DeclaredArtifact) -> tuple[str, ...]:
    """The components an artifact serves: its record's list, else its source's default.

    A discovered artifact serves exactly what discovery found it to serve.
    """
    if artifact.origin != "record":
        return artifact.serves
    return artifact.serves or default_serves(artifact.source)


def record_evidence(artifact: DeclaredArtifact) -> Evidence:
    """The record's own word that this artifact serves these components."""
    return Evidence(
        source="record",
        locator=artifact.locator,
        field="serves",
        value=list(serves(artifact)),
        url=page_url(artifact.source, artifact.locator),
    )


def origin_evidence(artifact: DeclaredArtifact) -> tuple[Evidence, ...]:
    """Why the audit looked at this artifact: the record's word, or where discovery found it."""
    if artifact.origin == "record":
        return (record_evidence(artifact),)
    return artifact.found


def seen(observation: Observation, field: str, value: Any) -> Evidence:
    """Evidence pointing at one field of an observation's snapshot."""
    return Evidence(
        source=observation.source,
        locator=observation.locator,
        field=field,
        value=value,
        url=observation.url,
        snapshot_id=observation.snapshot_id,
        fetched_at=observation.fetched_at,
    )


def fetch_problem(observation: Observation | None, locator: str) -> Part | None:
    """A part saying why a source cannot be judged now, or None when its payload can be read."""
    if observation is None:
        return Part(locator, "unknown", f"{locator} has not been fetched from its source yet.")
    state_evidence = (seen(observation, "state", observation.state),)
    if observation.state == "unreachable":
        since = observation.unreachable_since or "the latest fetch"
        error = observation.error.rstrip(".") or "no answer"
        return Part(
            locator,
            "unknown",
            f"Source unreachable since {since}: {error}.",
            evidence=state_evidence,
        )
    if observation.state == "not-found":
        count = observation.not_found_count
        if count >= NOT_FOUND_LIMIT:
            return Part(
                locator,
                "closed",
                f"{locator} no longer exists on its source (not found {count} times in a row).",
                evidence=state_evidence,
            )
        since = f" since {observation.unreachable_since}" if observation.unreachable_since else ""
        times = "once" if count == 1 else f"{count} times"
        return Part(
            locator,
            "unknown",
            f"{locator} answered not found {times}{since}; it is declared gone after "
            f"{NOT_FOUND_LIMIT}.",
            evidence=state_evidence,
        )
    if observation.payload is None:
        return Part(locator, "unknown", f"{locator} answered, but no payload was stored for it.")
    return None


def readable(observation: Observation | None) -> bool:
    """Whether the latest fetch succeeded and left a payload to read."""
    return observation is not None and observation.state == "ok" and observation.payload is not None


def _names(parts: Sequence[Part]) -> str:
    names = list(dict.fromkeys(p.name for p in parts))
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " and " + names[-1]


def combine(
    component: str,
    parts: Sequence[Part],
    none_reason: str,
    *,
    best: bool = False,
    looked: Sequence[Evidence] = (),
) -> Finding:
    """One finding from all the parts serving a component.

    For code, weights and data the least open part decides: a component is as open as its
    least open piece. For a document (`best=True`) one open copy is enough, so the most open
    part decides. No part at all is `not-found`, with `looked` saying where the audit looked.
    """
    if not parts:
        return Finding(
            component=component, status="not-found", reason=none_reason, evidence=tuple(looked)
        )
    pick = max if best else min
    status = pick((p.status for p in parts), key=lambda s: RANK.get(s, 0))
    holders = [p for p in parts if p.status == status]
    if len(parts) == 1:
        reason = parts[0].reason
    elif all(p.status == "open" for p in parts):
        every = "Both" if len(parts) == 2 else f"All {len(parts)}"
        reason = f"{every} sources are open ({_names(parts)}): {parts[0].reason}"
    elif best:
        verb = "is" if len(holders) == 1 else "are"
        reason = (
            f"The most open of {len(parts)} sources {verb} {status} ({_names(holders)}): "
            f"{holders[0].reason}"
        )
    else:
        verb = "holds" if len(holders) == 1 else "hold"
        reason = (
            f"{_names(holders)} {verb} it at {status} ({len(holders)} of {len(parts)} sources): "
            f"{holders[0].reason}"
        )
    # A document is under the license of the copy that decides; code is bound by all of them.
    licensed = holders if best else parts
    licenses = list(dict.fromkeys(p.license for p in licensed if p.license))
    declared = next((p.declared_license for p in (*holders, *parts) if p.declared_license), None)
    return Finding(
        component=component,
        status=status,
        reason=reason,
        license=" AND ".join(licenses) or None,
        evidence=tuple(e for p in parts for e in p.evidence),
        declared_license=declared,
    )
