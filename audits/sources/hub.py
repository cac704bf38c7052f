"""The Hugging Face Hub through huggingface_hub: answers checked, failures mapped to ours."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import weakref
from datetime import datetime
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("HF_HUB_DISABLE_IMPLICIT_TOKEN", "1")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")

import httpx2
from huggingface_hub import HfApi, constants, hf_hub_download, set_client_factory
from huggingface_hub.errors import (
    EntryNotFoundError,
    GatedRepoError,
    HfHubHTTPError,
    HFValidationError,
    LocalEntryNotFoundError,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)
from huggingface_hub.hf_api import DatasetInfo, ModelInfo
from huggingface_hub.utils import (
    build_hf_headers,
    get_session,
    hf_raise_for_status,
    parse_ratelimit_headers,
    validate_repo_id,
)
from huggingface_hub.utils._http import hf_request_event_hook

from audits.sources import (
    Fetched,
    GuardedTransport,
    NotFound,
    Permanent,
    Policy,
    RateLimited,
    Shape,
    SourceError,
    Transient,
    Unauthorized,
    check_shape,
    guarding,
)

# Xet downloads go through hf_xet's own HTTP stack, past our allowlist and size cap; the small
# text files an audit reads never need it, so it is off whatever the environment says.
constants.HF_HUB_DISABLE_XET = True

# The fields an audit reads; asking for them keeps the answer small and its shape stable.
MODEL_FIELDS = [
    "sha",
    "lastModified",
    "gated",
    "private",
    "disabled",
    "tags",
    "cardData",
    "siblings",
    "safetensors",
    "config",
    "library_name",
    "pipeline_tag",
    "model-index",
    "widgetData",
]
DATASET_FIELDS = [
    "sha",
    "lastModified",
    "gated",
    "private",
    "disabled",
    "tags",
    "cardData",
    "siblings",
]

# What the rules read of a repository's JSON, and the JSON types it must hold there.
REPO_SHAPE: Shape = (
    ("id", (str,), True),
    ("sha", (str,), True),
    ("tags", (list,), True),
    ("siblings", (list,), True),
    ("lastModified", (str,), False),
    ("gated", (bool, str), False),
    ("private", (bool,), False),
    ("disabled", (bool,), False),
    ("cardData", (dict,), False),
)
MODEL_SHAPE: Shape = (
    *REPO_SHAPE,
    ("config", (dict,), False),
    ("safetensors", (dict,), False),
    ("library_name", (str,), False),
    ("pipeline_tag", (str,), False),
    ("model-index", (list,), False),
    ("widgetData", (list,), False),
)
REFS_SHAPE: Shape = (("branches", (list,), True),)
REF_SHAPE: Shape = (("name", (str,), True),)
GATES = ("auto", "manual")
COMMIT_RE = re.compile(r"^[0-9a-f]{40}$")

# A model card or license longer than this is cut; the evidence keeps its beginning.
MAX_FILE_CHARS = 200_000
# No answer of the Hub, JSON or file, is read past this: a 30 MB "model" is not evidence.
MAX_BODY_BYTES = 5 * 1024 * 1024
# Where the Hub sends the download of a large (LFS) file; only over HTTPS.
CDN_HOSTS = (
    "cdn-lfs.hf.co",
    "cdn-lfs-us-1.hf.co",
    "cdn-lfs-eu-1.hf.co",
    "cdn-lfs.huggingface.co",
    "cdn-lfs-us-1.huggingface.co",
    "cas-bridge.xethub.hf.co",
)

_session_timeout: float | None = None


def _use_session(seconds: float) -> None:
    """Give huggingface_hub's shared HTTP client a timeout and our guarded transport.

    Its default waits forever and follows redirects to any host. The transport applies each
    HubClient's policy inside its calls only, so other users of the shared client are left be.
    """
    global _session_timeout
    if _session_timeout == seconds:
        return

    def factory() -> httpx2.Client:
        return httpx2.Client(
            transport=GuardedTransport(),
            event_hooks={"request": [hf_request_event_hook]},
            follow_redirects=True,
            timeout=httpx2.Timeout(seconds),
        )

    set_client_factory(factory)
    _session_timeout = seconds


class HubClient:
    """Reads model and dataset metadata from a Hub at `endpoint` (the real one, or a fake)."""

    def __init__(
        self,
        *,
        endpoint: str,
        token: str | None,
        timeout: float = 10.0,
        cache_dir: str | Path | None = None,
    ) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.timeout = timeout
        self.token: str | bool = token or False
        # token=False: never fall back to a token saved on this machine.
        self.api = HfApi(endpoint=self.endpoint, token=self.token)
        if cache_dir is None:
            cache_dir = tempfile.mkdtemp(prefix="glasshouse-hub-")
            # Our own throw-away folder goes when the client does.
            self._cleanup = weakref.finalize(self, shutil.rmtree, cache_dir, ignore_errors=True)
        self.cache_dir = Path(cache_dir)
        self.policy = Policy.for_urls(
            "the Hub",
            [self.endpoint, *(f"https://{host}" for host in CDN_HOSTS)],
            max_bytes=MAX_BODY_BYTES,
        )
        _use_session(timeout)

    def file(
        self,
        repo_id: str,
        path: str,
        *,
        repo_type: str = "model",
        revision: str | None = None,
    ) -> Fetched:
        """A raw repository file (README.md, LICENSE...) as text, at the commit it was read."""
        # Each download gets its own folder, removed after reading: nothing piles up on disk.
        with tempfile.TemporaryDirectory(dir=self.cache_dir) as folder:
            local = self._call(
                f"{repo_id}:{path}",
                lambda: _download(
                    repo_id,
                    path,
                    repo_type=repo_type,
                    revision=revision,
                    cache_dir=folder,
                    endpoint=self.endpoint,
                    token=self.token,
                    timeout=self.timeout,
                ),
            )
            # The cache keeps a file under snapshots/<commit>/<path>: the commit read.
            snapshot = Path(local).relative_to(Path(folder).resolve())
            commit = snapshot.parts[2] if len(snapshot.parts) > 2 else ""
            if not COMMIT_RE.match(commit):
                raise Transient(f"the Hub sent {repo_id}:{path} without the commit it is at")
            raw = Path(local).read_bytes()
        text = raw.decode("utf-8", errors="replace")
        payload = file_payload(
            repo_type=repo_type, repo=repo_id, path=path, revision=commit, text=text
        )
        prefix = "datasets/" if repo_type == "dataset" else ""
        return Fetched(
            payload=payload,
            url=f"{self.endpoint}/{prefix}{repo_id}/blob/{commit or 'main'}/{path}",
            revision=commit,
        )

    def models_by(
        self, *, author: str | None = None, limit: int = 100, sort: str = "downloads"
    ) -> list[str]:
        """Model ids on the Hub, most downloaded first by default, optionally of one author."""
        label = author or "the Hub"

        def listed() -> list[Any]:
            return [m.id for m in self.api.list_models(author=author, sort=sort, limit=limit)]

        ids = self._call(label, lambda: _checked(label, listed))
        if not all(isinstance(i, str) and i for i in ids):
            raise Transient(f"the Hub sent an unexpected answer for {label}: a model without id")
        return ids

    def model(self, repo_id: str) -> Fetched:
        """A model's metadata and its branches (intermediate checkpoints live on branches)."""
        body = self._call(repo_id, lambda: self._json("models", repo_id, {"expand": MODEL_FIELDS}))
        info = _checked(repo_id, lambda: ModelInfo(**checked_repo(body, MODEL_SHAPE)))
        refs = self._call(repo_id, lambda: self._json("models", repo_id, suffix="/refs"))
        payload = model_payload(info)
        payload["branches"] = _checked(repo_id, lambda: branches_of(refs))
        return Fetched(payload=payload, url=f"{self.endpoint}/{info.id}", revision=info.sha or "")

    def dataset(self, repo_id: str) -> Fetched:
        """A dataset's metadata, with its card's YAML front matter in cardData."""
        body = self._call(
            repo_id, lambda: self._json("datasets", repo_id, {"expand": DATASET_FIELDS})
        )
        info = _checked(repo_id, lambda: DatasetInfo(**checked_repo(body, REPO_SHAPE)))
        return Fetched(
            payload=dataset_payload(info),
            url=f"{self.endpoint}/datasets/{info.id}",
            revision=info.sha or "",
        )

    def _json(
        self, kind: str, repo_id: str, params: dict[str, Any] | None = None, *, suffix: str = ""
    ) -> Any:
        """The Hub's JSON about a repository, asked as HfApi asks it.

        HfApi would turn the answer into a ModelInfo at once, and that takes `{}` or a string
        of tags without a word: the raw answer is checked first.
        """
        validate_repo_id(repo_id)
        response = get_session().get(
            f"{self.endpoint}/api/{kind}/{repo_id}{suffix}",
            params=params,
            headers=build_hf_headers(token=self.token),
            timeout=self.timeout,
        )
        hf_raise_for_status(response)
        return response.json()

    def _call(self, repo_id: str, call: Any) -> Any:
        try:
            with guarding(self.policy):
                return call()
        except HFValidationError as error:
            raise Permanent(f"{repo_id!r} is not a Hub repository id: {error}") from error
        except LocalEntryNotFoundError as error:
            # hf_hub_download hides why the Hub's answer was unusable behind a local miss.
            cause = error.__cause__
            if isinstance(cause, Exception) and not isinstance(cause, LocalEntryNotFoundError):
                return self._call(repo_id, lambda: _reraise(cause))
            raise Transient(f"the Hub gave no usable answer for {repo_id}: {error}") from error
        except EntryNotFoundError as error:
            raise NotFound(f"{repo_id} was not found on the Hub") from error
        except (RepositoryNotFoundError, RevisionNotFoundError) as error:
            if isinstance(error, GatedRepoError):
                raise Unauthorized(
                    f"{repo_id} is gated: {error.server_message or error}"
                ) from error
            raise NotFound(f"{repo_id} was not found on the Hub") from error
        except HfHubHTTPError as error:
            raise _from_http_error(repo_id, error) from error
        except httpx2.TimeoutException as error:
            raise Transient(f"the Hub did not answer in time for {repo_id}") from error
        except httpx2.TransportError as error:
            raise Transient(f"cannot reach the Hub for {repo_id}: {error}") from error
        except ValueError as error:
            # A JSON decode error is a ValueError: the Hub answered something that is not JSON.
            raise Transient(f"the Hub sent a malformed answer for {repo_id}: {error}") from error
        except OSError as error:
            # hf_hub_download's own checks: a file answer without its commit or ETag, or a
            # download that brought other bytes than the Hub announced.
            raise Transient(f"the Hub gave no usable file for {repo_id}: {error}") from error


def _checked(repo_id: str, convert: Any) -> Any:
    try:
        return convert()
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise Transient(f"the Hub sent an unexpected answer for {repo_id}: {error}") from error


def checked_repo(body: Any, shape: Shape) -> dict[str, Any]:
    """A repository's JSON once it holds what the audit reads; ValueError if it does not."""
    check_shape(body, shape, "a repository")
    if not body["id"].strip():
        msg = "a repository's id is empty"
        raise ValueError(msg)
    if not COMMIT_RE.match(body["sha"]):
        msg = f"a repository's sha {body['sha'][:60]!r} is not a commit"
        raise ValueError(msg)
    if not all(isinstance(tag, str) for tag in body["tags"]):
        msg = "a repository's tags are not all strings"
        raise ValueError(msg)
    for sibling in body["siblings"]:
        check_shape(sibling, (("rfilename", (str,), True),), "a repository's file")
    if isinstance(body.get("gated"), str) and body["gated"] not in GATES:
        msg = f"a repository's gate {body['gated'][:60]!r} is none of {', '.join(GATES)}"
        raise ValueError(msg)
    if body.get("lastModified") is not None:
        datetime.fromisoformat(body["lastModified"].replace("Z", "+00:00"))
    return body


def branches_of(body: Any) -> list[str]:
    """The branch names of a `/refs` answer, sorted; ValueError if it is not one."""
    check_shape(body, REFS_SHAPE, "a repository's refs")
    for branch in body["branches"]:
        check_shape(branch, REF_SHAPE, "a branch")
    return sorted(branch["name"] for branch in body["branches"])


def _download(repo_id: str, path: str, *, timeout: float, **kwargs: Any) -> str:
    return str(hf_hub_download(repo_id, path, etag_timeout=timeout, **kwargs))


def _reraise(error: Exception) -> Any:
    raise error


def _from_http_error(repo_id: str, error: HfHubHTTPError) -> SourceError:
    response = error.response
    status = response.status_code if response is not None else 0
    if status == 429:
        retry_after = _retry_after(response)
        return RateLimited(f"the Hub rate-limited us for {repo_id}", retry_after=retry_after)
    if status in (401, 403):
        return Unauthorized(f"the Hub refused access to {repo_id} ({status})")
    if status == 404:
        return NotFound(f"{repo_id} was not found on the Hub")
    if status == 408 or status >= 500:
        return Transient(f"the Hub answered {status} for {repo_id}")
    return Permanent(f"the Hub answered {status} for {repo_id}")


def _retry_after(response: httpx2.Response) -> float | None:
    limits = parse_ratelimit_headers(response.headers)
    if limits is not None and limits.remaining == 0:
        return float(limits.reset_in_seconds)
    value = response.headers.get("Retry-After", "")
    return float(value) if value.isdigit() else None


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def dataset_payload(info: DatasetInfo | ModelInfo) -> dict[str, Any]:
    """A repo's metadata in the Hub's own JSON names, as evidence fields refer to them."""
    return {
        "id": info.id,
        "sha": info.sha,
        "lastModified": _iso(info.last_modified),
        "gated": info.gated,
        "private": info.private,
        "disabled": info.disabled,
        "tags": list(info.tags or []),
        "cardData": info.card_data.to_dict() if info.card_data is not None else None,
        "siblings": [{"rfilename": s.rfilename} for s in info.siblings or []],
    }


def model_payload(info: ModelInfo) -> dict[str, Any]:
    """A model's metadata: what every repo has, plus what only models carry."""
    return {
        **dataset_payload(info),
        "library_name": info.library_name,
        "pipeline_tag": info.pipeline_tag,
        "config": info.config,
        "safetensors": (
            {"parameters": info.safetensors.parameters, "total": info.safetensors.total}
            if info.safetensors
            else None
        ),
        "model-index": info.model_index,
        "widgetData": info.widget_data,
    }


def file_payload(
    *, repo_type: str, repo: str, path: str, revision: str, text: str
) -> dict[str, Any]:
    """A repository file as the "hf-file" payload: its text, cut at MAX_FILE_CHARS."""
    return {
        "repo_type": repo_type,
        "repo": repo,
        "path": path,
        "revision": revision,
        "text": text[:MAX_FILE_CHARS],
        "truncated": len(text) > MAX_FILE_CHARS,
    }
