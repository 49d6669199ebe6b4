"""Labels for scan answers and services."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from arrival.registry.templating import catalog_title

SCAN_RESULT_LABELS = {"green": _l("Hand out"), "amber": _l("Hand out – mind the note"),
                      "red": _l("Do not hand out")}
SCAN_REASON_LABELS = {
    "ok": "", "unknown_card": _l("Unknown card"), "card_revoked": _l("Card revoked"),
    "card_expired": _l("Card expired"), "invalid_code": _l("Invalid code"),
    "limit_reached": _l("Already received"), "outside_window": _l("Outside the serving times"),
    "not_eligible": _l("Not eligible"), "no_open_stay": _l("No accommodation"),
    "unknown_service_type": _l("Unknown service"), "too_many_requests": _l("Too many scans"),
    "offline": _l("No connection"),
    "offline_pending": _l("offline — will be checked later"),
}
# The offline queue's texts (badge, list), read by js/outbox.js and js/offline.js.
OUTBOX_TEXTS = {
    "offline": _l("offline"), "attention": _l("%d to decide"), "waiting": _l("%d waiting"),
    "household": _l("Registration"), "scan": _l("Delivery"), "gate": _l("Gate scan"),
    "boarding": _l("Boarding"), "notBoarded": _l("Not boarded: see the bus list"),
    "pending": _l("Waiting to be sent"), "done": _l("Sent"),
    "duplicate": _l("Possibly already registered: decide"),
    "invalid": _l("The server found errors: correct them"),
    "conflict": _l("Conflict: this form was already used for another registration"),
    "violation": _l("Recorded, but it broke a rule (listed for the station lead)"),
    "created": _l("Household %s created: cards can be printed now"),
    "cardLater": _l("Card after synchronisation"), "open": _l("Open and decide"),
    "printCards": _l("Print cards"), "attempts": _l("attempts: %d"),
    "queued": _l("Saved on this tablet: it is sent as soon as the network is back. "
                 "Card after synchronisation."),
    "empty": _l("Nothing is waiting."), "unreadable": _l("Sign in as the account that made it"),
}


def outbox_texts() -> dict:
    return {name: str(text) for name, text in OUTBOX_TEXTS.items()}



def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(
        scan_result_label=lambda code: str(SCAN_RESULT_LABELS.get(code, code)),
        scan_reason_label=lambda code: str(SCAN_REASON_LABELS.get(code, code)),
        service_title=lambda code: catalog_title("service_type", code),
    )
    app.context_processor(lambda: {"outbox_texts": outbox_texts()})
