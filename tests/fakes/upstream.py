"""A loopback fake of the Hugging Face Hub, GitHub's REST API and arXiv's OAI-PMH, fed from disk."""

from __future__ import annotations

import base64
import contextlib
import copy
import datetime as dt
import hashlib
import itertools
import json
import logging
import re
import secrets
import socket
import threading
import time
from collections.abc import Callable, Iterator
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, NamedTuple, Self
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

logger = logging.getLogger(__name__)

DEFAULT_DATA_DIR = Path(__file__).resolve().parents[2] / "registry" / "catalogue" / "upstream"

# What huggingface_hub 2.4.0 may ask for with `expand=`; the real Hub answers 400 to anything else.
EXPAND_PROPERTIES: dict[str, frozenset[str]] = {
    "models": frozenset(
        [
            "author",
            "baseModels",
            "cardData",
            "childrenModelCount",
            "config",
            "createdAt",
            "disabled",
            "downloads",
            "downloadsAllTime",
            "evalResults",
            "gated",
            "gguf",
            "inference",
            "inferenceProviderMapping",
            "lastModified",
            "library_name",
            "likes",
            "mask_token",
            "model-index",
            "pipeline_tag",
            "private",
            "resourceGroup",
            "safetensors",
            "sha",
            "siblings",
            "spaces",
            "tags",
            "transformersInfo",
            "trendingScore",
            "usedStorage",
            "widgetData",
        ]
    ),
    "datasets": frozenset(
        [
            "author",
            "cardData",
            "citation",
            "createdAt",
            "description",
            "disabled",
            "downloads",
            "downloadsAllTime",
            "gated",
            "lastModified",
            "likes",
            "mainSize",
            "paperswithcode_id",
            "private",
            "resourceGroup",
            "sha",
            "siblings",
            "tags",
            "trendingScore",
            "usedStorage",
        ]
    ),
}

# Headers every Hub API answer carries in the recordings (fixtures/hf-hub/api-models/*.meta.json).
HUB_HEADERS = {
    "Access-Control-Allow-Origin": "https://huggingface.co",
    "Access-Control-Expose-Headers": (
        "X-Repo-Commit,X-Request-Id,X-Error-Code,X-Error-Message,X-Total-Count,ETag,Link,"
        "Accept-Ranges,Content-Range"
    ),
    "Vary": "Origin",
    "X-Powered-By": "huggingface-moon",
}
GITHUB_HEADERS = {
    "X-GitHub-Api-Version-Selected": "2022-11-28",
    "X-RateLimit-Limit": "60",
    "X-RateLimit-Remaining": "59",
    "X-RateLimit-Used": "1",
    "X-RateLimit-Resource": "core",
    "Vary": "Accept, Accept-Encoding, Accept, X-Requested-With",
}
JSON_TYPE = "application/json; charset=utf-8"
GITHUB_NOT_FOUND = {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"}
HUB_NOT_FOUND_HEADERS = {
    "X-Error-Code": "RepoNotFound",
    "X-Error-Message": "Repository not found",
}
SHA_RE = re.compile(r"^[0-9a-f]{40}$")
GITHUB_FILES = {".license.json": "license", ".readme.json": "readme", ".tree.json": "git/trees"}
# What a gated repository serves to anyone (recorded 2026-10, see notes on the Hub API).
GATED_ALLOWED = frozenset({"README.md", "LICENSE", "LICENSE.md", "LICENSE.txt"})
TEXT_TYPE = "text/plain; charset=utf-8"
XML_TYPE = "text/xml; charset=utf-8"
OAI_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xsi:schemaLocation="http://www.openarchives.org/OAI/2.0/ '
    'http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd">\n'
)
ARXIV_BASE = "http://export.arxiv.org/oai2"


class RecordedRequest(NamedTuple):
    """One request the fake received, as the client sent it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]


class _Response(NamedTuple):
    status: int
    headers: dict[str, str]
    body: bytes


class _Override:
    def __init__(
        self,
        *,
        status: int,
        body: bytes | None,
        headers: dict[str, str],
        delay: float,
        times: int | None,
    ) -> None:
        self.status = status
        self.body = body
        self.headers = headers
        self.delay = delay
        self.remaining = times


def _make_override(
    *,
    status: int = 200,
    json: Any = None,
    body: bytes | str | None = None,
    headers: dict[str, str] | None = None,
    delay: float = 0.0,
    times: int | None = None,
) -> _Override:
    if json is not None and body is not None:
        msg = "give json or body, not both"
        raise ValueError(msg)
    raw: bytes | None
    if json is not None:
        raw = _dumps(json)
    elif isinstance(body, str):
        raw = body.encode()
    else:
        raw = body
    return _Override(status=status, body=raw, headers=dict(headers or {}), delay=delay, times=times)


_DATED = re.compile(r"\.\d{4}-\d{2}-\d{2}(?:\.json|\.xml|\.files)?$")


def _dated(path: Path) -> bool:
    """An older version (<name>.<YYYY-MM-DD>.json): the seed keeps it as history; the fake
    serves only what upstream answers today."""
    return bool(_DATED.search(path.name))


def _normalise_path(path: str) -> str:
    """Reduce a URL or path to the decoded path, so '/a%2Fb' and '/a/b' name the same override."""
    parts = urlsplit(path)
    return unquote(parts.path if (parts.scheme or path.startswith("/")) else "/" + path)


def _git_blob_sha(data: bytes) -> str:
    """The git blob id of a file, which the Hub sends as the ETag of a small (non-LFS) file."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def _express_etag(body: bytes) -> str:
    """Weak ETag as the Hub (an Express app) sends it: W/"<hex length>-<27 chars of b64 SHA-1>"."""
    digest = base64.b64encode(hashlib.sha1(body).digest()).decode()[:27]
    return f'W/"{len(body):x}-{digest}"'


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:  # a made-up status a test may use
        return f"Status {status}"


def _now_iso() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _dumps(doc: Any) -> bytes:
    # Compact like the Hub and GitHub; ensure_ascii=False keeps recorded bodies byte-compatible.
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()


class FakeUpstream:
    """Serves the Hub API at the root and the GitHub API under /github, from a data folder.

    Folder layout: hub/models/<ns>__<name>.json (+ .refs.json, + .files/<path> raw files),
    hub/datasets/<ns>__<name>.json (+ .files/), github/repos/<owner>__<repo>.json (+ .license.json,
    .readme.json, .tree.json), arxiv/<id>.xml (old-style ids with "/" as "__"), optional
    hub/redirects.json ({"models": {old: new}, ...}). The arXiv OAI-PMH base is /arxiv/oai2.
    """

    def __init__(
        self,
        data_dir: Path | str | None = None,
        *,
        max_delay: float = 10.0,
        host: str = "127.0.0.1",
    ) -> None:
        self.data_dir = Path(data_dir) if data_dir is not None else DEFAULT_DATA_DIR
        self.max_delay = max_delay
        self._host = host
        self._lock = threading.RLock()
        self._stopping = threading.Event()
        self._requests: list[RecordedRequest] = []
        self._overrides: dict[str, list[_Override]] = {}
        self._intercept: Callable[[RecordedRequest], dict[str, Any] | None] | None = None
        self._docs: dict[str, dict[str, Any]] = {}  # served path -> current document
        self._history: dict[str, dict[str, dict[str, Any]]] = {}  # served path -> sha -> document
        self._meta: dict[str, dict[str, Any]] = {}
        self._refs: dict[str, dict[str, Any]] = {}
        self._redirects: dict[str, dict[str, str]] = {"models": {}, "datasets": {}}
        self._github_index: dict[str, str] = {}  # lower-case owner/repo -> served path
        self._files: dict[str, dict[str, bytes]] = {}  # "/api/models/<id>" -> path -> bytes
        self._arxiv: dict[str, bytes] = {}  # arXiv id -> OAI-PMH GetRecord body
        self._request_ids = itertools.count(1)
        self._sha_counter = itertools.count(1)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._open_sockets: set[socket.socket] = set()
        self._load()

    # ----------------------------------------------------------------- data

    def _load(self) -> None:
        hub = self.data_dir / "hub"
        for kind in ("models", "datasets"):
            for file in sorted((hub / kind).glob("*.json")):
                if file.name.endswith((".refs.json", ".meta.json")) or _dated(file):
                    continue
                repo_id = file.name.removesuffix(".json").replace("__", "/", 1)
                path = f"/api/{kind}/{repo_id}"
                self._docs[path] = json.loads(file.read_text(encoding="utf-8"))
                refs_file = file.with_name(file.name.removesuffix(".json") + ".refs.json")
                if refs_file.exists():
                    self._refs[path] = json.loads(refs_file.read_text(encoding="utf-8"))
                self._load_meta(file, path)
            for folder in sorted((hub / kind).glob("*.files")):
                if _dated(folder):
                    continue
                repo_id = folder.name.removesuffix(".files").replace("__", "/", 1)
                self._files[f"/api/{kind}/{repo_id}"] = {
                    str(f.relative_to(folder)): f.read_bytes()
                    for f in sorted(folder.rglob("*"))
                    if f.is_file()
                }
        redirects = hub / "redirects.json"
        if redirects.exists():
            for kind, mapping in json.loads(redirects.read_text(encoding="utf-8")).items():
                self._redirects.setdefault(kind, {}).update(mapping)
        for file in sorted((self.data_dir / "github" / "repos").glob("*.json")):
            if file.name.endswith(".meta.json") or _dated(file):
                continue
            suffix = next((s for s in GITHUB_FILES if file.name.endswith(s)), ".json")
            full_name = file.name.removesuffix(suffix).replace("__", "/", 1)
            path = f"/github/repos/{full_name}"
            if suffix in GITHUB_FILES:
                path = f"{path}/{GITHUB_FILES[suffix]}"
            else:
                self._github_index[full_name.lower()] = path
            self._docs[path] = json.loads(file.read_text(encoding="utf-8"))
            self._load_meta(file, path)
        for file in sorted((self.data_dir / "arxiv").glob("*.xml")):
            if _dated(file):
                continue
            self._arxiv[file.name.removesuffix(".xml").replace("__", "/")] = file.read_bytes()
        self._original = copy.deepcopy(self._docs)
        self._original_files = copy.deepcopy(self._files)
        self._original_arxiv = dict(self._arxiv)

    def _load_meta(self, file: Path, path: str) -> None:
        meta = file.with_name(file.name.removesuffix(".json") + ".meta.json")
        if meta.exists():
            self._meta[path] = json.loads(meta.read_text(encoding="utf-8"))

    def document(self, path: str) -> dict[str, Any]:
        """Return a copy of the document currently served at `path` (patches included)."""
        with self._lock:
            return copy.deepcopy(self._docs[_normalise_path(path)])

    # ------------------------------------------------------------- controls

    @property
    def url(self) -> str:
        """Base URL of the fake Hub (use as HF_ENDPOINT / HfApi(endpoint=...))."""
        if self._server is None:
            msg = "the fake upstream is not running"
            raise RuntimeError(msg)
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def github_url(self) -> str:
        """Base URL of the fake GitHub API (use as GITHUB_API_URL)."""
        return f"{self.url}/github"

    @property
    def arxiv_url(self) -> str:
        """Base URL of the fake arXiv OAI-PMH interface (use as ARXIV_API_URL)."""
        return f"{self.url}/arxiv/oai2"

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received since start or the last clear_log(), oldest first."""
        with self._lock:
            return list(self._requests)

    def clear_log(self) -> None:
        """Forget the recorded requests."""
        with self._lock:
            self._requests.clear()

    def override(
        self,
        path: str,
        *,
        status: int = 200,
        json: Any = None,
        body: bytes | str | None = None,
        headers: dict[str, str] | None = None,
        delay: float = 0.0,
        times: int | None = None,
    ) -> None:
        """Answer requests for this exact path (query ignored) with the given response.

        `times=N` applies it to the next N requests only; the latest override of a path wins.
        Without `json`/`body`, the body (and error headers) the real service sends for `status`
        is used, e.g. RepoNotFound for a Hub 404.
        """
        entry = _make_override(
            status=status, json=json, body=body, headers=headers, delay=delay, times=times
        )
        with self._lock:
            self._overrides.setdefault(_normalise_path(path), []).append(entry)

    def intercept(self, answer: Callable[[RecordedRequest], dict[str, Any] | None] | None) -> None:
        """Let `answer` see every request first, before overrides and routing.

        It returns override() keyword arguments (status=, json=, body=, headers=, delay=) to
        answer that one request, or None to serve it as usual: a storm of bad answers over a
        whole audit. `intercept(None)` or reset() removes it.
        """
        with self._lock:
            self._intercept = answer

    def patch_json(
        self, path: str, fn: Callable[[dict[str, Any]], dict[str, Any] | None]
    ) -> dict[str, Any]:
        """Change the document served at `path` in memory; `fn` mutates it or returns a new one.

        A Hub document also gets a new `sha` and `lastModified` unless `fn` set them, because a
        change on the real Hub is a new commit. The previous version stays reachable by its sha.
        """
        key = _normalise_path(path)
        with self._lock:
            if key not in self._docs:
                raise KeyError(key)
            before = self._docs[key]
            doc = copy.deepcopy(before)
            result = fn(doc)
            if result is not None:
                doc = result
            if key.startswith("/api/"):
                history = self._history.setdefault(key, {})
                if isinstance(before.get("sha"), str):
                    history[before["sha"]] = before
                if doc.get("sha") == before.get("sha"):
                    seed = f"{key}:{next(self._sha_counter)}:{time.time_ns()}".encode()
                    doc["sha"] = hashlib.sha1(seed).hexdigest()
                if doc.get("lastModified") == before.get("lastModified"):
                    doc["lastModified"] = _now_iso()
            elif (
                key.startswith("/github/")
                and "updated_at" in before
                and doc.get("updated_at") == before.get("updated_at")
            ):
                doc["updated_at"] = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            self._docs[key] = doc
            return copy.deepcopy(doc)

    def patch_file(self, path: str, text: str) -> None:
        """Serve `text` as the file at `path` of the data folder layout, until reset().

        E.g. "hub/models/EleutherAI__pythia-70m.files/LICENSE" (a new commit of the repo, as on
        the Hub) or "arxiv/2402.00838.xml". A file that did not exist is added.
        """
        data = text.encode()
        parts = Path(path).parts
        if parts[:1] == ("arxiv",) and len(parts) == 2 and path.endswith(".xml"):
            with self._lock:
                self._arxiv[parts[1].removesuffix(".xml").replace("__", "/")] = data
            return
        if len(parts) < 4 or parts[0] != "hub" or not parts[2].endswith(".files"):
            msg = f"{path} is not a raw file path of the data folder layout"
            raise ValueError(msg)
        repo_id = parts[2].removesuffix(".files").replace("__", "/", 1)
        key = f"/api/{parts[1]}/{repo_id}"
        with self._lock:
            if key not in self._docs:
                raise KeyError(key)
            self._files.setdefault(key, {})["/".join(parts[3:])] = data
            # A changed file on the Hub is a new commit: the repo document follows.
            self.patch_json(key, lambda doc: None)

    def reset(self) -> None:
        """Drop every override and patch; the recorded request log is kept."""
        with self._lock:
            self._overrides.clear()
            self._intercept = None
            self._history.clear()
            self._docs = copy.deepcopy(self._original)
            self._files = copy.deepcopy(self._original_files)
            self._arxiv = dict(self._original_arxiv)

    # ------------------------------------------------------------ lifecycle

    def start(self) -> Self:
        """Bind to 127.0.0.1 on a free port and serve from a daemon thread."""
        if self._server is not None:
            return self
        fake = self

        class Handler(_Handler):
            upstream = fake

        server = _Server((self._host, 0), Handler)
        self._stopping.clear()
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"fake-upstream-{server.server_address[1]}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, wake any delayed handler and close open connections."""
        server, thread = self._server, self._thread
        if server is None:
            return
        self._stopping.set()
        server.shutdown()
        server.server_close()
        with self._lock:
            sockets = list(self._open_sockets)
        for sock in sockets:
            with contextlib.suppress(OSError):  # already closed by the client
                sock.shutdown(socket.SHUT_RDWR)
        if thread is not None:
            thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------- routing

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(request)

    def _take_override(self, path: str) -> _Override | None:
        with self._lock:
            stack = self._overrides.get(path)
            while stack:
                entry = stack[-1]
                if entry.remaining is None:
                    return entry
                if entry.remaining > 0:
                    entry.remaining -= 1
                    if entry.remaining == 0:
                        stack.pop()
                    return entry
                stack.pop()
            return None

    def _sleep(self, seconds: float) -> None:
        # Bounded and interruptible, so a "hang" never outlives the test that asked for it.
        self._stopping.wait(min(max(seconds, 0.0), self.max_delay))

    def _request_id(self) -> str:
        n = next(self._request_ids)
        return f"Root=1-{int(time.time()):08x}-{n:024x};{secrets.token_hex(8)}"

    def handle(self, method: str, raw_path: str, headers: dict[str, str]) -> _Response:
        """Answer one request (called by the handler thread)."""
        split = urlsplit(raw_path)
        query = parse_qs(split.query, keep_blank_values=True)
        path = unquote(split.path)
        request = RecordedRequest(method, split.path, query, headers)
        self._record(request)
        with self._lock:
            intercept = self._intercept
        made = intercept(request) if intercept is not None else None
        override = _make_override(**made) if made is not None else self._take_override(path)
        if override is not None:
            if override.delay:
                self._sleep(override.delay)
            return self._from_override(path, override)
        if method not in ("GET", "HEAD"):
            logger.warning("fake upstream: unrouted %s %s", method, raw_path)
            return self._unrouted(path)
        if split.path.startswith("/github/"):
            return self._github(split.path, headers)
        if split.path.startswith("/arxiv/"):
            return self._oai(split.path, query)
        if split.path.startswith("/api/"):
            return self._hub(split.path, query)
        if "/resolve/" in split.path:
            return self._resolve(split.path, headers)
        logger.warning("fake upstream: unrouted %s %s", method, raw_path)
        return self._unrouted(path)

    def _from_override(self, path: str, override: _Override) -> _Response:
        github = path.startswith("/github/")
        headers = {"Content-Type": JSON_TYPE}
        body = override.body
        if body is None and path.startswith("/arxiv/"):
            headers["Content-Type"] = TEXT_TYPE
            body = b"" if override.status < 400 else _phrase(override.status).encode()
        elif body is None and "/resolve/" in path and not path.startswith("/api/"):
            # The Hub's raw-file routes answer in text with the error in headers.
            headers["Content-Type"] = TEXT_TYPE
            body = b"" if override.status < 400 else _phrase(override.status).encode()
            if override.status == 404:
                body = b"Entry not found"
                headers.update(
                    {"X-Error-Code": "EntryNotFound", "X-Error-Message": "Entry not found"}
                )
        if body is None:
            if github:
                body = _dumps({**GITHUB_NOT_FOUND, "message": _phrase(override.status)})
            elif override.status == 404:
                body = _dumps({"error": "Repository not found"})
                headers.update(HUB_NOT_FOUND_HEADERS)
            elif override.status >= 400:
                body = _dumps({"error": _phrase(override.status)})
                if override.status == 429:
                    headers["RateLimit"] = '"api";r=0;t=60'
                    headers["RateLimit-Policy"] = '"fixed window";"api";q=500;w=300'
            else:
                body = b""
        headers.update(override.headers)
        plain = path.startswith("/arxiv/")
        return self._finish(override.status, headers, body, github=github, plain=plain)

    def _finish(
        self,
        status: int,
        headers: dict[str, str],
        body: bytes,
        *,
        github: bool,
        plain: bool = False,
    ) -> _Response:
        base = {} if plain else dict(GITHUB_HEADERS if github else HUB_HEADERS)
        if plain:
            pass
        elif github:
            base["X-GitHub-Request-Id"] = (
                f"{secrets.token_hex(4).upper()}:{next(self._request_ids)}"
            )
        else:
            base["X-Request-Id"] = self._request_id()
        # HTTP header names are case-insensitive: a test's header replaces a default one.
        given = {name.lower() for name in headers}
        base = {k: v for k, v in base.items() if k.lower() not in given}
        base.update(headers)
        return _Response(status, base, body)

    def _unrouted(self, path: str) -> _Response:
        if path.startswith("/github/"):
            return self._finish(
                404, {"Content-Type": JSON_TYPE}, _dumps(GITHUB_NOT_FOUND), github=True
            )
        body = _dumps({"error": "Sorry, we can't find the page you are looking for."})
        return self._finish(404, {"Content-Type": JSON_TYPE}, body, github=False)

    # ---------------------------------------------------------------- GitHub

    def _github(self, raw_path: str, headers: dict[str, str]) -> _Response:
        segments = [unquote(s) for s in raw_path.split("/")[2:]]
        if len(segments) < 3 or segments[0] != "repos":
            logger.warning("fake upstream: unrouted GitHub path %s", raw_path)
            return self._unrouted(raw_path)
        rest = segments[3:]
        with self._lock:
            key = self._github_index.get(f"{segments[1]}/{segments[2]}".lower())
            repo = self._docs.get(key) if key else None
            doc = None
            if repo is None or not rest:
                doc = repo
            elif rest in (["license"], ["readme"]):
                key = f"{key}/{rest[0]}"
                doc = self._docs.get(key)
            elif len(rest) == 3 and rest[:2] == ["git", "trees"]:
                key = f"{key}/git/trees"
                doc = self._docs.get(key)
                # The tree is recorded for the default branch; it also answers to its own sha.
                if doc is not None and rest[2] not in (repo.get("default_branch"), doc.get("sha")):
                    doc = None
            elif rest:
                logger.warning("fake upstream: unrouted GitHub path %s", raw_path)
        if doc is None:
            return self._finish(
                404, {"Content-Type": JSON_TYPE}, _dumps(GITHUB_NOT_FOUND), github=True
            )
        body = _dumps(doc)
        etag = '"' + hashlib.sha256(body).hexdigest() + '"'
        extra = dict(self._meta.get(key or "", {}).get("headers", {}))
        wanted = {t.strip().removeprefix("W/") for t in headers.get("if-none-match", "").split(",")}
        if etag in wanted or "*" in wanted:
            return self._finish(304, {"ETag": etag, **extra}, b"", github=True)
        return self._finish(
            200, {"Content-Type": JSON_TYPE, "ETag": etag, **extra}, body, github=True
        )

    # ----------------------------------------------------------------- arXiv

    def _oai(self, raw_path: str, query: dict[str, list[str]]) -> _Response:
        if raw_path.rstrip("/") != "/arxiv/oai2":
            return self._finish(404, {"Content-Type": TEXT_TYPE}, b"Not Found", github=False)
        args = {k: v[0] for k, v in query.items()}
        verb = args.get("verb", "")
        if verb != "GetRecord":
            # Only GetRecord is served; the other five verbs exist upstream but nothing asks them.
            if verb in ("Identify", "ListIdentifiers", "ListMetadataFormats", "ListRecords"):
                return self._oai_error("", "badArgument", "Verb not served by this fake")
            return self._oai_error("", "badVerb", "Illegal OAI verb")
        identifier = args.get("identifier", "")
        prefix = args.get("metadataPrefix", "")
        if not identifier or not prefix or set(args) - {"verb", "identifier", "metadataPrefix"}:
            return self._oai_error("", "badArgument", "Illegal or missing arguments")
        request = {"verb": verb, "identifier": identifier, "metadataPrefix": prefix}
        if prefix != "arXiv":
            return self._oai_error(
                request, "cannotDisseminateFormat", f"Format {prefix} not served by this fake"
            )
        paper = identifier.removeprefix("oai:arXiv.org:")
        with self._lock:
            body = self._arxiv.get(paper) if identifier.startswith("oai:arXiv.org:") else None
        if body is None:
            return self._oai_error(request, "idDoesNotExist", "No matching identifier")
        return self._finish(200, {"Content-Type": XML_TYPE}, body, github=False, plain=True)

    def _oai_error(self, request: dict[str, str] | str, code: str, message: str) -> _Response:
        # OAI-PMH reports errors in a 200 answer; the request element keeps its arguments only
        # when they were valid (OAI-PMH 2.0, section 3.6).
        attributes = "".join(f' {k}="{v}"' for k, v in request.items()) if request else ""
        stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        body = (
            f"{OAI_HEAD}<responseDate>{stamp}</responseDate>\n"
            f"<request{attributes}>{ARXIV_BASE}</request>\n"
            f'<error code="{code}">{message}</error>\n</OAI-PMH>\n'
        ).encode()
        return self._finish(200, {"Content-Type": XML_TYPE}, body, github=False, plain=True)

    # ------------------------------------------------------------- Hub files

    def _resolve(self, raw_path: str, headers: dict[str, str]) -> _Response:
        segments = [unquote(s) for s in raw_path.split("/")[1:]]
        kind = "models"
        if segments[:1] == ["datasets"]:
            kind, segments = "datasets", segments[1:]
        if len(segments) < 5 or segments[2] != "resolve":
            logger.warning("fake upstream: unrouted Hub path %s", raw_path)
            return self._unrouted(raw_path)
        repo_id, revision, path = "/".join(segments[:2]), segments[3], "/".join(segments[4:])
        key = f"/api/{kind}/{repo_id}"
        label = "dataset" if kind == "datasets" else "model"
        with self._lock:
            doc = self._docs.get(key)
            files = dict(self._files.get(key, {}))
            refs = self._refs.get(key) or {}
        if doc is None:
            # Anonymous requests for an unknown (or private) repo get a 401 on resolve routes.
            return self._resolve_error(401, "RepoNotFound", "Invalid username or password.", "")
        sha = str(doc.get("sha") or "")
        # The gate is checked before the file or the revision exists (recorded 2026-10).
        gated = doc.get("gated") not in (None, False) and path not in GATED_ALLOWED
        if gated and "authorization" not in headers:
            message = (
                f"Access to {label} {repo_id} is restricted. You must have access to it and "
                "be authenticated to access it. Please log in."
            )
            return self._resolve_error(401, "GatedRepo", message, sha)
        branches = {b.get("name") for b in refs.get("branches", [])}
        if revision not in ("main", sha) and revision not in branches:
            return self._resolve_error(404, "RevisionNotFound", "Invalid rev id", "")
        if path not in files:
            return self._resolve_error(404, "EntryNotFound", "Entry not found", sha)
        data = files[path]
        kind_type = TEXT_TYPE if path.endswith(".md") else "application/octet-stream"
        extra = {
            "Content-Type": kind_type,
            "ETag": f'"{_git_blob_sha(data)}"',
            "X-Repo-Commit": sha,
            "Accept-Ranges": "bytes",
        }
        return self._finish(200, extra, data, github=False)

    def _resolve_error(self, status: int, code: str, message: str, sha: str) -> _Response:
        headers = {"Content-Type": TEXT_TYPE, "X-Error-Code": code, "X-Error-Message": message}
        if sha:
            headers["X-Repo-Commit"] = sha
        if status == 401:
            headers["WWW-Authenticate"] = 'Bearer realm="Authentication required", charset="UTF-8"'
        return self._finish(status, headers, message.encode(), github=False)

    def _list_models(self, query: dict[str, list[str]]) -> _Response:
        author = query.get("author", [""])[0]
        sort = query.get("sort", [""])[0]
        limit = query.get("limit", [""])[0]
        keys = ("_id", "id", "modelId", "likes", "downloads", "private", "tags")
        keys += ("pipeline_tag", "library_name", "createdAt")
        with self._lock:
            docs = [
                copy.deepcopy(doc)
                for path, doc in self._docs.items()
                if path.startswith("/api/models/")
                and (not author or str(doc.get("id", "")).split("/")[0].lower() == author.lower())
            ]
        if sort:
            # The Hub sorts descending (most downloaded first) unless asked otherwise.
            docs.sort(key=lambda d: d.get(sort) or 0, reverse=query.get("direction") != ["1"])
        if limit.isdigit():
            docs = docs[: int(limit)]
        items = [{k: d[k] for k in keys if k in d} for d in docs]
        return self._hub_json(items, "/api/models")

    # ------------------------------------------------------------------- Hub

    def _hub_error(self, status: int, code: str, message: str) -> _Response:
        headers = {"Content-Type": JSON_TYPE, "X-Error-Code": code, "X-Error-Message": message}
        return self._finish(status, headers, _dumps({"error": message}), github=False)

    def _hub_json(self, doc: Any, path: str) -> _Response:
        body = _dumps(doc)
        extra = dict(self._meta.get(path, {}).get("headers", {}))
        headers = {"Content-Type": JSON_TYPE, "ETag": _express_etag(body), **extra}
        return self._finish(200, headers, body, github=False)

    def _hub(self, raw_path: str, query: dict[str, list[str]]) -> _Response:
        segments = [unquote(s) for s in raw_path.split("/")[2:]]
        if segments == ["models"] or segments == ["models", ""]:
            return self._list_models(query)
        if not segments or segments[0] not in ("models", "datasets") or len(segments) < 2:
            logger.warning("fake upstream: unrouted Hub path %s", raw_path)
            return self._unrouted(raw_path)
        kind, rest = segments[0], segments[1:]
        with self._lock:
            redirects = self._redirects.get(kind, {})
            pair = "/".join(rest[:2]) if len(rest) >= 2 else ""
            if pair and (f"/api/{kind}/{pair}" in self._docs or pair in redirects):
                repo_id, suffix = pair, rest[2:]
            elif rest[0] in redirects:  # legacy ids without a namespace ("gpt2", "the_pile")
                repo_id, suffix = rest[0], rest[1:]
            else:
                repo_id, suffix = "/".join(rest[:2]), rest[2:]
            if repo_id in redirects:
                return self._redirect(kind, repo_id, redirects[repo_id], raw_path, query)
            path = f"/api/{kind}/{repo_id}"
            doc = self._docs.get(path)
            if doc is None:
                return self._hub_error(404, "RepoNotFound", "Repository not found")
            doc = copy.deepcopy(doc)
            refs = copy.deepcopy(self._refs.get(path))
            history = dict(self._history.get(path, {}))
        if not suffix:
            return self._hub_info(kind, doc, path, query)
        if suffix == ["refs"]:
            return self._hub_json(self._refs_for(doc, refs, query), path)
        if len(suffix) == 2 and suffix[0] == "revision":
            revision = self._at_revision(doc, refs, history, suffix[1])
            if revision is None:
                message = f"Invalid rev id: {suffix[1]}"
                return self._hub_error(404, "RevisionNotFound", message)
            return self._hub_info(kind, revision, path, query)
        logger.warning("fake upstream: unrouted Hub path %s", raw_path)
        return self._unrouted(raw_path)

    def _redirect(
        self, kind: str, old: str, new: str, raw_path: str, query: dict[str, list[str]]
    ) -> _Response:
        # A renamed repo gets 307 + a relative Location (recorded for bert-base-uncased).
        rest = raw_path.removeprefix(f"/api/{kind}/").split("/")
        suffix = "".join("/" + s for s in rest[old.count("/") + 1 :])
        location = f"/api/{kind}/{new}{suffix}"
        if query:
            pairs = [(k, v) for k, values in query.items() for v in values]
            location += "?" + urlencode(pairs, safe="[]")
        headers = {
            "Content-Type": "text/plain; charset=utf-8",
            "Location": location,
            "Vary": "Origin, Accept",
        }
        body = f"Temporary Redirect. Redirecting to {location}".encode()
        return self._finish(307, headers, body, github=False)

    def _hub_info(
        self, kind: str, doc: dict[str, Any], path: str, query: dict[str, list[str]]
    ) -> _Response:
        expand = query.get("expand", []) + query.get("expand[]", [])
        if expand:
            unknown = [p for p in expand if p not in EXPAND_PROPERTIES[kind]]
            if unknown:
                allowed = ", ".join(sorted(EXPAND_PROPERTIES[kind]))
                message = f'"expand" must be one of [{allowed}]; got {unknown[0]!r}'
                return self._finish(
                    400,
                    {"Content-Type": JSON_TYPE},
                    _dumps({"error": message}),
                    github=False,
                )
            wanted = {"_id", "id", *expand}
            doc = {k: v for k, v in doc.items() if k in wanted}
        return self._hub_json(doc, path)

    @staticmethod
    def _refs_for(
        doc: dict[str, Any], refs: dict[str, Any] | None, query: dict[str, list[str]]
    ) -> dict[str, Any]:
        sha = doc.get("sha")
        main = {"name": "main", "ref": "refs/heads/main", "targetCommit": sha}
        if refs is None:
            refs = {"branches": [main], "converts": [], "tags": []}
        else:
            # main follows the served document, so a patch_json commit shows up in the refs too.
            refs["branches"] = [main if b["name"] == "main" else b for b in refs["branches"]]
        if query.get("include_prs", ["0"])[0] not in ("", "0", "false"):
            refs.setdefault("pullRequests", [])
        return refs

    @staticmethod
    def _at_revision(
        doc: dict[str, Any],
        refs: dict[str, Any] | None,
        history: dict[str, dict[str, Any]],
        revision: str,
    ) -> dict[str, Any] | None:
        if revision in ("main", doc.get("sha")):
            return doc
        if revision in history:
            return copy.deepcopy(history[revision])
        for ref in (refs or {}).get("branches", []) + (refs or {}).get("tags", []):
            if revision in (ref["name"], ref["ref"], ref["targetCommit"]):
                return {**doc, "sha": ref["targetCommit"]}
        return None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gave up on a delayed answer leaves a broken pipe; that is the test's intent.
        logger.debug("fake upstream: connection from %s ended early", client_address, exc_info=True)


class _Handler(BaseHTTPRequestHandler):
    upstream: FakeUpstream
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; without TCP_NODELAY each keep-alive answer
    # waits ~40 ms on Nagle's algorithm and the client's delayed ACK.
    disable_nagle_algorithm = True
    server_version = "fake-upstream"
    sys_version = ""
    # Idle keep-alive connections end after this, so no handler thread outlives its test for long.
    timeout = 5

    def setup(self) -> None:
        super().setup()
        with self.upstream._lock:
            self.upstream._open_sockets.add(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            with self.upstream._lock:
                self.upstream._open_sockets.discard(self.connection)

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("fake upstream: " + format, *args)

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        headers = {k.lower(): v for k, v in self.headers.items()}
        response = self.upstream.handle(self.command, self.path, headers)
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        if response.status != 304:
            self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD" and response.status != 304:
            self.wfile.write(response.body)

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = _serve


def iter_data_files(data_dir: Path | str | None = None) -> Iterator[Path]:
    """Every JSON file of a data folder (documents, refs, meta, redirects)."""
    root = Path(data_dir) if data_dir is not None else DEFAULT_DATA_DIR
    yield from sorted(root.rglob("*.json"))
