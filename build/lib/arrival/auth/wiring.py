"""How accounts and permissions join the application (the guard itself is
installed by create_app, before any domain)."""

from flask import Flask

from arrival.auth import api, templating  # noqa: F401  (api: attaches the API routes)
from arrival.auth.admin_views import bp as accounts_bp
from arrival.auth.cli import users_cli
from arrival.auth.views import bp as login_bp


def init_app(app: Flask) -> None:
    app.register_blueprint(login_bp)
    app.register_blueprint(accounts_bp)
    templating.init_app(app)
    app.cli.add_command(users_cli)
