from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField

VISIT_KINDS = [("visitor", _l("Visitor")), ("staff", _l("Staff"))]


class VisitForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=VISIT_KINDS, validate_choice=False)
    name = StringField(_l("Name"))
    organisation = StringField(_l("Organisation"))


class GateSettingsForm(FlaskForm):
    gate_control = BooleanField(_l("Gate control (IN/OUT scans decide who is inside)"))
    assembly_point = StringField(_l("Assembly point"))
