"""Which moment and whose view the dashboard shows (shared by its page and API)."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import gettext as _
from flask_login import current_user

from arrival.core.clock import now
from arrival.core.inputs import within_range
from arrival.core.timezone import assume_local, format_local
from arrival.core.validation import ValidationFailed

GERMAN_FORMATS = ("%d.%m.%Y %H:%M", "%d.%m.%Y, %H:%M", "%d.%m.%Y")
# A clock a little ahead on a tablet is not "the future".
FUTURE_SKEW = timedelta(minutes=5)


def parse_as_of(value: str | None) -> datetime | None:
    """An ISO time (with offset), a local datetime-local value, TT.MM.JJJJ [HH:MM]
    (local time), or nothing (now). Not understood, or in the future: refused."""
    if not value or not value.strip():
        return None
    value = value.strip()
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        moment = None
        for pattern in GERMAN_FORMATS:
            try:
                moment = datetime.strptime(value, pattern)
                break
            except ValueError:
                continue
        if moment is None:
            raise ValidationFailed(as_of=_(
                "“%(value)s” is not understood as a date and time: use DD.MM.YYYY HH:MM.",
                value=value[:40])) from None
    try:
        moment = assume_local(moment)
        future = moment > now() + FUTURE_SKEW
    except OverflowError:
        raise ValidationFailed(as_of=_("Not a valid date and time.")) from None
    if future:
        try:
            shown = format_local(moment)
        except OverflowError:  # beyond what local time can show: say it as typed
            shown = value[:40]
        raise ValidationFailed(as_of=_(
            "%(moment)s is in the future: figures exist only up to now.", moment=shown))
    return within_range(moment, "as_of")


def own_authority_code() -> str | None:
    return current_user.authority.code if current_user.authority else None


