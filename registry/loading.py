"""Loading the catalogue: validate YAML project records, then write each valid one in one step."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from django.db import transaction
from django.utils.text import slugify
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
    ValidationInfo,
    field_validator,
    model_validator,
)

from registry import licenses
from registry.components import COMPONENT_IDS, KINDS, default_serves
from registry.models import SLUG_PATTERN, Artifact, License, Organization, Project
from registry.yaml_files import UniqueKeyLoader

CATALOGUE_SUFFIXES = (".yaml", ".yml")
GITHUB_REPO = re.compile(r"\A[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}\Z")
SLUG = re.compile(rf"\A{SLUG_PATTERN}\Z")


# --- Errors -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordError:
    """One problem in one catalogue file, located by its field path."""

    path: Path
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.field}: " if self.field else ""
        return f"{self.path}: {where}{self.message}"


class CatalogueFileError(Exception):
    """A catalogue file that cannot be loaded; carries every problem found in it."""

    def __init__(self, errors: Sequence[RecordError]) -> None:
        super().__init__("\n".join(str(e) for e in errors))
        self.errors = list(errors)


# --- The record schema ------------------------------------------------------------------------


def _slug(value: str) -> str:
    if not SLUG.match(value):
        raise ValueError(
            f"{value!r} is not a valid slug: use lowercase letters and digits in groups joined "
            "by '-' or '.', e.g. pythia-6.9b"
        )
    return value


def _license(value: str) -> str:
    if licenses.normalise(value) is None:
        raise ValueError(
            f"{value!r} is not a license we recognise: use a Hugging Face license id "
            "(apache-2.0, llama2, openrail++ ...), an SPDX id or a LicenseRef-scancode id"
        )
    return value


Slug = Annotated[str, Field(max_length=100), AfterValidator(_slug)]
Kind = StrEnum("Kind", {k: k for k, _ in KINDS})  # type: ignore[misc]
ComponentId = StrEnum("ComponentId", {c: c for c in sorted(COMPONENT_IDS)})  # type: ignore[misc]
Text = Annotated[str, Field(min_length=1, max_length=500)]
_HTTP_URL = TypeAdapter(HttpUrl)


class ArtifactRecord(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    source: Literal["hf-model", "hf-dataset", "github", "url"]
    locator: Annotated[str, Field(min_length=1, max_length=300)]
    serves: list[ComponentId] | None = None
    license: Annotated[str, AfterValidator(_license)] | None = None

    @field_validator("locator")
    @classmethod
    def _locator_fits_source(cls, locator: str, info: ValidationInfo) -> str:
        match info.data.get("source"):
            case "hf-model" | "hf-dataset":
                _check_hub_repo_id(locator)
            case "github":
                if not GITHUB_REPO.match(locator):
                    raise ValueError(f"{locator!r} is not a GitHub repository: write owner/repo")
            case "url":
                try:
                    _HTTP_URL.validate_python(locator)
                except ValidationError:
                    raise ValueError(
                        f"{locator!r} is not a web address: write an http(s) URL"
                    ) from None
        return locator

    @model_validator(mode="after")
    def _serves_is_known(self) -> ArtifactRecord:
        if self.serves is None and not default_serves(self.source):
            raise ValueError(
                f"serves is required for a {self.source} artifact: list its components"
            )
        if self.serves is not None and len(set(self.serves)) != len(self.serves):
            raise ValueError("serves lists a component twice")
        return self

    def components(self) -> list[str]:
        """The components this artifact serves, its source's default when the record names none."""
        if self.serves is None:
            return list(default_serves(self.source))
        return [str(c) for c in self.serves]


def _check_hub_repo_id(locator: str) -> None:
    if locator.count("/") != 1:
        raise ValueError(
            f"{locator!r} is not a Hub repo id: write namespace/name, e.g. EleutherAI/pythia-6.9b"
        )
    try:
        validate_repo_id(locator)
    except HFValidationError as error:
        raise ValueError(f"{locator!r} is not a Hub repo id: {error}") from None


class ProjectRecord(BaseModel):
    """One catalogue file: a project as its maintainers declare it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    slug: Slug
    name: Annotated[str, Field(min_length=1, max_length=200)]
    kind: Kind
    organization: Annotated[str, Field(min_length=1, max_length=200)]
    summary: Text
    homepage: HttpUrl | None = None
    family: Slug | None = None
    released: date | None = None
    artifacts: Annotated[list[ArtifactRecord], Field(min_length=1)]

    @field_validator("artifacts")
    @classmethod
    def _artifacts_are_unique(cls, artifacts: list[ArtifactRecord]) -> list[ArtifactRecord]:
        seen: set[tuple[str, str]] = set()
        for artifact in artifacts:
            key = (artifact.source, artifact.locator)
            if key in seen:
                raise ValueError(f"artifact {artifact.source}:{artifact.locator} is listed twice")
            seen.add(key)
        return artifacts

    def fingerprint(self) -> str:
        """A hash of the record as validated: equal hashes mean nothing to write."""
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True)
        return hashlib.sha256(canonical.encode()).hexdigest()


# --- Reading files ----------------------------------------------------------------------------


def _field_path(location: tuple[int | str, ...]) -> str:
    path = ""
    for part in location:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def read_record(path: Path) -> ProjectRecord:
    """Parse and validate one catalogue file; raise CatalogueFileError naming every bad field."""
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=UniqueKeyLoader)  # noqa: S506
    except (OSError, UnicodeDecodeError) as error:
        raise CatalogueFileError(
            [RecordError(path, "", f"cannot read the file: {error}")]
        ) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or str(error)
        raise CatalogueFileError(
            [RecordError(path, "", f"broken YAML{where}: {problem}")]
        ) from None
    if not isinstance(data, dict):
        raise CatalogueFileError(
            [RecordError(path, "", "expected a mapping of fields (slug, name, kind, ...)")]
        )
    try:
        record = ProjectRecord.model_validate(data)
    except ValidationError as error:
        raise CatalogueFileError(
            [
                RecordError(path, _field_path(e["loc"]), _message(e))
                for e in error.errors(include_url=False)
            ]
        ) from None
    if path.stem != record.slug:
        raise CatalogueFileError(
            [RecordError(path, "slug", f"{record.slug!r} differs from the file name {path.name!r}")]
        )
    return record


def _message(error: Any) -> str:
    if error["type"] == "extra_forbidden":
        return "unknown field"
    if error["type"] in {"enum", "literal_error"}:
        return f"{error['input']!r} is not one of {error['ctx']['expected']}"
    message = str(error["msg"])
    return message.removeprefix("Value error, ")


def catalogue_files(path: Path) -> list[Path]:
    """The catalogue files at a path: the file itself, or every YAML file in a folder, sorted."""
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.suffix in CATALOGUE_SUFFIXES and p.is_file())
    if path.is_file():
        return [path]
    raise FileNotFoundError(f"{path}: no such file or folder")


# --- Writing records --------------------------------------------------------------------------


class Outcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass
class LoadReport:
    outcomes: dict[str, Outcome] = field(default_factory=dict)
    errors: list[RecordError] = field(default_factory=list)

    def count(self, outcome: Outcome) -> int:
        return sum(1 for o in self.outcomes.values() if o == outcome)

    @property
    def rejected_files(self) -> list[Path]:
        return sorted({e.path for e in self.errors})

    def summary(self) -> str:
        loaded = ", ".join(f"{self.count(o)} {o}" for o in Outcome)
        rejected = len(self.rejected_files)
        return f"{len(self.outcomes)} projects loaded ({loaded}); {rejected} files rejected"


def validate_files(paths: Iterable[Path]) -> tuple[dict[Path, ProjectRecord], list[RecordError]]:
    """Validate every file, and refuse a slug that two files claim (both files are rejected)."""
    records: dict[Path, ProjectRecord] = {}
    errors: list[RecordError] = []
    for path in paths:
        try:
            records[path] = read_record(path)
        except CatalogueFileError as error:
            errors.extend(error.errors)
    by_slug: dict[str, list[Path]] = {}
    for path, record in records.items():
        by_slug.setdefault(record.slug, []).append(path)
    for slug, claimants in by_slug.items():
        if len(claimants) > 1:
            for path in claimants:
                others = ", ".join(str(p) for p in claimants if p != path)
                errors.append(RecordError(path, "slug", f"{slug!r} is also the slug of {others}"))
                del records[path]
    return records, errors


def load_catalogue(
    *, paths: Sequence[Path], progress: Callable[[Iterable[Path]], Iterable[Path]] | None = None
) -> LoadReport:
    """Validate all files first, then write each valid record in its own transaction."""
    records, errors = validate_files(paths)
    report = LoadReport(errors=errors)
    for path in (progress or iter)(list(records)):
        record = records[path]
        report.outcomes[record.slug] = apply_record(record, source_file=str(path))
    return report


@transaction.atomic
def apply_record(record: ProjectRecord, *, source_file: str) -> Outcome:
    """Create or update one project and its artifacts from a validated record."""
    fingerprint = record.fingerprint()
    existing = Project.objects.filter(slug=record.slug).first()
    if existing is not None and existing.record_hash == fingerprint:
        return Outcome.UNCHANGED

    organization = _organization(record.organization)
    values = {
        "name": record.name,
        "kind": str(record.kind),
        "organization": organization,
        "summary": record.summary,
        "homepage": str(record.homepage) if record.homepage else "",
        "family": record.family or "",
        "released": record.released,
        "catalogue_file": source_file,
        "record_hash": fingerprint,
    }
    project, created = Project.objects.update_or_create(slug=record.slug, defaults=values)
    _sync_artifacts(project, record.artifacts)
    Project.objects.filter(pk=project.pk).refresh_search_vectors()
    return Outcome.CREATED if created else Outcome.UPDATED


def _organization(name: str) -> Organization:
    organization, created = Organization.objects.get_or_create(
        slug=slugify(name), defaults={"name": name}
    )
    if not created and organization.name != name:
        organization.name = name
        organization.save(update_fields=["name"])
    return organization


def _sync_artifacts(project: Project, artifacts: Sequence[ArtifactRecord]) -> None:
    """Make the project's artifacts exactly those of the record, keeping rows that stay."""
    current = {(a.source, a.locator): a for a in project.artifacts.all()}
    wanted = {(a.source, a.locator) for a in artifacts}
    project.artifacts.filter(
        pk__in=[a.pk for key, a in current.items() if key not in wanted]
    ).delete()
    for position, record in enumerate(artifacts):
        resolved = licenses.normalise(record.license) if record.license else None
        values = {
            "position": position,
            "serves": record.components(),
            "declared_license_text": record.license or "",
            "declared_license": License.objects.ensure(resolved) if resolved else None,
        }
        artifact = current.get((record.source, record.locator))
        if artifact is None:
            Artifact.objects.create(
                project=project, source=record.source, locator=record.locator, **values
            )
        elif any(getattr(artifact, k) != v for k, v in values.items()):
            for key, value in values.items():
                setattr(artifact, key, value)
            artifact.save()
