"""The audit log: written by one helper, append-only, listed for administrators."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from arrival.audit.models import AuditEvent, AuditLogIsAppendOnly
from arrival.audit.operations import record
from arrival.extensions import db


def test_events_record_field_names_never_values(app, client, signed_in):
    signed_in("admin")
    client.submit("/admin/users/new", {
        "username": "newclerk", "display_name": "Neue Kraft", "role": "intake",
        "authority": "", "password": "a long enough password",
    })
    with app.app_context():
        event = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "create",
                                        AuditEvent.entity_type == "user")
            .order_by(AuditEvent.id.desc())
        ).first()
        assert "password" in event.fields and "display_name" in event.fields
        stored = repr((event.fields, event.detail, event.entity_id))
        assert "Neue Kraft" not in stored and "a long enough password" not in stored
        assert event.request_id and event.client_addr == "127.0.0.1"


@pytest.mark.usefixtures("app_context")
class TestAppendOnly:
    def test_the_application_cannot_change_an_event(self):
        event = record("login", username="someone")
        db.session.flush()
        event.action = "logout"
        with pytest.raises(AuditLogIsAppendOnly):
            db.session.flush()
        db.session.rollback()

    def test_the_application_cannot_delete_an_event(self):
        event = record("login", username="someone")
        db.session.flush()
        db.session.delete(event)
        with pytest.raises(AuditLogIsAppendOnly):
            db.session.flush()
        db.session.rollback()

    def test_unknown_actions_are_refused(self):
        with pytest.raises(ValueError):
            record("tamper")


class TestAuditPage:
    def test_administrators_filter_the_log_by_action_and_user(self, client, signed_in, make_user):
        signed_in("admin")
        victim = make_user("intake")
        client.login(victim, "wrong")  # a failed login by the same browser
        html = client.get(f"/admin/audit/?action=login_failed&username={victim}").get_data(
            as_text=True)
        assert victim in html and "login_failed" in html
        assert "1 Ereignis<" in html

    def test_details_and_record_types_are_shown_in_german(self, app, client, signed_in):
        """Issue 23: the detail column spoke English ("rule …", "clarification item 6")."""
        with app.app_context():
            record("create", entity_type="clarification_item", entity_id=41,
                   detail="rule fingerprints_from_six")
            record("view", entity_type="household", entity_id="H-1", detail="clarification item 41")
            record("create", entity_type="appointment", entity_id=7, detail="slip a6")
            record("view", entity_type="household", entity_id="H-2", detail="something unforeseen")
            db.session.commit()
        signed_in("admin")
        html = client.get("/admin/audit/?username=").get_data(as_text=True)
        assert "Regel fingerprints_from_six" in html and "Klärungspunkt 41" in html
        assert "Terminzettel a6" in html and "Termin" in html
        assert "something unforeseen" in html  # no pattern: shown as it is
        assert "rule fingerprints_from_six" not in html
        assert ">clarification item 41<" not in html

    def test_malformed_filters_are_ignored_not_errors(self, client, signed_in):
        signed_in("admin")
        response = client.get("/admin/audit/?from=yesterday&action=nonsense&page=-3")
        assert response.status_code == 200

    def test_the_api_lists_events_newest_first(self, client, signed_in):
        username = signed_in("admin")
        events = client.get(f"/api/v1/audit-events?username={username}").json["events"]
        assert events[0]["action"] == "login"
        assert {"occurred_at", "request_id", "client_addr", "fields"} <= events[0].keys()

    def test_the_log_offers_no_way_to_change_it(self, app):
        audit_rules = [r for r in app.url_map.iter_rules() if "audit" in r.rule]
        assert all(r.methods <= {"GET", "HEAD", "OPTIONS"} for r in audit_rules)
