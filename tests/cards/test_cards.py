"""Arrival cards: random tokens of which only the hash is stored, check-character
numbers, revocation and reissue, and PDFs whose QR codes an independent decoder
reads back to the right person."""

from __future__ import annotations

import io
import re

import pypdfium2
import pytest
import sqlalchemy as sa
import zxingcpp

from arrival.cards import operations, tokens
from arrival.cards.models import Card
from arrival.cards.render import CARD_HEIGHT, CARD_WIDTH, render_cards
from arrival.core.validation import ValidationFailed
from arrival.extensions import db
from arrival.registry.operations import household_by_ref
from tests.factories import person_payload


def decode_pdf(data: bytes) -> list[str]:
    """Every QR code on every page, read at 300 dpi by zxing-cpp."""
    document = pypdfium2.PdfDocument(io.BytesIO(data))
    found = []
    try:
        for page in document:
            image = page.render(scale=300 / 72).to_pil()
            found += [barcode.text for barcode in zxingcpp.read_barcodes(image)
                      if barcode.format == zxingcpp.BarcodeFormat.QRCode]
    finally:
        document.close()
    return found


@pytest.fixture
def family(make_household):
    return make_household(
        person_payload(family_name="Kravchenko", family_name_cyrillic="Кравченко",
                       given_names="Oksana", given_names_cyrillic="Оксана",
                       document={"type": "none"}),
        person_payload(family_name="Kravchenko", family_name_cyrillic="Кравченко",
                       relation="child", given_names="Denys", given_names_cyrillic="Денис",
                       sex="male", date_of_birth="2016-06-06", document={"type": "none"}),
        person_payload(family_name="Kravchenko", relation="child", given_names="Zlata",
                       date_of_birth="2019-09-09", document={"type": "none"}),
    )


@pytest.mark.usefixtures("app_context")
class TestTokens:
    def test_a_token_has_a_versioned_prefix_and_160_random_bits(self):
        token = tokens.new_token()
        assert re.fullmatch(r"ARV1-[A-Z2-7]{32}", token)
        assert len({tokens.new_token() for _ in range(1000)}) == 1000

    def test_only_the_hash_of_the_token_is_stored(self, family):
        issued = operations.issue_card(household_by_ref(family).persons[0])
        db.session.flush()
        row = db.session.execute(sa.select(Card.__table__)).one()
        assert issued.token not in repr(tuple(row))
        assert row.token_hash == tokens.token_hash(issued.token)

    def test_card_numbers_carry_a_check_character(self, family):
        number = operations.issue_card(household_by_ref(family).persons[0]).card.number
        assert tokens.canonical_card_number(number.lower().replace("-", "")) == number
        typo = number[:3] + ("X" if number[3] != "X" else "Y") + number[4:]
        assert tokens.canonical_card_number(typo) is None

    def test_a_new_card_revokes_the_previous_one(self, family):
        person = household_by_ref(family).persons[0]
        first = operations.issue_card(person)
        second = operations.issue_card(person)
        assert (first.card.status, first.card.revoked_reason) == ("revoked", "replaced")
        assert second.card.status == "active"
        assert operations.resolve(first.token) == (first.card, "card_revoked")
        assert operations.resolve(second.token) == (second.card, "ok")

    def test_the_database_allows_one_active_card_per_person(self, family):
        person = household_by_ref(family).persons[0]
        operations.issue_card(person)
        with pytest.raises(sa.exc.IntegrityError):
            with db.session.begin_nested():
                db.session.add(Card(person_id=person.id, number="K-0000-0000-0",
                                    token_hash="0" * 64))
                db.session.flush()

    @pytest.mark.parametrize("reason", ["lost", "damaged", "replaced", "data_corrected"])
    def test_a_card_is_revoked_with_a_reason(self, family, reason):
        issued = operations.issue_card(household_by_ref(family).persons[0])
        operations.revoke(issued.card, reason)
        assert issued.card.revoked_reason == reason

    def test_an_unknown_revocation_reason_is_refused(self, family):
        issued = operations.issue_card(household_by_ref(family).persons[0])
        with pytest.raises(ValidationFailed):
            operations.revoke(issued.card, "stolen by aliens")
        assert issued.card.status == "active"

    @pytest.mark.parametrize("code, reason", [
        ("", "invalid_code"), ("x" * 10_000, "invalid_code"),
        ("ARV1-" + "A" * 31, "invalid_code"), ("ARV1-" + "A" * 32, "unknown_card"),
        ("hello world", "invalid_code"), ("K-0000-0000-0", "invalid_code"),
        ("'; DROP TABLE card; --", "invalid_code"), ("\x00\x01", "invalid_code"),
    ])
    def test_bad_codes_resolve_to_nothing_with_a_reason(self, code, reason):
        assert operations.resolve(code) == (None, reason)


@pytest.mark.usefixtures("app_context")
class TestPdf:
    def test_the_household_sheet_decodes_to_each_member_and_nothing_personal(self, family):
        household = household_by_ref(family)
        issued = operations.issue_household_cards(household)
        data = render_cards([operations.face_for(i) for i in issued], sheet=True)
        decoded = decode_pdf(data)
        assert sorted(decoded) == sorted(i.token for i in issued)
        for text in decoded:
            card, status = operations.resolve(text)
            assert status == "ok"
            assert card.person_id in {p.id for p in household.persons}
            assert re.fullmatch(r"ARV1-[A-Z2-7]{32}", text)  # no name, no date, no id

    def test_id1_cards_have_the_card_size_and_embed_a_cyrillic_font(self, family):
        issued = operations.issue_card(household_by_ref(family).persons[0])
        data = render_cards([operations.face_for(issued)])
        page = pypdfium2.PdfDocument(io.BytesIO(data))[0]
        assert (round(page.get_width(), 1), round(page.get_height(), 1)) == (
            round(CARD_WIDTH, 1), round(CARD_HEIGHT, 1))
        assert b"FontFile2" in data  # TrueType embedded, not fetched
        text = page.get_textpage().get_text_range()
        assert "Кравченко Оксана" in text and "KRAVCHENKO" in text
        assert "Не є документом" in text and "Not an identity document" in text
        assert decode_pdf(data) == [issued.token]


class TestPages:
    def test_printing_the_household_gives_one_pdf_and_is_audited(self, app, client, signed_in,
                                                                 family):
        from arrival.audit.models import AuditEvent

        signed_in("intake")
        response = client.submit(f"/cards/households/{family}/print", {})
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        assert len(decode_pdf(response.data)) == 3
        with app.app_context():
            prints = db.session.scalars(sa.select(AuditEvent).where(
                AuditEvent.action == "print")).all()
        assert len(prints) == 3

    def test_reprinting_a_person_makes_a_new_card(self, app, client, signed_in, family):
        signed_in("intake")
        with app.app_context():
            person_id = household_by_ref(family).persons[0].public_id
        first = decode_pdf(client.submit(f"/cards/persons/{person_id}/print", {}).data)
        second = decode_pdf(client.submit(f"/cards/persons/{person_id}/print", {}).data)
        assert first != second
        with app.app_context():
            assert operations.resolve(first[0])[1] == "card_revoked"

    def test_the_household_page_shows_cards_to_intake(self, client, signed_in, family):
        signed_in("intake")
        client.submit(f"/cards/households/{family}/print", {})
        html = client.get(f"/households/{family}").get_data(as_text=True)
        assert "K-" in html and "Ankunftskarten" in html


class TestApiAndCli:
    def test_issuing_returns_the_number_and_a_short_lived_pdf_link(self, app, client,
                                                                   signed_in, family):
        signed_in("intake")
        with app.app_context():
            person_id = household_by_ref(family).persons[0].public_id
        body = client.post_json(f"/api/v1/persons/{person_id}/cards", {}).json
        assert body["number"].startswith("K-")
        pdf = client.get(body["pdf"])
        assert pdf.mimetype == "application/pdf" and len(decode_pdf(pdf.data)) == 1
        assert client.get(f"/api/v1/cards/{body['number']}.pdf").status_code == 404
        tampered = body["pdf"][:-4] + "AAAA"
        assert client.get(tampered).status_code == 404

    def test_revoking_through_the_api(self, app, client, signed_in, family):
        signed_in("intake")
        with app.app_context():
            person_id = household_by_ref(family).persons[0].public_id
        number = client.post_json(f"/api/v1/persons/{person_id}/cards", {}).json["number"]
        response = client.post_json(f"/api/v1/cards/{number}/revoke", {"reason": "lost"})
        assert response.json["status"] == "revoked"

    def test_the_cli_prints_a_household(self, app, cli, family, tmp_path):
        out = tmp_path / "cards.pdf"
        result = cli.invoke(args=["cards", "print", "--household", family, "--out", str(out)])
        assert result.exit_code == 0, result.output
        assert len(decode_pdf(out.read_bytes())) == 3

    def test_the_cli_refuses_a_mistyped_reference(self, cli, family, tmp_path):
        wrong = family[:-1] + ("A" if family[-1] != "A" else "B")
        result = cli.invoke(args=["cards", "print", "--household", wrong, "--out",
                                  str(tmp_path / "x.pdf")])
        assert result.exit_code != 0 and not (tmp_path / "x.pdf").exists()
