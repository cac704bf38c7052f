"""Strict parsing of what people submit: only Hub and GitHub repositories, and paper links.

Whatever a person types becomes a (source, locator) pair or an error that says what is
accepted. Nothing here fetches anything; the server only ever calls the Hub and GitHub clients
with the ids parsed here, never a URL a person typed.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from huggingface_hub.errors import HFValidationError
from huggingface_hub.utils import validate_repo_id

MAX_INPUT = 300
HUB_HOSTS = ("huggingface.co", "www.huggingface.co", "hf.co")
GITHUB_HOSTS = ("github.com", "www.github.com")
GITHUB_REPO = re.compile(r"\A[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}\Z")
ARXIV_ID = re.compile(r"\A(?:\d{4}\.\d{4,5}|[a-z-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?\Z")
DOI = re.compile(r"\A10\.\d{4,9}/[-._;()/:A-Za-z0-9]{1,200}\Z")
HUB_ACCEPTED = "a Hugging Face repo id (namespace/name) or its https://huggingface.co/ URL"
GITHUB_ACCEPTED = "a GitHub repository (owner/repo) or its https://github.com/ URL"
PAPER_ACCEPTED = (
    "an arXiv id or link (https://arxiv.org/abs/…) or a DOI (10.…/… or https://doi.org/…)"
)


class IntakeError(ValueError):
    """Input that is not one of the accepted forms; the message says which forms are."""


def _clean(value: str, what: str) -> str:
    text = (value or "").strip()
    if not text:
        raise IntakeError(f"{what} is empty.")
    if len(text) > MAX_INPUT:
        raise IntakeError(f"{what} is longer than {MAX_INPUT} characters.")
    if not text.isascii() or any(c.isspace() or ord(c) < 32 for c in text):
        # Look-alike letters (a Cyrillic o in huggingface.co) and hidden characters.
        raise IntakeError(f"{what} may hold only plain ASCII letters, digits and punctuation.")
    return text


def _url_path(text: str, hosts: tuple[str, ...], accepted: str) -> str | None:
    """The path of an https URL on one of `hosts`; None when the text is not a URL at all."""
    if "://" not in text and not text.lower().startswith(("javascript:", "data:", "file:")):
        return None
    parts = urlsplit(text)
    if parts.scheme != "https" or parts.hostname not in hosts or parts.port or parts.username:
        raise IntakeError(f"Only {accepted} is accepted.")
    return parts.path


def _repo_id(path: str, *, skip: str = "") -> str:
    segments = [s for s in path.split("/") if s]
    if skip and segments[:1] == [skip]:
        segments = segments[1:]
    return "/".join(segments[:2])


def parse_hub_repo(value: str, *, kind: str = "model") -> str:
    """A Hub model (or dataset) id, from an id or a huggingface.co URL."""
    what = "The Hugging Face dataset" if kind == "dataset" else "The Hugging Face model"
    text = _clean(value, what)
    path = _url_path(text, HUB_HOSTS, HUB_ACCEPTED)
    repo_id = _repo_id(path, skip="datasets" if kind == "dataset" else "") if path else text
    if repo_id.count("/") != 1 or ".." in repo_id:
        raise IntakeError(f"{what} must be {HUB_ACCEPTED}, e.g. EleutherAI/pythia-6.9b.")
    try:
        validate_repo_id(repo_id)
    except HFValidationError:
        raise IntakeError(f"{what} must be {HUB_ACCEPTED}, e.g. EleutherAI/pythia-6.9b.") from None
    return repo_id


def parse_github_repo(value: str) -> str:
    """A GitHub owner/repo, from that form or a github.com URL."""
    text = _clean(value, "The GitHub repository")
    path = _url_path(text, GITHUB_HOSTS, GITHUB_ACCEPTED)
    repo = _repo_id(path) if path else text
    repo = repo.removesuffix(".git")
    if not GITHUB_REPO.match(repo) or ".." in repo:
        raise IntakeError(
            f"The GitHub repository must be {GITHUB_ACCEPTED}, e.g. EleutherAI/gpt-neox."
        )
    return repo


def parse_paper(value: str) -> str:
    """A paper link made canonical: https://arxiv.org/abs/<id> or https://doi.org/<doi>."""
    text = _clean(value, "The paper")
    lowered = text.lower()
    if lowered.startswith("arxiv:"):
        text = text[6:]
    elif lowered.startswith("doi:"):
        text = text[4:]
    elif "://" in text or lowered.startswith(("javascript:", "data:", "file:")):
        parts = urlsplit(text)
        if parts.scheme != "https" or parts.port or parts.username:
            raise IntakeError(f"The paper must be {PAPER_ACCEPTED}.")
        if parts.hostname in ("arxiv.org", "www.arxiv.org"):
            text = parts.path.removeprefix("/abs/").removeprefix("/pdf/").removesuffix(".pdf")
        elif parts.hostname in ("doi.org", "dx.doi.org"):
            text = parts.path.lstrip("/")
        else:
            raise IntakeError(f"The paper must be {PAPER_ACCEPTED}.")
    if ARXIV_ID.match(text):
        return f"https://arxiv.org/abs/{text}"
    if DOI.match(text):
        return f"https://doi.org/{text}"
    raise IntakeError(f"The paper must be {PAPER_ACCEPTED}.")


def parse_list(values: list[str] | str, parse: object, *, limit: int = 10) -> list[str]:
    """Several entries (a list, or text with one per line), each parsed, duplicates dropped."""
    items = values.splitlines() if isinstance(values, str) else list(values)
    items = [i for i in (item.strip() for item in items) if i]
    if len(items) > limit:
        raise IntakeError(f"At most {limit} entries are accepted.")
    return list(dict.fromkeys(parse(item) for item in items))  # type: ignore[operator]
