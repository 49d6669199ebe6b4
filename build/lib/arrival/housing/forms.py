from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField, SelectField, StringField
from wtforms.validators import Optional

from arrival.housing.models import SiteKind

SITE_KIND_LABELS = {
    SiteKind.EMERGENCY_HALL: _l("Emergency hall"), SiteKind.HOTEL: _l("Hotel"),
    SiteKind.HOSTEL: _l("Hostel"), SiteKind.COMMUNITY_SHELTER: _l("Community shelter"),
    SiteKind.PRIVATE_HOST: _l("Private host"), SiteKind.RESERVE: _l("Reserve"),
}
UNIT_FLAG_LABELS = {
    "barrier_free": _l("barrier-free"), "family_room": _l("family room"),
    "women_only": _l("women and children only"), "quarantine": _l("quarantine"),
}


class SiteForm(FlaskForm):
    name = StringField(_l("Name"))
    kind = SelectField(_l("Kind"), choices=list(SITE_KIND_LABELS.items()), validate_choice=False)
    address = StringField(_l("Address"))
    operator = StringField(_l("Operator"))
    contact = StringField(_l("Contact (private hosts: name and phone)"))
    warning_percent = IntegerField(_l("Warning from (percent occupied)"), default=85,
                                   validators=[Optional()])
    critical_percent = IntegerField(_l("Critical from (percent occupied)"), default=95,
                                    validators=[Optional()])
    version = HiddenField()


class UnitForm(FlaskForm):
    name = StringField(_l("Room or area"))
    barrier_free = BooleanField(UNIT_FLAG_LABELS["barrier_free"])
    family_room = BooleanField(UNIT_FLAG_LABELS["family_room"])
    women_only = BooleanField(UNIT_FLAG_LABELS["women_only"])
    quarantine = BooleanField(UNIT_FLAG_LABELS["quarantine"])


class BedsForm(FlaskForm):
    count = IntegerField(_l("Number of beds"), default=1, validators=[Optional()])
    prefix = StringField(_l("Label prefix (optional)"))


class BlockForm(FlaskForm):
    reason = StringField(_l("Reason"))


class CheckOutForm(FlaskForm):
    reason = SelectField(_l("Reason"), choices=[], validate_choice=False)
    destination = StringField(_l("Destination (free text)"))
    at = StringField(_l("When"), render_kw={"type": "datetime-local"})
