"""How appointments join the application: pages, API, CLI, labels, the section
on the household page — and the reaction on clarification items: booking puts an
open item in progress, attending resolves it where the type says so, a no-show or
a cancellation (not a rebooking) reopens it."""

from __future__ import annotations

from flask import Flask

from arrival.appointments import api, cli, operations, templating  # noqa: F401  (api: routes)
from arrival.appointments.events import (
    AppointmentAttended,
    AppointmentBooked,
    AppointmentCancelled,
    AppointmentMissed,
)
from arrival.appointments.views import bp
from arrival.auth.permissions import FieldGroup
from arrival.cases import operations as cases
from arrival.cases.models import ItemState
from arrival.core.events import subscribe
from arrival.core.sections import HouseholdSection, add_household_section


def _when(appointment) -> str:
    return operations.to_local(appointment.starts_at).strftime("%d.%m.%Y %H:%M")


def item_in_progress(event: AppointmentBooked) -> None:
    for item in operations.items_of(event.appointment):
        if item.state == ItemState.OPEN.value:
            cases.transition(item, ItemState.IN_PROGRESS, system=True,
                             note=f"appointment {event.appointment.id} on "
                                  f"{_when(event.appointment)}")


def item_resolved(event: AppointmentAttended) -> None:
    if event.resolution is None:
        return
    for item in operations.items_of(event.appointment):
        if item.active:
            cases.transition(item, ItemState.RESOLVED, resolution=event.resolution, system=True,
                             note=f"appointment {event.appointment.id} attended")


def _reopen(appointment, why: str) -> None:
    for item in operations.items_of(appointment):
        if item.state == ItemState.IN_PROGRESS.value:
            cases.transition(item, ItemState.OPEN, system=True,
                             note=f"appointment {appointment.id} {why}")


def item_reopened_after_no_show(event: AppointmentMissed) -> None:
    _reopen(event.appointment, "missed (no-show)")


def item_reopened_after_cancellation(event: AppointmentCancelled) -> None:
    if not event.rebooked:
        _reopen(event.appointment, f"cancelled: {event.appointment.reason}")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    cli.init_app(app)
    templating.init_app(app)
    add_household_section(app, HouseholdSection(
        order=35, field_group=FieldGroup.CLARIFICATION,
        template="appointments/_household_section.html", context=templating.household_section))
    add_household_section(app, HouseholdSection(
        order=36, field_group=FieldGroup.SERVICES,
        template="appointments/_household_section_intake.html", context=templating.household_section))
    subscribe(app, AppointmentBooked, item_in_progress)
    subscribe(app, AppointmentAttended, item_resolved)
    subscribe(app, AppointmentMissed, item_reopened_after_no_show)
    subscribe(app, AppointmentCancelled, item_reopened_after_cancellation)
