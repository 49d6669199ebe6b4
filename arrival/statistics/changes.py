"""What changed between the end of a closed day (t0) and a moment of the next day (t).

The day book (arrival.statistics.daybook) keeps the stocks of each closed day; a
stock now is that day's stock plus the changes counted here. Each function reads
only the events of (t0, t] — a day's check-ins, check-outs, item transitions — so
its cost does not grow with the registry. Ages are the one stock that moves without
an event: a birthday can move a person present all along into another age band, so
those persons are found by their dates of birth (an index lookup, not a scan).
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from typing import NamedTuple

import sqlalchemy as sa

from arrival.cases.models import ClarificationItem, ItemTransition
from arrival.extensions import db
from arrival.housing.models import Bed, BedBlock, Site, Stay, Unit
from arrival.registry.models import DuplicateDecision, Household, Person, PersonFlag
from arrival.statistics import queries as q


def _within(column, t0: datetime, t: datetime):
    return sa.and_(column > t0, column <= t)


# --- stays: present and planned, per site ---------------------------------------------------


def stay_changes_by_site(t0: datetime, t: datetime) -> dict[int, tuple[int, int]]:
    """Per site: (change of occupied beds, change of planned stays) over (t0, t].
    A stay occupies from its check-in to its end, and is planned from its planning
    to its check-in (or its end, when it never began)."""
    def per_site(*conditions) -> Counter:
        return Counter(dict(db.session.execute(
            sa.select(Unit.site_id, sa.func.count(Stay.id))
            .join(Bed, Bed.id == Stay.bed_id).join(Unit, Unit.id == Bed.unit_id)
            .where(*conditions).group_by(Unit.site_id)).all()))

    checked_in = per_site(_within(Stay.checked_in_at, t0, t))
    ended_in_bed = per_site(_within(Stay.ended_at, t0, t), Stay.checked_in_at.is_not(None))
    newly_planned = per_site(_within(Stay.planned_at, t0, t))
    ended_unbegun = per_site(_within(Stay.ended_at, t0, t), Stay.checked_in_at.is_(None))
    sites = set(checked_in) | set(ended_in_bed) | set(newly_planned) | set(ended_unbegun)
    return {site: (checked_in[site] - ended_in_bed[site],
                   newly_planned[site] - checked_in[site] - ended_unbegun[site])
            for site in sites}


def sites_with_bed_changes(t0: datetime, t: datetime) -> set[int]:
    """Sites whose capacity may differ between t0 and t: beds added or removed,
    blocked or unblocked, or the site opened or closed (one index range each)."""
    def sites_of_beds(condition):
        return sa.select(Unit.site_id).join(Bed, Bed.unit_id == Unit.id).where(condition)

    def sites_of_blocks(condition):
        return (sa.select(Unit.site_id).join(Bed, Bed.unit_id == Unit.id)
                .join(BedBlock, BedBlock.bed_id == Bed.id).where(condition))

    return set(db.session.scalars(sa.union(
        sites_of_beds(_within(Bed.created_at, t0, t)),
        sites_of_beds(_within(Bed.removed_at, t0, t)),
        sites_of_blocks(_within(BedBlock.blocked_at, t0, t)),
        sites_of_blocks(_within(BedBlock.unblocked_at, t0, t)),
        sa.select(Site.id).where(_within(Site.opened_at, t0, t)),
        sa.select(Site.id).where(_within(Site.closed_at, t0, t)))))


class SiteChanges(NamedTuple):
    """What moved the sites' counts over a period: per site (occupied, planned)
    changes, and the sites whose capacity may differ."""

    stays: dict[int, tuple[int, int]]
    bed_changes: set[int]

    def then(self, later: SiteChanges) -> SiteChanges:
        """These changes followed by those of the adjacent later period."""
        stays = dict(self.stays)
        for site, (occupied, planned) in later.stays.items():
            before_occupied, before_planned = stays.get(site, (0, 0))
            stays[site] = (before_occupied + occupied, before_planned + planned)
        return SiteChanges(stays, self.bed_changes | later.bed_changes)


def site_changes(t0: datetime, t: datetime) -> SiteChanges:
    return SiteChanges(stay_changes_by_site(t0, t), sites_with_bed_changes(t0, t))


# --- who came and who left: demographics and flags ------------------------------------------


def _entered(t0: datetime, t: datetime):
    """Stays that began in (t0, t] and still run at t."""
    return sa.and_(_within(Stay.checked_in_at, t0, t),
                   sa.or_(Stay.ended_at.is_(None), Stay.ended_at > t))


def _left(t0: datetime, t: datetime):
    """Stays that ran at t0 and ended in (t0, t]."""
    return sa.and_(Stay.checked_in_at.is_not(None), Stay.checked_in_at <= t0,
                   _within(Stay.ended_at, t0, t))


def _stayed(t0: datetime, t: datetime):
    return sa.and_(Stay.checked_in_at.is_not(None), Stay.checked_in_at <= t0,
                   sa.or_(Stay.ended_at.is_(None), Stay.ended_at > t))


def age_band(age: int) -> str:
    for name, low, high in q.AGE_BANDS:
        if low <= age <= high:
            return name
    return q.UNKNOWN_AGE


# The first age of every band, and the first age beyond the possible: a birthday that
# reaches one of these moves the person into another band.
BAND_STARTS = tuple(sorted({low for _name, low, _high in q.AGE_BANDS} | {q.MAX_AGE + 1}))


def birthday_candidates(day: date):
    """A condition on Person: those whose age band on `day` may differ from the day
    before — born on this month and day (or on 29 February, on 1 March of a common
    year) exactly a band's first age ago; on 1 January also those known only by the
    year of birth, whose age counts from the turn of the year."""
    month_days = [(day.month, day.day)]
    if (day.month, day.day) == (3, 1) and (day - timedelta(days=1)).day == 28:
        month_days.append((2, 29))
    dates = []
    for age in BAND_STARTS:
        for month, month_day in month_days:
            try:
                dates.append(date(day.year - age, month, month_day))
            except ValueError:  # 29 February of a common year
                continue
    condition = Person.date_of_birth.in_(dates)
    if (day.month, day.day) == (1, 1):
        years = [day.year - age for age in BAND_STARTS]
        condition = sa.or_(condition, sa.and_(Person.date_of_birth.is_(None),
                                              Person.birth_year.in_(years)))
    return condition


def _demographic_rows(stays, on: date):
    return db.session.execute(
        sa.select(q._age_expression(on), Person.sex, Person.nationality)
        .join(Stay, Stay.person_id == Person.id).where(stays)).all()


def demographics_change(t0: datetime, t: datetime) -> dict:
    """The change of age bands, sex and nationality of those present, t0 → t. Ages at
    t0 are on t0's day, ages at t on t's day."""
    before, now = q.local_date(t0), q.local_date(t)
    change: Counter = Counter()
    for sign, rows, on in ((1, _demographic_rows(_entered(t0, t), now), now),
                           (-1, _demographic_rows(_left(t0, t), before), before)):
        for age, sex, nationality in rows:
            change["age:" + age_band(age)] += sign
            change["sex:" + sex] += sign
            change["ukrainian"] += sign if nationality == "UKR" else 0
            change["total"] += sign
    if before != now:
        for age_now, age_before in db.session.execute(
                sa.select(q._age_expression(now), q._age_expression(before))
                .join(Stay, Stay.person_id == Person.id)
                .where(birthday_candidates(now), _stayed(t0, t))).all():
            change["age:" + age_band(age_now)] += 1
            change["age:" + age_band(age_before)] -= 1
    return dict(change)


def apply_demographics(stock: dict, change: dict) -> dict:
    total = stock["total"] + change.get("total", 0)
    ukrainian = stock["nationality"]["ukrainian"] + change.get("ukrainian", 0)
    return {
        "total": total,
        "age_bands": {band: count + change.get("age:" + band, 0)
                      for band, count in stock["age_bands"].items()},
        "sex": {sex: count + change.get("sex:" + sex, 0) for sex, count in stock["sex"].items()},
        "nationality": {"ukrainian": ukrainian, "third_country": total - ukrainian},
    }


def flags_change(t0: datetime, t: datetime) -> Counter:
    def flags_of(stays) -> Counter:
        return Counter(dict(db.session.execute(
            sa.select(PersonFlag.code, sa.func.count(PersonFlag.person_id))
            .join(Stay, Stay.person_id == PersonFlag.person_id)
            .where(stays, PersonFlag.code.in_(q.VULNERABLE_FLAGS))
            .group_by(PersonFlag.code)).all()))
    change = flags_of(_entered(t0, t))
    change.subtract(flags_of(_left(t0, t)))
    return change


# --- clarification --------------------------------------------------------------------------


def item_states_at(moment: datetime, item_ids):
    """The given items with their state at the moment (column state_at; NULL before
    they existed), decided as arrival.statistics.queries.items_as_of decides it: an
    item changed after the moment by its last transition up to then, any other item
    created by then by its state now. Each item reads its own few transitions
    through their index (correlated, so no database joins a whole day of them)."""
    item, transition = ClarificationItem, ItemTransition
    last_until = (sa.select(transition.to_state)
                  .where(transition.item_id == item.id, transition.at <= moment)
                  .order_by(transition.at.desc(), transition.id.desc()).limit(1)
                  .correlate(item).scalar_subquery())
    changed_later = sa.exists().where(transition.item_id == item.id, transition.at > moment)
    state_at = sa.case((changed_later, last_until),
                       (item.created_at <= moment, item.state), else_=sa.null())
    return (sa.select(item.id, item.authority_id, item.topic, item.due_on, item.household_id,
                      state_at.label("state_at"))
            .where(item.id.in_(item_ids)).subquery())


def open_counts(moment: datetime, on: date, item_ids) -> Counter:
    """(authority_id, topic, "open" | "overdue") → count among the given items that
    are unfinished at the moment; overdue: due before the day `on`."""
    items = item_states_at(moment, item_ids)
    counts: Counter = Counter()
    for authority_id, topic, count, overdue in db.session.execute(
            sa.select(items.c.authority_id, items.c.topic, sa.func.count(),
                      sa.func.coalesce(sa.func.sum(sa.case((items.c.due_on < on, 1), else_=0)), 0))
            .where(items.c.state_at.in_(q.ACTIVE))
            .group_by(items.c.authority_id, items.c.topic)).all():
        counts[(authority_id, topic, "open")] += count
        counts[(authority_id, topic, "overdue")] += overdue
    return counts


def _activity(state):
    """1 for an unfinished state, 0 for a finished one or none (before creation)."""
    return sa.case((state.in_(q.ACTIVE), 1), else_=0)


def _net_activity(transition):
    """How a transition changes the number of unfinished items: +1 when it opens one,
    -1 when it finishes one. Every transition starts from the state the one before
    it left (the transition function writes them so), so these sum to the change."""
    return _activity(transition.to_state) - _activity(transition.from_state)


def open_items_change(t0: datetime, t: datetime) -> Counter:
    """(authority_id, topic, "open" | "overdue") → change, t0 → t, from the
    transitions of (t0, t]; overdue means due before t's day at both ends (the day
    book keeps t0's count on that basis)."""
    on = q.local_date(t)
    item, transition = ClarificationItem, ItemTransition
    net = _net_activity(transition)
    change: Counter = Counter()
    for authority_id, topic, opened, overdue in db.session.execute(
            sa.select(item.authority_id, item.topic, sa.func.sum(net),
                      sa.func.sum(sa.case((item.due_on < on, net), else_=0)))
            .join(item, item.id == transition.item_id)
            .where(_within(transition.at, t0, t))
            .group_by(item.authority_id, item.topic)).all():
        change[(authority_id, topic, "open")] += opened or 0
        change[(authority_id, topic, "overdue")] += overdue or 0
    return change


def open_items_due_on(day: date, moment: datetime) -> Counter:
    """Unfinished items at the moment that are due on the day: they become overdue
    when the next day begins."""
    due = sa.select(ClarificationItem.id).where(ClarificationItem.due_on == day)
    return open_counts(moment, day + timedelta(days=1), due)


def open_item_ages(moment: datetime, on: date) -> dict[tuple[int, str], tuple[int, int]]:
    """(authority_id, topic) → (open items 0–2 days old, 3–7 days old) at the moment:
    only the last eight days' items are read (older ones are the rest)."""
    ages: dict[tuple[int, str], tuple[int, int]] = {}
    recent = moment - timedelta(days=8)
    for items in q.items_as_of(moment):
        for authority_id, topic, _count, _overdue, fresh, week, _older in q._open_item_counts(
                items, moment, on, items.c.state_at.in_(q.ACTIVE), items.c.created_at > recent):
            old_fresh, old_week = ages.get((authority_id, topic), (0, 0))
            ages[(authority_id, topic)] = (old_fresh + fresh, old_week + week)
    return ages


def households_with_items_change(t0: datetime, t: datetime) -> int:
    candidates = sa.union(
        sa.select(Household.id).where(_within(Household.arrived_at, t0, t)),
        sa.select(ClarificationItem.household_id).where(
            _within(ClarificationItem.created_at, t0, t)))
    return q.households_with_items(t, among=candidates) \
        - q.households_with_items(t0, among=candidates)


def households_unclarified_change(t0: datetime, t: datetime) -> int:
    """Households with an unfinished item: only those with a transition after t0 can
    differ. Their number of unfinished items at a moment is today's number less what
    the transitions since then changed — one statement: the transitions after t0 per
    household (their net change since t0 and since t) with each household's
    unfinished items now, counted through its own index entries."""
    item, transition = ClarificationItem, ItemTransition
    # Materialised first: left to itself, SQLite reads every item of the centre in
    # household order to spare the grouping a sort.
    recent = (sa.select(transition.item_id, transition.at,
                        _net_activity(transition).label("net"))
              .where(transition.at > t0).cte("recent_transitions").prefix_with("MATERIALIZED"))
    changed = (sa.select(item.household_id.label("household_id"),
                         sa.func.sum(recent.c.net).label("since_t0"),
                         sa.func.sum(sa.case((recent.c.at > t, recent.c.net), else_=0))
                         .label("since_t"))
               .join(item, item.id == recent.c.item_id)
               .group_by(item.household_id).subquery())
    # The state is counted, not filtered: filtered, SQLite reads the household's items
    # through the index of states (every unfinished item of the centre, per household).
    open_now = (sa.select(sa.func.coalesce(sa.func.sum(_activity(item.state)), 0))
                .where(item.household_id == changed.c.household_id)
                .correlate(changed).scalar_subquery())
    change = 0
    for now_open, since_t0, since_t in db.session.execute(
            sa.select(open_now, changed.c.since_t0, changed.c.since_t)).all():
        change += (now_open - (since_t or 0) > 0) - (now_open - (since_t0 or 0) > 0)
    return change


# --- data quality ---------------------------------------------------------------------------


def impossible_ages_change(moment: datetime, before: date, after: date) -> int:
    """Persons arrived by the moment whose age becomes impossible (or possible) from
    the day `before` to the day `after` (born on `after`; or 121 on it)."""
    change = 0
    for age_after, age_before in db.session.execute(
            sa.select(q._age_expression(after), q._age_expression(before))
            .join(Household, Household.id == Person.household_id)
            .where(birthday_candidates(after), Household.arrived_at <= moment)).all():
        change += (age_band(age_after) == q.UNKNOWN_AGE) - (age_band(age_before) == q.UNKNOWN_AGE)
    return change


def duplicate_decisions_change(t0: datetime, t: datetime) -> int:
    decision = DuplicateDecision
    opened = db.session.scalar(sa.select(sa.func.count(decision.id)).where(
        _within(decision.decided_at, t0, t),
        sa.or_(decision.resolved_at.is_(None), decision.resolved_at > t))) or 0
    closed = db.session.scalar(sa.select(sa.func.count(decision.id)).where(
        decision.decided_at <= t0, _within(decision.resolved_at, t0, t))) or 0
    return opened - closed
