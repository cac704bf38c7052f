"""The Hugging Face Hub through huggingface_hub's HfApi, with its failures mapped to ours."""

from __future__ import annotations

import os
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
from huggingface_hub import HfApi, hf_hub_download, set_client_factory
from huggingface_hub.errors import (
    EntryNotFoundError,
    GatedRepoError,
    HfHubHTTPError,
    LocalEntryNotFoundError,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)
from huggingface_hub.hf_api import DatasetInfo, ModelInfo
from huggingface_hub.utils import parse_ratelimit_headers
from huggingface_hub.utils._http import default_client_factory

from audits.sources import (
    Fetched,
    NotFound,
    Permanent,
    RateLimited,
    SourceError,
    Transient,
    Unauthorized,
)

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

# A model card or license longer than this is cut; the evidence keeps its beginning.
MAX_FILE_CHARS = 200_000

_timeout_seconds: float | None = None


def _use_timeout(seconds: float) -> None:
    """Give huggingface_hub's shared HTTP client a timeout; its default waits forever."""
    global _timeout_seconds
    if _timeout_seconds == seconds:
        return

    def factory() -> httpx2.Client:
        client = default_client_factory()
        client.timeout = httpx2.Timeout(seconds)
        return client

    set_client_factory(factory)
    _timeout_seconds = seconds


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
        _use_timeout(timeout)

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
        return self._call(
            label,
            lambda: [m.id for m in self.api.list_models(author=author, sort=sort, limit=limit)],
        )

    def model(self, repo_id: str) -> Fetched:
        """A model's metadata and its branches (intermediate checkpoints live on branches)."""
        info = self._call(
            repo_id,
            lambda: self.api.model_info(repo_id, expand=MODEL_FIELDS, timeout=self.timeout),
        )
        refs = self._call(repo_id, lambda: self.api.list_repo_refs(repo_id))
        payload = model_payload(info)
        payload["branches"] = sorted(branch.name for branch in refs.branches)
        return Fetched(payload=payload, url=f"{self.endpoint}/{info.id}", revision=info.sha or "")

    def dataset(self, repo_id: str) -> Fetched:
        """A dataset's metadata, with its card's YAML front matter in cardData."""
        info = self._call(
            repo_id,
            lambda: self.api.dataset_info(repo_id, expand=DATASET_FIELDS, timeout=self.timeout),
        )
        return Fetched(
            payload=dataset_payload(info),
            url=f"{self.endpoint}/datasets/{info.id}",
            revision=info.sha or "",
        )

    def _call(self, repo_id: str, call: Any) -> Any:
        try:
            return call()
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
