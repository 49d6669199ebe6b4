"""Slot calendars, slots and appointments.

A slot holds ``capacity`` seats (desks) and counts the seats taken in ``booked``;
a booking takes its seats with one conditional UPDATE (``booked + n <= capacity``)
and a CHECK constraint holds the same line, so two clerks booking the last seat
at the same moment cannot both get it (arrival.appointments.operations).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from arrival.database import UTCDateTime, now_utc
from arrival.extensions import db


class AppointmentState(StrEnum):
    PLANNED = "planned"
    ARRIVED = "arrived"
    ATTENDED = "attended"
    MISSED = "missed"
    CANCELLED = "cancelled"


ACTIVE_APPOINTMENT_STATES = (AppointmentState.PLANNED.value, AppointmentState.ARRIVED.value)


class SlotCalendar(db.Model):
    """The appointments one authority offers at one location: opening hours (used
    when slots are made in bulk), seats per slot (desks) and blocked days."""

    __tablename__ = "slot_calendar"

    id: Mapped[int] = mapped_column(primary_key=True)
    authority_id: Mapped[int] = mapped_column(sa.ForeignKey("authority.id"), index=True)
    location: Mapped[str] = mapped_column(sa.String(200))
    weekdays: Mapped[str] = mapped_column(sa.String(7), default="12345")  # ISO 1 = Monday
    opens: Mapped[str] = mapped_column(sa.String(5), default="08:00")
    closes: Mapped[str] = mapped_column(sa.String(5), default="16:00")
    slot_minutes: Mapped[int] = mapped_column(default=15)
    desks: Mapped[int] = mapped_column(default=1)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    authority = relationship("Authority", lazy="joined")
    blocked_days: Mapped[list[BlockedDay]] = relationship(
        back_populates="calendar", order_by="BlockedDay.day", cascade="all, delete-orphan")

    __table_args__ = (
        sa.UniqueConstraint("authority_id", "location"),
        sa.CheckConstraint("desks >= 1", name="desks"),
        sa.CheckConstraint("slot_minutes >= 5", name="slot_minutes"),
    )


class BlockedDay(db.Model):
    __tablename__ = "slot_calendar_blocked_day"

    calendar_id: Mapped[int] = mapped_column(sa.ForeignKey("slot_calendar.id"), primary_key=True)
    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    reason: Mapped[str] = mapped_column(sa.String(200))

    calendar: Mapped[SlotCalendar] = relationship(back_populates="blocked_days")


class Slot(db.Model):
    __tablename__ = "appointment_slot"

    id: Mapped[int] = mapped_column(primary_key=True)
    calendar_id: Mapped[int] = mapped_column(sa.ForeignKey("slot_calendar.id"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    capacity: Mapped[int] = mapped_column()
    booked: Mapped[int] = mapped_column(default=0)

    calendar: Mapped[SlotCalendar] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("calendar_id", "starts_at"),
        sa.CheckConstraint("booked >= 0 AND booked <= capacity", name="within_capacity"),
        sa.CheckConstraint("ends_at > starts_at", name="positive_length"),
        # Next free slot: the calendar's slots in time order with a free seat.
        sa.Index("ix_appointment_slot_free", "calendar_id", "starts_at",
                 sqlite_where=sa.text("booked < capacity"),
                 postgresql_where=sa.text("booked < capacity")),
    )

    @property
    def free(self) -> int:
        return self.capacity - self.booked


class Appointment(db.Model):
    """One seat in one slot for one or more persons of a household.
    States change only through arrival.appointments.operations.transition."""

    __tablename__ = "appointment"

    id: Mapped[int] = mapped_column(primary_key=True)
    slot_id: Mapped[int] = mapped_column(sa.ForeignKey("appointment_slot.id"), index=True)
    calendar_id: Mapped[int] = mapped_column(sa.ForeignKey("slot_calendar.id"))
    authority_id: Mapped[int] = mapped_column(sa.ForeignKey("authority.id"))
    type_code: Mapped[str] = mapped_column(sa.String(60))
    household_id: Mapped[int] = mapped_column(sa.ForeignKey("household.id"), index=True)
    item_id: Mapped[int | None] = mapped_column(sa.ForeignKey("clarification_item.id"),
                                                index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(sa.String(20), default=AppointmentState.PLANNED.value)
    reason: Mapped[str | None] = mapped_column(sa.String(300))
    arrived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    called_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    desk: Mapped[str | None] = mapped_column(sa.String(20))
    call_number: Mapped[str | None] = mapped_column(sa.String(20))  # card number shown
    rebooked_from_id: Mapped[int | None] = mapped_column(sa.ForeignKey("appointment.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    version: Mapped[int] = mapped_column(default=1)

    slot: Mapped[Slot] = relationship()
    calendar: Mapped[SlotCalendar] = relationship()
    authority = relationship("Authority", lazy="joined")
    household = relationship("Household")
    item = relationship("ClarificationItem")
    attendees: Mapped[list[AppointmentPerson]] = relationship(
        back_populates="appointment", cascade="all, delete-orphan", lazy="selectin")
    transitions: Mapped[list[AppointmentTransition]] = relationship(
        back_populates="appointment", order_by="AppointmentTransition.id")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.CheckConstraint(
            "state IN ('planned', 'arrived', 'attended', 'missed', 'cancelled')", name="state"),
        # The day list of one calendar, in time order.
        sa.Index("ix_appointment_day", "calendar_id", "starts_at"),
        # The call-up screen: the latest calls of one calendar.
        sa.Index("ix_appointment_calls", "calendar_id", "called_at",
                 sqlite_where=sa.text("called_at IS NOT NULL"),
                 postgresql_where=sa.text("called_at IS NOT NULL")),
    )

    @property
    def active(self) -> bool:
        return self.state in ACTIVE_APPOINTMENT_STATES

    @property
    def persons(self):
        return [a.person for a in self.attendees]


class AppointmentPerson(db.Model):
    """Who comes to an appointment; start and end copied from the appointment so
    that a person's overlapping bookings are one index range."""

    __tablename__ = "appointment_person"

    appointment_id: Mapped[int] = mapped_column(sa.ForeignKey("appointment.id"),
                                                primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"), primary_key=True)
    # The person's own item this appointment serves (per-person topics).
    item_id: Mapped[int | None] = mapped_column(sa.ForeignKey("clarification_item.id"),
                                                index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    active: Mapped[bool] = mapped_column(default=True)

    appointment: Mapped[Appointment] = relationship(back_populates="attendees")
    person = relationship("Person", lazy="joined")
    item = relationship("ClarificationItem")

    __table_args__ = (
        sa.Index("ix_appointment_person_busy", "person_id", "starts_at", "ends_at",
                 sqlite_where=sa.text("active"), postgresql_where=sa.text("active")),
    )


class AppointmentTransition(db.Model):
    __tablename__ = "appointment_transition"

    id: Mapped[int] = mapped_column(primary_key=True)
    appointment_id: Mapped[int] = mapped_column(sa.ForeignKey("appointment.id"), index=True)
    from_state: Mapped[str | None] = mapped_column(sa.String(20))
    to_state: Mapped[str] = mapped_column(sa.String(20))
    note: Mapped[str | None] = mapped_column(sa.String(300))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    appointment: Mapped[Appointment] = relationship(back_populates="transitions")
