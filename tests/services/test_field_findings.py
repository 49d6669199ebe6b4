"""Issue 23 (scan station): a refusal says what to do now — a replaced card that a
newer card exists, a closed service when it opens next."""

from __future__ import annotations

from datetime import timedelta

import pytest

from arrival.cards import operations as cards
from arrival.core import clock
from arrival.extensions import db
from arrival.registry.operations import household_by_ref
from arrival.services import operations as services
from tests.services.test_scanning import LUNCH, card_tokens, household  # noqa: F401 (fixtures)


@pytest.fixture
def station(client, signed_in, monkeypatch):
    """A service point's API client whose clock stands at the given moment."""
    signed_in("service_point")

    def post(token: str, service: str, at):
        clock.set_clock(lambda: at)
        response = client.post_json("/api/v1/scan", {"service_type": service,
                                                     "point": "Kantine", "code": token})
        assert response.status_code == 200
        return response.json
    return post


def test_a_replaced_card_says_that_a_newer_card_exists(app, card_tokens, household, station):
    with app.app_context():
        mila = next(p for p in household_by_ref(household).persons if p.given_names == "Mila")
        cards.issue_card(mila)  # the new card replaces the old one
        db.session.commit()
    answer = station(card_tokens["Mila"], "clothing", LUNCH)
    assert (answer["result"], answer["reason"]) == ("red", "card_revoked")
    assert answer["hint"].startswith("Es wurde eine neuere Karte ausgestellt am ")
    assert "Fragen Sie nach der neuen Karte." in answer["hint"]


def test_a_lost_card_without_a_new_one_sends_to_the_desk(app, card_tokens, station):
    with app.app_context():
        card, _status = cards.resolve(card_tokens["Mila"])
        cards.revoke(card, "lost")
        db.session.commit()
    answer = station(card_tokens["Mila"], "clothing", LUNCH)
    assert answer["hint"] == ("Diese Karte ist gesperrt und es gibt keine neuere: Schicken "
                              "Sie die Person zur Information.")


@pytest.mark.parametrize("hours_after_lunch, expected", [
    (4, "Öffnet wieder heute um 17:30 (Abendessen)."),     # 16:00 local
    (10, "Öffnet wieder morgen um 06:30 (Frühstück)."),    # 22:00 local
])
def test_outside_the_serving_times_says_when_it_opens_next(card_tokens, station,
                                                           hours_after_lunch, expected):
    answer = station(card_tokens["Mila"], "meal", LUNCH + timedelta(hours=hours_after_lunch))
    assert (answer["result"], answer["reason"]) == ("red", "outside_window")
    assert answer["hint"] == expected


def test_the_station_page_shows_the_hint(app, client, card_tokens, station):
    station(card_tokens["Mila"], "meal", LUNCH + timedelta(hours=4))
    response = client.submit("/services/station", {
        "service": "meal", "point": "Kantine", "code": card_tokens["Mila"]},
        form_page="/services/station?service=meal&point=Kantine")
    assert 'class="answer-hint">Öffnet wieder heute um 17:30 (Abendessen).' in \
        response.get_data(as_text=True)
