"""Component rules: one finding for each of the 17 MOF components, from what the sources show."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Any

from audits.rules import discovery
from audits.rules.discovered import (
    CARD_PATH,
    arxiv_id_of,
    card_text,
    file_locator,
    license_file,
    training_data_section,
)
from audits.rules.evidence import (
    NOT_FOUND_LIMIT,
    RANK,
    STATUS_ORDER,
    Part,
    combine,
    fetch_problem,
    origin_evidence,
    readable,
    record_evidence,
    seen,
    serves,
)
from audits.rules.frameworks import required_by
from audits.rules.types import (
    AuditInput,
    DeclaredArtifact,
    Evidence,
    Finding,
    Observation,
)

__all__ = [
    "COMPONENT_RULES",
    "NOT_FOUND_LIMIT",
    "RANK",
    "STATUS_ORDER",
    "ComponentRule",
    "access_finding",
    "combine",
    "component_findings",
    "fetch_problem",
    "readable",
    "record_evidence",
    "seen",
    "serves",
]
from audits.rules.license_reading import (
    ARXIV_DEFAULT,
    GATES,
    ResolvedLicense,
    arxiv_license,
    github_license,
    hub_license,
    license_status,
    resolve_license,
)
from registry.components import BY_ID, COMPONENTS, ContentType
from registry.licenses import classify, normalise

_WEIGHT_FILE = re.compile(
    r"\.(safetensors|bin|pt|pth|ckpt|gguf|h5|msgpack|onnx|npz)$", re.IGNORECASE
)
# Training-step branches as producers name them: Pythia's step143000, OLMo's step1000-tokens4B,
# OLMo 2's stage1-step140000-tokens1174B, LLM360's ckpt_100, Megatron's iter_0001000.
_CHECKPOINT_BRANCH = re.compile(
    r"(?:^|[-_])(?:global[-_]?step|step|checkpoint|ckpt|iter)[-_]?\d+(?:$|[-_])", re.IGNORECASE
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


def _gate_phrase(gate: Any) -> str:
    return f" {GATES[gate]}" if gate in GATES else ""


# --- Reading each kind of source --------------------------------------------------------------


@dataclass(frozen=True)
class _ModelView:
    """One readable Hub model, with its license resolved once for all its components."""

    observation: Observation
    payload: Mapping[str, Any]
    license: ResolvedLicense
    gate: Any
    siblings: list[str]
    card: Observation | None  # the README as fetched, when it was
    body: str  # the card's text below its front matter

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


def _file(audit: AuditInput, repo_type: str, repo_id: str, path: str | None) -> Observation | None:
    if path is None:
        return None
    return audit.observation("hf-file", file_locator(repo_type, repo_id, path))


def model_view(
    audit: AuditInput, observation: Observation, artifact: DeclaredArtifact | None
) -> _ModelView:
    """A readable Hub model with its card and its license read once."""
    payload = observation.payload or {}
    locator = observation.locator
    # A renamed repo answers under its new id; its files are fetched under that id.
    repo_id = str(payload.get("id") or locator)
    card = _file(audit, "model", repo_id, CARD_PATH)
    shown = hub_license(
        payload, license_file=_file(audit, "model", repo_id, license_file(payload)), card=card
    )
    return _ModelView(
        observation=observation,
        payload=payload,
        license=resolve_license(shown, observation, artifact),
        gate=payload.get("gated", False),
        siblings=[s.get("rfilename", "") for s in payload.get("siblings") or ()],
        card=card,
        body=discovery.split_card(card_text(audit, "model", repo_id))[1],
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
    steps = [b for b in branches if _CHECKPOINT_BRANCH.search(b)]
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
    if index:
        return [
            model.licensed(
                f"{model.locator} reports evaluation results in its model-index",
                "documentation",
                (seen(model.observation, "model-index", [m.get("name") for m in index]),),
            )
        ]
    front = dict(model.payload.get("cardData") or {})
    tables = discovery.evaluation_results(front, model.body) if model.card else []
    if not tables:
        return []
    assert model.card is not None
    first = tables[0]
    where = f" ({first.section})" if first.section else ""
    return [
        model.licensed(
            f"{model.locator}'s model card reports evaluation results{where}",
            "documentation",
            tuple(seen(model.card, "text", m.value) for m in tables[:3]),
        )
    ]


def _model_data_card(model: _ModelView) -> list[Part]:
    """A model card whose training-data section describes the data serves as its data card."""
    section = training_data_section(model.body) if model.card else None
    if section is None:
        return []
    assert model.card is not None
    return [
        model.licensed(
            f"{model.locator}'s model card describes its training data ({section.section})",
            "documentation",
            (seen(model.card, "text", section.line),),
        )
    ]


def _model_usage(model: _ModelView) -> list[Part]:
    """A card's usage example that loads and runs the model is inference code under its license."""
    usage = discovery.usage_code(model.body) if model.card else None
    if usage is None:
        return []
    assert model.card is not None
    where = f" ({usage.section})" if usage.section else ""
    return [
        model.licensed(
            f"{model.locator}'s model card publishes a usage script{where}",
            "code",
            (seen(model.card, "text", usage.value),),
        )
    ]


# Components a Hub model shows by itself; anything else it is declared for takes its license.
_MODEL_SHOWS: Mapping[str, Callable[[_ModelView], list[Part]]] = MappingProxyType(
    {
        "final-weights": _model_weights,
        "intermediate-checkpoints": _model_checkpoints,
        "model-card": _model_card,
        "model-metadata": _model_metadata,
        "evaluation-results": _model_evaluation,
        "data-card": _model_data_card,
        "inference-code": _model_usage,
    }
)
# What a Hub model can show for components nobody declared it for.
_MODEL_ALSO_SHOWS = ("intermediate-checkpoints", "evaluation-results", "data-card")


def _hf_model_parts(
    audit: AuditInput, component: str, observation: Observation, artifact: DeclaredArtifact | None
) -> list[Part]:
    """What a Hub model shows for a component; empty when it shows nothing for it."""
    if (hidden := _hidden(observation, observation.locator)) is not None:
        return [hidden]
    model = model_view(audit, observation, artifact)
    if (
        component == "intermediate-checkpoints"
        and artifact is None
        and "branches" not in model.payload
    ):
        # Only a record that promises checkpoints makes unread branches a question.
        return []
    if (shows := _MODEL_SHOWS.get(component)) is not None:
        return shows(model)
    return [
        model.licensed(
            f"{model.locator} on the Hugging Face Hub", BY_ID[component].content_type, ()
        )
    ]


def _hf_dataset_parts(
    audit: AuditInput, component: str, observation: Observation, artifact: DeclaredArtifact | None
) -> list[Part]:
    """What a Hub dataset shows for a component: its data license, or its card."""
    locator = observation.locator
    if (hidden := _hidden(observation, locator)) is not None:
        return [hidden]
    payload = observation.payload or {}
    repo_id = str(payload.get("id") or locator)
    card = _file(audit, "dataset", repo_id, CARD_PATH)
    shown = hub_license(
        payload, license_file=_file(audit, "dataset", repo_id, license_file(payload)), card=card
    )
    resolved = resolve_license(shown, observation, artifact)
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
    audit: AuditInput, component: str, observation: Observation, artifact: DeclaredArtifact | None
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
    shown = github_license(payload, license_file=audit.observation("github-license", locator))
    resolved = resolve_license(shown, observation, artifact)
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


def _arxiv_parts(
    audit: AuditInput, component: str, observation: Observation, artifact: DeclaredArtifact | None
) -> list[Part]:
    """An arXiv paper: its license as arXiv's record states it, judged for documentation."""
    payload = observation.payload or {}
    paper = f"arXiv:{observation.locator}"
    title = str(payload.get("title") or "").strip()
    named = f"{paper} ({title[:120]})" if title else paper
    url = payload.get("license")
    evidence = (seen(observation, "license", url),)
    canonical = arxiv_license(url)
    if canonical is None and (not url or url.rstrip("/") == ARXIV_DEFAULT.rstrip("/")):
        return [
            Part(
                paper,
                "unlicensed",
                f"{named} is public under arXiv's default non-exclusive license, which lets "
                "arXiv distribute it and grants readers no reuse rights.",
                evidence=evidence,
            )
        ]
    if canonical is None:
        return [
            Part(
                paper,
                "unknown",
                f"{named} carries a license arXiv names by {url}, which we do not recognise.",
                evidence=evidence,
            )
        ]
    judged = classify(canonical, BY_ID[component].content_type)
    return [Part(paper, judged.status, f"{named}: {judged.reason}", canonical, evidence=evidence)]


def _url_part(audit: AuditInput, artifact: DeclaredArtifact, component: str) -> Part | None:
    """A web page is never fetched: the record's word and its declared license are the evidence.

    An arXiv URL is the exception: arXiv's own record of the paper is asked instead.
    """
    if (paper := arxiv_id_of(artifact.locator)) is not None:
        observation = audit.observation("arxiv", paper)
        problem = fetch_problem(observation, f"arXiv:{paper}")
        if problem is not None and artifact.license:
            # arXiv could not be asked yet: the record's word stands in until it can.
            declared = _declared_url_part(artifact, component)
            return replace(
                declared,
                reason=f"{declared.reason} (arXiv's record was not read: "
                f"{problem.reason.rstrip('.')})",
            )
        if problem is not None:
            return problem
        assert observation is not None
        return _arxiv_parts(audit, component, observation, artifact)[0]
    return _declared_url_part(artifact, component)


def _declared_url_part(artifact: DeclaredArtifact, component: str) -> Part:
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


_READERS: Mapping[
    str, Callable[[AuditInput, str, Observation, DeclaredArtifact | None], list[Part]]
] = MappingProxyType(
    {
        "hf-model": _hf_model_parts,
        "hf-dataset": _hf_dataset_parts,
        "github": _github_parts,
        "arxiv": _arxiv_parts,
    }
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
        "evaluation-results": "{locator} reports no evaluation results (no model-index, no "
        "results table in its card).",
        "data-card": "{locator} has no dataset card.",
    }
)


def artifact_parts(audit: AuditInput, artifact: DeclaredArtifact, component: str) -> list[Part]:
    """What one artifact shows for one component, with why the audit looked at it.

    A declared artifact that shows nothing for what it is declared to serve is `not-found`
    there; a discovered one that shows nothing simply does not serve it.
    """
    declared = artifact.origin == "record"
    why = origin_evidence(artifact)
    if artifact.source == "url":
        part = _url_part(audit, artifact, component)
        return [] if part is None else [replace(part, evidence=(*part.evidence, *why))]
    observation = audit.observation(artifact.source, artifact.locator)
    problem = fetch_problem(observation, artifact.locator)
    if problem is not None:
        return [replace(problem, evidence=(*problem.evidence, *why))]
    assert observation is not None
    reader = _READERS.get(artifact.source)
    if reader is None:
        return [
            Part(
                artifact.locator,
                "unknown",
                f"Sources of type {artifact.source} cannot be read yet.",
                evidence=why,
            )
        ]
    parts = reader(audit, component, observation, artifact if declared else None)
    if not parts:
        if not declared:
            return []
        template = _SHOWS_NONE.get(component, "{locator} shows nothing for it.")
        parts = [Part(artifact.locator, "not-found", template.format(locator=artifact.locator))]
    # How discovery found it comes first; the record's word, as always, last.
    if declared:
        return [replace(p, evidence=(*p.evidence, *why)) for p in parts]
    return [replace(p, evidence=(*why, *p.evidence)) for p in parts]


def own_artifacts(audit: AuditInput, component: str) -> list[DeclaredArtifact]:
    """The project's own artifacts (declared or discovered, not a base model's) serving it."""
    return [
        a for a in audit.artifacts if a.depth == 0 and a.origin != "base" and component in serves(a)
    ]


def declared_for(audit: AuditInput, component: str) -> list[DeclaredArtifact]:
    """The declared artifacts that serve a component."""
    return [a for a in audit.artifacts if a.origin == "record" and component in serves(a)]


def _parts(audit: AuditInput, component: str) -> list[Part]:
    return [p for a in own_artifacts(audit, component) for p in artifact_parts(audit, a, component)]


def card_derived_parts(audit: AuditInput, component: str) -> list[Part]:
    """What the project's Hub models show for a component nobody declared them for."""
    parts: list[Part] = []
    for artifact in audit.artifacts:
        if artifact.source != "hf-model" or artifact.origin == "base":
            continue
        if component in serves(artifact):
            continue
        observation = audit.observation(artifact.source, artifact.locator)
        problem = fetch_problem(observation, artifact.locator)
        if problem is not None:
            # A model that is gone leads nowhere; one we cannot read might lead anywhere.
            if problem.status == "unknown":
                parts.append(problem)
            continue
        assert observation is not None
        parts.extend(_hf_model_parts(audit, component, observation, None))
    return parts


def base_models(audit: AuditInput) -> list[DeclaredArtifact]:
    """The base models discovery followed, nearest first."""
    return sorted((a for a in audit.artifacts if a.origin == "base"), key=lambda a: a.depth)


def _lineage_parts(audit: AuditInput, component: str) -> list[Part]:
    """A derivative is never more open than its base models' licenses allow."""
    parts: list[Part] = []
    for base in base_models(audit):
        observation = audit.observation("hf-model", base.locator)
        problem = fetch_problem(observation, base.locator)
        if problem is not None:
            parts.append(
                replace(
                    problem,
                    reason=f"The base model {base.locator} could not be read: {problem.reason}",
                    evidence=(*problem.evidence, *base.found),
                )
            )
            continue
        assert observation is not None
        model = model_view(audit, observation, None)
        status, clause = license_status(model.license, BY_ID[component].content_type)
        if status == "open":
            continue
        parts.append(
            Part(
                base.locator,
                status,
                f"It derives from {base.locator}, and a derivative is never more open than its "
                f"base: {clause}.",
                model.license.id,
                (*base.found, *model.license.evidence),
            )
        )
    return parts


def looked_in(audit: AuditInput) -> tuple[Evidence, ...]:
    """Where the audit looked, for a `not-found` finding: cards, repositories and papers read."""
    places: list[Evidence] = []
    for artifact in audit.artifacts:
        if artifact.origin == "base":
            continue
        pairs: list[tuple[str, str]] = []
        if artifact.source == "hf-model":
            pairs += [
                ("hf-model", artifact.locator),
                ("hf-file", file_locator("model", artifact.locator, CARD_PATH)),
            ]
        elif artifact.source == "github":
            pairs += [
                ("github", artifact.locator),
                ("github-tree", artifact.locator),
                ("github-readme", artifact.locator),
            ]
        elif artifact.source == "hf-dataset":
            pairs.append(("hf-dataset", artifact.locator))
        elif artifact.source == "arxiv":
            pairs.append(("arxiv", artifact.locator))
        for pair in pairs:
            observation = audit.observation(*pair)
            if observation is not None and observation.state == "ok":
                places.append(seen(observation, "looked", "read"))
    return tuple(places)


def _places(audit: AuditInput) -> str:
    looked = looked_in(audit)
    if not looked:
        return "nothing could be read"
    names = list(dict.fromkeys(_place_name(e) for e in looked))
    return ", ".join(names[:8]) + (f" and {len(names) - 8} more" if len(names) > 8 else "")


_PLACES: Mapping[str, str] = MappingProxyType(
    {
        "hf-model": "the Hub metadata of {}",
        "hf-dataset": "the dataset {}",
        "github": "the GitHub repository {}",
        "github-tree": "the files of {}",
        "github-readme": "the README of {}",
        "arxiv": "arXiv:{}",
    }
)


def _place_name(evidence: Evidence) -> str:
    if evidence.source == "hf-file":
        return f"the model card of {evidence.locator.partition('/')[2].rpartition(':')[0]}"
    return _PLACES.get(evidence.source, "{}").format(evidence.locator)


def _not_found(audit: AuditInput, what: str) -> tuple[str, tuple[Evidence, ...]]:
    return f"{what}: the audit looked in {_places(audit)}.", looked_in(audit)


# --- The rules, one a component ---------------------------------------------------------------


def _rule(
    audit: AuditInput, component: str, parts: list[Part], missing: str, *, best: bool = False
) -> Finding:
    reason, looked = _not_found(audit, missing)
    return combine(component, parts, reason, best=best, looked=looked)


def _code(component: str) -> Callable[[AuditInput], Finding]:
    def rule(audit: AuditInput) -> Finding:
        label = BY_ID[component].label.lower()
        return _rule(
            audit, component, _parts(audit, component), f"No published code serves the {label}"
        )

    rule.__name__ = component.replace("-", "_")
    rule.__doc__ = f"{BY_ID[component].label}: the licenses of the code that serves it."
    return rule


model_architecture = _code("model-architecture")
training_code = _code("training-code")


def inference_code(audit: AuditInput) -> Finding:
    """Inference code: the code that serves it, else the model card's own usage script."""
    parts = _parts(audit, "inference-code") or card_derived_parts(audit, "inference-code")
    return _rule(audit, "inference-code", parts, "No published code serves the inference code")


evaluation_code = _code("evaluation-code")
data_preprocessing_code = _code("data-preprocessing-code")


def supporting_libraries(audit: AuditInput) -> Finding:
    """Supporting libraries: judged only when declared or found."""
    return _rule(
        audit,
        "supporting-libraries",
        _parts(audit, "supporting-libraries"),
        "No supporting libraries or tools were found; OSAID counts them only where applicable",
    )


def _base_data_parts(audit: AuditInput) -> list[Part]:
    """A base model that names no training data leaves the derivative's data incomplete."""
    named = {a.depth for a in audit.artifacts if a.source == "hf-dataset" and a.depth > 0}
    parts = []
    for base in base_models(audit):
        if base.depth not in named and readable(audit.observation("hf-model", base.locator)):
            parts.append(
                Part(
                    base.locator,
                    "not-found",
                    f"It derives from {base.locator}, whose card names no training data.",
                    evidence=base.found,
                )
            )
    return parts


def training_datasets(audit: AuditInput) -> Finding:
    """Training datasets: every dataset named or declared, its base models' included."""
    datasets = [
        a for a in audit.artifacts if a.origin != "base" and "training-datasets" in serves(a)
    ]
    parts = [p for a in datasets for p in artifact_parts(audit, a, "training-datasets")]
    parts += _base_data_parts(audit) if parts else []
    return _rule(
        audit,
        "training-datasets",
        parts,
        "The training data is not disclosed: no dataset is declared, named on the model card "
        "or linked",
    )


def evaluation_data(audit: AuditInput) -> Finding:
    """Evaluation data: datasets the model-index results name, or declared ones."""
    return _rule(
        audit, "evaluation-data", _parts(audit, "evaluation-data"), "No evaluation data was found"
    )


def final_weights(audit: AuditInput) -> Finding:
    """Final weights: weight files, their license and gate, capped by the base model's license."""
    parts = _parts(audit, "final-weights")
    if parts:
        parts += _lineage_parts(audit, "final-weights")
    return _rule(audit, "final-weights", parts, "No weights were found")


def intermediate_checkpoints(audit: AuditInput) -> Finding:
    """Intermediate checkpoints: training-step branches of the model repo, or declared ones."""
    return _rule(
        audit,
        "intermediate-checkpoints",
        [
            *_parts(audit, "intermediate-checkpoints"),
            *card_derived_parts(audit, "intermediate-checkpoints"),
        ],
        "No intermediate checkpoints were found",
    )


def model_card(audit: AuditInput) -> Finding:
    """Model card: the repo's README, under the model's license read for documentation."""
    return _rule(
        audit, "model-card", _parts(audit, "model-card"), "No model card was found", best=True
    )


def data_card(audit: AuditInput) -> Finding:
    """Data card: dataset cards, data sheets, or a model card's training-data section."""
    # Every training dataset on the Hub has a card, whatever its record says it serves.
    cards = [
        replace(a, origin="discovered", serves=("data-card",), found=origin_evidence(a))
        for a in own_artifacts(audit, "training-datasets")
        if a.source == "hf-dataset" and "data-card" not in serves(a)
    ]
    return _rule(
        audit,
        "data-card",
        [
            *_parts(audit, "data-card"),
            *(p for a in cards for p in artifact_parts(audit, a, "data-card")),
            *card_derived_parts(audit, "data-card"),
        ],
        "No data card was found: no dataset card, data sheet or training-data section",
        best=True,
    )


def technical_report(audit: AuditInput) -> Finding:
    """Technical report: the model's own report, its license read from the source."""
    return _rule(
        audit,
        "technical-report",
        _parts(audit, "technical-report"),
        "No technical report was found",
        best=True,
    )


def research_paper(audit: AuditInput) -> Finding:
    """Research paper: the model's own paper (not those its card merely cites)."""
    return _rule(
        audit,
        "research-paper",
        _parts(audit, "research-paper"),
        "No research paper of the model's own was found (papers it only cites do not count)",
        best=True,
    )


def evaluation_results(audit: AuditInput) -> Finding:
    """Evaluation results: the card's model-index or results tables, or a declared source."""
    return _rule(
        audit,
        "evaluation-results",
        [*_parts(audit, "evaluation-results"), *card_derived_parts(audit, "evaluation-results")],
        "No evaluation results were found: no model-index and no results table in the card",
        best=True,
    )


def sample_outputs(audit: AuditInput) -> Finding:
    """Sample outputs: the declared ones' licenses."""
    return _rule(
        audit,
        "sample-outputs",
        _parts(audit, "sample-outputs"),
        "No sample outputs were found",
        best=True,
    )


def model_metadata(audit: AuditInput) -> Finding:
    """Model metadata: the card's metadata and config, under the model's documentation license."""
    return _rule(
        audit,
        "model-metadata",
        _parts(audit, "model-metadata"),
        "No model metadata was found",
        best=True,
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
        elif gate in GATES:
            parts.append(
                Part(
                    artifact.locator,
                    gate,
                    f"{artifact.locator} is {GATES[gate]} (gated: {gate}).",
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
