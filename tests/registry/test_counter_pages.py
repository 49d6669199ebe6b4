"""The counter without JavaScript (issue 13): the same page works as plain forms —
an error summary at the top that takes the focus and links to each field, the
decision about a likely duplicate in that person's block, a child without papers
registered at the first try — and what the page script relies on: an in-place
submit answers with where to go instead of a redirect."""

from __future__ import annotations

import re

import pytest

from tests.factories import household_payload, person_payload
from tests.registry.test_registration_pages import hidden_value, input_value, person_fields


@pytest.fixture
def form_page(client, signed_in, freeze_registration_clock):
    signed_in("intake")
    return client.get("/households/new").get_data(as_text=True)


@pytest.fixture
def send(client, form_page):
    key = hidden_value(form_page, "idempotency_key")

    def post(action: str = "save", headers=None, **fields):
        data = {"idempotency_key": key, "arrived_at": "2022-03-14T10:30",
                "arrival_point": "main_station", "action": action, **fields}
        return client.submit("/households/new", data, form_page="/households/new",
                             headers=headers or {})

    return post


def summary_links(html: str) -> list[tuple[str, str]]:
    box = re.search(r'<div class="error-summary".*?</div>', html, re.S)
    assert box, "no error summary"
    return re.findall(r'<a href="#([^"]+)">([^<]+)</a>', box.group(0))


def test_a_failed_submit_shows_an_error_summary_that_takes_the_focus(send):
    response = send(**person_fields(0, family_name="", date_of_birth=""))
    html = response.get_data(as_text=True)

    assert response.status_code == 422
    opening = re.search(r'<div class="error-summary"[^>]*>', html).group(0)
    assert 'tabindex="-1"' in opening and "autofocus" in opening and 'role="alert"' in opening
    assert html.index("error-summary") < html.index('name="persons-0-family_name"'), \
        "the summary comes before the fields"
    links = dict(summary_links(html))
    assert links["persons-0-family_name"] == "Person 1 · Familienname (wie im Dokument): " \
                                             "Pflichtfeld."
    assert links["persons-0-date_of_birth"].startswith("Person 1 · Geburtsdatum: ")
    for anchor in links:
        assert f'id="{anchor}"' in html, f"the link #{anchor} leads to a field"


def test_no_summary_while_nothing_is_wrong(form_page):
    assert "error-summary" not in form_page


def test_the_person_with_errors_is_open_and_the_others_show_as_one_row(send):
    fields = {**person_fields(0), **person_fields(1, given_names="Taras", relation="child",
                                                  date_of_birth="2012-05-01")}
    fields["persons-1-sex"] = ""
    html = send(**fields).get_data(as_text=True)

    head = re.search(r'<details class="card person" id="person-0"[^>]*>', html).group(0)
    child = re.search(r'<details class="card person" id="person-1"[^>]*>', html).group(0)
    assert " open" not in head and " open" in child
    row = re.search(r'id="person-0".*?<summary class="person-row">(.*?)</summary>', html,
                    re.S).group(1)
    assert "Kovalenko, Iryna" in row and "02.04.1985" in row and "weiblich" in row
    assert "Haushaltsvorstand" in row


def test_adding_a_person_opens_the_new_block_and_closes_the_others(send):
    html = send("add_member", **person_fields(0)).get_data(as_text=True)

    assert re.search(r'id="person-1"[^>]* open', html)
    assert not re.search(r'id="person-0"[^>]* open', html)


def test_add_child_gives_no_document_so_no_number_is_asked_for(send):
    """Before: the child got the default document (biometric passport), whose number
    was then missing: every child without papers failed once."""
    html = send("add_child", **person_fields(0, family_name="Bondar")).get_data(as_text=True)
    assert re.search(r'<option selected value="none">|<option value="none" selected>',
                     html.split('id="persons-1-document-type"')[1][:2000])

    fields = {**person_fields(0, family_name="Bondar"),
              **person_fields(1, family_name="Bondar", given_names="Artem", sex="male",
                              date_of_birth="2015-06-01", relation="child",
                              **{"document-type": "none", "document-number": "",
                                 "document-issuing_country": ""})}
    assert send(**fields).status_code == 302


def test_a_birth_certificate_needs_no_number(client, signed_in, freeze_registration_clock):
    signed_in("intake")
    child = person_payload(relation="child", given_names="Sofiia", date_of_birth="2016-01-02",
                           family_name_cyrillic=None, given_names_cyrillic=None,
                           document={"type": "birth_certificate"})
    response = client.post_json("/api/v1/households", household_payload(person_payload(), child))
    assert response.status_code == 201, response.get_json()


def test_a_likely_duplicate_is_decided_in_that_persons_block(client, signed_in, send):
    earlier = client.post_json("/api/v1/households", household_payload(person_payload(
        family_name="Melnyk", given_names="Olha", date_of_birth="1980-07-07",
        family_name_cyrillic=None, given_names_cyrillic=None, document={"type": "none"})))
    assert earlier.status_code == 201
    fields = {**person_fields(0, family_name="Kovalenko", given_names="Iryna"),
              **person_fields(1, family_name="Melnyk", given_names="Olha",
                              date_of_birth="1980-07-07", relation="sibling")}

    response = send(**fields)
    html = response.get_data(as_text=True)

    assert response.status_code == 409
    second = html.split('id="person-1"')[1]
    decision = second[:second.index("<div class=\"actions\">")]
    assert "Möglicherweise schon registriert" in decision
    assert 'id="duplicate_reason"' in decision, "the reason field sits in that person's block"
    ref = earlier.get_json()["ref"]
    assert f'href="/households/{ref}"' in decision
    assert f'href="/households/{ref}/members/new"' in decision
    assert dict(summary_links(html))["duplicate_reason"].startswith("Person 2 · ")

    fields["duplicate_reason"] = "Ausweis geprüft"
    assert send(**fields).status_code == 302


def test_an_in_place_submit_answers_with_the_household_instead_of_a_redirect(send):
    response = send(headers={"X-Arrival-In-Place": "1"}, **person_fields(0))

    assert response.status_code == 200
    location = response.get_json()["location"]
    assert re.fullmatch(r"/households/H-[A-Z0-9-]+", location)


def test_an_in_place_action_answers_with_the_page_whose_form_replaces_the_old_one(send):
    response = send("add_member", headers={"X-Arrival-In-Place": "1"}, **person_fields(0))

    html = response.get_data(as_text=True)
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert '<form method="post" novalidate class="household-form" data-in-place' in html
    assert input_value(html, "persons-0-family_name") == "Kovalenko"
    assert 'name="persons-1-family_name"' in html


def test_a_draft_restored_on_the_tablet_is_rebuilt_by_the_server(send):
    """The page sends the saved fields with action "refresh": the same form, as typed."""
    fields = {**person_fields(0), **person_fields(1, given_names="Taras")}
    html = send("refresh", **fields).get_data(as_text=True)

    assert input_value(html, "persons-1-given_names") == "Taras"
    assert "error-summary" not in html
