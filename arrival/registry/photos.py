"""The optional photo of a person (issue 17): off unless a deployment switches it on
(PERSON_PHOTOS, from ARRIVAL_PERSON_PHOTOS) — data minimisation.

The tablet downscales the camera picture to a small JPEG before sending it; the
server still checks what it stores: a JPEG (by its bytes, not by what the client
says), at most PERSON_PHOTO_MAX_BYTES, at most PERSON_PHOTO_MAX_PIXELS on its longer
side. The photo belongs to the identity field group: only roles that see identity
get it, and every read is audited as a read of the person. Erasure and the
retention sweep delete it with the person's other data (arrival.privacy.anonymise).

Operations flush and audit; the request commits.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from arrival.audit.models import AuditAction
from arrival.audit.operations import record, record_read
from arrival.core.actor import acting_user_id
from arrival.core.clock import now
from arrival.core.validation import ValidationFailed
from arrival.extensions import db
from arrival.registry.models import Person, PersonPhoto

MIN_PIXELS = 32  # smaller shows no face: a mistake, not a photo
# Start-of-frame markers (baseline, extended, progressive, lossless; not DHT/JPG/DAC).
_SOF_MARKERS = frozenset({0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7,
                          0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF})
_DATA_URL_PREFIX = "data:image/jpeg;base64,"


def photos_enabled() -> bool:
    return bool(current_app.config.get("PERSON_PHOTOS"))


def max_bytes() -> int:
    return int(current_app.config["PERSON_PHOTO_MAX_BYTES"])


def max_pixels() -> int:
    return int(current_app.config["PERSON_PHOTO_MAX_PIXELS"])


@dataclass(frozen=True)
class JpegSize:
    width: int
    height: int


def jpeg_size(data: bytes) -> JpegSize | None:
    """Width and height from a JPEG's start-of-frame segment; None when the bytes are
    not a complete JPEG (no SOI at the start, no frame header, no EOI at the end)."""
    if len(data) < 4 or data[:2] != b"\xff\xd8" or data[-2:] != b"\xff\xd9":
        return None
    index = 2
    while index + 4 <= len(data):
        if data[index] != 0xFF:
            return None
        marker = data[index + 1]
        if marker == 0xFF:  # fill byte
            index += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:  # no length field
            index += 2
            continue
        length = int.from_bytes(data[index + 2:index + 4], "big")
        if length < 2 or index + 2 + length > len(data):
            return None
        if marker in _SOF_MARKERS:
            if length < 7:
                return None
            height = int.from_bytes(data[index + 5:index + 7], "big")
            width = int.from_bytes(data[index + 7:index + 9], "big")
            return JpegSize(width, height) if width and height else None
        if marker == 0xDA:  # start of scan before any frame header
            return None
        index += 2 + length
    return None


def decode_upload(value) -> bytes:
    """The JPEG bytes of an upload: base64, optionally as a data URL of image/jpeg."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationFailed(photo=_("Please take a photo."))
    text = value.strip()
    if text.startswith("data:"):
        if not text.startswith(_DATA_URL_PREFIX):
            raise ValidationFailed(photo=_("The photo must be a JPEG image."))
        text = text[len(_DATA_URL_PREFIX):]
    # Refuse before decoding what cannot fit (base64 is 4 characters per 3 bytes).
    if len(text) > (max_bytes() + 2) // 3 * 4 + 4:
        raise ValidationFailed(photo=_too_large_message())
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationFailed(photo=_("The photo could not be read (not base64).")) from None


def _too_large_message() -> str:
    return _("The photo is too large (at most %(kb)d KB).", kb=max_bytes() // 1024)


def check_photo(data: bytes) -> JpegSize:
    """The checks the server makes whatever the tablet did: size, type, dimensions."""
    if len(data) > max_bytes():
        raise ValidationFailed(photo=_too_large_message())
    size = jpeg_size(data)
    if size is None:
        raise ValidationFailed(photo=_("The photo must be a JPEG image."))
    limit = max_pixels()
    if size.width > limit or size.height > limit:
        raise ValidationFailed(photo=_(
            "The photo is too large (%(width)d × %(height)d pixels; at most %(limit)d on "
            "each side).", width=size.width, height=size.height, limit=limit))
    if size.width < MIN_PIXELS or size.height < MIN_PIXELS:
        raise ValidationFailed(photo=_(
            "The photo is too small (at least %(limit)d pixels on each side).",
            limit=MIN_PIXELS))
    return size


def _lock(person: Person) -> None:
    """Two tablets saving a photo of one person at once: serialised on PostgreSQL (SQLite
    runs writing requests one at a time); the second replaces the first."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.select(Person.id).where(Person.id == person.id).with_for_update())


def save_photo(person: Person, data: bytes) -> PersonPhoto:
    """Store (or replace) the person's photo after checking it; audited as a change."""
    size = check_photo(data)
    _lock(person)
    photo = db.session.get(PersonPhoto, person.id)
    created = photo is None
    if created:
        photo = PersonPhoto(person_id=person.id)
        db.session.add(photo)
    photo.jpeg, photo.width, photo.height = data, size.width, size.height
    photo.taken_at, photo.taken_by_id = now(), acting_user_id()
    db.session.flush()
    record(AuditAction.CREATE if created else AuditAction.UPDATE, entity_type="person",
           entity_id=person.public_id, fields=["photo"], persons=[person])
    return photo


def delete_photo(person: Person) -> bool:
    """Remove the person's photo; False when there was none (nothing audited)."""
    photo = db.session.get(PersonPhoto, person.id)
    if photo is None:
        return False
    db.session.delete(photo)
    db.session.flush()
    record(AuditAction.DELETE, entity_type="person", entity_id=person.public_id,
           fields=["photo"], persons=[person])
    return True


def has_photo(person_id: int) -> bool:
    """Whether a photo is stored (without loading it): for the gate's and station's
    answers, which then link to it."""
    if not photos_enabled():
        return False
    return db.session.scalar(sa.select(sa.literal(True)).where(
        PersonPhoto.person_id == person_id)) is not None


def photo_bytes(person_id: int) -> bytes | None:
    """The stored JPEG without auditing (the card print audits its own read)."""
    if not photos_enabled():
        return None
    return db.session.scalar(sa.select(PersonPhoto.jpeg).where(PersonPhoto.person_id == person_id))


def read_photo(person: Person) -> bytes | None:
    """The photo for showing it: every read is audited as a read of the person."""
    data = photo_bytes(person.id)
    if data is not None:
        record_read([person], entity_type="person_photo", entity_id=person.public_id)
    return data


def delete_photos_of(person_ids: list[int]) -> int:
    """Erasure and retention: every photo of these persons (set-based, flushes)."""
    if not person_ids:
        return 0
    result = db.session.execute(sa.delete(PersonPhoto).where(
        PersonPhoto.person_id.in_(person_ids)), execution_options={"synchronize_session": False})
    return result.rowcount or 0
