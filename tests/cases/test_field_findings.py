"""Issue 23 (caseworkers): the bulk "Ergebnis" offers only the results of the
listed items' topics, each label once, and says which topic a result does not
fit; the item page shows what the caseworker needs to act; waiting on another
authority says which one."""

from __future__ import annotations

import re
from collections import Counter

import pytest
import sqlalchemy as sa

from arrival.cases import operations
from arrival.cases.models import ClarificationItem
from arrival.extensions import db
from arrival.housing import inventory
from arrival.housing import operations as housing
from arrival.registry.operations import household_by_ref
from tests.factories import person_payload


def third_country_adult_without_document(**fields):
    return person_payload(family_name="Okafor", family_name_cyrillic="", given_names="Chidi",
                          given_names_cyrillic="", nationality="NGA", sex="male",
                          date_of_birth="1990-02-02", document={"type": "none"},
                          languages=["en", "uk"], **fields)


def items_of(app, ref, authority: str) -> list[tuple[int, str]]:
    with app.app_context():
        return [(i.id, i.topic) for i in operations.items_of_household(household_by_ref(ref))
                if i.active and i.authority.code == authority]


def bulk_options(html: str) -> list[tuple[str, str]]:
    select = re.search(r'<select id="bulk-resolution".*?</select>', html, re.S).group(0)
    return re.findall(r'<option value="([^"]+)" data-topics="[^"]*">([^<]+)</option>', select)


class TestBulkResult:
    def test_only_the_results_of_the_listed_topics_each_label_once(
            self, app, client, signed_in, make_household):
        ref = make_household(third_country_adult_without_document())
        topics = {topic for _id, topic in items_of(app, ref, "auslaenderbehoerde")}
        assert len(topics) >= 2  # third-country eligibility and identity at least
        signed_in("caseworker", authority="auslaenderbehoerde")
        options = bulk_options(client.get("/cases/").get_data(as_text=True))
        with app.app_context():
            allowed = {code for topic in topics for code in operations.resolutions_of(topic)}
        assert {code for code, _label in options} == allowed
        labels = Counter(label for _code, label in options)
        assert all(count == 1 for count in labels.values()), labels
        assert "Quarantäne angeordnet" not in labels and "Vorläufig in Obhut genommen" \
            not in labels

    def test_a_result_that_does_not_fit_a_selected_item_names_its_topic(
            self, app, client, signed_in, make_household):
        ref = make_household(third_country_adult_without_document())
        items = dict((topic, item_id) for item_id, topic in items_of(
            app, ref, "auslaenderbehoerde"))
        signed_in("caseworker", authority="auslaenderbehoerde")
        response = client.submit("/cases/bulk", {
            "item": [items["identity"], items["temporary_protection_eligibility"]],
            "to": "resolved", "resolution": "eligible"}, form_page="/cases/",
            follow_redirects=True)
        html = response.get_data(as_text=True)
        assert ("Dieses Ergebnis gehört nicht zum Thema „Identitätsklärung (kein "
                "Ausweisdokument)“") in html
        with app.app_context():
            states = db.session.scalars(sa.select(ClarificationItem.state).where(
                ClarificationItem.id.in_(list(items.values())))).all()
        assert set(states) == {"open"}

    def test_a_result_they_share_resolves_them_all(self, app, client, signed_in,
                                                   make_household):
        ref = make_household(third_country_adult_without_document())
        items = dict((topic, item_id) for item_id, topic in items_of(
            app, ref, "auslaenderbehoerde"))
        signed_in("caseworker", authority="auslaenderbehoerde")
        chosen = [items["identity"], items["temporary_protection_eligibility"]]
        client.submit("/cases/bulk", {"item": chosen, "to": "resolved",
                                      "resolution": "referred"}, form_page="/cases/")
        with app.app_context():
            states = db.session.scalars(sa.select(ClarificationItem.state).where(
                ClarificationItem.id.in_(chosen))).all()
        assert states == ["resolved", "resolved"]


class TestItemPage:
    @pytest.fixture
    def placed_item(self, app, make_household):
        ref = make_household(third_country_adult_without_document())
        with app.app_context():
            site = inventory.create_site({"name": "Messe Halle 3", "kind": "emergency_hall"})
            unit = inventory.create_unit(site, {"name": "Block B"})
            beds = inventory.add_beds(unit, 3)
            housing.assign(list(household_by_ref(ref).persons), beds[1:2], check_in=True)
            db.session.commit()
        item_id = dict((t, i) for i, t in items_of(app, ref, "auslaenderbehoerde"))["identity"]
        return ref, item_id

    def test_it_shows_age_site_and_bed_phone_languages_and_the_household(
            self, client, signed_in, placed_item, freeze_registration_clock):
        ref, item_id = placed_item
        signed_in("caseworker", authority="auslaenderbehoerde")
        html = client.get(f"/cases/items/{item_id}").get_data(as_text=True)
        facts = html.split('<dl class="facts">')[1].split("</dl>")[0]
        assert re.search(r"Okafor, Chidi · \d+ Jahre", facts)
        assert "Messe Halle 3 · Block B · Bett 2" in facts
        assert '<a href="tel:+380671234567">+380671234567</a>' in facts
        assert "Englisch" in facts and "Ukrainisch" in facts
        assert f'<a href="/households/{ref}">{ref}</a>' in facts

    def test_waiting_on_another_authority_says_which(self, app, client, signed_in,
                                                     placed_item):
        _ref, item_id = placed_item
        signed_in("caseworker", authority="auslaenderbehoerde")
        page = f"/cases/items/{item_id}"
        with app.app_context():
            version = db.session.get(ClarificationItem, item_id).version
        unnamed = client.submit(page, {"to": "waiting", "waiting_on": "authority",
                                       "note": "Rückfrage", "version": version},
                                form_page=page)
        assert unnamed.status_code == 422
        assert re.search(r'id="waiting_for-error">\s*<li>Wählen Sie die Behörde',
                         unnamed.get_data(as_text=True))
        client.submit(page, {"to": "waiting", "waiting_on": "authority", "waiting_for": "rp",
                             "note": "Rückfrage zur Verteilung", "version": version},
                      form_page=page)
        html = client.get(page).get_data(as_text=True)
        assert "auf eine andere Behörde: Regierungspräsidium" in html


def lone_child(**fields):
    """A 15-year-old who arrived without any adult."""
    return person_payload(family_name="Kovalenko", family_name_cyrillic="",
                          given_names="Taras", given_names_cyrillic="", sex="male",
                          date_of_birth="2007-03-03", relation="head",
                          flags=["unaccompanied_minor"], document={"type": "none"}, **fields)


def mother_with_children():
    mother = person_payload(family_name="Shevchuk", family_name_cyrillic="",
                            given_names="Olha", given_names_cyrillic="")
    children = [person_payload(family_name="Shevchuk", family_name_cyrillic="",
                               given_names=name, given_names_cyrillic="", relation="child",
                               date_of_birth=born, document={"type": "none"})
                for name, born in (("Ivan", "2014-02-01"), ("Daria", "2017-06-01"),
                                   ("Lev", "2021-09-01"))]
    return [mother, *children]


class TestTopicsPerPersonOrHousehold:
    """A family of four does not need four treatment-voucher items; every person,
    children included, needs a § 24 residence title."""

    def test_a_household_topic_opens_one_item_for_the_family(self, app, make_household):
        ref = make_household(*mother_with_children())
        with app.app_context():
            vouchers = [i for i in operations.items_of_household(household_by_ref(ref))
                        if i.topic == "health_insurance"]
        assert [(i.person_id, i.active) for i in vouchers] == [(None, True)]

    def test_every_person_needs_a_residence_title(self, app, make_household):
        ref = make_household(*mother_with_children())
        with app.app_context():
            household = household_by_ref(ref)
            permits = {i.person_id for i in operations.items_of_household(household)
                       if i.topic == "residence_permit"}
            assert permits == {p.id for p in household.persons}

    def test_a_rule_that_disagrees_with_its_topic_is_refused_at_load(self, app, tmp_path):
        import shutil
        from pathlib import Path

        from arrival.catalog.operations import CatalogError, load_catalog

        shutil.copytree(Path(app.root_path).parent / "config" / "catalog", tmp_path / "c")
        rules = tmp_path / "c" / "clarification_rules.toml"
        rules.write_text(rules.read_text(encoding="utf-8").replace(
            'code = "health_insurance"\ntopic = "health_insurance"\n',
            'code = "health_insurance"\ntopic = "health_insurance"\nscope = "person"\n'),
            encoding="utf-8")
        with app.app_context(), pytest.raises(CatalogError, match="per 'household'"):
            load_catalog(tmp_path / "c")


class TestContradictions:
    """An unaccompanied minor's Jugendamt item still open beside an RP distribution
    decision already resolved: shown on the item and the household page."""

    @pytest.fixture
    def decided_too_early(self, app, make_household):
        """The child arrived 27 days ago; the distribution was decided at once."""
        from datetime import timedelta

        from arrival.core import clock
        from tests.conftest import SUITE_START

        with clock.frozen_at(SUITE_START - timedelta(days=27)):
            ref = make_household(lone_child())
        with app.app_context():
            items = operations.items_of_household(household_by_ref(ref))
            distribution = next(i for i in items if i.topic == "distribution")
            minor = next(i for i in items if i.topic == "unaccompanied_minor")
            operations.transition(distribution, "resolved", resolution="stays",
                                  note="bleibt in Stuttgart", system=True)
            db.session.commit()
            return ref, minor.id, distribution.id

    def test_the_minors_item_names_the_contradiction_and_its_age(
            self, client, signed_in, decided_too_early):
        _ref, minor, _distribution = decided_too_early
        signed_in("caseworker", authority="jugendamt")
        html = client.get(f"/cases/items/{minor}").get_data(as_text=True)
        box = html.split('class="contradictions"')[1].split("</div>")[0]
        assert "Widerspruch" in box
        assert "Verteilentscheidung" in box and "Unbegleitete:r Minderjährige:r" in box
        assert "seit 27 Tagen offen" in box
        history = html.split("<h2>Verlauf</h2>")[1] if "<h2>Verlauf</h2>" in html else html
        assert "Regel unaccompanied_minor" in history and ": rule unaccompanied" not in history

    def test_the_household_page_shows_it_too(self, client, signed_in, decided_too_early):
        ref, _minor, _distribution = decided_too_early
        signed_in("coordinator")
        html = client.get(f"/households/{ref}").get_data(as_text=True)
        assert 'class="contradictions"' in html
        assert "Verteilentscheidung" in html.split('class="contradictions"')[1].split("</div>")[0]

    def test_no_contradiction_once_the_minors_item_is_settled(self, app, client, signed_in,
                                                            decided_too_early):
        ref, minor, _distribution = decided_too_early
        with app.app_context():
            operations.transition(db.session.get(ClarificationItem, minor), "resolved",
                                  resolution="taken_into_care", system=True)
            db.session.commit()
        signed_in("coordinator")
        assert 'class="contradictions"' not in client.get(f"/households/{ref}").get_data(
            as_text=True)

    def test_a_household_without_such_items_shows_none(self, client, signed_in, make_household):
        ref = make_household(*mother_with_children())
        signed_in("coordinator")
        assert 'class="contradictions"' not in client.get(f"/households/{ref}").get_data(
            as_text=True)
