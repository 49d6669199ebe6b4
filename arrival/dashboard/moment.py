"""Which moment and whose view the dashboard shows (shared by its page and API)."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from flask_login import current_user

from arrival.core.inputs import within_range
from arrival.core.timezone import assume_local
from arrival.core.validation import ValidationFailed


def parse_as_of(value: str | None) -> datetime | None:
    """An ISO time (with offset), or a local datetime-local value, or nothing (now)."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValidationFailed(as_of=_("Not a valid date and time.")) from None
    try:
        moment = assume_local(moment)
    except OverflowError:
        raise ValidationFailed(as_of=_("Not a valid date and time.")) from None
    return within_range(moment, "as_of")


def own_authority_code() -> str | None:
    return current_user.authority.code if current_user.authority else None


