"""How pre-registration joins the application: its pages (two of them public),
the public API route, the CLI, the registration form prefilled from it, the
notice on the household page — and the reaction to a registered household: the
pre-registration it came from is deleted (arrival.prereg.operations.convert)."""

from __future__ import annotations

from flask import Flask

from arrival.audit.models import AuditAction
from arrival.audit.operations import record
from arrival.auth.permissions import FieldGroup
from arrival.core.events import subscribe
from arrival.core.prefill import add_household_prefill
from arrival.core.retention import RetentionClass, add_retention_class
from arrival.core.sections import HouseholdSection, add_household_section
from arrival.database import now_utc
from arrival.extensions import csrf
from arrival.prereg import api, cli, operations, templating
from arrival.prereg.views import bp, public_form
from arrival.registry.events import HouseholdRegistered
from arrival.registry.form_actions import iso_to_local_input


def prefilled_household_form(key: str) -> dict | None:
    prereg = operations.by_desk_key(key)
    if prereg is None:
        return None
    record(AuditAction.VIEW, entity_type="pre_registration", entity_id=prereg.id,
           detail="registration form prefilled")
    return operations.household_form_data(prereg, arrived_at=iso_to_local_input(now_utc()))


def delete_pre_registration(event: HouseholdRegistered) -> None:
    operations.convert(event.household)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    # No account, no session to ride on: the public form and API need no CSRF token
    # (they are limited per address and carry a honeypot instead).
    csrf.exempt(public_form)
    csrf.exempt(api.submit_pre_registration)
    cli.init_app(app)
    templating.init_app(app)
    add_household_prefill(app, prefilled_household_form)
    add_household_section(app, HouseholdSection(
        order=95, field_group=FieldGroup.CONTACT, template="prereg/_household_section.html",
        context=templating.household_section))
    subscribe(app, HouseholdRegistered, delete_pre_registration)
    add_retention_class(app, RetentionClass(
        "preregistrations", "RETENTION_PREREGISTRATION_DAYS",
        purpose="pre-registrations that expired without being registered at the desk",
        count_expired=operations.count_expired, delete_expired=operations.delete_expired))
