"""One JSON error shape for the whole API: {"error": {"status", "code", "message", "fields"}}."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import RequestDataTooBig
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

# Codes for exceptions Django raises (Http404, PermissionDenied), which carry none of their own.
STATUS_CODES = {403: "permission_denied", 404: "not_found"}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, with bodies reshaped and an oversized body answered 413."""
    if isinstance(exc, RequestDataTooBig):
        return Response(
            error_body(413, "too_large", "The request body is larger than this API accepts."),
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    detail = response.data
    code = getattr(exc, "default_code", None) or STATUS_CODES.get(response.status_code, "error")
    if isinstance(detail, dict) and "detail" not in detail:
        fields = {name: [str(m) for m in _messages(value)] for name, value in detail.items()}
        message = "Some fields are not valid: " + ", ".join(sorted(fields)) + "."
        response.data = error_body(response.status_code, code, message, fields)
    else:
        text = detail.get("detail", detail) if isinstance(detail, dict) else detail
        if isinstance(text, list):
            text = " ".join(str(t) for t in text)
        response.data = error_body(response.status_code, code, str(text))
    return response


def _messages(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        return [f"{k}: {v}" for k, v in value.items()]
    return [value]


def error_body(
    status_code: int, code: str, message: str, fields: dict[str, list[str]] | None = None
) -> dict[str, Any]:
    return {
        "error": {"status": status_code, "code": code, "message": message, "fields": fields or {}}
    }
