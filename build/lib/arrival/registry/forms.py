"""The registration form: collects what the clerk typed and turns it into the
API's JSON shape; the rules themselves live in validation.py (one path)."""

from __future__ import annotations

import uuid

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms import widgets

from arrival.catalog.operations import entries
from arrival.registry.countries import country_choices
from arrival.registry.models import DocumentType, Relation, Sex

RELATION_LABELS = {
    Relation.HEAD: _l("Head of household"), Relation.SPOUSE: _l("Spouse / partner"),
    Relation.CHILD: _l("Child"), Relation.PARENT: _l("Parent"),
    Relation.GRANDPARENT: _l("Grandparent"), Relation.SIBLING: _l("Sibling"),
    Relation.OTHER_RELATIVE: _l("Other relative"), Relation.COMPANION: _l("Unrelated companion"),
}
SEX_LABELS = {Sex.FEMALE: _l("female"), Sex.MALE: _l("male"), Sex.DIVERSE: _l("diverse"),
              Sex.UNKNOWN: _l("unknown")}
DOCUMENT_LABELS = {
    DocumentType.BIOMETRIC_PASSPORT: _l("Biometric passport"),
    DocumentType.PASSPORT: _l("Passport"), DocumentType.NATIONAL_ID: _l("National ID card"),
    DocumentType.INTERNAL_PASSPORT: _l("Internal passport"),
    DocumentType.BIRTH_CERTIFICATE: _l("Birth certificate"), DocumentType.OTHER: _l("Other"),
    DocumentType.NONE: _l("No document"),
}
LANGUAGE_LABELS = {
    "uk": _l("Ukrainian"), "ru": _l("Russian"), "de": _l("German"), "en": _l("English"),
    "pl": _l("Polish"), "ro": _l("Romanian"), "hu": _l("Hungarian"), "be": _l("Belarusian"),
    "ka": _l("Georgian"), "ar": _l("Arabic"), "fa": _l("Persian"), "tr": _l("Turkish"),
    "other": _l("Other"),
}


class CheckboxList(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()

    def pre_validate(self, form):  # the rules check the codes
        pass


def _locale() -> str:
    return str(get_locale() or "de")


def _countries():
    return [("", "—")] + country_choices(_locale())


def _catalogue(kind: str):
    return [(e.code, e.title(_locale())) for e in entries(kind)]


class DocumentForm(Form):
    type = SelectField(_l("Document"), choices=list(DOCUMENT_LABELS.items()),
                       default=DocumentType.BIOMETRIC_PASSPORT.value, validate_choice=False)
    number = StringField(_l("Document number"), render_kw={"autocapitalize": "characters",
                                                           "spellcheck": "false"})
    issuing_country = SelectField(_l("Issuing country"), choices=_countries,
                                  validate_choice=False)
    expiry = StringField(_l("Valid until"), render_kw={"type": "date"})


class PersonForm(Form):
    relation = SelectField(_l("Relation"), choices=list(RELATION_LABELS.items()),
                           validate_choice=False)
    mrz = TextAreaField(
        _l("Machine-readable zone (MRZ)"),
        render_kw={"rows": 3, "spellcheck": "false", "autocapitalize": "characters",
                   "autocomplete": "off", "class": "mrz"})
    family_name = StringField(_l("Family name (as in the document)"),
                              render_kw={"autocomplete": "off", "spellcheck": "false"})
    given_names = StringField(_l("Given names (as in the document)"),
                              render_kw={"autocomplete": "off", "spellcheck": "false"})
    family_name_cyrillic = StringField(_l("Family name in Cyrillic"),
                                       render_kw={"autocomplete": "off", "lang": "uk"})
    given_names_cyrillic = StringField(_l("Given names in Cyrillic"),
                                       render_kw={"autocomplete": "off", "lang": "uk"})
    patronymic = StringField(_l("Patronymic in Cyrillic (as in the Ukrainian document)"),
                             render_kw={"autocomplete": "off", "lang": "uk",
                                        "spellcheck": "false"})
    sex = SelectField(_l("Sex"), choices=[("", "—")] + list(SEX_LABELS.items()),
                      validate_choice=False)
    date_of_birth = StringField(_l("Date of birth"), render_kw={"type": "date"})
    birth_year = StringField(_l("or estimated year of birth"),
                             render_kw={"inputmode": "numeric", "maxlength": 4})
    nationality = SelectField(_l("Nationality"), choices=_countries, default="UKR",
                              validate_choice=False)
    document = FormField(DocumentForm)
    languages = CheckboxList(_l("Languages"), choices=list(LANGUAGE_LABELS.items()))
    flags = CheckboxList(_l("Vulnerabilities"),
                         choices=lambda: _catalogue("vulnerability_flag"))
    notes = TextAreaField(_l("Notes"), render_kw={"rows": 2})

    def to_payload(self) -> dict:
        payload = {
            name: (getattr(self, name).data or "").strip()
            for name in ("relation", "family_name", "given_names", "family_name_cyrillic",
                         "given_names_cyrillic", "patronymic", "sex", "date_of_birth",
                         "birth_year", "nationality", "notes")
        }
        if payload["date_of_birth"]:
            payload["birth_year"] = ""
        payload["languages"] = list(self.languages.data or [])
        payload["flags"] = list(self.flags.data or [])
        document = self.document.form
        payload["document"] = {name: (getattr(document, name).data or "").strip()
                               for name in ("type", "number", "issuing_country", "expiry")}
        return {key: value for key, value in payload.items() if value not in ("", None)}


class HouseholdForm(FlaskForm):
    arrived_at = StringField(_l("Arrival (date and time)"),
                             render_kw={"type": "datetime-local"})
    arrival_point = SelectField(_l("Arrival point"), validate_choice=False,
                                choices=lambda: [("", "—")] + _catalogue("arrival_point"))
    phone = StringField(_l("Phone"), render_kw={"type": "tel", "autocomplete": "off",
                                                "inputmode": "tel"})
    contact_language = SelectField(_l("Contact language"), validate_choice=False,
                                   choices=[("", "—")] + list(LANGUAGE_LABELS.items()))
    persons = FieldList(FormField(PersonForm), min_entries=1, max_entries=30)
    idempotency_key = HiddenField()
    duplicate_reason = StringField(_l("Reason for registering anyway"))
    confirm_warnings = BooleanField(_l("I have checked these entries; they are correct."))

    def ensure_idempotency_key(self) -> None:
        if not self.idempotency_key.data:
            self.idempotency_key.data = str(uuid.uuid4())


class MemberForm(FlaskForm):
    """One more person for an existing household."""

    person = FormField(PersonForm)
    idempotency_key = HiddenField()
    duplicate_reason = StringField(_l("Reason for registering anyway"))
    confirm_warnings = BooleanField(_l("I have checked these entries; they are correct."))


class PersonEditForm(FlaskForm):
    person = FormField(PersonForm)
    version = HiddenField()
