"""The gate: IN/OUT/SEEN scans, presence per person and site, visitors and staff
on site, the evacuation list and the roll call at the assembly point.

A gate scan never raises for bad input: every scan is answered (green, amber or
red, and the direction by name) and recorded as a gate event, refused ones too.
An accepted event moves the person's presence row (a transition in the same
transaction); two INs in a row are recorded and flagged, not refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import lazyload, selectinload

from arrival.audit.models import AuditAction
from arrival.audit.operations import record, record_read
from arrival.cards.operations import resolve
from arrival.catalog.operations import entries
from arrival.core.actor import acting_user_id
from arrival.core.clock import now as clock_now
from arrival.core.clock import today_local
from arrival.core.validation import Conflict, ValidationFailed
from arrival.extensions import db
from arrival.gate.models import (
    Direction,
    GateEvent,
    GatePresence,
    GateSite,
    RollCall,
    RollCallExpected,
    RollCallState,
    RollCallTick,
    Visit,
    VisitKind,
)
from arrival.housing.absence import last_seen_subquery
from arrival.housing.models import OPEN_STATES, Bed, Site, Stay, StayState, Unit
from arrival.registry import photos
from arrival.registry.models import Person, PersonFlag

MAX_STATION_LENGTH = 80
ADULT_AGE = 18
# Reasons that are recorded as accepted but flagged for the security service.
FLAGGED_REASONS = {"double_in", "double_out", "seen_while_out", "checked_out"}


def _text(value, limit: int) -> str:
    return " ".join(str(value or "").split())[:limit]


# --- gate settings per site -------------------------------------------------------------

def gate_site(site_id: int) -> GateSite | None:
    return db.session.get(GateSite, site_id)


def gate_controlled(site_id: int) -> bool:
    setting = gate_site(site_id)
    return bool(setting and setting.gate_control)


def set_gate_settings(site: Site, *, gate_control: bool, assembly_point: str = "") -> GateSite:
    setting = gate_site(site.id)
    if setting is None:
        setting = GateSite(site_id=site.id)
        db.session.add(setting)
    changed = []
    if setting.gate_control != bool(gate_control):
        changed.append("gate_control")
    setting.gate_control = bool(gate_control)
    assembly_point = _text(assembly_point, 200)
    if (setting.assembly_point or "") != assembly_point:
        changed.append("assembly_point")
    setting.assembly_point = assembly_point
    db.session.flush()
    record(AuditAction.UPDATE, entity_type="gate_site", entity_id=site.id, fields=changed)
    return setting


# --- the gate scan ------------------------------------------------------------------------

@dataclass
class GateAnswer:
    result: str  # green | amber | red
    reason: str
    direction: str
    person: dict | None = None
    advice: list[str] = field(default_factory=list)
    lives_at: str | None = None
    flagged: bool = False
    event_id: int | None = None


@dataclass(frozen=True)
class FlagRules:
    advice: list[str]
    blocks: set[str]


def flag_rules(person: Person, locale: str) -> FlagRules:
    codes = set(person.flags)
    advice, blocks = [], set()
    if not codes:
        return FlagRules(advice, blocks)
    for entry in entries("vulnerability_flag"):
        if entry.code not in codes:
            continue
        text = entry.attributes.get("gate_advice_en" if locale == "en" else "gate_advice_de")
        if text:
            advice.append(text)
        blocks.update(entry.attributes.get("gate_blocks") or ())
    return FlagRules(advice, blocks)


def _lock(person: Person) -> None:
    """Two gates scanning one person at once are serialised on PostgreSQL (SQLite
    runs writing requests one at a time)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.select(Person.id).where(Person.id == person.id).with_for_update())


def _open_stay_place(person_id: int) -> tuple[Stay, Unit, Site] | None:
    row = db.session.execute(
        sa.select(Stay, Unit, Site).join(Bed, Bed.id == Stay.bed_id)
        .join(Unit, Unit.id == Bed.unit_id).join(Site, Site.id == Unit.site_id)
        .where(Stay.person_id == person_id, Stay.state.in_(OPEN_STATES))).first()
    return tuple(row) if row else None


def _last_ended_stay(person_id: int) -> Stay | None:
    return db.session.scalar(
        sa.select(Stay).where(Stay.person_id == person_id,
                              Stay.state == StayState.CHECKED_OUT.value)
        .order_by(Stay.ended_at.desc()).limit(1))


def person_view(person: Person, *, show_identity: bool, unit: str | None = None) -> dict:
    """What the gate shows: the full name only to roles allowed to see identity;
    otherwise the first name and the household size (as at service points)."""
    size = db.session.scalar(sa.select(sa.func.count()).select_from(Person).where(
        Person.household_id == person.household_id))
    data = {"first_name": person.first_given_name, "household_size": size}
    if show_identity:
        data.update(name=person.display_name, birth_year=person.birth_year,
                    public_id=person.public_id, unit=unit)
        # The optional photo is identity too: only marked here; the page fetches it
        # from the photo endpoint, which audits the read.
        if photos.has_photo(person.id):
            data["photo"] = True
    return data


def scan(code, *, site_id: int | None, station: str, direction: str,
         show_identity: bool = False, locale: str = "de", now: datetime | None = None
         ) -> GateAnswer:
    now = now or clock_now()
    station = _text(station, MAX_STATION_LENGTH) or "-"
    direction = direction if direction in set(Direction) else ""
    site = db.session.get(Site, site_id) if isinstance(site_id, int) else None
    code = code if isinstance(code, str) else ""
    if not direction:
        return GateAnswer("red", "unknown_direction", "")
    if site is None:
        return GateAnswer("red", "unknown_site", direction)
    card, status = resolve(code)
    person = None
    # A card expires at check-out (issue 20); its holder still leaves through the gate
    # (and off the evacuation list) and is told why they cannot come back in.
    if card is not None and status in ("ok", "card_expired"):
        # Only what the gate needs: the flags, not the documents.
        person = db.session.get(Person, card.person_id, options=[
            lazyload(Person.documents), selectinload(Person.flag_rows)])
    if person is None:
        answer = GateAnswer("red", status, direction)
    else:
        _lock(person)
        answer = _decide(person, site, direction, show_identity=show_identity,
                         locale=locale, now=now)
    _record(answer, site, station, card, person, now)
    return answer


def _decide(person: Person, site: Site, direction: str, *, show_identity: bool, locale: str,
            now: datetime) -> GateAnswer:
    if site.opened_at > now or (site.closed_at is not None and site.closed_at <= now):
        return GateAnswer("red", "site_closed", direction)
    place = _open_stay_place(person.id)
    presence = db.session.get(GatePresence, (person.id, site.id))
    inside_here = presence is not None and presence.inside
    unit_name = place[1].name if place and place[2].id == site.id else None
    shown = person_view(person, show_identity=show_identity, unit=unit_name)
    if place is None or place[2].id != site.id:
        if direction == Direction.OUT and inside_here:
            # Leaving is never stopped for want of a stay: recorded and flagged.
            return GateAnswer("amber", "checked_out", direction, shown)
        if place is not None:
            lives_at = place[2].name + (f", {place[1].name}" if show_identity else "")
            return GateAnswer("red", "other_site", direction, shown, lives_at=lives_at)
        if _last_ended_stay(person.id) is not None:
            return GateAnswer("red", "checked_out", direction, shown)
        return GateAnswer("red", "not_resident", direction, shown)
    if direction != Direction.SEEN and not gate_controlled(site.id):
        return GateAnswer("red", "no_gate_control", direction, shown)
    rules = flag_rules(person, locale)
    if direction in rules.blocks:
        return GateAnswer("red", "blocked_by_flag", direction, shown, advice=rules.advice)
    if direction == Direction.IN:
        reason = "double_in" if inside_here else "ok"
    elif direction == Direction.OUT:
        reason = "double_out" if presence is not None and not presence.inside else "ok"
    else:
        reason = "seen_while_out" if presence is not None and not presence.inside else "ok"
    if reason == "ok" and place[0].state != StayState.CHECKED_IN.value:
        reason = "stay_not_checked_in"
    result = "amber" if reason != "ok" or rules.advice else "green"
    return GateAnswer(result, reason, direction, shown, advice=rules.advice)


def _record(answer: GateAnswer, site: Site, station: str, card, person: Person | None,
            now: datetime) -> None:
    accepted = answer.result != "red"
    answer.flagged = answer.reason in FLAGGED_REASONS
    event = GateEvent(site_id=site.id, station=station, direction=answer.direction, at=now,
                      person_id=person.id if person is not None else None,
                      card_id=card.id if card is not None else None, accepted=accepted,
                      reason=answer.reason[:30], flagged=answer.flagged,
                      user_id=acting_user_id())
    db.session.add(event)
    db.session.flush()
    answer.event_id = event.id
    if accepted and person is not None:
        _move_presence(person, site, answer.direction, event, now)
    record(AuditAction.SCAN, entity_type="card", entity_id=card.number if card else None,
           detail=f"gate {site.id} {answer.direction}: {answer.result} ({answer.reason})",
           persons=[person] if person is not None else None)


def _move_presence(person: Person, site: Site, direction: str, event: GateEvent,
                   at: datetime) -> None:
    """The transition of a person's presence at a site: IN and SEEN put them
    inside, OUT outside; 'since' moves only when the state changes."""
    presence = db.session.get(GatePresence, (person.id, site.id))
    inside = direction != Direction.OUT
    if presence is None:
        presence = GatePresence(person_id=person.id, site_id=site.id, inside=inside, since=at,
                                last_event_id=event.id)
        db.session.add(presence)
    else:
        if presence.inside != inside:
            presence.since = at
        presence.inside = inside
        presence.last_event_id = event.id
    if inside:
        # Inside one site means outside every other.
        db.session.execute(sa.update(GatePresence).where(
            GatePresence.person_id == person.id, GatePresence.site_id != site.id,
            GatePresence.inside.is_(True)).values(inside=False, since=at,
                                                  last_event_id=event.id))
    db.session.flush()


CHECK_OUT_STATION = "check-out"


def end_presence_at_check_out(stays: list[Stay]) -> None:
    """Persons who left with the check-out (transferred: the bus has left) are no
    longer inside the site, whether or not they passed the gate: the evacuation list
    must not send the fire brigade after a family on its way to Böblingen. Recorded
    as an OUT event of the desk, so the history says why. One query for all the
    stays of a check-out (a bus of 200 persons)."""
    by_place = {(stay.person_id, stay.bed.unit.site_id): stay for stay in stays}
    if not by_place:
        return
    inside = db.session.scalars(sa.select(GatePresence).where(
        GatePresence.person_id.in_(sorted({person_id for person_id, _site in by_place})),
        GatePresence.inside.is_(True))).all()
    for presence in inside:
        stay = by_place.get((presence.person_id, presence.site_id))
        if stay is None:
            continue  # inside another site: that gate's business
        at = stay.ended_at or clock_now()
        event = GateEvent(site_id=presence.site_id, station=CHECK_OUT_STATION,
                          direction=Direction.OUT.value, at=at, person_id=stay.person_id,
                          accepted=True, reason="checked_out_desk", flagged=False,
                          user_id=acting_user_id())
        db.session.add(event)
        # No flush here: the event gets its id when housing flushes after all StayEnded
        # handlers; the relationship writes it first.
        presence.inside, presence.since, presence.last_event = False, at, event


def gate_sightings() -> sa.Select:
    """Accepted gate events as sightings for 'last seen' and the absence list."""
    return sa.select(GateEvent.person_id.label("person_id"), GateEvent.at.label("at")).where(
        GateEvent.person_id.is_not(None), GateEvent.accepted.is_(True))


# --- presence -----------------------------------------------------------------------------

@dataclass
class Presence:
    person: Person | PersonRow
    site_id: int
    inside: bool
    since: datetime | None
    source: str  # gate | stay
    unit: str | None = None
    last_seen: datetime | None = None


@dataclass(frozen=True)
class PersonRow:
    """The few columns of a person that lists of those inside need (no ORM entity:
    a hall of 1,500 is read in one query)."""
    id: int
    public_id: str
    family_name: str
    given_names: str
    birth_year: int
    date_of_birth: date | None
    household_id: int

    @property
    def display_name(self) -> str:
        return f"{self.family_name}, {self.given_names}"

    def age_on(self, day: date) -> int:
        if self.date_of_birth is None:
            return day.year - self.birth_year
        born = self.date_of_birth
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


PERSON_COLUMNS = (Person.id, Person.public_id, Person.family_name, Person.given_names,
                  Person.birth_year, Person.date_of_birth, Person.household_id)


def present_at(site_id: int) -> list[Presence]:
    """Everyone inside a site now: by the gate where the site has gate control,
    otherwise everyone checked in there (with 'last seen')."""
    if gate_controlled(site_id):
        # One query: those inside, with the unit of their open stay at this site (none
        # for someone inside whose stay ended or who lives elsewhere).
        open_stay = (sa.select(Stay.person_id, Unit.name.label("unit"))
                     .join(Bed, Bed.id == Stay.bed_id).join(Unit, Unit.id == Bed.unit_id)
                     .where(Unit.site_id == site_id,
                            Stay.state.in_(OPEN_STATES))
                     .subquery())
        rows = db.session.execute(
            sa.select(*PERSON_COLUMNS, GatePresence.since, open_stay.c.unit)
            .join(GatePresence, GatePresence.person_id == Person.id)
            .outerjoin(open_stay, open_stay.c.person_id == Person.id)
            .where(GatePresence.site_id == site_id, GatePresence.inside.is_(True))).all()
        return [Presence(PersonRow(*row[:7]), site_id, True, row[7], "gate", unit=row[8])
                for row in rows]
    residents = (sa.select(Stay.person_id).join(Bed, Bed.id == Stay.bed_id)
                 .join(Unit, Unit.id == Bed.unit_id)
                 .where(Unit.site_id == site_id, Stay.state == StayState.CHECKED_IN.value))
    seen = last_seen_subquery(residents)
    rows = db.session.execute(
        sa.select(*PERSON_COLUMNS, Stay.checked_in_at, Unit.name, seen.c.last_seen)
        .join(Stay, Stay.person_id == Person.id).join(Bed, Bed.id == Stay.bed_id)
        .join(Unit, Unit.id == Bed.unit_id)
        .outerjoin(seen, seen.c.person_id == Person.id)
        .where(Unit.site_id == site_id, Stay.state == StayState.CHECKED_IN.value)).all()
    return [Presence(PersonRow(*row[:7]), site_id, True, row[7], "stay", unit=row[8],
                     last_seen=row[9]) for row in rows]


def presence_of(person: Person) -> list[Presence]:
    """Where one person is: gate presence rows, or their checked-in stay at a site
    without gate control."""
    result = []
    for row in db.session.scalars(sa.select(GatePresence).where(
            GatePresence.person_id == person.id)):
        if gate_controlled(row.site_id):
            result.append(Presence(person, row.site_id, row.inside, row.since, "gate"))
    place = _open_stay_place(person.id)
    if place and place[0].state == StayState.CHECKED_IN.value and not gate_controlled(
            place[2].id):
        seen = last_seen_subquery(sa.select(sa.literal(person.id)))
        last_seen = db.session.scalar(sa.select(seen.c.last_seen))
        result.append(Presence(person, place[2].id, True, place[0].checked_in_at, "stay",
                               unit=place[1].name, last_seen=last_seen))
    return result


def present_counts() -> dict[int, int]:
    """{site_id: persons inside by the gate} for the sites with gate control."""
    rows = db.session.execute(
        sa.select(GatePresence.site_id, sa.func.count()).join(
            GateSite, GateSite.site_id == GatePresence.site_id)
        .where(GatePresence.inside.is_(True), GateSite.gate_control.is_(True))
        .group_by(GatePresence.site_id))
    return {site_id: count for site_id, count in rows}


# --- visitors and staff ---------------------------------------------------------------------

def sign_in_visit(site: Site, *, kind: str, name: str, organisation: str = "",
                  now: datetime | None = None) -> Visit:
    errors: dict[str, list[str]] = {}
    if kind not in set(VisitKind):
        errors["kind"] = [_("Not a valid choice.")]
    name = _text(name, 120)
    if not name:
        errors["name"] = [_("Required.")]
    if errors:
        raise ValidationFailed(errors)
    visit = Visit(site_id=site.id, kind=kind, name=name, organisation=_text(organisation, 120),
                  signed_in_at=now or clock_now(), signed_in_by_id=acting_user_id())
    db.session.add(visit)
    db.session.flush()
    record(AuditAction.CREATE, entity_type="gate_visit", entity_id=visit.id,
           fields=["kind", "name", "organisation"])
    return visit


def sign_out_visit(visit: Visit, *, now: datetime | None = None) -> None:
    if visit.signed_out_at is not None:
        raise ValidationFailed(visit=_("Already signed out."))
    visit.signed_out_at = max(now or clock_now(), visit.signed_in_at)
    visit.signed_out_by_id = acting_user_id()
    db.session.flush()
    record(AuditAction.UPDATE, entity_type="gate_visit", entity_id=visit.id,
           fields=["signed_out_at"])


def visits_on_site(site_id: int) -> list[Visit]:
    return list(db.session.scalars(sa.select(Visit).where(
        Visit.site_id == site_id, Visit.signed_out_at.is_(None)).order_by(
            Visit.kind, Visit.name)))


# --- the evacuation list ---------------------------------------------------------------------

@dataclass
class Evacuee:
    person_id: int
    public_id: str
    name: str
    birth_year: int
    age: int
    household_id: int
    unit: str | None
    since: datetime | None
    assistance: list[str]  # titles of the flags that need help on the way out
    child_alone: bool = False
    last_seen: datetime | None = None


@dataclass
class EvacuationList:
    site: Site
    generated_at: datetime
    gate_control: bool
    groups: list[tuple[str | None, list[Evacuee]]]
    visits: list[Visit]
    counts: dict[str, int]

    @property
    def persons(self) -> list[Evacuee]:
        return [row for _, rows in self.groups for row in rows]


def assistance_titles(locale: str) -> dict[str, str]:
    return {e.code: e.title(locale) for e in entries("vulnerability_flag")
            if e.attributes.get("evacuation_assistance")}


def evacuation_list(site: Site, *, locale: str = "de", now: datetime | None = None
                    ) -> EvacuationList:
    """Everyone inside now, grouped by unit; those who need help first in each
    group; children without an adult of their household inside marked."""
    now = now or clock_now()
    present = present_at(site.id)
    ids = [p.person.id for p in present]
    titles = assistance_titles(locale)
    flags: dict[int, list[str]] = {}
    if ids and titles:
        for person_id, code in db.session.execute(sa.select(
                PersonFlag.person_id, PersonFlag.code).where(
                PersonFlag.person_id.in_(ids), PersonFlag.code.in_(titles))):
            flags.setdefault(person_id, []).append(titles[code])
    today = today_local()
    rows = [Evacuee(p.person.id, p.person.public_id, p.person.display_name, p.person.birth_year,
                    p.person.age_on(today), p.person.household_id, p.unit, p.since,
                    sorted(flags.get(p.person.id, [])), last_seen=p.last_seen)
            for p in present]
    adults = {row.household_id for row in rows if row.age >= ADULT_AGE}
    for row in rows:
        row.child_alone = row.age < ADULT_AGE and row.household_id not in adults
    by_unit: dict[str | None, list[Evacuee]] = {}
    for row in rows:
        by_unit.setdefault(row.unit, []).append(row)
    groups = []
    for unit in sorted(by_unit, key=lambda u: (u is None, (u or "").lower())):
        members = sorted(by_unit[unit], key=lambda r: (not r.assistance, not r.child_alone,
                                                       r.name.lower()))
        groups.append((unit, members))
    visits = visits_on_site(site.id)
    counts = {
        "residents": len(rows),
        "staff": sum(1 for v in visits if v.kind == VisitKind.STAFF.value),
        "visitors": sum(1 for v in visits if v.kind == VisitKind.VISITOR.value),
        "assistance": sum(1 for r in rows if r.assistance),
        "children_alone": sum(1 for r in rows if r.child_alone),
    }
    counts["total"] = counts["residents"] + counts["staff"] + counts["visitors"]
    return EvacuationList(site, now, gate_controlled(site.id), groups, visits, counts)


def audit_list_read(kind: str, site: Site, public_ids: list[str]) -> None:
    """A list of named persons was read (evacuation list, kiosk copy, roll call): one
    audit event naming each of them."""
    record_read(public_ids, entity_type=kind, entity_id=site.id,
                detail=f"{len(public_ids)} persons")


# --- the roll call ---------------------------------------------------------------------------

def open_roll_call(site_id: int) -> RollCall | None:
    return db.session.scalar(sa.select(RollCall).where(
        RollCall.site_id == site_id, RollCall.state == RollCallState.OPEN.value))


def start_roll_call(site: Site, *, now: datetime | None = None) -> RollCall:
    """Who is to be accounted for is fixed when the roll call starts: everyone
    on the evacuation list then, residents and visits."""
    if open_roll_call(site.id) is not None:
        raise Conflict(_("A roll call is already running for this site."),
                       code="roll_call_open")
    listing = evacuation_list(site, now=now)
    roll_call = RollCall(site_id=site.id, started_at=listing.generated_at,
                         started_by_id=acting_user_id(),
                         expected_count=len(listing.persons) + len(listing.visits))
    db.session.add(roll_call)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise Conflict(_("A roll call is already running for this site."),
                       code="roll_call_open") from None
    db.session.add_all([RollCallExpected(roll_call_id=roll_call.id, person_id=row.person_id,
                                         unit_name=(row.unit or "")[:80])
                        for row in listing.persons])
    db.session.add_all([RollCallExpected(roll_call_id=roll_call.id, visit_id=visit.id)
                        for visit in listing.visits])
    db.session.flush()
    record(AuditAction.CREATE, entity_type="roll_call", entity_id=roll_call.id,
           detail=f"site {site.id}: {roll_call.expected_count} expected")
    return roll_call


@dataclass
class TickResult:
    status: str  # ticked | already | not_expected
    person_id: int | None = None
    visit_id: int | None = None
    name: str | None = None


def _require_open(roll_call: RollCall) -> None:
    if roll_call.state != RollCallState.OPEN.value:
        raise ValidationFailed(roll_call=_("This roll call has ended."))


def tick_code(roll_call: RollCall, code, *, now: datetime | None = None) -> TickResult:
    """Tick the person a scanned or typed card names."""
    _require_open(roll_call)
    card, status = resolve(code if isinstance(code, str) else "")
    if card is None or status not in ("ok", "card_expired"):
        raise ValidationFailed(code=_("This card is not valid (%(reason)s).", reason=status))
    return tick(roll_call, person_id=card.person_id, method="scan", now=now)


def tick(roll_call: RollCall, *, person_id: int | None = None, visit_id: int | None = None,
         method: str = "tap", now: datetime | None = None) -> TickResult:
    """Account for one person or visit. The database holds 'once per roll call':
    a second tablet ticking the same person at the same moment gets 'already'."""
    _require_open(roll_call)
    if (person_id is None) == (visit_id is None):
        raise ValidationFailed(subject=_("Name one person or one visit."))
    subject = (RollCallExpected.person_id == person_id if person_id is not None
               else RollCallExpected.visit_id == visit_id)
    expected = db.session.scalar(sa.select(RollCallExpected.id).where(
        RollCallExpected.roll_call_id == roll_call.id, subject)) is not None
    if not expected:
        if person_id is not None and db.session.get(Person, person_id) is None:
            raise ValidationFailed(person=_("Unknown person."))
        if visit_id is not None:
            visit = db.session.get(Visit, visit_id)
            if visit is None or visit.site_id != roll_call.site_id:
                raise ValidationFailed(visit=_("Unknown visit."))
    row = RollCallTick(roll_call_id=roll_call.id, person_id=person_id, visit_id=visit_id,
                       method="scan" if method == "scan" else "tap", expected=expected,
                       ticked_at=now or clock_now(), ticked_by_id=acting_user_id())
    try:
        with db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
    except IntegrityError:
        return TickResult("already", person_id, visit_id)
    record(AuditAction.UPDATE, entity_type="roll_call", entity_id=roll_call.id,
           detail=f"ticked {'person ' + str(person_id) if person_id else 'visit ' + str(visit_id)}"
           f" ({row.method})")
    return TickResult("ticked" if expected else "not_expected", person_id, visit_id)


@dataclass
class RollCallStatus:
    roll_call: RollCall
    missing: list[dict]
    accounted: int
    not_expected: int


@dataclass
class RollCallCounts:
    """What a tick answers: the counts, not the list (a hall of 1,500 would send and
    audit every missing name with each tick; the tablets poll the list)."""
    roll_call: RollCall
    accounted: int
    not_expected: int

    @property
    def missing(self) -> int:
        # Ticks are unique per subject and roll call, so the expected ones ticked are
        # exactly those accounted for.
        return max(0, self.roll_call.expected_count - self.accounted)


def public_id_and_name(person_id: int) -> tuple[str, str]:
    """Whom a tick accounted for, without loading the person."""
    row = db.session.execute(sa.select(Person.public_id, Person.family_name, Person.given_names)
                             .where(Person.id == person_id)).one()
    return row.public_id, f"{row.family_name}, {row.given_names}"


def roll_call_counts(roll_call: RollCall) -> RollCallCounts:
    counts = dict(db.session.execute(
        sa.select(RollCallTick.expected, sa.func.count()).where(
            RollCallTick.roll_call_id == roll_call.id).group_by(RollCallTick.expected)).all())
    return RollCallCounts(roll_call, counts.get(True, 0), counts.get(False, 0))


def roll_call_status(roll_call: RollCall, *, show_identity: bool = True) -> RollCallStatus:
    ticked = sa.select(RollCallTick.id).where(
        RollCallTick.roll_call_id == roll_call.id,
        sa.or_(sa.and_(RollCallTick.person_id.is_not(None),
                       RollCallTick.person_id == RollCallExpected.person_id),
               sa.and_(RollCallTick.visit_id.is_not(None),
                       RollCallTick.visit_id == RollCallExpected.visit_id)))
    # Columns, not entities: a hall of 1,500 is one query without loading persons.
    rows = db.session.execute(
        sa.select(RollCallExpected.person_id, RollCallExpected.visit_id,
                  RollCallExpected.unit_name, Person.public_id, Person.family_name,
                  Person.given_names, Visit.name, Visit.organisation, Visit.kind)
        .outerjoin(Person, Person.id == RollCallExpected.person_id)
        .outerjoin(Visit, Visit.id == RollCallExpected.visit_id)
        .where(RollCallExpected.roll_call_id == roll_call.id, ~ticked.exists())).all()
    missing = []
    for (person_id, visit_id, unit_name, public_id, family_name, given_names, visit_name,
         organisation, kind) in rows:
        if person_id is not None:
            missing.append({"person_id": person_id, "visit_id": None, "public_id": public_id,
                            "name": f"{family_name}, {given_names}" if show_identity else None,
                            "unit": unit_name or None, "kind": "resident"})
        else:
            missing.append({"person_id": None, "visit_id": visit_id, "public_id": None,
                            "name": visit_name if show_identity else None,
                            "unit": organisation or None, "kind": kind})
    missing.sort(key=lambda m: ((m["unit"] or "").lower(), (m["name"] or "").lower()))
    counts = roll_call_counts(roll_call)
    return RollCallStatus(roll_call, missing, counts.accounted, counts.not_expected)


def end_roll_call(roll_call: RollCall, *, now: datetime | None = None) -> RollCallStatus:
    _require_open(roll_call)
    status = roll_call_status(roll_call)
    roll_call.state = RollCallState.ENDED.value
    roll_call.ended_at = max(now or clock_now(), roll_call.started_at)
    roll_call.ended_by_id = acting_user_id()
    roll_call.accounted_count = status.accounted + status.not_expected
    roll_call.missing_count = len(status.missing)
    db.session.flush()
    record(AuditAction.UPDATE, entity_type="roll_call", entity_id=roll_call.id,
           fields=["state", "ended_at", "accounted_count", "missing_count"],
           detail=f"ended: {roll_call.expected_count} expected, {roll_call.accounted_count} "
                  f"accounted, {roll_call.missing_count} missing")
    return status


def roll_calls(site_id: int, limit: int = 20) -> list[RollCall]:
    return list(db.session.scalars(sa.select(RollCall).where(RollCall.site_id == site_id)
                                   .order_by(RollCall.started_at.desc()).limit(limit)))
