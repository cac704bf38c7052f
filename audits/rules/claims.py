"""Lineage and claims: which base models a project derives from, and whether it calls itself open.

Pure Python: no Django.
"""

from __future__ import annotations

from dataclasses import replace

from audits.rules import discovery
from audits.rules.components import base_models, looked_in
from audits.rules.discovered import CARD_PATH, card_text, file_locator
from audits.rules.evidence import readable, seen
from audits.rules.types import AuditInput, Evidence, Finding
from registry.components import page_url

# How many claims a finding quotes; one is enough to show it, a few show it is not a slip.
CLAIMS_QUOTED = 3
CLAIMS = ("open source", "fully open")
_RELATIONS = {
    "finetune": "fine-tuned from",
    "quantized": "a quantized copy of",
    "adapter": "an adapter on",
    "merge": "a merge including",
}


def _relation(audit: AuditInput, base: str) -> str:
    for artifact in audit.artifacts:
        observation = audit.observation(artifact.source, artifact.locator)
        if artifact.source != "hf-model" or not readable(observation):
            continue
        assert observation is not None and observation.payload is not None
        tags = [t for t in observation.payload.get("tags") or () if isinstance(t, str)]
        for relation, words in _RELATIONS.items():
            if f"base_model:{relation}:{base}" in tags:
                return words
    return "derived from"


def lineage_finding(audit: AuditInput) -> Finding:
    """The chain of base models, nearest first: "derived", or "original" when none is named."""
    bases = base_models(audit)
    if not bases:
        looked = tuple(
            seen(observation, "cardData.base_model", None)
            for a in audit.artifacts
            if a.source == "hf-model"
            and a.origin == "record"
            and readable(observation := audit.observation(a.source, a.locator))  # type: ignore[arg-type]
        )
        return Finding(
            component="lineage",
            status="original",
            reason="The model card names no base model (cardData.base_model), so it is judged "
            "as an original model.",
            evidence=looked,
        )
    chain = [b.locator for b in bases]
    first = bases[0]
    reason = f"It is {_relation(audit, first.locator)} {first.locator}"
    if len(chain) > 1:
        reason += ", which derives from " + ", then ".join(chain[1:])
    reason += (
        "; its weights are never more open than that license allows, and its training data "
        "includes the base model's."
    )
    evidence = tuple(e for b in bases for e in b.found)
    return Finding(
        component="lineage",
        status="derived",
        reason=reason,
        evidence=(
            *evidence,
            Evidence("lineage", chain[0], "chain", chain, f"https://huggingface.co/{chain[0]}"),
        ),
    )


def _claim_texts(audit: AuditInput) -> list[tuple[str, str, Evidence]]:
    """(where, text, evidence template) for the project's own words: cards, READMEs, summary."""
    texts: list[tuple[str, str, Evidence]] = []
    for artifact in audit.artifacts:
        if artifact.depth > 0 or artifact.origin == "base":
            continue
        if artifact.source == "hf-model":
            observation = audit.observation(
                "hf-file", file_locator("model", artifact.locator, CARD_PATH)
            )
            text = card_text(audit, "model", artifact.locator)
        elif artifact.source == "github":
            observation = audit.observation("github-readme", artifact.locator)
            text = (
                str((observation.payload or {}).get("text") or "") if readable(observation) else ""
            )
        else:
            continue
        if text and observation is not None:
            texts.append((artifact.locator, text, seen(observation, "text", "")))
    records = [a for a in audit.artifacts if a.origin == "record"]
    if audit.summary and records:
        where = page_url(records[0].source, records[0].locator)
        texts.append(
            ("summary", audit.summary, Evidence("record", "summary", "summary", "", where))
        )
    return texts


def claims_finding(audit: AuditInput) -> Finding:
    """Whether the project's card, READMEs or summary call it open source ("claimed")."""
    quoted: list[Evidence] = []
    where: list[str] = []
    for name, text, template in _claim_texts(audit):
        for mention in discovery.open_source_claims(text):
            # "Open model" is the MOF's own name for Class III, not a claim to be open source.
            if mention.value not in CLAIMS:
                continue
            evidence = replace(template, value=mention.line)
            quoted.append(evidence)
            where.append(name)
    if not quoted:
        return Finding(
            component="open-source-claim",
            status="none",
            reason="Neither the model card, the repositories' READMEs nor the summary call the "
            "model open source.",
            evidence=looked_in(audit),
        )
    places = ", ".join(dict.fromkeys(where))
    return Finding(
        component="open-source-claim",
        status="claimed",
        reason=f"It is called open source ({places}): “{quoted[0].value}”",
        evidence=tuple(quoted[:CLAIMS_QUOTED]),
    )
