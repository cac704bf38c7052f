"""Discovery readers: what a model card, a GitHub repository and an arXiv record say, as data.

Pure Python: no Django, no I/O. The harvest feeds these functions the texts and fields of stored
snapshots (`hf-file`, `github-readme`, `github-tree`, `arxiv`, ...) and the rules turn what they
return into artifacts and evidence. Every reader keeps the line or path that shows what it found,
so a finding can quote it.
"""

from __future__ import annotations

import bisect
import copy
import functools
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import yaml

from registry.components import COMPONENTS

# A quoted line longer than this is cut down to the sentence around the match, then to this.
LINE_LIMIT = 300


@dataclass(frozen=True)
class Mention:
    """One thing a text names, with the line that shows it and the heading it sits under."""

    value: str  # normalised: "owner/repo", an arXiv id without version, a Hub dataset id, ...
    line: str  # the sentence or line that shows it, at most LINE_LIMIT characters
    section: str  # the nearest markdown heading above it, "" at the top of the text


PaperRole = Literal["own", "report", "cited"]


@dataclass(frozen=True)
class Role:
    """What an arXiv paper is to a model: its own paper, its technical report, or a citation."""

    role: PaperRole
    reason: str  # one plain sentence
    mention: Mention | None  # where the card body names it; None when only a Hub tag does


@dataclass(frozen=True)
class Served:
    """One component a GitHub repository serves, with the path or README sentence that shows it."""

    component: str  # a code component id from registry.components
    evidence_kind: Literal["path", "sentence"]
    evidence: str


# --- Lines, headings, quoting -----------------------------------------------------------------

_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
_ATX_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_HTML_HEADING = re.compile(r"<h([1-6])[^>]*>(.*?)</h\1>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")
_MD_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")


@dataclass(frozen=True)
class _Line:
    text: str
    section: str
    level: int  # level of the heading this line sits under, 0 at the top
    in_code: bool
    heading_level: int  # > 0 when this line is itself a heading


def _plain(text: str) -> str:
    """Markdown and HTML reduced to the words a reader sees."""
    text = _MD_LINK.sub(r"\1", text)
    text = _TAG.sub("", text)
    text = re.sub(r"[*_`]{1,3}", "", text)
    return " ".join(text.split())


def _lines(text: str) -> list[_Line]:
    """Each line of a markdown text with the heading above it and whether it is inside code."""
    out: list[_Line] = []
    section, level, fence = "", 0, ""
    for raw in text.splitlines():
        opening = _FENCE.match(raw)
        if fence:
            if opening and opening.group(1)[0] == fence[0] and len(opening.group(1)) >= len(fence):
                fence = ""
            out.append(_Line(raw, section, level, True, 0))
            continue
        if opening:
            fence = opening.group(1)
            out.append(_Line(raw, section, level, True, 0))
            continue
        heading = _ATX_HEADING.match(raw)
        html = _HTML_HEADING.search(raw) if not heading else None
        if heading or html:
            found = heading or html
            assert found is not None
            title = _plain(found.group(2))
            if title:
                section = title[:LINE_LIMIT]
                level = len(found.group(1)) if heading else int(found.group(1))
                out.append(_Line(raw, section, level, False, level))
                continue
        out.append(_Line(raw, section, level, False, 0))
    return out


def _quote(line: str, start: int, end: int) -> str:
    """The line, or when it is long the sentence holding line[start:end], cut to LINE_LIMIT."""
    stripped = line.strip()
    if len(stripped) <= LINE_LIMIT:
        return stripped
    left = max(line.rfind(". ", 0, start), line.rfind("! ", 0, start), line.rfind("? ", 0, start))
    left = 0 if left < 0 else left + 2
    rights = [
        i for i in (line.find(". ", end), line.find("! ", end), line.find("? ", end)) if i >= 0
    ]
    right = min(rights) + 1 if rights else len(line)
    sentence = line[left:right].strip()
    if len(sentence) <= LINE_LIMIT:
        return sentence
    # Still too long: a window around the match, so the quote always shows it.
    half = max(0, (LINE_LIMIT - (end - start)) // 2)
    begin = max(left, start - half)
    return line[begin : begin + LINE_LIMIT].strip()


def _dedupe(mentions: Iterable[Mention]) -> list[Mention]:
    """First mention of each value (compared case-insensitively), in order."""
    seen: set[str] = set()
    out: list[Mention] = []
    for mention in mentions:
        key = mention.value.lower()
        if key not in seen:
            seen.add(key)
            out.append(mention)
    return out


def _scan(
    text: str,
    patterns: Sequence[re.Pattern[str]],
    normalise: Callable[[re.Match[str]], str | None],
) -> Iterator[tuple[int, int, str, Mention]]:
    """Matches of several patterns, each normalised (None drops it), with its line position."""
    for number, line in enumerate(_lines(text)):
        for pattern in patterns:
            for match in pattern.finditer(line.text):
                value = normalise(match)
                if value:
                    quote = _quote(line.text, match.start(), match.end())
                    yield number, match.start(), value, Mention(value, quote, line.section)


def _ordered(found: Iterable[tuple[int, int, str, Mention]]) -> list[Mention]:
    return _dedupe(mention for *_, mention in sorted(found, key=lambda f: (f[0], f[1])))


# --- 1. The model card: front matter and body -------------------------------------------------

_FRONT_MATTER = re.compile(r"\A\ufeff?---[ \t]*\r?\n(.*?)^(?:---|\.\.\.)[ \t]*\r?$\n?", re.S | re.M)


def split_card(text: str) -> tuple[dict[str, Any], str]:
    """A model card's YAML front matter (between leading `---` lines) and its markdown body.

    Front matter that is not valid YAML, or not a mapping, gives `{}`; the body is still what
    follows the closing `---`, so a broken header never leaks into the text readers search.
    The front matter is a fresh copy each call; parsing is done once per text.
    """
    data, body = _split_card(text)
    return copy.deepcopy(data), body


# An audit reads the same card several times (discovery rounds, the rules, the sync); a card's
# front matter can hold a model-index of thousands of lines, so parse each text once.
@functools.lru_cache(maxsize=512)
def _split_card(text: str) -> tuple[dict[str, Any], str]:
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    body = text[match.end() :]
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        data = yaml.load(match.group(1), Loader=loader)  # noqa: S506 (a safe loader)
    except yaml.YAMLError:
        return {}, body
    return (data if isinstance(data, dict) else {}), body


# --- 2. GitHub repositories a text links to ---------------------------------------------------

_OWNER = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})"
_REPO = r"[A-Za-z0-9._-]{1,100}"
_GITHUB_PATTERNS: tuple[re.Pattern[str], ...] = (
    # gist.github.com and other subdomains are excluded by the look-behind.
    re.compile(rf"(?<![\w.-])(?:https?://)?(?:www\.)?github\.com[/:]({_OWNER})/({_REPO})"),
    # A raw file belongs to a repository: keep its owner/repo.
    re.compile(rf"raw\.githubusercontent\.com/({_OWNER})/({_REPO})/"),
    re.compile(
        rf"img\.shields\.io/github/(?:stars|forks|license|issues|issues-pr|last-commit|"
        rf"contributors|watchers|release|v/release|tag|downloads)/({_OWNER})/({_REPO})"
    ),
)
# First path segments on github.com that are pages of the site, not accounts.
_NOT_OWNERS = frozenset(
    {
        "about", "account", "apps", "collections", "contact", "customer-stories", "dashboard",
        "enterprise", "events", "explore", "features", "issues", "join", "login", "logout",
        "marketplace", "new", "notifications", "orgs", "organizations", "pricing", "pulls",
        "readme", "search", "security", "settings", "site", "sponsors", "team", "topics",
        "trending", "users", "codespaces", "solutions", "resources", "signup", "stars",
    }
)  # fmt: skip


def _github_repo(match: re.Match[str]) -> str | None:
    owner, repo = match.group(1), match.group(2).rstrip(".")
    repo = repo.removesuffix(".git").rstrip(".")
    if owner.lower() in _NOT_OWNERS or not repo or repo in {".", ".."}:
        return None
    return f"{owner}/{repo}"


def github_repos(text: str) -> list[Mention]:
    """The GitHub repositories a card or README links to, as `owner/repo`, first mention first.

    Reads markdown links, bare URLs, `git clone` lines (https and ssh), raw file URLs and
    shields.io badges. A link into a repository (`/tree/...`, `/blob/...`, `#readme`) counts for
    the repository; site pages (`/orgs/...`, `/sponsors/...`, `/features`), user pages with one
    segment and gists are not repositories and are skipped.
    """
    return _ordered(_scan(text, _GITHUB_PATTERNS, _github_repo))


# --- 3. arXiv ids -----------------------------------------------------------------------------

_NEW_ID = r"\d{4}\.\d{4,5}(?!\d)"
_OLD_ID = r"[a-z][a-z-]*(?:\.[A-Z]{2})?/\d{7}(?!\d)"
_ARXIV_ID = rf"(?P<id>{_NEW_ID}|{_OLD_ID})(?:v\d+)?"
_ARXIV_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(rf"arxiv\.org/(?:abs|pdf|html|format)/{_ARXIV_ID}", re.I),
    re.compile(rf"huggingface\.co/papers/(?P<id>{_NEW_ID})", re.I),
    # "arXiv:2304.01373", "arXiv preprint arXiv:2306.01116", DOIs "10.48550/arXiv.2204.06745",
    # badges "arxiv-2402.00838".
    re.compile(rf"\barxiv\s*[:.-]?\s*{_ARXIV_ID}", re.I),
    re.compile(rf"\beprint\s*=\s*[{{\"']\s*{_ARXIV_ID}", re.I),
)


def _arxiv_id(match: re.Match[str]) -> str:
    found = match.group("id")
    # Old-style archives are lower case ("hep-th/9901001"); subject classes keep their case.
    if "/" in found:
        archive, number = found.split("/", 1)
        head, dot, subject = archive.partition(".")
        return f"{head.lower()}{dot}{subject.upper()}/{number}"
    return found


def arxiv_ids(text: str) -> list[Mention]:
    """The arXiv papers a text names, as ids without version (`2304.01373`, `cs/0112017`).

    Reads arxiv.org abs/pdf/html links, Hub paper pages, `arXiv:ID` and `arXiv preprint arXiv:ID`
    references, arXiv DOIs and BibTeX `eprint = {ID}` fields.
    """
    return _ordered(_scan(text, _ARXIV_PATTERNS, _arxiv_id))


# --- 4. The model's own paper, its report, and papers it cites --------------------------------

_NOT_FAMILY_WORDS = frozenset(
    {
        "base", "chat", "hf", "instruct", "it", "deduped", "uncased", "cased", "original",
        "small", "medium", "large", "tiny", "mini", "xs", "xl", "xxl", "sft", "dpo", "rlhf",
        "gguf", "gptq", "awq", "fp16", "bf16", "int4", "int8", "preview", "beta", "alpha",
    }
)  # fmt: skip


def model_family(model_id: str) -> str:
    """The family a Hub model id names: its name's leading words before size, version and kind.

    "EleutherAI/pythia-6.9b" -> "pythia", "allenai/OLMo-2-1124-13B" -> "olmo",
    "EleutherAI/gpt-neox-20b" -> "gpt-neox", "meta-llama/Meta-Llama-3-8B" -> "llama" (a leading
    word that repeats the namespace is the organisation's, not the family's).
    """
    namespace, _, name = model_id.rpartition("/")
    words = [w for w in re.split(r"[-_.\s]+", name.lower()) if w]
    owner_words = set(re.split(r"[-_.\s]+", namespace.lower()))

    def naming(word: str) -> bool:
        return not re.match(r"v?\d", word) and word not in _NOT_FAMILY_WORDS

    # Drop a leading organisation word only while a naming word follows it.
    while len(words) > 1 and words[0] in owner_words and naming(words[1]):
        words.pop(0)
    family: list[str] = []
    for word in words:
        if not naming(word):
            break
        family.append(word)
    return "-".join(family) or (words[0] if words else name.lower())


def _family_pattern(family: str) -> re.Pattern[str]:
    # "gpt-neox" matches "GPT-NeoX-20B" and "GPT NeoX"; digits may follow ("OLMo2", "Pythia-12B").
    words = [re.escape(w) for w in family.split("-") if w]
    return re.compile(r"(?<![A-Za-z0-9])" + r"[\s_-]*".join(words) + r"(?![A-Za-z])", re.I)


_CITATION_HEADING = re.compile(r"\b(citations?|cite|citing|bibtex)\b", re.I)
_BIBTEX_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})\s*bib(la)?tex\b", re.I)
_BIB_ENTRY = re.compile(r"@\w+\s*[{(]")


def _citation_regions(lines: Sequence[_Line]) -> list[str]:
    """Texts of Citation/BibTeX sections and of ```bibtex blocks, in document order."""
    regions: list[tuple[int, str]] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        if line.heading_level and _CITATION_HEADING.search(line.section):
            end = index + 1
            while end < len(lines) and not (
                lines[end].heading_level and lines[end].heading_level <= line.heading_level
            ):
                end += 1
            regions.append((index, "\n".join(x.text for x in lines[index + 1 : end])))
            index = end
            continue
        if not line.in_code or not _BIBTEX_FENCE.match(line.text):
            index += 1
            continue
        end = index + 1
        while end < len(lines) and lines[end].in_code and not _FENCE.match(lines[end].text):
            end += 1
        regions.append((index, "\n".join(x.text for x in lines[index + 1 : end])))
        index = end + 1
    return [text for _, text in sorted(regions)]


def _bib_entry(text: str, opening: int) -> str:
    """A BibTeX entry from its opening brace to the matching close (or the text's end)."""
    depth = 0
    for index in range(opening, len(text)):
        if text[index] in "{(":
            depth += 1
        elif text[index] in "})":
            depth -= 1
            if depth == 0:
                return text[opening : index + 1]
    return text[opening:]


def _first_citation(lines: Sequence[_Line]) -> tuple[list[str], bool]:
    """The arXiv ids of the first entry in the card's first citation, and whether one exists."""
    for region in _citation_regions(lines):
        entry = _BIB_ENTRY.search(region)
        if entry:
            return [m.value for m in arxiv_ids(_bib_entry(region, entry.end() - 1))], True
        ids = [m.value for m in arxiv_ids(region)]
        if ids:
            return ids[:1], True
    return [], False


_LIST_START = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_LABEL = re.compile(r"^\s*(?:[-*+]|\d+[.)])?\s*([A-Za-z][A-Za-z &()'-]{0,60}?)\s*:")
_PAPER_LABEL = re.compile(
    r"^(?:the\s+)?(?:papers?|research\s+papers?|technical\s+reports?|reports?|publications?|"
    r"preprints?|arxiv)$",
    re.I,
)
_RESOURCE_LABEL = re.compile(
    r"(resources|learn\s+more|model\s+sources?|^links?$|more\s+information|documentation)", re.I
)
_PAPER_TEXT = re.compile(
    r"^(?:(?:the|our|this|its|accompanying|model's)\s+)*(?:research\s+)?(?:paper|technical\s+"
    r"report|report|arxiv|preprint|publication)$",
    re.I,
)
_OWN_TEXT = re.compile(r"^(?:our|the\s+accompanying|accompanying|this\s+model's)\b", re.I)
_REPORT = re.compile(r"\b(technical\s+report|report)\b", re.I)
_DATA_PAPER = re.compile(r"\b(datasets?|corpus|corpora|datasheet|benchmark)\b", re.I)
_LINK = re.compile(r"\[([^\]]{1,400})\]\(\s*<?([^)\s>]+)")


def _logical_starts(lines: Sequence[_Line]) -> list[int]:
    """For each line, the line where its list item or paragraph begins."""
    starts: list[int] = []
    for number, line in enumerate(lines):
        begins = (
            number == 0
            or not lines[number - 1].text.strip()
            or line.heading_level
            or lines[number - 1].heading_level
            or _LIST_START.match(line.text)
            or _LABEL.match(line.text.replace("**", ""))
        )
        starts.append(number if begins else starts[number - 1])
    return starts


def _labelled_papers(lines: Sequence[_Line], family: str) -> dict[str, tuple[bool, str]]:
    """arXiv ids the card labels as the model's paper: id -> (labelled a report, reason)."""
    family_re = _family_pattern(family)
    starts = _logical_starts(lines)
    offsets: list[int] = []
    position = 0
    for line in lines:
        offsets.append(position)
        position += len(line.text) + 1
    body = "\n".join(line.text for line in lines)
    found: dict[str, tuple[bool, str]] = {}

    def note(ids: Iterable[str], report: bool, reason: str) -> None:
        for paper in ids:
            found.setdefault(paper, (report, reason))

    for number, line in enumerate(lines):
        if line.in_code:
            continue
        first = starts[number]
        logical = "\n".join(x.text for x in lines[first : number + 1]).replace("**", "")
        label = _LABEL.match(logical)
        if label and _PAPER_LABEL.match(label.group(1).strip()) and number == first:
            item_end = number + 1
            while item_end < len(lines) and starts[item_end] == first:
                item_end += 1
            item = "\n".join(x.text for x in lines[first:item_end])
            name = label.group(1).strip()
            note(
                (m.value for m in arxiv_ids(item)),
                bool(_REPORT.search(name)),
                f"The card's '{name}' field names it.",
            )
    for link in _LINK.finditer(body):
        ids = [m.value for m in arxiv_ids(link.group(2))]
        if not ids:
            continue
        number = bisect.bisect_right(offsets, link.start()) - 1
        if lines[number].in_code:
            continue
        text = " ".join(link.group(1).split())
        plain = _plain(text)
        logical = "\n".join(x.text for x in lines[starts[number] : number + 1]).replace("**", "")
        label = _LABEL.match(logical)
        field = label.group(1).strip() if label else ""
        in_resources = bool(field and _RESOURCE_LABEL.search(field))
        if family_re.search(plain):
            note(ids, bool(_REPORT.search(plain)), f"The card links to it as '{plain}'.")
        elif _PAPER_TEXT.match(plain) and (in_resources or _OWN_TEXT.match(plain)):
            where = f" in its '{field}' field" if in_resources else ""
            note(ids, bool(_REPORT.search(plain)), f"The card links to it as '{plain}'{where}.")
    return found


def paper_roles(
    *,
    model_id: str,
    front: Mapping[str, Any],
    body: str,
    tags: Sequence[str],
    records: Mapping[str, Mapping[str, Any]],
) -> dict[str, Role]:
    """What each arXiv paper a model card names is to the model: "own", "report" or "cited".

    Papers are those of the card's `arxiv:` tags (the Hub derives one from every arXiv link in
    the card) and those the body names. A paper is the model's own when the card says so: it is
    the first entry of the card's Citation/BibTeX section; a "Paper:"-style field names it; a
    link labelled "Paper" in a resources field, "our paper", or text naming the model's family
    points to it; or its arXiv record (from `records`, the "arxiv" payload) names the family in
    its title or abstract. An own paper is a "report" when its title says "Technical Report"
    or the card labels it a report. Everything else (benchmarks, baselines, methods, the
    datasets of others) is "cited". `front` is accepted for signals read from the front matter.
    """
    del front  # no front-matter key names a card's paper today; kept for the agreed signature
    family = model_family(model_id)
    family_re = _family_pattern(family)
    lines = _lines(body)
    mentioned = {m.value: m for m in arxiv_ids(body)}
    tagged = [
        re.sub(r"v\d+$", "", t.removeprefix("arxiv:"))
        for t in tags
        if isinstance(t, str) and t.startswith("arxiv:")
    ]
    order = list(mentioned) + [t for t in dict.fromkeys(tagged) if t not in mentioned]
    cited_first, has_citation = _first_citation(lines)
    labelled = _labelled_papers(lines, family)

    roles: dict[str, Role] = {}
    for paper in order:
        record = records.get(paper) or {}
        title = " ".join(str(record.get("title") or "").split())
        abstract = str(record.get("abstract") or "")
        reasons: list[str] = []
        report = bool(re.search(r"\btechnical\s+report\b", title, re.I))
        if paper in cited_first:
            reasons.append("It is the first entry of the card's citation section.")
        if paper in labelled:
            labelled_report, reason = labelled[paper]
            report = report or labelled_report
            reasons.append(reason)
        mention = mentioned.get(paper)
        data_paper = bool(_DATA_PAPER.search(title))
        if not reasons and data_paper:
            # A dataset's paper names the models trained on it ("The RefinedWeb Dataset for
            # Falcon LLM"); without the card's word it is cited for the data, not the model.
            reason = f"Its arXiv title, '{title}', presents a dataset: a data paper the card cites."
            roles[paper] = Role("cited", reason, mention)
            continue
        if title and family_re.search(title):
            reasons.append(f"Its arXiv title, '{title}', names the model family '{family}'.")
        elif abstract and family_re.search(abstract):
            reasons.append(f"Its arXiv abstract names the model family '{family}'.")
        if reasons:
            role: PaperRole = "report" if report else "own"
            roles[paper] = Role(role, reasons[0], mention)
            continue
        where = "The card cites it" if mention else "Only the card's Hub tag names it"
        checks = ["it is not the card's first citation" if has_citation else "no citation names it"]
        checks.append(f"no paper field or link labelled '{family}' points to it")
        checks.append(
            f"its arXiv record does not name '{family}'" if record else "no arXiv record was read"
        )
        roles[paper] = Role("cited", f"{where}, but {', '.join(checks)}.", mention)
    return roles


# --- 5. Datasets a card names ------------------------------------------------------------------

_DATASET_LINK = re.compile(
    r"(?<![\w.-])(?:https?://)?(?:www\.)?(?:huggingface\.co|hf\.co)/datasets/"
    r"([A-Za-z0-9][\w.-]*)(?:/([A-Za-z0-9][\w.-]*))?(/[^\s)\]\"'>]*)?"
)
# Second path segments that belong to a legacy one-segment id's pages, not to a dataset name.
_DATASET_PAGES = frozenset(
    {"tree", "blob", "resolve", "raw", "viewer", "discussions", "commits", "edit"}
)
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*(?:/[A-Za-z0-9][\w.-]*)?$")


def _dataset_id(match: re.Match[str]) -> str | None:
    first, second, rest = match.group(1), match.group(2), match.group(3) or ""
    if second and second in _DATASET_PAGES:
        rest, second = f"/{second}{rest}", None
    # Cards host their images in dataset repos ("allenai/blog-images/resolve/main/olmo.png"):
    # a link to a file there is not a dataset the model names.
    if re.match(r"/(resolve|raw)/", rest):
        return None
    name = f"{first}/{second}" if second else first
    return name.rstrip(".")


def normalise_dataset_id(value: str) -> str | None:
    """A Hub dataset id from how a card writes it: an id, or a dataset page URL; else None."""
    value = value.strip().strip("/")
    link = _DATASET_LINK.search(value)
    if link:
        return _dataset_id(link)
    return value if _HUB_ID.match(value) else None


def dataset_mentions(text: str) -> list[Mention]:
    """The Hub datasets a model card names: its `datasets:` front matter, then dataset links.

    Ids are normalised (`https://huggingface.co/datasets/allenai/dolma/tree/main` ->
    `allenai/dolma`); legacy one-segment ids (`the_pile`) are kept as written, since the Hub
    answers for them with a redirect when they were renamed.
    """
    front, body = split_card(text)
    declared = front.get("datasets")
    values = [declared] if isinstance(declared, str) else declared or []
    found: list[Mention] = []
    if isinstance(values, list):
        for raw in values:
            dataset = normalise_dataset_id(str(raw)) if isinstance(raw, str | int) else None
            if dataset:
                found.append(Mention(dataset, f"datasets: {raw}", ""))
    return _dedupe(found + _ordered(_scan(body, (_DATASET_LINK,), _dataset_id)))


# --- 6. Evaluation results and evaluation data -----------------------------------------------

_EVALUATION_WORDS = re.compile(
    r"\b(eval\w*|benchmarks?|results?|performance|scores?|leaderboards?|accuracy|zero-shot|"
    r"few-shot|\d+-shot)\b",
    re.I,
)
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_NUMBER = re.compile(
    r"^[~≈<>]?\s*[-+\u2212]?\d[\d,]*(?:\.\d+)?\s*%?\s*(?:(?:±|\+/-)\s*\d[\d.]*%?)?\s*(?:\(.*\))?$"
)
_LIST_RESULT = re.compile(
    r"^\s*(?:[-*+]|\d+[.)])?\s*(?:\*\*)?([A-Za-z][^:|]{0,60}?)(?:\*\*)?\s*:\s*(?:\*\*)?"
    r"[-+]?\d[\d,]*(?:\.\d+)?\s*%?(?:\*\*)?\s*(?:\([^)]*\))?\s*$"
)


def _numeric(cell: str) -> bool:
    return bool(_NUMBER.match(_plain(cell).replace("**", "")))


def _cells(row: str) -> list[str]:
    return [cell.strip() for cell in row.strip().strip("|").split("|")]


def _is_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return True
    return isinstance(value, str) and bool(_NUMBER.match(value.strip()))


def _model_index_results(front: Mapping[str, Any]) -> list[Mention]:
    found: list[Mention] = []
    index = front.get("model-index")
    for entry in index if isinstance(index, list) else []:
        results = entry.get("results") if isinstance(entry, dict) else None
        for result in results if isinstance(results, list) else []:
            if not isinstance(result, dict):
                continue
            metrics = [
                m
                for m in result.get("metrics") or []
                if isinstance(m, dict) and _is_number(m.get("value"))
            ]
            if not metrics:
                continue
            dataset = result.get("dataset") if isinstance(result.get("dataset"), dict) else {}
            name = dataset.get("name") or dataset.get("type") or "an unnamed dataset"
            values = ", ".join(
                f"{m.get('name') or m.get('type')} {m.get('value')}" for m in metrics
            )
            summary = f"{name}: {values}"[:LINE_LIMIT]
            found.append(Mention(summary, summary, "model-index"))
    return found


def _heading_paths(lines: Sequence[_Line]) -> list[tuple[str, ...]]:
    """For each line, the headings it sits under, outermost first."""
    paths: list[tuple[str, ...]] = []
    stack: list[tuple[int, str]] = []
    for line in lines:
        if line.heading_level:
            while stack and stack[-1][0] >= line.heading_level:
                stack.pop()
            stack.append((line.heading_level, line.section))
        paths.append(tuple(title for _, title in stack))
    return paths


def evaluation_results(front: Mapping[str, Any], body: str) -> list[Mention]:
    """Evaluation results a card publishes, one mention per result block.

    Reads the `model-index` front matter (results whose metrics carry values), and in the body
    markdown tables with at least two numeric cells whose header row or a heading above names
    evaluation, benchmarks or results, and runs of at least two "<benchmark>: <number>" lines
    under such a heading. A table's mention has its header row as value and its first numeric
    row as line; a run's has its first line as both.
    """
    found = _model_index_results(front)
    lines = _lines(body)
    paths = _heading_paths(lines)
    number = 0
    while number < len(lines):
        line = lines[number]
        under_evaluation = any(_EVALUATION_WORDS.search(h) for h in paths[number])
        nxt = lines[number + 1] if number + 1 < len(lines) else None
        if not line.in_code and "|" in line.text and nxt and _TABLE_RULE.match(nxt.text):
            end = number + 2
            while end < len(lines) and "|" in lines[end].text and lines[end].text.strip():
                end += 1
            rows = [x.text for x in lines[number + 2 : end]]
            numeric = [row for row in rows if any(_numeric(c) for c in _cells(row))]
            cells = sum(_numeric(c) for row in rows for c in _cells(row))
            header = _plain(line.text)
            if cells >= 2 and (under_evaluation or _EVALUATION_WORDS.search(header)):
                first = numeric[0].strip()[:LINE_LIMIT]
                found.append(Mention(line.text.strip()[:LINE_LIMIT], first, line.section))
            number = end
            continue
        if under_evaluation and not line.in_code and _LIST_RESULT.match(line.text):
            end, run = number + 1, 1
            while end < len(lines) and not lines[end].heading_level:
                if _LIST_RESULT.match(lines[end].text):
                    run += 1
                elif lines[end].text.strip():
                    break
                end += 1
            if run >= 2:
                first = line.text.strip()[:LINE_LIMIT]
                found.append(Mention(first, first, line.section))
            number = end
            continue
        number += 1
    return found


def evaluation_names(front: Mapping[str, Any], body: str) -> list[Mention]:
    """The names a card's results are reported under: benchmarks, tasks, datasets.

    Read where `evaluation_results` finds results: the header cells and first-column cells of
    results tables, the labels of "<benchmark>: <number>" runs, and `model-index` results'
    dataset names and types. Mention.value is the name as written (plain text), line the table
    header or the line it sits on. Which names are benchmarks is for the caller to decide.
    """
    found: list[Mention] = []
    index = front.get("model-index")
    for entry in index if isinstance(index, list) else []:
        for result in (entry.get("results") if isinstance(entry, dict) else None) or []:
            dataset = result.get("dataset") if isinstance(result, dict) else None
            if isinstance(dataset, dict):
                for key in ("name", "type"):
                    if isinstance(dataset.get(key), str) and dataset[key].strip():
                        value = dataset[key].strip()[:LINE_LIMIT]
                        found.append(Mention(value, value, "model-index"))
    for mention in evaluation_results({}, body):
        if mention.section == "model-index":
            continue
        if "|" in mention.value:
            header = _cells(mention.value)
            found.extend(Mention(_plain(c), mention.value, mention.section) for c in header[1:])
            found.extend(_first_column(body, mention))
        else:
            label = _LIST_RESULT.match(mention.value)
            if label:
                found.append(Mention(_plain(label.group(1)), mention.value, mention.section))
    return _dedupe(m for m in found if m.value)


def _first_column(body: str, table: Mention) -> list[Mention]:
    """The first cell of every body row of the table whose header is `table.value`."""
    lines = _lines(body)
    for number, line in enumerate(lines):
        if line.text.strip()[:LINE_LIMIT] != table.value:
            continue
        rows = []
        for row in lines[number + 2 :]:
            if "|" not in row.text or not row.text.strip():
                break
            cell = _plain(_cells(row.text)[0]) if _cells(row.text) else ""
            if cell:
                rows.append(Mention(cell, row.text.strip()[:LINE_LIMIT], table.section))
        return rows
    return []


# Placeholders cards put where no dataset applies (zephyr-7b-beta's MT-Bench result: "unknown").
_NOT_DATASETS = frozenset({"unknown", "other", "custom", "none", "null", "n/a", "na"})
_SHORT_DATASET_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
_NAMESPACED_DATASET_ID = re.compile(r"^[A-Za-z0-9][\w.-]{0,95}/[A-Za-z0-9][\w.-]{0,95}$")


def evaluation_datasets(front: Mapping[str, Any]) -> list[str]:
    """Hub dataset ids the card's `model-index` evaluates on (`results[].dataset.type`).

    The field is free text on many cards ("Open LLM Leaderboard", "MMLU (5-shot)"), so only
    values shaped like Hub ids are kept: `namespace/name`, or a one-segment lower-case slug
    (`ai2_arc`, `hellaswag`, `wikitext`) as the Hub's legacy canonical datasets are named. A slug
    that no longer exists simply answers not-found when the harvest asks for it. Placeholders
    ("unknown", "other") are dropped.
    """
    found: list[str] = []
    index = front.get("model-index")
    for entry in index if isinstance(index, list) else []:
        results = entry.get("results") if isinstance(entry, dict) else None
        for result in results if isinstance(results, list) else []:
            dataset = result.get("dataset") if isinstance(result, dict) else None
            value = dataset.get("type") if isinstance(dataset, dict) else None
            if not isinstance(value, str):
                continue
            value = value.strip()
            shaped = _NAMESPACED_DATASET_ID.match(value) or _SHORT_DATASET_ID.match(value)
            placeholder = value.lower() in _NOT_DATASETS or value.replace(".", "").isdigit()
            if shaped and not placeholder and value not in found:
                found.append(value)
    return found


# --- 7. Base models ---------------------------------------------------------------------------

_RELATIONS = ("finetune", "quantized", "adapter", "merge")
_RELATION_TAG = re.compile(r"^base_model:(finetune|quantized|adapter|merge):(.+)$")


def _model_id(value: str) -> str | None:
    value = value.strip()
    value = re.sub(r"^(?:https?://)?(?:www\.)?(?:huggingface\.co|hf\.co)/", "", value)
    value = re.sub(r"/(?:tree|blob|resolve)/.*$", "", value).strip("/")
    return value if _HUB_ID.match(value) else None


def base_models(front: Mapping[str, Any]) -> list[str]:
    """The base models a card's `base_model` names (a string or a list), as Hub ids."""
    raw = front.get("base_model")
    values = [raw] if isinstance(raw, str) else raw if isinstance(raw, list) else []
    found: list[str] = []
    for value in values:
        model = _model_id(value) if isinstance(value, str) else None
        if model and model.lower() not in {f.lower() for f in found}:
            found.append(model)
    return found


def base_model_relation(front: Mapping[str, Any], tags: Sequence[str]) -> str | None:
    """How the model derives from its base: "finetune", "quantized", "adapter" or "merge".

    The card's own `base_model_relation` wins; else the Hub's `base_model:<relation>:<id>` tags
    say it. None when neither does.
    """
    declared = front.get("base_model_relation")
    if isinstance(declared, str) and declared.strip().lower() in _RELATIONS:
        return declared.strip().lower()
    for tag in tags:
        match = _RELATION_TAG.match(tag) if isinstance(tag, str) else None
        if match:
            return match.group(1)
    return None


# --- 8. What a GitHub repository serves --------------------------------------------------------


@dataclass(frozen=True)
class Signal:
    """One row of the serves table: a path or README pattern that shows a component.

    Path patterns are matched against the tree without tests, docs, examples, configs and
    vendored code (`configs=True` rows read configs too). A `sentence` row counts only when the
    tree holds source code, since a README alone serves no code; a `packaged` row only when the
    repository root has a packaging file. `{name}` in a sentence stands for the repository name.
    A `files` row needs that many matching paths (one results file may be a fixture).
    """

    component: str
    path: str = ""
    sentence: str = ""
    packaged: bool = False
    configs: bool = False
    files: int = 1  # how many paths must match


SERVES_SIGNALS: tuple[Signal, ...] = (
    Signal("model-architecture", path=r"(^|/)modeling_\w+\.py$"),
    Signal("model-architecture", path=r"^(?!(.*/)?api/)(.*/)?model\.py$"),
    Signal(
        "model-architecture",
        path=r"(^|/)([a-z0-9]+_)?(transformer|attention|unet|gpt2?_model)\.py$",
    ),
    Signal("model-architecture", path=r"(^|/)model/([\w-]+/)*[\w-]+\.py$"),
    Signal(
        "model-architecture", sentence=r"\b(implement\w*|defin\w*)\s+(\S+\s+){0,3}architectures?\b"
    ),
    Signal(
        "training-code",
        path=r"(^|/)(train|training|pretrain|pretraining|finetune|finetuning|fine_tune)"
        r"([_-][\w-]*)?\.(py|sh)$",
    ),
    Signal("training-code", path=r"(^|/)(training|train)/[^/]+\.(py|sh)$"),
    Signal(
        "training-code",
        path=r"(^|/)configs?/(.*/)?[^/]*pre-?train[^/]*\.(ya?ml|json)$",
        configs=True,
    ),
    Signal(
        "training-code",
        sentence=r"\b(train(ing)?\s+(code|scripts?|recipes?|loop)|(code|library|repository)\s+"
        r"for\s+training)\b",
    ),
    Signal(
        "inference-code",
        path=r"(^|/)(inference|infer|generate|generation|predict|serve|server|serving|chat|"
        r"txt2img|img2img)([_-](text|images?|samples?|model|lm|hf|cli|server|api))?\.py$",
    ),
    Signal("inference-code", path=r"(^|/)sample[_-](diffusion|text|images?|model|lm)\.py$"),
    Signal("inference-code", path=r"(^|/)(inference|serving|pipelines)/([\w-]+/)*[\w-]+\.py$"),
    Signal(
        "inference-code",
        sentence=r"\b(inference\s+(code|scripts?)|(code|scripts?)\s+for\s+(running\s+)?inference|"
        r"produce\s+predictions\s+from|for\s+training,\s+evaluation,?\s+and\s+inference|"
        r"(reference\s+)?sampling\s+script|generate\s+(text|images?)\s+(with|from|using))\b",
    ),
    Signal(
        "evaluation-code",
        path=r"(^|/)(eval|evaluate|evaluation|evaluator)([_-][\w-]*)?\.(py|sh)$",
    ),
    Signal(
        "evaluation-code",
        path=r"(^|/)(eval|evals|evaluation|lm_eval)/([\w-]+/)*[\w-]+\.(py|sh|rs|jl|js|ts|ipynb)$",
    ),
    # Result files the repository publishes: evaluation results, a document, not code.
    Signal(
        "evaluation-results",
        path=r"(^|/)(results?|evals?|evaluations?|benchmarks?)/([\w.-]+/)*[\w.-]+\.(json|jsonl|csv|tsv)$",
        files=2,
    ),
    Signal(
        "evaluation-code",
        sentence=r"\b(evaluation\s+(harness|code|suite|framework|scripts?|pipeline)|"
        r"evaluat(e|ing)\s+(\w+\s+){0,3}(language\s+)?models?)\b",
    ),
    Signal(
        "data-preprocessing-code",
        path=r"(^|/)(preprocess\w*|prepare_data|prep_data|data_prep|tokenize|dedup|"
        r"dedupe|deduper|deduplicate|deduplication|mixer|tagger|taggers)([_-][\w-]*)?\.(py|rs|sh)$",
    ),
    Signal(
        "data-preprocessing-code",
        path=r"(^|/)(preprocess\w*|data_prep\w*|data/prep\w*|dedup\w*|taggers|mixers?)/"
        r"([\w-]+/)*[\w-]+\.(py|rs|sh)$",
    ),
    Signal(
        "data-preprocessing-code",
        sentence=r"\b(data\s+(processing|preprocessing|curation|cleaning|preparation)\s+(pipeline|"
        r"toolkit|tools?|code|scripts?)|curat\w+\s+(\w+\s+){0,2}datasets?|deduplicat\w+\s+(code|"
        r"scripts?|tools?|pipeline)|preprocess\w*\s+(the\s+)?(data|datasets?|corpus|corpora)|"
        r"(code|scripts?|tools?)\s+(to|for)\s+(prepar\w*|process\w*|clean\w*|build\w*|creat\w*)"
        r"\s+(the\s+)?(\w+\s+){0,3}(data|datasets?|corpus|corpora))\b",
    ),
    Signal(
        "supporting-libraries",
        sentence=r"\b((this|our)\s+(\S+\s+){0,4}(library|toolkit|framework|package)|is\s+an?\s+"
        r"(\S+\s+){0,4}(library|toolkit|framework))\b",
        packaged=True,
    ),
    Signal(
        "supporting-libraries",
        sentence=r"\bpip\s+install\s+(-U\s+|--upgrade\s+)?[\"'`]?[\w.-]*{name}",
        packaged=True,
    ),
)

# Folders whose files say nothing about what the repository itself serves: tests, docs,
# examples, vendored code, one-off analyses, and a harness's task definitions.
_NOISE = re.compile(
    r"(^|/)(tests?|docs?|examples?|\.github|third_party|vendor|dependencies|node_modules|assets|"
    r"images|case[-_]studies|notebooks|tasks|analysis|analyses)/",
    re.I,
)
_CONFIGS = re.compile(r"(^|/)configs?/", re.I)
_SOURCE_FILE = re.compile(
    r"\.(py|pyx|rs|c|cc|cpp|cu|h|hpp|go|java|jl|js|ts|sh|ipynb|scala|lua|swift|kt)$", re.I
)
_PACKAGE_FILE = re.compile(r"^(setup\.py|setup\.cfg|pyproject\.toml|Cargo\.toml|package\.json)$")
# A README line shorter than this is a heading, a link or a table-of-contents entry.
_SENTENCE_WORDS = 6


def _readme_sentences(text: str) -> Iterator[str]:
    """README lines that read as sentences (code lines included, for `pip install`)."""
    for line in _lines(text):
        code = line.in_code and line.text.strip()
        if code or (not line.heading_level and len(_plain(line.text).split()) >= _SENTENCE_WORDS):
            yield line.text


def holds_source(paths: Sequence[str]) -> bool:
    """Whether a repository tree holds source code anywhere outside tests and docs."""
    return any(_SOURCE_FILE.search(p) for p in paths if not _TESTS_OR_DOCS.search(p))


_TESTS_OR_DOCS = re.compile(r"(^|/)(tests?|docs?|\.github)/", re.I)


def _first_path(pattern: re.Pattern[str], paths: Sequence[str]) -> str | None:
    """The shallowest path the pattern matches: a top-level `train.py` says more than a helper."""
    hits = [p for p in paths if pattern.search(p) and not p.endswith("__init__.py")]
    return min(hits, key=lambda p: p.count("/")) if hits else None


def repo_serves(
    *, full_name: str, paths: Sequence[str], readme: str, description: str = ""
) -> list[Served]:
    """The code components a GitHub repository serves, each with the path or sentence showing it.

    Decided from the repository's tree (`paths`, every blob path) and its README and
    description through `SERVES_SIGNALS`; a path beats a sentence as evidence. README sentences
    count only when the tree holds source code and library claims only when the root has a
    packaging file, so a repository with only a README serves nothing. Components come in
    `registry.components` order.
    """
    code_paths = [p for p in paths if not _NOISE.search(p)]
    plain_paths = [p for p in code_paths if not _CONFIGS.search(p)]
    has_source = any(_SOURCE_FILE.search(p) for p in plain_paths)
    packaged = any(_PACKAGE_FILE.match(p) for p in paths)
    words = re.split(r"[-_.]+", full_name.rpartition("/")[2].lower())
    name = "[-_.]?".join(re.escape(w) for w in words if w)
    sentences = list(_readme_sentences(f"{description}\n\n{readme}"))
    served: dict[str, Served] = {}
    for component in (c.id for c in COMPONENTS):
        rows = [s for s in SERVES_SIGNALS if s.component == component]
        for row in (r for r in rows if r.path):
            pattern = re.compile(row.path, re.I)
            searched = code_paths if row.configs else plain_paths
            hit = _first_path(pattern, searched)
            if hit and (
                row.files == 1 or sum(1 for p in searched if pattern.search(p)) >= row.files
            ):
                served[component] = Served(component, "path", hit)
                break
        if component in served or not has_source:
            continue
        for row in (r for r in rows if r.sentence and (packaged or not r.packaged)):
            pattern = re.compile(row.sentence.replace("{name}", name), re.I)
            for line in sentences:
                match = pattern.search(line)
                if match:
                    quote = _quote(line, match.start(), match.end())
                    served[component] = Served(component, "sentence", quote)
                    break
            if component in served:
                break
    return list(served.values())


# --- 9. Open-source claims --------------------------------------------------------------------

_CLAIM = re.compile(
    r"\b(open[\s-]?sourced?|fully[\s-]open|open[\s-](?:language\s+)?models?)\b", re.I
)
_NEGATION = re.compile(r"(\b(not|never|no\s+longer|nor)\b|n't\b|\bnon-?)[\s\w-]{0,20}$", re.I)
# "open-source library", "open source code": claims about software, not about the model.
_SOFTWARE = re.compile(
    r"^[\s-]*(librar(y|ies)|toolkits?|frameworks?|software|code(base)?|tools?|implementations?|"
    r"packages?|projects?|ecosystem|communit(y|ies)|datasets?)\b",
    re.I,
)
# "better than other open-source models": a claim about other models, not this one.
_COMPARISON = re.compile(
    r"\b(than|other|comparable|comparably|similar|similarly|existing|equivalently|vs|versus|"
    r"compared\s+(to|with)|among|like)\b[\s\w,-]{0,25}$",
    re.I,
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z*\[(\"'])")


def _claim_kind(phrase: str) -> str:
    lowered = phrase.lower()
    if lowered.startswith("fully"):
        return "fully open"
    if "source" in lowered:
        return "open source"
    return "open model"


def open_source_claims(text: str) -> list[Mention]:
    """Sentences where a card, README or summary calls the model open source or fully open.

    Finds "open source", "open-source", "fully open" and "open model(s)"; skips negations
    ("not open source", "non-open-source"), comparisons with other models ("outperforms
    comparable open-source models"), phrases about software ("an open-source library") and
    table rows. Mention.value is the kind of claim ("open source", "fully open", "open model"),
    line the sentence. Front matter is not read.
    """
    _, body = split_card(text)
    lines = _lines(body)
    found: list[Mention] = []
    paragraph: list[_Line] = []

    def flush() -> None:
        if not paragraph:
            return
        joined = " ".join(line.text.strip() for line in paragraph)
        section = paragraph[0].section
        for sentence in _SENTENCE_END.split(joined):
            for match in _CLAIM.finditer(sentence):
                before, after = sentence[: match.start()], sentence[match.end() :]
                if _NEGATION.search(before) or _COMPARISON.search(before) or _SOFTWARE.match(after):
                    continue
                quote = _quote(sentence, match.start(), match.end())
                found.append(Mention(_claim_kind(match.group(1)), _plain(quote), section))
                break
        paragraph.clear()

    for line in lines:
        # Tables hold names and numbers ("Partially open models:" rows), not the card's claims.
        if line.in_code or line.heading_level or not line.text.strip() or "|" in line.text:
            flush()
            continue
        if _LIST_START.match(line.text):
            flush()
        paragraph.append(line)
    flush()
    return found


# --- 10. Usage code in a card -----------------------------------------------------------------

_LOADS = re.compile(r"\b(from_pretrained|pipeline|load_model|hf_hub_download)\s*\(", re.I)
_IMPORT = re.compile(r"^\s*(from\s+[\w.]+\s+import\b|import\s+[\w.]+)")
_RUNS = re.compile(
    r"\.(generate|predict|encode|decode)\s*\(|\bpipe(line)?\s*\(|\(\s*\*\*\w+|\bmodel\s*\(", re.I
)


def usage_code(body: str) -> Mention | None:
    """The first code block of a card that imports a library, loads a model and runs it.

    Such a block is a complete inference script published with the card. Mention.value is the
    block's loading line, line the same, section the heading above it.
    """
    lines = _lines(body)
    block: list[_Line] = []
    for line in [*lines, _Line("", "", 0, False, 0)]:
        if line.in_code:
            block.append(line)
            continue
        if block:
            texts = [b.text for b in block]
            loads = next((t for t in texts if _LOADS.search(t)), None)
            if (
                loads
                and any(_IMPORT.match(t) for t in texts)
                and any(_RUNS.search(t) for t in texts)
            ):
                quote = loads.strip()[:LINE_LIMIT]
                return Mention(quote, quote, block[0].section)
            block = []
    return None


# --- 11. What a text discloses about training data --------------------------------------------

DataFacet = Literal["data-provenance", "data-characteristics", "data-labelling"]


@dataclass(frozen=True)
class Disclosure:
    """One passage of a text that discloses a facet of the training data, and of which kind."""

    facet: DataFacet
    kind: str  # "table", "list", "section", "sentence", "size": what shows it
    line: str  # the quoted passage, at most LINE_LIMIT characters
    section: str


# Template text dataset cards leave where nothing was written.
_PLACEHOLDER = re.compile(
    r"^\W*(\[?more\s+information\s+needed\]?|n/?a|tbd|todo|coming\s+soon|unknown|none)\W*$", re.I
)
_ROW_WORDS = re.compile(r"[A-Za-z]")
_SIZE = re.compile(
    r"\b\d[\d.,]*\s*(?:[kmbt]|thousand|million|billion|trillion)?\+?\s*"
    r"(?:tokens|documents|docs|samples|examples|images|image-text\s+pairs|text\s+pairs|words|"
    r"instances|conversations|dialogues|sentences|passages|hours\s+of\s+\w+|articles|repositories)\b",
    re.I,
)
# A size or a table says something about the training data only under a heading, or in a
# line, about data.
_DATA_CONTEXT = re.compile(r"\b(data|datasets?|corpus|corpora|mix|mixture|pre-?training)\b", re.I)


# A named source: a link, or a proper name such as "Common Crawl", "StarCoder" or "C4".
_SOURCE_NAME = r"(\[|https?://|[A-Z][\w.-]*[A-Z0-9][\w.-]*|[A-Z][a-z]+\s+[A-Z])"


@dataclass(frozen=True)
class DataSignal:
    """One row of the disclosure table.

    `heading`: a heading under which real prose (not a template placeholder) discloses the
    facet. `column`: a table header cell naming it, with at least two rows. `lead`: a line
    ending in ":" that introduces a list of at least two named items. `sentence`: a pattern a
    sentence must match.
    """

    facet: DataFacet
    heading: str = ""
    column: str = ""
    lead: str = ""
    sentence: str = ""


DATA_SIGNALS: tuple[DataSignal, ...] = (
    DataSignal(
        "data-provenance",
        heading=r"^(source\s+data|data\s+sources?|sources?\s+of\s+(the\s+)?data|data\s*mix(ture)?|"
        r"data\s+composition|composition|initial\s+data\s+collection.*|data\s+collection|"
        r"who\s+are\s+the\s+source\s+\w+\s+producers\??)$",
    ),
    DataSignal(
        "data-provenance",
        column=r"^(sources?|subsets?|datasets?|data\s*sets?|data\s+sources?|corpus|corpora|domains?|"
        r"components?)$",
    ),
    DataSignal(
        "data-provenance",
        lead=r"\b(sources?|datasets?|subsets?|corpora|data\s*mix|consists?\s+of|comes?\s+from|"
        r"drawn\s+from|collected\s+from|following\s+(data|datasets?|sources?))\b",
    ),
    DataSignal(
        "data-provenance",
        sentence=r"(?i:\b(comes?|came|collected|sourced|drawn|derived|obtained|scraped|crawled|"
        r"gathered|taken|built|constructed|extracted|sampled|filtered)\s+(\w+\s+){0,3}from\s+"
        rf"(the\s+)?){_SOURCE_NAME}|(?i:\b(pre-?)?train(ed|ing)\s+on\s+(\w+\s+){{0,4}}?(the\s+)?)"
        rf"{_SOURCE_NAME}",
    ),
    DataSignal(
        "data-characteristics",
        heading=r"^(dataset\s+structure|data\s+instances|data\s+fields|data\s+splits|"
        r"(summary\s+|data(set)?\s+)?statistics|dataset\s+summary|languages|data\s+format)$",
    ),
    DataSignal(
        "data-characteristics",
        column=r"\b(tokens?|size|documents?|words|bytes|examples|rows|samples|instances|#)\b",
    ),
    DataSignal("data-characteristics", sentence=_SIZE.pattern),
    DataSignal(
        "data-labelling",
        heading=r"^(annotations?|annotation\s+process|who\s+are\s+the\s+annotators\??|labell?ing|"
        r"(data\s+)?(pre-?)?processing|filtering|quality\s+filtering|deduplication|"
        r"(data\s+)?cleaning|data\s+preparation|data\s+curation|curation|data\s+pipeline|"
        r"initial\s+data\s+collection\s+and\s+normali[sz]ation)$",
    ),
    DataSignal(
        "data-labelling",
        lead=r"\b(prepared|processed|cleaned|filtered|curated|built)\s+(\w+\s+){0,3}"
        r"(following\s+steps|as\s+follows|steps)\b|\bsteps\s*:",
    ),
    DataSignal(
        "data-labelling",
        sentence=r"\b(filtered|deduplicated|de-duplicated|dedup(ed|licated)?|cleaned|"
        r"decontaminated|annotated|labell?ed|normali[sz]ed|quality[- ]filter\w*|"
        r"removed\s+(\w+\s+){0,3}(duplicates?|documents?|boilerplate|pii|toxic))\b",
    ),
)
# Sentences kept per facet: two that each name something disclose it; one only in part.
SENTENCES_KEPT = 2
# A heading's prose must have this many words to disclose anything.
_SECTION_WORDS = 12
_KINDS = ("heading", "column", "lead", "sentence")


def _section_prose(lines: Sequence[_Line], start: int) -> str:
    """The words under a heading, up to the next heading of the same or a higher level."""
    level = lines[start].heading_level
    words: list[str] = []
    for line in lines[start + 1 :]:
        if line.heading_level and line.heading_level <= level:
            break
        text = _plain(line.text)
        if line.heading_level or not text or _PLACEHOLDER.match(text):
            continue
        words.append(text)
    return " ".join(words)


def _table_at(lines: Sequence[_Line], number: int) -> tuple[list[str], list[str]] | None:
    """Header cells and body rows of a markdown table whose header is lines[number]."""
    line = lines[number]
    nxt = lines[number + 1] if number + 1 < len(lines) else None
    if line.in_code or "|" not in line.text or not nxt or not _TABLE_RULE.match(nxt.text):
        return None
    end = number + 2
    while end < len(lines) and "|" in lines[end].text and lines[end].text.strip():
        end += 1
    rows = [x.text for x in lines[number + 2 : end] if _ROW_WORDS.search(x.text)]
    return [_plain(c).lower() for c in _cells(line.text)], rows


def _list_after(lines: Sequence[_Line], number: int) -> list[str]:
    """The items of the list that follows lines[number], stopping at prose or a heading."""
    items: list[str] = []
    for line in lines[number + 1 :]:
        if line.heading_level or line.in_code:
            break
        if not line.text.strip():
            if items:
                continue
            continue
        if _LIST_START.match(line.text):
            items.append(_plain(_LIST_START.sub("", line.text)))
        elif items and line.text.startswith((" ", "\t")):
            continue
        else:
            break
    return items


def _sources_column(header: Sequence[str]) -> bool:
    provenance = next(s.column for s in DATA_SIGNALS if s.facet == "data-provenance" and s.column)
    return any(re.search(provenance, cell, re.I) for cell in header)


def _named(item: str) -> bool:
    """A list item that names something: a capitalised word, a digit or an id."""
    return bool(re.match(r"^\W*([A-Z0-9]|\w+/\w+)", item))


def data_disclosures(text: str) -> list[Disclosure]:
    """What a card or README discloses about training data: one passage per facet and kind, two
    sentences.

    Read through `DATA_SIGNALS`: a data heading with real prose under it, a table whose header
    names sources or sizes, a line ending in ":" that introduces a list of named sources or
    processing steps, or a sentence that names where data came from ("collected from Common
    Crawl"), its size ("3 trillion tokens") or how it was cleaned ("deduplicated"). Vague words
    name nothing: "publicly available sources" is no provenance. Front matter is not read.
    """
    return list(_data_disclosures(text))


# Each facet and each audit round reads the same cards: read each text once.
@functools.lru_cache(maxsize=512)
def _data_disclosures(text: str) -> tuple[Disclosure, ...]:
    _, body = split_card(text)
    lines = _lines(body)
    found: dict[tuple[str, str, str], Disclosure] = {}

    def note(facet: DataFacet, kind: str, line: str, section: str) -> None:
        if kind == "sentence":
            # Several sentences, each naming one thing, can together disclose what a table does.
            quotes = [d.line for (f, k, _), d in found.items() if f == facet and k == kind]
            if len(quotes) < SENTENCES_KEPT and line[:LINE_LIMIT] not in quotes:
                key = (facet, kind, str(len(quotes)))
                found[key] = Disclosure(facet, kind, line[:LINE_LIMIT], section)
            return
        found.setdefault((facet, kind, ""), Disclosure(facet, kind, line[:LINE_LIMIT], section))

    paths = _heading_paths(lines)
    for number, line in enumerate(lines):
        if line.in_code:
            continue
        plain = _plain(line.text)
        about_data = any(_DATA_CONTEXT.search(h) for h in paths[number])
        for signal in DATA_SIGNALS:
            if signal.heading and line.heading_level:
                if re.match(signal.heading, line.section.strip(" :"), re.I):
                    prose = _section_prose(lines, number)
                    if len(prose.split()) >= _SECTION_WORDS:
                        note(signal.facet, "section", prose, line.section)
            elif signal.column and not line.heading_level:
                table = _table_at(lines, number)
                if (
                    table
                    and len(table[1]) >= 2
                    and any(re.search(signal.column, c, re.I) for c in table[0])
                    and (
                        signal.facet == "data-provenance" or about_data or _sources_column(table[0])
                    )
                ):
                    note(
                        signal.facet,
                        "table",
                        f"{line.text.strip()} {table[1][0].strip()}",
                        line.section,
                    )
            elif signal.lead and plain.endswith(":") and re.search(signal.lead, plain, re.I):
                items = _list_after(lines, number)
                if len([i for i in items if _named(i)]) >= 2:
                    note(signal.facet, "list", f"{plain} {'; '.join(items[:4])}", line.section)
            elif signal.sentence and not line.heading_level and "|" not in line.text:
                flags = 0 if signal.facet == "data-provenance" else re.I
                match = re.search(signal.sentence, plain, flags)
                sized = (
                    signal.facet != "data-characteristics"
                    or about_data
                    or _DATA_CONTEXT.search(plain)
                )
                if match and sized:
                    note(
                        signal.facet,
                        "sentence",
                        _quote(plain, match.start(), match.end()),
                        line.section,
                    )
    return tuple(found.values())
