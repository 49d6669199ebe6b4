"""The optional person photo (issue 17): off by default (data minimisation); when a
deployment switches it on, intake stores a small JPEG, the gate and the scan station
show it only to roles that see identity, every read is audited, bad input is named at
the field, the card prints it, and erasure and the retention sweep delete it."""

from __future__ import annotations

import base64
import io

import pytest
import sqlalchemy as sa
from PIL import Image

from arrival.audit.models import AuditEvent
from arrival.cards import operations as cards
from arrival.extensions import db
from arrival.privacy import operations as privacy
from arrival.registry.models import Person, PersonPhoto
from arrival.registry.photos import jpeg_size


def jpeg(width=240, height=320, quality=70, noise=False) -> bytes:
    image = Image.new("RGB", (width, height), (180, 120, 90))
    if noise:  # detail a JPEG cannot squeeze: makes large files
        image = Image.frombytes("RGB", (width, height), bytes(
            (i * 7919 + (i >> 3) * 104729) % 256 for i in range(width * height * 3)))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (100, 100)).save(buffer, "PNG")
    return buffer.getvalue()


def as_upload(data: bytes, data_url: bool = True) -> dict:
    text = base64.b64encode(data).decode()
    return {"image": f"data:image/jpeg;base64,{text}" if data_url else text}


def put_json(client, path: str, payload: dict):
    return client.put(path, json=payload, headers={"X-CSRFToken": client.csrf_token()})


@pytest.fixture
def photos_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "PERSON_PHOTOS", True)


def public_id(app, person_id: int) -> str:
    with app.app_context():
        return db.session.get(Person, person_id).public_id


def stored_photos(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(PersonPhoto))


def take_photo(app, place, name="Mila") -> str:
    """Store a photo of a resident directly (as intake would), committed."""
    from arrival.registry import photos

    with app.app_context():
        photos.save_photo(db.session.get(Person, place.ids[name]), jpeg())
        db.session.commit()
        return db.session.get(Person, place.ids[name]).public_id


class TestOffByDefault:
    def test_the_setting_is_off_unless_the_environment_switches_it_on(self):
        from config.settings import TestingConfig

        assert TestingConfig.settings({})["PERSON_PHOTOS"] is False
        assert TestingConfig.settings({"ARRIVAL_PERSON_PHOTOS": "1"})["PERSON_PHOTOS"] is True

    def test_no_endpoint_accepts_or_hands_out_a_photo(self, app, client, signed_in, place):
        signed_in("intake")
        person = public_id(app, place.ids["Mila"])
        url = f"/api/v1/persons/{person}/photo"
        for response in (put_json(client, url, as_upload(jpeg())), client.get(url),
                         client.delete(url, headers={"X-CSRFToken": client.csrf_token()})):
            assert response.status_code == 404
            assert response.json["code"] == "photos_disabled"
        assert stored_photos(app) == 0

    def test_the_person_page_offers_no_camera(self, app, client, signed_in, place):
        signed_in("intake")
        page = client.get(f"/persons/{public_id(app, place.ids['Mila'])}/edit")
        assert page.status_code == 200 and "photo-section" not in page.get_data(as_text=True)

    def test_a_photo_stored_before_switching_off_is_not_shown_at_the_gate(
            self, app, client, signed_in, place, photos_on, monkeypatch):
        take_photo(app, place)
        monkeypatch.setitem(app.config, "PERSON_PHOTOS", False)
        signed_in("security")
        answer = client.post_json("/api/v1/gate/scan", {
            "site_id": place.hall, "station": "Tor", "direction": "in",
            "code": place.tokens["Mila"]}).json
        assert "photo_url" not in answer["person"]


class TestUpload:
    def test_intake_stores_a_small_jpeg_and_the_change_is_audited(
            self, app, client, signed_in, place, photos_on):
        signed_in("intake")
        person = public_id(app, place.ids["Mila"])
        data = jpeg(240, 320)
        response = put_json(client, f"/api/v1/persons/{person}/photo", as_upload(data))
        assert response.status_code == 200, response.json
        assert (response.json["width"], response.json["height"]) == (240, 320)
        with app.app_context():
            photo = db.session.get(PersonPhoto, place.ids["Mila"])
            assert photo.jpeg == data
            event = db.session.scalar(sa.select(AuditEvent).where(
                AuditEvent.entity_type == "person", AuditEvent.action == "create")
                .order_by(AuditEvent.id.desc()))
            assert event.fields == ["photo"]

    def test_a_second_photo_replaces_the_first(self, app, client, signed_in, place,
                                               photos_on):
        signed_in("intake")
        url = f"/api/v1/persons/{public_id(app, place.ids['Mila'])}/photo"
        put_json(client, url, as_upload(jpeg(240, 320)))
        put_json(client, url, as_upload(jpeg(120, 160), data_url=False))
        with app.app_context():
            photos = db.session.scalars(sa.select(PersonPhoto)).all()
            assert [(p.width, p.height) for p in photos] == [(120, 160)]

    @pytest.mark.parametrize("body, message", [
        ({}, "Bitte ein Foto aufnehmen"),
        ({"image": 17}, "Bitte ein Foto aufnehmen"),
        ({"image": "data:image/png;base64,AAAA"}, "JPEG"),
        ({"image": "not base64 at all!"}, "kein Base64"),
        (as_upload(png()), "JPEG"),
        (as_upload(b"\xff\xd8\xff\xe0 truncated"), "JPEG"),
        (as_upload(jpeg(640, 480)), "640 × 480"),
        (as_upload(jpeg(320, 20)), "zu klein"),
        (as_upload(jpeg(320, 320, quality=100, noise=True)), "40 KB"),
    ])
    def test_bad_input_is_named_at_the_photo_field_and_nothing_is_stored(
            self, app, client, signed_in, place, photos_on, body, message):
        signed_in("intake")
        response = put_json(client, 
            f"/api/v1/persons/{public_id(app, place.ids['Mila'])}/photo", body)
        assert response.status_code == 422
        assert response.json["code"] == "validation_failed"
        assert message in response.json["fields"]["photo"][0]
        assert stored_photos(app) == 0

    def test_the_size_check_reads_the_frame_header_not_the_file_name(self):
        assert jpeg_size(jpeg(200, 300)).__dict__ == {"width": 200, "height": 300}
        assert jpeg_size(png()) is None
        assert jpeg_size(jpeg()[:-2]) is None  # no end-of-image marker

    def test_only_intake_takes_or_deletes_a_photo(self, app, client, signed_in, place,
                                                  photos_on):
        signed_in("security")
        url = f"/api/v1/persons/{public_id(app, place.ids['Mila'])}/photo"
        assert put_json(client, url, as_upload(jpeg())).status_code == 403
        assert stored_photos(app) == 0

    def test_the_person_page_has_the_camera_section(self, app, client, signed_in, place,
                                                    photos_on):
        signed_in("intake")
        page = client.get(f"/persons/{public_id(app, place.ids['Mila'])}/edit")
        html = page.get_data(as_text=True)
        assert "photo-section" in html and "Kamera öffnen" in html


class TestAtTheGateAndTheStation:
    def scan(self, client, place, name="Mila"):
        return client.post_json("/api/v1/gate/scan", {
            "site_id": place.hall, "station": "Tor", "direction": "in",
            "code": place.tokens[name]}).json

    def test_the_security_service_sees_the_photo_and_its_read_is_audited(
            self, app, client, signed_in, place, photos_on):
        person = take_photo(app, place)
        signed_in("security")
        answer = self.scan(client, place)
        assert answer["person"]["photo_url"] == f"/api/v1/persons/{person}/photo"
        response = client.get(answer["person"]["photo_url"])
        assert response.status_code == 200 and response.mimetype == "image/jpeg"
        assert "no-store" in response.headers["Cache-Control"]
        with app.app_context():
            read = db.session.scalar(sa.select(AuditEvent).where(
                AuditEvent.entity_type == "person_photo", AuditEvent.action == "view"))
            assert read is not None and read.entity_id == person
            assert read.person_ids == [person]

    def test_a_role_without_identity_gets_no_photo_at_the_gate(
            self, app, client, signed_in, place, photos_on):
        person = take_photo(app, place)
        signed_in("service_point")
        answer = self.scan(client, place)
        assert answer["person"] == {"first_name": "Mila", "household_size": 3}
        assert client.get(f"/api/v1/persons/{person}/photo").status_code == 403

    def test_the_gate_page_without_javascript_shows_it_only_with_identity(
            self, app, client, signed_in, place, photos_on):
        take_photo(app, place)
        signed_in("service_point")
        page = client.submit("/gate/station", {
            "site": place.hall, "station": "Tor", "direction": "in",
            "code": place.tokens["Mila"]}, form_page=f"/gate/station?site={place.hall}&station=Tor")
        assert "answer-photo" not in page.get_data(as_text=True)

    def test_no_photo_taken_means_no_photo_address(self, app, client, signed_in, place,
                                                   photos_on):
        signed_in("security")
        assert "photo_url" not in self.scan(client, place)["person"]

    def test_the_scan_station_shows_it_to_intake_not_to_service_points(
            self, app, client, signed_in, place, photos_on):
        person = take_photo(app, place)
        body = {"service_type": "meal", "point": "Kantine", "code": place.tokens["Mila"]}
        signed_in("service_point")
        assert "photo_url" not in client.post_json("/api/v1/scan", body).json["person"]
        client.logout()
        signed_in("intake")
        answer = client.post_json("/api/v1/scan", body).json
        assert answer["person"]["photo_url"] == f"/api/v1/persons/{person}/photo"


class TestOnTheCard:
    def test_the_card_prints_the_photo_when_one_was_taken(self, app, place, photos_on):
        take_photo(app, place)
        with app.app_context():
            person = db.session.get(Person, place.ids["Mila"])
            with_photo = cards.face_for(cards.issue_card(person))
            other = cards.face_for(cards.issue_card(db.session.get(Person, place.ids["Bohdan"])))
            assert with_photo.photo == jpeg() and other.photo is None
            from arrival.cards.render import render_cards

            pdf = render_cards([with_photo])
            assert b"/Subtype /Image" in pdf and pdf.count(b"/Subtype /Image") == 2  # QR, photo
            db.session.rollback()

    def test_with_photos_off_the_card_has_none(self, app, place, photos_on, monkeypatch):
        take_photo(app, place)
        monkeypatch.setitem(app.config, "PERSON_PHOTOS", False)
        with app.app_context():
            face = cards.face_for(cards.issue_card(db.session.get(Person, place.ids["Mila"])))
            assert face.photo is None
            db.session.rollback()


class TestDeletedWithThePersonsData:
    def test_erasure_deletes_the_photo(self, app, place, photos_on):
        take_photo(app, place, "Oksana")
        with app.app_context():
            privacy.erase(db.session.get(Person, place.ids["Oksana"]), reason="Letter")
            db.session.commit()
        assert stored_photos(app) == 0

    def test_the_retention_sweep_deletes_it_with_the_departed_household(
            self, app, place, photos_on, monkeypatch):
        from datetime import timedelta

        from arrival.core.clock import now
        from arrival.housing import operations as housing
        from arrival.housing.models import Stay

        take_photo(app, place, "Oksana")
        take_photo(app, place, "Mila")
        monkeypatch.setitem(app.config, "RETENTION_HOUSEHOLD_DAYS", 1)
        with app.app_context():
            stay = db.session.scalar(sa.select(Stay).where(
                Stay.person_id == place.ids["Oksana"]))
            housing.check_out(stay, reason="private_accommodation", at=now())
            db.session.commit()
            privacy.sweep(only="households", at=now() + timedelta(days=3))
            left = db.session.scalars(sa.select(PersonPhoto.person_id)).all()
        assert left == [place.ids["Mila"]]  # still living here: kept

    def test_deleting_it_by_hand_is_audited(self, app, client, signed_in, place, photos_on):
        person = take_photo(app, place)
        signed_in("intake")
        response = client.delete(f"/api/v1/persons/{person}/photo",
                                 headers={"X-CSRFToken": client.csrf_token()})
        assert response.status_code == 200 and response.json == {"deleted": True}
        assert stored_photos(app) == 0
        with app.app_context():
            assert db.session.scalar(sa.select(AuditEvent).where(
                AuditEvent.action == "delete", AuditEvent.entity_id == person)).fields == ["photo"]

    def test_the_record_of_processing_names_its_purpose_and_whether_it_is_on(
            self, app, photos_on):
        from arrival.privacy import record

        with app.app_context():
            doc = record.document()
            photo = doc["optional"][0]
            assert photo["enabled"] is True and "gate" in photo["purpose"]
            assert "ARRIVAL_PERSON_PHOTOS" in record.markdown(doc)
