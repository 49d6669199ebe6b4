"""The JSON API under /api/v1/.

Each domain adds its endpoints to the one blueprint in arrival.api.blueprint and
documents them with @documented (its wiring imports its api module); create_app
registers the blueprint once every domain is wired. /api/v1/openapi.json is
built from the routes, so the document and the code cannot drift apart unnoticed.
"""

from flask import Flask


def init_app(app: Flask) -> None:
    from arrival.api import views  # noqa: F401  (the OpenAPI document's own route)
    from arrival.api.blueprint import bp

    app.register_blueprint(bp)
