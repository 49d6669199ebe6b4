"""Factories for test data, used as fixtures."""

from __future__ import annotations

import itertools

import pytest

from arrival.auth import operations as accounts
from arrival.extensions import db

PASSWORD = "correct horse battery"
_counter = itertools.count(1)


@pytest.fixture
def make_user(app):
    def make(role: str = "intake", *, authority: str | None = None, username: str | None = None,
             password: str = PASSWORD, enabled: bool = True):
        if role == "caseworker" and authority is None:
            authority = "jugendamt"
        with app.app_context():
            user = accounts.create_user(
                username or f"{role.replace('_', '')}{next(_counter)}", role, password,
                authority_code=authority, display_name=f"Test {role}",
            )
            if not enabled:
                accounts.set_enabled(user, False)
            db.session.commit()
            return user.username

    return make


@pytest.fixture
def signed_in(client, make_user):
    """A client signed in with a fresh account of the given role."""

    def sign_in(role: str = "intake", *, authority: str | None = None):
        username = make_user(role, authority=authority)
        response = client.login(username, PASSWORD)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return username

    return sign_in


def person_payload(**fields) -> dict:
    """A person as the API takes it; override any field."""
    person = {
        "relation": "head", "family_name": "Shevchenko", "given_names": "Olena",
        "family_name_cyrillic": "Шевченко", "given_names_cyrillic": "Олена",
        "sex": "female", "date_of_birth": "1984-03-12", "nationality": "UKR",
        "document": {"type": "biometric_passport", "number": "FB123456",
                     "issuing_country": "UKR", "expiry": "2030-01-01"},
        "languages": ["uk", "ru"], "flags": [],
    }
    person.update(fields)
    return person


def household_payload(*persons: dict, **fields) -> dict:
    payload = {
        "arrived_at": "2022-03-14T10:30:00+01:00", "arrival_point": "main_station",
        "phone": "+380 67 123 4567", "contact_language": "uk",
        "persons": list(persons) or [person_payload()],
    }
    payload.update(fields)
    return payload


@pytest.fixture
def freeze_registration_clock(monkeypatch):
    """Registration rules compare against 'now'; fix it in spring 2022."""
    from datetime import datetime, timezone

    from arrival.registry import validation

    moment = datetime(2022, 3, 15, 9, 0, tzinfo=timezone.utc)
    monkeypatch.setattr(validation, "now_utc", lambda: moment)
    return moment


@pytest.fixture
def register(client, freeze_registration_clock):
    """POST a household through the API as the signed-in client."""

    def post(payload: dict | None = None, *, key: str | None = None, **kwargs):
        headers = {"Idempotency-Key": key} if key else {}
        return client.post_json("/api/v1/households", payload or household_payload(),
                                headers=headers, **kwargs)

    return post


@pytest.fixture
def make_household(app):
    """Register a household directly through the operation; returns its ref."""
    from datetime import datetime, timezone

    from arrival.registry import operations as registry
    from arrival.registry.validation import parse_household

    counter = itertools.count(1)

    def make(*persons: dict, arrived_at: str = "2022-03-14T10:30:00+01:00") -> str:
        n = next(counter)
        persons = persons or (person_payload(family_name=f"Family{n}", family_name_cyrillic="",
                                             document={"type": "none"}),)
        payload = household_payload(*persons, arrived_at=arrived_at)
        with app.app_context():
            data = parse_household(payload, now=datetime(2022, 3, 15, 12, tzinfo=timezone.utc))
            registration = registry.register_household(
                data, idempotency_key=None, fingerprint=registry.request_fingerprint(payload),
                duplicate_reason="test data")
            db.session.commit()
            return registration.household.ref

    return make


@pytest.fixture
def make_site(app):
    """A site with units of the given sizes; returns {'site': id, 'units': [ids]}."""
    from arrival.housing import inventory

    counter = itertools.count(1)

    def make(*unit_sizes: int, kind: str = "emergency_hall", unit_flags: dict | None = None,
             opened_at=None, **site_fields) -> dict:
        n = next(counter)
        with app.app_context():
            site = inventory.create_site({"name": site_fields.pop("name", f"Site {n}"),
                                          "kind": kind, **site_fields})
            if opened_at is not None:
                site.opened_at = opened_at
            units = []
            for index, size in enumerate(unit_sizes or (4,)):
                unit = inventory.create_unit(site, {"name": f"Room {index + 1}",
                                                    **(unit_flags or {})})
                beds = inventory.add_beds(unit, size)
                if opened_at is not None:
                    for bed in beds:
                        bed.created_at = opened_at
                units.append(unit.id)
            db.session.commit()
            return {"site": site.id, "units": units}

    return make
