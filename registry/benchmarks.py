"""Benchmark knowledge: which Hugging Face Hub dataset a benchmark name in a model card is.

Pure Python (no Django), read by the audit rules. The table is `benchmarks.yaml` beside this file.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from importlib import resources
from types import MappingProxyType

import yaml

# What follows a benchmark's name in a results table: a shot count, a metric, an arrow.
_SUFFIX = re.compile(
    r"\s*(\(.*?\)|/\s*\w+|↑|↓|\b\d+-shot\b|\bzero-shot\b|\bfew-shot\b|\b(acc|acc_norm|ppl|em|f1|"
    r"pass@\d+|mc[12])\b)\s*$",
    re.IGNORECASE,
)


def squeeze(name: str) -> str:
    """A benchmark name compared without case, spaces or punctuation."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _key(name: str) -> str:
    text = name.strip()
    while True:
        cut = _SUFFIX.sub("", text)
        if cut == text:
            return squeeze(text)
        text = cut


@functools.cache
def _table() -> Mapping[str, str]:
    raw = yaml.safe_load(resources.files("registry").joinpath("benchmarks.yaml").read_text())
    by_name: dict[str, str] = {}
    for dataset, entry in raw.items():
        for name in entry["names"]:
            by_name[squeeze(name)] = dataset
    return MappingProxyType(by_name)


def dataset_for(name: str) -> str | None:
    """The Hub dataset id of a benchmark named in a card, or None when it is not one we know.

    The name as written is tried first ("ARC (Challenge)"), then without a trailing shot count,
    metric or arrow ("MMLU (5-shot)" -> "MMLU", "arc_challenge/acc" -> "arc_challenge").
    """
    table = _table()
    return table.get(squeeze(name)) or table.get(_key(name))
