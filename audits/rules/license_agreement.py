"""License agreement: whether what each of a project's own artifacts says about its license agrees.

A Hub repo states its license in the card's metadata, in its LICENSE file and in the card's
License section; a GitHub repository in the license GitHub detects and in its README. Where two
statements about the same artifact name different licenses, the project contradicts itself, and
a reader cannot tell which terms apply. Statements about different artifacts are never compared:
training code under MIT beside weights under a community license is normal, not a contradiction.

Pure Python: no Django.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations

from audits.rules.discovered import CARD_PATH, file_locator, license_file
from audits.rules.evidence import readable, seen
from audits.rules.license_reading import github_license, license_section
from audits.rules.types import AuditInput, DeclaredArtifact, Evidence, Finding, Observation
from registry.licenses import TextMatch, UnknownLicense, facts, from_hub, match_text

__all__ = [
    "COMPONENT",
    "FAMILIES",
    "READERS",
    "Statement",
    "license_agreement_finding",
    "own_artifacts",
    "statements",
]

COMPONENT = "license-agreement"
# The match is quoted as evidence, cut as license_reading cuts it.
QUOTE_LIMIT = 200

# A Hub id that names a family rather than one text: any member's text agrees with it. The
# Hub docs list `openrail` as "OpenRAIL license family"; its members are the RAIL licenses.
FAMILIES: Mapping[str, frozenset[str]] = {
    "openrail": frozenset(
        {
            "LicenseRef-scancode-bigscience-open-rail-m",
            "LicenseRef-scancode-bigscience-open-rail-m2",
            "LicenseRef-scancode-bigscience-rail-1.0",
            "LicenseRef-scancode-bigcode-open-rail-m-v1",
            "LicenseRef-scancode-stable-diffusion-2022-08-22",
        }
    ),
}
_PARAGRAPH = re.compile(r"\n\s*\n")


@dataclass(frozen=True)
class Statement:
    """One license statement one source makes about one artifact, canonicalised.

    `named` opens a sentence about the artifact ("{artifact}" is filled in); `again` refers back
    to the same source once the artifact has been named.
    """

    artifact: str
    named: str
    again: str
    ids: frozenset[str]  # every license the statement names
    said: str  # how the source says it: "says apache-2.0 (Apache License 2.0)"
    evidence: tuple[Evidence, ...]
    # What it accepts besides `ids`: a family's members, or every license a section names
    # (a section naming several licenses is about several things, code and weights).
    accepts: frozenset[str] = frozenset()

    def agrees_with(self, other: Statement) -> bool:
        """Whether the two can both be true: one's licenses are all among what the other names."""
        return self.ids <= (other.ids | other.accepts) or other.ids <= (self.ids | self.accepts)

    def opening(self) -> str:
        return self.named.format(artifact=self.artifact)


def _license_names(ids: Sequence[str]) -> str:
    names = []
    for license_id in ids:
        try:
            names.append(facts(license_id).name)
        except UnknownLicense:
            names.append(license_id)
    return " and ".join(dict.fromkeys(names))


def _ids(expression: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(part.strip() for part in expression.split(" AND ")))


def _text(observation: Observation | None) -> str:
    if not readable(observation):
        return ""
    assert observation is not None and observation.payload is not None
    return str(observation.payload.get("text") or "")


def _matches(text: str, *, sections: bool) -> tuple[TextMatch, ...]:
    """The licenses a text reads as: the whole text's match, and for a section each paragraph's."""
    parts = [text, *(_PARAGRAPH.split(text) if sections else ())]
    found: dict[str, TextMatch] = {}
    for part in parts:
        if (match := match_text(part)) is not None:
            found.setdefault(match.id, match)
    return tuple(found.values())


def _read_as(
    artifact: str,
    observation: Observation | None,
    text: str,
    *,
    named: str,
    again: str,
    sections: bool = False,
) -> Statement | None:
    """The statement a text makes by reading as known license texts, or None if it reads as none."""
    found = _matches(text, sections=sections) if text else ()
    if not found or observation is None:
        return None
    ids = frozenset(m.id for m in found)
    quoted = "; ".join(m.how for m in found)[:QUOTE_LIMIT]
    return Statement(
        artifact=artifact,
        named=named,
        again=again,
        ids=ids,
        said=f"reads as {_license_names([m.id for m in found])}",
        evidence=(seen(observation, "text", quoted),),
        accepts=ids if len(ids) > 1 else frozenset(),
    )


# --- What each kind of source says ---------------------------------------------------------------

Reader = Callable[[AuditInput, str, Observation], Statement | None]


def _repo_id(observation: Observation) -> str:
    # A renamed Hub repo answers under its new id; its files are fetched under that id.
    return str((observation.payload or {}).get("id") or observation.locator)


def _card_metadata(audit: AuditInput, artifact: str, model: Observation) -> Statement | None:
    """`cardData.license`, with `license_name` when the license is `other`."""
    card = (model.payload or {}).get("cardData")
    if not isinstance(card, Mapping):
        return None
    raw = card.get("license")
    values = [raw] if isinstance(raw, str) else raw
    if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
        return None
    name = card.get("license_name")
    name = name.strip() if isinstance(name, str) and name.strip() else None
    canonical = from_hub(raw, name)
    if canonical is None:
        return None
    shown = ", ".join(values)
    evidence = [seen(model, "cardData.license", raw)]
    if name and any(v.strip().lower() == "other" for v in values):
        shown = f"{shown}, named {name}"
        evidence.append(seen(model, "cardData.license_name", name))
    ids = _ids(canonical)
    family = frozenset().union(*(FAMILIES.get(v.strip().lower(), frozenset()) for v in values))
    return Statement(
        artifact=artifact,
        named="The model card of {artifact}",
        again="its model card",
        ids=frozenset(ids),
        said=f"says {shown} ({_license_names(ids)})",
        evidence=tuple(evidence),
        accepts=family,
    )


def _hub_license_file(audit: AuditInput, artifact: str, model: Observation) -> Statement | None:
    """The repo's LICENSE file (the one `license_link` points at, else the root one), matched."""
    path = license_file(model.payload or {})
    if path is None:
        return None
    observation = audit.observation("hf-file", file_locator("model", _repo_id(model), path))
    return _read_as(
        artifact,
        observation,
        _text(observation),
        named=f"The {path} file of {{artifact}}",
        again=f"its {path} file",
    )


def _card_section(audit: AuditInput, artifact: str, model: Observation) -> Statement | None:
    """The model card's License section (or its lines naming a license), matched."""
    observation = audit.observation("hf-file", file_locator("model", _repo_id(model), CARD_PATH))
    return _read_as(
        artifact,
        observation,
        license_section(_text(observation)),
        named="The License section of the model card of {artifact}",
        again="its model card's License section",
        sections=True,
    )


def _github_detected(audit: AuditInput, artifact: str, repo: Observation) -> Statement | None:
    """GitHub's `license.spdx_id`, or where GitHub could not tell (NOASSERTION), the file's text."""
    license_answer = audit.observation("github-license", repo.locator)
    shown = github_license(repo.payload or {}, license_file=license_answer)
    if shown.canonical is None:
        return None
    ids = _ids(shown.canonical)
    names = _license_names(ids)
    if shown.evidence:
        named, again, said = (
            "The license file of {artifact}",
            "its license file",
            f"reads as {names}",
        )
    else:
        named, again = "GitHub's license for {artifact}", "GitHub's license for it"
        said = f"is {shown.raw} ({names})"
    return Statement(
        artifact=artifact,
        named=named,
        again=again,
        ids=frozenset(ids),
        said=said,
        evidence=(seen(repo, shown.field, shown.raw), *shown.evidence),
    )


def _readme_section(audit: AuditInput, artifact: str, repo: Observation) -> Statement | None:
    """The README's License section (or its lines naming a license), matched."""
    observation = audit.observation("github-readme", repo.locator)
    return _read_as(
        artifact,
        observation,
        license_section(_text(observation)),
        named="The README of {artifact}",
        again="its README",
        sections=True,
    )


# Per source, the statements its artifacts make, in the order a reason names them.
READERS: Mapping[str, tuple[Reader, ...]] = {
    "hf-model": (_card_metadata, _hub_license_file, _card_section),
    "github": (_github_detected, _readme_section),
}


# --- Which artifacts are the project's own -------------------------------------------------------


def _namespace(locator: str) -> str:
    return locator.split("/", 1)[0].lower() if "/" in locator else ""


def own_artifacts(audit: AuditInput) -> list[tuple[DeclaredArtifact, Observation]]:
    """The project's own Hub models and GitHub repositories that answered, once each.

    Its own models are those that are not a base model; its own repositories those of the same
    organisation as a model's Hub namespace (all the record declares when it names no model).
    A repository of another organisation that a card links to speaks for that organisation.
    """
    models = [
        a for a in audit.artifacts if a.source == "hf-model" and a.origin != "base" and a.depth == 0
    ]
    namespaces = {_namespace(a.locator) for a in models} - {""}
    for artifact in models:
        observation = audit.observation(artifact.source, artifact.locator)
        if readable(observation):
            assert observation is not None
            namespaces.add(_namespace(_repo_id(observation)))
    repos = [
        a
        for a in audit.artifacts
        if a.source == "github"
        and a.origin != "base"
        and (_namespace(a.locator) in namespaces if models else a.origin == "record")
    ]
    own: dict[tuple[str, str], tuple[DeclaredArtifact, Observation]] = {}
    for artifact in (*models, *repos):
        observation = audit.observation(artifact.source, artifact.locator)
        if readable(observation) and (artifact.source, artifact.locator) not in own:
            assert observation is not None
            own[(artifact.source, artifact.locator)] = (artifact, observation)
    return list(own.values())


def statements(audit: AuditInput) -> list[list[Statement]]:
    """Per own artifact that states anything, the license statements it makes."""
    found = []
    for artifact, observation in own_artifacts(audit):
        said = [
            statement
            for read in READERS.get(artifact.source, ())
            if (statement := read(audit, artifact.locator, observation)) is not None
        ]
        if said:
            found.append(said)
    return found


# --- The finding ---------------------------------------------------------------------------------


def _contradiction(first: Statement, second: Statement) -> str:
    return f"{first.opening()} {first.said} but {second.again} {second.said}."


def _agreement(said: Sequence[Statement]) -> str:
    others = [s.again for s in said[1:]]
    sources = ", ".join(others[:-1]) + (" and " if len(others) > 1 else "") + others[-1]
    licenses = _license_names(sorted(set().union(*(s.ids for s in said))))
    return f"{said[0].opening()} and {sources} agree on {licenses}."


def _evidence(items: Sequence[Statement]) -> tuple[Evidence, ...]:
    # Evidence values may be lists (a card listing several licenses), so not hashable.
    unique: list[Evidence] = []
    for evidence in (e for s in items for e in s.evidence):
        if evidence not in unique:
            unique.append(evidence)
    return tuple(unique)


def _looked(audit: AuditInput) -> tuple[Evidence, ...]:
    return tuple(seen(o, "looked", "read") for _, o in own_artifacts(audit))


def license_agreement_finding(audit: AuditInput) -> Finding:
    """Whether the license statements about each own artifact agree: agree, disagree or unknown.

    Unmatched values (`other` without a name, NOASSERTION, a text that reads as no known
    license) state nothing and cannot disagree. With fewer than two readable statements on any
    one artifact there is nothing to compare, and the finding is `unknown`.
    """
    found = statements(audit)
    compared = [said for said in found if len(said) > 1]
    if not compared:
        single = [s for said in found for s in said]
        reason = (
            "Nothing to compare: no artifact of its own makes two license statements that can "
            "be read."
        )
        reason = " ".join([reason, *(f"{s.opening()} {s.said}." for s in single[:3])])
        return Finding(
            component=COMPONENT,
            status="unknown",
            reason=reason,
            evidence=_evidence(single) or _looked(audit),
        )
    clashes = [
        (first, second)
        for said in compared
        for first, second in combinations(said, 2)
        if not first.agrees_with(second)
    ]
    if clashes:
        return Finding(
            component=COMPONENT,
            status="disagree",
            reason=" ".join(_contradiction(first, second) for first, second in clashes),
            evidence=_evidence([s for pair in clashes for s in pair]),
        )
    return Finding(
        component=COMPONENT,
        status="agree",
        reason=" ".join(_agreement(said) for said in compared),
        evidence=_evidence([s for said in compared for s in said]),
    )
