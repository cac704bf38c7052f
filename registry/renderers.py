"""CSV rendering of project lists for spreadsheets, with no cell they would run as a formula."""

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
# What a spreadsheet reads as the start of a formula (OWASP, "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formula(cell: Any) -> Any:
    """A text cell a spreadsheet would run as a formula, prefixed with a quote so it shows as text.

    Names and organizations come from submissions and the Hub, so anyone can make one start
    with "=". Numbers, booleans and empty cells pass as they are.
    """
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS):
        return f"'{cell}"
    return cell


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
                writer.writerow(
                    {name: neutralise_formula(value) for name, value in {**row, **verdict}.items()}
                )
        else:  # an error body: one line saying so beats a half-empty sheet
            out.write(str(rows))
        return out.getvalue().encode()
