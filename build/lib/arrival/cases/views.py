"""The queues of the authorities and the case view."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from arrival.audit.operations import record_read
from arrival.auth.permissions import (
    FieldGroup,
    may_read_item_notes,
    user_field_groups,
)
from arrival.cases import operations, queue
from arrival.cases.filters import filter_from, own_authority_id
from arrival.cases.forms import TransitionForm
from arrival.cases.models import ClarificationItem
from arrival.catalog.operations import active_authorities
from arrival.core.forms_support import ActionForm, apply_errors, flash_errors, safe_local_path
from arrival.core.validation import Conflict, ValidationFailed
from arrival.extensions import db
from arrival.housing.inventory import sites

bp = Blueprint("cases", __name__, url_prefix="/cases")


def _topic_choices():
    locale = str(get_locale())
    return [(code, entry.title(locale)) for code, entry in sorted(operations.topics().items())]


@bp.get("/")
def index():
    criteria = filter_from(request.args)
    pagination = queue.page(criteria)
    record_read([i.person for i in pagination.items if i.person],
                entity_type="clarification_queue", entity_id=criteria.authority_id,
                detail=f"{pagination.total} items")
    form = TransitionForm(formdata=None)
    form.waiting_for.choices = _other_authority_choices()
    return render_template(
        "cases/queue.html", pagination=pagination, criteria=criteria, args=request.args,
        topics=_topic_choices(), sites=sites(), authorities=active_authorities(),
        own_authority=own_authority_id(), form=form,
        action_form=ActionForm(formdata=None), today=operations.today_local(),
        resolutions=bulk_resolutions(pagination.items))


def _other_authority_choices() -> list[tuple[str, str]]:
    locale = str(get_locale())
    own = own_authority_id()
    return [("", "—")] + [(a.code, a.name(locale)) for a in active_authorities() if a.id != own]


def bulk_resolutions(items) -> list[dict]:
    """The results the bulk form offers: only those of the topics of the listed
    items, one option per result code, each label once (a label shared by two
    different codes names its topic). Each option lists the topics it fits, for
    the page script to hide what does not fit the selected items."""
    locale = str(get_locale())
    key = "title_en" if locale == "en" else "title_de"
    catalogue = operations.topics()
    options: dict[str, dict] = {}
    for topic in sorted({i.topic for i in items if i.topic in catalogue}):
        for result in catalogue[topic].attributes.get("resolutions", []):
            option = options.setdefault(result["code"], {
                "code": result["code"], "label": result[key], "topics": []})
            option["topics"].append(topic)
    by_label: dict[str, list[dict]] = {}
    for option in options.values():
        by_label.setdefault(option["label"], []).append(option)
    for same in by_label.values():
        if len(same) > 1:
            for option in same:
                option["label"] += " (" + ", ".join(
                    catalogue[t].title(locale) for t in option["topics"]) + ")"
    return sorted(options.values(), key=lambda o: o["label"].lower())


def _resolution_choices_by_topic() -> dict[str, list[tuple[str, str]]]:
    key = "title_en" if str(get_locale()) == "en" else "title_de"
    return {code: [(r["code"], r[key]) for r in entry.attributes.get("resolutions", [])]
            for code, entry in operations.topics().items()}


@bp.post("/bulk")
def bulk():
    form = TransitionForm()
    ids = request.form.getlist("item", type=int)
    back = url_for("cases.index", **{k: v for k, v in request.args.items()})
    if not form.validate_on_submit() or not ids:
        flash(_("Select at least one item."), "error")
        return redirect(back)
    items = db.session.scalars(sa.select(ClarificationItem).where(
        ClarificationItem.id.in_(ids))).all()
    try:
        count = operations.bulk_transition(
            items, form.to.data, note=form.note.data, resolution=form.resolution.data or None,
            waiting_on=form.waiting_on.data or None, waiting_for=form.waiting_for.data or None)
    except operations.AuthorityBoundary:
        abort(403)
    except ValidationFailed as error:
        flash_errors(error)
        return redirect(back)
    flash(ngettext("%(num)d item changed.", "%(num)d items changed.", count), "success")
    return redirect(back)


@bp.route("/items/<int:item_id>", methods=["GET", "POST"])
def item(item_id: int):
    item = db.get_or_404(ClarificationItem, item_id)
    if not operations.may_read_in_full(item):
        abort(403)
    form = TransitionForm()
    form.resolution.choices = [("", "—")] + _resolution_choices_by_topic().get(item.topic, [])
    form.waiting_for.choices = _other_authority_choices()
    status = 200
    if request.method == "POST" and form.validate_on_submit():
        expected = int(form.version.data) if (form.version.data or "").isdigit() else -1
        try:
            operations.transition(item, form.to.data, note=form.note.data,
                                  resolution=form.resolution.data or None,
                                  waiting_on=form.waiting_on.data or None,
                                  waiting_for=form.waiting_for.data or None,
                                  expected_version=expected)
        except operations.AuthorityBoundary:
            abort(403)
        except ValidationFailed as error:
            apply_errors(form, error)
            status = 422
        except Conflict as conflict:
            flash(conflict.message, "warning")
            return redirect(url_for("cases.item", item_id=item.id))
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("cases.item", item_id=item.id))
    form.version.data = str(item.version)
    household = item.household
    record_read(household.persons, entity_type="household", entity_id=household.public_id,
                detail=f"clarification item {item.id}")
    from arrival.housing.operations import open_stays_of_household

    groups = user_field_groups(current_user)
    places = {s.person_id: s for s in open_stays_of_household(household.id)} \
        if FieldGroup.ACCOMMODATION in groups else {}
    return render_template(
        "cases/item.html", item=item, household=household, form=form,
        groups=groups, FieldGroup=FieldGroup, can_change=operations.may_change(item),
        notes_visible=may_read_item_notes(current_user, item.authority.code),
        today=operations.today_local(), places=places,
        household_items=operations.items_of_household(household),
        action_form=ActionForm(formdata=None)), status


@bp.post("/items/<int:item_id>/assign")
def assign(item_id: int):
    item = db.get_or_404(ClarificationItem, item_id)
    if ActionForm().validate_on_submit():
        try:
            operations.assign_to_me(item)
        except operations.AuthorityBoundary:
            abort(403)
    return redirect(safe_local_path(request.form.get("back"),
                                    url_for("cases.item", item_id=item.id)))
