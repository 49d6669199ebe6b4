from __future__ import annotations

from flask import jsonify, request
from flask_babel import gettext as _

from arrival.api.blueprint import bp
from arrival.api.openapi import documented, json_response, query_parameter, register_schema
from arrival.cases import operations, queue
from arrival.cases.models import ClarificationItem
from arrival.cases.filters import filter_from
from arrival.core import inputs
from arrival.core.errors import json_error
from arrival.extensions import db
from arrival.registry.lookup import household_or_404
from arrival.audit.operations import record_read

register_schema("ClarificationItem", {"type": "object", "properties": {
    "id": {"type": "integer"}, "household_ref": {"type": "string"},
    "person_id": {"type": "string", "nullable": True}, "topic": {"type": "string"},
    "authority": {"type": "string"}, "priority": {"type": "integer"},
    "due_on": {"type": "string", "format": "date"}, "state": {"type": "string"},
    "resolution": {"type": "string", "nullable": True}, "version": {"type": "integer"},
    "overdue": {"type": "boolean"}}})


def item_json(item: ClarificationItem, *, full: bool = True) -> dict:
    data = {"id": item.id, "topic": item.topic, "authority": item.authority.code,
            "state": item.state}
    if full:
        data.update(
            household_ref=item.household.ref,
            person_id=item.person.public_id if item.person else None,
            priority=item.priority, due_on=item.due_on.isoformat(),
            resolution=item.resolution, waiting_on=item.waiting_on,
            waiting_for=item.waiting_on_authority.code if item.waiting_on_authority else None,
            version=item.version,
            overdue=item.active and item.due_on < operations.today_local(),
            created_at=item.created_at.isoformat(),
            assignee=item.assignee.username if item.assignee else None)
    return data


@bp.get("/cases/items")
@documented(
    "The queue: caseworkers get their own authority's items only.", tags=["cases"],
    parameters=[query_parameter("authority", description="Coordinators: authority code"),
                query_parameter("state"), query_parameter("topic"),
                query_parameter("overdue", {"type": "string", "enum": ["1"]}),
                query_parameter("age", {"type": "string", "enum": ["0-2", "3-7", "8+"]}),
                query_parameter("site", {"type": "integer"}),
                query_parameter("page", {"type": "integer", "minimum": 1})],
    responses={"200": json_response("A page of items", {"type": "object"})},
)
def case_items():
    criteria = filter_from(request.args)
    pagination = queue.page(criteria)
    record_read([i.person for i in pagination.items if i.person],
                entity_type="clarification_queue", entity_id=criteria.authority_id,
                detail=f"API: {len(pagination.items)} of {pagination.total} items")
    return jsonify(items=[item_json(i) for i in pagination.items], page=pagination.page,
                   pages=pagination.pages, total=pagination.total)


@bp.post("/cases/items/<int:item_id>/transition")
@documented(
    "Change an item's state: {to, resolution, note, waiting_on, waiting_for (the code of "
    "the authority waited on), version}.", tags=["cases"],
    request_body={"required": True, "content": {"application/json": {"schema": {
        "type": "object", "required": ["to", "version"], "properties": {
            "to": {"type": "string", "enum": ["open", "in_progress", "waiting", "resolved",
                                              "not_applicable"]},
            "resolution": {"type": "string"}, "note": {"type": "string"},
            "waiting_on": {"type": "string", "enum": ["person", "authority"]},
            "waiting_for": {"type": "string"},
            "version": {"type": "integer"}}}}}},
    responses={"200": json_response("The item", {"type": "object"}),
               "403": {"description": "Another authority's item"},
               "409": {"description": "Stale version (code stale_version)"},
               "422": {"description": "Not allowed from this state, or details missing"}},
)
def transition_item(item_id: int):
    item = db.get_or_404(ClarificationItem, item_id)
    body = inputs.json_object()
    version = body.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        return json_error(422, code="validation_failed",
                          fields={"version": [_("The version you worked on is required.")]})
    try:
        operations.transition(item, inputs.text(body, "to", max_length=40, default=""),
                              note=inputs.text(body, "note", max_length=4000),
                              resolution=inputs.text(body, "resolution", max_length=80),
                              waiting_on=inputs.text(body, "waiting_on", max_length=40),
                              waiting_for=inputs.text(body, "waiting_for", max_length=40),
                              expected_version=version)
    except operations.AuthorityBoundary:
        return json_error(403, _("This item belongs to another authority."), code="forbidden")
    db.session.flush()
    return jsonify(item_json(item))


@bp.get("/households/<ref>/clarification")
@documented(
    "A household's clarification summary and items: in full for its own authority "
    "(coordinators: all), topic and state only for the others.", tags=["cases"],
    responses={"200": json_response("Summary and items", {"type": "object"}),
               "404": {"description": "Unknown household"}},
)
def household_clarification(ref: str):
    household = household_or_404(ref)
    summary = operations.summary_for([household.id])[household.id]
    items = operations.items_of_household(household)
    record_read(household.persons, entity_type="household", entity_id=household.public_id,
                detail="clarification")
    return jsonify(
        summary={"status": summary.status, "open": summary.open, "overdue": summary.overdue,
                 "waiting": summary.waiting, "total": summary.total},
        items=[item_json(i, full=operations.may_read_in_full(i)) for i in items])
