"""Scans and deliveries as sightings of a person (for "last seen" and the
absence list, see arrival.housing.absence)."""

from __future__ import annotations

import sqlalchemy as sa

from arrival.services.models import Delivery, Scan


def scan_sightings() -> sa.Select:
    return sa.select(Scan.person_id.label("person_id"), Scan.scanned_at.label("at")).where(
        Scan.person_id.is_not(None))


def delivery_sightings() -> sa.Select:
    return sa.select(Delivery.person_id.label("person_id"),
                     Delivery.delivered_at.label("at"))
