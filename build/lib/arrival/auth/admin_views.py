"""Administration of accounts (role admin)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from arrival.auth import operations
from arrival.auth.forms import CreateUserForm, ResetPasswordForm, SetActiveForm, UserForm
from arrival.auth.models import User
from arrival.catalog.operations import active_authorities
from arrival.core.forms_support import apply_errors, flash_errors
from arrival.core.validation import ValidationFailed
from arrival.extensions import db

bp = Blueprint("users", __name__, url_prefix="/admin/users")


def _authority_choices():
    locale = str(get_locale())
    return [("", "—")] + [(a.code, a.name(locale)) for a in active_authorities()]


@bp.get("/")
def index():
    return render_template(
        "admin/users.html", users=operations.list_users(), active_form=SetActiveForm(),
        role_changes=operations.recent_role_changes(),
    )


@bp.route("/new", methods=["GET", "POST"])
def create():
    form = CreateUserForm()
    form.authority.choices = _authority_choices()
    if form.validate_on_submit():
        try:
            user = operations.create_user(
                form.username.data, form.role.data, form.password.data,
                authority_code=form.authority.data or None, display_name=form.display_name.data,
            )
        except ValidationFailed as error:
            apply_errors(form, error)
        else:
            flash(_("Account %(name)s created.", name=user.username), "success")
            return redirect(url_for("users.index"))
    return render_template("admin/user_form.html", form=form, user=None), _status(form)


@bp.route("/<int:user_id>", methods=["GET", "POST"])
def edit(user_id: int):
    user = db.get_or_404(User, user_id)
    form = UserForm(obj=None if request.method == "POST" else user)
    form.authority.choices = _authority_choices()
    if request.method == "GET":
        form.authority.data = user.authority.code if user.authority else ""
        form.version.data = str(user.version)
    if form.validate_on_submit():
        if form.version.data != str(user.version):
            flash(_("This account was changed by someone else in the meantime. "
                    "The form now shows the current values."), "warning")
            return redirect(url_for("users.edit", user_id=user.id))
        try:
            changed = operations.update_user(
                user, role=form.role.data, authority_code=form.authority.data or None,
                display_name=form.display_name.data, actor=current_user._get_current_object(),
            )
        except ValidationFailed as error:
            apply_errors(form, error)
        else:
            if changed:
                flash(_("Account %(name)s saved.", name=user.username), "success")
            return redirect(url_for("users.index"))
    return render_template(
        "admin/user_form.html", form=form, user=user, reset_form=ResetPasswordForm(),
        active_form=SetActiveForm(),
    ), _status(form)


@bp.post("/<int:user_id>/password")
def reset_password(user_id: int):
    user = db.get_or_404(User, user_id)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            operations.set_password(user, form.password.data, reason="reset")
        except ValidationFailed as error:
            for message in error.errors.get("password", []):
                flash(_("Password not set: %(reason)s", reason=message), "error")
            return redirect(url_for("users.edit", user_id=user.id))
        flash(_("New password set for %(name)s; their sessions have ended.", name=user.username),
              "success")
    return redirect(url_for("users.edit", user_id=user.id))


@bp.post("/<int:user_id>/active")
def set_active(user_id: int):
    user = db.get_or_404(User, user_id)
    form = SetActiveForm()
    if form.validate_on_submit():
        enable = request.form.get("enable") == "1"
        try:
            operations.set_enabled(user, enable, actor=current_user._get_current_object())
        except ValidationFailed as error:
            flash_errors(error)
        else:
            flash(
                _("Account %(name)s activated.", name=user.username) if enable
                else _("Account %(name)s deactivated; its sessions have ended.",
                       name=user.username),
                "success",
            )
    return redirect(url_for("users.index"))


def _status(form) -> int:
    return 422 if form.is_submitted() and form.errors else 200
