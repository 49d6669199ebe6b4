"""OpenAPI 3 document, assembled from the documented API views."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask

from arrival.version import __version__
from arrival.core.inputs import INT32_MAX, JSON_MAX_DEPTH

PATH_PARAMETER = re.compile(r"<(?:(?P<converter>[a-z]+):)?(?P<name>\w+)>")
CONVERTER_TYPES = {"int": {"type": "integer", "format": "int32", "minimum": 0,
                           "maximum": INT32_MAX},
                   "string": {"type": "string"}, None: {"type": "string"}}

# Schemas shared by several endpoints; domains add theirs with register_schema().
SCHEMAS: dict[str, dict] = {
    "Error": {
        "type": "object",
        "required": ["code", "message"],
        "properties": {
            "code": {"type": "string", "description": "Stable machine-readable code."},
            "message": {"type": "string", "description": "Human message in the user's language."},
            "request_id": {"type": "string"},
            "fields": {
                "type": "object",
                "additionalProperties": {"type": "array", "items": {"type": "string"}},
                "description": "Validation messages per field (code validation_failed).",
            },
        },
    },
}

STANDARD_ERRORS = {
    "401": "Not signed in or session expired (code unauthenticated / session_expired).",
    "403": "The role lacks the permission (code forbidden).",
    "422": "A field is not valid (code validation_failed, messages per field in fields) — "
           "also text with control characters such as NUL in the query or the path.",
}
# What every write may answer besides, whatever its view does.
WRITE_ERRORS = {
    "400": "The body is not JSON, not valid UTF-8, nested more than "
           f"{JSON_MAX_DEPTH} levels, holds a number beyond 64 bits, is not a JSON "
           "object (code bad_request / invalid_json / number_out_of_range), or the "
           "CSRF token is missing (csrf_failed).",
    "413": "The body is larger than the configured limit (code payload_too_large).",
    "415": "The body is not application/json (code unsupported_media_type).",
}
PATH_ERRORS = {"404": "Nothing with this id or reference (code not_found)."}


def register_schema(name: str, schema: dict) -> None:
    SCHEMAS[name] = schema


def documented(
    summary: str,
    *,
    tags: list[str] | None = None,
    parameters: list[dict] | None = None,
    request_body: dict | None = None,
    responses: dict[str, Any] | None = None,
    description: str | None = None,
):
    """Attach an OpenAPI operation to an API view."""

    def decorate(view):
        view.openapi = {
            "summary": summary,
            "tags": tags or [],
            "parameters": parameters or [],
            "request_body": request_body,
            "responses": responses or {"200": {"description": "OK"}},
            "description": description,
        }
        return view

    return decorate


def query_parameter(name: str, schema: dict | None = None, description: str = "") -> dict:
    return {"name": name, "in": "query", "required": False,
            "schema": schema or {"type": "string"}, "description": description}


def json_response(description: str, schema: dict) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def openapi_path(rule: str) -> tuple[str, list[dict]]:
    parameters = []

    def replace(match: re.Match) -> str:
        parameters.append({
            "name": match["name"], "in": "path", "required": True,
            "schema": CONVERTER_TYPES.get(match["converter"], {"type": "string"}),
        })
        return "{" + match["name"] + "}"

    return PATH_PARAMETER.sub(replace, rule), parameters


def api_rules(app: Flask):
    return [rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1/")]


def build_document(app: Flask) -> dict:
    paths: dict[str, dict] = {}
    for rule in sorted(api_rules(app), key=lambda r: r.rule):
        spec = getattr(app.view_functions[rule.endpoint], "openapi", None)
        if spec is None:
            continue
        path, path_parameters = openapi_path(rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            paths.setdefault(path, {})[method.lower()] = _operation(
                rule.endpoint, method, spec, path_parameters
            )
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Arrival API",
            "version": __version__,
            "description": (
                "Session-authenticated JSON API of Arrival. Writes need the CSRF token "
                "(from <meta name=\"csrf-token\"> or GET /api/v1/me) in the X-CSRFToken header."
            ),
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": "arrival_session"},
                "csrf": {"type": "apiKey", "in": "header", "name": "X-CSRFToken"},
            },
        },
        "security": [{"session": []}],
    }


def _operation(endpoint: str, method: str, spec: dict, path_parameters: list[dict]) -> dict:
    responses = {str(code): value for code, value in spec["responses"].items()}
    extra = dict(STANDARD_ERRORS)
    if method != "GET":
        extra.update(WRITE_ERRORS)
    if path_parameters:
        extra.update(PATH_ERRORS)
    for code, text in extra.items():
        responses.setdefault(code, json_response(text, ref("Error")))
    operation = {
        "operationId": endpoint.replace(".", "_") + ("" if method == "GET" else f"_{method.lower()}"),
        "summary": spec["summary"],
        "tags": spec["tags"],
        "parameters": path_parameters + spec["parameters"],
        "responses": responses,
    }
    if spec["description"]:
        operation["description"] = spec["description"]
    if spec["request_body"]:
        operation["requestBody"] = spec["request_body"]
    if method != "GET":
        operation["security"] = [{"session": [], "csrf": []}]
    return operation
