"""Forms of the transfer pages; the operations check every value again."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (BooleanField, DateField, IntegerField, SelectField,
                     SelectMultipleField, StringField, TextAreaField)
from wtforms.validators import Optional
from wtforms.widgets import CheckboxInput, ListWidget


class MultiCheckbox(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class DecisionForm(FlaskForm):
    kind = SelectField(_l("Decision"), choices=[("transfer", _l("Transfer to a district")),
                                                ("stay", _l("Stays in the city"))],
                       validate_choice=False)
    destination = SelectField(_l("Destination"), choices=[], validate_choice=False)
    decided_on = DateField(_l("Date of the decision"), validators=[Optional()])
    persons = MultiCheckbox(_l("For whom"), choices=[], coerce=int, validate_choice=False)
    reason = TextAreaField(_l("Reason (needed when the household is split)"),
                           render_kw={"maxlength": 500, "rows": 2})


class BatchForm(FlaskForm):
    destination = SelectField(_l("Destination"), choices=[], validate_choice=False)
    departs_on = DateField(_l("Departure day"))
    departs_time = StringField(_l("Departure time (HH:MM)"), render_kw={"maxlength": 5})
    seats = IntegerField(_l("Seats"), validators=[Optional()])
    note = StringField(_l("Note (bus company, meeting point)"), render_kw={"maxlength": 300})


class EditBatchForm(FlaskForm):
    departs_on = DateField(_l("Departure day"))
    departs_time = StringField(_l("Departure time (HH:MM)"), render_kw={"maxlength": 5})
    seats = IntegerField(_l("Seats"), validators=[Optional()])
    version = IntegerField(validators=[Optional()])


class AddForm(FlaskForm):
    households = MultiCheckbox(_l("Households with a decision"), choices=[], coerce=str,
                               validate_choice=False)
    version = IntegerField(validators=[Optional()])


class ScanForm(FlaskForm):
    code = StringField(_l("Scan the card, or type the card number"),
                       render_kw={"maxlength": 200})


class DestinationForm(FlaskForm):
    reception = StringField(_l("Receiving office"), render_kw={"maxlength": 200})
    contact_email = StringField(_l("E-mail"), render_kw={"maxlength": 200})
    contact_phone = StringField(_l("Phone"), render_kw={"maxlength": 60})
    weight = StringField(_l("Weight in the distribution key"), render_kw={"maxlength": 9})
    active = BooleanField(_l("In use"))


class CancelForm(FlaskForm):
    reason = StringField(_l("Reason for the cancellation"), render_kw={"maxlength": 300})
    version = IntegerField(validators=[Optional()])


class UndoForm(FlaskForm):
    reason = StringField(_l("Why (e.g. wrong card)"), render_kw={"maxlength": 300})
