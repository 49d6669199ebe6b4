"""Labels the registry templates show for stored codes."""

from __future__ import annotations

from flask import Flask, g
from flask_babel import get_locale

from arrival.catalog.operations import entries
from arrival.registry.countries import country_name
from arrival.registry.forms import DOCUMENT_LABELS, LANGUAGE_LABELS, RELATION_LABELS, SEX_LABELS


def _locale() -> str:
    return str(get_locale() or "de")


def catalog_title(kind: str, code: str | None) -> str:
    if not code:
        return "—"
    cache = g.setdefault("catalog_titles", {})
    if kind not in cache:
        cache[kind] = {e.code: e.title(_locale()) for e in entries(kind, include_inactive=True)}
    return cache[kind].get(code, code)


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(
        relation_label=lambda code: str(RELATION_LABELS.get(code, code)),
        sex_label=lambda code: str(SEX_LABELS.get(code, code)),
        document_label=lambda code: str(DOCUMENT_LABELS.get(code, code)),
        language_label=lambda code: str(LANGUAGE_LABELS.get(code, code)),
        country_name=lambda code: country_name(code, _locale()),
        flag_title=lambda code: catalog_title("vulnerability_flag", code),
        arrival_point_title=lambda code: catalog_title("arrival_point", code),
    )
