"""Error pages and JSON errors without internals.

API clients (paths under /api/) get {"code": ..., "message": ...}; people get a
page in their language. The codes are stable: clients may branch on them.
"""

from __future__ import annotations

from flask import Flask, current_app, g, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from arrival.core.validation import Conflict, ValidationFailed

ERROR_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "too_many_requests",
    500: "internal_error",
    503: "unavailable",
}


def _messages() -> dict[int, str]:
    return {
        400: _("The request could not be processed."),
        401: _("Please sign in."),
        403: _("You do not have permission to open this page."),
        404: _("This page does not exist."),
        405: _("This action is not possible here."),
        409: _("The data were changed in the meantime. Please reload and try again."),
        413: _("The request is too large."),
        415: _("This content type is not supported."),
        422: _("Some entries are not valid."),
        429: _("Too many attempts. Please wait a moment and try again."),
        500: _("Something went wrong on our side. The error has been logged."),
        503: _("The service is temporarily unavailable."),
    }


def wants_json() -> bool:
    return request.path.startswith("/api/")


def json_error(status: int, message: str | None = None, code: str | None = None, **extra):
    body = {
        "code": code or ERROR_CODES.get(status, "error"),
        "message": message or _messages().get(status, ""),
        "request_id": g.get("request_id"),
    }
    body.update(extra)
    return jsonify(body), status


def error_response(status: int, message: str | None = None, code: str | None = None, **extra):
    if wants_json():
        return json_error(status, message, code, **extra)
    titles = {403: _("Access denied"), 404: _("Page not found"), 429: _("Too many attempts")}
    title = titles.get(status) or _("Error %(status)d", status=status)
    text = message or _messages().get(status, _messages()[500])
    return render_template("errors/error.html", title=title, message=text), status


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, _handle_csrf)
    app.register_error_handler(ValidationFailed, _handle_validation)
    app.register_error_handler(Conflict, _handle_conflict)
    app.register_error_handler(HTTPException, _handle_http)
    app.register_error_handler(Exception, _handle_unexpected)


def _handle_csrf(error: CSRFError):
    current_app.logger.warning("CSRF check failed: %s", error.description)
    return error_response(
        400,
        _("The form has expired or was sent twice. Please reload the page and try again."),
        code="csrf_failed",
    )


def _handle_validation(error: ValidationFailed):
    return error_response(422, code="validation_failed", fields=error.errors)


def _handle_conflict(error: Conflict):
    return error_response(409, error.message, code=error.code, details=error.details)


def _handle_http(error: HTTPException):
    body, status = error_response(error.code or 500)
    valid_methods = getattr(error, "valid_methods", None)
    if valid_methods:
        return body, status, {"Allow": ", ".join(valid_methods)}
    return body, status


def _handle_unexpected(error: Exception):
    if isinstance(error, HTTPException):
        return _handle_http(error)
    current_app.logger.exception("unhandled error", exc_info=error)
    return error_response(500)

