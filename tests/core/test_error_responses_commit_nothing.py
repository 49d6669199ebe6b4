"""One commit per request, and only for a success: a request that answers 4xx or
5xx commits nothing of what it wrote (only the durable audit events)."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from arrival.catalog.models import CatalogEntry
from arrival.extensions import db

MARKER_KIND = "test_marker"


def marker_view(status: int | None):
    def view():
        from flask import jsonify

        db.session.add(CatalogEntry(kind=MARKER_KIND, code=uuid.uuid4().hex[:20],
                                    title_de="Marke", title_en="marker", attributes={}))
        db.session.flush()
        if status is None:
            raise RuntimeError("after the write")
        return jsonify(ok=status < 400), status

    return view


def markers(app) -> int:
    with app.app_context():
        count = db.session.scalar(sa.select(sa.func.count(CatalogEntry.id)).where(
            CatalogEntry.kind == MARKER_KIND))
        db.session.remove()
        return count


@pytest.fixture
def cleanup_markers():
    """These apps commit for real (outside the test's transaction): remove what a
    success wrote."""
    apps = []
    yield apps.append
    for application in apps:
        with application.app_context():
            db.session.execute(sa.delete(CatalogEntry).where(CatalogEntry.kind == MARKER_KIND))
            db.session.commit()
            db.engine.dispose()


@pytest.mark.parametrize("status", [400, 403, 404, 409, 422, 500, None],
                         ids=["400", "403", "404", "409", "422", "500", "exception"])
def test_an_error_answer_commits_nothing(extra_route_app, cleanup_markers, status):
    app = extra_route_app("/write-then-fail", "marker.write", view=marker_view(status))
    cleanup_markers(app)
    response = app.test_client().get("/write-then-fail")
    assert response.status_code == (status or 500)
    assert markers(app) == 0


def test_a_success_commits_once(extra_route_app, cleanup_markers):
    app = extra_route_app("/write", "marker.write", view=marker_view(201))
    cleanup_markers(app)
    assert app.test_client().get("/write").status_code == 201
    assert markers(app) == 1


def test_a_registration_answered_409_keeps_only_its_read_audit(
        app, client, signed_in, register, make_household):
    from arrival.audit.models import AuditEvent
    from arrival.registry.models import Household
    from tests.factories import household_payload, person_payload

    make_household(person_payload())
    signed_in("intake")
    with app.app_context():
        households = db.session.scalar(sa.select(sa.func.count(Household.id)))
    response = register(household_payload(person_payload(document={"type": "none"})))
    assert response.status_code == 409
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Household.id))) == households
        assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(
            AuditEvent.entity_type == "duplicate_check")) == 1
