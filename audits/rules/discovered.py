"""What a project's sources lead to: the artifacts discovery finds from a Hub id alone.

Pure Python: no Django, no I/O. The harvest calls `related` and `discover` on what it has
fetched so far to know what to fetch next; the rules call `discover` again on the stored
observations, so the audit judges exactly what the harvest followed.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from audits.rules import discovery
from audits.rules.evidence import readable, seen
from audits.rules.types import AuditInput, DeclaredArtifact, Evidence, Observation
from registry import benchmarks

# Bounds: a card may link anything; an audit follows a bounded number of each kind.
REPOS_FOLLOWED = 6
PAPERS_FOLLOWED = 8
DATASETS_FOLLOWED = 10
LINEAGE_DEPTH = 3
# Roles a paper can have for the model whose card names it, and what each serves.
PAPER_SERVES: Mapping[str, tuple[str, ...]] = {
    "own": ("research-paper",),
    "report": ("technical-report",),
    "data": ("data-card",),
    "cited": (),
}
DATASET_SERVES = ("training-datasets", "data-card")
# The files of a Hub repo that an audit reads besides its metadata.
CARD_PATH = "README.md"
_ARXIV_URL = re.compile(
    r"^https?://(?:www\.|export\.)?arxiv\.org/(?:abs|pdf)/([a-z\-]+/\d{7}|\d{4}\.\d{4,5})(?:v\d+)?"
    r"(?:\.pdf)?/?$",
    re.IGNORECASE,
)
_LICENSE_FILE = re.compile(r"^(?:LICEN[CS]E|COPYING)(?:[.-][\w.-]+)?$", re.IGNORECASE)


def file_locator(repo_type: str, repo_id: str, path: str) -> str:
    """The locator of one file of a Hub repo: "models/<id>:<path>" or "datasets/<id>:<path>"."""
    return f"{repo_type}s/{repo_id}:{path}"


def arxiv_id_of(url: str) -> str | None:
    """The arXiv id of an arxiv.org abstract or PDF URL, matched, never fetched as given."""
    match = _ARXIV_URL.match(url.strip())
    return match.group(1) if match else None


def license_file(payload: Mapping[str, Any]) -> str | None:
    """The LICENSE file a Hub repo's card points at (license_link) or keeps at its root."""
    card = payload.get("cardData") or {}
    link = str(card.get("license_link") or "").strip()
    siblings = [s.get("rfilename", "") for s in payload.get("siblings") or ()]
    if link and "://" not in link:
        path = link.removeprefix("./").removeprefix("/")
        if path in siblings:
            return path
    return next((f for f in siblings if "/" not in f and _LICENSE_FILE.match(f)), None)


def related(source: str, locator: str, payload: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    """The sub-resources an audit reads for one fetched source: card, license file, repo files."""
    if payload is None:
        return []
    if source in ("hf-model", "hf-dataset"):
        repo_type = "model" if source == "hf-model" else "dataset"
        siblings = {s.get("rfilename", "") for s in payload.get("siblings") or ()}
        wanted = [CARD_PATH] if CARD_PATH in siblings or source == "hf-model" else []
        # The LICENSE file resolves `license: other` and is compared with what the card says.
        if source == "hf-model" and (path := license_file(payload)) is not None:
            wanted.append(path)
        # A renamed repo answers under its new id: its files are asked under that id.
        repo_id = str(payload.get("id") or locator)
        return [("hf-file", file_locator(repo_type, repo_id, path)) for path in wanted]
    if source == "github":
        return [("github-license", locator), ("github-readme", locator), ("github-tree", locator)]
    return []


@dataclass(frozen=True)
class Section:
    """A section of a card: its heading and its opening words."""

    section: str
    line: str


_DATA_HEADING = re.compile(
    r"^(#{1,6})\s*(?:\d+(?:\.\d+)*\.?\s*)?(?:pre-?)?training\s+(?:data(?:sets?)?|corpus|procedure"
    r"\s+and\s+data)\b.*$|^(#{1,6})\s*(?:\d+(?:\.\d+)*\.?\s*)?(?:data(?:sets?)?|corpus)\s*$",
    re.IGNORECASE | re.MULTILINE,
)
# A heading followed by this many words describes something; fewer is a stub or a link.
SECTION_MIN_WORDS = 40


def training_data_section(body: str) -> Section | None:
    """The section of a model card that describes its training data, when it says enough."""
    for match in _DATA_HEADING.finditer(body):
        level = len(match.group(1) or match.group(2) or "#")
        rest = body[match.end() :]
        following = re.search(rf"^#{{1,{level}}}\s", rest, re.MULTILINE)
        text = rest[: following.start() if following else len(rest)]
        words = re.findall(r"[A-Za-z][\w'-]*", re.sub(r"\(https?://[^)]*\)", "", text))
        if len(words) >= SECTION_MIN_WORDS:
            heading = match.group(0).lstrip("#").strip()
            opening = " ".join(text.split())[:300]
            return Section(heading, opening)
    return None


def card_text(audit: AuditInput, repo_type: str, repo_id: str) -> str:
    """The README of a Hub repo as last fetched, or "" when it was not read."""
    observation = audit.observation("hf-file", file_locator(repo_type, repo_id, CARD_PATH))
    if not readable(observation):
        return ""
    assert observation is not None and observation.payload is not None
    return str(observation.payload.get("text") or "")


@dataclass
class _Found:
    """Discovered artifacts in the order found, one per (source, locator)."""

    by_key: dict[tuple[str, str], DeclaredArtifact] = field(default_factory=dict)

    def add(self, artifact: DeclaredArtifact) -> None:
        key = (artifact.source, artifact.locator)
        known = self.by_key.get(key)
        if known is None:
            self.by_key[key] = artifact
            return
        # Found twice (a tag and a link): one artifact serving both, with both evidences.
        self.by_key[key] = replace(
            known,
            serves=tuple(dict.fromkeys((*known.serves, *artifact.serves))),
            found=(*known.found, *artifact.found),
            depth=min(known.depth, artifact.depth),
        )


def _card_evidence(observation: Observation, mention: discovery.Mention, what: str) -> Evidence:
    """The card's line that names an artifact, under the heading it sits in."""
    where = f"text ({mention.section})" if mention.section else "text"
    return seen(observation, where, f"{what}: {mention.line}")


def _card_observation(audit: AuditInput, model: Observation) -> Observation | None:
    repo_id = str((model.payload or {}).get("id") or model.locator)
    return audit.observation("hf-file", file_locator("model", repo_id, CARD_PATH))


def _datasets(audit: AuditInput, model: Observation, body: str, depth: int, found: _Found) -> None:
    payload = model.payload or {}
    listed = (payload.get("cardData") or {}).get("datasets") or ()
    named: list[tuple[str, Evidence]] = []
    for dataset in [listed] if isinstance(listed, str) else listed:
        if isinstance(dataset, str):
            named.append((dataset, seen(model, "cardData.datasets", dataset)))
    for tag in payload.get("tags") or ():
        if isinstance(tag, str) and tag.startswith("dataset:"):
            named.append((tag.removeprefix("dataset:"), seen(model, "tags", tag)))
    card = _card_observation(audit, model)
    if card is not None and body:
        for mention in discovery.dataset_mentions(body):
            named.append((mention.value, _card_evidence(card, mention, "links the dataset")))
    for dataset, evidence in named[: DATASETS_FOLLOWED * 2]:
        if len({k for k in found.by_key if k[0] == "hf-dataset"}) >= DATASETS_FOLLOWED and (
            ("hf-dataset", dataset) not in found.by_key
        ):
            break
        found.add(
            DeclaredArtifact(
                "hf-dataset",
                dataset,
                DATASET_SERVES,
                origin="discovered",
                found=(evidence,),
                depth=depth,
            )
        )


def _repositories(audit: AuditInput, model: Observation, body: str, found: _Found) -> None:
    card = _card_observation(audit, model)
    if card is None:
        return
    namespace = model.locator.split("/")[0]
    for mention in discovery.github_repos(body)[:REPOS_FOLLOWED]:
        own = same_organisation(mention.value.split("/")[0], namespace)
        found.add(
            repository(
                audit,
                mention.value,
                (_card_evidence(card, mention, "links the repository"),),
                own=own,
                line=mention.line,
            )
        )


def repository(
    audit: AuditInput, full_name: str, how: tuple[Evidence, ...], *, own: bool, line: str = ""
) -> DeclaredArtifact:
    """A GitHub repository serving what its files and README show, with that evidence."""
    tree = audit.observation("github-tree", full_name)
    readme = audit.observation("github-readme", full_name)
    repo = audit.observation("github", full_name)
    paths = list((tree.payload or {}).get("paths") or ()) if readable(tree) else []  # type: ignore[union-attr]
    text = str((readme.payload or {}).get("text") or "") if readable(readme) else ""  # type: ignore[union-attr]
    description = str((repo.payload or {}).get("description") or "") if readable(repo) else ""  # type: ignore[union-attr]
    shown = _repo_serves(full_name, tuple(paths), text, description)
    evidence: list[Evidence] = list(how)
    serves: list[str] = []
    # A short card line that labels the link ("Training Code", "Data Preparation") is the
    # maintainers' word for what the repository serves, when it holds code at all.
    if discovery.holds_source(paths):
        serves.extend(c for c in _SAYS if _card_labels(line, c))
    for served in shown:
        # Another organisation's repository (a library the card mentions) is the model's own
        # training or evaluation code only if the card's sentence says so.
        borrowed = not own and not _card_says(line, served.component)
        if borrowed and served.component not in ("supporting-libraries", "inference-code"):
            continue
        serves.append(served.component)
        evidence.append(_served_evidence(audit, full_name, served))
    return DeclaredArtifact(
        "github",
        full_name,
        tuple(dict.fromkeys(serves)),
        origin="discovered",
        found=tuple(evidence),
    )


@functools.lru_cache(maxsize=256)
def _repo_serves(
    full_name: str, paths: tuple[str, ...], readme: str, description: str
) -> tuple[discovery.Served, ...]:
    # The same tree is read on every discovery round of an audit: decide it once.
    return tuple(
        discovery.repo_serves(
            full_name=full_name, paths=paths, readme=readme, description=description
        )
    )


def _submitted_repositories(audit: AuditInput, found: _Found) -> None:
    """Repositories a record names without saying what they serve: their files tell."""
    for artifact in audit.artifacts:
        if artifact.source == "github" and not artifact.serves and artifact.origin == "record":
            how = Evidence(
                "record", artifact.locator, "serves", [], f"https://github.com/{artifact.locator}"
            )
            found.add(repository(audit, artifact.locator, (how,), own=True))


_SAYS: Mapping[str, re.Pattern[str]] = {
    "training-code": re.compile(r"\btrain(?:ed|ing)?\b|\bpre-?train", re.IGNORECASE),
    "inference-code": re.compile(r"\binferenc\w*|\bserving\b", re.IGNORECASE),
    "evaluation-code": re.compile(r"\beval(?:uat\w*)?\b|\bbenchmark|\bmetrics\b", re.IGNORECASE),
    "data-preprocessing-code": re.compile(
        r"\b(?:pre-?process\w*|clean\w*|dedup\w*|filter\w*|tokeni[sz]\w*)\b", re.IGNORECASE
    ),
    "model-architecture": re.compile(r"\barchitecture|\bmodel(?:ing)? code", re.IGNORECASE),
}


def _card_says(line: str, component: str) -> bool:
    pattern = _SAYS.get(component)
    return bool(pattern and pattern.search(line))


# A line this short is a label ("- Training Code: <link>"), not a sentence about many things.
LABEL_WORDS = 8
_DATA_PREP_LABEL = re.compile(r"\bdata\s+prep\w*|\bdata\s+process\w*|\bdata\s+pipeline", re.I)


def _card_labels(line: str, component: str) -> bool:
    """Whether a short card line labels its link as serving the component."""
    words = re.sub(r"\(\s*<?https?://[^)]*\)|https?://\S+", "", line).split()
    if not words or len(words) > LABEL_WORDS:
        return False
    label = " ".join(words)
    if component == "data-preprocessing-code" and _DATA_PREP_LABEL.search(label):
        return True
    return _card_says(label, component)


# First words of organisation names too common to tie two organisations together.
_GENERIC_OWNER_WORDS = frozenset({"open", "team", "group", "research", "community", "official"})


def same_organisation(github_owner: str, namespace: str) -> bool:
    """Whether a GitHub owner and a Hub namespace are one organisation.

    The same name (case and punctuation aside: `Stability-AI` is `stabilityai`), or the same
    distinctive first word (`google-research` and `google-t5`).
    """

    def squeeze(name: str) -> str:
        return re.sub(r"[^a-z0-9]", "", name.lower())

    if squeeze(github_owner) == squeeze(namespace):
        return True
    first = [re.split(r"[-_.]", name.lower())[0] for name in (github_owner, namespace)]
    return first[0] == first[1] and len(first[0]) >= 5 and first[0] not in _GENERIC_OWNER_WORDS


def _served_evidence(audit: AuditInput, repo: str, served: discovery.Served) -> Evidence:
    if served.evidence_kind == "path":
        tree = audit.observation("github-tree", repo)
        assert tree is not None
        branch = (tree.payload or {}).get("branch") or "HEAD"
        base = replace(seen(tree, "paths", served.evidence), value=served.evidence)
        return replace(base, url=f"https://github.com/{repo}/blob/{branch}/{served.evidence}")
    readme = audit.observation("github-readme", repo)
    assert readme is not None
    return replace(seen(readme, "text", served.evidence), value=served.evidence)


def _papers(audit: AuditInput, model: Observation, body: str, found: _Found) -> None:
    payload = model.payload or {}
    card = payload.get("cardData") or {}
    tags = [t for t in payload.get("tags") or () if isinstance(t, str)]
    ids = [t.removeprefix("arxiv:") for t in tags if t.startswith("arxiv:")]
    mentions = discovery.arxiv_ids(body) if body else []
    ids += [m.value for m in mentions]
    ids = list(dict.fromkeys(ids))[:PAPERS_FOLLOWED]
    records = {
        paper: dict(observation.payload or {})
        for paper in ids
        if readable(observation := audit.observation("arxiv", paper))  # type: ignore[arg-type]
    }
    roles = discovery.paper_roles(
        model_id=model.locator, front=card, body=body, tags=tags, records=records
    )
    dataset_names = _dataset_names(found)
    card_observation = _card_observation(audit, model)
    for paper in ids:
        role = roles.get(paper)
        kind = role.role if role is not None else "cited"
        if kind == "cited" and _about_a_dataset(records.get(paper), dataset_names):
            kind = "data"
        if role is not None and role.mention is not None and card_observation is not None:
            evidence = _card_evidence(card_observation, role.mention, role.reason)
        else:
            reason = role.reason if role is not None else "the card tags it"
            evidence = replace(
                seen(model, "tags", f"arxiv:{paper}"), value=f"{reason}: arxiv:{paper}"
            )
        found.add(
            DeclaredArtifact(
                "arxiv",
                paper,
                PAPER_SERVES.get(kind, ()),
                origin="discovered",
                found=(evidence,),
                role=kind,
            )
        )


def _dataset_names(found: _Found) -> list[str]:
    names = []
    for source, locator in found.by_key:
        if source == "hf-dataset":
            name = locator.split("/")[-1].replace("_", " ").replace("-", " ").strip()
            if len(name) >= 3:
                names.append(name)
    return names


def _about_a_dataset(record: Mapping[str, Any] | None, names: Iterable[str]) -> bool:
    """Whether a paper is the datasheet of a dataset the card names (its title names it)."""
    if not record:
        return False
    title = re.sub(r"[_\-]", " ", str(record.get("title") or "")).lower()
    dataset_words = ("dataset", "corpus", "data")
    return any(re.search(rf"\b{re.escape(name.lower())}\b", title) for name in names) and any(
        word in title for word in dataset_words
    )


def _evaluation_data(audit: AuditInput, model: Observation, body: str, found: _Found) -> None:
    """Datasets the card's results are measured on: model-index ids, then named benchmarks."""
    card = (model.payload or {}).get("cardData") or {}
    index = (model.payload or {}).get("model-index") or card.get("model-index") or []
    front = {**card, "model-index": index}
    datasets: dict[str, Evidence] = {}
    for dataset in discovery.evaluation_datasets(front):
        datasets.setdefault(dataset, seen(model, "model-index", dataset))
    # A results table names its benchmarks ("ARC-C", "MMLU (5-shot)"): each is a Hub dataset.
    card_file = _card_observation(audit, model)
    for mention in discovery.evaluation_names(front, body):
        dataset = benchmarks.dataset_for(mention.value)
        if dataset is None or dataset in datasets:
            continue
        if mention.section == "model-index" or card_file is None:
            datasets[dataset] = seen(model, "model-index", mention.value)
        else:
            datasets[dataset] = _card_evidence(
                card_file, mention, f"reports results on {mention.value}"
            )
    for dataset, how in list(datasets.items())[:DATASETS_FOLLOWED]:
        found.add(
            DeclaredArtifact(
                "hf-dataset", dataset, ("evaluation-data",), origin="discovered", found=(how,)
            )
        )


def discover(audit: AuditInput) -> tuple[DeclaredArtifact, ...]:
    """Every artifact the project's Hub models lead to, with how each was found.

    The project's own model cards lead to its datasets, repositories, papers and evaluation
    data; a base model (`cardData.base_model`) leads to its own card and datasets, judged for
    lineage only. Declared artifacts are not repeated.
    """
    declared = {(a.source, a.locator) for a in audit.artifacts}
    declared |= {pair for a in audit.artifacts for pair in fetch_pairs(a)}
    found = _Found()
    queue: list[tuple[str, int, tuple[Evidence, ...]]] = [
        (a.locator, 0, ()) for a in audit.artifacts if a.source == "hf-model"
    ]
    visited: set[str] = set()
    while queue:
        model_id, depth, how = queue.pop(0)
        if model_id in visited or depth > LINEAGE_DEPTH:
            continue
        visited.add(model_id)
        if depth > 0:
            found.add(
                DeclaredArtifact(
                    "hf-model", model_id, (), origin="base", found=how, depth=depth, role="base"
                )
            )
        model = audit.observation("hf-model", model_id)
        if not readable(model):
            continue
        assert model is not None and model.payload is not None
        repo_id = str(model.payload.get("id") or model_id)
        body = discovery.split_card(card_text(audit, "model", repo_id))[1]
        _datasets(audit, model, body, depth, found)
        card = model.payload.get("cardData") or {}
        for base in discovery.base_models(card):
            queue.append((base, depth + 1, (seen(model, "cardData.base_model", base),)))
        if depth > 0:
            # A base model's code and papers are not the derivative's.
            continue
        _repositories(audit, model, body, found)
        _papers(audit, model, body, found)
        _evaluation_data(audit, model, body, found)
    # Declared repositories without a `serves` list are judged by what their files show.
    unsure = {
        (a.source, a.locator) for a in audit.artifacts if a.source == "github" and not a.serves
    }
    _submitted_repositories(audit, found)
    return tuple(a for key, a in found.by_key.items() if key not in declared or key in unsure)


def with_discovered(audit: AuditInput, rejected: Iterable[tuple[str, str]] = ()) -> AuditInput:
    """The audit input with what discovery finds added, less what moderators rejected."""
    refused = set(rejected)
    extra = tuple(a for a in discover(audit) if (a.source, a.locator) not in refused)
    return replace(audit, artifacts=(*audit.artifacts, *extra))


def fetch_pairs(artifact: DeclaredArtifact) -> list[tuple[str, str]]:
    """The (source, locator) pairs the harvest asks for one artifact (a URL only if it is arXiv)."""
    if artifact.source == "url":
        paper = arxiv_id_of(artifact.locator)
        return [("arxiv", paper)] if paper else []
    if artifact.source in ("hf-model", "hf-dataset", "github", "arxiv"):
        return [(artifact.source, artifact.locator)]
    return []
