"""arXiv's OAI-PMH interface: one paper's record, with the license it was submitted under."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any

import httpx2

from audits.sources import (
    Fetched,
    GuardedTransport,
    NotFound,
    Permanent,
    Policy,
    RateLimited,
    Transient,
    read_capped,
)

OAI = "{http://www.openarchives.org/OAI/2.0/}"
ARXIV = "{http://arxiv.org/OAI/arXiv/}"
MAX_BODY_BYTES = 2 * 1024 * 1024
# New-style ids (2304.01373, 0704.0002) and old-style ones (hep-th/9901001, math.GT/0309136).
ID_RE = re.compile(r"^(\d{4}\.\d{4,5}|[a-z][a-z.-]*(?:\.[A-Z]{2})?/\d{7})(v\d+)?$")


def normalise_id(arxiv_id: str) -> str:
    """The id without its version suffix; ValueError for anything that is not an arXiv id."""
    found = ID_RE.match(arxiv_id.strip())
    if found is None:
        msg = f"{arxiv_id!r} is not an arXiv identifier"
        raise ValueError(msg)
    return found.group(1)


class ArxivClient:
    """Reads GetRecord answers (metadataPrefix=arXiv) from an OAI-PMH `base_url`."""

    def __init__(self, base_url: str, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        # Redirects are followed on the interface's own host only.
        policy = Policy.for_urls("arXiv", [self.base_url], max_bytes=MAX_BODY_BYTES)
        self.http = httpx2.Client(
            timeout=timeout, follow_redirects=True, transport=GuardedTransport(policy)
        )

    def record(self, arxiv_id: str) -> Fetched:
        """The paper's record; NotFound when arXiv has no such identifier."""
        try:
            paper = normalise_id(arxiv_id)
        except ValueError as error:
            raise Permanent(str(error)) from error
        params = {
            "verb": "GetRecord",
            "identifier": f"oai:arXiv.org:{paper}",
            "metadataPrefix": "arXiv",
        }
        try:
            with self.http.stream("GET", self.base_url, params=params) as response:
                _raise_for_status(paper, response)
                raw = read_capped(response, limit=MAX_BODY_BYTES, source="arXiv", what=paper)
        except httpx2.TimeoutException as error:
            raise Transient(f"arXiv did not answer in time for {paper}") from error
        except httpx2.TransportError as error:
            raise Transient(f"cannot reach arXiv for {paper}: {error}") from error
        payload = record_payload(raw.decode("utf-8", errors="replace"))
        # Papers are never renamed: a record of another paper is a wrong answer, not evidence.
        if payload["id"] != paper:
            raise Transient(f"arXiv sent the record of {payload['id']} when asked for {paper}")
        return Fetched(
            payload=payload,
            url=f"https://arxiv.org/abs/{payload['id']}",
            revision=payload["updated"] or payload["created"] or "",
        )

    def close(self) -> None:
        self.http.close()


def _raise_for_status(paper: str, response: httpx2.Response) -> None:
    status = response.status_code
    if status < 400:
        return
    # arXiv's OAI throttling answers 503 with Retry-After.
    retry_after = response.headers.get("Retry-After", "")
    if status in (429, 503) and retry_after.isdigit():
        raise RateLimited(f"arXiv asked us to wait for {paper}", retry_after=float(retry_after))
    if status >= 500 or status in (408, 429):
        raise Transient(f"arXiv answered {status} for {paper}")
    if status == 404:
        raise NotFound(f"arXiv has no record {paper}")
    raise Permanent(f"arXiv answered {status} for {paper}")


def _text(element: ET.Element | None, tag: str) -> str | None:
    found = element.find(f"{ARXIV}{tag}") if element is not None else None
    if found is None or found.text is None:
        return None
    # arXiv wraps long fields over lines; one space keeps them readable as evidence.
    return " ".join(found.text.split())


def record_payload(xml_text: str) -> dict[str, Any]:
    """An OAI-PMH GetRecord answer as the "arxiv" payload; NotFound for idDoesNotExist."""
    # OAI-PMH answers carry no DTD; refusing one rules out entity-expansion bombs before parsing.
    if "<!DOCTYPE" in xml_text or "<!ENTITY" in xml_text:
        raise Transient("arXiv sent XML with a document type declaration")
    try:
        root = ET.fromstring(xml_text)  # noqa: S314 - declarations are refused above
    except ET.ParseError as error:
        raise Transient(f"arXiv sent XML that does not parse: {error}") from error
    error = root.find(f"{OAI}error")
    if error is not None:
        code = error.get("code", "")
        message = " ".join((error.text or code).split())
        if code == "idDoesNotExist":
            raise NotFound(f"arXiv has no such record: {message}")
        raise Permanent(f"arXiv refused the request ({code}): {message}")
    meta = root.find(f"{OAI}GetRecord/{OAI}record/{OAI}metadata/{ARXIV}arXiv")
    if meta is None:
        raise Transient("arXiv sent an unexpected answer: no arXiv record in it")
    paper = _text(meta, "id")
    if not paper:
        raise Transient("arXiv sent an unexpected answer: the record has no id")
    authors = []
    for author in meta.findall(f"{ARXIV}authors/{ARXIV}author"):
        parts = [_text(author, "forenames"), _text(author, "keyname"), _text(author, "suffix")]
        authors.append(" ".join(p for p in parts if p))
    return {
        "id": paper,
        "title": _text(meta, "title"),
        "abstract": _text(meta, "abstract"),
        "authors": authors,
        "created": _text(meta, "created"),
        "updated": _text(meta, "updated"),
        # No <license> element means arXiv's default non-exclusive distribution license.
        "license": _text(meta, "license"),
        "categories": (_text(meta, "categories") or "").split(),
        "comments": _text(meta, "comments"),
        "journal_ref": _text(meta, "journal-ref"),
        "doi": _text(meta, "doi"),
    }
