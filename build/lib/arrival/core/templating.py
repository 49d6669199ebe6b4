"""What every template can use: local time, the version, the centre, the language.
(The menu and permission-aware links come from arrival.auth.templating.)"""

from __future__ import annotations

from flask import Flask, current_app
from flask_babel import get_locale

from arrival.core.timezone import format_local


def init_app(app: Flask) -> None:
    app.jinja_env.filters["local"] = format_local
    app.context_processor(_layout_context)


def _layout_context() -> dict:
    return {
        "app_version": current_app.config["APP_VERSION"],
        "centre_name": current_app.config["CENTRE_NAME"],
        "current_locale": str(get_locale()),
        "languages": current_app.config["LANGUAGES"],
    }
