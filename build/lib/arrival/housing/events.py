"""What housing announces (see arrival.core.events). Handlers run inside the
transaction of the change."""

from __future__ import annotations

from dataclasses import dataclass

from arrival.housing.models import Stay


@dataclass(frozen=True)
class StayEnded:
    """A stay was checked out (or, if never checked in, cancelled) with a reason.
    Cards, gate presence, transfers and retention react to it."""
    stay: Stay
    reason: str
    checked_out: bool
