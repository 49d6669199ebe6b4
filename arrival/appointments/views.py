"""Appointment pages: calendars and slots in bulk, booking from an item, the day
list with the card scan at the desk, the desk's call button, the call-up screen."""

from __future__ import annotations

from collections import namedtuple
from datetime import date, datetime
from urllib.parse import quote

from flask import (Blueprint, Response, abort, flash, redirect, render_template, request,
                   url_for)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from arrival.appointments import operations, slip
from arrival.appointments.templating import STATE_LABELS, appointment_type_title
from arrival.appointments.forms import (BlockForm, BookForm, CalendarForm, GenerateForm,
                                        RebookForm, ScanForm)
from arrival.appointments.models import Appointment, SlotCalendar
from arrival.audit.operations import record_read
from arrival.auth.permissions import own_authority_only
from arrival.cases.models import ClarificationItem
from arrival.catalog.operations import active_authorities
from arrival.core.clock import today_local
from arrival.core.forms_support import ActionForm, apply_errors, flash_errors, safe_local_path
from arrival.core.validation import Conflict, ValidationFailed
from arrival.extensions import db

bp = Blueprint("appointments", __name__, url_prefix="/appointments")


def _own_authority_id() -> int | None:
    return own_authority_only(current_user)


def _calendar(calendar_id: int, *, manage: bool = False) -> SlotCalendar:
    calendar = db.get_or_404(SlotCalendar, calendar_id)
    if manage and not operations.may_manage(calendar):
        abort(403)
    return calendar


def _day_arg() -> date:
    try:
        return date.fromisoformat(request.args.get("day", ""))
    except ValueError:
        return today_local()


def _household_page(household) -> str:
    return url_for("registry.household", ref=household.ref)


@bp.get("/")
def index():
    return render_template(
        "appointments/index.html", calendars=operations.calendars(_own_authority_id()),
        figures=operations.figures_of_day(today_local()), today=today_local())


@bp.get("/required")
def required():
    """Who needs an appointment and has none yet (own authority; others: all)."""
    found, total = operations.required_items(_own_authority_id())
    return render_template("appointments/required.html", items=found, total=total,
                           today=today_local())


@bp.route("/calendars/new", methods=["GET", "POST"])
def new_calendar():
    form = CalendarForm()
    own = _own_authority_id()
    authorities = [a for a in active_authorities() if own is None or a.id == own]
    form.authority.choices = [(a.code, a.name(str(get_locale()))) for a in authorities]
    status = 200
    if request.method == "POST" and form.validate_on_submit():
        authority = next((a for a in authorities if a.code == form.authority.data), None)
        if authority is None or not operations.may_manage(SlotCalendar(authority_id=authority.id)):
            abort(403)
        try:
            calendar = operations.create_calendar(authority, form.location.data)
        except ValidationFailed as error:
            apply_errors(form, error)
            status = 422
        else:
            flash(_("Calendar created. Now make its slots."), "success")
            return redirect(url_for("appointments.calendar", calendar_id=calendar.id))
    return render_template("appointments/calendar_form.html", form=form), status


def _render_calendar(calendar, generate=None, block=None, status=200):
    generate = generate or GenerateForm(formdata=None, weekdays=calendar.weekdays,
                                        opens=calendar.opens, closes=calendar.closes,
                                        every=calendar.slot_minutes, desks=calendar.desks)
    return render_template(
        "appointments/calendar.html", calendar=calendar, generate=generate,
        block=block or BlockForm(formdata=None), can_manage=operations.may_manage(calendar),
        hours=operations._hours_label(calendar)), status


@bp.get("/calendars/<int:calendar_id>")
def calendar(calendar_id: int):
    return _render_calendar(_calendar(calendar_id))


@bp.post("/calendars/<int:calendar_id>/slots")
def generate(calendar_id: int):
    calendar = _calendar(calendar_id, manage=True)
    form = GenerateForm()
    if not form.validate_on_submit():
        return _render_calendar(calendar, generate=form, status=422)
    try:
        made = operations.generate_slots(
            calendar, form.first_day.data, form.last_day.data, weekdays=form.weekdays.data,
            opens=form.opens.data, closes=form.closes.data, every=form.every.data,
            desks=form.desks.data)
    except ValidationFailed as error:
        apply_errors(form, error)
        return _render_calendar(calendar, generate=form, status=422)
    flash(ngettext("%(num)d slot made.", "%(num)d slots made.", made), "success")
    return redirect(url_for("appointments.calendar", calendar_id=calendar.id))


@bp.post("/calendars/<int:calendar_id>/blocked-days")
def block(calendar_id: int):
    calendar = _calendar(calendar_id, manage=True)
    form = BlockForm()
    if not form.validate_on_submit():
        return _render_calendar(calendar, block=form, status=422)
    try:
        operations.block_day(calendar, form.day.data, form.reason.data)
    except ValidationFailed as error:
        apply_errors(form, error)
        return _render_calendar(calendar, block=form, status=422)
    flash(_("The day is blocked."), "success")
    return redirect(url_for("appointments.calendar", calendar_id=calendar.id))


@bp.get("/calendars/<int:calendar_id>/day")
def day(calendar_id: int, scan: ScanForm | None = None, status: int = 200):
    calendar = _calendar(calendar_id)
    shown = _day_arg()
    rows = operations.day_rows(calendar, shown)
    return render_template(
        "appointments/day.html", calendar=calendar, day=shown, lines=_day_lines(rows),
        scan=scan or ScanForm(formdata=None), action_form=ActionForm(formdata=None),
        can_work=operations._caseworker_of(calendar.authority_id, current_user)), status


def _url_maker(endpoint: str, **marked):
    """url_for once, with a marker for the one value that changes from row to row:
    a list of 500 appointments would otherwise build 1,000 URLs through the router."""
    ((name, marker),) = marked.items()
    head, tail = url_for(endpoint, **{name: marker}).split(str(marker))
    return lambda value: f"{head}{quote(str(value), safe='')}{tail}"


# A line of the day list as the template writes it (attributes, which Jinja reads
# faster than dictionary keys).
DayLine = namedtuple("DayLine", "id active open time type state names household_url cards "
                                "called transition_url")


def _day_lines(rows: list[operations.DayRow]) -> list[DayLine]:
    """What each line of the day list shows, prepared once per distinct value
    (type titles, state labels) instead of once per row in the template."""
    numbers = operations.card_numbers([a.person_id for row in rows for a in row.attendees])
    household_url = _url_maker("registry.household", ref="999999999")
    transition_url = _url_maker("appointments.transition", appointment_id=999999999)
    titles, labels, desk_word = {}, {}, _("desk")
    lines = []
    for row in rows:
        if row.type_code not in titles:
            titles[row.type_code] = appointment_type_title(row.type_code)
        if row.state not in labels:
            labels[row.state] = str(STATE_LABELS.get(row.state, row.state))
        lines.append(DayLine(
            id=row.id, active=row.active, open=row.state in ("planned", "arrived"),
            time=operations.to_local(row.starts_at).strftime("%H:%M"),
            type=titles[row.type_code], state=labels[row.state],
            names="; ".join(a.display_name for a in row.attendees),
            household_url=household_url(row.household_ref),
            cards=", ".join(numbers[a.person_id] for a in row.attendees
                            if a.person_id in numbers),
            called=f"{operations.to_local(row.called_at).strftime('%H:%M')} · {desk_word} "
                   f"{row.desk}" if row.called_at else "",
            transition_url=transition_url(row.id)))
    return lines


@bp.post("/calendars/<int:calendar_id>/arrivals")
def arrive(calendar_id: int):
    calendar = _calendar(calendar_id)
    form = ScanForm()
    if not form.validate_on_submit():
        return day(calendar_id, scan=form, status=422)
    try:
        found = operations.arrive_by_card(calendar, form.code.data)
    except operations.AuthorityBoundary:
        abort(403)
    except ValidationFailed as error:
        apply_errors(form, error)
        return day(calendar_id, scan=form, status=422)
    flash(_("Arrived: %(time)s.", time=", ".join(
        operations.to_local(a.starts_at).strftime("%H:%M") for a in found)), "success")
    return redirect(url_for("appointments.day", calendar_id=calendar.id))


@bp.post("/calendars/<int:calendar_id>/attended")
def bulk_attended(calendar_id: int):
    calendar = _calendar(calendar_id)
    back = url_for("appointments.day", calendar_id=calendar.id,
                   day=request.args.get("day") or None)
    ids = request.form.getlist("appointment", type=int)
    if not ActionForm().validate_on_submit() or not ids:
        flash(_("Select at least one appointment."), "error")
        return redirect(back)
    chosen = db.session.query(Appointment).filter(Appointment.id.in_(ids),
                                                  Appointment.calendar_id == calendar.id).all()
    try:
        count = operations.bulk_attended(chosen)
    except operations.AuthorityBoundary:
        abort(403)
    except ValidationFailed as error:
        flash_errors(error)
        return redirect(back)
    flash(ngettext("%(num)d appointment attended.", "%(num)d appointments attended.", count),
          "success")
    return redirect(back)


@bp.get("/calendars/<int:calendar_id>/desk")
def desk(calendar_id: int):
    calendar = _calendar(calendar_id)
    desk_label = " ".join(request.args.get("desk", "").split())[:operations.MAX_DESK_LABEL]
    waiting = [a for a in operations.day_list(calendar, today_local(), audit=False)
               if a.state == "arrived" and a.called_at is None]
    return render_template("appointments/desk.html", calendar=calendar, desk=desk_label,
                           waiting=len(waiting), calls=operations.screen_calls(calendar.id, 3),
                           form=ActionForm(formdata=None))


@bp.post("/calendars/<int:calendar_id>/call")
def call_next(calendar_id: int):
    calendar = _calendar(calendar_id)
    desk_label = request.form.get("desk", "")
    if ActionForm().validate_on_submit():
        try:
            called = operations.call_next(calendar, desk_label)
        except operations.AuthorityBoundary:
            abort(403)
        except ValidationFailed as error:
            flash_errors(error)
        else:
            if called is None:
                flash(_("Nobody is waiting."), "warning")
            else:
                flash(_("Called: %(number)s to desk %(desk)s.", number=called.call_number,
                        desk=called.desk), "success")
    return redirect(url_for("appointments.desk", calendar_id=calendar.id, desk=desk_label))


@bp.get("/calendars/<int:calendar_id>/screen")
def screen(calendar_id: int):
    calendar = _calendar(calendar_id)
    return render_template("appointments/screen.html", calendar=calendar,
                           calls=operations.screen_calls(calendar.id))


def _book_choices(form: BookForm, authority_id: int) -> None:
    form.calendar.choices = [("", _("any of the authority's calendars"))] + [
        (str(c.id), c.location) for c in operations.calendars(authority_id)]


def _choice(form: BookForm) -> dict:
    choice = {}
    if form.calendar.data:
        calendar = db.session.get(SlotCalendar, int(form.calendar.data)) \
            if form.calendar.data.isdigit() else None
        if calendar is None:
            raise ValidationFailed(calendar=_("Unknown calendar."))
        choice["calendar"] = calendar
    if form.starts_at.data:
        try:
            choice["starts_at"] = datetime.fromisoformat(form.starts_at.data)
        except ValueError:
            raise ValidationFailed(starts_at=_("Give a date and time, e.g. "
                                               "2022-04-04T09:15.")) from None
        if "calendar" not in choice:
            raise ValidationFailed(calendar=_("Choose a calendar."))
    return choice


@bp.route("/book/<int:item_id>", methods=["GET", "POST"])
def book(item_id: int):
    item = db.get_or_404(ClarificationItem, item_id)
    kind = operations.type_for_topic(item.topic)
    form = BookForm()
    _book_choices(form, item.authority_id)
    status = 200
    if request.method == "POST" and form.validate_on_submit():
        try:
            made = operations.book(item, together=form.together.data, **_choice(form))
        except operations.AuthorityBoundary:
            abort(403)
        except ValidationFailed as error:
            apply_errors(form, error)
            status = 422
        else:
            first = made[0]
            flash(_("Booked: %(when)s, %(place)s.", when=operations.to_local(
                first.starts_at).strftime("%d.%m.%Y %H:%M"), place=first.calendar.location),
                "success")
            return redirect(_household_page(item.household))
    attendees = operations.attendees_for(item, kind) if kind and item.active else []
    record_read([a.person for a in attendees], entity_type="clarification_item",
                entity_id=item.id, detail="booking page")
    return render_template("appointments/book.html", item=item, kind=kind, form=form,
                           attendees=attendees, free=_free_today_on(item.authority_id)), status


def _free_today_on(authority_id: int):
    """The next free slots per calendar, to pick from."""
    shown = []
    for calendar in operations.calendars(authority_id):
        slots = operations.free_slots(calendar, today_local())
        if not slots:
            slots = operations.free_slots(calendar, _next_day_with_slots(calendar))
        shown.append((calendar, slots[:16]))
    return shown


def _next_day_with_slots(calendar) -> date:
    from arrival.appointments.models import Slot
    from arrival.core.clock import now

    first = db.session.query(Slot.starts_at).filter(
        Slot.calendar_id == calendar.id, Slot.starts_at >= now(),
        Slot.booked < Slot.capacity).order_by(Slot.starts_at).first()
    return operations.to_local(first[0]).date() if first else today_local()


@bp.post("/<int:appointment_id>/transition")
def transition(appointment_id: int):
    appointment = db.get_or_404(Appointment, appointment_id)
    back = safe_local_path(request.form.get("back"), _household_page(appointment.household))
    if ActionForm().validate_on_submit():
        version = request.form.get("version", "")
        try:
            operations.transition(appointment, request.form.get("to", ""),
                                  note=request.form.get("note"),
                                  expected_version=int(version) if version.isdigit() else None)
        except operations.AuthorityBoundary:
            abort(403)
        except ValidationFailed as error:
            flash_errors(error)
        except Conflict as conflict:
            flash(conflict.message, "warning")
        else:
            flash(_("Saved."), "success")
    return redirect(back)


@bp.route("/<int:appointment_id>/rebook", methods=["GET", "POST"])
def rebook(appointment_id: int):
    appointment = db.get_or_404(Appointment, appointment_id)
    if not operations.may_change(appointment):
        abort(403)
    form = RebookForm()
    _book_choices(form, appointment.authority_id)
    status = 200
    if request.method == "POST" and form.validate_on_submit():
        try:
            new = operations.rebook(appointment, reason=form.reason.data, **_choice(form))
        except ValidationFailed as error:
            db.session.rollback()
            appointment = db.session.get(Appointment, appointment_id)
            apply_errors(form, error)
            status = 422
        else:
            flash(_("Rebooked: %(when)s.", when=operations.to_local(new.starts_at).strftime(
                "%d.%m.%Y %H:%M")), "success")
            return redirect(_household_page(new.household))
    record_read(operations.persons_of([appointment]), entity_type="appointment",
                entity_id=appointment.id, detail="rebooking page")
    return render_template("appointments/rebook.html", appointment=appointment, form=form,
                           free=_free_today_on(appointment.authority_id)), status


@bp.get("/<int:appointment_id>/slip", endpoint="slip")
def slip_pdf(appointment_id: int):
    appointment = db.get_or_404(Appointment, appointment_id)
    data = slip.render_for(appointment, size=request.args.get("size", "a6"),
                           language=request.args.get("language"))
    return Response(data, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="termin-{appointment.id}.pdf"'})

