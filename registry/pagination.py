"""Cursor pagination with a capped count: stable under inserts and cheap at a million rows."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response

COUNT_CAP = 10_000


class CappedCursorPagination(CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = "slug"

    def paginate_queryset(
        self, queryset: QuerySet[Any], request: Request, view: Any = None
    ) -> list[Any] | None:
        # Counting stops past the cap: "10,000+" costs the same at any size.
        self.count = queryset.order_by()[: COUNT_CAP + 1].count()
        return super().paginate_queryset(queryset, request, view)

    def get_paginated_response(self, data: Any) -> Response:
        response = super().get_paginated_response(data)
        response.data = {
            "count": min(self.count, COUNT_CAP),
            "count_capped": self.count > COUNT_CAP,
            **response.data,
        }
        return response

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        paginated = super().get_paginated_response_schema(schema)
        paginated["properties"] = {
            "count": {"type": "integer", "example": 41, "description": f"Capped at {COUNT_CAP}."},
            "count_capped": {
                "type": "boolean",
                "example": False,
                "description": "True when there are more.",
            },
            **paginated["properties"],
        }
        return paginated


class ChangeCursorPagination(CappedCursorPagination):
    ordering = "-created_at"


class AuditCursorPagination(CappedCursorPagination):
    ordering = "-queued_at"
