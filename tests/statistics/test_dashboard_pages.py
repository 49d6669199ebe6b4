"""The dashboard page and API: aggregates only, for the roles allowed."""

from __future__ import annotations

from tests.statistics.conftest import DAY


def test_the_coordinator_sees_the_figures_of_a_past_moment(client, signed_in, scenario):
    signed_in("coordinator")
    page = client.get("/dashboard/", query_string={"as_of": "2022-03-27T23:59:59"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Halle Nord" in html and "Ankünfte am 27.03.2022" in html
    assert "ScenarioAnna" not in html  # no names on the dashboard


def test_the_api_gives_the_same_figures_as_json(client, signed_in, scenario):
    signed_in("coordinator")
    body = client.get("/api/v1/dashboard",
                      query_string={"as_of": "2022-03-27T23:59:59.999999+02:00"}).json
    assert body["present"] == 2 and body["arrivals"]["today"]["persons"] == 4
    assert len(body["trend_14"]) == 14 and len(body["trend_60"]) == 60


def test_a_bad_as_of_is_a_clear_error(client, signed_in):
    signed_in("coordinator")
    response = client.get("/api/v1/dashboard", query_string={"as_of": "gestern"})
    assert response.status_code == 422 and "as_of" in response.json["fields"]


def test_the_wall_screen_refreshes_itself_and_hides_the_menu(client, signed_in):
    signed_in("coordinator")
    html = client.get("/dashboard/?kiosk=1").get_data(as_text=True)
    assert 'http-equiv="refresh"' in html and 'class="kiosk"' in html


def test_an_authority_sees_its_own_slice_highlighted(client, signed_in, scenario):
    signed_in("caseworker", authority="jugendamt")
    html = client.get("/dashboard/", query_string={"as_of": f"{DAY}T23:59"}).get_data(
        as_text=True)
    assert 'class="highlight"' in html


def test_intake_cannot_open_the_dashboard(client, signed_in):
    signed_in("intake")
    assert client.get("/dashboard/").status_code == 403
    assert client.get("/api/v1/dashboard").status_code == 403
