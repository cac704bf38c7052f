"""Component rules: one finding for each of the 17 MOF components, from what the sources show."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Any

from audits.rules.frameworks import required_by
from audits.rules.types import (
    AuditInput,
    DeclaredArtifact,
    Evidence,
    Finding,
    Observation,
)
from registry.components import BY_ID, COMPONENTS, ContentType, default_serves, page_url
from registry.licenses import RULES as LICENSE_RULES
from registry.licenses import classify, from_hub, normalise

# A source that answers "not found" this many times in a row is taken to be gone for good;
# fewer could be a rename or a moderation hiccup on the Hub.
NOT_FOUND_LIMIT = 3

# Least open first. A component served by several artifacts is as open as its least open part.
# `unknown` sits just below `open`: a part we could not read cannot make the whole better than
# a part we know falls short, so a known shortfall always wins over an unknown.
# `gated` > `restricted`: past a gate the terms are open, while use restrictions bind for good.
# `unlicensed` < `restricted`: without a license no rights are granted at all.
STATUS_ORDER: tuple[str, ...] = ("closed", "unlicensed", "restricted", "gated", "unknown", "open")
_RANK: Mapping[str, int] = MappingProxyType({s: i for i, s in enumerate(STATUS_ORDER)})

_WEIGHT_FILE = re.compile(
    r"\.(safetensors|bin|pt|pth|ckpt|gguf|h5|msgpack|onnx|npz)$", re.IGNORECASE
)
_CHECKPOINT_BRANCH = re.compile(
    r"^(step\d+|checkpoint-\d+|global_step\d+|ckpt-|iter_)", re.IGNORECASE
)
_GATES: Mapping[str, str] = MappingProxyType(
    {
        "auto": "behind an access request that is granted at once",
        "manual": "behind an access request that a person reviews",
    }
)
# How a url artifact is named in "The … is public but no license was found for it".
_NOUNS: Mapping[str, str] = MappingProxyType(
    {
        "research-paper": "paper",
        "technical-report": "report",
        "data-card": "data card",
        "model-card": "model card",
    }
)
_EVIDENCE_LIST_LIMIT = 20


@dataclass(frozen=True)
class Part:
    """What one artifact (or one thing a model card links to) shows for one component."""

    name: str  # how the reason names it: a locator, a URL, "arXiv:…"
    status: str
    reason: str
    license: str | None = None
    evidence: tuple[Evidence, ...] = ()
    declared_license: str | None = None


# --- Artifacts, observations, evidence --------------------------------------------------------


def serves(artifact: DeclaredArtifact) -> tuple[str, ...]:
    """The components an artifact serves: its record's list, else its source's default."""
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


def _hidden(observation: Observation, locator: str) -> Part | None:
    # The Hub still answers for disabled repos; nothing in them can be downloaded.
    payload = observation.payload or {}
    for flag in ("disabled", "private"):
        if payload.get(flag):
            return Part(
                locator,
                "closed",
                f"{locator} is {flag} on the Hugging Face Hub, so nothing in it can be downloaded.",
                evidence=(seen(observation, flag, True),),
            )
    return None


# --- Licenses: what a source shows, what a record declares ------------------------------------


@dataclass(frozen=True)
class SeenLicense:
    """The license a source shows: its canonical id when identifiable, and the raw value."""

    canonical: str | None
    raw: Any
    field: str
    note: str = ""  # why a shown value names no license, when the source says more than the id


@dataclass(frozen=True)
class ResolvedLicense:
    """The license a rule judges by, where it came from, and the evidence for it."""

    id: str | None
    unidentified: str | None  # a value the source shows that names no known license
    origin_note: str  # a clause saying the record supplied or contradicted it, or ""
    declared_license: str | None  # the record's license, only when it disagrees with the source
    evidence: tuple[Evidence, ...]
    note: str = ""


def hub_license(payload: Mapping[str, Any]) -> SeenLicense:
    """A Hub card's license: `cardData.license` (+ `license_name`), else a `license:` tag."""
    card = payload.get("cardData") or {}
    name = card.get("license_name")
    raw = card.get("license")
    if raw:
        return SeenLicense(from_hub(raw, name), raw, "cardData.license")
    tags = [t for t in payload.get("tags") or () if isinstance(t, str) and t.startswith("license:")]
    if tags:
        raw_tag = tags[0].removeprefix("license:")
        return SeenLicense(from_hub(raw_tag, name), tags[0], "tags")
    return SeenLicense(None, None, "cardData.license")


def github_license(payload: Mapping[str, Any]) -> SeenLicense:
    """A GitHub repository's license as GitHub identified it (`license.spdx_id`)."""
    found = payload.get("license")
    if not found:
        return SeenLicense(None, None, "license.spdx_id")
    spdx_id = found.get("spdx_id")
    if not spdx_id or spdx_id == "NOASSERTION":
        return SeenLicense(
            None,
            spdx_id or found.get("name") or "NOASSERTION",
            "license.spdx_id",
            note="GitHub found a license file but could not identify it (NOASSERTION)",
        )
    return SeenLicense(normalise(spdx_id), spdx_id, "license.spdx_id")


def resolve_license(
    shown: SeenLicense, observation: Observation, artifact: DeclaredArtifact | None
) -> ResolvedLicense:
    """What a source shows wins; the record fills in only where the source names no license."""
    evidence = (seen(observation, shown.field, shown.raw),)
    declared = artifact.license if artifact is not None else None
    if not declared:
        unidentified = None if shown.raw is None else str(shown.raw)
        return ResolvedLicense(shown.canonical, unidentified, "", None, evidence, shown.note)
    declared_id = normalise(declared)
    declared_text = declared_id or declared.strip()
    record = Evidence(
        source="record",
        locator=observation.locator,
        field="license",
        value=declared,
        url=page_url(observation.source, observation.locator),
    )
    if shown.canonical is not None:
        if declared_text == shown.canonical:
            return ResolvedLicense(shown.canonical, None, "", None, evidence)
        return ResolvedLicense(
            shown.canonical,
            None,
            f"the record declares {declared_text}, but the source shows {shown.canonical}, "
            "which wins",
            declared_text,
            (*evidence, record),
        )
    if shown.note:
        why = shown.note
    elif shown.raw is None:
        why = "the source shows no license"
    else:
        why = f"the source shows '{shown.raw}', which names no license we recognise"
    return ResolvedLicense(
        declared_id,
        None if declared_id else declared,
        f"{why}, so the license {declared_text} comes from the record",
        None,
        (*evidence, record),
    )


def license_status(
    resolved: ResolvedLicense, content: ContentType, gate: Any = False
) -> tuple[str, str]:
    """A status and the clause explaining it, for a license applied to one kind of content."""
    noun = LICENSE_RULES[content].noun
    if resolved.id is None and resolved.unidentified is None:
        return "unlicensed", f"no license was found for the {noun}"
    if resolved.id is None and resolved.note:
        return "unknown", f"{resolved.note}, so the {noun} could not be judged"
    judged = classify(resolved.id or resolved.unidentified, content)
    status: str = judged.status
    if status == "open" and gate in _GATES:
        status = "gated"
    clauses = [judged.reason.rstrip(".")]
    if resolved.origin_note:
        clauses.append(resolved.origin_note)
    return status, "; ".join(clauses)


def _gate_phrase(gate: Any) -> str:
    return f" {_GATES[gate]}" if gate in _GATES else ""


# --- Reading each kind of source --------------------------------------------------------------


@dataclass(frozen=True)
class _ModelView:
    """One readable Hub model, with its license resolved once for all its components."""

    observation: Observation
    payload: Mapping[str, Any]
    license: ResolvedLicense
    gate: Any
    siblings: list[str]

    @property
    def locator(self) -> str:
        return self.observation.locator

    def licensed(self, lead: str, content: ContentType, extra: Sequence[Evidence]) -> Part:
        # A gate keeps out downloads, not the README a gated repo still shows.
        gate = self.gate if content in ("weights", "data") else False
        status, clause = license_status(self.license, content, gate)
        return Part(
            self.locator,
            status,
            f"{lead}: {clause}.",
            self.license.id,
            (*extra, *self.license.evidence),
            self.license.declared_license,
        )


def _model_weights(model: _ModelView) -> list[Part]:
    files = [f for f in model.siblings if _WEIGHT_FILE.search(f)]
    if not files:
        return []
    count = "1 weight file" if len(files) == 1 else f"{len(files)} weight files"
    return [
        model.licensed(
            f"{model.locator} publishes {count}{_gate_phrase(model.gate)}",
            "weights",
            (
                seen(model.observation, "siblings", files[:_EVIDENCE_LIST_LIMIT]),
                seen(model.observation, "gated", model.gate),
            ),
        )
    ]


def _model_checkpoints(model: _ModelView) -> list[Part]:
    branches = model.payload.get("branches")
    if branches is None:
        return [
            Part(
                model.locator,
                "unknown",
                f"The branches of {model.locator} were not read, so its checkpoints are unknown.",
            )
        ]
    steps = [b for b in branches if _CHECKPOINT_BRANCH.match(b)]
    if not steps:
        return []
    shown = ", ".join(steps[:3]) + (", …" if len(steps) > 3 else "")
    return [
        model.licensed(
            f"{model.locator} has {len(steps)} checkpoint branches ({shown})"
            f"{_gate_phrase(model.gate)}",
            "weights",
            (
                seen(model.observation, "branches", steps[:_EVIDENCE_LIST_LIMIT]),
                seen(model.observation, "gated", model.gate),
            ),
        )
    ]


def _model_card(model: _ModelView) -> list[Part]:
    readme = [f for f in model.siblings if f.lower() == "readme.md"]
    if not readme:
        return []
    return [
        model.licensed(
            f"{model.locator} has a model card",
            "documentation",
            (seen(model.observation, "siblings", readme),),
        )
    ]


def _model_metadata(model: _ModelView) -> list[Part]:
    present = [key for key in ("cardData", "config") if model.payload.get(key)]
    if not present:
        return []
    return [
        model.licensed(
            f"{model.locator} publishes metadata ({', '.join(present)})",
            "documentation",
            tuple(seen(model.observation, key, sorted(model.payload[key])) for key in present),
        )
    ]


def _model_evaluation(model: _ModelView) -> list[Part]:
    index = model.payload.get("model-index")
    if not index:
        return []
    return [
        model.licensed(
            f"{model.locator} reports evaluation results in its model-index",
            "documentation",
            (seen(model.observation, "model-index", [m.get("name") for m in index]),),
        )
    ]


def _model_papers(model: _ModelView) -> list[Part]:
    return [_arxiv_part(model.observation, tag) for tag in _arxiv_tags(model.payload)]


# Components a Hub model shows by itself; anything else it is declared for takes its license.
_MODEL_SHOWS: Mapping[str, Callable[[_ModelView], list[Part]]] = MappingProxyType(
    {
        "final-weights": _model_weights,
        "intermediate-checkpoints": _model_checkpoints,
        "model-card": _model_card,
        "model-metadata": _model_metadata,
        "evaluation-results": _model_evaluation,
        "research-paper": _model_papers,
    }
)


def _hf_model_parts(
    component: str, observation: Observation, artifact: DeclaredArtifact | None
) -> list[Part]:
    """What a Hub model shows for a component; empty when it shows nothing for it."""
    if (hidden := _hidden(observation, observation.locator)) is not None:
        return [hidden]
    payload = observation.payload or {}
    model = _ModelView(
        observation=observation,
        payload=payload,
        license=resolve_license(hub_license(payload), observation, artifact),
        gate=payload.get("gated", False),
        siblings=[s.get("rfilename", "") for s in payload.get("siblings") or ()],
    )
    if component == "intermediate-checkpoints" and artifact is None and "branches" not in payload:
        # Only a record that promises checkpoints makes unread branches a question.
        return []
    if (shows := _MODEL_SHOWS.get(component)) is not None:
        return shows(model)
    return [
        model.licensed(
            f"{model.locator} on the Hugging Face Hub", BY_ID[component].content_type, ()
        )
    ]


def _arxiv_tags(payload: Mapping[str, Any]) -> list[str]:
    return [t for t in payload.get("tags") or () if isinstance(t, str) and t.startswith("arxiv:")]


def _arxiv_part(observation: Observation, tag: str) -> Part:
    paper = tag.removeprefix("arxiv:")
    url = f"https://arxiv.org/abs/{paper}"
    return Part(
        f"arXiv:{paper}",
        "unlicensed",
        f"The paper is public but no license was found for it ({url}, tagged on "
        f"{observation.locator}).",
        evidence=(replace(seen(observation, "tags", tag), url=url),),
    )


def _hf_dataset_parts(
    component: str, observation: Observation, artifact: DeclaredArtifact | None
) -> list[Part]:
    """What a Hub dataset shows for a component: its data license, or its card."""
    locator = observation.locator
    if (hidden := _hidden(observation, locator)) is not None:
        return [hidden]
    payload = observation.payload or {}
    resolved = resolve_license(hub_license(payload), observation, artifact)
    gate = payload.get("gated", False)
    if component == "data-card":
        siblings = [s.get("rfilename", "") for s in payload.get("siblings") or ()]
        has_readme = any(f.lower() == "readme.md" for f in siblings)
        if not has_readme and not payload.get("cardData"):
            return []
        status, clause = license_status(resolved, "documentation")
        lead = f"{locator} has a dataset card"
        extra = seen(observation, "siblings", ["README.md"] if has_readme else [])
    else:
        content = BY_ID[component].content_type
        status, clause = license_status(resolved, content, gate)
        lead = f"{locator} is published on the Hugging Face Hub{_gate_phrase(gate)}"
        extra = seen(observation, "gated", gate)
    return [
        Part(
            locator,
            status,
            f"{lead}: {clause}.",
            resolved.id,
            (extra, *resolved.evidence),
            resolved.declared_license,
        )
    ]


def _github_parts(
    component: str, observation: Observation, artifact: DeclaredArtifact | None
) -> list[Part]:
    """What a GitHub repository shows: the license GitHub identified, judged for the component."""
    locator = observation.locator
    payload = observation.payload or {}
    if payload.get("disabled"):
        return [
            Part(
                locator,
                "closed",
                f"{locator} is disabled on GitHub.",
                evidence=(seen(observation, "disabled", True),),
            )
        ]
    resolved = resolve_license(github_license(payload), observation, artifact)
    status, clause = license_status(resolved, BY_ID[component].content_type)
    archived = " (archived)" if payload.get("archived") else ""
    return [
        Part(
            locator,
            status,
            f"{locator} on GitHub{archived}: {clause}.",
            resolved.id,
            resolved.evidence,
            resolved.declared_license,
        )
    ]


def _url_part(artifact: DeclaredArtifact, component: str) -> Part:
    """A web page is never fetched: the record's word and its declared license are the evidence."""
    evidence = (
        Evidence(
            source="url",
            locator=artifact.locator,
            field="license",
            value=artifact.license,
            url=artifact.locator,
        ),
    )
    if not artifact.license:
        noun = _NOUNS.get(component, "resource")
        return Part(
            artifact.locator,
            "unlicensed",
            f"The {noun} is public but no license was found for it ({artifact.locator}).",
            evidence=evidence,
        )
    canonical = normalise(artifact.license)
    judged = classify(canonical or artifact.license, BY_ID[component].content_type)
    return Part(
        artifact.locator,
        judged.status,
        f"The record declares {canonical or artifact.license} for {artifact.locator}: "
        f"{judged.reason}",
        canonical,
        evidence,
    )


_READERS: Mapping[str, Callable[[str, Observation, DeclaredArtifact | None], list[Part]]] = (
    MappingProxyType(
        {"hf-model": _hf_model_parts, "hf-dataset": _hf_dataset_parts, "github": _github_parts}
    )
)

# What a declared artifact is said to serve but does not show.
_SHOWS_NONE: Mapping[str, str] = MappingProxyType(
    {
        "final-weights": "No weight files were found in {locator}.",
        "intermediate-checkpoints": (
            "No intermediate checkpoints were found: {locator} has no branch named like a "
            "training step."
        ),
        "model-card": "{locator} has no model card (README.md).",
        "model-metadata": "{locator} publishes no card metadata or config.",
        "evaluation-results": "{locator} reports no evaluation results (its model-index is empty).",
        "research-paper": "{locator} tags no arXiv paper.",
        "data-card": "{locator} has no dataset card.",
    }
)


def artifact_parts(
    audit: AuditInput, artifact: DeclaredArtifact, component: str, *, declared: bool = True
) -> list[Part]:
    """What one artifact shows for one component, with the record's word when it declared it."""
    record = (record_evidence(artifact),) if declared else ()
    if artifact.source == "url":
        part = _url_part(artifact, component)
        return [replace(part, evidence=(*part.evidence, *record))]
    observation = audit.observation(artifact.source, artifact.locator)
    problem = fetch_problem(observation, artifact.locator)
    if problem is not None:
        return [replace(problem, evidence=(*problem.evidence, *record))]
    assert observation is not None
    reader = _READERS.get(artifact.source)
    if reader is None:
        return [
            Part(
                artifact.locator,
                "unknown",
                f"Sources of type {artifact.source} cannot be read yet.",
                evidence=record,
            )
        ]
    parts = reader(component, observation, artifact if declared else None)
    if not parts:
        if not declared:
            return []
        template = _SHOWS_NONE.get(component, "{locator} shows nothing for it.")
        parts = [Part(artifact.locator, "closed", template.format(locator=artifact.locator))]
    return [replace(p, evidence=(*p.evidence, *record)) for p in parts]


def declared_for(audit: AuditInput, component: str) -> list[DeclaredArtifact]:
    """The declared artifacts that serve a component."""
    return [a for a in audit.artifacts if component in serves(a)]


def card_derived_parts(audit: AuditInput, component: str) -> list[Part]:
    """What Hub model cards lead to for a component their record does not declare them for."""
    parts: list[Part] = []
    for artifact in audit.artifacts:
        if artifact.source != "hf-model" or component in serves(artifact):
            continue
        observation = audit.observation(artifact.source, artifact.locator)
        problem = fetch_problem(observation, artifact.locator)
        if problem is not None:
            # A model that is gone leads nowhere; one we cannot read might lead anywhere.
            if problem.status == "unknown":
                parts.append(problem)
            continue
        assert observation is not None
        parts.extend(_hf_model_parts(component, observation, None))
    return parts


@dataclass(frozen=True)
class NamedDataset:
    """A training dataset a model card names, with the evidence that names it."""

    id: str
    evidence: Evidence


def card_datasets(audit: AuditInput) -> list[NamedDataset]:
    """Datasets named by the declared Hub models' cards (`cardData.datasets`, `dataset:` tags)."""
    named: dict[str, NamedDataset] = {}
    for artifact in audit.artifacts:
        if artifact.source != "hf-model":
            continue
        observation = audit.observation(artifact.source, artifact.locator)
        if not readable(observation):
            continue
        assert observation is not None and observation.payload is not None
        payload = observation.payload
        listed = (payload.get("cardData") or {}).get("datasets") or ()
        for dataset in [listed] if isinstance(listed, str) else listed:
            named.setdefault(
                dataset, NamedDataset(dataset, seen(observation, "cardData.datasets", dataset))
            )
        for tag in payload.get("tags") or ():
            if isinstance(tag, str) and tag.startswith("dataset:"):
                dataset = tag.removeprefix("dataset:")
                named.setdefault(dataset, NamedDataset(dataset, seen(observation, "tags", tag)))
    return list(named.values())


def _dataset_parts(audit: AuditInput, component: str) -> list[Part]:
    # A dataset named on a model card has no record, so it serves its source's defaults.
    parts = [p for a in declared_for(audit, component) for p in artifact_parts(audit, a, component)]
    if component not in default_serves("hf-dataset"):
        return parts
    declared = {a.locator for a in audit.artifacts if a.source == "hf-dataset"}
    for named in card_datasets(audit):
        if named.id in declared:
            continue
        observation = audit.observation("hf-dataset", named.id)
        if observation is None:
            continue
        artifact = DeclaredArtifact("hf-dataset", named.id, ())
        for part in artifact_parts(audit, artifact, component, declared=False):
            parts.append(replace(part, evidence=(named.evidence, *part.evidence)))
    return parts


# --- Combining parts into a finding -----------------------------------------------------------


def _names(parts: Sequence[Part]) -> str:
    names = list(dict.fromkeys(p.name for p in parts))
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " and " + names[-1]


def combine(component: str, parts: Sequence[Part], none_reason: str) -> Finding:
    """One finding from all the parts serving a component: the least open part decides."""
    if not parts:
        return Finding(component=component, status="closed", reason=none_reason)
    status = min((p.status for p in parts), key=lambda s: _RANK.get(s, 0))
    holders = [p for p in parts if p.status == status]
    if len(parts) == 1:
        reason = parts[0].reason
    elif status == "open":
        every = "Both" if len(parts) == 2 else f"All {len(parts)}"
        reason = f"{every} sources are open ({_names(parts)}): {parts[0].reason}"
    else:
        verb = "holds" if len(holders) == 1 else "hold"
        reason = (
            f"{_names(holders)} {verb} it at {status} ({len(holders)} of {len(parts)} sources): "
            f"{holders[0].reason}"
        )
    licenses = list(dict.fromkeys(p.license for p in parts if p.license))
    declared = next((p.declared_license for p in (*holders, *parts) if p.declared_license), None)
    return Finding(
        component=component,
        status=status,
        reason=reason,
        license=" AND ".join(licenses) or None,
        evidence=tuple(e for p in parts for e in p.evidence),
        declared_license=declared,
    )


# --- The rules, one a component ---------------------------------------------------------------


def _declared_parts(audit: AuditInput, component: str) -> list[Part]:
    return [p for a in declared_for(audit, component) for p in artifact_parts(audit, a, component)]


def _code(component: str) -> Callable[[AuditInput], Finding]:
    def rule(audit: AuditInput) -> Finding:
        label = BY_ID[component].label.lower()
        return combine(
            component,
            _declared_parts(audit, component),
            f"No published code serves the {label}.",
        )

    rule.__name__ = component.replace("-", "_")
    rule.__doc__ = f"{BY_ID[component].label}: the licenses of the code that serves it."
    return rule


model_architecture = _code("model-architecture")
training_code = _code("training-code")
inference_code = _code("inference-code")
evaluation_code = _code("evaluation-code")
data_preprocessing_code = _code("data-preprocessing-code")


def supporting_libraries(audit: AuditInput) -> Finding:
    """Supporting libraries: judged only when the record declares them."""
    return combine(
        "supporting-libraries",
        _declared_parts(audit, "supporting-libraries"),
        "The record declares no supporting libraries or tools; OSAID counts them only where "
        "applicable.",
    )


def training_datasets(audit: AuditInput) -> Finding:
    """Training datasets: declared ones and those the model card names, least open decides."""
    return combine(
        "training-datasets",
        _dataset_parts(audit, "training-datasets"),
        "The training data is not disclosed: no dataset is declared in the record or named on "
        "the model card.",
    )


def evaluation_data(audit: AuditInput) -> Finding:
    """Evaluation data: the declared datasets' data licenses."""
    return combine(
        "evaluation-data",
        _declared_parts(audit, "evaluation-data"),
        "No evaluation data is declared.",
    )


def final_weights(audit: AuditInput) -> Finding:
    """Final weights: weight files on the source, judged by the weights license and the gate."""
    return combine(
        "final-weights",
        _declared_parts(audit, "final-weights"),
        "No weights are declared: the record lists no Hub model or other source for them.",
    )


def intermediate_checkpoints(audit: AuditInput) -> Finding:
    """Intermediate checkpoints: training-step branches of the model repo, or declared ones."""
    return combine(
        "intermediate-checkpoints",
        [
            *_declared_parts(audit, "intermediate-checkpoints"),
            *card_derived_parts(audit, "intermediate-checkpoints"),
        ],
        "No intermediate checkpoints were found.",
    )


def model_card(audit: AuditInput) -> Finding:
    """Model card: the repo's README, under the model's license read for documentation."""
    return combine("model-card", _declared_parts(audit, "model-card"), "No model card was found.")


def data_card(audit: AuditInput) -> Finding:
    """Data card: dataset cards and declared data sheets, under their documentation licenses."""
    return combine(
        "data-card",
        _dataset_parts(audit, "data-card"),
        "No data card was found: no dataset card or data sheet is declared.",
    )


def technical_report(audit: AuditInput) -> Finding:
    """Technical report: the declared report's license."""
    return combine(
        "technical-report",
        _declared_parts(audit, "technical-report"),
        "No technical report is declared.",
    )


def research_paper(audit: AuditInput) -> Finding:
    """Research paper: the declared paper, else the arXiv papers the model card tags."""
    parts = _declared_parts(audit, "research-paper")
    # A card tags every paper it cites; only when the record names none do they stand in.
    if not parts:
        parts = card_derived_parts(audit, "research-paper")
    return combine(
        "research-paper",
        parts,
        "No research paper was found: the record declares none and the model card tags no "
        "arXiv paper.",
    )


def evaluation_results(audit: AuditInput) -> Finding:
    """Evaluation results: the model card's model-index, or declared results."""
    return combine(
        "evaluation-results",
        [
            *_declared_parts(audit, "evaluation-results"),
            *card_derived_parts(audit, "evaluation-results"),
        ],
        "No evaluation results were found: the model card has no model-index and the record "
        "declares none.",
    )


def sample_outputs(audit: AuditInput) -> Finding:
    """Sample outputs: the declared ones' licenses."""
    return combine(
        "sample-outputs",
        _declared_parts(audit, "sample-outputs"),
        "No sample outputs are declared.",
    )


def model_metadata(audit: AuditInput) -> Finding:
    """Model metadata: the card's metadata and config, under the model's documentation license."""
    return combine(
        "model-metadata", _declared_parts(audit, "model-metadata"), "No model metadata was found."
    )


# --- Access -----------------------------------------------------------------------------------

_ACCESS_ORDER: tuple[str, ...] = ("manual", "auto", "unknown", "none")


def access_finding(audit: AuditInput) -> Finding:
    """Access to the weights on the Hub: none, auto or manual gate; the strictest model decides."""
    models = [a for a in audit.artifacts if a.source == "hf-model"]
    if not models:
        return Finding(
            component="access",
            status="unknown",
            reason="No Hugging Face model is declared, so access to the weights was not read.",
        )
    parts: list[Part] = []
    for artifact in models:
        observation = audit.observation(artifact.source, artifact.locator)
        problem = fetch_problem(observation, artifact.locator)
        if problem is not None:
            parts.append(replace(problem, status="unknown"))
            continue
        assert observation is not None and observation.payload is not None
        gate = observation.payload.get("gated")
        evidence = (seen(observation, "gated", gate),)
        if gate is False:
            parts.append(
                Part(
                    artifact.locator,
                    "none",
                    f"{artifact.locator} can be downloaded without an access request "
                    "(gated: false).",
                    evidence=evidence,
                )
            )
        elif gate in _GATES:
            parts.append(
                Part(
                    artifact.locator,
                    gate,
                    f"{artifact.locator} is {_GATES[gate]} (gated: {gate}).",
                    evidence=evidence,
                )
            )
        else:
            parts.append(
                Part(
                    artifact.locator,
                    "unknown",
                    f"{artifact.locator} shows no gate setting we recognise ({gate!r}).",
                    evidence=evidence,
                )
            )
    strictest = min(parts, key=lambda p: _ACCESS_ORDER.index(p.status))
    return Finding(
        component="access",
        status=strictest.status,
        reason=strictest.reason,
        evidence=tuple(e for p in parts for e in p.evidence),
    )


# --- The table --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ComponentRule:
    """One row of the rules table: what counts as open, who requires it, the function."""

    open_when: str
    required_by: tuple[str, ...]
    evaluate: Callable[[AuditInput], Finding]


_CODE_OPEN = "Published code that serves it is under an OSI-approved license."
_OPEN_WHEN: Mapping[str, tuple[str, Callable[[AuditInput], Finding]]] = {
    "model-architecture": (_CODE_OPEN, model_architecture),
    "training-code": (_CODE_OPEN, training_code),
    "inference-code": (_CODE_OPEN, inference_code),
    "evaluation-code": (_CODE_OPEN, evaluation_code),
    "data-preprocessing-code": (_CODE_OPEN, data_preprocessing_code),
    "supporting-libraries": (
        "The libraries the record declares are under OSI-approved licenses.",
        supporting_libraries,
    ),
    "training-datasets": (
        "Every training dataset, declared or named on the model card, is under an open-data "
        "license and not gated.",
        training_datasets,
    ),
    "evaluation-data": (
        "The declared evaluation data is under an open-data license and not gated.",
        evaluation_data,
    ),
    "final-weights": (
        "Weight files are published under a license without use restrictions and not behind "
        "an access request.",
        final_weights,
    ),
    "intermediate-checkpoints": (
        "Training-step checkpoints (branches like step1000) are published under a license "
        "without use restrictions and not gated.",
        intermediate_checkpoints,
    ),
    "model-card": (
        "The model repository has a README under a license open for documentation.",
        model_card,
    ),
    "data-card": (
        "The training datasets' cards or a declared data sheet are under a license open for "
        "documentation.",
        data_card,
    ),
    "technical-report": (
        "A declared technical report is under a license open for documentation.",
        technical_report,
    ),
    "research-paper": (
        "The declared paper (else the arXiv papers the card tags) is under a license open for "
        "documentation; a public paper without a license is unlicensed.",
        research_paper,
    ),
    "evaluation-results": (
        "Evaluation results (the card's model-index or a declared source) are under a license "
        "open for documentation.",
        evaluation_results,
    ),
    "sample-outputs": (
        "Declared sample outputs are under a license open for documentation.",
        sample_outputs,
    ),
    "model-metadata": (
        "The card's metadata and config are under a license open for documentation.",
        model_metadata,
    ),
}

COMPONENT_RULES: Mapping[str, ComponentRule] = MappingProxyType(
    {
        c.id: ComponentRule(_OPEN_WHEN[c.id][0], required_by(c.id), _OPEN_WHEN[c.id][1])
        for c in COMPONENTS
    }
)


def component_findings(audit: AuditInput) -> tuple[Finding, ...]:
    """One finding a component, in the order of registry.components.COMPONENTS."""
    return tuple(rule.evaluate(audit) for rule in COMPONENT_RULES.values())
