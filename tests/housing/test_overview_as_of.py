"""The accommodation page shows the occupancy at any past moment, read as
Stuttgart wall time (as the datetime-local field sends it)."""

from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest

from arrival.extensions import db
from arrival.housing import operations
from arrival.housing.allocation import free_beds_in
from arrival.housing.models import Unit
from arrival.registry.operations import household_by_ref

OPENED = datetime(2022, 3, 1, 8, 0, tzinfo=timezone.utc)
CHECKED_IN = datetime(2022, 3, 14, 12, 0, tzinfo=timezone.utc)  # 13:00 in Stuttgart


def totals(page: str) -> dict[str, int]:
    block = page[page.index('class="facts totals"'):]
    block = block[:block.index("</dl>")]
    return {label: int(value) for label, value in
            re.findall(r"<dt>([^<]+)</dt><dd>(\d+)</dd>", block)}


@pytest.fixture
def one_resident(app, make_site, make_household):
    site = make_site(4, opened_at=OPENED, name="Messe Halle 1")
    ref = make_household()
    with app.app_context():
        person = household_by_ref(ref).persons[0]
        unit = db.session.get(Unit, site["units"][0])
        operations.assign([person], free_beds_in(unit, 1), check_in=True, at=CHECKED_IN)
        db.session.commit()


@pytest.mark.parametrize("as_of, occupied", [
    ("2022-03-14T12:30", 0),  # 11:30 UTC: before the check-in (read as UTC it would be after)
    ("2022-03-14T13:30", 1),  # 12:30 UTC: after
    ("2022-03-10T09:00", 0),
    ("", 1),                  # now
])
def test_the_occupancy_at_a_past_moment(client, signed_in, one_resident, as_of, occupied):
    signed_in("housing")
    page = client.get("/housing/", query_string={"as_of": as_of}).get_data(as_text=True)
    figures = totals(page)
    assert figures["Belegt"] == occupied
    assert figures["Kapazität"] == 4


def test_the_heading_names_the_moment_shown(client, signed_in, one_resident):
    signed_in("housing")
    page = client.get("/housing/?as_of=2022-03-14T12:30").get_data(as_text=True)
    assert "14.03.2022 12:30" in page
    assert 'value="2022-03-14T12:30"' in page


def test_a_nonsense_moment_shows_now(client, signed_in, one_resident):
    signed_in("housing")
    response = client.get("/housing/?as_of=gestern")
    assert response.status_code == 200
    assert totals(response.get_data(as_text=True))["Belegt"] == 1
