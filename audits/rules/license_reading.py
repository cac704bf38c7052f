"""Reading licenses: what a source shows, what its files say, and what a record declares.

Pure Python: no Django.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from audits.rules.evidence import seen
from audits.rules.types import DeclaredArtifact, Evidence, Observation
from registry.components import ContentType, page_url
from registry.licenses import RULES as LICENSE_RULES
from registry.licenses import classify, from_hub, match_text, normalise

GATES: Mapping[str, str] = {
    "auto": "behind an access request that is granted at once",
    "manual": "behind an access request that a person reviews",
}
# arXiv's license URLs (the <license> element of its OAI-PMH records) and what they are. A
# record without the element is under arXiv's default non-exclusive distribution license.
ARXIV_DEFAULT = "http://arxiv.org/licenses/nonexclusive-distrib/1.0/"
ARXIV_LICENSES: Mapping[str, str] = {
    "creativecommons.org/licenses/by/4.0": "CC-BY-4.0",
    "creativecommons.org/licenses/by/3.0": "CC-BY-3.0",
    "creativecommons.org/licenses/by-sa/4.0": "CC-BY-SA-4.0",
    "creativecommons.org/licenses/by-nc-sa/4.0": "CC-BY-NC-SA-4.0",
    "creativecommons.org/licenses/by-nc-sa/3.0": "CC-BY-NC-SA-3.0",
    "creativecommons.org/licenses/by-nc-nd/4.0": "CC-BY-NC-ND-4.0",
    "creativecommons.org/publicdomain/zero/1.0": "CC0-1.0",
    "creativecommons.org/share-your-work/public-domain/cc0": "CC0-1.0",
}


def arxiv_license(url: str | None) -> str | None:
    """The canonical id of an arXiv license URL; None for arXiv's own non-exclusive license."""
    if not url:
        return None
    key = re.sub(r"^https?://(www\.)?", "", url.strip()).rstrip("/")
    return ARXIV_LICENSES.get(key)


@dataclass(frozen=True)
class SeenLicense:
    """The license a source shows: its canonical id when identifiable, and the raw value."""

    canonical: str | None
    raw: Any
    field: str
    note: str = ""  # why a shown value names no license, when the source says more than the id
    # Where it was read, when not the observation's own field (a LICENSE file, the card's text).
    evidence: tuple[Evidence, ...] = ()
    how: str = ""  # a clause saying how a license was recognised from its text


@dataclass(frozen=True)
class ResolvedLicense:
    """The license a rule judges by, where it came from, and the evidence for it."""

    id: str | None
    unidentified: str | None  # a value the source shows that names no known license
    origin_note: str  # a clause saying the record supplied or contradicted it, or ""
    declared_license: str | None  # the record's license, only when it disagrees with the source
    evidence: tuple[Evidence, ...]
    note: str = ""


def hub_license(
    payload: Mapping[str, Any],
    *,
    license_file: Observation | None = None,
    card: Observation | None = None,
) -> SeenLicense:
    """A Hub repo's license: `cardData.license` (+ `license_name`), else a `license:` tag.

    When those name no license we know (`other`, or nothing), the repo's LICENSE file and then
    the card's License section are read and matched against known license texts.
    """
    card_data = payload.get("cardData") or {}
    name = card_data.get("license_name")
    raw = card_data.get("license")
    tags = [t for t in payload.get("tags") or () if isinstance(t, str) and t.startswith("license:")]
    if raw:
        shown = SeenLicense(from_hub(raw, name), raw, "cardData.license")
    elif tags:
        raw_tag = tags[0].removeprefix("license:")
        shown = SeenLicense(from_hub(raw_tag, name), tags[0], "tags")
    else:
        shown = SeenLicense(None, None, "cardData.license")
    if shown.canonical is not None:
        return shown
    for observation, what in ((license_file, "its LICENSE file"), (card, "its model card")):
        text = _text_of(observation)
        if what == "its model card":
            text = license_section(text)
        if not text or (match := match_text(text)) is None:
            continue
        assert observation is not None
        quoted = match.how[:200]
        return SeenLicense(
            match.id,
            shown.raw if shown.raw is not None else match.id,
            shown.field,
            evidence=(seen(observation, "text", quoted),),
            how=f"{what} reads as {match.name} ({quoted!r})",
        )
    return shown


def _text_of(observation: Observation | None) -> str:
    if observation is None or observation.state != "ok" or not observation.payload:
        return ""
    return str(observation.payload.get("text") or "")


_LICENSE_HEADING = re.compile(r"^#{1,6}\s*.*\blicen[cs]e", re.IGNORECASE | re.MULTILINE)
_LICENSE_LINE = re.compile(r"^.*\blicen[cs]e[ds]?\b.*$", re.IGNORECASE | re.MULTILINE)


def license_section(text: str) -> str:
    """The part of a card that states its license: a License section, else lines naming one."""
    if not text:
        return ""
    body = text.split("\n---", 2)[-1] if text.startswith("---") else text
    if heading := _LICENSE_HEADING.search(body):
        rest = body[heading.end() :]
        following = re.search(r"^#{1,6}\s", rest, re.MULTILINE)
        return rest[: following.start() if following else 4000][:4000]
    return "\n".join(m.group(0) for m in _LICENSE_LINE.finditer(body))[:4000]


def github_license(
    payload: Mapping[str, Any], *, license_file: Observation | None = None
) -> SeenLicense:
    """A GitHub repository's license as GitHub identified it (`license.spdx_id`).

    Where GitHub could not identify it (NOASSERTION), the license file's text is matched.
    """
    found = payload.get("license")
    if not found:
        return SeenLicense(None, None, "license.spdx_id")
    spdx_id = found.get("spdx_id")
    if not spdx_id or spdx_id == "NOASSERTION":
        text = _text_of(license_file)
        if text and (match := match_text(text)) is not None:
            assert license_file is not None
            quoted = match.how[:200]
            return SeenLicense(
                match.id,
                spdx_id or "NOASSERTION",
                "license.spdx_id",
                evidence=(seen(license_file, "text", quoted),),
                how=f"its license file reads as {match.name} ({quoted!r})",
            )
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
    evidence = (seen(observation, shown.field, shown.raw), *shown.evidence)
    declared = artifact.license if artifact is not None else None
    if not declared:
        unidentified = None if shown.raw is None else str(shown.raw)
        return ResolvedLicense(shown.canonical, unidentified, shown.how, None, evidence, shown.note)
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
            return ResolvedLicense(shown.canonical, None, shown.how, None, evidence)
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
    if status == "open" and gate in GATES:
        status = "gated"
    clauses = [judged.reason.rstrip(".")]
    if resolved.origin_note:
        clauses.append(resolved.origin_note)
    return status, "; ".join(clauses)
