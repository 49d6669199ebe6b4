from __future__ import annotations

from flask import Blueprint, request

from arrival.core.errors import json_error

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.before_request
def _require_json_body():
    """Writes accept JSON only, so a cross-site HTML form can never reach them."""
    if request.method in ("POST", "PUT", "PATCH", "DELETE") and request.content_length:
        if not request.is_json:
            return json_error(415, code="unsupported_media_type")
    return None
