"""Intake pages: register a household, add a member, edit a person, the
household page, search."""

from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from arrival.auth.permissions import FieldGroup, user_field_groups
from arrival.core.prefill import household_prefill
from arrival.core.sections import household_sections, household_summaries
from arrival.core.timezone import format_local
from arrival.core.validation import Conflict, ValidationFailed
from arrival.database import now_utc
from arrival.registry import operations, photos, search as person_search
from arrival.registry.form_actions import (
    apply_action,
    blank_person,
    iso_to_local_input,
    latin_suggestions,
    local_to_iso,
)
from arrival.registry.forms import HouseholdForm, MemberForm, PersonEditForm
from arrival.registry.history import household_history
from arrival.registry.lookup import household_or_404, person_or_404
from arrival.registry.validation import parse_household, plausibility_warnings

bp = Blueprint("registry", __name__)


def _form_path(path: str) -> str:
    return path.replace(".", "-")


def attach_errors(form, messages: dict[str, list[str]]) -> list[str]:
    """Put each message at its field ("persons.0.family_name" → persons-0-family_name);
    returns those that belong to no field."""
    fields = {f.id: f for f in _all_fields(form)}
    unplaced = []
    for path, texts in messages.items():
        field = fields.get(_form_path(path))
        if field is None:
            unplaced.extend(texts)
        else:
            field.errors = list(field.errors) + list(texts)
    return unplaced


def _all_fields(form):
    for field in form:
        yield field
        if hasattr(field, "entries"):
            for entry in field.entries:
                yield from _all_fields(entry.form) if hasattr(entry, "form") else [entry]
        elif hasattr(field, "form"):
            yield from _all_fields(field.form)


def household_payload(form: HouseholdForm) -> dict:
    payload = {
        "arrived_at": local_to_iso(form.arrived_at.data or ""),
        "arrival_point": form.arrival_point.data or None,
        "phone": form.phone.data or None,
        "contact_language": form.contact_language.data or None,
        "persons": [entry.form.to_payload() for entry in form.persons.entries],
    }
    return {k: v for k, v in payload.items() if v not in (None, "")}


def _rebuilt(form_class, data: dict):
    """A fresh form from edited data (after add/remove/MRZ) instead of the request."""
    data.pop("csrf_token", None)
    return form_class(formdata=None, data=data)


def _record_candidates_shown(candidates: dict) -> None:
    shown = [c.person for found in candidates.values() for c in found]
    operations.record_view("duplicate_check", "-", detail=f"{len(shown)} candidates",
                           persons=shown)


def _render_household_form(form, *, status=200, duplicates=None, warnings=None, general=(),
                           focus=None, fresh=False):
    """The registration page. focus: the index of the person the clerk works on
    (their block is open; the others show as one row each)."""
    persons = [entry.form.data for entry in form.persons.entries]
    duplicates = duplicates or {}
    if duplicates:
        _record_candidates_shown(duplicates)
    warnings = {_form_path(k): v for k, v in (warnings or {}).items()}
    with_errors = _persons_with_problems(form, warnings)
    open_persons = set(with_errors) | set(duplicates)
    if focus is not None:
        open_persons.add(focus)
    if not open_persons:
        open_persons = {len(persons) - 1}
    return render_template(
        "registry/household_form.html", form=form, duplicates=duplicates, warnings=warnings,
        summary=error_summary(form, warnings, duplicates, general),
        persons_with_errors=with_errors, open_persons=open_persons,
        reason_index=min(duplicates) if duplicates else None, fresh=fresh,
        suggestions=[latin_suggestions(p) for p in persons],
    ), status


def _leaf_fields(form):
    return [f for f in _all_fields(form) if not hasattr(f, "entries") and not hasattr(f, "form")]


def _person_index(field_id: str) -> int | None:
    parts = field_id.split("-")
    if parts[0] == "persons" and len(parts) > 2 and parts[1].isdigit():
        return int(parts[1])
    return None


def _persons_with_problems(form, warnings: dict) -> set[int]:
    ids = [f.id for f in _leaf_fields(form) if f.errors] + list(warnings)
    return {i for i in map(_person_index, ids) if i is not None}


def error_summary(form, warnings: dict, duplicates: dict, general=()) -> list[tuple]:
    """(anchor, text) for every problem, in the order of the page: each links to its
    field (or to the decision about a likely duplicate)."""
    items: list[tuple[str | None, str]] = [(None, str(message)) for message in general]
    for f in _leaf_fields(form):
        index = _person_index(f.id)
        where = _("Person %(number)d", number=index + 1) + " · " if index is not None else ""
        for message in list(f.errors) + list(warnings.get(f.id, [])):
            items.append((f.id, f"{where}{f.label.text}: {message}"))
    for index in sorted(duplicates):
        anchor = "duplicate_reason" if index == min(duplicates) else f"person-{index}"
        items.append((anchor, _("Person %(number)d", number=index + 1) + " · " + _(
            "possibly already registered: open the existing household, or register anyway "
            "with a reason.")))
    if warnings:
        items.append(("confirm_warnings",
                      _("Confirm the entries marked above, or correct them.")))
    return items


def _in_place() -> bool:
    """The page's script sent this button (fetch) and replaces the form itself."""
    return request.headers.get("X-Arrival-In-Place") == "1"


def _action_focus(action: str, count: int) -> int | None:
    kind, _sep, argument = action.partition(":")
    if kind in ("add_member", "add_child"):
        return count - 1
    if argument.isdigit() and count:
        return min(int(argument), count - 1)
    return None


@bp.route("/households/new", methods=["GET", "POST"])
def new_household():
    if request.method == "GET":
        prefilled = household_prefill(request.args.get("pre"))  # e.g. a pre-registration
        if request.args.get("pre") and prefilled is None:
            flash(_("This pre-registration is no longer there (registered or expired)."),
                  "warning")
        form = HouseholdForm(formdata=None, data=prefilled or {
            "arrived_at": iso_to_local_input(now_utc()), "persons": [blank_person(relation="head")]})
        form.ensure_idempotency_key()
        return _render_household_form(form, fresh=prefilled is None, focus=0 if prefilled else None)

    form = HouseholdForm()
    action = request.form.get("action", "save")
    if action != "save":
        data = form.data
        messages = apply_action(data["persons"], action)
        form = _rebuilt(HouseholdForm, data)
        attach_errors(form, messages)
        return _render_household_form(form, status=422 if messages else 200,
                                      focus=_action_focus(action, len(data["persons"])))

    form.ensure_idempotency_key()
    payload = household_payload(form)
    try:
        data = parse_household(payload)
    except ValidationFailed as error:
        general = attach_errors(form, error.errors)
        return _render_household_form(form, status=422, general=general)
    warnings = plausibility_warnings(data)
    if warnings and not form.confirm_warnings.data:
        return _render_household_form(form, status=422, warnings=warnings)
    reason = (form.duplicate_reason.data or "").strip()[:300] or None
    try:
        registration = operations.register_household(
            data, idempotency_key=form.idempotency_key.data,
            fingerprint=operations.request_fingerprint(payload), duplicate_reason=reason)
    except operations.PossibleDuplicates as found:
        return _render_household_form(form, status=409, duplicates=found.candidates)
    except operations.IdempotencyKeyReused:
        form.idempotency_key.data = ""
        form.ensure_idempotency_key()
        return _render_household_form(form, status=422, general=[
            _("This form was already used for another registration. Please check and send "
              "it again.")])
    household = registration.household
    if registration.created:
        flash(_("Household %(ref)s registered.", ref=household.ref), "success")
    else:
        flash(_("This registration had already been saved: household %(ref)s.",
                ref=household.ref), "info")
    location = url_for("registry.household", ref=household.ref)
    if _in_place():  # the page deletes its draft, then opens the household itself
        return jsonify(location=location)
    return redirect(location)


@bp.get("/households/<ref>")
def household(ref: str):
    household = household_or_404(ref)
    groups = user_field_groups(current_user)
    operations.record_view("household", household.public_id, persons=household.persons)
    return render_template(
        "registry/household.html", household=household, groups=groups, FieldGroup=FieldGroup,
        history=household_history(household), decisions=operations.open_decisions(household),
        sections=household_sections(household, groups),
        badges=household_summaries([household.id])[household.id],
    )


@bp.route("/households/<ref>/members/new", methods=["GET", "POST"])
def add_member(ref: str):
    household = household_or_404(ref)
    if request.method == "GET":
        form = MemberForm(formdata=None, data={"person": blank_person(
            relation="other_relative", family_name=household.head.family_name if household.head
            else "", nationality=household.head.nationality if household.head else "UKR")})
        form.idempotency_key.data = ""
        if household.head:  # its family name and nationality are the defaults
            operations.record_view("household", household.public_id, detail="new member",
                                   persons=[household.head])
        return _render_member_form(form, household)
    form = MemberForm()
    action = request.form.get("action", "save")
    if action.startswith(("read_mrz", "accept_latin")):
        data = form.data
        persons = [data["person"]]
        messages = apply_action(persons, action.split(":")[0] + ":0")
        data["person"] = persons[0]
        form = _rebuilt(MemberForm, data)
        attach_errors(form, {k.replace("persons.0", "person"): v for k, v in messages.items()})
        return _render_member_form(form, household, status=422 if messages else 200)
    try:
        person = operations.add_member(
            household, form.person.form.to_payload(),
            duplicate_reason=(form.duplicate_reason.data or "").strip() or None,
            confirmed=form.confirm_warnings.data)
    except ValidationFailed as error:
        messages = {k.replace("persons.0", "person"): v for k, v in error.errors.items()}
        general = attach_errors(form, messages)
        return _render_member_form(form, household, status=422, general=general)
    except operations.PossibleDuplicates as found:
        return _render_member_form(form, household, status=409, duplicates=found.candidates)
    except operations.NeedsConfirmation as pending:
        return _render_member_form(form, household, status=422, warnings=pending.warnings)
    flash(_("%(name)s added to the household.", name=person.display_name), "success")
    return redirect(url_for("registry.household", ref=household.ref))


def _render_member_form(form, household, *, status=200, duplicates=None, warnings=None,
                        general=()):
    if duplicates:
        _record_candidates_shown({0: duplicates.get(0, [])})
    return render_template(
        "registry/member_form.html", form=form, household=household,
        duplicates=(duplicates or {}).get(0, []),
        warnings={_form_path(k.replace("persons.0", "person")): v
                  for k, v in (warnings or {}).items()},
        general_errors=list(general), suggestions=latin_suggestions(form.person.form.data),
    ), status


@bp.route("/persons/<public_id>/edit", methods=["GET", "POST"])
def edit_person(public_id: str):
    person = person_or_404(public_id)
    if request.method == "GET":
        form = PersonEditForm(formdata=None, data={
            "person": operations.person_form_data(person), "version": str(person.version)})
        operations.record_view("person", person.public_id, persons=[person])
        return render_template("registry/person_form.html", form=form, person=person,
                               has_photo=photos.has_photo(person.id))
    form = PersonEditForm()
    expected = int(form.version.data) if (form.version.data or "").isdigit() else -1
    try:
        changed = operations.edit_person(person, form.person.form.to_payload(),
                                         expected_version=expected)
    except ValidationFailed as error:
        messages = {k.replace("persons.0", "person"): v for k, v in error.errors.items()}
        general = attach_errors(form, messages)
        return render_template("registry/person_form.html", form=form, person=person,
                               general_errors=general,
                               has_photo=photos.has_photo(person.id)), 422
    except Conflict:
        # Show what changed meanwhile; the clerk's input stays in the form.
        form.version.data = str(person.version)
        return render_template(
            "registry/person_form.html", form=form, person=person,
            conflict=operations.changes_since(person, expected),
            has_photo=photos.has_photo(person.id),
        ), 409
    if changed:
        flash(_("Changes saved."), "success")
    return redirect(url_for("registry.household", ref=person.household.ref))


@bp.get("/search")
def search():
    query = (request.args.get("q") or "").strip()[:200]
    by_document = FieldGroup.DOCUMENTS in user_field_groups(current_user)
    results = person_search.search(query, by_document=by_document) if query else None
    if results is not None:
        operations.record_view("search", "-", detail=f"{len(results.persons)} results",
                               persons=results.persons)
    badges = household_summaries(sorted({p.household_id for p in results.persons})) \
        if results else {}
    return render_template("registry/search.html", query=query, results=results,
                           format_local=format_local, badges=badges)
