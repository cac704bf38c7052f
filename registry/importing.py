"""Projects from Hub ids alone: what `import_hub` and approved submissions create."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from registry.models import SLUG_MAX_LENGTH, Artifact, Organization, Project, make_slug

# The Hub's pipeline tags, grouped into the catalogue's kinds.
KIND_OF_PIPELINE: dict[str, str] = {
    "text-generation": "language-model",
    "text2text-generation": "language-model",
    "fill-mask": "language-model",
    "text-classification": "language-model",
    "token-classification": "language-model",
    "question-answering": "language-model",
    "summarization": "language-model",
    "translation": "language-model",
    "text-to-image": "image-generation",
    "image-to-image": "image-generation",
    "unconditional-image-generation": "image-generation",
    "automatic-speech-recognition": "speech",
    "text-to-speech": "speech",
    "text-to-audio": "speech",
    "audio-classification": "speech",
    "image-text-to-text": "multimodal",
    "visual-question-answering": "multimodal",
    "image-to-text": "multimodal",
    "zero-shot-image-classification": "multimodal",
    "feature-extraction": "embedding",
    "sentence-similarity": "embedding",
}


def kind_of(pipeline_tag: str | None) -> str:
    """The catalogue kind for a Hub pipeline tag; "other" when it names none we group."""
    return KIND_OF_PIPELINE.get(pipeline_tag or "", "other")


def unique_slug(base: str) -> str:
    """`base`, or `base-2`, `base-3`... cut to fit: the first slug no project holds yet."""
    slug, number = base, 1
    while Project.objects.filter(slug=slug).exists():
        number += 1
        suffix = f"-{number}"
        slug = base[: SLUG_MAX_LENGTH - len(suffix)].rstrip(".-") + suffix
    return slug


def organization_for(namespace: str) -> Organization:
    """The organization a Hub namespace belongs to: one whose projects already use it, else new."""
    known = (
        Organization.objects.filter(
            projects__artifacts__source="hf-model",
            projects__artifacts__locator__istartswith=f"{namespace}/",
        )
        .distinct()
        .first()
    )
    if known is not None:
        return known
    organization, _ = Organization.objects.get_or_create(
        slug=make_slug(namespace), defaults={"name": namespace}
    )
    return organization


def listed_model_ids(ids: Iterable[str]) -> set[str]:
    """Which of these Hub ids (case-insensitive) a project already names as its model."""
    wanted = {i.lower() for i in ids}
    present = Artifact.objects.filter(source="hf-model").values_list("locator", flat=True)
    return {loc.lower() for loc in present if loc.lower() in wanted}


@transaction.atomic
def project_from_hub(
    *, model_id: str, kind: str = "other", name: str = "", summary: str = ""
) -> Project:
    """A listed project whose only declared artifact is its Hub model; discovery finds the rest."""
    namespace, _, repo = model_id.partition("/")
    project = Project.objects.create(
        slug=unique_slug(make_slug(repo or model_id)),
        name=name or repo or model_id,
        kind=kind,
        organization=organization_for(namespace),
        summary=(summary or f"Imported from the Hugging Face Hub: {model_id}.")[:500],
    )
    Artifact.objects.create(
        project=project, position=0, source="hf-model", locator=model_id, serves=[]
    )
    Project.objects.filter(pk=project.pk).refresh_search_vectors()
    return project
