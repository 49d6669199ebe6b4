"""Transfer pages: the overview, the quota view, destinations (administrators edit
contacts and the key), the distribution decision of a household, bus lists with
their conflicts, boarding at the bus (scan-station pattern), departure and the
hand-over package."""

from __future__ import annotations

from datetime import datetime, time

from flask import (Blueprint, Response, abort, flash, redirect, render_template, request,
                   url_for)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from arrival.auth.permissions import FieldGroup, sees
from arrival.core.clock import today_local
from arrival.core.forms_support import ActionForm, apply_errors, run_or_flash
from arrival.core.timezone import assume_local, to_local
from arrival.core.validation import Conflict, ValidationFailed
from arrival.extensions import db
from arrival.registry.lookup import household_or_404
from arrival.registry.operations import household_by_ref, record_view
from arrival.transfers import export, operations
from arrival.transfers.forms import (AddForm, BatchForm, CancelForm, DecisionForm,
                                     DestinationForm, EditBatchForm, ScanForm, UndoForm)
from arrival.transfers.models import (BatchHousehold, BatchState, HandoverPackage,
                                      TransferBatch, TransferDestination)
from arrival.transfers.templating import boarding_texts

bp = Blueprint("transfers", __name__, url_prefix="/transfers")


def _batch(batch_id: int) -> TransferBatch:
    return db.get_or_404(TransferBatch, batch_id)


def _back(batch: TransferBatch):
    return redirect(url_for("transfers.batch", batch_id=batch.id))


def _moment(day, clock: str, field: str = "departs_at") -> datetime:
    try:
        hours, minutes = (int(part) for part in (clock or "").strip().split(":"))
        return assume_local(datetime.combine(day, time(hours, minutes)))
    except (ValueError, TypeError):
        raise ValidationFailed(**{field: _("Give the time as HH:MM, e.g. 14:30.")}) from None


def _identity() -> bool:
    return sees(current_user, FieldGroup.IDENTITY)


@bp.get("/")
def index():
    planned = operations.batches(states=(BatchState.PLANNED.value,))
    recent = operations.batches(states=(BatchState.DEPARTED.value,), limit=20)
    return render_template("transfers/index.html", planned=sorted(planned, key=lambda b: b.departs_at),
                           recent=recent, waiting=len(operations.candidates()),
                           figures=operations.day_figures(today_local()))


@bp.get("/quota")
def quota():
    rows, suggestion, total = operations.quota()
    return render_template("transfers/quota.html", rows=rows, suggestion=suggestion,
                           total=total)


@bp.get("/destinations")
def destinations():
    return render_template("transfers/destinations.html",
                           destinations=operations.destinations(include_inactive=True),
                           form=DestinationForm(formdata=None))


@bp.route("/destinations/<int:destination_id>", methods=["GET", "POST"])
def edit_destination(destination_id: int):
    destination = db.get_or_404(TransferDestination, destination_id)
    form = DestinationForm(obj=destination) if request.method == "GET" else DestinationForm()
    if request.method == "GET":
        form.weight.data = "" if destination.weight is None else str(destination.weight)
    status = 200
    if request.method == "POST" and form.validate_on_submit():
        try:
            operations.edit_destination(
                destination, reception=form.reception.data, contact_email=form.contact_email.data,
                contact_phone=form.contact_phone.data, weight=form.weight.data,
                active=form.active.data)
        except ValidationFailed as error:
            apply_errors(form, error)
            status = 422
        else:
            flash(_("Destination saved."), "success")
            return redirect(url_for("transfers.destinations"))
    elif request.method == "POST":
        status = 422
    return render_template("transfers/destination_form.html", destination=destination,
                           form=form), status


def _destination_choices() -> list[tuple[str, str]]:
    return [("", "—")] + [(d.key, f"{d.label} · {d.key}") for d in operations.destinations()]


@bp.route("/households/<ref>/decision", methods=["GET", "POST"])
def decide(ref: str):
    household = household_or_404(ref)
    form = DecisionForm()
    form.destination.choices = _destination_choices()
    members = sorted(household.persons, key=lambda p: (p.position, p.id))
    form.persons.choices = [(p.id, p.display_name) for p in members]
    suggestion = operations.quota()[1]
    if request.method == "GET":
        form.persons.data = [p.id for p in members]
        form.decided_on.data = today_local()
        if suggestion is not None:
            form.destination.data = suggestion.destination.key
    status = 200
    if request.method == "POST" and form.validate_on_submit():
        try:
            destination = operations.destination_by_key(form.destination.data) \
                if form.destination.data else None
            operations.decide(household, kind=form.kind.data, destination=destination,
                              reason=form.reason.data, decided_on=form.decided_on.data,
                              person_ids=form.persons.data or None)
        except ValidationFailed as error:
            apply_errors(form, error)
            status = 422
        except Conflict as error:
            flash(error.message, "error")
            status = 409
        else:
            flash(_("Decision recorded; the distribution item is closed."), "success")
            return redirect(url_for("registry.household", ref=household.ref))
    elif request.method == "POST":
        status = 422
    record_view("household", household.ref, "distribution decision", persons=members)
    return render_template("transfers/decision.html", household=household, form=form,
                           members=members, suggestion=suggestion,
                           history=operations.decision_history(household.id)), status


@bp.route("/batches/new", methods=["GET", "POST"])
def new_batch():
    form = BatchForm()
    form.destination.choices = _destination_choices()
    if request.method == "GET":
        form.destination.data = request.args.get("destination", "")
        form.departs_on.data = today_local()
        form.seats.data = 50
    status = 200
    if request.method == "POST" and form.validate_on_submit():
        try:
            moment = _moment(form.departs_on.data, form.departs_time.data)
            batch = operations.create_batch(
                operations.destination_by_key(form.destination.data), departs_at=moment,
                seats=form.seats.data, note=form.note.data)
        except ValidationFailed as error:
            if "departs_at" in error.errors:
                error.errors["departs_time"] = error.errors.pop("departs_at")
            apply_errors(form, error)
            status = 422
        else:
            flash(_("Bus list created. Now add the households."), "success")
            return redirect(url_for("transfers.batch", batch_id=batch.id))
    elif request.method == "POST":
        status = 422
    return render_template("transfers/batch_form.html", form=form), status


def _render_batch(batch: TransferBatch, add: AddForm | None = None, edit=None, cancel=None,
                  status=200):
    entries = operations.open_entries(batch)
    findings = operations.conflicts(batch) if batch.state == BatchState.PLANNED.value else []
    boarded = operations.boarded_ids(batch)
    found = operations.candidates(batch.destination_id) \
        if batch.state == BatchState.PLANNED.value else []
    add = add or AddForm(formdata=None)
    add.households.choices = [(c.household.ref, c.household.ref) for c in found]
    if edit is None:
        edit = EditBatchForm(formdata=None)
        local = to_local(batch.departs_at)
        edit.departs_on.data, edit.departs_time.data = local.date(), local.strftime("%H:%M")
        edit.seats.data = batch.seats
    undone = operations.undone_boardings(batch)
    shown = [p for e in entries for p in operations.persons_of(e)] + \
        [p for c in found for p in c.persons] + [u.person for u in undone]
    record_view("transfer_batch", batch.id, "bus list", persons=shown)
    packages = db.session.scalars(db.select(HandoverPackage).where(
        HandoverPackage.batch_id == batch.id).order_by(HandoverPackage.id.desc())).all()
    return render_template(
        "transfers/batch.html", batch=batch, entries=entries, findings=findings,
        boarded=boarded, candidates=found, add=add, edit=edit, action=ActionForm(),
        counts=operations.boarding_counts(batch), packages=packages,
        cancel=cancel or CancelForm(formdata=None),
        undone=undone, identity=_identity(),
        may_handover=sees(current_user, FieldGroup.HANDOVER)), status


@bp.get("/batches/<int:batch_id>")
def batch(batch_id: int):
    return _render_batch(_batch(batch_id))


@bp.post("/batches/<int:batch_id>/edit")
def edit_batch(batch_id: int):
    batch = _batch(batch_id)
    form = EditBatchForm()
    if not form.validate_on_submit():
        return _render_batch(batch, edit=form, status=422)
    try:
        operations.edit_batch(batch, departs_at=_moment(form.departs_on.data,
                                                          form.departs_time.data),
                              seats=form.seats.data, expected_version=form.version.data)
    except ValidationFailed as error:
        if "departs_at" in error.errors:
            error.errors["departs_time"] = error.errors.pop("departs_at")
        apply_errors(form, error)
        return _render_batch(batch, edit=form, status=422)
    except Conflict as error:
        flash(error.message, "error")
        return _back(batch)
    flash(_("Bus list changed."), "success")
    return _back(batch)


@bp.post("/batches/<int:batch_id>/households")
def add_households(batch_id: int):
    batch = _batch(batch_id)
    form = AddForm()
    form.households.choices = [(r, r) for r in request.form.getlist("households")]
    if not form.validate_on_submit() or not form.households.data:
        flash(_("Tick the households to add."), "error")
        return redirect(url_for("transfers.batch", batch_id=batch.id))
    added = 0
    version = form.version.data
    for ref in form.households.data:
        household = household_by_ref(ref)
        if household is None:
            flash(_("Unknown household %(ref)s.", ref=ref), "error")
            continue
        if not run_or_flash(lambda: operations.add_household(batch, household,
                                                            expected_version=version)):
            break
        version = batch.version
        added += 1
    if added:
        flash(ngettext("%(num)d household added.", "%(num)d households added.", added),
              "success")
    return redirect(url_for("transfers.batch", batch_id=batch.id))


def _entry(batch: TransferBatch, entry_id: int) -> BatchHousehold:
    entry = db.get_or_404(BatchHousehold, entry_id)
    if entry.batch_id != batch.id:
        abort(404)
    return entry


@bp.post("/batches/<int:batch_id>/households/<int:entry_id>/remove")
def remove_household(batch_id: int, entry_id: int):
    batch = _batch(batch_id)
    entry = _entry(batch, entry_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    run_or_flash(lambda: operations.remove_household(entry), _("Household taken off the list."))
    return _back(batch)


@bp.post("/batches/<int:batch_id>/households/<int:entry_id>/care")
def confirm_care(batch_id: int, entry_id: int):
    batch = _batch(batch_id)
    entry = _entry(batch, entry_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    run_or_flash(lambda: operations.confirm_care_place(entry, True),
                 _("Receiving place confirmed."))
    return _back(batch)


@bp.post("/batches/<int:batch_id>/depart")
def depart(batch_id: int):
    batch = _batch(batch_id)
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    version = request.form.get("version", type=int)
    done = []
    if not run_or_flash(lambda: done.append(operations.depart(batch, expected_version=version))):
        return _back(batch)
    done = done[0]
    flash(ngettext("Departed: %(num)d person checked out as transferred.",
                   "Departed: %(num)d persons checked out as transferred.",
                   len(done.transferred)), "success")
    if done.missing:
        flash(ngettext("%(num)d person was missing and stays.",
                       "%(num)d persons were missing and stay.", len(done.missing)), "warning")
    return _back(batch)


@bp.post("/batches/<int:batch_id>/cancel")
def cancel_batch(batch_id: int):
    batch = _batch(batch_id)
    form = CancelForm()
    if not form.validate_on_submit():
        return _render_batch(batch, cancel=form, status=422)
    try:
        with db.session.begin_nested():
            operations.cancel_batch(batch, form.reason.data, expected_version=form.version.data)
    except ValidationFailed as error:
        apply_errors(form, error)
        return _render_batch(batch, cancel=form, status=422)
    except Conflict as error:
        flash(error.message, "error")
        return _back(batch)
    flash(_("Bus list cancelled; its households can go on another list."), "success")
    return _back(batch)


@bp.get("/batches/<int:batch_id>/boarding")
def boarding(batch_id: int):
    batch = _batch(batch_id)
    return _render_boarding(batch)


def _render_boarding(batch, answer=None, status=200):
    entries = operations.open_entries(batch)
    boarded = operations.boarded_ids(batch)
    identity = _identity()
    shown = [p for e in entries for p in operations.persons_of(e)] if identity else []
    if answer is not None and answer.person is not None:
        shown.append(answer.person)
    if shown:
        record_view("transfer_batch", batch.id, "boarding", persons=shown)
    return render_template("transfers/boarding.html", batch=batch, entries=entries,
                           boarded=boarded, form=ScanForm(formdata=None), answer=answer,
                           counts=operations.boarding_counts(batch), identity=identity,
                           undo=UndoForm(formdata=None),
                           texts=boarding_texts()), status


@bp.post("/batches/<int:batch_id>/boarding")
def board(batch_id: int):
    """Without JavaScript: the form posts here and the page answers."""
    batch = _batch(batch_id)
    form = ScanForm()
    if not form.validate_on_submit():
        abort(400)
    answer = operations.board(batch, code=form.code.data)
    return _render_boarding(batch, answer)


@bp.post("/batches/<int:batch_id>/boarding/<public_id>/undo")
def undo_boarding(batch_id: int, public_id: str):
    """A wrong boarding taken back (the button on the boarding list)."""
    batch = _batch(batch_id)
    person = operations.person_by_public_id(public_id)
    if person is None:
        abort(404)
    form = UndoForm()
    if not form.validate_on_submit():
        abort(400)
    record_view("transfer_batch", batch.id, "boarding undone", persons=[person])
    run_or_flash(lambda: operations.undo_boarding(batch, person, form.reason.data),
                 _("Boarding of %(name)s undone.", name=person.display_name if _identity()
                   else person.first_given_name))
    return redirect(url_for("transfers.boarding", batch_id=batch.id))


@bp.route("/batches/<int:batch_id>/handover", methods=["GET", "POST"])
def handover(batch_id: int):
    """Generate the package (POST) and show its password once."""
    batch = _batch(batch_id)
    if not sees(current_user, FieldGroup.HANDOVER):
        abort(403)
    if request.method == "GET":
        return redirect(url_for("transfers.batch", batch_id=batch.id))
    if not ActionForm().validate_on_submit():
        abort(400)
    package = export.build(batch)
    response = Response(render_template("transfers/handover.html", batch=batch, package=package))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/handover/<int:package_id>.zip")
def download_handover(package_id: int):
    package = db.get_or_404(HandoverPackage, package_id)
    if not sees(current_user, FieldGroup.HANDOVER):
        abort(403)
    data, filename, _persons = export.archive_of(package)
    return Response(data, mimetype="application/zip", headers={
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "no-store"})
