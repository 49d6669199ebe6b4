"""Appointments: calendars and their slots made in bulk, booking from a
clarification item (next free slot for the household together, or a slot the
clerk picks), rebooking, cancellation, the states with their history, arrival by
card scan, the call-up at the desk.

Two rules hold even when clerks book at the same moment:
- a slot never takes more than its capacity: seats are taken by one conditional
  UPDATE (``booked + n <= capacity``; PostgreSQL re-checks the condition after
  waiting for a concurrent writer's row lock, SQLite writes one at a time) and a
  CHECK constraint refuses anything beyond;
- a person is never booked at overlapping times: the persons' rows are locked
  (PostgreSQL ``FOR UPDATE``; SQLite's write transactions are serial) before
  their other appointments are read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask import g
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.orm import joinedload, lazyload, selectinload

from arrival.appointments.events import (
    AppointmentAttended,
    AppointmentBooked,
    AppointmentCancelled,
    AppointmentMissed,
)
from arrival.appointments.models import (
    ACTIVE_APPOINTMENT_STATES,
    Appointment,
    AppointmentPerson,
    AppointmentState,
    AppointmentTransition,
    BlockedDay,
    Slot,
    SlotCalendar,
)
from arrival.audit.models import AuditAction
from arrival.audit.operations import record, record_read
from arrival.auth.permissions import Permission, user_has
from arrival.cards.models import Card, CardStatus
from arrival.cards.operations import resolve as resolve_card
from arrival.cases.models import ACTIVE_STATES, ClarificationItem
from arrival.catalog.models import Authority, CatalogEntry
from arrival.core.actor import acting_user, acting_user_id
from arrival.core.clock import now, today_local
from arrival.core.events import publish
from arrival.core.timezone import assume_local, day_bounds, local_zone, to_local
from arrival.core.validation import Conflict, ValidationFailed
from arrival.extensions import db
from arrival.housing.models import OPEN_STAY_SQL, Stay, StayState
from arrival.registry.models import Household, Person

S = AppointmentState
ALLOWED = {
    S.PLANNED: {S.ARRIVED, S.ATTENDED, S.MISSED, S.CANCELLED},
    S.ARRIVED: {S.ATTENDED, S.MISSED, S.CANCELLED},
    S.ATTENDED: set(),
    S.MISSED: set(),
    S.CANCELLED: set(),
}
MAX_DESKS = 50
MAX_GENERATE_DAYS = 92
MAX_REASON = 300
MAX_DESK_LABEL = 20
BULK_LIMIT = 500
NEXT_FREE_CANDIDATES = 500  # slots looked at before giving up
NEXT_FREE_BATCH = 20
CLOCK = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")


class AuthorityBoundary(Exception):
    """Someone tried to book or change another authority's appointment."""


# --- catalogue ----------------------------------------------------------------------------


def appointment_types() -> dict[str, CatalogEntry]:
    """The active appointment types, read once per request."""
    if "appointment_types" not in g:
        g.appointment_types = {e.code: e for e in db.session.scalars(
            sa.select(CatalogEntry).where(CatalogEntry.kind == "appointment_type",
                                          CatalogEntry.active.is_(True))
            .order_by(CatalogEntry.position))}
    return g.appointment_types


def type_for_topic(topic: str) -> CatalogEntry | None:
    return next((t for t in appointment_types().values()
                 if topic in t.attributes.get("topics", [])), None)


def type_title(kind: CatalogEntry | None, language: str) -> str:
    if kind is None:
        return ""
    if language in ("uk", "ru"):
        return kind.attributes.get(f"title_{language}") or kind.title_de
    return kind.title(language)


# --- access -------------------------------------------------------------------------------


def _caseworker_of(authority_id: int, user) -> bool:
    """Works this authority's appointments: its own caseworkers."""
    return (user_has(user, Permission.APPOINTMENTS_WORK)
            and getattr(user, "authority_id", None) == authority_id)


def may_book(authority_id: int, *, first: bool, user=None) -> bool:
    """Each authority books its own appointments; intake may book the first ones."""
    user = user or acting_user()
    if _caseworker_of(authority_id, user):
        return True
    return first and user_has(user, Permission.APPOINTMENTS_BOOK_FIRST)


def may_change(appointment: Appointment, user=None) -> bool:
    return _caseworker_of(appointment.authority_id, user or acting_user())


def may_manage(calendar: SlotCalendar, user=None) -> bool:
    """The authority's own caseworkers, or an account bound to no authority (the admin)."""
    user = user or acting_user()
    return user_has(user, Permission.APPOINTMENTS_MANAGE) and getattr(
        user, "authority_id", None) in (None, calendar.authority_id)


# --- calendars ----------------------------------------------------------------------------


def _clock(value: str, field: str) -> time:
    value = (value or "").strip()
    if not CLOCK.match(value):
        raise ValidationFailed(**{field: _("Give a time as HH:MM, e.g. 08:00.")})
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def _weekdays(value: str) -> str:
    """ISO weekday digits (1 = Monday); also "1-5"."""
    text = (value or "").replace(" ", "").replace(",", "")
    match = re.fullmatch(r"([1-7])-([1-7])", text)
    if match:
        start, end = int(match[1]), int(match[2])
        text = "".join(str(d) for d in range(start, end + 1)) if start <= end else ""
    if not text or not re.fullmatch(r"[1-7]+", text):
        raise ValidationFailed(weekdays=_("Choose at least one weekday."))
    return "".join(sorted(set(text)))


def _hours(opens: str, closes: str) -> tuple[str, str]:
    if _clock(opens, "opens") >= _clock(closes, "closes"):
        raise ValidationFailed(closes=_("The closing time must be after the opening time."))
    return opens.strip(), closes.strip()


def _int_in(value, low: int, high: int, field: str, message: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationFailed(**{field: message}) from None
    if not low <= number <= high:
        raise ValidationFailed(**{field: message})
    return number


def create_calendar(authority: Authority, location: str, *, weekdays: str = "12345",
                    opens: str = "08:00", closes: str = "16:00", slot_minutes=15,
                    desks=1) -> SlotCalendar:
    location = " ".join((location or "").split())
    if not location or len(location) > 200:
        raise ValidationFailed(location=_("Name the place (building, room), at most 200 "
                                          "characters."))
    if db.session.scalar(sa.select(SlotCalendar.id).where(
            SlotCalendar.authority_id == authority.id, SlotCalendar.location == location)):
        raise ValidationFailed(location=_("This authority already has a calendar for this "
                                          "place."))
    opens, closes = _hours(opens, closes)
    calendar = SlotCalendar(
        authority_id=authority.id, location=location, weekdays=_weekdays(weekdays),
        opens=opens, closes=closes,
        slot_minutes=_int_in(slot_minutes, 5, 240, "slot_minutes",
                             _("A slot is 5 to 240 minutes long.")),
        desks=_int_in(desks, 1, MAX_DESKS, "desks",
                      _("Between 1 and %(max)d desks.", max=MAX_DESKS)))
    db.session.add(calendar)
    db.session.flush()
    record(AuditAction.CREATE, entity_type="slot_calendar", entity_id=calendar.id,
           fields=["authority", "location", "hours"])
    return calendar


def calendars(authority_id: int | None = None) -> list[SlotCalendar]:
    query = sa.select(SlotCalendar).where(SlotCalendar.active.is_(True))
    if authority_id is not None:
        query = query.where(SlotCalendar.authority_id == authority_id)
    return list(db.session.scalars(query.order_by(SlotCalendar.authority_id,
                                                  SlotCalendar.location)))


def _local(day: date, clock: str) -> datetime:
    hours, minutes = clock.split(":")
    return datetime.combine(day, time(int(hours), int(minutes)), tzinfo=local_zone())


def generate_slots(calendar: SlotCalendar, first_day: date, last_day: date, *,
                   weekdays: str | None = None, opens: str | None = None,
                   closes: str | None = None, every=None, desks=None) -> int:
    """Slots in bulk ("Mon–Fri 8–16, every 15 minutes, 3 desks"); the hours given
    become the calendar's opening hours. Blocked days and slots that already exist
    are left out. Returns the number of new slots."""
    if first_day < today_local():
        raise ValidationFailed(first_day=_("The first day is in the past."))
    if last_day < first_day:
        raise ValidationFailed(last_day=_("The last day is before the first."))
    if (last_day - first_day).days >= MAX_GENERATE_DAYS:
        raise ValidationFailed(last_day=_("At most %(days)d days at once.",
                                          days=MAX_GENERATE_DAYS))
    calendar.weekdays = _weekdays(weekdays if weekdays is not None else calendar.weekdays)
    calendar.opens, calendar.closes = _hours(opens or calendar.opens, closes or calendar.closes)
    calendar.slot_minutes = _int_in(every if every is not None else calendar.slot_minutes,
                                    5, 240, "every", _("A slot is 5 to 240 minutes long."))
    calendar.desks = _int_in(desks if desks is not None else calendar.desks, 1, MAX_DESKS,
                             "desks", _("Between 1 and %(max)d desks.", max=MAX_DESKS))
    blocked = {b.day for b in calendar.blocked_days}
    start_utc, _end = day_bounds(first_day)
    _start, end_utc = day_bounds(last_day)
    existing = set(db.session.scalars(sa.select(Slot.starts_at).where(
        Slot.calendar_id == calendar.id, Slot.starts_at >= start_utc, Slot.starts_at < end_utc)))
    length = timedelta(minutes=calendar.slot_minutes)
    rows = []
    day = first_day
    while day <= last_day:
        if str(day.isoweekday()) in calendar.weekdays and day not in blocked:
            moment, closing = _local(day, calendar.opens), _local(day, calendar.closes)
            while moment + length <= closing:
                starts = moment.astimezone(start_utc.tzinfo)
                if starts not in existing:
                    rows.append({"calendar_id": calendar.id, "starts_at": starts,
                                 "ends_at": (moment + length).astimezone(start_utc.tzinfo),
                                 "capacity": calendar.desks, "booked": 0})
                moment += length
        day += timedelta(days=1)
    if rows:
        db.session.execute(sa.insert(Slot), rows)
    db.session.flush()
    record(AuditAction.CREATE, entity_type="slot_calendar", entity_id=calendar.id,
           fields=["slots"], detail=f"{len(rows)} slots {first_day}–{last_day}")
    return len(rows)


def block_day(calendar: SlotCalendar, day: date, reason: str) -> int:
    """Close a day: its empty slots go; a day with bookings must be rebooked first."""
    reason = " ".join((reason or "").split())[:200]
    if not reason:
        raise ValidationFailed(reason=_("Say why the day is blocked."))
    if any(b.day == day for b in calendar.blocked_days):
        raise ValidationFailed(day=_("This day is already blocked."))
    start, end = day_bounds(day)
    in_day = sa.and_(Slot.calendar_id == calendar.id, Slot.starts_at >= start,
                     Slot.starts_at < end)
    booked = db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(Slot.booked), 0))
                               .where(in_day))
    if booked:
        raise ValidationFailed(day=ngettext(
            "%(num)d appointment is booked on this day; rebook it first.",
            "%(num)d appointments are booked on this day; rebook them first.", booked))
    removed = db.session.execute(sa.delete(Slot).where(in_day)).rowcount
    calendar.blocked_days.append(BlockedDay(day=day, reason=reason))
    db.session.flush()
    record(AuditAction.UPDATE, entity_type="slot_calendar", entity_id=calendar.id,
           fields=["blocked_days"], detail=f"{day} blocked, {removed} slots removed")
    return removed


# --- booking ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Attendee:
    person: Person
    item: ClarificationItem | None


def _checked_out(person_ids: list[int]) -> dict[int, datetime]:
    """Persons whose stay ended and who have no open stay: when they left."""
    if not person_ids:
        return {}
    open_ids = set(db.session.scalars(sa.select(Stay.person_id).where(
        Stay.person_id.in_(person_ids), sa.text(OPEN_STAY_SQL))))
    rows = db.session.execute(sa.select(Stay.person_id, sa.func.max(Stay.ended_at)).where(
        Stay.person_id.in_(person_ids), Stay.state == StayState.CHECKED_OUT.value)
        .group_by(Stay.person_id)).all()
    return {pid: ended for pid, ended in rows if pid not in open_ids}


def _booked_items(item_ids: list[int]) -> set[int]:
    """Items that already have an appointment to come (planned or arrived)."""
    if not item_ids:
        return set()
    by_appointment = set(db.session.scalars(sa.select(Appointment.item_id).where(
        Appointment.item_id.in_(item_ids), Appointment.state.in_(ACTIVE_APPOINTMENT_STATES))))
    by_attendee = set(db.session.scalars(sa.select(AppointmentPerson.item_id).where(
        AppointmentPerson.item_id.in_(item_ids), AppointmentPerson.active.is_(True))))
    return (by_appointment | by_attendee) - {None}


def _ever_booked(item_ids: list[int]) -> bool:
    """Whether any of the items had an appointment before (in any state)."""
    if not item_ids:
        return False
    return bool(db.session.scalar(sa.select(sa.func.count()).select_from(
        sa.union_all(sa.select(Appointment.id).where(Appointment.item_id.in_(item_ids)),
                     sa.select(AppointmentPerson.appointment_id).where(
                         AppointmentPerson.item_id.in_(item_ids))).subquery())))


def _age_fits(kind: CatalogEntry, person: Person, day: date) -> bool:
    spec = kind.attributes
    age = person.age_on(day)
    return (spec.get("min_age") is None or age >= spec["min_age"]) and (
        spec.get("max_age") is None or age <= spec["max_age"])


def _person_alone(person_id: int) -> Person:
    """A person without their documents and flags (a booking reads the name and age)."""
    return db.session.get(Person, person_id,
                          options=[lazyload(Person.documents), lazyload(Person.flag_rows)])


def _household_alone(household_id: int) -> Household:
    """A household without its members (a booking of persons needs its id only)."""
    return db.session.get(Household, household_id, options=[lazyload(Household.persons)])


def attendees_for(item: ClarificationItem, kind: CatalogEntry, *,
                  together: bool = True) -> list[Attendee]:
    """Who comes when the item is booked: for a person's item that person and the
    household's other persons with an unbooked open item of the same topic (they
    come together); for a household's item the members within the type's ages.
    together=False: the item's own person, or the first member within the ages."""
    today = today_local()
    if item.person_id is None:
        members = [Attendee(p, None) for p in item.household.persons
                   if _age_fits(kind, p, today)]
        return members if together else members[:1]
    if not together:
        return [Attendee(_person_alone(item.person_id), item)]
    siblings = list(db.session.scalars(sa.select(ClarificationItem).where(
        ClarificationItem.household_id == item.household_id,
        ClarificationItem.topic == item.topic, ClarificationItem.person_id.is_not(None),
        ClarificationItem.state.in_(ACTIVE_STATES), ClarificationItem.id != item.id)))
    booked = _booked_items([s.id for s in siblings])
    leaving = _checked_out([s.person_id for s in siblings])
    others = [Attendee(s.person, s) for s in sorted(siblings, key=lambda s: s.person.position)
              if s.id not in booked and s.person_id not in leaving
              and _age_fits(kind, s.person, today)]
    return [Attendee(item.person, item)] + others


def _busy(person_ids: list[int], after: datetime) -> list[tuple[int, datetime, datetime]]:
    return db.session.execute(sa.select(
        AppointmentPerson.person_id, AppointmentPerson.starts_at, AppointmentPerson.ends_at)
        .where(AppointmentPerson.person_id.in_(person_ids), AppointmentPerson.active.is_(True),
               AppointmentPerson.ends_at > after)).all()


def _lock_persons(person_ids: list[int]) -> None:
    """Bookings of the same persons wait for each other (PostgreSQL; SQLite writes
    one transaction at a time anyway)."""
    db.session.execute(sa.select(Person.id).where(Person.id.in_(person_ids))
                       .order_by(Person.id).with_for_update())


def _take_seats(slot_id: int, seats: int) -> bool:
    taken = db.session.execute(
        sa.update(Slot).where(Slot.id == slot_id, Slot.booked + seats <= Slot.capacity)
        .values(booked=Slot.booked + seats).execution_options(synchronize_session=False))
    return taken.rowcount == 1


def _release_seat(slot_id: int) -> None:
    db.session.execute(sa.update(Slot).where(Slot.id == slot_id, Slot.booked > 0)
                       .values(booked=Slot.booked - 1)
                       .execution_options(synchronize_session=False))


def _hours_label(calendar: SlotCalendar) -> str:
    names = {1: _("Mon"), 2: _("Tue"), 3: _("Wed"), 4: _("Thu"), 5: _("Fri"), 6: _("Sat"),
             7: _("Sun")}
    days = [int(d) for d in calendar.weekdays]
    if days == list(range(days[0], days[-1] + 1)) and len(days) > 2:
        label = f"{names[days[0]]}–{names[days[-1]]}"
    else:
        label = ", ".join(names[d] for d in days)
    return f"{label} {calendar.opens}–{calendar.closes}"


def check_time(calendar: SlotCalendar, starts_at: datetime, kind: CatalogEntry) -> Slot:
    """The slot a clerk picked by its time, or why there is none (at the field)."""
    field = "starts_at"
    starts_at = assume_local(starts_at)
    if starts_at < now():
        raise ValidationFailed(**{field: _("This time is in the past.")})
    local = to_local(starts_at)
    block = next((b for b in calendar.blocked_days if b.day == local.date()), None)
    if block is not None:
        raise ValidationFailed(**{field: _("%(day)s is blocked: %(reason)s.",
                                           day=local.strftime("%d.%m.%Y"), reason=block.reason)})
    duration = timedelta(minutes=kind.attributes["duration_minutes"])
    closing = _local(local.date(), calendar.closes)
    if (str(local.isoweekday()) not in calendar.weekdays
            or local < _local(local.date(), calendar.opens) or local + duration > closing):
        raise ValidationFailed(**{field: _("Outside the opening hours (%(hours)s).",
                                           hours=_hours_label(calendar))})
    slot = db.session.scalar(sa.select(Slot).where(Slot.calendar_id == calendar.id,
                                                   Slot.starts_at == starts_at))
    if slot is None:
        raise ValidationFailed(**{field: _(
            "No slot starts at this time (every %(minutes)d minutes from %(opens)s).",
            minutes=calendar.slot_minutes, opens=calendar.opens)})
    return slot


def _check_duration(kind: CatalogEntry, calendar: SlotCalendar) -> None:
    minutes = kind.attributes["duration_minutes"]
    if minutes > calendar.slot_minutes:
        raise ValidationFailed(type=_(
            "This appointment takes %(duration)d minutes; the slots at %(place)s are "
            "%(length)d minutes long.", duration=minutes, place=calendar.location,
            length=calendar.slot_minutes))


def _check_persons(attendees: list[Attendee], kind: CatalogEntry, day: date) -> None:
    leaving = _checked_out([a.person.id for a in attendees])
    for attendee in attendees:
        person = attendee.person
        if person.id in leaving:
            raise ValidationFailed(persons=_(
                "%(name)s checked out on %(day)s; no appointment can be booked.",
                name=person.display_name, day=to_local(leaving[person.id]).strftime("%d.%m.%Y")
                if leaving[person.id] else "?"))
        if not _age_fits(kind, person, day):
            raise ValidationFailed(persons=_(
                "%(name)s is outside the ages of this appointment.", name=person.display_name))


def _overlaps(busy, person_ids, start: datetime, end: datetime) -> int | None:
    return next((pid for pid, b_start, b_end in busy
                 if pid in person_ids and b_start < end and b_end > start), None)


def _seats(kind: CatalogEntry, attendees: list[Attendee]) -> int:
    return 1 if kind.attributes["group"] == "household" else len(attendees)


def book(item: ClarificationItem, *, slot: Slot | None = None,
         calendar: SlotCalendar | None = None, starts_at: datetime | None = None,
         together: bool = True) -> list[Appointment]:
    """Book from an item in one step: the slot the clerk picked (by id or time), or
    the next free slot of the authority's calendars (or of `calendar`) that takes
    the household's persons who need it together. together=False books the item's
    own person only."""
    if not item.active:
        raise ValidationFailed(item=_("This item is closed."))
    kind = type_for_topic(item.topic)
    if kind is None:
        raise ValidationFailed(item=_("No appointment type serves this topic."))
    if _booked_items([item.id]):
        raise ValidationFailed(item=_("This item already has an appointment; rebook it "
                                      "instead."))
    attendees = attendees_for(item, kind, together=together)
    if not attendees:
        raise ValidationFailed(persons=_("Nobody in this household can come to this "
                                         "appointment (ages)."))
    items = [a.item.id for a in attendees if a.item] + [item.id]
    if not may_book(item.authority_id, first=not _ever_booked(items)):
        raise AuthorityBoundary(item.id)
    return _book(kind, item.authority_id, _household_alone(item.household_id), attendees,
                 household_item=item if item.person_id is None else None,
                 slot=slot, calendar=calendar, starts_at=starts_at)


def _book(kind: CatalogEntry, authority_id: int, household: Household,
          attendees: list[Attendee], *, household_item=None, slot=None, calendar=None,
          starts_at=None, rebooked_from: Appointment | None = None) -> list[Appointment]:
    _lock_persons([a.person.id for a in attendees])
    seats = _seats(kind, attendees)
    duration = timedelta(minutes=kind.attributes["duration_minutes"])
    person_ids = {a.person.id for a in attendees}
    busy = _busy(sorted(person_ids), now())
    if slot is not None or starts_at is not None:
        if slot is None:
            if calendar is None:
                raise ValidationFailed(calendar=_("Choose a calendar."))
            slot = check_time(calendar, starts_at, kind)
        calendar = slot.calendar
        if calendar.authority_id != authority_id:
            raise ValidationFailed(calendar=_("This calendar belongs to another authority."))
        _check_duration(kind, calendar)
        if slot.starts_at < now():
            raise ValidationFailed(starts_at=_("This time is in the past."))
        _check_persons(attendees, kind, to_local(slot.starts_at).date())
        clash = _overlaps(busy, person_ids, slot.starts_at, slot.starts_at + duration)
        if clash is not None:
            raise ValidationFailed(persons=_overlap_message(clash))
        if not _take_seats(slot.id, seats):
            raise ValidationFailed(starts_at=_("This slot is full.") if seats == 1 else _(
                "This slot has no %(num)d free seats left.", num=seats))
    else:
        candidates = [calendar] if calendar is not None else calendars(authority_id)
        candidates = [c for c in candidates if c.authority_id == authority_id]
        if not candidates:
            raise ValidationFailed(calendar=_("This authority has no appointment calendar "
                                              "yet."))
        fitting = [c for c in candidates if kind.attributes["duration_minutes"] <= c.slot_minutes]
        if not fitting:
            _check_duration(kind, candidates[0])
        _check_persons(attendees, kind, today_local())
        slot = _next_free(fitting, seats, busy, person_ids, duration)
        calendar = slot.calendar
    db.session.expire(slot, ["booked"])
    made = _create(kind, calendar, slot, household, attendees, household_item, duration,
                   rebooked_from)
    return made


def _overlap_message(person_id: int) -> str:
    person = db.session.get(Person, person_id)
    return _("%(name)s already has an appointment at this time.", name=person.display_name)


def _next_free(calendars_: list[SlotCalendar], seats: int, busy, person_ids,
               duration: timedelta) -> Slot:
    """The first slot with room that none of the persons is busy at; looked at in
    small batches of (id, start) from the partial index, the one taken loaded alone."""
    ids = [c.id for c in calendars_]
    after, looked_at = now(), 0
    while looked_at < NEXT_FREE_CANDIDATES:
        batch = db.session.execute(
            sa.select(Slot.id, Slot.starts_at).where(
                Slot.calendar_id.in_(ids), Slot.starts_at >= after,
                Slot.booked < Slot.capacity, Slot.capacity - Slot.booked >= seats)
            .order_by(Slot.starts_at, Slot.calendar_id).offset(looked_at)
            .limit(NEXT_FREE_BATCH)).all()
        for slot_id, starts_at in batch:
            if _overlaps(busy, person_ids, starts_at, starts_at + duration) is None \
                    and _take_seats(slot_id, seats):
                return db.session.get(Slot, slot_id)
        if len(batch) < NEXT_FREE_BATCH:
            break
        looked_at += len(batch)
    raise ValidationFailed(calendar=_("No free slot for this person.") if len(person_ids) == 1
                           else _("No free slot for %(num)d persons together.",
                                  num=len(person_ids)))


def _create(kind, calendar, slot, household, attendees, household_item, duration,
            rebooked_from) -> list[Appointment]:
    groups = [attendees] if kind.attributes["group"] == "household" else [[a] for a in attendees]
    made = []
    for group in groups:
        first_item = household_item or next((a.item for a in group if a.item), None)
        # The calendar and household objects at hand, so that answering with the
        # appointment does not load them (and the household's members) again.
        appointment = Appointment(
            slot_id=slot.id, calendar_id=calendar.id, authority_id=calendar.authority_id,
            calendar=calendar, household=household,
            type_code=kind.code, household_id=household.id,
            item_id=first_item.id if first_item else None, starts_at=slot.starts_at,
            ends_at=slot.starts_at + duration, created_by_id=acting_user_id(),
            rebooked_from_id=rebooked_from.id if rebooked_from else None)
        appointment.attendees = [AppointmentPerson(
            person_id=a.person.id, person=a.person, item_id=a.item.id if a.item else None,
            starts_at=appointment.starts_at, ends_at=appointment.ends_at) for a in group]
        db.session.add(appointment)
        db.session.flush()
        db.session.add(AppointmentTransition(appointment=appointment, from_state=None,
                                             to_state=S.PLANNED.value, user_id=acting_user_id(),
                                             note=f"rebooked from {rebooked_from.id}"
                                             if rebooked_from else None))
        record(AuditAction.CREATE, entity_type="appointment", entity_id=appointment.id,
               fields=["slot", "persons", "type"], detail=f"household {household.public_id}",
               persons=[a.person for a in group])
        made.append(appointment)
    db.session.flush()
    for appointment in made:
        publish(AppointmentBooked(appointment))
    return made


def rebook(appointment: Appointment, *, reason: str, slot: Slot | None = None,
           calendar: SlotCalendar | None = None, starts_at: datetime | None = None
           ) -> Appointment:
    """Move an appointment: the old one is cancelled with the reason (its seat is
    freed first, so the same slot's neighbour works), the new one takes its persons."""
    if not may_change(appointment):
        raise AuthorityBoundary(appointment.id)
    if appointment.state != S.PLANNED.value:
        raise ValidationFailed(to=_("Only a planned appointment can be rebooked."))
    kind = appointment_types().get(appointment.type_code)
    if kind is None:
        raise ValidationFailed(type=_("This appointment type is no longer offered."))
    attendees = [Attendee(a.person, a.item) for a in appointment.attendees]
    household_item = appointment.item if appointment.item and appointment.item.person_id is None \
        else None
    transition(appointment, S.CANCELLED, note=reason, rebooking=True)
    made = _book(kind, appointment.authority_id, appointment.household, attendees,
                 household_item=household_item, slot=slot, calendar=calendar,
                 starts_at=starts_at, rebooked_from=appointment)
    return made[0]


# --- states -------------------------------------------------------------------------------


def items_of(appointment: Appointment) -> list[ClarificationItem]:
    found = {}
    if appointment.item is not None:
        found[appointment.item.id] = appointment.item
    for attendee in appointment.attendees:
        if attendee.item is not None:
            found[attendee.item.id] = attendee.item
    return list(found.values())


def transition(appointment: Appointment, to: AppointmentState | str, *, note: str | None = None,
               expected_version: int | None = None, system: bool = False,
               rebooking: bool = False) -> None:
    """The only way an appointment changes state."""
    if not system and not may_change(appointment):
        raise AuthorityBoundary(appointment.id)
    if expected_version is not None and expected_version != appointment.version:
        raise Conflict(_("This appointment was changed in the meantime; it is now "
                         "'%(state)s'.", state=appointment.state), code="stale_version",
                       details={"state": appointment.state, "version": appointment.version})
    try:
        to = S(to)
    except ValueError:
        raise ValidationFailed(to=_("Unknown state.")) from None
    current = S(appointment.state)
    if to not in ALLOWED[current]:
        raise ValidationFailed(to=_("An appointment cannot go from %(a)s to %(b)s.",
                                    a=current.value, b=to.value))
    note = " ".join((note or "").split())[:MAX_REASON] or None
    day = to_local(appointment.starts_at).date()
    if to in (S.ARRIVED, S.ATTENDED) and day > today_local():
        raise ValidationFailed(to=_("The appointment is on %(day)s; it cannot be marked "
                                    "before that day.", day=day.strftime("%d.%m.%Y")))
    if to is S.MISSED and now() < appointment.starts_at:
        raise ValidationFailed(to=_("The appointment has not begun yet."))
    if to is S.CANCELLED and not note:
        raise ValidationFailed(reason=_("Give a reason for the cancellation."))
    appointment.state = to.value
    if to is S.ARRIVED:
        appointment.arrived_at = now()
    if to is S.CANCELLED:
        appointment.reason = note
        _release_seat(appointment.slot_id)
        db.session.expire(appointment.slot, ["booked"])
    if to in (S.ATTENDED, S.MISSED, S.CANCELLED):
        for attendee in appointment.attendees:
            attendee.active = False
    user_id = None if system else acting_user_id()
    db.session.add(AppointmentTransition(appointment=appointment, from_state=current.value,
                                         to_state=to.value, note=note, user_id=user_id))
    db.session.flush()
    record(AuditAction.UPDATE, entity_type="appointment", entity_id=appointment.id,
           fields=["state"], detail=f"{current.value} → {to.value}",
           persons=persons_of([appointment]))
    if to is S.ATTENDED:
        kind = appointment_types().get(appointment.type_code)
        resolves = kind is not None and kind.attributes.get("resolves_item")
        publish(AppointmentAttended(appointment, kind.attributes.get("resolution")
                                    if resolves else None))
    elif to is S.MISSED:
        publish(AppointmentMissed(appointment))
    elif to is S.CANCELLED:
        publish(AppointmentCancelled(appointment, rebooked=rebooking))


def cancel(appointment: Appointment, reason: str) -> None:
    transition(appointment, S.CANCELLED, note=reason)


def bulk_attended(appointments: list[Appointment]) -> int:
    """All or nothing, every appointment checked on its own."""
    if len(appointments) > BULK_LIMIT:
        raise ValidationFailed(appointments=_("At most %(count)d at once.", count=BULK_LIMIT))
    foreign = [a.id for a in appointments if not may_change(a)]
    if foreign:
        raise AuthorityBoundary(foreign[0])
    for appointment in appointments:
        transition(appointment, S.ATTENDED)
    return len(appointments)


# --- at the desk --------------------------------------------------------------------------


def _today_in(calendar: SlotCalendar):
    start, end = day_bounds(today_local())
    return sa.and_(Appointment.calendar_id == calendar.id, Appointment.starts_at >= start,
                   Appointment.starts_at < end)


def arrive_by_card(calendar: SlotCalendar, code: str) -> list[Appointment]:
    """The scanned (or typed) card's holder has arrived: their planned appointments
    of today in this calendar are marked arrived."""
    if not _caseworker_of(calendar.authority_id, acting_user()):
        raise AuthorityBoundary(calendar.id)
    card, outcome = resolve_card(code)
    if card is None:
        raise ValidationFailed(code=_("Unknown card."))
    if outcome != "ok":
        raise ValidationFailed(code=_("This card is no longer valid; ask for a new one."))
    found = list(db.session.scalars(
        sa.select(Appointment).join(AppointmentPerson).where(
            _today_in(calendar), AppointmentPerson.person_id == card.person_id,
            Appointment.state == S.PLANNED.value).order_by(Appointment.starts_at)))
    if not found:
        raise ValidationFailed(code=_("No planned appointment here today for card %(number)s.",
                                      number=card.number))
    for appointment in found:
        transition(appointment, S.ARRIVED, note=f"card {card.number}")
    record(AuditAction.SCAN, entity_type="card", entity_id=card.number,
           detail=f"arrived at calendar {calendar.id}")
    return found


def call_next(calendar: SlotCalendar, desk: str) -> Appointment | None:
    """The desk calls the next one who has arrived (by appointment time, then by
    arrival); two desks tapping at once never call the same one."""
    desk = " ".join((desk or "").split())
    if not desk or len(desk) > MAX_DESK_LABEL:
        raise ValidationFailed(desk=_("Name the desk (at most %(max)d characters).",
                                      max=MAX_DESK_LABEL))
    if not _caseworker_of(calendar.authority_id, acting_user()):
        raise AuthorityBoundary(calendar.id)
    query = (sa.select(Appointment).where(_today_in(calendar), Appointment.state ==
                                          S.ARRIVED.value, Appointment.called_at.is_(None))
             .order_by(Appointment.starts_at, Appointment.arrived_at, Appointment.id).limit(1))
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=Appointment)
    appointment = db.session.scalar(query)
    if appointment is None:
        return None
    appointment.called_at = now()
    appointment.desk = desk
    appointment.call_number = call_number(appointment)
    db.session.flush()
    record(AuditAction.UPDATE, entity_type="appointment", entity_id=appointment.id,
           fields=["called_at", "desk"])
    return appointment


def call_number(appointment: Appointment) -> str:
    """What the screen shows: a card number, never a name (the household reference
    when nobody has a card)."""
    ids = [a.person_id for a in appointment.attendees]
    numbers = dict(db.session.execute(sa.select(Card.person_id, Card.number).where(
        Card.person_id.in_(ids), Card.status == CardStatus.ACTIVE.value)).all())
    for attendee in sorted(appointment.attendees, key=lambda a: a.person.position):
        if attendee.person_id in numbers:
            return numbers[attendee.person_id]
    return appointment.household.ref


def screen_calls(calendar_id: int, limit: int = 8) -> list[dict]:
    """The latest calls of today, newest first: card number and desk only."""
    start, end = day_bounds(today_local())
    rows = db.session.execute(
        sa.select(Appointment.call_number, Appointment.desk, Appointment.called_at)
        .where(Appointment.calendar_id == calendar_id, Appointment.called_at.is_not(None),
               Appointment.called_at >= start, Appointment.called_at < end)
        .order_by(Appointment.called_at.desc()).limit(limit)).all()
    return [{"number": number, "desk": desk, "called_at": called_at.isoformat()}
            for number, desk, called_at in rows]


# --- reading ------------------------------------------------------------------------------


def day_list(calendar: SlotCalendar, day: date, *, audit: bool = True) -> list[Appointment]:
    """The day's appointments of a calendar in time order (a read of the persons on
    it, audited)."""
    start, end = day_bounds(day)
    found = list(db.session.scalars(
        sa.select(Appointment).where(Appointment.calendar_id == calendar.id,
                                     Appointment.starts_at >= start, Appointment.starts_at < end)
        .order_by(Appointment.starts_at, Appointment.id).options(*_list_options())))
    if audit:
        record_read(persons_of(found), entity_type="appointment_day_list",
                    entity_id=calendar.id, detail=day.isoformat())
    return found


@dataclass
class DayAttendee:
    person_id: int
    public_id: str
    display_name: str


@dataclass
class DayRow:
    """One line of a day list, read as plain columns (a list of 500 appointments as
    ORM objects with their attendees, persons and households costs more than the
    page may take)."""

    id: int
    type_code: str
    starts_at: datetime
    ends_at: datetime
    state: str
    reason: str | None
    called_at: datetime | None
    desk: str | None
    item_id: int | None
    version: int
    household_ref: str
    attendees: list[DayAttendee]

    @property
    def active(self) -> bool:
        return self.state in ACTIVE_APPOINTMENT_STATES


def day_rows(calendar: SlotCalendar, day: date, *, audit: bool = True) -> list[DayRow]:
    """The day list as plain rows in two queries, attendees in household order. ORM
    column queries, so a restricted person or household stays hidden as everywhere."""
    start, end = day_bounds(day)
    of_day = (Appointment.calendar_id == calendar.id, Appointment.starts_at >= start,
              Appointment.starts_at < end)
    rows = [DayRow(*values, attendees=[]) for values in db.session.execute(
        sa.select(Appointment.id, Appointment.type_code, Appointment.starts_at,
                  Appointment.ends_at, Appointment.state, Appointment.reason,
                  Appointment.called_at, Appointment.desk, Appointment.item_id,
                  Appointment.version, Household.ref)
        .join(Household, Household.id == Appointment.household_id).where(*of_day)
        .order_by(Appointment.starts_at, Appointment.id))]
    by_id = {row.id: row for row in rows}
    for appointment_id, person_id, public_id, family, given in db.session.execute(
            sa.select(AppointmentPerson.appointment_id, Person.id, Person.public_id,
                      Person.family_name, Person.given_names)
            .join(Appointment, Appointment.id == AppointmentPerson.appointment_id)
            .join(Person, Person.id == AppointmentPerson.person_id).where(*of_day)
            .order_by(AppointmentPerson.appointment_id, Person.position)):
        row = by_id.get(appointment_id)
        if row is not None:
            row.attendees.append(DayAttendee(person_id, public_id, f"{family}, {given}"))
    if audit:
        record_read([a.public_id for row in rows for a in row.attendees],
                    entity_type="appointment_day_list", entity_id=calendar.id,
                    detail=day.isoformat())
    return rows


def persons_of(appointments) -> list[str]:
    return [a.person.public_id for x in appointments for a in x.attendees]


def _list_options():
    """A list of appointments in a fixed number of queries: the attendees with their
    persons, the households' references — not the persons' documents and flags or
    the households' other members."""
    return (selectinload(Appointment.attendees).joinedload(AppointmentPerson.person)
            .lazyload(Person.documents),
            selectinload(Appointment.attendees).joinedload(AppointmentPerson.person)
            .lazyload(Person.flag_rows),
            selectinload(Appointment.household).lazyload(Household.persons),
            joinedload(Appointment.calendar))


def card_numbers(person_ids: list[int]) -> dict[int, str]:
    if not person_ids:
        return {}
    return dict(db.session.execute(sa.select(Card.person_id, Card.number).where(
        Card.person_id.in_(person_ids), Card.status == CardStatus.ACTIVE.value)).all())


def appointments_of_household(household: Household) -> list[Appointment]:
    return list(db.session.scalars(
        sa.select(Appointment).where(Appointment.household_id == household.id)
        .order_by(Appointment.starts_at.desc(), Appointment.id).options(*_list_options())))


def items_needing_appointment(household: Household) -> list[ClarificationItem]:
    """Open items of the household whose topic an appointment type serves and that
    have no appointment to come."""
    served = {t for kind in appointment_types().values() for t in kind.attributes["topics"]}
    items = list(db.session.scalars(sa.select(ClarificationItem).where(
        ClarificationItem.household_id == household.id,
        ClarificationItem.state.in_(ACTIVE_STATES), ClarificationItem.topic.in_(served))
        .order_by(ClarificationItem.priority, ClarificationItem.id)))
    booked = _booked_items([i.id for i in items])
    return [i for i in items if i.id not in booked]


def required_items(authority_id: int | None = None, limit: int = 200
                   ) -> tuple[list[ClarificationItem], int]:
    """The queue of who has none yet: open items whose topic an appointment type of
    their authority serves and that have no appointment to come — oldest due first,
    with the total. One query with NOT EXISTS on the indexed item references."""
    topics_by_authority: dict[str, set[str]] = {}
    for kind in appointment_types().values():
        topics_by_authority.setdefault(kind.attributes["authority"], set()).update(
            kind.attributes["topics"])
    authorities = dict(db.session.execute(sa.select(Authority.code, Authority.id)).all())
    served = sa.or_(*[sa.and_(ClarificationItem.authority_id == authorities[code],
                              ClarificationItem.topic.in_(sorted(topics)))
                      for code, topics in topics_by_authority.items() if code in authorities])
    item = ClarificationItem
    booked = sa.exists().where(Appointment.item_id == item.id,
                               Appointment.state.in_(ACTIVE_APPOINTMENT_STATES))
    attending = sa.exists().where(AppointmentPerson.item_id == item.id,
                                  AppointmentPerson.active.is_(True))
    where = [item.state.in_(ACTIVE_STATES), served, ~booked, ~attending]
    if authority_id is not None:
        where.append(item.authority_id == authority_id)
    total = db.session.scalar(sa.select(sa.func.count(item.id)).where(*where))
    found = list(db.session.scalars(
        sa.select(item).where(*where).order_by(item.due_on, item.priority, item.id)
        .limit(limit).options(selectinload(item.person).lazyload(Person.documents),
                              selectinload(item.household))))
    record_read([i.person for i in found if i.person] + [
        p for i in found if i.person is None for p in i.household.persons],
        entity_type="appointment_required", entity_id=authority_id, detail=f"{total} items")
    return found, total


def free_slots(calendar: SlotCalendar, day: date, seats: int = 1) -> list[Slot]:
    start, end = day_bounds(day)
    return list(db.session.scalars(sa.select(Slot).where(
        Slot.calendar_id == calendar.id, Slot.starts_at >= max(start, now()),
        Slot.starts_at < end, Slot.capacity - Slot.booked >= seats).order_by(Slot.starts_at)))


@dataclass
class DayFigures:
    authority: str
    total: int
    attended: int
    missed: int
    cancelled: int
    waiting_minutes: float | None

    @property
    def no_show_rate(self) -> float | None:
        done = self.attended + self.missed
        return self.missed / done if done else None


def figures_of_day(day: date) -> list[DayFigures]:
    """Appointments of the day per authority: attended, missed, the no-show rate
    and the mean wait from arrival to call-up, in one grouped query."""
    start, end = day_bounds(day)
    a = Appointment
    wait = sa.func.avg(sa.case((a.called_at.is_not(None), _seconds_between(a.arrived_at,
                                                                         a.called_at))))
    rows = db.session.execute(
        sa.select(Authority.code, sa.func.count(a.id),
                  sa.func.sum(sa.case((a.state == S.ATTENDED.value, 1), else_=0)),
                  sa.func.sum(sa.case((a.state == S.MISSED.value, 1), else_=0)),
                  sa.func.sum(sa.case((a.state == S.CANCELLED.value, 1), else_=0)), wait)
        .join(Authority, Authority.id == a.authority_id)
        .where(a.starts_at >= start, a.starts_at < end)
        .group_by(Authority.code).order_by(Authority.code)).all()
    return [DayFigures(code, total, attended or 0, missed or 0, cancelled or 0,
                       round(float(seconds) / 60, 1) if seconds is not None else None)
            for code, total, attended, missed, cancelled, seconds in rows]


def _seconds_between(earlier, later):
    if db.session.get_bind().dialect.name == "postgresql":
        return sa.func.extract("epoch", later - earlier)
    return (sa.func.julianday(later) - sa.func.julianday(earlier)) * 86400.0


def slip_day(appointment: Appointment) -> str:
    return format_date(to_local(appointment.starts_at).date(), "full")
