"""Labels of the transfer pages and the transfer section of the household page."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from arrival.transfers import operations

BATCH_STATES = {"planned": _l("planned"), "departed": _l("departed"),
                "cancelled": _l("cancelled")}
ENTRY_STATES = {"listed": _l("on the list"), "removed": _l("taken off the list"),
                "transferred": _l("transferred"), "partly": _l("partly transferred"),
                "missing": _l("missing at departure")}
DECISION_KINDS = {"stay": _l("stays in the city"), "transfer": _l("transfer")}
DESTINATION_KINDS = {"stadtkreis": _l("urban district"), "landkreis": _l("rural district"),
                     "land": _l("other Land")}
BOARDING_REASONS = {
    "boarded": _l("Boarded"), "already": _l("Already boarded"),
    "not_on_list": _l("Not on this bus list"), "departed": _l("This bus has left"),
    "cancelled": _l("This bus list was cancelled"), "unknown_card": _l("Unknown card"),
    "invalid_code": _l("Not a card code"), "card_revoked": _l("Card revoked: a newer card exists"),
    "card_expired": _l("Card expired"), "offline": _l("No connection — try again"),
    "too_many_requests": _l("Too many scans — wait a moment"),
}
RESULT_LABELS = {"green": _l("Boarded"), "amber": _l("Note"), "red": _l("Not boarded")}


def household_section(household) -> dict:
    decisions = operations.decision_history(household.id)
    entry = operations.open_entry_of(household.id)
    current = [d for d in decisions if d.current]
    covered = {p.person_id for d in current for p in d.persons}
    uncovered = [p for p in household.persons if p.id not in covered] if current else []
    return {"household": household, "decisions": decisions, "current": current,
            "entry": entry, "uncovered": uncovered}


def boarding_texts() -> dict:
    return {"green": str(RESULT_LABELS["green"]), "amber": str(RESULT_LABELS["amber"]),
            "red": str(RESULT_LABELS["red"]),
            "reasons": {k: str(v) for k, v in BOARDING_REASONS.items()},
            "household": str(_l("Household")), "boarded": str(_l("boarded")),
            "missing": str(_l("missing")), "queued": str(_l("kept on the tablet, sent later"))}


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(
        batch_state_label=lambda code: str(BATCH_STATES.get(code, code)),
        entry_state_label=lambda code: str(ENTRY_STATES.get(code, code)),
        decision_kind_label=lambda code: str(DECISION_KINDS.get(code, code)),
        destination_kind_label=lambda code: str(DESTINATION_KINDS.get(code, code)),
        boarding_reason_label=lambda code: str(BOARDING_REASONS.get(code, code)),
        boarding_result_label=lambda code: str(RESULT_LABELS.get(code, code)),
    )
