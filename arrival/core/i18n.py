"""Language: German first, English second; chosen per session. Public pages
(no account: the pre-registration) set g.public_language from the browser or the
person's choice, one of PUBLIC_LANGUAGES (uk, ru, en, de)."""

from flask import current_app, g, has_request_context, session

from arrival.extensions import babel


def select_locale() -> str:
    if not has_request_context():  # CLI commands speak the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    public = g.get("public_language")
    if public in current_app.config["PUBLIC_LANGUAGES"]:
        return public
    language = session.get("language")
    if language in current_app.config["LANGUAGES"]:
        return language
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    return current_app.config["TIMEZONE"]


def init_app(app) -> None:
    babel.init_app(
        app,
        locale_selector=select_locale,
        timezone_selector=select_timezone,
        default_translation_directories=str(app.root_path + "/translations"),
    )
