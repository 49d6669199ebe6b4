"""Households, persons, their documents and flags, and the match keys that make
duplicate detection an index lookup instead of a scan over all persons."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from arrival.database import UTCDateTime, now_utc
from arrival.extensions import db


class Sex(StrEnum):
    FEMALE = "female"
    MALE = "male"
    DIVERSE = "diverse"
    UNKNOWN = "unknown"


class Relation(StrEnum):
    HEAD = "head"
    SPOUSE = "spouse"
    CHILD = "child"
    PARENT = "parent"
    GRANDPARENT = "grandparent"
    SIBLING = "sibling"
    OTHER_RELATIVE = "other_relative"
    COMPANION = "companion"


class DocumentType(StrEnum):
    BIOMETRIC_PASSPORT = "biometric_passport"
    PASSPORT = "passport"
    NATIONAL_ID = "national_id"
    INTERNAL_PASSPORT = "internal_passport"
    BIRTH_CERTIFICATE = "birth_certificate"
    OTHER = "other"
    NONE = "none"


def new_public_id() -> str:
    return str(uuid.uuid4())


def _in(values) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


class Household(db.Model):
    __tablename__ = "household"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Public identifiers are UUIDs a tablet could create offline; ids stay internal.
    public_id: Mapped[str] = mapped_column(sa.String(36), unique=True, default=new_public_id)
    ref: Mapped[str] = mapped_column(sa.String(20), unique=True)
    arrived_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    arrival_point: Mapped[str | None] = mapped_column(sa.String(60))
    phone: Mapped[str | None] = mapped_column(sa.String(32), index=True)  # E.164; searched
    contact_language: Mapped[str | None] = mapped_column(sa.String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, onupdate=now_utc)
    version: Mapped[int] = mapped_column(default=1)
    # Data protection (issue 20, arrival.privacy): processing restricted (Art. 18) —
    # hidden from every role but data protection and the administrator; anonymised
    # by the retention sweep or an erasure (Art. 17), the statistics kept.
    restricted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    persons: Mapped[list[Person]] = relationship(
        back_populates="household", order_by="Person.position", lazy="selectin"
    )

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        # The few restricted households: every person-reading query of clarification
        # items excludes them (arrival.privacy.visibility) and would otherwise scan
        # the whole household table for them (6.7 ms at 25,000 households).
        sa.Index("ix_household_restricted", "id",
                 sqlite_where=sa.text("restricted_at IS NOT NULL"),
                 postgresql_where=sa.text("restricted_at IS NOT NULL")),
    )

    @property
    def head(self) -> Person | None:
        return next((p for p in self.persons if p.relation == Relation.HEAD), None)


class Person(db.Model):
    __tablename__ = "person"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(sa.String(36), unique=True, default=new_public_id)
    household_id: Mapped[int] = mapped_column(sa.ForeignKey("household.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    relation: Mapped[str] = mapped_column(sa.String(20))
    # Exactly as in the document; never "corrected".
    family_name: Mapped[str] = mapped_column(sa.String(100))
    given_names: Mapped[str] = mapped_column(sa.String(150))
    family_name_cyrillic: Mapped[str | None] = mapped_column(sa.String(100))
    given_names_cyrillic: Mapped[str | None] = mapped_column(sa.String(150))
    # Cyrillic, as Ukrainian documents print it (Петрівна); never part of given_names.
    patronymic: Mapped[str | None] = mapped_column(sa.String(100))
    sex: Mapped[str] = mapped_column(sa.String(10))
    date_of_birth: Mapped[date | None] = mapped_column(sa.Date, index=True)
    # Always set: the year of the full date, or the estimated year.
    birth_year: Mapped[int] = mapped_column(index=True)
    birth_date_estimated: Mapped[bool] = mapped_column(default=False)
    nationality: Mapped[str] = mapped_column(sa.String(3))
    languages: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    notes: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, onupdate=now_utc)
    version: Mapped[int] = mapped_column(default=1)
    # Data protection (issue 20): see Household.restricted_at / anonymised_at.
    restricted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    household: Mapped[Household] = relationship(back_populates="persons")
    documents: Mapped[list[Document]] = relationship(
        back_populates="person", lazy="selectin", cascade="all, delete-orphan"
    )
    flag_rows: Mapped[list[PersonFlag]] = relationship(
        lazy="selectin", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.CheckConstraint(f"sex IN {_in(Sex)}", name="sex"),
        sa.CheckConstraint(f"relation IN {_in(Relation)}", name="relation"),
        sa.CheckConstraint(
            "date_of_birth IS NULL OR birth_date_estimated = false", name="estimated_has_no_date"
        ),
    )

    @property
    def flags(self) -> list[str]:
        return sorted(row.code for row in self.flag_rows)

    @property
    def document(self) -> Document | None:
        return self.documents[0] if self.documents else None

    @property
    def display_name(self) -> str:
        return f"{self.family_name}, {self.given_names}"

    @property
    def first_given_name(self) -> str:
        return (self.given_names or "").split(" ")[0]

    def age_on(self, day: date) -> int:
        if self.date_of_birth is None:
            return day.year - self.birth_year
        born = self.date_of_birth
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


class Document(db.Model):
    __tablename__ = "identity_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"), index=True)
    type: Mapped[str] = mapped_column(sa.String(30))
    # Upper case without spaces: the form in which numbers are compared.
    number: Mapped[str | None] = mapped_column(sa.String(40), index=True)
    issuing_country: Mapped[str | None] = mapped_column(sa.String(3))
    expiry: Mapped[date | None] = mapped_column(sa.Date)

    person: Mapped[Person] = relationship(back_populates="documents")

    __table_args__ = (sa.CheckConstraint(f"type IN {_in(DocumentType)}", name="type"),)


class PersonFlag(db.Model):
    """A vulnerability flag (catalogue code) of a person; a row each, so that
    counts by flag are plain indexed SQL."""

    __tablename__ = "person_flag"

    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"), primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(60), primary_key=True, index=True)


class MatchKey(db.Model):
    """Derived, script-independent keys of a person's names (arrival.registry.names),
    with the birth year alongside so candidates come from one index range."""

    __tablename__ = "person_match_key"

    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"), primary_key=True)
    part: Mapped[str] = mapped_column(sa.String(6), primary_key=True)  # family | given
    key: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    birth_year: Mapped[int] = mapped_column()

    # person_id too: the duplicate check reads the ids from the index alone
    __table_args__ = (sa.Index("ix_person_match_key_lookup", "part", "key", "birth_year",
                               "person_id"),)


class DuplicateDecision(db.Model):
    """A clerk registered a person despite a likely duplicate, with a reason.
    Open until someone confirms they are different people or merges them."""

    __tablename__ = "duplicate_decision"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"), index=True)
    candidate_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"))
    score: Mapped[float] = mapped_column()
    reason: Mapped[str] = mapped_column(sa.String(300))
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class IdempotencyRecord(db.Model):
    """The first request with a key claims it; repeats get the same result."""

    __tablename__ = "idempotency_record"

    key: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    scope: Mapped[str] = mapped_column(sa.String(40))
    request_hash: Mapped[str] = mapped_column(sa.String(64))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    household_id: Mapped[int | None] = mapped_column(sa.ForeignKey("household.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)


class PersonPhoto(db.Model):
    """The optional photo of a person (PERSON_PHOTOS, off by default): a small JPEG
    taken with the tablet's camera at intake, kept apart from the person's row so that
    reading persons never loads it and erasure removes it as a whole."""

    __tablename__ = "person_photo"

    person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("person.id", ondelete="CASCADE"), primary_key=True)
    jpeg: Mapped[bytes] = mapped_column(sa.LargeBinary)
    width: Mapped[int] = mapped_column()
    height: Mapped[int] = mapped_column()
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    taken_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
