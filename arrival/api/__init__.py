"""The JSON API under /api/v1/.

Each domain adds its endpoints to the one blueprint in arrival.api.blueprint and
documents them with @documented; /api/v1/openapi.json is built from the routes,
so the document and the code cannot drift apart unnoticed.
"""

from flask import Flask


def init_app(app: Flask) -> None:
    # Importing the modules attaches their routes to the blueprint.
    from arrival.api import views  # noqa: F401
    from arrival.api.blueprint import bp
    from arrival.audit import api as audit_api  # noqa: F401
    from arrival.auth import api as auth_api  # noqa: F401
    from arrival.cards import api as cards_api  # noqa: F401
    from arrival.cases import api as cases_api  # noqa: F401
    from arrival.catalog import api as catalog_api  # noqa: F401
    from arrival.housing import api as housing_api  # noqa: F401
    from arrival.registry import api as registry_api  # noqa: F401
    from arrival.services import api as services_api  # noqa: F401

    app.register_blueprint(bp)
