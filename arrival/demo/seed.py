"""Realistic synthetic data at any scale, deterministic for a seed.

Households as in 2022 (many mothers with children, grandparents; about 40 %
minors; about 3 % third-country nationals), Ukrainian names in Cyrillic with
their passport spellings (some in other transliteration tables), vulnerability
flags at plausible rates, shelters with rooms and beds, stays with moves and
departures spread over the period, cards, service deliveries, clarification
items in every state (from the real rules), and a known share of deliberate
duplicates with spelling variants.

Rows are generated in Python with ids assigned here and written in chunks, all tables
in dependency order whenever enough rows are waiting (so a million persons never sit in
memory as rows): PostgreSQL takes them with COPY, SQLite with executemany. Nothing goes
through the ORM one object at a time. What repeats is computed once: the Latin spellings
and match keys of a name, and the clarification rules' verdict for a household of the
same make-up.
"""

from __future__ import annotations

import gc
import hashlib
import heapq
import json
import operator
import random
import uuid
from itertools import repeat
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app

from arrival.cases.rules import ADULT_AGE, IDENTITY_DOCUMENTS, UNACCOMPANIED_FLAG, Need
from arrival.cases.rules import needs as rule_needs
from arrival.catalog.models import Authority, CatalogEntry
from arrival.core import clock
from arrival.demo import names
from arrival.database import UTCDateTime
from arrival.extensions import db
from arrival.registry import names as name_rules
from arrival.registry.checkchar import add_check_char
from arrival.registry.transliteration import romanise

THIRD_COUNTRIES = ("NGA", "IND", "MAR", "AZE", "GEO", "EGY", "KAZ", "UZB", "TUR", "CMR")
SYSTEM_WEIGHTS = (("kmu2010", 0.85), ("icao_ru", 0.08), ("german", 0.05), ("iso9", 0.02))
ARRIVAL_POINTS = (("main_station", 0.55), ("bus_station", 0.25), ("self_referred", 0.15),
                  ("transfer_in", 0.05))
CHECKOUT_REASONS = (("transfer_district", 0.45), ("private_accommodation", 0.25),
                    ("onward_travel", 0.12), ("return_ukraine", 0.08), ("absent", 0.07),
                    ("hospital", 0.025), ("deceased", 0.005))
SERVICE_MIX = (("meal", 0.72), ("seen", 0.08), ("clothing", 0.06), ("hygiene_kit", 0.05),
               ("counselling", 0.03), ("transport_ticket", 0.03), ("sim_card", 0.02),
               ("medical_screening", 0.01))
MEAL_WINDOWS = (("breakfast", time(7, 30)), ("lunch", time(12, 30)), ("dinner", time(18, 30)))
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
BATCH = 20_000
# Rows held before all tables are written out (about 100 MB of row dicts).
FLUSH_ROWS = 250_000
SQLITE_SEED_CACHE_KIB = -1_048_576  # negative: KiB, so 1 GiB
POSTGRES_INDEX_MEMORY = "512MB"  # per index build, for the length of the seed's transaction


# Demo site names are German, like everything staff read.
SITE_KIND_NAMES = {"emergency_hall": "Notunterkunft", "hotel": "Hotel", "hostel": "Hostel",
                   "community_shelter": "Gemeinschaftsunterkunft",
                   "private_host": "Privatunterkunft", "reserve": "Reserve"}


def choose(rng: random.Random, weighted):
    values, weights = zip(*weighted)
    return rng.choices(values, weights)[0]


@dataclass
class Stand:
    """The few person attributes the clarification rules read (no ORM objects)."""

    id: int
    date_of_birth: date | None
    birth_year: int
    nationality: str
    flags: list[str]
    documents: list
    sex: str = "female"
    relation: str = "head"

    def age_on(self, day: date) -> int:
        if self.date_of_birth is None:
            return day.year - self.birth_year
        born = self.date_of_birth
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


@dataclass
class DocumentStand:
    type: str
    number: str | None


@dataclass
class HouseholdStand:
    persons: list[Stand] = field(default_factory=list)


class RuleVerdicts:
    """The clarification rules' needs of a household, evaluated once per make-up.

    A verdict depends only on what the rules read of each member: the age against the
    rules' age limits (and the adult age), the flags the rules name (and the
    unaccompanied flag), nationality, whether an identity document is held, and the
    relation. Households of the same make-up get the same needs, mapped to their own
    members. When a rule uses a condition this key does not cover, every household is
    evaluated on its own."""

    KEYED_CONDITIONS = {"min_age", "max_age", "flags_any", "household_flags_any",
                        "nationality_in", "nationality_not_in", "without_identity_document",
                        "unaccompanied", "separated"}

    def __init__(self, rules, household_topics):
        self.rules = rules
        self.household_topics = household_topics
        conditions = {name for rule in rules for name in rule.attributes.get("when", {})}
        self.keyed = conditions <= self.KEYED_CONDITIONS
        limits = {ADULT_AGE}
        self.flags_read = {UNACCOMPANIED_FLAG}
        for rule in rules:
            when = rule.attributes.get("when", {})
            self.flags_read.update(when.get("flags_any", ()), when.get("household_flags_any", ()))
            if "min_age" in when:
                limits.add(when["min_age"])
            if "max_age" in when:
                limits.add(when["max_age"] + 1)
        self.age_limits = sorted(limits)
        self.cache: dict[tuple, list[tuple[str, str, int | None, int | None]]] = {}

    def age_band(self, age: int) -> int:
        return sum(age >= limit for limit in self.age_limits)

    def make_up(self, household: HouseholdStand, today: date) -> tuple:
        return tuple((self.age_band(p.age_on(today)),
                      tuple(sorted(self.flags_read.intersection(p.flags))), p.nationality,
                      any(d.type in IDENTITY_DOCUMENTS and d.number for d in p.documents),
                      p.relation) for p in household.persons)

    def needs(self, household: HouseholdStand, today: date) -> list[Need]:
        """The needs in a fixed order (rule, then member)."""
        if not self.keyed:
            return sorted(rule_needs(household, today, self.rules, self.household_topics),
                          key=lambda n: (n.rule_code, n.person_id or 0))
        key = self.make_up(household, today)
        verdict = self.cache.get(key)
        if verdict is None:
            position = {p.id: index for index, p in enumerate(household.persons)}
            verdict = self.cache[key] = sorted(
                ((n.rule_code, n.topic, position.get(n.person_id), n.priority)
                 for n in rule_needs(household, today, self.rules, self.household_topics)),
                key=lambda v: (v[0], -1 if v[2] is None else v[2]))
        persons = household.persons
        return [Need(rule, topic, None if index is None else persons[index].id, priority)
                for rule, topic, index, priority in verdict]


class Rows:
    """Rows per table and the next id of each, written out in dependency order.

    ``checkpoint`` writes everything waiting once FLUSH_ROWS rows are held: every row's
    parent was added before it, so it is in the same chunk (written first, ORDER is the
    dependency order) or in an earlier one."""

    ORDER = ("site", "unit", "bed", "household", "person", "identity_document", "person_flag",
             "person_match_key", "stay", "stay_event", "card", "delivery", "scan",
             "clarification_item", "clarification_transition", "duplicate_decision")

    def __init__(self, flush_rows: int = FLUSH_ROWS):
        self.rows = {name: [] for name in self.ORDER}
        self.next_id = {}
        self.counts = dict.fromkeys(self.ORDER, 0)
        self.waiting = 0
        self.flush_rows = flush_rows

    def start_ids(self) -> None:
        for name in self.ORDER:
            table = db.metadata.tables[name]
            if "id" in table.c:
                current = db.session.scalar(sa.select(sa.func.max(table.c.id))) or 0
                self.next_id[name] = current + 1

    def add(self, table: str, **values) -> int | None:
        if table in self.next_id:
            values["id"] = self.next_id[table]
            self.next_id[table] += 1
        self.rows[table].append(values)
        self.waiting += 1
        return values.get("id")

    def checkpoint(self) -> None:
        if self.waiting >= self.flush_rows:
            self.flush()

    def flush(self) -> None:
        connection = db.session.connection()
        for name in self.ORDER:
            rows = self.rows[name]
            if rows:
                _write_rows(connection, db.metadata.tables[name], rows)
                self.counts[name] += len(rows)
                self.rows[name] = []
        self.waiting = 0

    def write(self) -> dict[str, int]:
        self.flush()
        if db.session.get_bind().dialect.name == "postgresql":
            # COPY and explicit ids leave the id sequences where they were.
            for name in self.next_id:
                db.session.execute(sa.text(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                    f"(SELECT COALESCE(MAX(id), 1) FROM {name}))"))
        return dict(self.counts)


def _utc_text(value):
    """A UTC timestamp as SQLAlchemy stores it in SQLite (naive UTC, microseconds)."""
    if value is None:
        return None
    if value.tzinfo is not timezone.utc:
        value = value.astimezone(timezone.utc)
    return value.isoformat(" ", "microseconds")[:-6]  # without "+00:00"


def _utc_texts(values: tuple) -> list:
    """A column of timestamps: all of them at C speed when none is missing and all
    are UTC (the usual case), one by one otherwise."""
    if None not in values:
        texts = list(map(datetime.isoformat, values, repeat(" "), repeat("microseconds")))
        if all(map(str.endswith, texts, repeat("+00:00"))):
            return list(map(operator.itemgetter(slice(0, -6)), texts))
    return list(map(_utc_text, values))


def _utc_aware(value):
    if value is None or value.tzinfo is timezone.utc:
        return value
    return value.astimezone(timezone.utc)


def _date_text(value):
    return None if value is None else value.isoformat()


def _json_text(value):
    return None if value is None else json.dumps(value)


def _each(convert):
    return lambda values: list(map(convert, values))


def _column_converter(column, dialect):
    """How a column of Python values becomes driver values. The generic bind processors
    cost more than building the rows; the common types get a conversion that stores
    the same value at C speed."""
    kind = column.type
    sqlite = dialect.name == "sqlite"
    if isinstance(kind, UTCDateTime):
        return _utc_texts if sqlite else _each(_utc_aware)
    if isinstance(kind, sa.JSON):
        return _each(_json_text)
    if sqlite and isinstance(kind, sa.Date) and not isinstance(kind, sa.DateTime):
        return _each(_date_text)
    process = kind._cached_bind_processor(dialect)
    return _each(process) if process else None


def _driver_tuples(table, columns: list[str], rows: list[dict], dialect) -> list[tuple]:
    """Rows as tuples in column order, converting only the columns that need it, a
    whole column at a time (a column that is empty throughout is left as it is)."""
    values = list(map(operator.itemgetter(*columns), rows))
    converters = [_column_converter(table.c[c], dialect) for c in columns]
    if not any(converters):
        return values
    by_column = list(zip(*values))
    for index, convert in enumerate(converters):
        if convert is not None and by_column[index].count(None) != len(values):
            by_column[index] = convert(by_column[index])
    return list(zip(*by_column))


def _write_rows(connection, table, rows: list[dict]) -> None:
    dialect = connection.dialect
    columns = list(rows[0])
    if len(columns) < 2:
        raise ValueError("itemgetter of one column gives values, not tuples")
    quote = dialect.identifier_preparer.quote
    column_list = ", ".join(quote(c) for c in columns)
    if dialect.name == "postgresql":
        # COPY: one stream per table and chunk, several times faster than INSERTs.
        cursor = connection.connection.driver_connection.cursor()
        with cursor.copy(f"COPY {quote(table.name)} ({column_list}) FROM STDIN") as copy:
            for start in range(0, len(rows), BATCH):
                for row in _driver_tuples(table, columns, rows[start:start + BATCH], dialect):
                    copy.write_row(row)
        return
    marker = "?" if dialect.paramstyle == "qmark" else "%s"
    sql = (f"INSERT INTO {quote(table.name)} ({column_list}) "
           f"VALUES ({', '.join([marker] * len(columns))})")
    for start in range(0, len(rows), BATCH):
        connection.exec_driver_sql(
            sql, _driver_tuples(table, columns, rows[start:start + BATCH], dialect))


class Generator:
    def __init__(self, persons: int, days: int, seed: int, now: datetime):
        self.target = persons
        self.days = max(days, 1)
        self.rng = random.Random(seed)
        self.now = now
        self.start = now - timedelta(days=self.days)
        self.zone = ZoneInfo(current_app.config["TIMEZONE"])
        self.rows = Rows()
        self.flag_codes = self._catalogue("vulnerability_flag")
        self.authorities = dict(db.session.execute(sa.select(Authority.code, Authority.id)).all())
        self.topics = {e.code: e.attributes for e in db.session.scalars(sa.select(
            CatalogEntry).where(CatalogEntry.kind == "clarification_topic"))}
        self.rules = list(db.session.scalars(sa.select(CatalogEntry).where(
            CatalogEntry.kind == "clarification_rule", CatalogEntry.active.is_(True))
            .order_by(CatalogEntry.position)))
        self.household_topics = {code for code, topic in self.topics.items()
                                 if topic.get("per") == "household"}
        self.free_beds: list[int] = []
        self.releases: list[tuple[datetime, int]] = []  # (time, bed id) heap
        self.people: list[dict] = []
        self.user_id = db.session.scalar(sa.text("SELECT MIN(id) FROM user_account"))
        # Names repeat (a few hundred surnames and given names): spell and key each once.
        self.latin: dict[tuple[str, str, str], str] = {}
        self.family_keys: dict[str, frozenset[str]] = {}
        self.given_keys: dict[str, frozenset[str]] = {}
        self.verdicts = RuleVerdicts(self.rules, self.household_topics)

    def _catalogue(self, kind: str) -> set[str]:
        return set(db.session.scalars(sa.select(CatalogEntry.code).where(
            CatalogEntry.kind == kind)))

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def reference(self, prefix: str) -> str:
        body = prefix + "".join(self.rng.choice(ALPHABET) for _ in range(8))
        full = add_check_char(body)
        return f"{full[0]}-{full[1:5]}-{full[5:9]}-{full[9]}"

    # --- sites ------------------------------------------------------------------------

    def sites(self) -> None:
        beds_total = max(40, int(self.target * 0.45))
        site_count = max(3, beds_total // 60)
        opened = self.start - timedelta(days=2)
        kinds = ("emergency_hall", "hotel", "hostel", "community_shelter", "private_host")
        bed_count = 0
        for index in range(site_count):
            kind = "reserve" if index == site_count - 1 else kinds[index % len(kinds)]
            site_id = self.rows.add(
                "site", name=f"Unterkunft {index + 1:03d} ({SITE_KIND_NAMES[kind]})",
                kind=kind, address=f"Musterstraße {index + 1}, Stuttgart", operator="Stadt",
                contact="", warning_percent=85, critical_percent=95, opened_at=opened,
                closed_at=None, version=1)
            hall = kind == "emergency_hall"
            beds_left = beds_total // site_count
            room = 0
            while beds_left > 0:
                room += 1
                size = min(beds_left, self.rng.randint(40, 120) if hall and room == 1
                           else self.rng.randint(2, 8))
                unit_id = self.rows.add(
                    "unit", site_id=site_id, name=f"{'Halle' if size > 20 else 'Raum'} {room}",
                    barrier_free=self.rng.random() < 0.2, family_room=size <= 6
                    and self.rng.random() < 0.5, women_only=self.rng.random() < 0.08,
                    quarantine=self.rng.random() < 0.02)
                for number in range(1, size + 1):
                    bed_id = self.rows.add("bed", unit_id=unit_id, label=str(number),
                                           position=number, created_at=opened, removed_at=None)
                    if kind != "reserve":
                        self.free_beds.append(bed_id)
                    bed_count += 1
                beds_left -= size
        self.rng.shuffle(self.free_beds)

    # --- households and persons -------------------------------------------------------

    def household_sizes(self):
        produced = 0
        while produced < self.target:
            size = choose(self.rng, ((1, 0.28), (2, 0.30), (3, 0.22), (4, 0.12), (5, 0.05),
                                     (6, 0.03)))
            size = min(size, self.target - produced)
            produced += size
            yield size

    def arrival_time(self) -> datetime:
        # Waves: more arrivals early in the period, fewer later.
        day = int(self.days * (self.rng.random() ** 1.6))
        local_day = (self.start + timedelta(days=day)).astimezone(self.zone).date()
        moment = datetime.combine(local_day, time(6), tzinfo=self.zone) + timedelta(
            minutes=self.rng.randint(0, 17 * 60))
        return min(moment.astimezone(timezone.utc), self.now - timedelta(minutes=5))

    def compose(self, size: int) -> list[tuple[str, str, int]]:
        """(relation, sex, age) of each member; the head first."""
        kind = self.rng.random()
        if size == 1:
            age = self.rng.choice([self.rng.randint(18, 45), self.rng.randint(46, 85),
                                   self.rng.randint(15, 17)]) if self.rng.random() < 0.97 \
                else self.rng.randint(14, 17)
            return [("head", self.rng.choice(("female", "female", "male")), age)]
        mother_age = self.rng.randint(24, 48)
        members = [("head", "female" if kind < 0.8 else "male", mother_age)]
        if kind > 0.9 and size >= 2:
            members.append(("spouse", "male", mother_age + self.rng.randint(-2, 6)))
        while len(members) < size:
            if self.rng.random() < 0.15 and not any(r == "grandparent" for r, _s, _a in members):
                members.append(("grandparent", self.rng.choice(("female", "male")),
                                mother_age + self.rng.randint(20, 30)))
            else:
                members.append(("child", self.rng.choice(("female", "male")),
                                max(0, mother_age - self.rng.randint(18, 36))))
        return members[:size]

    def names_for(self, sex: str, family: tuple[str, str], language: str):
        pool = names.FEMALE_GIVEN_NAMES if sex == "female" else names.MALE_GIVEN_NAMES
        index = min(int(self.rng.expovariate(1 / 12)), len(pool) - 1)
        given = pool[index][0 if language == "uk" else 1]
        family_name = family[0 if language == "uk" else 1]
        if sex == "female" and language == "uk":
            family_name = names.feminine_surname(family_name, "uk")
        elif sex == "female":
            family_name = names.feminine_surname(family_name, "ru")
        return family_name, given

    def households(self) -> None:
        arrivals = sorted((self.arrival_time(), size) for size in self.household_sizes())
        for arrived_at, size in arrivals:
            self.household(arrived_at, size)
            self.rows.checkpoint()

    def household(self, arrived_at: datetime, size: int, *, copy_of: dict | None = None
                  ) -> dict:
        rng = self.rng
        household_id = self.rows.add(
            "household", public_id=self.uuid(), ref=self.reference("H"), arrived_at=arrived_at,
            arrival_point=choose(rng, ARRIVAL_POINTS),
            phone=f"+38067{rng.randint(1000000, 9999999)}" if rng.random() < 0.8 else None,
            contact_language=rng.choice(("uk", "uk", "uk", "ru")), created_at=arrived_at,
            created_by_id=self.user_id, updated_at=arrived_at, version=1)
        third_country = rng.random() < 0.03
        nationality = rng.choice(THIRD_COUNTRIES) if third_country else "UKR"
        family = rng.choice(names.SURNAMES[:60] if rng.random() < 0.7 else names.SURNAMES)
        language = "ru" if rng.random() < 0.1 else "uk"
        system = choose(rng, SYSTEM_WEIGHTS)
        members = []
        stand = HouseholdStand()
        composition = ([(m["relation"], m["sex"], m["age"]) for m in copy_of["members"]]
                       if copy_of else self.compose(size))
        for position, (relation, sex, age) in enumerate(composition):
            person = self.person(household_id, position, relation, sex, age, family, language,
                                 system, nationality, arrived_at, copy_of, position)
            members.append(person)
            stand.persons.append(person["stand"])
        if rng.random() < 0.05 and not copy_of:
            pet_owner = members[0]
            self.rows.add("person_flag", person_id=pet_owner["id"], code="pet")
            pet_owner["stand"].flags.append("pet")
        record = {"id": household_id, "arrived_at": arrived_at, "members": members,
                  "stand": stand}
        self.people.append(record)
        if not copy_of and rng.random() < 0.02:
            self.duplicates.append(record)
        return record

    def person(self, household_id, position, relation, sex, age, family, language, system,
               nationality, arrived_at, copy_of, index) -> dict:
        rng = self.rng
        if copy_of:
            original = copy_of["members"][index]
            cyr_family, cyr_given = original["cyrillic"]
            born, birth_year = original["born"], original["birth_year"]
            system = rng.choice(("icao_ru", "german", "iso9"))
        else:
            cyr_family, cyr_given = self.names_for(sex, family, language)
            birth_year = arrived_at.year - age
            born = None if rng.random() < 0.03 else date(
                birth_year, rng.randint(1, 12), rng.randint(1, 28))
            if born is not None and born > arrived_at.date():
                # A baby's day of birth lies before the arrival, in the year before.
                born = born.replace(year=born.year - 1)
        latin_family = self.romanised(cyr_family, system, language)
        latin_given = self.romanised(cyr_given, system, language)
        keep_cyrillic = rng.random() < 0.6
        person_id = self.rows.add(
            "person", public_id=self.uuid(), household_id=household_id, position=position,
            relation=relation, family_name=latin_family[:100], given_names=latin_given[:150],
            family_name_cyrillic=cyr_family if keep_cyrillic else None,
            given_names_cyrillic=cyr_given if keep_cyrillic else None, sex=sex,
            date_of_birth=born, birth_year=born.year if born else birth_year,
            birth_date_estimated=born is None, nationality=nationality,
            languages=["uk", "ru"] if language == "uk" else ["ru"], notes=None,
            created_at=arrived_at, updated_at=arrived_at, version=1)
        documents = self.document(person_id, arrived_at.year - (born.year if born else birth_year),
                                  nationality)
        flags = self.flags(person_id, sex, arrived_at.year - birth_year, relation)
        stand = Stand(id=person_id, date_of_birth=born, birth_year=born.year if born
                      else birth_year, nationality=nationality, flags=flags,
                      documents=documents, sex=sex, relation=relation)
        self.match_keys(person_id, latin_family, latin_given,
                        cyr_family if keep_cyrillic else None,
                        cyr_given if keep_cyrillic else None, stand.birth_year)
        return {"id": person_id, "stand": stand, "cyrillic": (cyr_family, cyr_given),
                "born": born, "birth_year": birth_year, "relation": relation, "sex": sex,
                "age": arrived_at.year - birth_year}

    def romanised(self, cyrillic: str, system: str, language: str) -> str:
        key = (cyrillic, system, language)
        latin = self.latin.get(key)
        if latin is None:
            latin = self.latin[key] = romanise(cyrillic, system, language=language)
        return latin

    def keys_of(self, cache: dict, name: str | None, compute) -> frozenset[str]:
        if not name:
            return frozenset()
        keys = cache.get(name)
        if keys is None:
            keys = cache[name] = frozenset(compute(name))
        return keys

    def match_keys(self, person_id, family, given, family_cyr, given_cyr, birth_year) -> None:
        """The rows registry.matching.name_keys gives (the same keys, sorted per part,
        cut to 80), from keys computed once per distinct name."""
        family_keys = (self.keys_of(self.family_keys, family, name_rules.match_keys)
                       | self.keys_of(self.family_keys, family_cyr, name_rules.match_keys))
        given_keys = (self.keys_of(self.given_keys, given, name_rules.given_name_keys)
                      | self.keys_of(self.given_keys, given_cyr, name_rules.given_name_keys))
        for part, keys in (("family", family_keys), ("given", given_keys)):
            for key in sorted(keys):
                self.rows.add("person_match_key", person_id=person_id, part=part,
                              key=key[:80], birth_year=birth_year)

    def document(self, person_id: int, age: int, nationality: str) -> list[DocumentStand]:
        rng = self.rng
        roll = rng.random()
        if age < 14:
            kind = "birth_certificate" if roll < 0.7 else ("biometric_passport" if roll < 0.9
                                                           else "none")
        else:
            kind = "biometric_passport" if roll < 0.62 else ("internal_passport" if roll < 0.77
                                                             else "national_id" if roll < 0.9
                                                             else "passport" if roll < 0.95
                                                             else "none")
        if kind == "none":
            self.rows.add("identity_document", person_id=person_id, type="none", number=None,
                          issuing_country=None, expiry=None)
            return []
        number = f"F{rng.choice('ABCEHJKMPRST')}{rng.randint(100000, 999999)}" \
            if "passport" in kind else f"{rng.randint(100000000, 999999999)}"
        self.rows.add("identity_document", person_id=person_id, type=kind, number=number,
                      issuing_country=nationality,
                      expiry=date(self.now.year + rng.randint(0, 9), rng.randint(1, 12), 1))
        return [DocumentStand(kind, number)]

    def flags(self, person_id: int, sex: str, age: int, relation: str) -> list[str]:
        rng = self.rng
        chosen = []
        rates = [("chronic_illness", 0.08), ("reduced_mobility", 0.03 if age < 65 else 0.15),
                 ("disability", 0.02), ("needs_care", 0.01 if age < 70 else 0.1)]
        if sex == "female" and 18 <= age <= 42:
            rates.append(("pregnant", 0.03))
        if age < 18 and relation == "head":
            rates.append(("unaccompanied_minor", 1.0))
        if age >= 65 and relation == "head":
            rates.append(("elderly_alone", 0.5))
        for code, rate in rates:
            if code in self.flag_codes and rng.random() < rate:
                chosen.append(code)
                self.rows.add("person_flag", person_id=person_id, code=code)
        return chosen

    # --- duplicates ---------------------------------------------------------------------

    duplicates: list[dict]

    def deliberate_duplicates(self) -> None:
        """Some persons registered again later, under another spelling."""
        for original in self.duplicates:
            arrived = min(original["arrived_at"] + timedelta(days=self.rng.randint(1, 10)),
                          self.now - timedelta(minutes=5))
            copy = self.household(arrived, len(original["members"]), copy_of=original)
            if self.rng.random() < 0.5:
                self.rows.add("duplicate_decision", person_id=copy["members"][0]["id"],
                              candidate_id=original["members"][0]["id"], score=0.9,
                              reason="Demo: trotz Ähnlichkeit registriert",
                              decided_by_id=self.user_id, decided_at=arrived, resolved_at=None)

    # --- stays ----------------------------------------------------------------------------

    def release_until(self, moment: datetime) -> None:
        while self.releases and self.releases[0][0] <= moment:
            _when, bed = heapq.heappop(self.releases)
            self.free_beds.append(bed)

    def stays(self) -> None:
        rng = self.rng
        for household in sorted(self.people, key=lambda h: h["arrived_at"]):
            arrived = household["arrived_at"]
            self.release_until(arrived)
            if rng.random() > 0.85 or len(self.free_beds) < len(household["members"]):
                continue
            check_in = arrived + timedelta(minutes=rng.randint(20, 240))
            if check_in >= self.now:
                check_in = None
            days = rng.expovariate(1 / max(self.days * 0.6, 1))
            leaves = (check_in or arrived) + timedelta(days=days)
            reason = choose(rng, CHECKOUT_REASONS)
            for member in household["members"]:
                bed = self.free_beds.pop()
                self.stay(member, household, bed, arrived, check_in, leaves, reason)
            self.rows.checkpoint()

    def stay(self, member, household, bed, planned, check_in, leaves, reason) -> None:
        ended = leaves if check_in and leaves < self.now else None
        state = "checked_out" if ended else ("checked_in" if check_in else "planned")
        stay_id = self.rows.add(
            "stay", person_id=member["id"], household_id=household["id"], bed_id=bed,
            state=state, planned_at=planned, checked_in_at=check_in, ended_at=ended,
            end_reason=reason if ended else None, destination=None, moved_from_id=None,
            version=1)
        self.rows.add("stay_event", stay_id=stay_id, from_state=None, to_state="planned",
                      at=planned, recorded_at=planned, user_id=self.user_id, note=None)
        if check_in:
            self.rows.add("stay_event", stay_id=stay_id, from_state="planned",
                          to_state="checked_in", at=check_in, recorded_at=check_in,
                          user_id=self.user_id, note=None)
        if ended:
            self.rows.add("stay_event", stay_id=stay_id, from_state="checked_in",
                          to_state="checked_out", at=ended, recorded_at=ended,
                          user_id=self.user_id, note=reason)
            heapq.heappush(self.releases, (ended, bed))
        member["stay"] = (check_in, ended or self.now, stay_id)

    # --- cards and deliveries -------------------------------------------------------------

    def cards_and_deliveries(self, per_person: float) -> None:
        rng = self.rng
        for household in self.people:
            for member in household["members"]:
                card_id = self.rows.add(
                    "card", person_id=member["id"], number=self.reference("K"),
                    token_hash=hashlib.sha256(rng.getrandbits(160).to_bytes(20, "big"))
                    .hexdigest(), status="active", revoked_reason=None,
                    issued_at=household["arrived_at"], issued_by_id=self.user_id,
                    revoked_at=None, expires_at=None)
                stay = member.get("stay")
                if not stay or stay[0] is None:
                    continue
                start, end, _stay_id = stay
                count = int(rng.expovariate(1 / per_person)) if per_person else 0
                span = max((end - start).total_seconds(), 60)
                for _ in range(count):
                    moment = start + timedelta(seconds=rng.uniform(0, span))
                    service = choose(rng, SERVICE_MIX)
                    window = None
                    if service == "meal":
                        window, at = rng.choice(MEAL_WINDOWS)
                        local_day = moment.astimezone(self.zone).date()
                        moment = datetime.combine(local_day, at, tzinfo=self.zone).astimezone(
                            timezone.utc)
                        if moment < start or moment >= end:
                            continue
                    self.rows.add(
                        "delivery", service_type=service, person_id=member["id"],
                        household_id=household["id"], scope="person", time_window=window,
                        point="Demo", site_id=None, card_id=card_id, delivered_at=moment,
                        recorded_by_id=self.user_id, voided_at=None, void_reason=None,
                        voided_by_id=None)
                    if rng.random() < 0.06:
                        self.rows.add(
                            "scan", scanned_at=moment + timedelta(minutes=1), service_type=service,
                            point="Demo", site_id=None, result="red", reason="limit_reached",
                            card_id=card_id, person_id=member["id"], delivery_id=None,
                            user_id=self.user_id)
            self.rows.checkpoint()

    # --- clarification ------------------------------------------------------------------------

    def clarification(self) -> None:
        rng = self.rng
        for household in self.people:
            arrived = household["arrived_at"]
            today = arrived.astimezone(self.zone).date()
            age_days = (self.now - arrived).total_seconds() / 86400
            latest = self.now - timedelta(minutes=1)
            for need in self.verdicts.needs(household["stand"], today):
                topic = self.topics[need.topic]
                created = arrived + timedelta(minutes=rng.randint(1, 30))
                path = self.item_path(age_days, topic)
                state, resolution = path[-1][0], path[-1][1]
                moments = [created]
                for _step in path[1:]:
                    moments.append(min(
                        moments[-1] + timedelta(hours=rng.uniform(2, 24 * age_days / 2)),
                        latest))
                item_id = self.rows.add(
                    "clarification_item", household_id=household["id"],
                    person_id=need.person_id, topic=need.topic,
                    authority_id=self.authorities[topic["authority"]],
                    priority=need.priority or topic.get("priority", 3),
                    due_on=(created + timedelta(days=topic.get("due_days", 14))).date(),
                    state=state, waiting_on="person" if state == "waiting" else None,
                    resolution=resolution, assignee_id=None, notes=None,
                    rule_code=need.rule_code, created_at=created,
                    closed_at=moments[-1] if state in ("resolved", "not_applicable") else None,
                    version=len(path))
                previous = None
                for index, ((to_state, step_resolution), moment) in enumerate(
                        zip(path, moments)):
                    self.rows.add("clarification_transition", item_id=item_id,
                                  from_state=previous, to_state=to_state,
                                  resolution=step_resolution, note=None, at=moment,
                                  user_id=None if index == 0 else self.user_id)
                    previous = to_state
            self.rows.checkpoint()

    def item_path(self, age_days: float, topic: dict) -> list[tuple[str, str | None]]:
        """The states an item went through: older households are further along."""
        rng = self.rng
        progress = min(age_days / max(self.days * 0.5, 1), 1.0)
        roll = rng.random()
        resolutions = topic.get("resolutions") or [{"code": "done"}]
        if roll < 0.6 * progress:
            return [("open", None), ("in_progress", None),
                    ("resolved", rng.choice(resolutions)["code"])]
        if roll < 0.65 * progress:
            return [("open", None), ("not_applicable", None)]
        if roll < 0.7 * progress + 0.05:
            return [("open", None), ("waiting", None)]
        if roll < 0.75 * progress + 0.15:
            return [("open", None), ("in_progress", None)]
        return [("open", None)]


@contextmanager
def _bulk_loading():
    """Settings for the length of a seed.

    The generator holds millions of small dicts and tuples without reference cycles;
    the cyclic garbage collector would walk all of them again at every collection
    (at 100,000 persons, more time than generating them). SQLite's default page cache
    (2 MB) is far smaller than the tables being filled; a transaction that outgrows it
    spills the same pages to the WAL again and again, so the seed's connection gets up
    to 1 GB (taken only as pages are used) and its old size back afterwards. On both
    databases the secondary indexes are built after the load, not row by row."""
    collecting = gc.isenabled()
    gc.disable()
    connection = db.session.connection()
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        cache_size = connection.exec_driver_sql("PRAGMA cache_size").scalar()
        connection.exec_driver_sql(f"PRAGMA cache_size={SQLITE_SEED_CACHE_KIB}")
    try:
        if connection.dialect.name == "postgresql":
            with _postgres_without_secondary_indexes(connection, Rows.ORDER):
                yield
        elif sqlite:
            with _sqlite_without_secondary_indexes(connection, Rows.ORDER):
                yield
        else:
            yield
    finally:
        if sqlite:
            connection.exec_driver_sql(f"PRAGMA cache_size={int(cache_size)}")
        if collecting:
            gc.enable()


@contextmanager
def _sqlite_without_secondary_indexes(connection, tables):
    """The same on SQLite: the indexes created by name (not those behind a primary key
    or unique constraint) are dropped for the load and built again after it, in the
    seed's transaction; a unique partial index checks all rows when it is rebuilt."""
    marks = ", ".join("?" * len(tables))
    indexes = connection.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
        f"AND tbl_name IN ({marks})", tuple(tables)).all()
    quote = connection.dialect.identifier_preparer.quote
    for name, _sql in indexes:
        connection.exec_driver_sql(f"DROP INDEX {quote(name)}")
    yield
    for _name, sql in indexes:
        connection.exec_driver_sql(sql)


@contextmanager
def _postgres_without_secondary_indexes(connection, tables):
    """PostgreSQL's classic bulk load, inside the seed's transaction: the seeded tables'
    secondary indexes and foreign keys are dropped, the rows copied in, then the
    indexes built in one sort each and the foreign keys added back, which checks every
    row against its parent in one join instead of one lookup per row. Primary keys
    and unique constraints stay. On an error the transaction rolls all of it back."""
    names = list(tables)
    indexes = connection.exec_driver_sql(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "WHERE i.indrelid = ANY(%(tables)s::regclass[]) AND NOT EXISTS "
        "(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
        {"tables": names}).all()
    foreign_keys = connection.exec_driver_sql(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
        "FROM pg_constraint WHERE contype = 'f' AND conrelid = ANY(%(tables)s::regclass[])",
        {"tables": names}).all()
    quote = connection.dialect.identifier_preparer.quote
    for table, name, _definition in foreign_keys:
        connection.exec_driver_sql(f"ALTER TABLE {table} DROP CONSTRAINT {quote(name)}")
    for name, _definition in indexes:
        connection.exec_driver_sql(f"DROP INDEX {name}")
    yield
    connection.exec_driver_sql(f"SET LOCAL maintenance_work_mem = '{POSTGRES_INDEX_MEMORY}'")
    for _name, definition in indexes:
        connection.exec_driver_sql(definition)
    for table, name, definition in foreign_keys:
        connection.exec_driver_sql(
            f"ALTER TABLE {table} ADD CONSTRAINT {quote(name)} {definition}")


def seed(persons: int, days: int = 30, seed_value: int = 1, *, deliveries_per_person: float = 5,
         now: datetime | None = None) -> dict[str, int]:
    """Fill an empty database; returns the number of rows per table."""
    from arrival.registry.models import Household

    if db.session.scalar(sa.select(sa.func.count(Household.id))):
        raise ValueError("the database already holds households; seed an empty database")
    now = (now or clock.now()).replace(microsecond=0)
    with _bulk_loading():
        generator = Generator(persons, days, seed_value, now)
        generator.duplicates = []
        generator.rows.start_ids()
        generator.sites()
        generator.households()
        generator.deliberate_duplicates()
        generator.stays()
        generator.cards_and_deliveries(deliveries_per_person)
        generator.clarification()
        counts = generator.rows.write()
        del generator
    db.session.flush()
    # Fresh statistics for the query planner: without them PostgreSQL plans the
    # dashboard's counts over a million rows as if the tables were empty.
    db.session.execute(sa.text("ANALYZE"))
    return counts
