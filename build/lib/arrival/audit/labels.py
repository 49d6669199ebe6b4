"""Words for the audit log's codes, so the German interface shows German: actions,
record types and field names ("create person: birth_year" → "angelegt · Person:
Geburtsjahr"). Unknown codes are shown as they are."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from arrival.audit.models import AuditAction

ACTION_LABELS = {
    AuditAction.LOGIN: _l("signed in"), AuditAction.LOGIN_FAILED: _l("sign-in failed"),
    AuditAction.LOGIN_THROTTLED: _l("sign-in throttled"), AuditAction.LOGOUT: _l("signed out"),
    AuditAction.SESSION_EXPIRED: _l("session expired"), AuditAction.VIEW: _l("viewed"),
    AuditAction.CREATE: _l("created"), AuditAction.UPDATE: _l("changed"),
    AuditAction.DELETE: _l("deleted"), AuditAction.EXPORT: _l("exported"),
    AuditAction.PRINT: _l("printed"), AuditAction.SCAN: _l("scanned"),
    AuditAction.PERMISSION_DENIED: _l("access refused"),
}
ENTITY_LABELS = {
    "user": _l("account"), "household": _l("household"), "person": _l("person"),
    "stay": _l("stay"), "site": _l("site"), "unit": _l("unit"), "bed": _l("bed"),
    "report": _l("situation report"), "report_remark": _l("report remark"),
    "clarification_item": _l("clarification item"),
    "clarification_queue": _l("clarification queue"), "card": _l("card"),
    "endpoint": _l("page"), "duplicate_decision": _l("possible duplicate"),
    "delivery": _l("service"), "catalog": _l("catalogue"), "absence_list": _l("absence list"),
}
FIELD_LABELS = {
    "family_name": _l("family name"), "given_names": _l("given names"),
    "family_name_cyrillic": _l("family name (Cyrillic)"),
    "given_names_cyrillic": _l("given names (Cyrillic)"), "birth_year": _l("year of birth"),
    "date_of_birth": _l("date of birth"), "birth_date_estimated": _l("estimated birth date"),
    "sex": _l("sex"), "nationality": _l("nationality"), "relation": _l("relation"),
    "languages": _l("languages"), "flags": _l("needs"), "document": _l("document"),
    "notes": _l("notes"), "arrived_at": _l("arrival time"),
    "arrival_point": _l("arrival point"), "phone": _l("phone"),
    "contact_language": _l("contact language"), "reason": _l("reason"), "state": _l("state"),
    "bed": _l("bed"), "beds": _l("beds"), "assignee": _l("assignee"), "topic": _l("topic"),
    "authority": _l("authority"), "due_on": _l("due date"), "password": _l("password"),
    "username": _l("username"), "display_name": _l("display name"), "role": _l("role"),
    "text": _l("text"), "status": _l("status"), "blocked": _l("blocked"),
    "closed_at": _l("closed"), "is_enabled": _l("active"), "voided_at": _l("voided"),
    "name": _l("name"), "resolution": _l("result"),
}


def action_label(code: str | None) -> str:
    return str(ACTION_LABELS.get(code, code or ""))


def entity_label(code: str | None) -> str:
    return str(ENTITY_LABELS.get(code, code or ""))


def field_labels(fields) -> str:
    return ", ".join(str(FIELD_LABELS.get(f, f)) for f in fields or [])


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(audit_action_label=action_label,
                                 audit_entity_label=entity_label,
                                 audit_field_labels=field_labels)
