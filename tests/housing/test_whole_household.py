"""Issue 23 (housing): a bed proposal takes the whole household — one unit, else one
site across units with a warning and a reason — neighbouring beds first, and its
figures are for the household. Check-out asks for a reason and confirms by name."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from arrival.extensions import db
from arrival.housing import inventory
from arrival.housing.models import OPEN_STATES, Bed, Site, Stay, StayEvent, Unit
from arrival.registry.models import Person
from tests.factories import person_payload


@pytest.fixture
def family_of_four(make_household):
    """Mother, two children and a grandmother who needs a barrier-free room."""
    def make(name: str = "Bondarenko") -> str:
        return make_household(
            person_payload(family_name=name, given_names="Olha", document={"type": "none"}),
            person_payload(family_name=name, given_names="Ivan", relation="child", sex="male",
                           date_of_birth="2014-02-01", document={"type": "none"}),
            person_payload(family_name=name, given_names="Daria", relation="child",
                           date_of_birth="2017-06-01", document={"type": "none"}),
            person_payload(family_name=name, given_names="Halyna", relation="grandparent",
                           date_of_birth="1948-09-09", flags=["reduced_mobility"],
                           document={"type": "none"}))
    return make


@pytest.fixture
def shelter(app):
    """A site of rooms: {name: (beds, barrier_free, blocked bed numbers)} → unit ids."""
    def make(site_name: str, rooms: dict) -> dict[str, int]:
        with app.app_context():
            site = inventory.create_site({"name": site_name, "kind": "emergency_hall"})
            ids = {}
            for name, (beds, barrier_free, blocked) in rooms.items():
                unit = inventory.create_unit(site, {"name": name, "barrier_free": barrier_free})
                for number, bed in enumerate(inventory.add_beds(unit, beds), start=1):
                    if number in blocked:
                        inventory.block_bed(bed, "Matratze defekt")
                ids[name] = unit.id
            db.session.commit()
            return ids
    return make


def place_page(client, ref: str) -> str:
    return client.get(f"/housing/households/{ref}/place").get_data(as_text=True)


def beds_taken(app, ref: str) -> list[tuple[str, str]]:
    """(unit name, bed label) of every open stay of the household, by person order."""
    from arrival.registry.operations import household_by_ref

    with app.app_context():
        household = household_by_ref(ref)
        rows = db.session.execute(
            sa.select(Person.given_names, Unit.name, Bed.label)
            .join(Stay, Stay.person_id == Person.id).join(Bed, Bed.id == Stay.bed_id)
            .join(Unit, Unit.id == Bed.unit_id)
            .where(Person.household_id == household.id, Stay.state.in_(OPEN_STATES))
            .order_by(Person.id)).all()
        return {given: (unit, label) for given, unit, label in rows}


class TestProposals:
    def test_a_unit_too_small_for_the_household_is_never_offered(
            self, client, signed_in, shelter, family_of_four):
        signed_in("housing")
        shelter("Halle Ost", {"Raum 1": (1, True, ()), "Raum 2": (2, True, ())})
        page = place_page(client, family_of_four())
        assert "Halle Ost · Raum 1" not in page and "Halle Ost · Raum 2" not in page
        assert not re.search(r'type="radio"[^>]*checked', page)
        assert "Keine passenden freien Betten für alle 4 Personen" in page

    def test_the_figures_are_for_the_whole_household(self, client, signed_in, shelter,
                                                     family_of_four):
        signed_in("housing")
        shelter("Halle Süd", {"Familienraum": (6, True, ())})
        page = place_page(client, family_of_four())
        assert "Vorschläge für 4 Personen" in page
        assert "6 frei · für 4 Personen · danach 2 frei" in page

    def test_neighbouring_beds_first(self, app, client, signed_in, shelter, family_of_four):
        signed_in("housing")
        # Beds 2 and 4 are blocked: 1, 3, 5, 6 would split the family; 5–8 lie together.
        units = shelter("Halle West", {"Raum A": (8, True, (2, 4))})
        ref = family_of_four()
        page = place_page(client, ref)
        persons = re.findall(r'name="person" value="([^"]+)"', page)
        response = client.submit(f"/housing/households/{ref}/place",
                                 {"person": persons, "unit": units["Raum A"]})
        assert response.status_code == 302
        taken = sorted(int(label) for _unit, label in beds_taken(app, ref).values())
        assert taken == [5, 6, 7, 8]

    def test_no_unit_takes_everyone_offers_one_site_with_a_warning_and_asks_why(
            self, app, client, signed_in, shelter, family_of_four):
        signed_in("housing")
        shelter("Halle Nord", {"Raum EG": (1, True, ()), "Halle": (10, False, ())})
        shelter("Turnhalle", {"Raum 1": (3, True, ())})  # takes three, never the four
        ref = family_of_four()
        page = place_page(client, ref)
        assert "Keine Einheit hat Platz für alle 4 Personen zusammen" in page
        offered = re.findall(r'name="unit" value="([^"]+)"', page)
        with app.app_context():
            site_id = db.session.scalar(sa.select(Site.id).where(Site.name == "Halle Nord"))
        assert offered == [f"site-{site_id}"]
        assert "Turnhalle" not in page
        assert not re.search(r'type="radio"[^>]*checked', page), "a split is never preselected"
        persons = re.findall(r'name="person" value="([^"]+)"', page)

        without_reason = client.submit(f"/housing/households/{ref}/place",
                                       {"person": persons, "unit": offered[0]})
        assert without_reason.status_code == 422
        assert re.search(r'id="split_reason-error"><li>Geben Sie den Grund an',
                         without_reason.get_data(as_text=True))
        assert beds_taken(app, ref) == {}

        done = client.submit(f"/housing/households/{ref}/place", {
            "person": persons, "unit": offered[0],
            "split_reason": "Spätankunft, Familienraum erst morgen frei"})
        assert done.status_code == 302
        taken = beds_taken(app, ref)
        assert taken["Halyna"] == ("Raum EG", "1"), "the grandmother gets the barrier-free bed"
        assert sorted(taken[name] for name in ("Olha", "Ivan", "Daria")) == [
            ("Halle", "1"), ("Halle", "2"), ("Halle", "3")]
        with app.app_context():
            notes = db.session.scalars(sa.select(StayEvent.note).where(
                StayEvent.to_state == "planned")).all()
        assert notes.count("split: Spätankunft, Familienraum erst morgen frei") == 4

    def test_fewer_persons_ticked_get_proposals_for_them(self, client, signed_in, shelter,
                                                         family_of_four):
        signed_in("housing")
        shelter("Halle Klein", {"Raum 1": (2, True, ())})
        ref = family_of_four()
        persons = re.findall(r'name="person" value="([^"]+)"', place_page(client, ref))
        page = client.submit(f"/housing/households/{ref}/place",
                             {"person": persons[:2], "propose": "1"}).get_data(as_text=True)
        assert "Vorschläge für 2 Personen" in page and "Halle Klein · Raum 1" in page

    def test_too_few_beds_says_bed_in_the_singular(self, app, make_household, shelter,
                                                   family_of_four):
        from arrival.core.validation import ValidationFailed
        from arrival.housing import operations
        from arrival.registry.operations import household_by_ref

        units = shelter("Halle Eins", {"Raum 1": (1, False, ())})
        ref = family_of_four()
        with app.test_request_context(headers={"Accept-Language": "de"}):
            persons = list(household_by_ref(ref).persons)
            beds = list(db.session.scalars(sa.select(Bed).where(Bed.unit_id == units["Raum 1"])))
            with pytest.raises(ValidationFailed) as refused:
                operations.assign(persons, beds)
        assert refused.value.errors["beds"] == [
            "1 Bett für 4 Personen: Wählen Sie eine Einheit mit genug freien Betten."]


    def test_a_member_placed_later_is_offered_the_familys_room_first(
            self, app, client, signed_in, shelter, make_household):
        """The child registered after the family was placed belongs beside them, even
        where another room would fit one person more snugly."""
        from arrival.housing import operations
        from arrival.registry.operations import household_by_ref

        units = shelter("Halle Nord", {"Raum 1": (1, False, ()), "Familienraum": (6, False, ())})
        ref = make_household(*[person_payload(
            family_name="Hnatiuk", given_names=given, relation=relation,
            date_of_birth=born, document={"type": "none"})
            for given, relation, born in (("Olha", "head", "1985-01-01"),
                                          ("Ivan", "child", "2014-02-01"),
                                          ("Lev", "child", "2021-09-01"))])
        with app.app_context():
            family = list(household_by_ref(ref).persons)
            beds = list(db.session.scalars(sa.select(Bed).where(
                Bed.unit_id == units["Familienraum"]).order_by(Bed.position)))[:2]
            operations.assign(family[:2], beds)  # Lev comes later
            db.session.commit()
        signed_in("housing")
        proposals = client.get(f"/api/v1/households/{ref}/bed-proposals").json[
            "proposals"]
        assert [p["unit"] for p in proposals[:2]] == ["Familienraum", "Raum 1"]
        assert "Halle Nord · Familienraum" in place_page(client, ref).split("Halle Nord · Raum 1")[0]


class TestCheckOut:
    @pytest.fixture
    def placed(self, app, client, signed_in, shelter, family_of_four):
        signed_in("housing")
        units = shelter("Halle Check", {"Familienraum": (4, True, ())})
        ref = family_of_four("Kovalenko")
        persons = re.findall(r'name="person" value="([^"]+)"', place_page(client, ref))
        assert client.submit(f"/housing/households/{ref}/place", {
            "person": persons, "unit": units["Familienraum"], "check_in": "1"}).status_code == 302
        return ref

    def test_no_reason_is_preselected(self, client, placed):
        page = client.get(f"/housing/households/{placed}/check-out").get_data(as_text=True)
        select = re.search(r'<select[^>]*name="reason".*?</select>', page, re.S).group(0)
        options = re.findall(r"<option[^>]*>", select)
        assert options[0] == '<option value="">', "the first choice is none"
        assert not any("selected" in option for option in options)

    def test_without_a_reason_it_says_so_at_the_field(self, app, client, placed):
        page = client.get(f"/housing/households/{placed}/check-out").get_data(as_text=True)
        stays = re.findall(r'name="stay" value="(\d+)"', page)
        response = client.submit(f"/housing/households/{placed}/check-out", {"stay": stays})
        assert response.status_code == 422
        assert re.search(r'id="reason-error">\s*<li>Wählen Sie einen Grund aus der Liste',
                         response.get_data(as_text=True))
        assert len(beds_taken(app, placed)) == 4

    def test_a_confirmation_names_the_persons_before_anything_changes(self, app, client,
                                                                      placed):
        page = client.get(f"/housing/households/{placed}/check-out").get_data(as_text=True)
        stays = dict((name, stay) for stay, name in re.findall(
            r'name="stay" value="(\d+)" checked>\s*<label for="stay-\d+">Kovalenko, (\w+)', page))
        answer = {"stay": [stays["Olha"], stays["Ivan"]], "reason": "private_accommodation"}
        asked = client.submit(f"/housing/households/{placed}/check-out", answer)
        text = asked.get_data(as_text=True)
        assert asked.status_code == 200 and "Diese 2 Personen auschecken?" in text
        assert "Olha Kovalenko" in text and "Ivan Kovalenko" in text
        assert "Daria Kovalenko" not in text.split('id="confirm-check-out"')[1]
        assert len(beds_taken(app, placed)) == 4, "nothing changes before the confirmation"
        done = client.submit(f"/housing/households/{placed}/check-out",
                             {**answer, "confirmed": "1"}, follow_redirects=True)
        assert "2 Personen ausgecheckt: Olha Kovalenko, Ivan Kovalenko." in done.get_data(
            as_text=True)
        assert set(beds_taken(app, placed)) == {"Daria", "Halyna"}
