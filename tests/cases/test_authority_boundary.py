"""Nothing crosses the authority boundary: assigning an item to oneself, a
household's clarification summary, and the queue API's authority filter."""

from __future__ import annotations

import sqlalchemy as sa

from arrival.cases.models import ClarificationItem
from arrival.extensions import db
from tests.cases.test_clarification import item_id, mother_and_nephew  # noqa: F401 (fixture)

FULL_FIELDS = {"household_ref", "person_id", "priority", "due_on", "resolution",
               "waiting_on", "version", "overdue", "created_at", "assignee"}


def assignee_of(app, identifier):
    with app.app_context():
        return db.session.get(ClarificationItem, identifier).assignee_id


def test_a_caseworker_cannot_assign_another_authoritys_item_to_itself(
        app, client, signed_in, mother_and_nephew):  # noqa: F811
    target = item_id(app, mother_and_nephew, "unaccompanied_minor")  # the Jugendamt's
    signed_in("caseworker", authority="auslaenderbehoerde")
    response = client.submit(f"/cases/items/{target}/assign", {}, form_page="/cases/")
    assert response.status_code == 403
    assert assignee_of(app, target) is None


def test_a_caseworker_assigns_its_own_authoritys_item(app, client, signed_in,
                                                      mother_and_nephew):  # noqa: F811
    target = item_id(app, mother_and_nephew, "unaccompanied_minor")
    signed_in("caseworker", authority="jugendamt")
    response = client.submit(f"/cases/items/{target}/assign", {}, form_page="/cases/")
    assert response.status_code == 302
    assert assignee_of(app, target) is not None


def test_the_household_summary_shows_other_authorities_only_topic_and_state(
        app, client, signed_in, mother_and_nephew):  # noqa: F811
    signed_in("caseworker", authority="auslaenderbehoerde")
    items = client.get(f"/api/v1/households/{mother_and_nephew}/clarification").json["items"]
    foreign = [i for i in items if i["authority"] != "auslaenderbehoerde"]
    own = [i for i in items if i["authority"] == "auslaenderbehoerde"]
    assert foreign and own
    assert all(set(i) == {"id", "topic", "authority", "state"} for i in foreign)
    assert all(FULL_FIELDS <= set(i) for i in own)


def test_the_queue_api_ignores_another_authority_in_the_filter(
        app, client, signed_in, mother_and_nephew):  # noqa: F811
    foreign = item_id(app, mother_and_nephew, "unaccompanied_minor")
    own = item_id(app, mother_and_nephew, "temporary_protection_eligibility")
    signed_in("caseworker", authority="auslaenderbehoerde")
    body = client.get("/api/v1/cases/items?authority=jugendamt").json
    assert body["items"] and {i["authority"] for i in body["items"]} == {"auslaenderbehoerde"}
    page = client.get("/cases/?authority=jugendamt").get_data(as_text=True)
    assert f"/cases/items/{own}" in page and f"/cases/items/{foreign}" not in page


def test_a_foreign_case_page_is_refused(app, client, signed_in,
                                        mother_and_nephew):  # noqa: F811
    target = item_id(app, mother_and_nephew, "unaccompanied_minor")
    signed_in("caseworker", authority="rp")
    assert client.get(f"/cases/items/{target}").status_code == 403
    with app.app_context():
        assert db.session.scalar(sa.select(ClarificationItem.state).where(
            ClarificationItem.id == target)) == "open"
