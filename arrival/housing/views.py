"""Housing pages: overview, sites with bed maps, placing households, stays, absence."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload
from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from arrival.audit.operations import record_read
from arrival.auth.permissions import FieldGroup, user_field_groups
from arrival.catalog.operations import entries
from arrival.core.forms_support import ActionForm, apply_errors, flash_errors, safe_local_path
from arrival.core.inputs import query_int
from arrival.core.timezone import assume_local
from arrival.core.validation import Conflict, ValidationFailed
from arrival.extensions import db
from arrival.housing import allocation, inventory, occupancy, operations
from arrival.housing.absence import absent_residents
from arrival.housing.forms import (
    BedsForm,
    BlockForm,
    CheckOutForm,
    SiteForm,
    UnitForm,
)
from arrival.housing.models import OPEN_STATES, Bed, Site, Stay, Unit
from arrival.registry.models import Person
from arrival.registry.lookup import household_or_404

bp = Blueprint("housing", __name__, url_prefix="/housing")

SORT_KEYS = {
    "name": (lambda r: r.name.lower(), False),
    "free": (lambda r: r.free, True),
    "percent": (lambda r: r.percent, True),
    "capacity": (lambda r: r.capacity, True),
}


def parse_local(value: str | None) -> datetime | None:
    """A datetime-local value (Berlin wall time) as an aware datetime, or None."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return assume_local(moment)


def sees_names() -> bool:
    groups = user_field_groups(current_user)
    return FieldGroup.IDENTITY in groups and FieldGroup.ACCOMMODATION in groups


@bp.get("/")
def overview():
    as_of = parse_local(request.args.get("as_of"))
    rows = occupancy.site_occupancy(as_of)
    sort = request.args.get("sort", "percent")
    key, descending = SORT_KEYS.get(sort, SORT_KEYS["percent"])
    rows.sort(key=key, reverse=descending)
    # Sites above their warning threshold first, whatever the sort.
    rows.sort(key=lambda r: r.level == "ok")
    return render_template("housing/overview.html", rows=rows, totals=occupancy.totals(rows),
                           as_of=as_of, sort=sort, as_of_value=request.args.get("as_of", ""))


@bp.route("/sites/new", methods=["GET", "POST"])
def new_site():
    form = SiteForm()
    if form.validate_on_submit():
        try:
            site = inventory.create_site(form.data)
        except ValidationFailed as error:
            apply_errors(form, error)
        else:
            flash(_("Site %(name)s created.", name=site.name), "success")
            return redirect(url_for("housing.site", site_id=site.id))
    return render_template("housing/site_form.html", form=form, site=None), \
        422 if form.errors else 200


@bp.route("/sites/<int:site_id>/edit", methods=["GET", "POST"])
def edit_site(site_id: int):
    site = db.get_or_404(Site, site_id)
    form = SiteForm(obj=None if request.method == "POST" else site)
    if request.method == "GET":
        form.version.data = str(site.version)
    if form.validate_on_submit():
        expected = int(form.version.data) if (form.version.data or "").isdigit() else -1
        try:
            inventory.update_site(site, form.data, expected_version=expected)
        except ValidationFailed as error:
            apply_errors(form, error)
        except Conflict as conflict:
            flash(conflict.message, "warning")
            return redirect(url_for("housing.edit_site", site_id=site.id))
        else:
            flash(_("Site saved."), "success")
            return redirect(url_for("housing.site", site_id=site.id))
    return render_template("housing/site_form.html", form=form, site=site), \
        422 if form.errors else 200


@bp.get("/sites/<int:site_id>")
def site(site_id: int):
    # The bed map in a fixed number of queries, however many beds (no lazy loads).
    site = db.one_or_404(sa.select(Site).where(Site.id == site_id).options(
        selectinload(Site.units).selectinload(Unit.beds).selectinload(Bed.blocks)))
    as_of = parse_local(request.args.get("as_of"))
    row = next(iter(occupancy.site_occupancy(as_of, site_ids=[site.id], include_closed=True)),
               None)
    stays = db.session.scalars(
        sa.select(Stay).join(Bed, Bed.id == Stay.bed_id).join(Unit, Unit.id == Bed.unit_id)
        .where(Unit.site_id == site.id, Stay.state.in_(OPEN_STATES))
        .options(selectinload(Stay.person))).all()
    by_bed = {stay.bed_id: stay for stay in stays}
    if sees_names() and stays:
        record_read([s.person for s in stays], entity_type="site", entity_id=site.id,
                    detail=f"bed map with {len(stays)} names")
    return render_template(
        "housing/site.html", site=site, row=row, by_bed=by_bed, show_names=sees_names(),
        unit_form=UnitForm(formdata=None), beds_form=BedsForm(formdata=None),
        block_form=BlockForm(formdata=None), action_form=ActionForm(formdata=None))


@bp.post("/sites/<int:site_id>/close")
def close_site(site_id: int):
    site = db.get_or_404(Site, site_id)
    if ActionForm().validate_on_submit():
        try:
            inventory.close_site(site)
        except ValidationFailed as error:
            flash_errors(error)
        else:
            flash(_("Site %(name)s closed.", name=site.name), "success")
    return redirect(url_for("housing.site", site_id=site.id))


@bp.post("/sites/<int:site_id>/units")
def new_unit(site_id: int):
    site = db.get_or_404(Site, site_id)
    form = UnitForm()
    if form.validate_on_submit():
        try:
            unit = inventory.create_unit(site, form.data)
        except ValidationFailed as error:
            flash_errors(error)
        else:
            flash(_("Unit %(name)s created.", name=unit.name), "success")
    return redirect(url_for("housing.site", site_id=site.id))


@bp.route("/units/<int:unit_id>/edit", methods=["GET", "POST"])
def edit_unit(unit_id: int):
    unit = db.get_or_404(Unit, unit_id)
    form = UnitForm(obj=None if request.method == "POST" else unit)
    if form.validate_on_submit():
        try:
            inventory.update_unit(unit, form.data)
        except ValidationFailed as error:
            apply_errors(form, error)
        else:
            flash(_("Unit saved."), "success")
            return redirect(url_for("housing.site", site_id=unit.site_id))
    return render_template("housing/unit_form.html", form=form, unit=unit), \
        422 if form.errors else 200


@bp.post("/units/<int:unit_id>/beds")
def add_beds(unit_id: int):
    unit = db.get_or_404(Unit, unit_id)
    form = BedsForm()
    if form.validate_on_submit():
        try:
            beds = inventory.add_beds(unit, request.form.get("count"), form.prefix.data or "")
        except ValidationFailed as error:
            flash_errors(error)
        else:
            flash(ngettext("%(num)d bed added to %(unit)s.", "%(num)d beds added to %(unit)s.",
                           len(beds), unit=unit.name),
                  "success")
    return redirect(url_for("housing.site", site_id=unit.site_id) + f"#unit-{unit.id}")


@bp.post("/beds/<int:bed_id>/block")
def block_bed(bed_id: int):
    bed = db.get_or_404(Bed, bed_id)
    form = BlockForm()
    if form.validate_on_submit():
        try:
            inventory.block_bed(bed, form.reason.data)
        except ValidationFailed as error:
            flash_errors(error)
    return redirect(url_for("housing.site", site_id=bed.unit.site_id) + f"#unit-{bed.unit_id}")


@bp.post("/beds/<int:bed_id>/unblock")
def unblock_bed(bed_id: int):
    bed = db.get_or_404(Bed, bed_id)
    if ActionForm().validate_on_submit():
        inventory.unblock_bed(bed)
    return redirect(url_for("housing.site", site_id=bed.unit.site_id) + f"#unit-{bed.unit_id}")


def _unplaced(household) -> list[Person]:
    placed = {s.person_id for s in operations.open_stays_of_household(household.id)}
    return [p for p in household.persons if p.id not in placed]


def _chosen_persons(household, ids: list[str]) -> list[Person]:
    by_id = {p.public_id: p for p in household.persons}
    return [by_id[i] for i in ids if i in by_id]


def _put_in_unit(household, action, describe) -> tuple[object | None, int]:
    """Read the chosen persons and unit from the form and run the placing action
    (assign or move) in one step; a redirect on success, else the status to show."""
    persons = _chosen_persons(household, request.form.getlist("person"))
    unit = db.session.get(Unit, query_int(request.form, "unit", 0))
    try:
        if unit is None:
            raise ValidationFailed(unit=_("Choose a unit."))
        action(persons, allocation.free_beds_in(unit, len(persons)),
               override_reason=request.form.get("women_only_override") or None)
    except ValidationFailed as error:
        flash_errors(error)
        return None, 422
    except Conflict as conflict:
        flash(conflict.message + " " + _("Here is a fresh proposal."), "error")
        return None, 409
    flash(describe(count=len(persons), unit=unit.name, site=unit.site.name), "success")
    return redirect(url_for("registry.household", ref=household.ref)), 302


def _proposal_page(household, persons, mode: str, status: int):
    record_read(persons, entity_type="household", entity_id=household.public_id,
                detail=f"beds: {mode}")
    needs = allocation.Needs.of(persons) if persons else None
    proposals = allocation.propose(needs) if needs else []
    # No unit takes everyone: when placing, offer units for single persons instead.
    singles = allocation.propose(allocation.Needs.of(persons[:1])) \
        if mode == "place" and persons and not proposals else []
    return render_template(
        "housing/place.html", household=household, unplaced=persons, needs=needs,
        proposals=proposals or singles, split=bool(singles), form=ActionForm(formdata=None),
        mode=mode), status


@bp.route("/households/<ref>/place", methods=["GET", "POST"])
def place(ref: str):
    """Find beds for a household and assign them in one step."""
    household = household_or_404(ref)
    status = 200
    if request.method == "POST" and ActionForm().validate_on_submit():
        check_in_now = bool(request.form.get("check_in"))
        done, status = _put_in_unit(
            household, lambda persons, beds, **options: operations.assign(
                persons, beds, check_in=check_in_now, **options),
            lambda count, **v: ngettext("%(num)d person placed in %(unit)s (%(site)s).",
                                           "%(num)d persons placed in %(unit)s (%(site)s).",
                                           count, **v))
        if done:
            return done
    return _proposal_page(household, _unplaced(household), "place", status)


@bp.route("/households/<ref>/move", methods=["GET", "POST"])
def move(ref: str):
    household = household_or_404(ref)
    status = 200
    if request.method == "POST" and ActionForm().validate_on_submit():
        done, status = _put_in_unit(
            household, operations.move,
            lambda count, **v: ngettext("%(num)d person moved to %(unit)s (%(site)s).",
                                           "%(num)d persons moved to %(unit)s (%(site)s).",
                                           count, **v))
        if done:
            return done
    placed = [s.person for s in operations.open_stays_of_household(household.id)]
    return _proposal_page(household, placed, "move", status)


@bp.post("/stays/<int:stay_id>/check-in")
def check_in(stay_id: int):
    stay = db.get_or_404(Stay, stay_id)
    if ActionForm().validate_on_submit():
        try:
            operations.check_in(stay)
        except ValidationFailed as error:
            flash_errors(error)
    return redirect(safe_local_path(request.form.get("back"), url_for("housing.overview")))


def _checkout_choices():
    from flask_babel import get_locale

    locale = str(get_locale())
    return [(e.code, e.title(locale)) for e in entries("checkout_reason")]


@bp.route("/households/<ref>/check-out", methods=["GET", "POST"])
def check_out(ref: str):
    """Check out the chosen members (all by default) with one reason."""
    household = household_or_404(ref)
    stays = operations.open_stays_of_household(household.id)
    form = CheckOutForm()
    form.reason.choices = _checkout_choices()
    if form.validate_on_submit():
        chosen = set(request.form.getlist("stay", type=int))
        selected = [s for s in stays if s.id in chosen]
        try:
            if not selected:
                raise ValidationFailed(stay=_("Choose at least one person."))
            at = parse_local(form.at.data)
            if form.at.data and at is None:
                raise ValidationFailed(at=_("Not a valid date and time."))
            for stay in selected:
                operations.check_out(stay, reason=form.reason.data,
                                     destination=form.destination.data or "", at=at)
        except ValidationFailed as error:
            apply_errors(form, error)
        else:
            flash(ngettext("%(num)d person checked out.", "%(num)d persons checked out.",
                           len(selected)), "success")
            return redirect(url_for("registry.household", ref=household.ref))
    record_read([s.person for s in stays], entity_type="household",
                entity_id=household.public_id, detail="check-out")
    return render_template("housing/check_out.html", household=household, stays=stays,
                           form=form), 422 if form.errors else 200


@bp.route("/absent", methods=["GET", "POST"])
def absent():
    days = query_int(request.values, "days", current_app.config["ABSENCE_DAYS"], minimum=1,
                     maximum=3650, clamp=True)
    site_id = query_int(request.values, "site")
    if request.method == "POST" and ActionForm().validate_on_submit():
        chosen = set(request.form.getlist("stay", type=int))
        stays = db.session.scalars(sa.select(Stay).where(Stay.id.in_(chosen))).all()
        for stay in stays:
            operations.check_out(stay, reason="absent", destination="")
        flash(ngettext("%(num)d person checked out as absent.",
                       "%(num)d persons checked out as absent.", len(stays)), "success")
        return redirect(url_for("housing.absent", days=days, site=site_id))
    rows = absent_residents(days, site_id=site_id)
    if rows and sees_names():
        record_read([row.person for row in rows], entity_type="absence_list",
                    entity_id=site_id, detail=f"{len(rows)} persons")
    return render_template("housing/absent.html", rows=rows, days=days, site_id=site_id,
                           sites=inventory.sites(), show_names=sees_names(),
                           form=ActionForm(formdata=None))
