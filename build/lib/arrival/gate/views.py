"""Gate pages: the gate station (IN/OUT/SEEN), visitors and staff, the evacuation
list (printable), the assembly-point kiosk that keeps its copy offline, roll calls."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from arrival.audit.models import AuditAction
from arrival.audit.operations import record
from arrival.auth.permissions import FieldGroup, can_open, user_field_groups
from arrival.core.clock import now as clock_now
from arrival.core.forms_support import ActionForm, apply_errors, flash_errors
from arrival.core.validation import Conflict, ValidationFailed
from arrival.extensions import db, limiter
from arrival.gate import operations
from arrival.gate.export import presence_workbook
from arrival.gate.forms import GateSettingsForm, VisitForm
from arrival.gate.limits import scan_rate_limit, station_key
from arrival.gate.models import RollCall, Visit
from arrival.gate.templating import gate_texts
from arrival.housing.inventory import sites
from arrival.housing.models import Site

bp = Blueprint("gate", __name__, url_prefix="/gate")

DIRECTIONS = ("in", "out", "seen")


def _identity() -> bool:
    return FieldGroup.IDENTITY in user_field_groups(current_user)


def _station_args(values) -> dict:
    direction = values.get("direction", "in")
    return {"site": values.get("site", type=int),
            "station": " ".join(values.get("station", "").split())[:80],
            "direction": direction if direction in DIRECTIONS else "in"}


@bp.get("/")
def index():
    settings = {s.id: operations.gate_site(s.id) for s in sites()}
    return render_template("gate/index.html", sites=sites(), settings=settings,
                           form=ActionForm(formdata=None))


def _render_station(station: dict, answer=None):
    site = db.session.get(Site, station["site"]) if station["site"] else None
    return render_template("gate/station.html", station=station, site=site, answer=answer,
                           form=ActionForm(formdata=None), sites=sites(),
                           gate_texts=gate_texts())


@bp.get("/station")
def station():
    return _render_station(_station_args(request.args))


@bp.post("/station")
@limiter.limit(scan_rate_limit, key_func=station_key)
def station_scan():
    """Without JavaScript the gate posts here and gets the answer as a page."""
    station = _station_args(request.form)
    answer = None
    if ActionForm().validate_on_submit():
        answer = operations.scan(request.form.get("code", ""), site_id=station["site"],
                                 station=station["station"], direction=station["direction"],
                                 show_identity=_identity(), locale=str(get_locale()))
    return _render_station(station, answer)


@bp.route("/sites/<int:site_id>/settings", methods=["GET", "POST"])
def settings(site_id: int):
    site = db.get_or_404(Site, site_id)
    current = operations.gate_site(site.id)
    form = GateSettingsForm(obj=current)
    if form.validate_on_submit():
        operations.set_gate_settings(site, gate_control=form.gate_control.data,
                                     assembly_point=form.assembly_point.data)
        flash(_("Saved."), "success")
        return redirect(url_for("gate.index"))
    return render_template("gate/settings.html", site=site, form=form)


# --- visitors and staff -----------------------------------------------------------------

def _render_visits(site: Site, form: VisitForm, status: int = 200):
    return render_template("gate/visits.html", site=site, form=form,
                           visits=operations.visits_on_site(site.id),
                           action=ActionForm(formdata=None)), status


@bp.get("/sites/<int:site_id>/visits")
def visits(site_id: int):
    site = db.get_or_404(Site, site_id)
    return _render_visits(site, VisitForm(formdata=None))


@bp.post("/sites/<int:site_id>/visits")
def sign_in(site_id: int):
    site = db.get_or_404(Site, site_id)
    form = VisitForm()
    if form.validate_on_submit():
        try:
            operations.sign_in_visit(site, kind=form.kind.data, name=form.name.data,
                                     organisation=form.organisation.data)
        except ValidationFailed as error:
            apply_errors(form, error)
            return _render_visits(site, form, 422)
        flash(_("Signed in."), "success")
        return redirect(url_for("gate.visits", site_id=site.id))
    return _render_visits(site, form, 422)


@bp.post("/visits/<int:visit_id>/sign-out")
def sign_out(visit_id: int):
    visit = db.get_or_404(Visit, visit_id)
    if ActionForm().validate_on_submit():
        try:
            operations.sign_out_visit(visit)
        except ValidationFailed as error:
            flash_errors(error)
        else:
            flash(_("Signed out."), "success")
    return redirect(url_for("gate.visits", site_id=visit.site_id))


# --- the evacuation list ------------------------------------------------------------------

@bp.get("/sites/<int:site_id>/evacuation")
def evacuation(site_id: int):
    site = db.get_or_404(Site, site_id)
    listing = operations.evacuation_list(site, locale=str(get_locale()))
    identity = _identity()
    if identity:
        operations.audit_list_read("evacuation_list", site,
                                   [p.public_id for p in listing.persons])
    return render_template("gate/evacuation.html", listing=listing, identity=identity,
                           setting=operations.gate_site(site.id))


@bp.get("/sites/<int:site_id>/kiosk")
def kiosk(site_id: int):
    """The page holds no names: its script fetches the list, keeps the latest copy
    on the device and shows it with its age when the server cannot be reached."""
    site = db.get_or_404(Site, site_id)
    return render_template("gate/kiosk.html", site=site,
                           data_url=url_for("api.gate_evacuation", site_id=site.id),
                           worker_url=url_for("gate.kiosk_worker"),
                           setting=operations.gate_site(site.id))


@bp.get("/kiosk-worker.js")
def kiosk_worker():
    """The kiosk's service worker, served from /gate/ so that it may control the
    kiosk pages (and nothing outside /gate/)."""
    path = Path(current_app.static_folder) / "js" / "kiosk-worker.js"
    response = Response(path.read_text(encoding="utf-8"), mimetype="text/javascript")
    return response


@bp.get("/sites/<int:site_id>/presence.xlsx")
def export(site_id: int):
    site = db.get_or_404(Site, site_id)
    listing = operations.evacuation_list(site, locale=str(get_locale()))
    identity = _identity()
    content = presence_workbook(listing, show_identity=identity)
    record(AuditAction.EXPORT, entity_type="presence", entity_id=site.id,
           detail=f"{len(listing.persons)} persons",
           persons=[p.public_id for p in listing.persons] if identity else None)
    stamp = clock_now().strftime("%Y%m%d-%H%M")
    return send_file(BytesIO(content), as_attachment=True,
                     download_name=f"presence-{site.id}-{stamp}.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument."
                              "spreadsheetml.sheet")


# --- roll calls ---------------------------------------------------------------------------

@bp.get("/sites/<int:site_id>/roll-calls")
def roll_calls(site_id: int):
    site = db.get_or_404(Site, site_id)
    return render_template("gate/roll_calls.html", site=site,
                           roll_calls=operations.roll_calls(site.id),
                           open_call=operations.open_roll_call(site.id),
                           form=ActionForm(formdata=None))


@bp.post("/sites/<int:site_id>/roll-calls")
def start_roll_call(site_id: int):
    site = db.get_or_404(Site, site_id)
    if not ActionForm().validate_on_submit():
        return redirect(url_for("gate.roll_calls", site_id=site.id))
    try:
        roll_call = operations.start_roll_call(site)
    except Conflict as error:
        flash(error.message, "error")
        return redirect(url_for("gate.roll_calls", site_id=site.id))
    return redirect(url_for("gate.roll_call", roll_call_id=roll_call.id))


@bp.get("/roll-calls/<int:roll_call_id>")
def roll_call(roll_call_id: int):
    roll_call = db.get_or_404(RollCall, roll_call_id)
    site = db.session.get(Site, roll_call.site_id)
    identity = _identity()
    status = operations.roll_call_status(roll_call, show_identity=identity)
    if identity:
        operations.audit_list_read("roll_call", site,
                                   [m["public_id"] for m in status.missing if m["public_id"]])
    return render_template("gate/roll_call.html", site=site, status=status,
                           roll_call=roll_call, form=ActionForm(formdata=None),
                           can_end=can_open(current_user, "gate.end_roll_call"))


@bp.post("/roll-calls/<int:roll_call_id>/end")
def end_roll_call(roll_call_id: int):
    roll_call = db.get_or_404(RollCall, roll_call_id)
    if ActionForm().validate_on_submit():
        try:
            status = operations.end_roll_call(roll_call)
        except ValidationFailed as error:
            flash_errors(error)
        else:
            flash(_("Roll call ended: %(accounted)d accounted for, %(missing)d missing.",
                    accounted=roll_call.accounted_count, missing=len(status.missing)),
                  "success")
    return redirect(url_for("gate.roll_call", roll_call_id=roll_call.id))
