"""What the journey tests (test_journeys.py) work with: one family per tablet size,
passports with a machine-readable zone, the JSON API from inside the browser, and
the QR codes of a printed card sheet.

Journeys 1–6 follow one family through the centre: registration, beds, cards,
the scan station, the Jugendamt, the coordination staff. Each size has its own
family (other names, other dates, other documents), so that the two runs never
meet in the shared live database. A journey that runs on its own (pytest -k)
registers the family through the API first; in a whole run it takes over the
household that journey 1 registered through the form.
"""

from __future__ import annotations

import io
import re
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pypdfium2
import zxingcpp
from playwright.sync_api import APIResponse

from arrival.registry.mrz import check_digit
from tests.browser.pages import TABLET_LANDSCAPE, TABLET_PORTRAIT, Visitor

BERLIN = ZoneInfo("Europe/Berlin")
CARD_TOKEN = re.compile(r"ARV1-[A-Z2-7]{32}")


def today_in_berlin() -> date:
    return datetime.now(BERLIN).date()


def born_years_ago(years: int) -> date:
    """A date of birth that makes the person `years` old today (Berlin): the last
    birthday was about two months ago, so a minor stays a minor whenever the
    tests run."""
    today = today_in_berlin()
    return date(today.year - years, today.month, min(today.day, 28)) - timedelta(days=60)


# -- machine-readable zone -------------------------------------------------------


def _mrz_date(value: date) -> str:
    return value.strftime("%y%m%d")


def td3_mrz(*, family_name: str, given_names: str, number: str, nationality: str,
            date_of_birth: date, sex: str, expiry: date, issuer: str | None = None
            ) -> tuple[str, str]:
    """The two lines (2 × 44) of a passport, with every ICAO 9303 check digit right."""
    name = f"{family_name}<<{given_names.replace(' ', '<')}".upper()
    top = f"P<{issuer or nationality}{name}".ljust(44, "<")
    number_field = number.upper().ljust(9, "<")
    birth = _mrz_date(date_of_birth)
    until = _mrz_date(expiry)
    personal = "<" * 14
    bottom = (f"{number_field}{check_digit(number_field)}{nationality}"
              f"{birth}{check_digit(birth)}{sex}{until}{check_digit(until)}"
              f"{personal}<")
    composite = bottom[0:10] + bottom[13:20] + bottom[21:43]
    bottom += check_digit(composite)
    assert len(top) == len(bottom) == 44, (top, bottom)
    return top, bottom


# -- the families -----------------------------------------------------------------


@dataclass(frozen=True)
class Member:
    """One person as the clerk enters them; the values are the form's option values."""

    given_names: str
    relation: str
    sex: str
    date_of_birth: date
    document_type: str
    document_number: str | None = None
    flags: tuple[str, ...] = ()
    expiry: date | None = None  # passports: read from the MRZ

    def mrz(self, family_name: str) -> tuple[str, str]:
        assert self.document_type == "biometric_passport" and self.expiry
        return td3_mrz(family_name=family_name, given_names=self.given_names,
                       number=self.document_number, nationality="UKR",
                       date_of_birth=self.date_of_birth, sex=self.sex[0].upper(),
                       expiry=self.expiry)

    def payload(self, family_name: str) -> dict:
        document = {"type": self.document_type}
        if self.document_number:
            document |= {"number": self.document_number, "issuing_country": "UKR"}
        if self.expiry:
            document["expiry"] = self.expiry.isoformat()
        return {"relation": self.relation, "family_name": family_name,
                "given_names": self.given_names, "sex": self.sex,
                "date_of_birth": self.date_of_birth.isoformat(), "nationality": "UKR",
                "document": document, "flags": list(self.flags)}


@dataclass(frozen=True)
class Family:
    """A Ukrainian family of four: the head with a biometric passport, her child,
    her mother (reduced mobility: a barrier-free room) and her nephew of sixteen,
    who came without his parents (an unaccompanied minor for the Jugendamt).

    Before them, the head was registered once already — by another office, under
    the German spelling of the name (Schewtschenko for Shevchenko).
    """

    family_name: str          # as in the passport (MRZ): upper case, KMU 2010
    german_spelling: str      # how a German office wrote it before
    head_given: str
    head_born: date
    passport: str
    passport_expiry: date
    head_cyrillic: str        # typed by the clerk: the duplicate hint appears
    child: Member
    elder: Member
    nephew: Member
    site: str                 # the shelter housing sets up for them
    point: str                # the scan station's point

    @property
    def head(self) -> Member:
        return Member(self.head_given, "head", "female", self.head_born,
                      "biometric_passport", self.passport, expiry=self.passport_expiry)

    @property
    def members(self) -> list[Member]:
        return [self.head, self.child, self.elder, self.nephew]

    def household_payload(self) -> dict:
        """The whole family for POST /api/v1/households (journeys run on their own)."""
        return {"arrival_point": "main_station", "contact_language": "uk",
                "persons": [m.payload(self.family_name) for m in self.members],
                "duplicate_reason": "Registered by the journey set-up"}

    def earlier_registration_payload(self) -> dict:
        """The head, as another office registered her some days ago."""
        person = self.head.payload(self.german_spelling.title())
        person["given_names"] = self.head_given.title()
        person["document"] = {"type": "none"}
        arrived = datetime.now(BERLIN).replace(microsecond=0) - timedelta(days=3)
        return {"arrived_at": arrived.isoformat(), "persons": [person]}


def _family(size_suffix: str, **values) -> Family:
    return Family(site=f"Turnhalle Journey {size_suffix}", point=f"Infotheke {size_suffix}",
                  **values)


FAMILIES = {
    TABLET_LANDSCAPE.label: _family(
        "L", family_name="SHEVCHENKO", german_spelling="Schewtschenko", head_given="OLENA",
        head_born=date(1985, 3, 14), passport="FE318527", passport_expiry=date(2031, 5, 10),
        head_cyrillic="Шевченко",
        child=Member("DANYLO", "child", "male", born_years_ago(9), "birth_certificate",
                     "I-KH 402117"),
        elder=Member("HALYNA", "parent", "female", date(1951, 7, 2), "biometric_passport",
                     "FA100254", ("reduced_mobility",), expiry=date(2028, 1, 17)),
        nephew=Member("MAKSYM", "other_relative", "male", born_years_ago(16),
                      "national_id", "004417289", ("unaccompanied_minor",)),
    ),
    TABLET_PORTRAIT.label: _family(
        "P", family_name="KOVALENKO", german_spelling="Kowalenko", head_given="IRYNA",
        head_born=date(1988, 11, 23), passport="GB702946", passport_expiry=date(2030, 8, 19),
        head_cyrillic="Коваленко",
        child=Member("SOFIIA", "child", "female", born_years_ago(7), "birth_certificate",
                     "I-ZP 118305"),
        elder=Member("NADIIA", "parent", "female", date(1954, 2, 17), "biometric_passport",
                     "FC559013", ("reduced_mobility",), expiry=date(2029, 6, 3)),
        nephew=Member("BOHDAN", "other_relative", "male", born_years_ago(16),
                      "national_id", "007731540", ("unaccompanied_minor",)),
    ),
}


# -- what the journeys of one size share --------------------------------------------


@dataclass
class Story:
    """The family of one size and what has happened to it so far in this session."""

    family: Family
    household_ref: str | None = None
    card_tokens: list[str] = field(default_factory=list)  # in the household's order
    arrivals: list[int] = field(default_factory=list)     # persons per registered household
    resolved_items: int = 0                               # by the Jugendamt (journey 5)

    def household(self, visitor: Visitor) -> str:
        """The family's household reference; registered through the API (as the
        visitor, who must be intake) when journey 1 has not run in this session."""
        if self.household_ref is None:
            response = api(visitor, "POST", "/api/v1/households",
                           self.family.household_payload())
            assert response.status == 201, response.text()
            self.household_ref = response.json()["ref"]
            self.arrivals.append(len(self.family.members))
        return self.household_ref


_stories: dict[str, Story] = {}


def story_for(size_label: str) -> Story:
    if size_label not in _stories:
        _stories[size_label] = Story(FAMILIES[size_label])
    return _stories[size_label]


# -- the JSON API from inside the browser ---------------------------------------------


def api(visitor: Visitor, method: str, path: str, payload: dict | None = None) -> APIResponse:
    """A request with the visitor's session cookie; writes carry the CSRF token of
    the page (<meta name="csrf-token">), as the page scripts send it, and a fresh
    Idempotency-Key."""
    request = visitor.page.request
    if method == "GET":
        return request.get(path)
    if not visitor.page.url.startswith("http"):
        visitor.open("/")
    token = visitor.page.locator('meta[name="csrf-token"]').get_attribute("content")
    headers = {"X-CSRFToken": token, "Idempotency-Key": str(uuid.uuid4())}
    return request.fetch(path, method=method, headers=headers, data=payload or {})


def households_named(visitor: Visitor, family_name: str) -> set[str]:
    """The references of households with a member of exactly this family name."""
    response = api(visitor, "GET", f"/api/v1/persons/search?q={family_name}")
    assert response.ok, response.text()
    return {person["household_ref"] for person in response.json()["persons"]
            if person["family_name"] == family_name}


# -- cards --------------------------------------------------------------------------


def qr_codes_in_pdf(data: bytes) -> list[str]:
    """The text of every QR code on every page, in page order, read at 300 dpi."""
    document = pypdfium2.PdfDocument(io.BytesIO(data))
    texts: list[str] = []
    try:
        for page in document:
            image = page.render(scale=300 / 72).to_pil()
            found = [code for code in zxingcpp.read_barcodes(image)
                     if code.format == zxingcpp.BarcodeFormat.QRCode]
            # Top to bottom, left to right: the order of the sheet.
            found.sort(key=lambda code: (round(code.position.top_left.y / 200),
                                         code.position.top_left.x))
            texts += [code.text for code in found]
    finally:
        document.close()
    return texts
