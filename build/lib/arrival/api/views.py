from flask import current_app, jsonify

from arrival.api.blueprint import bp
from arrival.api.openapi import build_document, documented


@bp.get("/openapi.json")
@documented("This document: the OpenAPI 3 description of the API.", tags=["meta"])
def openapi():
    return jsonify(build_document(current_app))
