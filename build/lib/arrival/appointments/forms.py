"""Forms of the appointment pages; the operations check every value again."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField

WEEKDAY_CHOICES = [("12345", _l("Monday to Friday")), ("123456", _l("Monday to Saturday")),
                   ("1234567", _l("every day"))]


class CalendarForm(FlaskForm):
    authority = SelectField(_l("Authority"), choices=[], validate_choice=False)
    location = StringField(_l("Place (building, room)"), render_kw={"maxlength": 200})


class GenerateForm(FlaskForm):
    first_day = DateField(_l("First day"))
    last_day = DateField(_l("Last day"))
    weekdays = SelectField(_l("Weekdays"), choices=WEEKDAY_CHOICES, validate_choice=False)
    opens = StringField(_l("Opens (HH:MM)"), default="08:00", render_kw={"maxlength": 5})
    closes = StringField(_l("Closes (HH:MM)"), default="16:00", render_kw={"maxlength": 5})
    every = IntegerField(_l("Every … minutes"), default=15)
    desks = IntegerField(_l("Desks (seats per slot)"), default=1)


class BlockForm(FlaskForm):
    day = DateField(_l("Day"))
    reason = StringField(_l("Reason"), render_kw={"maxlength": 200})


class BookForm(FlaskForm):
    calendar = SelectField(_l("Calendar"), choices=[], validate_choice=False)
    starts_at = StringField(_l("Time (leave empty for the next free slot)"),
                            render_kw={"type": "datetime-local", "step": 300})
    together = BooleanField(_l("The household's members who need it come together"),
                            default=True)


class RebookForm(BookForm):
    reason = StringField(_l("Reason"), render_kw={"maxlength": 300})


class ScanForm(FlaskForm):
    code = StringField(_l("Scan the card, or type the card number"),
                       render_kw={"maxlength": 200, "autocomplete": "off", "autofocus": True})
