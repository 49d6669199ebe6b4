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


def _beds_for_choice(persons: list[Person]) -> tuple[list[Bed], str, str | None]:
    """The beds of the proposal chosen in the form, for exactly these persons (in the
    order given): a unit's neighbouring free beds, or — only with a reason — beds in
    several units of one site. Returns the beds, the place for the message and the
    note for the stays' history."""
    choice = request.form.get("unit", "")
    if choice.startswith("site-"):
        reason = " ".join(request.form.get("split_reason", "").split())
        if not reason:
            raise ValidationFailed(split_reason=_(
                "Give the reason why the household is split across units."))
        site_id = _small_int(choice[5:])
        plans = allocation.propose_split(
            allocation.Needs.of(persons), _barrier_free_count(persons), site_id=site_id,
            limit=1)
        if not plans:
            raise ValidationFailed(unit=_("This site has no longer room for everyone chosen."))
        beds = []
        for unit, count in plans[0].parts:
            beds += allocation.free_beds_in(unit, count)
        places = ", ".join(unit.name for unit, _count in plans[0].parts)
        return beds, _("%(units)s (%(site)s)", units=places, site=plans[0].site.name), \
            f"split: {reason}"
    unit = db.session.get(Unit, _small_int(choice))
    if unit is None:
        raise ValidationFailed(unit=_("Choose a unit."))
    return allocation.free_beds_in(unit, len(persons)), \
        _("%(unit)s (%(site)s)", unit=unit.name, site=unit.site.name), None


def _small_int(text: str) -> int:
    """A form's id as a number the database can hold (anything else: 0, found nowhere)."""
    value = query_int({"value": text}, "value", 0, clamp=True)
    return value if str(value) == text else 0


def _barrier_free_count(persons: list[Person]) -> int:
    first = allocation.barrier_free_first(persons)
    needs = [allocation.Needs.of([p]).barrier_free for p in first]
    return sum(needs)


def _put_in_unit(household, action, describe) -> tuple[object | None, int, dict]:
    """Read the chosen persons and proposal from the form and run the placing action
    (assign or move) in one step; a redirect on success, else the status to show
    and the messages by field."""
    persons = allocation.barrier_free_first(
        _chosen_persons(household, request.form.getlist("person")))
    try:
        if not persons:
            raise ValidationFailed(person=_("Choose at least one person."))
        beds, place, note = _beds_for_choice(persons)
        action(persons, beds, note,
               override_reason=request.form.get("women_only_override") or None)
    except ValidationFailed as error:
        return None, 422, error.errors
    except Conflict as conflict:
        flash(conflict.message + " " + _("Here is a fresh proposal."), "error")
        return None, 409, {}
    flash(describe(count=len(persons), place=place), "success")
    return redirect(url_for("registry.household", ref=household.ref)), 302, {}


def _placing() -> bool:
    """A submit that assigns (not "propose for the ticked persons")."""
    return request.method == "POST" and ActionForm().validate_on_submit() \
        and not request.form.get("propose")


def _proposal_page(household, persons, mode: str, status: int, errors: dict | None = None):
    record_read(persons, entity_type="household", entity_id=household.public_id,
                detail=f"beds: {mode}")
    # Proposals for the persons asked about (all by default), never for fewer: a unit
    # that takes them all, else a site that does across units (with a warning).
    asked = set(request.values.getlist("person"))
    chosen = [p for p in persons if p.public_id in asked] or persons
    needs = allocation.Needs.of(chosen) if chosen else None
    proposals = allocation.propose(
        needs, family_units=allocation.family_unit_ids(household.id)) if needs else []
    splits = allocation.propose_split(needs, _barrier_free_count(chosen)) \
        if needs and not proposals else []
    return render_template(
        "housing/place.html", household=household, unplaced=persons, chosen=chosen,
        needs=needs, proposals=proposals, splits=splits, form=ActionForm(formdata=None),
        mode=mode, errors=errors or {}, beds_of=allocation.free_beds_in,
        chosen_unit=request.form.get("unit") if not request.form.get("propose") else None,
        split_reason=request.form.get("split_reason", "")), status


@bp.route("/households/<ref>/place", methods=["GET", "POST"])
def place(ref: str):
    """Find beds for a household and assign them in one step."""
    household = household_or_404(ref)
    status, errors = 200, {}
    if _placing():
        check_in_now = bool(request.form.get("check_in"))
        done, status, errors = _put_in_unit(
            household, lambda persons, beds, note, **options: operations.assign(
                persons, beds, check_in=check_in_now, note=note, **options),
            lambda count, **v: ngettext("%(num)d person placed in %(place)s.",
                                        "%(num)d persons placed in %(place)s.", count, **v))
        if done:
            return done
    return _proposal_page(household, _unplaced(household), "place", status, errors)


@bp.route("/households/<ref>/move", methods=["GET", "POST"])
def move(ref: str):
    household = household_or_404(ref)
    status, errors = 200, {}
    if _placing():
        done, status, errors = _put_in_unit(
            household, lambda persons, beds, note, **options: operations.move(
                persons, beds, note=note, **options),
            lambda count, **v: ngettext("%(num)d person moved to %(place)s.",
                                        "%(num)d persons moved to %(place)s.", count, **v))
        if done:
            return done
    placed = [s.person for s in operations.open_stays_of_household(household.id)]
    return _proposal_page(household, placed, "move", status, errors)


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
    # No reason is preselected: the clerk chooses one.
    return [("", _("— choose a reason —"))] + \
        [(e.code, e.title(locale)) for e in entries("checkout_reason")]


@bp.route("/households/<ref>/check-out", methods=["GET", "POST"])
def check_out(ref: str):
    """Check out the chosen members with one reason, after a confirmation that
    names them."""
    household = household_or_404(ref)
    stays = operations.open_stays_of_household(household.id)
    form = CheckOutForm()
    form.reason.choices = _checkout_choices()
    confirm = None
    if form.validate_on_submit():
        chosen = set(request.form.getlist("stay", type=int))
        selected = [s for s in stays if s.id in chosen]
        try:
            if not selected:
                raise ValidationFailed(stay=_("Choose at least one person."))
            if form.reason.data not in {code for code, _title in form.reason.choices if code}:
                raise ValidationFailed(reason=_("Choose a reason from the list."))
            at = parse_local(form.at.data)
            if form.at.data and at is None:
                raise ValidationFailed(at=_("Not a valid date and time."))
            if request.form.get("confirmed"):
                for stay in selected:
                    operations.check_out(stay, reason=form.reason.data,
                                         destination=form.destination.data or "", at=at)
        except ValidationFailed as error:
            apply_errors(form, error)
        else:
            if request.form.get("confirmed"):
                flash(ngettext("%(num)d person checked out: %(names)s.",
                               "%(num)d persons checked out: %(names)s.", len(selected),
                               names=_names(selected)), "success")
                return redirect(url_for("registry.household", ref=household.ref))
            confirm = {"stays": selected, "at": at,
                       "reason": dict(form.reason.choices)[form.reason.data]}
    record_read([s.person for s in stays], entity_type="household",
                entity_id=household.public_id, detail="check-out")
    chosen_ids = set(request.form.getlist("stay", type=int)) if request.method == "POST" \
        else {s.id for s in stays}
    return render_template("housing/check_out.html", household=household, stays=stays,
                           form=form, confirm=confirm, chosen_ids=chosen_ids), \
        422 if form.errors else 200


def _names(stays) -> str:
    return ", ".join(f"{s.person.given_names} {s.person.family_name}" for s in stays)


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
