"""Labels for gate answers (the answer names the direction), visit kinds and the
presence section of the household page."""

from __future__ import annotations

from flask import Flask, url_for
from flask_babel import lazy_gettext as _l

from arrival.gate import operations

DIRECTION_LABELS = {"in": _l("In"), "out": _l("Out"), "seen": _l("Seen")}
# (direction, result) → the headline of the answer.
ANSWER_LABELS = {
    ("in", "green"): _l("In"), ("in", "amber"): _l("In – mind the note"),
    ("in", "red"): _l("Not in"),
    ("out", "green"): _l("Out"), ("out", "amber"): _l("Out – mind the note"),
    ("out", "red"): _l("Not out"),
    ("seen", "green"): _l("Seen"), ("seen", "amber"): _l("Seen – mind the note"),
    ("seen", "red"): _l("Not recorded"),
}
GATE_REASON_LABELS = {
    "ok": "", "offline_pending": _l("offline — will be checked later"),
    "double_in": _l("Already inside – recorded twice"),
    "double_out": _l("Already outside – recorded twice"),
    "seen_while_out": _l("Was recorded as outside"),
    "blocked_by_flag": _l("Not allowed in this direction – see the note"),
    "other_site": _l("Lives at another site"),
    "not_resident": _l("Not a resident of this site"),
    "checked_out": _l("Checked out – no accommodation here any more"),
    "site_closed": _l("The site is not open"),
    "no_gate_control": _l("This site has no gate control"),
    "stay_not_checked_in": _l("Bed assigned, not yet checked in"),
    "unknown_card": _l("Unknown card"), "card_revoked": _l("Card revoked"),
    "card_expired": _l("Card expired"), "invalid_code": _l("Invalid code"),
    "unknown_site": _l("Unknown site"), "unknown_direction": _l("Choose the direction"),
    "too_many_requests": _l("Too many scans"), "offline": _l("No connection"),
}
VISIT_KIND_LABELS = {"visitor": _l("Visitor"), "staff": _l("Staff")}


def answer_label(direction: str, result: str) -> str:
    return str(ANSWER_LABELS.get((direction, result), result))


def gate_texts() -> dict:
    """The texts the gate page's script shows, in the user's language."""
    return {
        "answers": {f"{d}:{r}": str(label) for (d, r), label in ANSWER_LABELS.items()},
        "reasons": {reason: str(label) for reason, label in GATE_REASON_LABELS.items()},
        "household": str(_l("household of")), "livesAt": str(_l("lives at")),
        "unit": str(_l("Room")), "photoOf": str(_l("Photo of")),
    }


def presence_section(household) -> dict:
    rows = [row for person in household.persons for row in operations.presence_of(person)]
    return {"household": household, "presence": rows}


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(
        gate_direction_label=lambda code: str(DIRECTION_LABELS.get(code, code)),
        gate_answer_label=answer_label,
        gate_reason_label=lambda code: str(GATE_REASON_LABELS.get(code, code)),
        visit_kind_label=lambda code: str(VISIT_KIND_LABELS.get(code, code)),
    )


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def person_json(person: dict | None) -> dict | None:
    """The answer's person; a photo (only ever marked for roles that see identity) as
    the address the page loads it from."""
    if not person or not person.get("photo"):
        return person
    shown = {key: value for key, value in person.items() if key != "photo"}
    shown["photo_url"] = url_for("api.person_photo", public_id=person["public_id"])
    return shown


def answer_json(answer: operations.GateAnswer) -> dict:
    return {"result": answer.result, "reason": answer.reason, "direction": answer.direction,
            "label": answer_label(answer.direction, answer.result),
            "reason_label": str(GATE_REASON_LABELS.get(answer.reason, answer.reason)),
            "person": person_json(answer.person), "advice": answer.advice,
            "lives_at": answer.lives_at,
            "flagged": answer.flagged, "event_id": answer.event_id}


def evacuation_json(listing: operations.EvacuationList, *, show_identity: bool) -> dict:
    """The evacuation list as the kiosk keeps it; names only for roles with identity."""
    def person(row: operations.Evacuee) -> dict:
        return {"name": row.name if show_identity else None,
                "birth_year": row.birth_year if show_identity else None,
                "assistance": row.assistance, "child_alone": row.child_alone,
                "since": _iso(row.since), "last_seen": _iso(row.last_seen)}

    return {
        "site": {"id": listing.site.id, "name": listing.site.name},
        "generated_at": _iso(listing.generated_at), "gate_control": listing.gate_control,
        "counts": listing.counts,
        "groups": [{"unit": unit, "persons": [person(r) for r in rows]}
                   for unit, rows in listing.groups],
        "visits": [{"kind": v.kind, "name": v.name if show_identity else None,
                    "organisation": v.organisation, "since": _iso(v.signed_in_at)}
                   for v in listing.visits],
    }


def roll_call_json(status: operations.RollCallStatus) -> dict:
    roll_call = status.roll_call
    return {"id": roll_call.id, "site_id": roll_call.site_id, "state": roll_call.state,
            "started_at": _iso(roll_call.started_at), "ended_at": _iso(roll_call.ended_at),
            "expected": roll_call.expected_count, "accounted": status.accounted,
            "not_expected": status.not_expected, "missing": status.missing}


def roll_call_counts_json(counts: operations.RollCallCounts) -> dict:
    """The roll call as a tick answers it: counts only (the list comes with the poll)."""
    roll_call = counts.roll_call
    return {"id": roll_call.id, "site_id": roll_call.site_id, "state": roll_call.state,
            "expected": roll_call.expected_count, "accounted": counts.accounted,
            "not_expected": counts.not_expected, "missing_count": counts.missing}
