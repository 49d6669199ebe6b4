"""Changes dated into closed days make the day book's rows from that day on stale.

Every change to a row the figures count passes through the ORM's unit of work, so
the day book watches flushes rather than asking each domain to report its
corrections: a forgotten correction path would silently leave wrong figures. For
each changed row the effective moment is the earliest of its old and new times
(a check-out entered late: its end; an arrival time corrected: the earlier of the
two). Attributes without a time of their own count from the time they belong to
(a stay's end reason from its end, an item's authority from its creation); a
person's sex, birth or flags from the first day the person was counted.

Bulk UPDATE/DELETE statements bypass this: domains change these tables through the
ORM (tests/statistics/test_day_book.py checks the corrections named in issue 21).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from arrival.cases.models import ClarificationItem, ItemTransition
from arrival.database import now_utc
from arrival.housing.models import Bed, BedBlock, Site, Stay, Unit
from arrival.registry.models import DuplicateDecision, Household, Person, PersonFlag
from arrival.statistics import queries as q
from arrival.statistics.models import FigureClock, FigureDay


@dataclass(frozen=True)
class Watched:
    times: tuple[str, ...]
    # attribute → the time attribute it counts from
    anchored: dict[str, str] = field(default_factory=dict)


WATCHED = {
    Stay: Watched(("planned_at", "checked_in_at", "ended_at"),
                  {"end_reason": "ended_at", "bed_id": "planned_at", "person_id": "planned_at",
                   "household_id": "planned_at"}),
    Household: Watched(("arrived_at",), {"arrival_point": "arrived_at"}),
    ClarificationItem: Watched(("created_at",), {
        "authority_id": "created_at", "topic": "created_at", "due_on": "created_at",
        "household_id": "created_at"}),
    ItemTransition: Watched(("at",), {"to_state": "at", "item_id": "at"}),
    Bed: Watched(("created_at", "removed_at"), {"unit_id": "created_at"}),
    BedBlock: Watched(("blocked_at", "unblocked_at"), {"bed_id": "blocked_at"}),
    Site: Watched(("opened_at", "closed_at"), {"kind": "opened_at"}),
    DuplicateDecision: Watched(("decided_at", "resolved_at")),
}
# A change that moves rows of every day (a unit moved to another site).
EVERY_DAY = date(1900, 1, 1)
# Counted through the person's presence: a change counts from the first day the
# person was in the figures (the household's arrival or the first stay).
PERSON_FIGURES = ("sex", "nationality", "date_of_birth", "birth_year", "household_id")


def _times_of(obj, names) -> list[datetime]:
    return [value for value in (getattr(obj, name) for name in names)
            if isinstance(value, datetime)]


def _effective(obj, watched: Watched, *, whole: bool) -> list[datetime]:
    """The moments a row's change takes effect: an inserted or deleted row from its
    times; a changed time at its old and new value; a changed attribute at the
    values of the time it belongs to."""
    if whole:
        return _times_of(obj, watched.times)
    state = inspect(obj)
    moments: list = []
    for name in (*watched.times, *watched.anchored):
        history = state.attrs[name].history
        if not history.has_changes():
            continue
        if name in watched.times:
            moments += [*history.added, *history.deleted]
        else:
            anchor = state.attrs[watched.anchored[name]].history
            moments += [*anchor.added, *anchor.deleted, *anchor.unchanged]
    return [moment for moment in moments if isinstance(moment, datetime)]


def _person_ids(session: Session) -> tuple[set[int], set[int]]:
    """Persons whose counted attributes or flags change, and households they join."""
    persons, households = set(), set()
    for obj in (*session.new, *session.deleted):
        if isinstance(obj, PersonFlag) and obj.person_id is not None:
            persons.add(obj.person_id)
        if isinstance(obj, Person) and obj.household_id is not None:
            households.add(obj.household_id)
    for obj in session.dirty:
        if isinstance(obj, Person):
            state = inspect(obj)
            if any(state.attrs[name].history.has_changes() for name in PERSON_FIGURES):
                persons.add(obj.id)
                households.update(v for v in state.attrs["household_id"].history.deleted
                                  if v is not None)
    return persons, households


def _first_counted(session: Session, persons: set[int], households: set[int]) -> list[datetime]:
    """When these persons (and households) first counted: arrival or first stay. A
    household the session holds already (a registration adding its members) is read
    from memory, not queried: registration is the counter's hot path."""
    found = []
    if persons:
        found.append(session.scalar(sa.select(sa.func.min(Household.arrived_at)).join(
            Person, Person.household_id == Household.id).where(Person.id.in_(persons))))
        found.append(session.scalar(sa.select(sa.func.min(Stay.planned_at)).where(
            Stay.person_id.in_(persons))))
    unknown = set()
    for household_id in households:
        held = session.identity_map.get(identity_key(Household, household_id))
        if held is not None:
            found.append(held.arrived_at)
        else:
            unknown.add(household_id)
    if unknown:
        found.append(session.scalar(sa.select(sa.func.min(Household.arrived_at)).where(
            Household.id.in_(unknown))))
    return [moment for moment in found if isinstance(moment, datetime)]


def _before_flush(session: Session, _context, _instances) -> None:
    moments: list[datetime] = []
    for whole, objects in ((True, session.new), (True, session.deleted),
                           (False, session.dirty)):
        for obj in objects:
            watched = WATCHED.get(type(obj))
            if watched is not None:
                moments += _effective(obj, watched, whole=whole)
    persons, households = _person_ids(session)
    new_households = {obj.id for obj in session.new if isinstance(obj, Household)}
    households -= new_households
    if persons or households:
        with session.no_autoflush:
            moments += _first_counted(session, persons, households)
    days = [q.local_date(moment) for moment in moments]
    if any(isinstance(obj, Unit) and inspect(obj).attrs["site_id"].history.has_changes()
           for obj in session.dirty):
        days.append(EVERY_DAY)  # a unit moved to another site moves all its stays
    earliest = min(days, default=None)
    if earliest is not None and earliest < q.local_date(now_utc()):
        session.info.setdefault("figure_corrections", []).append(earliest)


def _after_flush(session: Session, _context) -> None:
    days = session.info.pop("figure_corrections", None)
    if not days:
        return
    mark_stale_from(session, min(days))


def mark_stale_from(session: Session, day: date) -> None:
    """The clock first (it serialises with a night job counting a day), then the rows."""
    connection = session.connection()
    connection.execute(sa.update(FigureClock.__table__).where(FigureClock.__table__.c.id == 1)
                       .values(corrections=FigureClock.__table__.c.corrections + 1))
    table = FigureDay.__table__
    connection.execute(sa.update(table).where(table.c.day >= day, table.c.stale.is_(False))
                       .values(stale=True))


def watch(session_class) -> None:
    if not event.contains(session_class, "before_flush", _before_flush):
        event.listen(session_class, "before_flush", _before_flush)
        event.listen(session_class, "after_flush", _after_flush)
