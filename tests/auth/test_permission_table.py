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
    role_has,
)
from arrival.extensions import db
from tests.factories import PASSWORD

ROLES = [None] + [role.value for role in Role]  # None: not signed in


def application_endpoints(app) -> set[str]:
    return {rule.endpoint for rule in app.url_map.iter_rules()}


def test_every_endpoint_is_in_the_permission_table(app):
    unclassified = application_endpoints(app) - ENDPOINT_PERMISSIONS.keys()
    assert not unclassified, f"add these endpoints to ENDPOINT_PERMISSIONS: {sorted(unclassified)}"


def test_the_table_names_no_endpoint_that_does_not_exist(app):
    assert not ENDPOINT_PERMISSIONS.keys() - application_endpoints(app)


def test_only_login_static_health_and_language_are_public():
    public = {e for e, p in ENDPOINT_PERMISSIONS.items() if p is Permission.PUBLIC}
    assert public == {"static", "core.healthz", "auth.login", "core.set_language"}


def test_an_unclassified_endpoint_is_refused_even_though_it_exists():
    app = create_app("testing")

    @app.get("/forgotten")
    def forgotten():
        return "secret"

    response = app.test_client().get("/forgotten")
    assert response.status_code == 403
    assert "secret" not in response.get_data(as_text=True)


def expected_access(role: str | None, endpoint: str) -> bool:
    permission = ENDPOINT_PERMISSIONS[endpoint]
    if permission is Permission.PUBLIC:
        return True
    return role is not None and role_has(role, permission)


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
    return client.submit(url, {})


def is_refused(response, signed_in: bool) -> bool:
    if response.status_code in (401, 403):
        return True
    location = response.headers.get("Location", "")
    return response.status_code == 302 and location.startswith("/login") and not signed_in


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r or "anonymous")
def test_permission_matrix(app, client, make_user, target_user_id, role):
    if role is not None:
        username = make_user(role)
        assert client.login(username, PASSWORD).status_code == 302
    url_arguments = {"user_id": target_user_id, "kind": "service_type", "filename": "css/app.css",
                     "ref": "H-0000-0000-0", "public_id": "00000000-0000-0000-0000-000000000000",
                     "site_id": 999999, "unit_id": 999999, "bed_id": 999999, "stay_id": 999999,
                     "number": "K-0000-0000-0", "delivery_id": 999999,
                     "person_id": "00000000-0000-0000-0000-000000000000", "item_id": 999999,
                     "day": "2022-03-27", "name": "manifest.json",
                     "appointment_id": 999999, "calendar_id": 999999}
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
        assert with_health == {(Role.INTAKE, None), (Role.HOUSING, None),
                               (Role.CASEWORKER, "social")}

    def test_a_caseworker_without_authority_sees_nothing(self):
        assert field_groups_for(Role.CASEWORKER, None) == frozenset()

    def test_every_caseworker_sees_clarification_items(self):
        for kind in ("social", "security", "regional"):
            assert FieldGroup.CLARIFICATION in field_groups_for(Role.CASEWORKER, kind)

    def test_the_api_reports_the_field_groups_of_the_signed_in_user(self, client, signed_in):
        signed_in("caseworker", authority="auslaenderbehoerde")
        groups = client.get("/api/v1/me").json["field_groups"]
        assert "documents" in groups and "health" not in groups
