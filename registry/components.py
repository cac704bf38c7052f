"""The shared vocabulary: the 17 MOF components, their groups, project kinds and artifact sources.

Pure Python on purpose: the audit rules import it and must not import Django.
"""

from dataclasses import dataclass
from typing import Literal

ContentType = Literal["code", "weights", "data", "documentation"]


@dataclass(frozen=True)
class Component:
    id: str
    label: str
    group: str
    content_type: ContentType


COMPONENTS: tuple[Component, ...] = (
    Component("model-architecture", "Model architecture", "code", "code"),
    Component("training-code", "Training code", "code", "code"),
    Component("inference-code", "Inference code", "code", "code"),
    Component("evaluation-code", "Evaluation code", "code", "code"),
    Component("data-preprocessing-code", "Data preprocessing code", "code", "code"),
    Component("supporting-libraries", "Supporting libraries and tools", "code", "code"),
    Component("training-datasets", "Training datasets", "data", "data"),
    Component("evaluation-data", "Evaluation data", "data", "data"),
    Component("final-weights", "Final weights", "parameters", "weights"),
    Component("intermediate-checkpoints", "Intermediate checkpoints", "parameters", "weights"),
    Component("model-card", "Model card", "documentation", "documentation"),
    Component("data-card", "Data card", "documentation", "documentation"),
    Component("technical-report", "Technical report", "documentation", "documentation"),
    Component("research-paper", "Research paper", "documentation", "documentation"),
    Component("evaluation-results", "Evaluation results", "documentation", "documentation"),
    Component("sample-outputs", "Sample outputs", "documentation", "documentation"),
    Component("model-metadata", "Model metadata", "documentation", "documentation"),
)
COMPONENT_IDS: frozenset[str] = frozenset(c.id for c in COMPONENTS)
BY_ID: dict[str, Component] = {c.id: c for c in COMPONENTS}

KINDS: tuple[tuple[str, str], ...] = (
    ("language-model", "Language model"),
    ("image-generation", "Image generation"),
    ("speech", "Speech"),
    ("multimodal", "Multimodal"),
    ("embedding", "Embedding"),
    ("code", "Code"),
    ("other", "Other"),
)

SOURCES: tuple[tuple[str, str], ...] = (
    ("hf-model", "Hugging Face model"),
    ("hf-dataset", "Hugging Face dataset"),
    ("github", "GitHub repository"),
    ("url", "Web page"),
)

# What a snapshot may come from: every artifact source plus the files and records that
# discovery reads beside them (a repository's LICENSE or README, its file tree, a paper).
SNAPSHOT_SOURCES: tuple[tuple[str, str], ...] = (
    *SOURCES,
    ("hf-file", "Hugging Face repository file"),
    ("github-license", "GitHub license file"),
    ("github-readme", "GitHub README"),
    ("github-tree", "GitHub file tree"),
    ("arxiv", "arXiv record"),
)

# What an artifact serves when its record does not say. GitHub repositories and web pages can
# serve anything, so their records must say what.
DEFAULT_SERVES: dict[str, tuple[str, ...]] = {
    "hf-model": ("final-weights", "model-card", "model-metadata"),
    "hf-dataset": ("training-datasets", "data-card"),
}


def page_url(source: str, locator: str) -> str:
    """A public page a person can open for a locator, built without fetching anything."""
    if source == "hf-model":
        return f"https://huggingface.co/{locator}"
    if source == "hf-dataset":
        return f"https://huggingface.co/datasets/{locator}"
    if source == "github":
        return f"https://github.com/{locator}"
    if source == "arxiv":
        return f"https://arxiv.org/abs/{locator}"
    return locator


def default_serves(source: str) -> tuple[str, ...]:
    """The components an artifact of this source serves when its record lists none."""
    return DEFAULT_SERVES.get(source, ())
