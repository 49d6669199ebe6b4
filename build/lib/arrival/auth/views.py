from __future__ import annotations

import base64

from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from arrival.audit.models import AuditAction
from arrival.audit.operations import record
from arrival.auth import devices, operations
from arrival.auth.drafts import draft_key, draft_owner, key_id, rotate_draft_key
from arrival.auth.forms import ChangePasswordForm, LoginForm
from arrival.auth.sessions import end_session, start_session
from arrival.core.forms_support import apply_errors, safe_local_path
from arrival.core.inputs import accepts_control_characters, visible_controls
from arrival.core.validation import ValidationFailed
from arrival.extensions import limiter

bp = Blueprint("auth", __name__)

FAILED_LOGIN_STATUS = 401


def _login_failed(response) -> bool:
    return response.status_code == FAILED_LOGIN_STATUS


def _form_username() -> str:
    return operations.normalise_username(request.form.get("username", ""))[:64]


def _username_key() -> str:
    return "login-user:" + _form_username()


def _trusted_device() -> bool:
    return devices.nonce_for(_form_username()) is not None


def _device_key() -> str:
    return f"login-device:{_form_username()}:{devices.nonce_for(_form_username())}"


def _record_throttled(_limit) -> None:
    record(
        AuditAction.LOGIN_THROTTLED, entity_type="user",
        username=visible_controls(operations.normalise_username(request.form.get("username", ""))),
        durable=True,
    )


# Untrusted clients (no device cookie for the account tried) are limited per address
# and per account; a trusted client only by its own device cookie (auth/devices.py).
@bp.route("/login", methods=["GET", "POST"])
@accepts_control_characters  # a wrong username is audited and counted like any other
@limiter.limit(
    lambda: current_app.config["LOGIN_RATE_LIMIT_PER_IP"], methods=["POST"],
    deduct_when=_login_failed, on_breach=_record_throttled, scope="login-ip",
    exempt_when=_trusted_device,
)
@limiter.limit(
    lambda: current_app.config["LOGIN_RATE_LIMIT_PER_USERNAME"], methods=["POST"],
    key_func=_username_key, deduct_when=_login_failed, on_breach=_record_throttled,
    scope="login-user", exempt_when=_trusted_device,
)
@limiter.limit(
    lambda: current_app.config["LOGIN_RATE_LIMIT_PER_DEVICE"], methods=["POST"],
    key_func=_device_key, deduct_when=_login_failed, on_breach=_record_throttled,
    scope="login-device", exempt_when=lambda: not _trusted_device(),
)
def login():
    next_path = safe_local_path(request.args.get("next"), url_for("core.index"))
    if current_user.is_authenticated and request.method == "GET":
        return redirect(next_path)
    form = LoginForm()
    if form.validate_on_submit():
        user = operations.authenticate(form.username.data, form.password.data)
        if user is not None:
            # A new session: nothing from before the login survives into it.
            session.clear()
            start_session(user)
            login_user(user)
            operations.record_login(user)
            response = redirect(next_path)
            devices.remember(response, user.username)
            return response
        operations.record_failed_login(form.username.data)
        form.password.errors = [_("Username or password is not correct.")]
        return render_template("auth/login.html", form=form), FAILED_LOGIN_STATUS
    status = FAILED_LOGIN_STATUS if form.is_submitted() else 200
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
def logout():
    end_session(current_user.get_id(), "logout")
    rotate_draft_key(current_user)  # drafts left on any tablet can no longer be read
    record(AuditAction.LOGOUT, entity_type="user", entity_id=current_user.id)
    logout_user()
    session.clear()
    flash(_("You have been signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        if operations.authenticate(user.username, form.current_password.data) is None:
            form.current_password.errors = [_("The current password is not correct.")]
        else:
            try:
                operations.set_password(user, form.new_password.data, reason="changed")
            except ValidationFailed as error:
                error.errors = {"new_password": error.errors.pop("password", [])} | error.errors
                apply_errors(form, error)
            else:
                # Other devices are signed out; this one continues in a new session.
                session.clear()
                start_session(user)
                login_user(user)
                flash(_("Your password has been changed."), "success")
                return redirect(url_for("core.index"))
    return render_template("auth/change_password.html", form=form)


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response


@bp.get("/session/draft-key")
def draft_key_json():
    """The signed-in account's key for its form drafts on the tablet (raw AES-256,
    base64); see arrival/auth/drafts.py. Never cached, never stored by the page."""
    secret = draft_key(current_user)
    return _no_store(jsonify(key=base64.b64encode(secret).decode(), kid=key_id(secret),
                             owner=draft_owner(current_user)))


@bp.get("/session/keepalive")
def keepalive():
    """Activity on a page that sends no request of its own (typing): the session
    was marked as seen on the way in; nothing else to do. A GET: it writes nothing
    to the database (the time last seen lives in the session cookie)."""
    return _no_store(current_app.response_class(status=204))
