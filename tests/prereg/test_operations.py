"""Pre-registration operations: the checks of intake at every field, tokens and
codes that carry nothing personal and cannot be guessed, conversion and expiry
that delete the data and keep only day counts."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import sqlalchemy as sa

from arrival.audit.models import AuditEvent
from arrival.core import clock
from arrival.core.clock import now
from arrival.core.validation import ValidationFailed
from arrival.extensions import db
from arrival.prereg import operations
from arrival.prereg.models import PreRegistration, PreRegistrationDay
from tests.prereg.data import family_payload


def test_a_family_is_stored_with_hashes_only_and_a_receipt_shown_once(app_context):
    receipt = operations.submit(family_payload(), language="uk")
    assert operations.TOKEN_PATTERN.match(receipt.token)
    # 32 base-32 characters: 160 random bits, nothing personal
    assert len(receipt.token.removeprefix("PRE1-")) * 5 >= 128
    assert operations.canonical_code(receipt.code) == receipt.code
    stored = db.session.scalars(sa.select(PreRegistration)).one()
    assert receipt.token not in (stored.token_hash, stored.code_hash, stored.data)
    assert receipt.code not in stored.data
    assert stored.persons == 4 and stored.language == "uk"
    assert receipt.expires_at - stored.created_at == timedelta(days=7)
    data = json.loads(stored.data)
    assert data["persons"][0]["relation"] == "head"
    assert data["persons"][3]["needs"] == ["medication", "mobility"]
    assert data["phone"] == "+380671234567"


def test_the_code_is_found_typed_in_any_case_and_a_wrong_check_character_finds_nothing(
        app_context):
    receipt = operations.submit(family_payload(), language="uk")
    assert operations.find(receipt.token) is not None
    assert operations.find(receipt.code.lower().replace("-", " ")) is not None
    body, check = receipt.code[:-1], receipt.code[-1]
    wrong = next(c for c in "0123456789ABCDEFGHJKMNPQRSTVWXYZ" if c != check)
    assert operations.find(body + wrong) is None
    assert operations.find("PRE1-" + "A" * 32) is None
    assert operations.find("") is None and operations.find("x" * 10_000) is None


def test_every_problem_is_reported_at_its_field_and_nothing_is_stored(app_context):
    payload = family_payload()
    payload["persons"][0]["family_name_cyrillic"] = "Kovalenko"  # Latin in the Cyrillic field
    payload["persons"][0]["family_name"] = "Коваленко"  # and the other way round
    payload["persons"][1]["date_of_birth"] = "2030-01-01"
    payload["persons"][2]["relation"] = "head"  # only the first person is the head
    payload["persons"][3].pop("birth_year")
    payload["persons"][3]["given_names_cyrillic"] = ""
    payload["phone"] = "12"
    payload["notes"] = "x" * 501
    with pytest.raises(ValidationFailed) as failed:
        operations.submit(payload, language="uk")
    assert set(failed.value.errors) == {
        "persons.0.family_name_cyrillic", "persons.0.family_name",
        "persons.1.date_of_birth", "persons.2.relation", "persons.3.date_of_birth",
        "persons.3.given_names_cyrillic", "phone", "notes"}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PreRegistration)) == 0


def test_a_name_in_either_script_is_enough(app_context):
    payload = family_payload(persons=[{"family_name": "KOVALENKO", "given_names": "OKSANA",
                                       "sex": "female", "birth_year": 1986}])
    assert operations.submit(payload, language="en").code


@pytest.mark.parametrize("bad", [None, [], "text", {"persons": "x"}, {"persons": [1]},
                                 {"persons": [{}] * 13}, {"persons": [{"needs": "pet"}]},
                                 {"persons": [{"sex": ["female"]}]}])
def test_malformed_input_is_a_validation_error(app_context, bad):
    with pytest.raises(ValidationFailed):
        operations.submit(bad, language="uk")


def test_expired_ones_are_counted_and_deleted_in_batches_and_the_day_counts(app_context):
    for _ in range(5):
        operations.submit(family_payload(), language="ru")
    later = now() + timedelta(days=7, seconds=1)
    clock.set_clock(clock.ticking_from(now() + timedelta(days=3)))  # restored by suite_clock
    fresh = operations.submit(family_payload(), language="ru")
    assert operations.count_expired(now()) == 0
    assert operations.count_expired(later) == 5
    assert operations.delete_expired(later, batch_size=2) == 5
    assert operations.count_expired(later) == 0
    assert operations.find(fresh.token) is not None
    days = db.session.scalars(sa.select(PreRegistrationDay).order_by(PreRegistrationDay.day)).all()
    assert [(d.received, d.expired) for d in days] == [(5, 0), (1, 0), (0, 5)]
    assert operations.find(fresh.token).expires_at > later
    assert db.session.scalar(sa.select(AuditEvent.detail).where(
        AuditEvent.entity_type == "pre_registration", AuditEvent.action == "delete")) == \
        "5 expired pre-registrations deleted"


def test_an_expired_code_opens_nothing(app_context):
    receipt = operations.submit(family_payload(), language="uk")
    prereg = operations.find(receipt.code)
    prereg.expires_at = now() - timedelta(seconds=1)
    assert operations.find(receipt.code) is None
