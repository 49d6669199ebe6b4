from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, TextAreaField

STATE_LABELS = {
    "open": _l("open"), "in_progress": _l("in progress"), "waiting": _l("waiting"),
    "resolved": _l("resolved"), "not_applicable": _l("not applicable"),
}
WAITING_LABELS = {"person": _l("on the person"), "authority": _l("on another authority")}


class TransitionForm(FlaskForm):
    to = SelectField(_l("New state"), choices=list(STATE_LABELS.items()), validate_choice=False)
    resolution = SelectField(_l("Resolution (when resolved)"), choices=[],
                             validate_choice=False)
    waiting_on = SelectField(_l("Waiting (when waiting)"),
                             choices=[("", "—")] + list(WAITING_LABELS.items()),
                             validate_choice=False)
    waiting_for = SelectField(_l("Which authority (when waiting on one)"), choices=[],
                              validate_choice=False)
    note = TextAreaField(_l("Note"), render_kw={"rows": 2, "maxlength": 1000})
    version = HiddenField()
