"""Cursor pagination with a capped count: stable under inserts and cheap at a million rows."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from rest_framework.exceptions import NotFound
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response

from registry.filters import as_utc

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
        self.model: type[Model] = queryset.model
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request: Request) -> Cursor | None:
        """DRF's cursor, with a position its ordering field cannot hold answered 404, not 500.

        A cursor is base64 a client can write: a NUL, a non-date or an offset PostgreSQL
        refuses (-20:29) would otherwise reach the query.
        """
        cursor = super().decode_cursor(request)
        if cursor is None or cursor.position is None:
            return cursor
        if "\x00" in cursor.position:
            raise NotFound(self.invalid_cursor_message)
        field = self.model._meta.get_field(self.ordering[0].lstrip("-"))
        try:
            position = field.to_python(cursor.position)
        except ValidationError:
            raise NotFound(self.invalid_cursor_message) from None
        if isinstance(position, datetime):
            moment = position.replace(tzinfo=UTC) if position.tzinfo is None else as_utc(position)
            return cursor._replace(position=str(moment))
        return cursor

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
