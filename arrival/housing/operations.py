"""Stays: assign beds, check in, move, check out, cancel — each a transition that
writes its history. The database holds the invariants (one open stay per person
and per bed); the code checks them first to give a clear message, and turns a
lost race into the same message."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import selectinload
from flask_babel import gettext as _
from flask_babel import ngettext

from arrival.core.actor import acting_user_id
from arrival.core.events import publish_all
from arrival.audit.models import AuditAction
from arrival.audit.operations import record
from arrival.catalog.operations import entries
from arrival.core.validation import Conflict, ValidationFailed
from arrival.database import now_utc
from arrival.extensions import db
from arrival.core.timezone import local_zone
from arrival.housing.allocation import admitted_to_women_only, free_bed_condition
from arrival.housing.events import StayEnded
from arrival.housing.models import OPEN_STATES, Bed, Site, Stay, StayEvent, StayState, Unit
from arrival.registry.models import Person

CLOCK_SKEW = timedelta(minutes=5)
MOVED = "moved"

ALLOWED = {
    StayState.PLANNED: {StayState.CHECKED_IN, StayState.CANCELLED},  # ending a planned stay cancels it
    StayState.CHECKED_IN: {StayState.CHECKED_OUT},
    StayState.CHECKED_OUT: set(),
    StayState.CANCELLED: set(),
}


class BedTaken(Conflict):
    def __init__(self, message: str | None = None):
        super().__init__(message or _("A chosen bed was taken in the meantime."),
                         code="bed_taken")


def _moment(at: datetime | None, field: str = "at") -> datetime:
    now = now_utc()
    if at is None:
        return now
    if at.tzinfo is None:
        raise ValidationFailed(**{field: _("The time needs a time zone.")})
    if at > now + CLOCK_SKEW:
        raise ValidationFailed(**{field: _("The time is in the future.")})
    return at


def transition(stay: Stay, to: StayState, *, at: datetime, note: str | None = None) -> None:
    """The only way a stay changes state; writes the event and the audit entry."""
    current = StayState(stay.state)
    if to not in ALLOWED[current]:
        raise ValidationFailed(state=_("A stay cannot go from %(a)s to %(b)s.", a=current.value,
                                       b=to.value))
    start = stay.checked_in_at or stay.planned_at
    if to in (StayState.CHECKED_OUT, StayState.CANCELLED) and at < start:
        raise ValidationFailed(at=_("The end is before the start of the stay."))
    if to is StayState.CHECKED_IN:
        if at < stay.planned_at:
            raise ValidationFailed(at=_("The check-in is before the stay was planned."))
        stay.checked_in_at = at
    else:
        stay.ended_at = at
    stay.state = to.value
    db.session.add(StayEvent(stay=stay, from_state=current.value, to_state=to.value, at=at,
                             user_id=acting_user_id(), note=(note or "")[:300] or None))
    record(AuditAction.UPDATE, entity_type="stay", entity_id=stay.id, fields=["state"],
           detail=f"{current.value} → {to.value}")


def open_stay_of(person: Person) -> Stay | None:
    return db.session.scalar(sa.select(Stay).where(Stay.person_id == person.id,
                                                  Stay.state.in_(OPEN_STATES)))


WOMEN_ONLY_OVERRIDE = "women_only_override"  # the field of the exception's reason


def _women_only_exceptions(persons: list[Person], beds: list[Bed], at: datetime,
                           override_reason: str | None) -> tuple[set[int], str | None]:
    """The persons who may not go to the chosen women-and-children-only units,
    refused unless the exception has a reason (then audited per stay)."""
    day = at.astimezone(local_zone()).date()
    excepted = {person.id for person, bed in zip(persons, beds)
                if bed.unit.women_only and not admitted_to_women_only(person, day)}
    if not excepted:
        return excepted, None
    reason = " ".join((override_reason or "").split())[:200]
    if not reason:
        person, bed = next((p, b) for p, b in zip(persons, beds) if p.id in excepted)
        raise ValidationFailed(**{WOMEN_ONLY_OVERRIDE: _(
            "%(unit)s is for women and children only; %(name)s can be placed there only "
            "as an exception, with a reason.", unit=bed.unit.name, name=person.display_name)})
    return excepted, reason


def _record_exceptions(stays: list[Stay], excepted: set[int], reason: str | None) -> None:
    for stay in stays:
        if stay.person_id in excepted:
            record(AuditAction.CREATE, entity_type="stay", entity_id=stay.id,
                   fields=[WOMEN_ONLY_OVERRIDE], detail=f"women-only unit exception: {reason}")


def assign(persons: list[Person], beds: list[Bed], *, check_in: bool = False,
           at: datetime | None = None, note: str | None = None,
           override_reason: str | None = None) -> list[Stay]:
    """Put each person in one bed, in one step; all or nothing. `note` (why a
    household is split, say) goes into each stay's history; `override_reason`
    admits a man to a women-and-children-only unit (audited)."""
    at = _moment(at)
    if not persons:
        raise ValidationFailed(persons=_("Choose at least one person."))
    if len(beds) < len(persons):
        raise ValidationFailed(beds=_too_few_beds(len(beds), len(persons)))
    if len({b.id for b in beds}) != len(beds):
        raise ValidationFailed(beds=_("A bed was chosen twice."))
    placed = [p for p in persons if open_stay_of(p) is not None]
    if placed:
        raise Conflict(_("%(name)s already has a bed.", name=placed[0].display_name),
                       code="person_has_stay")
    _check_beds_free(beds)
    excepted, reason = _women_only_exceptions(persons, beds, at, override_reason)
    stays = []
    try:
        with db.session.begin_nested():
            for person, bed in zip(persons, beds):
                stay = Stay(person_id=person.id, household_id=person.household_id, bed=bed,
                            state=StayState.PLANNED.value, planned_at=at)
                db.session.add(stay)
                db.session.add(StayEvent(stay=stay, from_state=None, to_state="planned", at=at,
                                         user_id=acting_user_id(), note=(note or "")[:300] or None))
                stays.append(stay)
            db.session.flush()
    except sa.exc.IntegrityError:
        # Another tablet took a bed (or placed a person) between our check and insert.
        raise BedTaken() from None
    for stay in stays:
        record(AuditAction.CREATE, entity_type="stay", entity_id=stay.id,
               fields=["person", "bed", "state"])
        if check_in:
            transition(stay, StayState.CHECKED_IN, at=at)
    _record_exceptions(stays, excepted, reason)
    db.session.flush()
    return stays


def _too_few_beds(beds: int, persons: int) -> str:
    return ngettext("%(num)d bed for %(persons)d persons: choose a unit with enough free beds.",
                    "%(num)d beds for %(persons)d persons: choose a unit with enough free "
                    "beds.", beds, persons=persons)


def _check_beds_free(beds: list[Bed]) -> None:
    ids = [b.id for b in beds]
    free = set(db.session.scalars(
        sa.select(Bed.id).join(Unit, Unit.id == Bed.unit_id).join(Site, Site.id == Unit.site_id)
        .where(Bed.id.in_(ids), Site.closed_at.is_(None), free_bed_condition())))
    if set(ids) - free:
        closed = db.session.scalar(
            sa.select(Site.name).join(Unit, Unit.site_id == Site.id).join(Bed, Bed.unit_id == Unit.id)
            .where(Bed.id.in_(ids), Site.closed_at.is_not(None)).limit(1))
        if closed:
            raise ValidationFailed(beds=_("The site %(name)s is closed.", name=closed))
        raise BedTaken(_("A chosen bed is not free (taken or blocked)."))


def check_in(stay: Stay, at: datetime | None = None) -> None:
    transition(stay, StayState.CHECKED_IN, at=_moment(at))
    db.session.flush()


def check_out(stay: Stay, *, reason: str, destination: str = "", at: datetime | None = None
              ) -> None:
    check_out_many([stay], reason=reason, destination=destination, at=at)


def check_out_many(stays: list[Stay], *, reason: str, destination: str = "",
                   at: datetime | None = None) -> None:
    """End many stays with one reason at one moment (a bus leaving): all or nothing.
    Each stay still gets its transition (history and audit) and its StayEnded event;
    what a per-stay check-out repeats — the catalogue read, a flush per stay — is
    done once, so a departure of 200 persons costs one round of writes."""
    reasons = {e.code for e in entries("checkout_reason")}
    if reason not in reasons:
        raise ValidationFailed(reason=_("Choose a reason from the list."))
    if any(not stay.open for stay in stays):
        raise ValidationFailed(stay=_("This stay has already ended."))
    at = _moment(at)
    if any(at < (stay.checked_in_at or stay.planned_at) for stay in stays):
        # Checked before the first change: a refusal leaves every stay as it was.
        raise ValidationFailed(at=_("The end is before the start of the stay."))
    destination = " ".join((destination or "").split())[:200] or None
    ended = []
    for stay in stays:
        stay.end_reason = reason
        stay.destination = destination
        target = StayState.CHECKED_OUT if stay.state == StayState.CHECKED_IN.value \
            else StayState.CANCELLED
        transition(stay, target, at=at, note=reason)
        ended.append((stay, target is StayState.CHECKED_OUT))
    db.session.flush()
    # The events after the one flush: a handler sees every stay of the batch ended.
    publish_all(StayEnded(stay, reason, checked_out=checked_out) for stay, checked_out in ended)


def move(persons: list[Person], beds: list[Bed], *, at: datetime | None = None,
         note: str | None = None, override_reason: str | None = None) -> list[Stay]:
    """Move persons to other beds in one step: each open stay ends ('moved') and a
    new one starts at the same moment, in the same state, linked to the old one."""
    at = _moment(at)
    current = {p.id: open_stay_of(p) for p in persons}
    without = [p for p in persons if current[p.id] is None]
    if without:
        raise ValidationFailed(persons=_("%(name)s has no bed to move from.",
                                         name=without[0].display_name))
    if len(beds) < len(persons):
        raise ValidationFailed(beds=_too_few_beds(len(beds), len(persons)))
    _check_beds_free(beds)
    excepted, reason = _women_only_exceptions(persons, beds, at, override_reason)
    new_stays = []
    for person, bed in zip(persons, beds):
        old = current[person.id]
        was_checked_in = old.state == StayState.CHECKED_IN.value
        old.end_reason = MOVED
        transition(old, StayState.CHECKED_OUT if was_checked_in else StayState.CANCELLED,
                   at=at, note=MOVED)
        new_stays.append((person, bed, old, was_checked_in))
    db.session.flush()  # the old stays close before the new ones open (partial unique indexes)
    stays = []
    try:
        with db.session.begin_nested():
            for person, bed, old, was_checked_in in new_stays:
                stay = Stay(person_id=person.id, household_id=person.household_id, bed=bed,
                            state=StayState.PLANNED.value, planned_at=at, moved_from_id=old.id)
                db.session.add(stay)
                db.session.add(StayEvent(stay=stay, from_state=None, to_state="planned", at=at,
                                         user_id=acting_user_id(),
                                         note=f"{MOVED}; {note}"[:300] if note else MOVED))
                stays.append((stay, was_checked_in))
            db.session.flush()
    except sa.exc.IntegrityError:
        raise BedTaken() from None
    for stay, was_checked_in in stays:
        record(AuditAction.CREATE, entity_type="stay", entity_id=stay.id,
               fields=["person", "bed", "state"], detail=MOVED)
        if was_checked_in:
            transition(stay, StayState.CHECKED_IN, at=at, note=MOVED)
    _record_exceptions([s for s, _ in stays], excepted, reason)
    db.session.flush()
    return [s for s, _ in stays]


def with_places():
    """Load options for showing stays: the person and the bed with unit and site."""
    return (selectinload(Stay.person),
            selectinload(Stay.bed).selectinload(Bed.unit).selectinload(Unit.site))


def open_stays_of_household(household_id: int) -> list[Stay]:
    return list(db.session.scalars(
        sa.select(Stay).where(Stay.household_id == household_id, Stay.state.in_(OPEN_STATES))
        .order_by(Stay.id).options(*with_places())))


def stay_history(household_id: int) -> list[Stay]:
    return list(db.session.scalars(
        sa.select(Stay).where(Stay.household_id == household_id)
        .order_by(Stay.planned_at, Stay.id).options(*with_places())))
