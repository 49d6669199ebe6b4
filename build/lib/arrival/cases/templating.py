"""Labels for clarification codes, the household section and summary badges."""

from __future__ import annotations

from flask import Flask
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from arrival.cases import operations
from arrival.cases.forms import STATE_LABELS, WAITING_LABELS

PRIORITY_LABELS = {1: _l("urgent"), 2: _l("high"), 3: _l("normal"), 4: _l("low")}
SUMMARY_LABELS = {"clarified": _l("all clarified"), "open": _l("%(count)d open"),
                  "overdue": _l("%(count)d open, %(overdue)d overdue"),
                  "blocked": _l("%(count)d open, %(waiting)d waiting")}


def summary_label(summary: operations.Summary) -> str:
    return str(SUMMARY_LABELS[summary.status]) % {
        "count": summary.open, "overdue": summary.overdue, "waiting": summary.waiting}


def topic_title(code: str) -> str:
    entry = operations.topics().get(code)
    return entry.title(str(get_locale())) if entry else code


def resolution_title(topic: str, code: str) -> str:
    entry = operations.topics().get(topic)
    key = "title_en" if str(get_locale()) == "en" else "title_de"
    for resolution in (entry.attributes.get("resolutions", []) if entry else []):
        if resolution["code"] == code:
            return resolution[key]
    return code


def authority_name(code: str) -> str:
    from flask import g

    from arrival.catalog.operations import active_authorities

    if "authority_names" not in g:
        g.authority_names = {a.code: a.name(str(get_locale())) for a in active_authorities()}
    return g.authority_names.get(code, code)


def household_section(household) -> dict:
    return {"household": household, "case_items": operations.items_of_household(household),
            "summary": operations.summary_for([household.id])[household.id],
            "full": operations.may_read_in_full}


def household_badges(household_ids):
    return {hid: (summary_label(summary), f"badge-{summary.status}")
            for hid, summary in operations.summary_for(household_ids).items()}


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(
        item_state_label=lambda code: str(STATE_LABELS.get(code, code)),
        waiting_label=lambda code: str(WAITING_LABELS.get(code, code)),
        priority_label=lambda value: str(PRIORITY_LABELS.get(value, value)),
        topic_title=topic_title, resolution_title=resolution_title, summary_label=summary_label,
        authority_name=authority_name,
    )
