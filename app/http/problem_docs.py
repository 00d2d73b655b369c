"""What the OpenAPI document shows for each problem status: a description and real answers of
the service on the worked example."""

from typing import Any

from app.errors import PROBLEM_JSON, Problem

# A part of the OpenAPI document as FastAPI builds and types it (`FastAPI.openapi()`, the
# `responses=` of a route): JSON objects, completed in place key by key.
OpenAPIDict = dict[str, Any]

_CLAIM_ID = "01a2137e-9db1-72f6-a15b-7a124895f0e2"
# Real answers of the service on the worked example, shown in the docs beside each status.
PROBLEM_EXAMPLES: dict[int, dict[str, dict[str, object]]] = {
    404: {
        "unknown-id": {
            "summary": "An id that names no record (here a claim)",
            "value": {
                "type": "/problems/unknown-claim",
                "title": "Unknown claim",
                "status": 404,
                "detail": "no claim with id 0190c3d4-5e6f-7a8b-9c0d-1e2f3a4b5c6d",
                "instance": "/v1/claims/0190c3d4-5e6f-7a8b-9c0d-1e2f3a4b5c6d",
            },
        }
    },
    409: {
        "duplicate": {
            "summary": "A claim already recorded (ignoring case and spacing)",
            "value": {
                "type": "/problems/duplicate",
                "title": "Already exists",
                "status": 409,
                "detail": "a claim with this statement exists",
                "instance": "/v1/claims",
                "existing_id": _CLAIM_ID,
            },
        },
        "still-referenced": {
            "summary": "Deleting a record others still refer to",
            "value": {
                "type": "/problems/still-referenced",
                "title": "Still referenced",
                "status": 409,
                "detail": "actor 01a2137e-9ceb-71ab-9853-a9415e6173c7 is still referenced by 2 "
                "stances; delete or re-point those first",
                "instance": "/v1/actors/01a2137e-9ceb-71ab-9853-a9415e6173c7",
                "references": {"stances": 2},
            },
        },
    },
    422: {
        "invalid-request": {
            "summary": "Input that does not parse: every offending field is named",
            "value": {
                "type": "/problems/invalid-request",
                "title": "Invalid request",
                "status": 422,
                "detail": "limit: Input should be greater than or equal to 1; side: Input should "
                "be 'support', 'neutral' or 'dispute'",
                "instance": "/v1/stances",
                "errors": [
                    {
                        "field": "limit",
                        "location": "query",
                        "message": "Input should be greater than or equal to 1",
                        "type": "greater_than_equal",
                    },
                    {
                        "field": "side",
                        "location": "query",
                        "message": "Input should be 'support', 'neutral' or 'dispute'",
                        "type": "enum",
                    },
                ],
            },
        },
        "probability-outside-band": {
            "summary": "Input that parses but does not fit the data",
            "value": {
                "type": "/problems/probability-outside-band",
                "title": "Invalid field",
                "status": 422,
                "detail": "probability: 0.5 is outside the band of 'denied' (0.00-0.05); pick "
                "the label whose band holds it or omit it",
                "instance": "/v1/stances/01a2137e-9ff2-702e-a3bc-c3a194cb31b2",
                "errors": [
                    {
                        "field": "probability",
                        "location": "body",
                        "message": "0.5 is outside the band of 'denied' (0.00-0.05); pick the "
                        "label whose band holds it or omit it",
                        "type": "probability-outside-band",
                    }
                ],
            },
        },
    },
}


def problem_responses(*statuses: int) -> dict[int | str, OpenAPIDict]:
    """OpenAPI `responses=` entries declaring problem+json bodies for these statuses."""
    descriptions = {
        404: "Unknown id.",
        409: "Conflicts with existing data.",
        412: "The resource changed since the given ETag.",
        422: "Invalid input; the offending fields are named.",
    }
    responses: dict[int | str, OpenAPIDict] = {}
    for status in statuses:
        media: dict[str, object] = {"schema": {"$ref": "#/components/schemas/Problem"}}
        if status in PROBLEM_EXAMPLES:
            media["examples"] = PROBLEM_EXAMPLES[status]
        responses[status] = {
            "model": Problem,
            "description": descriptions.get(status, "Error."),
            "content": {PROBLEM_JSON: media},
        }
    return responses


def text_responses(description: str, *statuses: int) -> dict[int | str, OpenAPIDict]:
    """OpenAPI `responses=` entries for a route that answers `text/plain` (described as
    `description`), or a problem for these statuses."""
    return {
        200: {"content": {"text/plain": {}}, "description": description},
        **problem_responses(*statuses),
    }
