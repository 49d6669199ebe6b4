"""A person who joins a household despite a likely duplicate: the clerk's
decision is recorded and audited exactly as at registration."""

from __future__ import annotations

import sqlalchemy as sa

from arrival.audit.models import AuditEvent
from arrival.extensions import db
from arrival.registry import operations
from arrival.registry.models import DuplicateDecision
from tests.factories import person_payload


def test_adding_a_likely_duplicate_records_and_audits_the_decision(app, make_household):
    make_household(person_payload())  # Olena Shevchenko, FB123456
    other = make_household(person_payload(family_name="Bondarenko", given_names="Iryna",
                                          family_name_cyrillic="", given_names_cyrillic="",
                                          document={"type": "none"}))
    with app.app_context():
        household = operations.household_by_ref(other)
        twin = person_payload(relation="sibling")
        person = operations.add_member(household, twin, duplicate_reason="different mother",
                                       confirmed=True)
        decisions = db.session.scalars(sa.select(DuplicateDecision).where(
            DuplicateDecision.person_id == person.id)).all()
        audited = db.session.scalars(sa.select(AuditEvent).where(
            AuditEvent.entity_type == "duplicate_decision",
            AuditEvent.entity_id == person.public_id)).all()
        assert len(decisions) == 1 and decisions[0].reason == "different mother"
        assert len(audited) == 1 and "registered despite likely duplicate" in audited[0].detail
        db.session.rollback()
