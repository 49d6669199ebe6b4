"""What the appointments domain announces (see arrival.core.events). Handlers
run inside the transaction of the change."""

from __future__ import annotations

from dataclasses import dataclass

from arrival.appointments.models import Appointment


@dataclass(frozen=True)
class AppointmentBooked:
    appointment: Appointment


@dataclass(frozen=True)
class AppointmentAttended:
    """Attended; ``resolution`` is set when the type resolves its item."""
    appointment: Appointment
    resolution: str | None


@dataclass(frozen=True)
class AppointmentMissed:
    """A no-show: the item needs a new appointment."""
    appointment: Appointment


@dataclass(frozen=True)
class AppointmentCancelled:
    appointment: Appointment
    rebooked: bool
