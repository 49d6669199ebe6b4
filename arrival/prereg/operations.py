"""Pre-registrations: submitted on a phone, opened and converted at the desk,
deleted when converted or expired.

The input is checked by the rules of intake (arrival.registry.validation: text,
names, dates of birth, phone numbers), every problem at its field, in the
language of the page; nothing is stored half. The QR token carries 160 random
bits and nothing personal; the short code ("P-XXXX-XXXX-C", 40 random bits and a
check character) is only for clerks who type it — only signed-in staff can open
either, and both are stored as hashes. Operations flush, never commit.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from arrival.audit.models import AuditAction
from arrival.audit.operations import record
from arrival.core.clock import now
from arrival.core.timezone import local_date
from arrival.core.validation import ValidationFailed
from arrival.extensions import db
from arrival.prereg.models import PreRegistration, PreRegistrationDay, PreRegistrationState
from arrival.registry.checkchar import new_reference, normalise_ref, verify
from arrival.registry.models import IdempotencyRecord, Relation, Sex
from arrival.registry.validation import (
    LANGUAGE_CODES,
    LENGTHS,
    Errors,
    clean_text,
    is_cyrillic_name,
    parse_birth,
    parse_phone,
)
from arrival.core.glyphs import unprintable

TOKEN_PREFIX = "PRE1-"
TOKEN_BYTES = 20  # 160 random bits
TOKEN_PATTERN = re.compile(r"^PRE1-[A-Z2-7]{32}$")
CODE_PREFIX = "P"
MAX_PERSONS = 12
MAX_LOOKUP_LENGTH = 64
TEXT_LIMITS = {"arrived_from": 100, "notes": 500}
NAME_FIELDS = ("family_name_cyrillic", "given_names_cyrillic", "patronymic", "family_name",
               "given_names")
CYRILLIC_FIELDS = ("family_name_cyrillic", "given_names_cyrillic", "patronymic")
# Needs in plain words, and the vulnerability flag each proposes at the desk.
NEEDS = ("mobility", "care", "pregnancy", "medication", "pet", "without_parents")
NEED_FLAGS = {"mobility": "reduced_mobility", "care": "needs_care", "pregnancy": "pregnant",
              "medication": "chronic_illness", "pet": "pet"}
MEMBER_RELATIONS = tuple(r.value for r in Relation if r is not Relation.HEAD)
SEXES = tuple(s.value for s in Sex)
CHILD_WITHOUT_DOCUMENT_AGE = 14  # as the counter's "add child": no document by default


# --- tokens and codes ---------------------------------------------------------------------

def _hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def new_token() -> str:
    return TOKEN_PREFIX + base64.b32encode(secrets.token_bytes(TOKEN_BYTES)).decode().rstrip("=")


def canonical_code(text: str) -> str | None:
    """"P-XXXX-XXXX-C" for a typed short code (any case, spaces, dashes), or None
    when it is not one or its check character is wrong."""
    try:
        normalised = normalise_ref(text)
    except ValueError:
        return None
    if len(normalised) != 10 or not normalised.startswith(CODE_PREFIX) or not verify(normalised):
        return None
    return f"{normalised[0]}-{normalised[1:5]}-{normalised[5:9]}-{normalised[9]}"


def valid_days() -> int:
    return current_app.config["PREREG_VALID_DAYS"]


# --- checking the input -------------------------------------------------------------------

def _latin(text: str | None) -> bool:
    return not text or not any("\u0400" <= c <= "\u04ff" for c in text)


def _codes(value, allowed, path: str, errors: Errors) -> list[str]:
    if value in (None, ""):
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value) \
            or len(value) > 20:
        errors.add(path, _("Not a valid choice."))
        return []
    if set(value) - set(allowed):
        errors.add(path, _("Not a valid choice."))
    return sorted(set(value) & set(allowed))


def _person(raw, index: int, errors: Errors, today: date) -> dict | None:
    prefix = f"persons.{index}"
    if not isinstance(raw, dict):
        errors.add(prefix, _("Not a valid choice."))
        return None
    person: dict = {}
    for name in NAME_FIELDS:
        text = clean_text(raw.get(name), f"{prefix}.{name}", errors, limit=LENGTHS[name])
        if text and unprintable(text):
            errors.add(f"{prefix}.{name}", _(
                "The card cannot print %(chars)s: type the name as in the document.",
                chars=" ".join(f"„{char}“" for char in unprintable(text))))
        elif text and name in CYRILLIC_FIELDS and not is_cyrillic_name(text):
            errors.add(f"{prefix}.{name}", _("Please write this in Cyrillic letters."))
        elif text and name not in CYRILLIC_FIELDS and not _latin(text):
            errors.add(f"{prefix}.{name}",
                       _("Please write this in Latin letters, as in the passport."))
        person[name] = text or ""
    for cyrillic, latin in (("family_name_cyrillic", "family_name"),
                            ("given_names_cyrillic", "given_names")):
        if not person[cyrillic] and not person[latin] \
                and f"{prefix}.{cyrillic}" not in errors.messages:
            errors.add(f"{prefix}.{cyrillic}", _("Required."))
    if index == 0:
        person["relation"] = Relation.HEAD.value
    else:
        relation = raw.get("relation")
        if relation not in MEMBER_RELATIONS:
            errors.add(f"{prefix}.relation", _("Please choose how this person is related."))
        person["relation"] = relation if relation in MEMBER_RELATIONS else ""
    sex = raw.get("sex")
    if sex not in SEXES:
        errors.add(f"{prefix}.sex", _("Please choose."))
    person["sex"] = sex if sex in SEXES else ""
    born, year = parse_birth(raw, prefix, errors, today)
    person["date_of_birth"] = born.isoformat() if born else ""
    person["birth_year"] = str(year) if year and not born else ""
    person["needs"] = _codes(raw.get("needs"), NEEDS, f"{prefix}.needs", errors)
    return person


def parse_submission(raw) -> dict:
    """The checked, normalised pre-registration (every problem at its field)."""
    if not isinstance(raw, dict):
        raise ValidationFailed(body=_("Not a valid choice."))
    errors = Errors()
    today = local_date(now())
    raw_persons = raw.get("persons")
    if not isinstance(raw_persons, list) or not raw_persons:
        errors.add("persons", _("Please enter at least one person."))
        raw_persons = []
    elif len(raw_persons) > MAX_PERSONS:
        errors.add("persons", _("At most %(count)d persons.", count=MAX_PERSONS))
        raw_persons = []
    persons = [_person(p, i, errors, today) for i, p in enumerate(raw_persons)]
    data = {
        "persons": [p for p in persons if p is not None],
        "phone": parse_phone(raw.get("phone"), errors) or "",
        "languages": _codes(raw.get("languages"), LANGUAGE_CODES, "languages", errors),
    }
    for name, limit in TEXT_LIMITS.items():
        data[name] = clean_text(raw.get(name), name, errors, limit=limit) or ""
    errors.raise_if_any()
    return data


# --- received, opened, converted, expired -------------------------------------------------

@dataclass(frozen=True)
class Receipt:
    """What the phone shows once: the QR token and the short code (never stored in clear)."""
    token: str
    code: str
    expires_at: datetime


def _bump(day: date, **counts: int) -> None:
    """Add to a day's counts in one statement (two submits at once both count)."""
    table = PreRegistrationDay.__table__
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    values = {"received": 0, "converted": 0, "expired": 0, **counts}
    statement = insert(table).values(day=day, **values)
    statement = statement.on_conflict_do_update(
        index_elements=["day"],
        set_={name: getattr(table.c, name) + count for name, count in counts.items()})
    db.session.execute(statement)


def submit(raw, *, language: str) -> Receipt:
    """Check and store a pre-registration; its token and code are returned once."""
    data = parse_submission(raw)
    if language not in current_app.config["PUBLIC_LANGUAGES"]:
        language = current_app.config["PUBLIC_LANGUAGES"][0]
    moment = now()
    token = new_token()
    code = new_reference(CODE_PREFIX)
    while db.session.scalar(sa.select(PreRegistration.id).filter_by(code_hash=_hash(code))):
        code = new_reference(CODE_PREFIX)  # 40 bits: practically never
    prereg = PreRegistration(
        token_hash=_hash(token), code_hash=_hash(code), language=language,
        persons=len(data["persons"]), data=json.dumps(data, ensure_ascii=False),
        created_at=moment, expires_at=moment + timedelta(days=valid_days()))
    db.session.add(prereg)
    db.session.flush()
    _bump(local_date(moment), received=1)
    record(AuditAction.CREATE, entity_type="pre_registration", entity_id=prereg.id,
           detail=f"submitted on a phone: {prereg.persons} persons, {language}",
           username="(public)")
    return Receipt(token=token, code=code, expires_at=prereg.expires_at)


def find(text: str | None) -> PreRegistration | None:
    """The valid pre-registration for a scanned token or a typed short code."""
    text = (text or "").strip()[:MAX_LOOKUP_LENGTH]
    if TOKEN_PATTERN.match(text.upper()):
        column, value = PreRegistration.token_hash, _hash(text.upper())
    else:
        code = canonical_code(text)
        if code is None:
            return None
        column, value = PreRegistration.code_hash, _hash(code)
    return db.session.scalar(sa.select(PreRegistration).where(
        column == value, PreRegistration.expires_at > now()))


def open_at_desk(prereg: PreRegistration, user) -> str:
    """A clerk opens it: the household form will be prefilled under a fresh key,
    which is also the form's idempotency key (so the registration finds it)."""
    if prereg.desk_key is None:
        prereg.desk_key = str(uuid.uuid4())
    prereg.state = PreRegistrationState.OPENED.value
    prereg.opened_at = now()
    prereg.opened_by_id = getattr(user, "id", None)
    db.session.flush()
    record(AuditAction.VIEW, entity_type="pre_registration", entity_id=prereg.id,
           detail="opened at the desk")
    return prereg.desk_key


def by_desk_key(key: str | None) -> PreRegistration | None:
    if not key or len(key) > 80:
        return None
    return db.session.scalar(sa.select(PreRegistration).where(
        PreRegistration.desk_key == key, PreRegistration.expires_at > now()))


def stored_data(prereg: PreRegistration) -> dict:
    return json.loads(prereg.data)


def _age(person: dict, today: date) -> int | None:
    if person.get("date_of_birth"):
        born = date.fromisoformat(person["date_of_birth"])
        return today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    if person.get("birth_year"):
        return today.year - int(person["birth_year"])
    return None


def household_form_data(prereg: PreRegistration, *, arrived_at: str) -> dict:
    """The registration form's data (arrival.registry.forms.HouseholdForm) filled
    from the pre-registration: Latin names only where the person typed them (the
    KMU 2010 spelling is then suggested, never silently taken), the needs as
    vulnerability flags to confirm, the rest as notes."""
    data = stored_data(prereg)
    today = local_date(now())
    persons = []
    for index, person in enumerate(data["persons"]):
        notes = []
        if index == 0:
            if data.get("arrived_from"):
                notes.append(_("Arrived from: %(place)s", place=data["arrived_from"]))
            if data.get("notes"):
                notes.append(data["notes"])
        if "without_parents" in person.get("needs", []):
            notes.append(_("Travelling without parents (pre-registration)."))
        age = _age(person, today)
        document_type = "none" if age is not None and age < CHILD_WITHOUT_DOCUMENT_AGE \
            else "biometric_passport"
        persons.append({
            "relation": person["relation"], "family_name": person["family_name"],
            "given_names": person["given_names"],
            "family_name_cyrillic": person["family_name_cyrillic"],
            "given_names_cyrillic": person["given_names_cyrillic"],
            "patronymic": person["patronymic"], "sex": person["sex"],
            "date_of_birth": person["date_of_birth"], "birth_year": person["birth_year"],
            "nationality": "UKR", "languages": list(data.get("languages", [])),
            "flags": sorted({NEED_FLAGS[n] for n in person.get("needs", []) if n in NEED_FLAGS}),
            "notes": "\n".join(notes), "mrz": "",
            "document": {"type": document_type, "number": "", "issuing_country": "",
                         "expiry": ""},
        })
    return {"arrived_at": arrived_at, "arrival_point": "", "phone": data.get("phone", ""),
            "contact_language": prereg.language if prereg.language in LANGUAGE_CODES else "",
            "persons": persons, "idempotency_key": prereg.desk_key}


def household_payload(prereg: PreRegistration, *, arrived_at: str) -> dict:
    """The same, in the JSON shape of POST /api/v1/households."""
    form = household_form_data(prereg, arrived_at=arrived_at)
    persons = []
    for person in form["persons"]:
        entry = {k: v for k, v in person.items() if k != "mrz" and v not in ("", [], None)}
        if entry.get("birth_year"):
            entry["birth_year"] = int(entry["birth_year"])
        entry["document"] = {k: v for k, v in person["document"].items() if v}
        persons.append(entry)
    payload = {"arrived_at": arrived_at, "phone": form["phone"],
               "contact_language": form["contact_language"], "persons": persons}
    return {k: v for k, v in payload.items() if v not in ("", None)}


def convert(household) -> bool:
    """The household registered from a prefilled form: the pre-registration is
    deleted in the same transaction (nothing personal links back)."""
    key = db.session.scalar(sa.select(IdempotencyRecord.key).where(
        IdempotencyRecord.household_id == household.id))
    prereg = by_desk_key(key) if key else None
    if prereg is None:
        return False
    prereg_id = prereg.id
    db.session.delete(prereg)
    db.session.flush()
    _bump(local_date(now()), converted=1)
    record(AuditAction.DELETE, entity_type="pre_registration", entity_id=prereg_id,
           detail=f"converted into household {household.ref}")
    return True


def _expired(at: datetime):
    return PreRegistration.expires_at <= at


def count_expired(at: datetime) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(PreRegistration)
                             .where(_expired(at))) or 0


def delete_expired(at: datetime, batch_size: int = 500) -> int:
    """Delete the pre-registrations expired by ``at``, ``batch_size`` rows per
    statement; returns how many (counted on the local day of ``at``)."""
    deleted = 0
    while True:
        ids = db.session.scalars(sa.select(PreRegistration.id).where(_expired(at))
                                 .order_by(PreRegistration.id).limit(batch_size)).all()
        if not ids:
            break
        db.session.execute(sa.delete(PreRegistration).where(PreRegistration.id.in_(ids)))
        deleted += len(ids)
    if deleted:
        _bump(local_date(at), expired=deleted)
        record(AuditAction.DELETE, entity_type="pre_registration", entity_id="-",
               detail=f"{deleted} expired pre-registrations deleted", username="(system)")
    db.session.flush()
    return deleted


@dataclass(frozen=True)
class DayFigures:
    received: int
    converted: int
    expired: int
    waiting: int  # valid now, not yet converted


def day_figures(day: date | None = None) -> DayFigures:
    day = day or local_date(now())
    row = db.session.get(PreRegistrationDay, day)
    waiting = db.session.scalar(sa.select(sa.func.count()).select_from(PreRegistration)
                                .where(PreRegistration.expires_at > now())) or 0
    return DayFigures(received=row.received if row else 0,
                      converted=row.converted if row else 0,
                      expired=row.expired if row else 0, waiting=waiting)
