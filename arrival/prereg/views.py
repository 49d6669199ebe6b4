"""Pre-registration pages.

Public (no account): /pre, the form on the phone, and /pre/notice, the
information notice. They need no JavaScript, speak PUBLIC_LANGUAGES (from the
browser, switchable with ?lang=), refuse bodies above PREREG_MAX_BYTES, count
submits per address (PREREG_RATE_LIMIT, in the shared limiter storage) and keep
a honeypot field. The answer to a submit shows the QR code and the short code
once; nothing can be read back afterwards.

Staff: /prereg/desk takes the scanned token or the typed short code and opens
the registration form prefilled (/households/new?pre=<desk key>);
/prereg/notice prints the notice (German and the household's language).
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from arrival.core.errors import error_response
from arrival.core.timezone import format_local
from arrival.core.validation import ValidationFailed
from arrival.extensions import limiter
from arrival.prereg import forms, operations
from arrival.prereg.templating import (
    chosen_language,
    notice_html,
    qr_png_data_uri,
    use_public_language,
)

bp = Blueprint("prereg", __name__)
PUBLIC_ENDPOINTS = frozenset({"prereg.public_form", "prereg.public_notice"})


@bp.url_value_preprocessor
def _public_request(endpoint, values):
    """Before the limiter and the input checks: the page language (so that every
    refusal speaks it) and the small body limit of the public pages."""
    if endpoint in PUBLIC_ENDPOINTS:
        use_public_language(chosen_language(request.args.get("lang")))
        request.max_content_length = current_app.config["PREREG_MAX_BYTES"]


@bp.after_request
def _no_store(response):
    if request.endpoint in PUBLIC_ENDPOINTS:  # a shared phone keeps nothing in its cache
        response.headers["Cache-Control"] = "no-store"
    return response


def _public_error(status: int, message: str):
    return render_template("prereg/public_error.html", message=message,
                           language=g.public_language), status


@bp.errorhandler(429)
def _too_many(error):
    if request.endpoint not in PUBLIC_ENDPOINTS:
        return error_response(429)
    return _public_error(429, _("Too many forms were sent from this network. Please wait a "
                                "few minutes and send again, or go to the desk."))


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(error):
    if request.endpoint not in PUBLIC_ENDPOINTS:
        return error_response(413)
    return _public_error(413, _("The form is too large. Please shorten the long texts."))


def _render_form(raw: dict, *, errors: dict | None = None, status: int = 200, focus=None,
                 fresh: bool = False):
    summary = forms.error_summary(errors or {})
    errors = {key.replace(".", "-"): value for key, value in (errors or {}).items()}
    return render_template(
        "prereg/public_form.html", raw=raw, errors=errors, summary=summary,
        language=g.public_language,
        max_persons=operations.MAX_PERSONS, focus=focus, honeypot=forms.HONEYPOT_FIELD,
        days=operations.valid_days(), notice=notice_html(g.public_language), fresh=fresh,
    ), status


def _submit_rate_limit() -> str:
    return current_app.config["PREREG_RATE_LIMIT"]


@bp.route("/pre", methods=["GET", "POST"])
@limiter.limit(_submit_rate_limit, methods=["POST"], scope="prereg-submit")
def public_form():
    if request.method == "GET":
        return _render_form({"persons": [{}]}, fresh=True)
    if request.form.get(forms.HONEYPOT_FIELD):
        current_app.logger.warning("pre-registration refused: the honeypot field was filled")
        return _public_error(400, _("The form could not be accepted. Please go to the desk."))
    raw = forms.submission(request.form)
    action = request.form.get("action", "send")
    if action == "add":
        forms.add_person(raw)
        return _render_form(raw, focus=f"persons-{len(raw['persons']) - 1}")
    if action == "refresh":  # the phone's kept input, sent back once (prereg-keep.js)
        return _render_form(raw)
    if action.startswith("remove:"):
        forms.remove_person(raw, action.partition(":")[2])
        return _render_form(raw)
    try:
        receipt = operations.submit(raw, language=g.public_language)
    except ValidationFailed as error:
        return _render_form(raw, errors=error.errors, status=422)
    return render_template(
        "prereg/public_done.html", receipt=receipt, qr=qr_png_data_uri(receipt.token),
        expires=format_local(receipt.expires_at, "%d.%m.%Y"), language=g.public_language,
        persons=len(raw["persons"]))


@bp.get("/pre/notice")
def public_notice():
    return render_template("prereg/public_notice.html", language=g.public_language,
                           notice=notice_html(g.public_language))


def _desk_key() -> str:
    return f"desk:{getattr(current_user, 'id', '-')}"


@bp.route("/prereg/desk", methods=["GET", "POST"])
@limiter.limit("30 per minute", methods=["POST"], key_func=_desk_key, scope="prereg-desk")
def desk():
    """Scan the QR code (camera, handheld scanner) or type the short code."""
    if request.method == "GET":
        return render_template("prereg/desk.html", code="")
    code = (request.form.get("code") or "").strip()[:operations.MAX_LOOKUP_LENGTH]
    prereg = operations.find(code)
    if prereg is None:
        message = _("No valid pre-registration has this code: check the check character, or "
                    "it has expired (after %(days)d days) or was registered already.",
                    days=operations.valid_days())
        return render_template("prereg/desk.html", code=code, error=message), 404
    key = operations.open_at_desk(prereg, current_user)
    flash(_("Pre-registration opened: check every entry against the documents (read the "
            "MRZ: it replaces what was typed)."), "info")
    return redirect(url_for("registry.new_household", pre=key))


@bp.get("/prereg/notice")
def print_notice():
    """The information notice on A4: German, and a second public language."""
    languages = ["de"]
    second = request.args.get("lang")
    if second in current_app.config["PUBLIC_LANGUAGES"] and second != "de":
        languages.append(second)
    elif second not in (None, "", "de"):
        abort(404)
    return render_template("prereg/print_notice.html",
                           notices=[(language, notice_html(language)) for language in languages])
