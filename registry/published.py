"""Published verdicts (OSI's validation, MOT's classes, the EU index) beside ours, per Hub model.

The verdicts live in `published_verdicts.yaml`, keyed by Hugging Face model id, so they apply to
any listed project whose declared hf-model has that id. The file is read and validated once per
process; comparing never queries the database.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, Protocol
from urllib.parse import quote

import yaml
from huggingface_hub.errors import HFValidationError
from huggingface_hub.utils import validate_repo_id
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    TypeAdapter,
    ValidationError,
    model_validator,
)

from audits.rules.frameworks import FACET_LABELS
from registry.components import COMPONENTS
from registry.yaml_files import UniqueKeyLoader

if TYPE_CHECKING:
    from registry.models import Project

PUBLISHED_VERDICTS = Path(__file__).with_name("published_verdicts.yaml")
MOF_ORDER: tuple[str, ...] = ("III", "II", "I")
# A file in a repository at a fixed commit: owner/repo@<40 hex digits>:path.
REPO_REFERENCE = re.compile(
    r"\A(?P<repo>[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100})"
    r"@(?P<commit>[0-9a-f]{40}):(?P<path>[^\s/][^\n]*)\Z"
)
OSAID_WORDS: Mapping[str, str] = {
    "open-source-ai": "Open source AI",
    "not-open-source-ai": "Not open source AI",
    "insufficient-evidence": "Insufficient evidence",
}
FRAMEWORK_NAMES: Mapping[str, tuple[str, str]] = {
    "osi": ("OSI", "Open Source Initiative, validation of the Open Source AI Definition 1.0"),
    "mot": ("MOT", "Model Openness Tool of the LF AI & Data Model Openness Framework"),
}
# osaid_unmet sentences open with the requirement's label: "Training code: not-found — ...".
_BY_LABEL: Mapping[str, str] = {
    **{c.label: c.id for c in COMPONENTS},
    **{label: facet for facet, label in FACET_LABELS.items()},
}
_LABELS: Mapping[str, str] = {component: label for label, component in _BY_LABEL.items()}
_HTTP_URL = TypeAdapter(HttpUrl)


# --- The file's schema ------------------------------------------------------------------------


def _source(value: str) -> str:
    if REPO_REFERENCE.match(value):
        return value
    if value.startswith(("http://", "https://")):
        try:
            _HTTP_URL.validate_python(value)
        except ValidationError:
            pass
        else:
            return value
    raise ValueError(
        f"{value!r} is not a source: write an http(s) URL or owner/repo@<40-hex commit>:path"
    )


Source = Annotated[str, AfterValidator(_source)]
Text = Annotated[str, Field(min_length=1, max_length=1000)]


class EuIndex(BaseModel):
    """The European Open Source AI Index entry that rates a model, and its parameters."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    entry: Text
    llmbase: Text
    parameters: dict[
        Annotated[str, Field(pattern=r"^[a-z]+$")], Literal["open", "partial", "closed"]
    ] = Field(min_length=1)

    @property
    def summary(self) -> str:
        """How many of its parameters the index rates open, partial and closed, in words."""
        ratings = list(self.parameters.values())
        counts = ", ".join(
            f"{ratings.count(r)} {r}" for r in ("open", "partial", "closed") if r in ratings
        )
        return f"{counts} of its {len(ratings)} parameters"


class Differs(BaseModel):
    """Per framework, one sentence saying why our verdict differs from the published one."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    osi: Text | None = None
    mot: Text | None = None


class Published(BaseModel):
    """What OSI, MOT and the EU index published about one Hub model, and where each says so."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    osi: Literal["open-source-ai", "not-open-source-ai"] | None
    osi_source: Source | None
    mot_class: Literal["I", "II", "III"] | None
    mot_listed: bool
    mot_source: Source | None
    mot_reasoning: Text
    eu_index: EuIndex | None
    eu_source: Source | None
    differs: Differs = Differs()

    @model_validator(mode="after")
    def _each_verdict_has_its_source(self) -> Published:
        pairs = (
            ("osi", self.osi is not None, "osi_source", self.osi_source),
            ("mot_listed", self.mot_listed, "mot_source", self.mot_source),
            ("eu_index", self.eu_index is not None, "eu_source", self.eu_source),
        )
        for verdict, given, source, value in pairs:
            if given and value is None:
                raise ValueError(f"{verdict} is given, so {source} must say where it is published")
            if not given and value is not None:
                raise ValueError(f"{source} is given, but {verdict} is not")
        if self.mot_class is not None and not self.mot_listed:
            raise ValueError("mot_class is given, so mot_listed must be true")
        if self.differs.osi and self.osi is None:
            raise ValueError("differs.osi explains a difference from no published OSI verdict")
        if self.differs.mot and not self.mot_listed:
            raise ValueError("differs.mot explains a difference from a model MOT does not list")
        return self

    @property
    def judged(self) -> bool:
        """Whether OSI or MOT judged this model at all (the EU index rates no class)."""
        return self.osi is not None or self.mot_listed

    @property
    def osi_url(self) -> str | None:
        return source_url(self.osi_source)

    @property
    def mot_url(self) -> str | None:
        return source_url(self.mot_source)

    @property
    def eu_url(self) -> str | None:
        return source_url(self.eu_source)


def _hub_id(value: str) -> str:
    if value.count("/") != 1:
        raise ValueError(f"{value!r} is not a Hub model id: write namespace/name")
    try:
        validate_repo_id(value)
    except HFValidationError as error:
        raise ValueError(f"{value!r} is not a Hub model id: {error}") from None
    return value


_FILE = TypeAdapter(dict[Annotated[str, AfterValidator(_hub_id)], Published])


def source_url(source: str | None) -> str | None:
    """A page a person can open for a source: the URL itself, or the file on GitHub."""
    if source is None:
        return None
    if match := REPO_REFERENCE.match(source):
        path = quote(match["path"])
        return f"https://github.com/{match['repo']}/blob/{match['commit']}/{path}"
    return source


# --- Reading the file -------------------------------------------------------------------------


class PublishedVerdictsError(ValueError):
    """The published verdicts file cannot be used; the message names every bad entry and field."""


def _problem(path: Path, error: Mapping[str, Any]) -> str:
    where = ".".join(str(part) for part in error["loc"] if part != "[key]")
    if error["type"] == "extra_forbidden":
        message = "unknown field"
    elif error["type"] in {"enum", "literal_error"}:
        message = f"{error['input']!r} is not one of {error['ctx']['expected']}"
    else:
        message = str(error["msg"]).removeprefix("Value error, ")
    return f"{path}: {where}: {message}" if where else f"{path}: {message}"


def load_published(path: Path = PUBLISHED_VERDICTS) -> dict[str, Published]:
    """Read and validate a published verdicts file; raise PublishedVerdictsError if it is bad."""
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=UniqueKeyLoader)  # noqa: S506
    except (OSError, UnicodeDecodeError) as error:
        raise PublishedVerdictsError(f"{path}: cannot read the file: {error}") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or str(error)
        raise PublishedVerdictsError(f"{path}: broken YAML{where}: {problem}") from None
    if not isinstance(data, dict):
        raise PublishedVerdictsError(f"{path}: expected a mapping of Hub model ids to verdicts")
    try:
        entries = _FILE.validate_python(data)
    except ValidationError as error:
        problems = [_problem(path, e) for e in error.errors(include_url=False)]
        raise PublishedVerdictsError("\n".join(problems)) from None
    folded: dict[str, str] = {}
    for hub_id in entries:
        if (other := folded.setdefault(hub_id.lower(), hub_id)) != hub_id:
            raise PublishedVerdictsError(
                f"{path}: {hub_id}: the Hub ignores case, and {other} is the same model"
            )
    return entries


@functools.cache
def published_verdicts() -> Mapping[str, Published]:
    """The shipped published verdicts, by Hub model id, read once per process."""
    return load_published()


@functools.cache
def _by_folded_id() -> Mapping[str, Published]:
    return {hub_id.lower(): entry for hub_id, entry in published_verdicts().items()}


def for_hub_id(hub_id: str | None) -> Published | None:
    """The published verdicts of a Hub model (its id in any case), or None."""
    return _by_folded_id().get(hub_id.lower()) if hub_id else None


def published_ids() -> list[str]:
    """The lowercased ids of the Hub models OSI or MOT judged, for a database filter."""
    return [hub_id for hub_id, entry in _by_folded_id().items() if entry.judged]


def published_for(project: Project) -> Published | None:
    """The published verdicts of a project's declared Hub model (its first), or None.

    Reads `project.artifacts.all()`: prefetch the artifacts and it makes no query.
    """
    hub_id = next((a.locator for a in project.artifacts.all() if a.source == "hf-model"), None)
    return for_hub_id(hub_id)


# --- Comparing --------------------------------------------------------------------------------


class VerdictLike(Protocol):
    """What a comparison reads of a verdict: `audits.models.Verdict` has it."""

    osaid: str
    osaid_unmet: Sequence[str]
    mof_class: str
    mof_unmet: Mapping[str, Sequence[str]]


@dataclass(frozen=True)
class Gap:
    """One component that stands between our verdict and the published one, with its status."""

    component: str
    label: str
    status: str | None

    @property
    def anchor(self) -> str:
        """The id of its finding's row on the project page."""
        return f"finding-{self.component}"

    @property
    def status_words(self) -> str:
        return self.status.replace("-", " ") if self.status else ""


@dataclass(frozen=True)
class Agreement:
    """One framework: the published verdict, ours, and what stands between when they differ."""

    framework: Literal["osi", "mot"]
    judged: bool
    published: str | None
    audited: bool
    ours: str | None
    source_url: str | None
    gaps: tuple[Gap, ...] = ()
    note: str = ""

    @property
    def agrees(self) -> bool | None:
        """True or False when both we and the publisher judged it, else None."""
        if not (self.judged and self.audited):
            return None
        return self.published == self.ours

    @property
    def name(self) -> str:
        return FRAMEWORK_NAMES[self.framework][0]

    @property
    def title(self) -> str:
        return FRAMEWORK_NAMES[self.framework][1]

    @property
    def published_words(self) -> str:
        return _words(self.framework, self.published)

    @property
    def ours_words(self) -> str:
        return _words(self.framework, self.ours)


@dataclass(frozen=True)
class Comparison:
    published: Published
    osi: Agreement
    mot: Agreement

    @property
    def frameworks(self) -> tuple[Agreement, Agreement]:
        return self.osi, self.mot

    @property
    def gaps(self) -> tuple[Gap, ...]:
        """Every component that stands between, once, OSI's first."""
        seen: dict[str, Gap] = {}
        for agreement in self.frameworks:
            for gap in agreement.gaps:
                seen.setdefault(gap.component, gap)
        return tuple(seen.values())


def _words(framework: str, value: str | None) -> str:
    if framework == "osi":
        return OSAID_WORDS.get(value or "", value or "No verdict")
    return f"Class {value}" if value else "No class"


def _rank(mof_class: str | None) -> int:
    return MOF_ORDER.index(mof_class) + 1 if mof_class in MOF_ORDER else 0


def osaid_gaps(unmet: Iterable[str], statuses: Mapping[str, str] | None = None) -> tuple[Gap, ...]:
    """The components (and data facets) behind a verdict's unmet OSAID sentences."""
    gaps = []
    for sentence in unmet:
        label, _, rest = sentence.partition(": ")
        component = _BY_LABEL.get(label) or (label if label in _LABELS else "")
        if not component:
            continue
        said = rest.partition(" — ")[0].strip() or None
        status = statuses.get(component, said) if statuses else said
        gaps.append(Gap(component, _LABELS[component], status))
    return tuple(gaps)


def mof_gaps(
    component_ids: Iterable[str], statuses: Mapping[str, str] | None = None
) -> tuple[Gap, ...]:
    """The given components as gaps, labelled, with their status when it is known."""
    return tuple(Gap(c, _LABELS[c], (statuses or {}).get(c)) for c in component_ids if c in _LABELS)


def compare(
    published: Published,
    verdict: VerdictLike | None,
    *,
    statuses: Mapping[str, str] | None = None,
) -> Comparison:
    """Our verdict beside the published ones, per framework, and what stands between.

    Where we differ on OSAID, the gaps are the requirements our verdict found unmet; on the MOF,
    when our class is lower, the components of the published class that we find unmet. `statuses`
    (component id → effective status of our findings) adds each gap's status where the verdict
    alone does not carry it.
    """
    audited = verdict is not None
    osi_ours = verdict.osaid if verdict is not None else None
    osi_differs = published.osi is not None and audited and osi_ours != published.osi
    osi = Agreement(
        framework="osi",
        judged=published.osi is not None,
        published=published.osi,
        audited=audited,
        ours=osi_ours,
        source_url=published.osi_url,
        gaps=osaid_gaps(verdict.osaid_unmet, statuses) if verdict and osi_differs else (),
        note=(published.differs.osi or "") if osi_differs else "",
    )
    mot_ours = (verdict.mof_class or None) if verdict is not None else None
    mot_differs = published.mot_listed and audited and mot_ours != published.mot_class
    lower = mot_differs and _rank(mot_ours) < _rank(published.mot_class)
    mot = Agreement(
        framework="mot",
        judged=published.mot_listed,
        published=published.mot_class,
        audited=audited,
        ours=mot_ours,
        source_url=published.mot_url,
        gaps=(
            mof_gaps(verdict.mof_unmet.get(published.mot_class or "", ()), statuses)
            if verdict is not None and lower
            else ()
        ),
        note=(published.differs.mot or "") if mot_differs else "",
    )
    return Comparison(published=published, osi=osi, mot=mot)


def comparison_for(
    project: Project, *, statuses: Mapping[str, str] | None = None
) -> Comparison | None:
    """A project's current verdict beside the published ones, or None when none were published.

    Reads the project's artifacts and current verdict: load them with it and it makes no query.
    """
    entry = published_for(project)
    return compare(entry, project.current_verdict, statuses=statuses) if entry else None


@dataclass(frozen=True)
class Tally:
    """How often we agree with each publisher, over the models both of us judged."""

    osi_agree: int = 0
    osi_judged: int = 0
    mot_agree: int = 0
    mot_judged: int = 0


def tally(comparisons: Iterable[Comparison]) -> Tally:
    """Count agreements per framework; a model one side did not judge is not counted."""
    counts = {"osi_agree": 0, "osi_judged": 0, "mot_agree": 0, "mot_judged": 0}
    for comparison in comparisons:
        for agreement in comparison.frameworks:
            if agreement.agrees is None:
                continue
            counts[f"{agreement.framework}_judged"] += 1
            counts[f"{agreement.framework}_agree"] += agreement.agrees
    return Tally(**counts)
