from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length

from arrival.auth.permissions import Role


ROLE_LABELS = {
    Role.ADMIN: _l("Administrator"),
    Role.INTAKE: _l("Intake"),
    Role.HOUSING: _l("Housing"),
    Role.SERVICE_POINT: _l("Service point"),
    Role.CASEWORKER: _l("Caseworker"),
    Role.COORDINATOR: _l("Coordination"),
    Role.SECURITY: _l("Security service"),
}


def role_label(role: str) -> str:
    return str(ROLE_LABELS.get(Role(role), role))


def role_choices():
    return [(role.value, ROLE_LABELS[role]) for role in Role]


class LoginForm(FlaskForm):
    username = StringField(
        _l("Username"), validators=[DataRequired(), Length(max=64)],
        render_kw={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"},
    )
    password = PasswordField(
        _l("Password"), validators=[DataRequired(), Length(max=200)],
        render_kw={"autocomplete": "current-password"},
    )
    submit = SubmitField(_l("Sign in"))


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired()],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = PasswordField(
        _l("New password"), validators=[DataRequired()],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Repeat new password"),
        validators=[DataRequired(), EqualTo("new_password", message=_l("The passwords differ."))],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField(_l("Change password"))


class UserForm(FlaskForm):
    display_name = StringField(_l("Full name"), validators=[Length(max=120)])
    role = SelectField(_l("Role"), choices=role_choices)
    authority = SelectField(_l("Authority (caseworkers only)"), choices=[], validate_choice=True)
    version = HiddenField()
    submit = SubmitField(_l("Save"))


class CreateUserForm(UserForm):
    username = StringField(
        _l("Username"), validators=[DataRequired(), Length(max=64)],
        render_kw={"autocapitalize": "none", "spellcheck": "false"},
    )
    password = PasswordField(
        _l("Initial password"), validators=[DataRequired()],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField(_l("Create account"))


class ResetPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"), validators=[DataRequired()], render_kw={"autocomplete": "new-password"}
    )
    submit = SubmitField(_l("Set password"))


class SetActiveForm(FlaskForm):
    submit = SubmitField()


class LogoutForm(FlaskForm):
    submit = SubmitField(_l("Sign out"))
