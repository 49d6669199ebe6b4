"""Anonymisation that keeps every past figure exact.

Names, the Cyrillic spellings and the patronymic, documents, the photo, phone,
notes and every free text go; card tokens and numbers and the match keys go; the public
ids are replaced (the audit log names persons by public id, so its rows no
longer lead to anyone). What the figures count stays: arrival time and point,
sex, nationality, the year of birth, vulnerability flags, stays (times, beds,
end reasons), items (authority, topic, states and times), deliveries, scans.

The date of birth becomes the year. The dashboard and the situation report
count ages from the date of birth, so a stand-in date inside the year of birth
is kept in its column (marked by ``anonymised_at``): 1 January or 31 December,
unless both would put the person into another age band on a day they were
counted (a child present in the year of its 6th birthday both before and after
the day's month-day …) — then the first of the month of birth, and only for
someone present across their 6th, 18th or 65th birthday itself the date. Every
past figure is the same before and after (tests/privacy/test_figures_kept.py).

Everything here is set-based SQL over a batch of ids; it flushes, never commits.
"""

from __future__ import annotations

import secrets
import uuid
from collections import defaultdict
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from arrival.appointments.models import Appointment, AppointmentPerson, AppointmentTransition
from arrival.cards.models import Card, CardStatus
from arrival.cases import operations as cases
from arrival.cases.models import ACTIVE_STATES, ClarificationItem, ItemState, ItemTransition
from arrival.core.timezone import local_date
from arrival.extensions import db
from arrival.housing.models import Stay, StayEvent
from arrival.registry.models import (
    Document,
    DuplicateDecision,
    Household,
    MatchKey,
    Person,
)
from arrival.registry.photos import delete_photos_of
from arrival.statistics.queries import AGE_BANDS, MAX_AGE

ERASED = "—"  # what stands where a name was
# The birthdays at which a person changes age band (or stops/starts being an
# impossible age) on the dashboard and in the report.
BAND_BIRTHDAYS = tuple(low for _name, low, _high in AGE_BANDS if low > 0)
IMPOSSIBLE_BIRTHDAYS = (0, MAX_AGE + 1)
FOREVER = date.max


def _md(day: date) -> int:
    return day.month * 100 + day.day


def _first_on_or_after(year: int, md: int) -> date:
    """The first day of the year whose month-day is md or later (29 Feb → 1 Mar)."""
    if md > 1231:
        return date(year + 1, 1, 1)
    try:
        return date(year, md // 100, md % 100)
    except ValueError:
        return date(year, md // 100 + 1, 1)


def _changes_age_on(windows: list[tuple[date, date]], year: int, a: int, b: int) -> bool:
    """Whether any window holds a day of the year on which a birthday on month-day a
    and one on b give different ages (the days from the earlier to the later)."""
    low, high = sorted((a, b))
    if low == high:
        return False
    first, after = _first_on_or_after(year, low), _first_on_or_after(year, high)
    return any(start < after and first <= end for start, end in windows)


def stand_in_birth_date(born: date, presence: list[tuple[date, date]], arrived: date,
                        today: date) -> date:
    """The date kept in place of a date of birth (see the module text). Past days
    only: presence windows, and for impossible ages the days from arrival to today."""
    candidates = [101, 1231, born.month * 100 + 1, _md(born)]
    for candidate in candidates:
        clashes = any(_changes_age_on(presence, born.year + age, candidate, _md(born))
                      for age in BAND_BIRTHDAYS)
        clashes = clashes or any(
            _changes_age_on([(arrived, today)], born.year + age, candidate, _md(born))
            for age in IMPOSSIBLE_BIRTHDAYS)
        if not clashes:
            return date(born.year, candidate // 100, candidate % 100) if candidate != _md(born) \
                else born
    return born


def _presence_windows(person_ids: list[int]) -> dict[int, list[tuple[date, date]]]:
    """Local days each person was checked in (inclusive), from their stays."""
    windows: dict[int, list[tuple[date, date]]] = defaultdict(list)
    rows = db.session.execute(sa.select(Stay.person_id, Stay.checked_in_at, Stay.ended_at)
                              .where(Stay.person_id.in_(person_ids),
                                     Stay.checked_in_at.is_not(None))).all()
    for person_id, checked_in, ended in rows:
        end = local_date(ended) if ended else FOREVER  # (anonymised: all have ended)
        windows[person_id].append((local_date(checked_in), end))
    return windows


def _new_ref() -> str:
    return "X-" + secrets.token_hex(8).upper()


def _dead_token() -> str:
    """A value in the token-hash column no token hashes to (a sha256 is hex only)."""
    return "-" + secrets.token_hex(32)[:63]


def anonymise_persons(person_ids: list[int], at: datetime) -> int:
    """Anonymise these persons (their household's own fields stay: see
    anonymise_households). Returns how many."""
    ids = list(person_ids)
    if not ids:
        return 0
    people = db.session.execute(
        sa.select(Person.id, Person.date_of_birth, Household.arrived_at)
        .join(Household, Household.id == Person.household_id)
        .where(Person.id.in_(ids), Person.anonymised_at.is_(None))).all()
    ids = [row.id for row in people]
    if not ids:
        return 0
    windows = _presence_windows(ids)
    person = Person.__table__
    db.session.execute(
        sa.update(person).where(person.c.id == sa.bindparam("pid")).values(
            public_id=sa.bindparam("new_public_id"), date_of_birth=sa.bindparam("born"),
            family_name=ERASED, given_names=ERASED, family_name_cyrillic=None,
            given_names_cyrillic=None, patronymic=None, notes=None, languages=[],
            anonymised_at=at, version=person.c.version + 1),
        [{"pid": row.id, "new_public_id": str(uuid.uuid4()),
          "born": None if row.date_of_birth is None else stand_in_birth_date(
              row.date_of_birth, windows.get(row.id, []), local_date(row.arrived_at),
              local_date(at))}
         for row in people],
        execution_options={"synchronize_session": False})
    _erase_related(ids)
    db.session.flush()
    db.session.expire_all()
    close_items(ClarificationItem.person_id.in_(ids))
    return len(ids)


def _erase_related(ids: list[int]) -> None:
    execute = db.session.execute
    execute(sa.delete(Document).where(Document.person_id.in_(ids)))
    execute(sa.delete(MatchKey).where(MatchKey.person_id.in_(ids)))
    delete_photos_of(ids)  # the optional photo (issue 17) goes with the names
    execute(sa.update(DuplicateDecision).where(DuplicateDecision.person_id.in_(ids))
            .values(reason=ERASED))
    stays = sa.select(Stay.id).where(Stay.person_id.in_(ids))
    execute(sa.update(Stay).where(Stay.person_id.in_(ids)).values(destination=None))
    execute(sa.update(StayEvent).where(StayEvent.stay_id.in_(stays)).values(note=None))
    items = sa.select(ClarificationItem.id).where(ClarificationItem.person_id.in_(ids))
    execute(sa.update(ClarificationItem).where(ClarificationItem.id.in_(items))
            .values(notes=None))
    execute(sa.update(ItemTransition).where(ItemTransition.item_id.in_(items)).values(note=None))
    appointments = sa.select(AppointmentPerson.appointment_id).where(
        AppointmentPerson.person_id.in_(ids))
    execute(sa.update(Appointment).where(Appointment.id.in_(appointments)).values(reason=None))
    execute(sa.update(AppointmentTransition).where(
        AppointmentTransition.appointment_id.in_(appointments)).values(note=None))
    card = Card.__table__
    card_ids = list(db.session.scalars(sa.select(Card.id).where(Card.person_id.in_(ids))))
    if card_ids:
        execute(sa.update(card).where(card.c.id == sa.bindparam("cid")).values(
            token_hash=sa.bindparam("dead"), number=sa.bindparam("gone"),
            status=sa.case((card.c.status == CardStatus.ACTIVE.value, CardStatus.EXPIRED.value),
                           else_=card.c.status)),
            [{"cid": cid, "dead": _dead_token(), "gone": "X-" + secrets.token_hex(6).upper()}
             for cid in card_ids], execution_options={"synchronize_session": False})


CLOSING_NOTE = "anonymised (retention or erasure)"


def close_items(condition) -> int:
    """Open items of anonymised records are moot: closed as not applicable, with a
    transition now — the figures of past days replay the state they had then."""
    items = db.session.scalars(sa.select(ClarificationItem).where(
        condition, ClarificationItem.state.in_(ACTIVE_STATES))).all()
    for item in items:
        cases.transition(item, ItemState.NOT_APPLICABLE, system=True, note=CLOSING_NOTE)
    db.session.flush()
    return len(items)


def anonymise_households(household_ids: list[int], at: datetime) -> int:
    """Anonymise whole households: every member, the household's phone, contact
    language, reference and public id, and its household-level items' notes."""
    ids = list(household_ids)
    if not ids:
        return 0
    anonymise_persons(list(db.session.scalars(
        sa.select(Person.id).where(Person.household_id.in_(ids)))), at)
    close_items(ClarificationItem.household_id.in_(ids))
    items = sa.select(ClarificationItem.id).where(ClarificationItem.household_id.in_(ids))
    db.session.execute(sa.update(ItemTransition).where(ItemTransition.item_id.in_(items))
                       .values(note=None))
    db.session.execute(sa.update(ClarificationItem).where(ClarificationItem.household_id.in_(ids))
                       .values(notes=None))
    household = Household.__table__
    db.session.execute(
        sa.update(household).where(household.c.id == sa.bindparam("hid")).values(
            ref=sa.bindparam("new_ref"), public_id=sa.bindparam("new_public_id"), phone=None,
            contact_language=None, anonymised_at=at, version=household.c.version + 1),
        [{"hid": hid, "new_ref": _new_ref(), "new_public_id": str(uuid.uuid4())} for hid in ids],
        execution_options={"synchronize_session": False})
    db.session.flush()
    db.session.expire_all()
    return len(ids)


def departed_before(cutoff: datetime):
    """Households not anonymised nor restricted whose members have no open stay, and
    whose last stay ended (or, never housed, who arrived) before the cutoff."""
    open_stay = sa.exists().where(Stay.household_id == Household.id,
                                  Stay.state.in_(("planned", "checked_in")))
    last_end = sa.select(sa.func.max(Stay.ended_at)).where(
        Stay.household_id == Household.id).scalar_subquery()
    return sa.select(Household.id).where(
        Household.anonymised_at.is_(None), Household.restricted_at.is_(None), ~open_stay,
        sa.func.coalesce(last_end, Household.arrived_at) < cutoff)


def cutoff_of(days: int, at: datetime) -> datetime:
    return at - timedelta(days=days)
