"""CSV rendering of project lists, for spreadsheets."""

from __future__ import annotations

import csv
import io
from typing import Any

from rest_framework.renderers import BaseRenderer

CSV_COLUMNS = [
    "slug",
    "name",
    "kind",
    "organization",
    "family",
    "osaid",
    "mof_class",
    "category",
    "score",
    "gated",
    "stale",
    "audited_at",
    "url",
]


class ProjectCSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        rows = data.get("results", data) if isinstance(data, dict) else data
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, extrasaction="ignore")
        writer.writeheader()
        if isinstance(rows, list):
            for row in rows:
                verdict = row.get("verdict") or {}
                writer.writerow({**row, **verdict})
        else:  # an error body: one line saying so beats a half-empty sheet
            out.write(str(rows))
        return out.getvalue().encode()
