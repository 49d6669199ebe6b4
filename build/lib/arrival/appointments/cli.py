"""flask appointments …: calendars and their slots in bulk."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from arrival.appointments import operations
from arrival.appointments.models import SlotCalendar
from arrival.catalog.operations import authority_by_code
from arrival.core.validation import ValidationFailed
from arrival.extensions import db

appointments_cli = AppGroup("appointments", help="Appointment calendars and slots.")


def _fail(error: ValidationFailed):
    raise click.ClickException("; ".join(f"{field}: {' '.join(messages)}"
                                         for field, messages in error.errors.items()))


def _calendar(authority_code: str, location: str) -> SlotCalendar:
    authority = authority_by_code(authority_code)
    if authority is None:
        raise click.ClickException(f"no authority {authority_code!r}")
    found = db.session.query(SlotCalendar).filter_by(authority_id=authority.id,
                                                     location=location).one_or_none()
    return found or operations.create_calendar(authority, location)


@appointments_cli.command("slots")
@click.option("--authority", required=True, help="Authority code, e.g. auslaenderbehoerde")
@click.option("--location", required=True, help="Place; the calendar is made when new")
@click.option("--from", "first", required=True, type=click.DateTime(["%Y-%m-%d"]))
@click.option("--to", "last", required=True, type=click.DateTime(["%Y-%m-%d"]))
@click.option("--weekdays", default="1-5", show_default=True, help="ISO weekdays, 1 = Monday")
@click.option("--hours", default="08:00-16:00", show_default=True)
@click.option("--every", default=15, show_default=True, help="Minutes per slot")
@click.option("--desks", default=1, show_default=True, help="Seats per slot")
def slots_command(authority, location, first, last, weekdays, hours, every, desks):
    """Make slots in bulk, e.g. Mon–Fri 8–16, every 15 minutes, 3 desks."""
    opens, _, closes = hours.partition("-")
    try:
        calendar = _calendar(authority, location)
        made = operations.generate_slots(calendar, first.date(), last.date(),
                                         weekdays=weekdays, opens=opens, closes=closes,
                                         every=every, desks=desks)
    except ValidationFailed as error:
        _fail(error)
    db.session.commit()
    click.echo(f"{made} slots in calendar {calendar.id} ({authority}, {location})")


@appointments_cli.command("block")
@click.option("--calendar", "calendar_id", required=True, type=int)
@click.option("--day", required=True, type=click.DateTime(["%Y-%m-%d"]))
@click.option("--reason", required=True)
def block_command(calendar_id, day, reason):
    """Block a day (its empty slots are removed)."""
    calendar = db.session.get(SlotCalendar, calendar_id)
    if calendar is None:
        raise click.ClickException(f"no calendar {calendar_id}")
    try:
        removed = operations.block_day(calendar, day.date(), reason)
    except ValidationFailed as error:
        _fail(error)
    db.session.commit()
    click.echo(f"{day.date()} blocked, {removed} slots removed")


def init_app(app: Flask) -> None:
    app.cli.add_command(appointments_cli)
