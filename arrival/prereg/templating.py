"""What the pre-registration pages need: the page language, the QR image, the
information notice in a given language, the section on the household page."""

from __future__ import annotations

import base64
import io

import qrcode
from flask import Flask, current_app, g, render_template, request
from flask_babel import force_locale, refresh
from markupsafe import Markup
from qrcode.constants import ERROR_CORRECT_M

from arrival.prereg import forms, operations


def chosen_language(explicit: str | None = None) -> str:
    """The language asked for (?lang=, the switch), else the browser's, else the first."""
    languages = current_app.config["PUBLIC_LANGUAGES"]
    if explicit in languages:
        return explicit
    return request.accept_languages.best_match(languages) or languages[0]


def use_public_language(language: str) -> None:
    g.public_language = language
    refresh()


def qr_png_data_uri(token: str) -> str:
    """The QR code as a small PNG (data: URI): shown, saved or printed on the phone."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=4, box_size=6)
    code.add_data(token)
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image(fill_color="black", back_color="white").save(buffer)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def notice_html(language: str) -> Markup:
    """The GDPR Art. 13 information notice in one language (a fragment)."""
    with force_locale(language):
        return Markup(render_template("prereg/_notice.html", language=language,
                                      days=operations.valid_days()))


def print_languages(contact_language: str | None) -> list[str]:
    """German, and the household's contact language when it is another public one."""
    languages = ["de"]
    if contact_language in current_app.config["PUBLIC_LANGUAGES"] and contact_language != "de":
        languages.append(contact_language)
    return languages


def household_section(household) -> dict:
    return {"household": household, "notice_languages": print_languages(
        household.contact_language)}


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(
        prereg_need_labels=forms.NEED_LABELS, prereg_relation_labels=forms.RELATION_LABELS,
        prereg_sex_labels=forms.SEX_LABELS, prereg_language_labels=forms.LANGUAGE_LABELS,
        prereg_own_language_names=forms.OWN_LANGUAGE_NAMES,
    )
