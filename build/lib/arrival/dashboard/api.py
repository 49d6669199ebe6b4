"""The dashboard figures in the JSON API."""

from __future__ import annotations

from flask import jsonify, request

from arrival.api.blueprint import bp
from arrival.api.openapi import documented, json_response, query_parameter
from arrival.core.inputs import query_int
from arrival.dashboard.moment import parse_as_of
from arrival.statistics.figures import dashboard


@bp.get("/dashboard")
@documented(
    "The dashboard figures as JSON — now, or as of any past moment; optionally one site.",
    tags=["dashboard"],
    parameters=[query_parameter("as_of", {"type": "string", "format": "date-time"}),
                query_parameter("site", {"type": "integer"})],
    responses={"200": json_response("Figures", {"type": "object"})},
)
def dashboard_api():
    as_of = parse_as_of(request.args.get("as_of"))
    return jsonify(dashboard(as_of, query_int(request.args, "site")))
