"""How services and scan stations join the application; scans and deliveries
count as sightings for 'last seen'."""

from flask import Flask

from arrival.housing.absence import add_seen_source
from arrival.services import api, templating  # noqa: F401  (api: attaches the API routes)
from arrival.services.sightings import delivery_sightings, scan_sightings
from arrival.services.views import bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    templating.init_app(app)
    add_seen_source(app, scan_sightings)
    add_seen_source(app, delivery_sightings)
