"""Data-protection pages (the data-protection role): find a person, their access
report (PDF, JSON), erasure and restriction with the reason, the record of
processing."""

from __future__ import annotations

import json

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from arrival.audit.operations import record_read
from arrival.core.downloads import pdf_response
from arrival.core.forms_support import flash_errors
from arrival.core.timezone import to_local
from arrival.core.validation import ValidationFailed
from arrival.extensions import db
from arrival.privacy import access, operations, record, render
from arrival.privacy.forms import RequestForm
from arrival.registry import search as person_search

bp = Blueprint("privacy", __name__, url_prefix="/privacy")


def _person(public_id: str):
    person = operations.person_by_public_id(public_id)
    if person is None:
        abort(404)
    return person


@bp.get("/")
def index():
    query = (request.args.get("q") or "").strip()[:200]
    results = person_search.search(query) if query else None
    if results is not None:
        record_read(results.persons, entity_type="privacy_search", entity_id="-",
                    detail=f"{len(results.persons)} results")
    return render_template("privacy/index.html", query=query, results=results,
                           retention=operations.retention_overview())


@bp.get("/persons/<public_id>")
def subject(public_id: str):
    person = _person(public_id)
    record_read(person.household.persons, entity_type="household",
                entity_id=person.household.public_id, detail="data protection")
    return render_template("privacy/subject.html", person=person,
                           household=person.household, form=RequestForm(),
                           requests=operations.requests_of(person), to_local=to_local)


@bp.get("/persons/<public_id>/access-report")
def access_report(public_id: str):
    person = _person(public_id)
    whole = request.args.get("household") == "1"
    file_format = request.args.get("format", "pdf")
    if file_format not in ("pdf", "json"):
        abort(404)
    try:
        people = operations.subjects(person, household=whole)
    except ValidationFailed as error:
        flash_errors(error)
        return redirect(url_for("privacy.subject", public_id=public_id))
    report = access.access_report(person, household=whole)
    operations.log_access_report(person, people, whole, file_format)
    filename = f"auskunft_{person.household.ref}"
    if file_format == "json":
        return Response(json.dumps(report, ensure_ascii=False, indent=2),
                        mimetype="application/json", headers={
                            "Content-Disposition": f"attachment; filename={filename}.json",
                            "Cache-Control": "no-store"})
    return pdf_response(render.access_report_pdf(report), f"{filename}.pdf")


def _act(public_id: str, action, done_message: str):
    person = _person(public_id)
    form = RequestForm()
    if not form.validate_on_submit():
        flash_errors(ValidationFailed({name: list(errors) for name, errors in
                                       form.errors.items()}))
        return redirect(url_for("privacy.subject", public_id=public_id))
    try:
        action(person, reason=form.reason.data, household=form.household.data)
    except operations.ErasureRefused as error:
        db.session.commit()  # the refusal stays on record
        flash_errors(error)
        return redirect(url_for("privacy.subject", public_id=public_id))
    except ValidationFailed as error:
        flash_errors(error)
        return redirect(url_for("privacy.subject", public_id=public_id))
    flash(done_message, "success")
    return redirect(url_for("privacy.subject", public_id=person.public_id))


@bp.post("/persons/<public_id>/restrict")
def restrict(public_id: str):
    return _act(public_id, operations.restrict, _("Processing restricted."))


@bp.post("/persons/<public_id>/lift-restriction")
def lift_restriction(public_id: str):
    return _act(public_id, operations.lift_restriction, _("Restriction lifted."))


@bp.post("/persons/<public_id>/erase")
def erase(public_id: str):
    return _act(public_id, operations.erase, _("The record is erased (anonymised)."))


@bp.get("/record", endpoint="record")
def record_of_processing():
    text = record.markdown()
    if request.args.get("format") == "md":
        return Response(text, mimetype="text/markdown", headers={
            "Content-Disposition": "attachment; filename=verarbeitungsverzeichnis.md"})
    if request.args.get("format") == "pdf":
        return pdf_response(render.markdown_pdf(text), "verarbeitungsverzeichnis.pdf")
    return render_template("privacy/record.html", doc=record.document())
