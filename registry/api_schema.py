"""OpenAPI post-processing: every operation documents the error shape it can answer with."""

from __future__ import annotations

from typing import Any

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["status", "code", "message", "fields"],
            "properties": {
                "status": {"type": "integer", "example": 400},
                "code": {"type": "string", "example": "invalid"},
                "message": {"type": "string", "example": "Some fields are not valid: osaid."},
                "fields": {
                    "type": "object",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                    "example": {"osaid": ["Select a valid choice."]},
                },
            },
        }
    },
}
ERRORS = {
    "400": "A filter or field value is not valid; `fields` names each one.",
    "401": "The credentials sent are not valid.",
    "404": "No such object.",
    "429": "Too many requests; retry after the seconds in `Retry-After`.",
}
WRITE_ERRORS = {"403": "Only moderators may do this.", "413": "The request body is too large."}


def add_error_responses(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """drf-spectacular hook: add the shared Error schema and its responses to each operation."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    reference = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            errors = {**ERRORS, **(WRITE_ERRORS if method in ("post", "put", "patch") else {})}
            responses = operation.setdefault("responses", {})
            for code, description in errors.items():
                responses.setdefault(code, {"description": description, "content": reference})
            # A conditional GET may be answered with 304 and no body.
            if method == "get":
                responses.setdefault("304", {"description": "Not modified (ETag matched)."})
    return result
