from flask import jsonify, request

from arrival.api.blueprint import bp
from arrival.api.openapi import documented, json_response, query_parameter, ref, register_schema
from arrival.audit.operations import search
from arrival.audit.filters import parse_filters
from arrival.core.inputs import MAX_PAGE, query_int

register_schema("AuditEvent", {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "occurred_at": {"type": "string", "format": "date-time"},
        "username": {"type": "string", "nullable": True},
        "action": {"type": "string"},
        "entity_type": {"type": "string", "nullable": True},
        "entity_id": {"type": "string", "nullable": True},
        "fields": {"type": "array", "items": {"type": "string"}, "nullable": True},
        "detail": {"type": "string", "nullable": True},
        "person_ids": {"type": "array", "items": {"type": "string", "format": "uuid"},
                       "nullable": True, "description": "A read: the persons it showed"},
        "request_id": {"type": "string", "nullable": True},
        "client_addr": {"type": "string", "nullable": True},
    },
})


@bp.get("/audit-events")
@documented(
    "The audit log, newest first, 50 per page.", tags=["audit"],
    parameters=[
        query_parameter("action"), query_parameter("username"), query_parameter("entity_type"),
        query_parameter("entity_id"),
        query_parameter("from", {"type": "string", "format": "date"}, "First local day"),
        query_parameter("to", {"type": "string", "format": "date"}, "Last local day"),
        query_parameter("page", {"type": "integer", "minimum": 1}),
    ],
    responses={"200": json_response("A page of events", {
        "type": "object",
        "properties": {
            "events": {"type": "array", "items": ref("AuditEvent")},
            "page": {"type": "integer"}, "pages": {"type": "integer"},
            "total": {"type": "integer"},
        },
    })},
)
def audit_events():
    page = query_int(request.args, "page", 1, minimum=1, maximum=MAX_PAGE, clamp=True)
    pagination = search(**parse_filters(request.args), page=page, per_page=50)
    return jsonify(
        events=[
            {
                "id": e.id, "occurred_at": e.occurred_at.isoformat(), "username": e.username,
                "action": e.action, "entity_type": e.entity_type, "entity_id": e.entity_id,
                "fields": e.fields, "detail": e.detail, "person_ids": e.person_ids,
                "request_id": e.request_id,
                "client_addr": e.client_addr,
            }
            for e in pagination.items
        ],
        page=pagination.page, pages=pagination.pages, total=pagination.total,
    )
