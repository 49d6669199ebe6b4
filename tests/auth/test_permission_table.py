"""Deny by default: every endpoint is in the one permission table, and every
endpoint × role (anonymous included) is allowed or refused exactly as it says."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from arrival import create_app
from arrival.audit.models import AuditEvent
from arrival.auth.models import User
from arrival.auth.permissions import (
    ENDPOINT_PERMISSIONS,
    FieldGroup,
    Permission,
    Role,
    field_groups_for,
    reads_persons,
    required_permission,
)
from arrival.extensions import db
from tests.factories import PASSWORD

# Who may open what, written from the work of each role (DESIGN.md, the role
# descriptions in README.md) and NOT derived from ROLE_PERMISSIONS: a wrong entry in
# the permission table makes the matrix test below fail. Caseworkers are named by
# the kind of their authority.
ADMIN, INTAKE, HOUSING, SERVICE_POINT, COORDINATOR = (
    "admin", "intake", "housing", "service_point", "coordinator")
SOCIAL, SECURITY, REGIONAL = "caseworker:social", "caseworker:security", "caseworker:regional"
CASEWORKERS = {SOCIAL, SECURITY, REGIONAL}
GUARD = "security"  # the security service at a site's gate (issue 17)
DATA_PROTECTION = "data_protection"  # answers the persons' rights (issue 20)
SIGNED_IN = {ADMIN, INTAKE, HOUSING, SERVICE_POINT, COORDINATOR, GUARD,
             DATA_PROTECTION} | CASEWORKERS
ANYONE = SIGNED_IN | {None}
PERSON_READERS = {INTAKE, HOUSING, COORDINATOR} | CASEWORKERS
PLACING = {INTAKE, HOUSING}

EXPECTED_ACCESS: dict[str, set] = {
    **dict.fromkeys(["static", "core.healthz", "core.set_language", "auth.login"], ANYONE),
    **dict.fromkeys(["core.index", "auth.logout", "auth.change_password", "api.me",
                     "api.openapi", "api.catalog", "auth.keepalive"], SIGNED_IN),
    # the key of one's own form drafts on the tablet: only who registers has drafts
    "auth.draft_key_json": {INTAKE},
    **dict.fromkeys(["users.index", "users.create", "users.edit", "users.reset_password",
                     "users.set_active", "api.users"], {ADMIN}),
    # the audit log: the administrator, and data protection (who read a record when)
    **dict.fromkeys(["audit.index", "api.audit_events"], {ADMIN, DATA_PROTECTION}),
    **dict.fromkeys(["registry.search", "registry.household", "api.search_persons",
                     "api.get_household"], PERSON_READERS),
    **dict.fromkeys(["registry.new_household", "registry.add_member", "registry.edit_person",
                     "api.create_household", "api.duplicates", "api.read_mrz",
                     "api.transliterate"], {INTAKE}),
    # the optional photo (issue 17): intake takes it; whoever sees identity sees it
    **dict.fromkeys(["api.put_person_photo", "api.delete_person_photo"], {INTAKE}),
    "api.person_photo": PERSON_READERS | {GUARD, DATA_PROTECTION},
    **dict.fromkeys(["housing.overview", "housing.site", "api.sites"],
                    {ADMIN, INTAKE, HOUSING, COORDINATOR}),
    **dict.fromkeys(["housing.absent", "housing.place", "housing.move", "housing.check_in",
                     "housing.check_out", "api.create_stays", "api.move_stays",
                     "api.check_in_stay", "api.check_out_stay", "api.bed_proposals"], PLACING),
    **dict.fromkeys(["housing.new_site", "housing.edit_site", "housing.close_site",
                     "housing.new_unit", "housing.edit_unit", "housing.add_beds",
                     "housing.block_bed", "housing.unblock_bed"], {ADMIN, HOUSING}),
    **dict.fromkeys(["cards.print_household", "cards.print_person", "cards.revoke",
                     "api.issue_card", "api.card_pdf", "api.revoke_card"], {INTAKE}),
    **dict.fromkeys(["services.station", "services.station_scan", "api.scan"],
                    {INTAKE, SERVICE_POINT}),
    # voiding: the scanning roles (their own deliveries), the admin as station lead
    **dict.fromkeys(["services.void", "api.void_delivery"], {INTAKE, SERVICE_POINT, ADMIN}),
    **dict.fromkeys(["cases.index", "cases.item", "api.case_items",
                     "api.household_clarification"], CASEWORKERS | {COORDINATOR}),
    **dict.fromkeys(["cases.bulk", "cases.assign", "api.transition_item"], CASEWORKERS),
    **dict.fromkeys(["dashboard.index", "api.dashboard_api"],
                    {HOUSING, COORDINATOR} | CASEWORKERS),
    # the situation report goes to coordination and to the regional authority (RP)
    **dict.fromkeys(["reports.index", "reports.download"], {COORDINATOR, REGIONAL}),
    **dict.fromkeys(["reports.generate", "reports.remark"], {COORDINATOR}),
    # the gate: the security service, coordination, service points staffing a gate
    **dict.fromkeys(["gate.index", "gate.station", "gate.station_scan", "gate.visits",
                     "gate.sign_in", "gate.sign_out", "api.gate_scan"],
                    {GUARD, COORDINATOR, SERVICE_POINT}),
    "gate.settings": {ADMIN, HOUSING},
    # offline use (issue 14): the service worker, the queue list and the queue's key for
    # every account; the station's card list and its offline scans for the scanning
    # roles; the rules broken offline for the station lead
    **dict.fromkeys(["offline.worker", "offline.queue", "api.offline_key"], SIGNED_IN),
    **dict.fromkeys(["api.offline_station_list", "api.offline_scan"], {INTAKE, SERVICE_POINT}),
    "api.gate_offline_scan": {GUARD, COORDINATOR, SERVICE_POINT},
    **dict.fromkeys(["offline.violations", "api.offline_violations"], {ADMIN}),
    # the evacuation list and the roll call: security, coordination, site management
    **dict.fromkeys(["gate.evacuation", "gate.kiosk", "gate.kiosk_worker", "gate.roll_calls",
                     "gate.start_roll_call", "gate.roll_call", "gate.end_roll_call",
                     "gate.export", "api.gate_evacuation", "api.gate_roll_call",
                     "api.gate_tick"], {GUARD, COORDINATOR, HOUSING}),
    # appointments (issue 16): each authority books and works its own (checked by the
    # operations), intake books the first ones, coordinators read; calendars hold no
    # person data (the admin may keep them); the waiting-room screen shows card numbers
    **dict.fromkeys(["appointments.index", "appointments.calendar", "appointments.day",
                     "appointments.required", "appointments.slip", "api.appointment_calendars",
                     "api.appointment_day", "api.appointment_slip", "api.appointments_required",
                     "api.household_appointments"], {INTAKE, COORDINATOR} | CASEWORKERS),
    **dict.fromkeys(["appointments.book", "api.book_appointment"], {INTAKE} | CASEWORKERS),
    **dict.fromkeys(["appointments.arrive", "appointments.bulk_attended", "appointments.desk",
                     "appointments.call_next", "appointments.transition", "appointments.rebook",
                     "api.transition_appointment", "api.rebook_appointment",
                     "api.appointment_arrival", "api.appointment_call_next"], CASEWORKERS),
    **dict.fromkeys(["appointments.new_calendar", "appointments.generate", "appointments.block",
                     "api.create_appointment_calendar", "api.generate_appointment_slots",
                     "api.block_appointment_day"], {ADMIN} | CASEWORKERS),
    **dict.fromkeys(["appointments.screen", "api.appointment_screen"],
                    {INTAKE, SERVICE_POINT, COORDINATOR} | CASEWORKERS),
    "api.appointment_figures": {HOUSING, COORDINATOR} | CASEWORKERS,
    # data protection (issue 20): access reports, erasure, restriction, the record of
    # processing — the data-protection role only
    **dict.fromkeys(["privacy.index", "privacy.subject", "privacy.access_report",
                     "privacy.restrict", "privacy.lift_restriction", "privacy.erase",
                     "privacy.record", "api.privacy_access_report", "api.privacy_restrict",
                     "api.privacy_lift_restriction", "api.privacy_erase", "api.privacy_record"],
                    {DATA_PROTECTION}),
    # pre-registration (issue 15): the phone side needs no account and reads nothing
    # back; only who registers opens one at the desk; the notice prints from the
    # household page
    **dict.fromkeys(["prereg.public_form", "prereg.public_notice",
                     "api.submit_pre_registration"], ANYONE),
    **dict.fromkeys(["prereg.desk", "api.open_pre_registration"], {INTAKE}),
    "prereg.print_notice": PERSON_READERS,
    # transfers (issue 18): the RP decides, plans, boards and hands over; housing boards
    # at the bus and reads the lists; coordination reads; destinations are reference data
    # that the administrator keeps
    **dict.fromkeys(["transfers.index", "transfers.quota", "transfers.batch",
                     "api.transfer_quota", "api.transfer_batches", "api.transfer_batch"],
                    {HOUSING, COORDINATOR, REGIONAL}),
    **dict.fromkeys(["transfers.destinations", "api.transfer_destinations"],
                    SIGNED_IN),
    "transfers.edit_destination": {ADMIN},
    **dict.fromkeys(["transfers.decide", "api.distribution_decision", "transfers.new_batch",
                     "transfers.edit_batch", "transfers.add_households",
                     "transfers.remove_household", "transfers.confirm_care", "transfers.depart",
                     "transfers.cancel_batch", "api.cancel_transfer_batch",
                     "api.create_transfer_batch", "api.add_transfer_household",
                     "api.remove_transfer_household", "api.depart_transfer_batch",
                     "transfers.handover", "transfers.download_handover",
                     "api.transfer_handover", "api.transfer_handover_archive"], {REGIONAL}),
    **dict.fromkeys(["transfers.boarding", "transfers.board", "api.transfer_boarding",
                     "transfers.undo_boarding", "api.undo_transfer_boarding"],
                    {HOUSING, REGIONAL}),
}
ROLES = [None, ADMIN, INTAKE, HOUSING, SERVICE_POINT, COORDINATOR, GUARD, SOCIAL, SECURITY,
         REGIONAL, DATA_PROTECTION]
AUTHORITY_OF_KIND = {"social": "jugendamt", "security": "auslaenderbehoerde", "regional": "rp"}


def application_endpoints(app) -> set[str]:
    return {rule.endpoint for rule in app.url_map.iter_rules()}


def test_every_endpoint_is_in_the_permission_table(app):
    unclassified = application_endpoints(app) - ENDPOINT_PERMISSIONS.keys()
    assert not unclassified, f"add these endpoints to ENDPOINT_PERMISSIONS: {sorted(unclassified)}"


def test_the_table_names_no_endpoint_that_does_not_exist(app):
    assert not ENDPOINT_PERMISSIONS.keys() - application_endpoints(app)


def test_only_login_static_health_language_and_pre_registration_are_public():
    public = {e for e in ENDPOINT_PERMISSIONS if required_permission(e) is Permission.PUBLIC}
    assert public == {"static", "core.healthz", "auth.login", "core.set_language",
                      "prereg.public_form", "prereg.public_notice",
                      "api.submit_pre_registration"}


def test_the_specification_covers_every_endpoint(app):
    assert application_endpoints(app) == EXPECTED_ACCESS.keys()


def test_every_endpoint_declares_whether_it_reads_persons():
    undeclared = [e for e in ENDPOINT_PERMISSIONS if reads_persons(e) is None]
    assert not undeclared, f"declare PERSONS or NONE for: {sorted(undeclared)}"


def test_an_unclassified_endpoint_is_refused_even_though_it_exists():
    app = create_app("testing")

    @app.get("/forgotten")
    def forgotten():
        return "secret"

    response = app.test_client().get("/forgotten")
    assert response.status_code == 403
    assert "secret" not in response.get_data(as_text=True)


def expected_access(role: str | None, endpoint: str) -> bool:
    return role in EXPECTED_ACCESS[endpoint]


@pytest.fixture
def target_user_id(app, make_user):
    username = make_user("intake", username="matrix-target")
    with app.app_context():
        return db.session.scalar(sa.select(User.id).where(User.username == username))


def request_endpoint(client, app, rule, url_arguments):
    with app.test_request_context():
        from flask import url_for

        url = url_for(rule.endpoint, **{k: url_arguments[k] for k in rule.arguments})
    if "GET" in rule.methods:
        return client.get(url)
    if "POST" in rule.methods:
        return client.submit(url, {})
    # PUT and DELETE (the person photo): with the page's token, like the page's script
    method = "PUT" if "PUT" in rule.methods else "DELETE"
    return client.open(url, method=method, json={},
                       headers={"X-CSRFToken": client.csrf_token()})


def is_refused(response, signed_in: bool) -> bool:
    if response.status_code in (401, 403):
        return True
    location = response.headers.get("Location", "")
    return response.status_code == 302 and location.startswith("/login") and not signed_in


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r or "anonymous")
def test_permission_matrix(app, client, make_user, target_user_id, role):
    if role is not None:
        name, _, kind = role.partition(":")
        username = make_user(name, authority=AUTHORITY_OF_KIND.get(kind))
        assert client.login(username, PASSWORD).status_code == 302
    url_arguments = {"user_id": target_user_id, "kind": "service_type", "filename": "css/app.css",
                     "ref": "H-0000-0000-0", "public_id": "00000000-0000-0000-0000-000000000000",
                     "site_id": 999999, "unit_id": 999999, "bed_id": 999999, "stay_id": 999999,
                     "number": "K-0000-0000-0", "delivery_id": 999999,
                     "person_id": "00000000-0000-0000-0000-000000000000", "item_id": 999999,
                     "day": "2022-03-27", "name": "manifest.json",
                     "roll_call_id": 999999, "visit_id": 999999,
                     "appointment_id": 999999, "calendar_id": 999999,
                     "batch_id": 999999, "entry_id": 999999, "destination_id": 999999,
                     "package_id": 999999}
    # Signing out last, so that the other endpoints are tried while signed in.
    rules = sorted(app.url_map.iter_rules(), key=lambda r: (r.endpoint == "auth.logout", r.rule))
    mismatches = []
    for rule in rules:
        response = request_endpoint(client, app, rule, url_arguments)
        refused = is_refused(response, signed_in=role is not None)
        if refused == expected_access(role, rule.endpoint):
            mismatches.append(f"{rule.endpoint} {rule.rule}: {response.status_code}")
    assert not mismatches, f"role {role}: " + "; ".join(mismatches)


def test_a_refused_page_is_audited(app, client, signed_in):
    username = signed_in("intake")
    assert client.get("/admin/users/").status_code == 403
    with app.app_context():
        event = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.username == username)
            .order_by(AuditEvent.id.desc())
        ).first()
        assert (event.action, event.entity_id) == ("permission_denied", "users.index")


def test_a_refused_api_call_answers_in_json(client, signed_in):
    signed_in("service_point")
    response = client.get("/api/v1/users")
    assert response.status_code == 403
    assert response.json["code"] == "forbidden"


class TestFieldGroups:
    def test_the_administrator_sees_no_person_data(self):
        assert field_groups_for(Role.ADMIN) == frozenset()

    def test_service_points_see_only_services(self):
        assert field_groups_for(Role.SERVICE_POINT) == {FieldGroup.SERVICES}

    def test_health_data_is_seen_only_where_the_work_needs_it(self):
        with_health = {
            (role, kind) for role in Role
            for kind in ([None] if role is not Role.CASEWORKER else ["social", "security", "regional"])
            if FieldGroup.HEALTH in field_groups_for(role, kind)
        }
        # data protection reads every group of the record it reports on (Art. 15)
        assert with_health == {(Role.INTAKE, None), (Role.HOUSING, None),
                               (Role.CASEWORKER, "social"), (Role.DATA_PROTECTION, None)}

    def test_a_caseworker_without_authority_sees_nothing(self):
        assert field_groups_for(Role.CASEWORKER, None) == frozenset()

    def test_every_caseworker_sees_clarification_items(self):
        for kind in ("social", "security", "regional"):
            assert FieldGroup.CLARIFICATION in field_groups_for(Role.CASEWORKER, kind)

    def test_the_api_reports_the_field_groups_of_the_signed_in_user(self, client, signed_in):
        signed_in("caseworker", authority="auslaenderbehoerde")
        groups = client.get("/api/v1/me").json["field_groups"]
        assert "documents" in groups and "health" not in groups


class TestTheTableIsTheOnlyPlaceThatNamesRoles:
    """Elsewhere the code asks for a permission or a field group, never a role."""

    ROOT = __import__("pathlib").Path(__file__).resolve().parents[2] / "arrival"
    # The role labels of the account forms name every role, and only to label it.
    ALLOWED = {"auth/permissions.py", "auth/forms.py"}
    ROLE_NAMES = {role.value for role in Role}

    def role_mentions(self, path) -> list[str]:
        import ast

        found = []
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and node.value.id == "Role"):
                found.append(f"Role.{node.attr}")
            if isinstance(node, ast.Compare):
                for side in [node.left, *node.comparators]:
                    if isinstance(side, ast.Constant) and side.value in self.ROLE_NAMES:
                        found.append(f"compares with {side.value!r}")
        return found

    def test_no_python_module_checks_a_role(self):
        mentions = {}
        for path in self.ROOT.rglob("*.py"):
            relative = path.relative_to(self.ROOT).as_posix()
            if relative in self.ALLOWED or relative.startswith(("demo/", "devtools/")):
                continue
            if found := self.role_mentions(path):
                mentions[relative] = found
        assert mentions == {}

    def test_no_template_checks_a_role_or_spells_a_field_group(self):
        import re

        pattern = re.compile(r"\.role\s*(==|!=|in)|'(%s)' in groups" % "|".join(
            group.value for group in FieldGroup))
        offending = [p.name for p in (self.ROOT / "templates").rglob("*.html")
                     if pattern.search(p.read_text(encoding="utf-8"))]
        assert offending == []

    def test_the_permission_table_imports_nothing_of_the_application(self):
        import ast

        tree = ast.parse((self.ROOT / "auth/permissions.py").read_text(encoding="utf-8"))
        imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        imported |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                     for alias in node.names}
        assert not {name for name in imported if name and name.startswith("arrival")}
