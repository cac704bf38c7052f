"""Training-data information: whether the three facets OSAID 1.0 asks for are disclosed."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Any

from audits.rules import discovery
from audits.rules.components import base_models, declared_for
from audits.rules.discovered import CARD_PATH, file_locator
from audits.rules.evidence import (
    fetch_problem,
    origin_evidence,
    readable,
    seen,
    serves,
)
from audits.rules.types import (
    DATA_FACETS,
    AuditInput,
    DeclaredArtifact,
    Evidence,
    Finding,
    Observation,
)
from registry.components import BY_ID

# Dataset-card keys (the Hub's dataset card metadata) that answer each facet.
PROVENANCE_KEYS: tuple[str, ...] = ("source_datasets", "language_creators", "paperswithcode_id")
CHARACTERISTICS_KEYS: tuple[str, ...] = (
    "size_categories",
    "language",
    "task_categories",
    "task_ids",
    "multilinguality",
)
LABELLING_KEYS: tuple[str, ...] = ("annotations_creators",)
# Who wrote the text says something about cleaning, not how it was labelled.
LABELLING_PARTIAL_KEYS: tuple[str, ...] = ("language_creators",)
# Declared documents taken to describe the training data. A paper or report alone is not taken
# as naming it: Llama 2's paper says "publicly available sources" and names nothing.
DOCUMENT_COMPONENTS: tuple[str, ...] = ("data-card", "technical-report", "research-paper")
OWN_PAPERS: Mapping[str, str] = MappingProxyType(
    {"own": "research-paper", "report": "technical-report"}
)

_WHAT: Mapping[str, str] = MappingProxyType(
    {
        "data-provenance": "the provenance of the training data (where it came from)",
        "data-characteristics": "the characteristics of the training data (scope, size, languages)",
        "data-labelling": "how the training data was labelled and cleaned",
    }
)
_VALUE_LIMIT = 200


@dataclass(frozen=True)
class _Named:
    id: str
    source: str
    declared: bool
    evidence: tuple[Evidence, ...]


@dataclass(frozen=True)
class _Text:
    """A card or README the audit read, with where it was seen."""

    name: str  # "the model card of LLM360/Amber"
    observation: Observation
    text: str


@dataclass(frozen=True)
class _Level:
    """How far one dataset discloses one facet, and what it shows."""

    level: str
    detail: str
    evidence: tuple[Evidence, ...] = ()


def _has(card: Mapping[str, Any], key: str) -> bool:
    value = card.get(key)
    return value not in (None, "", [], {}, "unknown", ["unknown"])


def _provenance(card: Mapping[str, Any], payload: Mapping[str, Any]) -> tuple[str, list[str]]:
    keys = [k for k in PROVENANCE_KEYS if _has(card, k)]
    if not keys and _has(card, "pretty_name") and str(payload.get("description") or "").strip():
        keys = ["pretty_name", "description"]
    # The dataset is named either way, which is a part of its provenance.
    return ("disclosed" if keys else "partial"), keys


def _characteristics(card: Mapping[str, Any], payload: Mapping[str, Any]) -> tuple[str, list[str]]:
    keys = [k for k in CHARACTERISTICS_KEYS if _has(card, k)]
    if len(keys) >= 2:
        return "disclosed", keys
    return ("partial" if keys else "not-disclosed"), keys


def _labelling(card: Mapping[str, Any], payload: Mapping[str, Any]) -> tuple[str, list[str]]:
    if keys := [k for k in LABELLING_KEYS if _has(card, k)]:
        return "disclosed", keys
    keys = [k for k in LABELLING_PARTIAL_KEYS if _has(card, k)]
    return ("partial" if keys else "not-disclosed"), keys


_JUDGES: Mapping[str, Callable[[Mapping[str, Any], Mapping[str, Any]], tuple[str, list[str]]]] = (
    MappingProxyType(
        {
            "data-provenance": _provenance,
            "data-characteristics": _characteristics,
            "data-labelling": _labelling,
        }
    )
)
_KEYS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "data-provenance": PROVENANCE_KEYS,
        "data-characteristics": CHARACTERISTICS_KEYS,
        "data-labelling": (*LABELLING_KEYS, *LABELLING_PARTIAL_KEYS),
    }
)


# What a card's or README's prose shows: a table, a list or a section discloses a facet; a lone
# sentence ("pretrained on 15 trillion tokens") discloses it in part.
_STRUCTURED = ("table", "list", "section")


def _read_text(audit: AuditInput, source: str, locator: str, name: str) -> _Text | None:
    observation = audit.observation(source, locator)
    if not readable(observation):
        return None
    assert observation is not None and observation.payload is not None
    text = str(observation.payload.get("text") or "")
    return _Text(name, observation, text) if text.strip() else None


def _dataset_text(audit: AuditInput, dataset: str) -> _Text | None:
    locator = file_locator("dataset", dataset, CARD_PATH)
    return _read_text(audit, "hf-file", locator, f"the dataset card of {dataset}")


def _project_texts(audit: AuditInput) -> list[_Text]:
    """The project's own texts about its data: its model cards and its data-preparation READMEs."""
    texts: list[_Text] = []
    for artifact in audit.artifacts:
        if artifact.depth or artifact.origin == "base":
            continue
        if artifact.source == "hf-model":
            observation = audit.observation("hf-model", artifact.locator)
            payload = (observation.payload or {}) if observation else {}
            repo_id = str(payload.get("id") or artifact.locator)
            locator = file_locator("model", repo_id, CARD_PATH)
            text = _read_text(audit, "hf-file", locator, f"the model card of {repo_id}")
        elif artifact.source == "github" and "data-preprocessing-code" in serves(artifact):
            name = f"the README of {artifact.locator}"
            text = _read_text(audit, "github-readme", artifact.locator, name)
        else:
            continue
        if text is not None and all(t.observation != text.observation for t in texts):
            texts.append(text)
    return texts


def _disclosed_in(texts: Sequence[_Text], facet: str) -> tuple[str, str, tuple[Evidence, ...]]:
    """The level the texts' prose shows for a facet, the passage that shows it, and evidence."""
    sentences: list[tuple[str, Evidence]] = []
    for text in texts:
        for shown in discovery.data_disclosures(text.text):
            if shown.facet != facet:
                continue
            evidence = seen(text.observation, "text", shown.line)
            quote = f"{text.name} ({shown.section or 'its opening'}): “{_short(shown.line)}”"
            if shown.kind in _STRUCTURED:
                return "disclosed", quote, (evidence,)
            sentences.append((quote, evidence))
    if not sentences:
        return "not-disclosed", "", ()
    level = "disclosed" if len(sentences) >= discovery.SENTENCES_KEPT else "partial"
    kept = sentences[: discovery.SENTENCES_KEPT]
    return level, "; ".join(q for q, _ in kept), tuple(e for _, e in kept)


def _short(value: Any) -> Any:
    if isinstance(value, str) and len(value) > _VALUE_LIMIT:
        return value[:_VALUE_LIMIT] + "…"
    return value


def _named_datasets(audit: AuditInput) -> list[_Named]:
    """Every training dataset declared or discovered, its base models' included."""
    named: dict[str, _Named] = {}
    for artifact in audit.artifacts:
        if artifact.origin == "base" or "training-datasets" not in serves(artifact):
            continue
        evidence = origin_evidence(artifact)
        if artifact.locator in named:
            known = named[artifact.locator]
            named[artifact.locator] = replace(known, evidence=(*known.evidence, *evidence))
            continue
        named[artifact.locator] = _Named(
            artifact.locator, artifact.source, artifact.origin == "record", evidence
        )
    return list(named.values())


def _undisclosed_bases(audit: AuditInput) -> list[_Level]:
    """A base model whose card names no training data leaves that part of the data undescribed."""
    depths = {a.depth for a in audit.artifacts if a.source == "hf-dataset" and a.depth > 0}
    return [
        _Level(
            "not-disclosed",
            f"its base model {base.locator} names no training data",
            base.found,
        )
        for base in base_models(audit)
        if base.depth not in depths and readable(audit.observation("hf-model", base.locator))
    ]


def _documents(audit: AuditInput) -> list[tuple[str, DeclaredArtifact]]:
    found: dict[str, tuple[str, DeclaredArtifact]] = {}
    # A paper found to be the datasheet of a named dataset documents the data too.
    datasheets = [a for a in audit.artifacts if a.role == "data" and a.depth == 0]
    for artifact in datasheets:
        found.setdefault(artifact.locator, ("data-card", artifact))
    for component in DOCUMENT_COMPONENTS:
        for artifact in declared_for(audit, component):
            # A Hub dataset's card is read for its keys, not trusted as a document.
            if artifact.source != "hf-dataset":
                found.setdefault(artifact.locator, (component, artifact))
    # The model's own paper or report, found and read on arXiv, documents the data it trained
    # on as a record's declared paper does (it counts only where the data is named at all).
    for artifact in audit.artifacts:
        if artifact.origin != "discovered" or artifact.depth or artifact.role not in OWN_PAPERS:
            continue
        if readable(audit.observation("arxiv", artifact.locator)):
            found.setdefault(artifact.locator, (OWN_PAPERS[artifact.role], artifact))
    return list(found.values())


def _no_card(facet: str, dataset: str) -> _Level:
    if facet == "data-provenance":
        return _Level("partial", f"{dataset} is only named")
    return _Level("not-disclosed", f"{dataset} has no dataset card we could read")


def _dataset_level(audit: AuditInput, facet: str, named: _Named) -> _Level:
    if named.source != "hf-dataset":
        return _no_card(facet, named.id)
    observation = audit.observation("hf-dataset", named.id)
    if observation is None and not named.declared:
        return _no_card(facet, named.id)
    problem = fetch_problem(observation, named.id)
    if problem is not None:
        if problem.status != "unknown":
            return _no_card(facet, named.id)
        return _Level("unknown", f"{named.id} could not be read ({problem.reason.rstrip('.')})")
    assert observation is not None and observation.payload is not None
    payload = observation.payload
    card = payload.get("cardData") or {}
    level, keys = _JUDGES[facet](card, payload)
    if level != "disclosed":
        text = _dataset_text(audit, str(payload.get("id") or named.id))
        by_text, quote, shown = _disclosed_in([text] if text else [], facet)
        if _RANK[by_text] > _RANK[level]:
            return _Level(by_text, f"{quote}", shown)
    evidence = tuple(
        seen(
            observation,
            k if k == "description" else f"cardData.{k}",
            _short(payload.get(k) if k == "description" else card.get(k)),
        )
        for k in keys
    )
    if keys:
        detail = f"{named.id} shows {', '.join(keys)}"
    elif level == "partial":
        detail = f"{named.id} is only named; its card shows none of {', '.join(_KEYS[facet])}"
    else:
        detail = f"the card of {named.id} shows none of {', '.join(_KEYS[facet])}"
    return _Level(level, detail, evidence)


_RANK: Mapping[str, int] = MappingProxyType({"not-disclosed": 0, "partial": 1, "disclosed": 2})


def _combine(levels: Sequence[_Level]) -> str:
    known = [lv.level for lv in levels if lv.level != "unknown"]
    if not known:
        return "unknown"
    if all(level == "disclosed" for level in known):
        # Datasets we could not read might still fall short.
        return "disclosed" if len(known) == len(levels) else "unknown"
    if all(level == "not-disclosed" for level in known):
        return "not-disclosed"
    return "partial"


def _model_card_evidence(audit: AuditInput) -> tuple[Evidence, ...]:
    evidence = []
    for artifact in audit.artifacts:
        observation = audit.observation(artifact.source, artifact.locator)
        if artifact.source == "hf-model" and fetch_problem(observation, artifact.locator) is None:
            assert observation is not None and observation.payload is not None
            datasets = (observation.payload.get("cardData") or {}).get("datasets")
            evidence.append(seen(observation, "cardData.datasets", datasets))
    return tuple(evidence)


def _nothing_named(
    audit: AuditInput, documents: Sequence[tuple[str, DeclaredArtifact]]
) -> tuple[Finding, ...]:
    for artifact in audit.artifacts:
        if artifact.source != "hf-model":
            continue
        problem = fetch_problem(
            audit.observation(artifact.source, artifact.locator), artifact.locator
        )
        if problem is not None and problem.status == "unknown":
            reason = (
                f"The model card of {artifact.locator} could not be read, so the training data it "
                f"may name is unknown: {problem.reason}"
            )
            return tuple(
                Finding(facet, "unknown", reason, evidence=problem.evidence)
                for facet in DATA_FACETS
            )
    reason = "No training data is named: neither the model card nor the record names a dataset"
    reason += " or a data card"
    if documents:
        listed = ", ".join(a.locator for _, a in documents)
        reason += f", and the paper or report ({listed}) is not taken as naming it"
    evidence = _model_card_evidence(audit) + tuple(
        e for _, a in documents for e in origin_evidence(a)
    )
    return tuple(
        Finding(facet, "not-disclosed", reason + ".", evidence=evidence) for facet in DATA_FACETS
    )


def _facet(
    audit: AuditInput,
    facet: str,
    named: Sequence[_Named],
    documents: Sequence[tuple[str, DeclaredArtifact]],
) -> Finding:
    levels = [_dataset_level(audit, facet, n) for n in named] + _undisclosed_bases(audit)
    status = _combine(levels) if levels else "not-disclosed"
    named_evidence = tuple(e for n in named for e in n.evidence)
    # A document describes the project's own data; it cannot speak for an undisclosed base.
    if status != "disclosed" and documents and not _undisclosed_bases(audit):
        component, document = documents[0]
        kind = BY_ID[component].label.lower()
        names = f" ({', '.join(n.id for n in named)})" if named else ""
        return Finding(
            facet,
            "disclosed",
            f"The {kind} {document.locator} documents the training data{names}; OSAID asks for "
            "this information, not for the datasets themselves to be open.",
            evidence=(*(e for _, a in documents for e in origin_evidence(a)), *named_evidence),
        )
    what = _WHAT[facet]
    if status != "disclosed" and not _undisclosed_bases(audit):
        level, quote, shown = _disclosed_in(_project_texts(audit), facet)
        if level == "disclosed":
            return Finding(
                facet,
                "disclosed",
                f"The project's own text discloses {what}: {quote}; OSAID asks for this "
                "information, not for the datasets themselves to be open.",
                evidence=(*shown, *named_evidence),
            )
        if level == "partial" and status in ("not-disclosed", "unknown"):
            levels = [*levels, _Level("partial", quote, shown)]
            status = "partial" if status == "not-disclosed" else status
    details = "; ".join(lv.detail for lv in levels)
    reasons = {
        "disclosed": f"Dataset cards disclose {what}: {details}; the datasets themselves need "
        "not be open for OSAID.",
        "partial": f"Dataset cards disclose {what} only in part: {details}.",
        "not-disclosed": f"Nothing discloses {what}: {details}.",
        "unknown": f"Whether dataset cards disclose {what} is unknown: {details}.",
    }
    return Finding(
        facet,
        status,
        reasons[status],
        evidence=(*named_evidence, *(e for lv in levels for e in lv.evidence)),
    )


def facet_findings(audit: AuditInput) -> tuple[Finding, ...]:
    """One finding per DATA_FACETS facet: disclosed, partial, not-disclosed or unknown."""
    named = _named_datasets(audit)
    documents = _documents(audit)
    data_sheets = [a for component, a in documents if component == "data-card"]
    if not named and not data_sheets:
        return _nothing_named(audit, documents)
    return tuple(_facet(audit, facet, named, documents) for facet in DATA_FACETS)
