"""Forms of the data-protection pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, SubmitField
from wtforms.validators import DataRequired, Length


class RequestForm(FlaskForm):
    """Erasure, restriction or lifting it: the reason, and for the head of a
    household whether the request covers the whole household."""

    reason = StringField(_l("Reason (the request and how it came in)"),
                         validators=[DataRequired(), Length(max=300)])
    household = BooleanField(_l("For the whole household (the head's request)"))
    submit = SubmitField(_l("Carry out"))
