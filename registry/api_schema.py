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


# One meaning per field name across the API; fields without their own help text take theirs.
FIELD_DESCRIPTIONS = {
    "id": "Numeric id.",
    "slug": "Stable identifier used in URLs, e.g. pythia-6.9b.",
    "name": "Display name.",
    "project": "Slug of the project.",
    "organization": "Name of the organization that publishes the project.",
    "organization_slug": "Slug of the organization (the `organization` filter takes it).",
    "url": "A page a person can open.",
    "api_url": "This project in the API.",
    "summary": "One or two sentences on what the project is.",
    "homepage": "The project's or organization's home page.",
    "source": "Where the artifact lives: hf-model, hf-dataset, github or url.",
    "locator": "Its id at the source: Hub repo id, GitHub owner/repo, or a URL.",
    "serves": "Component ids the artifact serves.",
    "declared_license": "The license the catalogue record declares, as written.",
    "components": "One finding for each of the 17 MOF components.",
    "data_information": "The three facets of training-data information OSAID asks for.",
    "artifacts": "What the project publishes, as its catalogue record declares it.",
    "findings": "Every finding of the audit: 17 components, access, and 3 data facets.",
    "component": "Component id (or access, or a training-data facet).",
    "label": "Human name of the component.",
    "license": "License id (SPDX or LicenseRef) or SPDX expression; empty when none applies.",
    "tool_license": "The license the auditor found, before any curation.",
    "reason": "One plain sentence saying why.",
    "evidence_url": "A page that shows the evidence for the correction.",
    "created_at": "When it was recorded.",
    "attempt": "1 for the first try, then each retry after a source failure.",
    "rules_version": "Version of the rules that produced the findings.",
    "queued_at": "When the audit was queued.",
    "started_at": "When a worker started it.",
    "finished_at": "When it finished.",
    "duration_seconds": "How long it ran.",
    "error": "What went wrong, when something did.",
    "before": "The value before the change.",
    "after": "The value after the change.",
    "audit_id": "The audit run that recorded it.",
    "osi_approved": "Approved by the Open Source Initiative.",
    "fsf_libre": "Free (libre) according to the Free Software Foundation.",
    "open_for": "Whether it is open for code, weights, data and documentation, and why.",
    "project_count": "Number of listed projects.",
    "projects": "Slugs of the listed projects whose current findings name it.",
    "osaid": "OSAID 1.0 status: open-source-ai, not-open-source-ai or insufficient-evidence.",
    "osaid_unmet": "One sentence for each OSAID requirement that is not met.",
    "mof_class": "Highest MOF class reached (I is the most open), or null.",
    "category": "Plain category: open-source-ai, open-weights, restricted-weights or closed.",
    "score": "Openness score from 0 to 100.",
    "gated": "The weights are behind an access request.",
    "stale": "The latest audits could not confirm this verdict.",
    "stale_since": "Since when the audits could not be completed.",
    "stale_reason": "Which sources failed, and how.",
    "next": "Link to the next page, or null.",
    "previous": "Link to the previous page, or null.",
    "results": "The items of this page.",
    "trigger": "What started the audit: schedule, manual, retry, rules or seed.",
    "state": "queued, running, done or failed.",
    "verdict": "The verdict, or null when there is none.",
    "kind": "What kind of thing it is.",
    "status": "The status.",
    "access": "Whether the weights are behind a gate: none, auto, manual or unknown.",
    "action": "What the moderator does: approve, reject, duplicate or ask.",
    "message": "A message to the submitter (required to reject or ask for more).",
    "created_project": "Slug of the project an approval created.",
    "duplicate_of": "Slug of the listed project this duplicates.",
    "events": "What happened to the submission, and when.",
    "github": "GitHub repositories (owner/repo).",
    "datasets": "Hugging Face dataset ids.",
    "hub_model": "The Hugging Face model id.",
    "moderator_message": "The moderators' last message to the submitter.",
    "note": "The submitter's note to the moderators.",
    "paper": "A paper link (arXiv or DOI); stored, never fetched.",
    "preview": "What the auditor found: provisional verdict, findings, conflicts, failures.",
    "preview_state": "queued, done or failed.",
    "proposed_license": "For a correction: the license it should have.",
    "proposed_status": "For a correction: the status it should have.",
    "status_url": "The submission's status in the API, at its secret id.",
}


def describe_fields(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """drf-spectacular hook: give every component property a description."""
    for schema in result.get("components", {}).get("schemas", {}).values():
        for name, spec in schema.get("properties", {}).items():
            if "description" in spec or name not in FIELD_DESCRIPTIONS:
                continue
            if "$ref" in spec:
                # OpenAPI 3.0 ignores siblings of $ref; allOf carries the description.
                schema["properties"][name] = spec = {"allOf": [{"$ref": spec.pop("$ref")}], **spec}
            spec["description"] = FIELD_DESCRIPTIONS[name]
    return result


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
