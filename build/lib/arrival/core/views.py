from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, current_app, jsonify, redirect, render_template, request, session, url_for

from arrival.core.forms_support import safe_local_path
from arrival.extensions import db

bp = Blueprint("core", __name__)


@bp.get("/")
def index():
    return render_template("core/index.html")


@bp.get("/healthz")
def healthz():
    from arrival.core.ratelimits import storage_reachable

    try:
        db.session.execute(sa.text("SELECT 1"))
        database = "ok"
    except sa.exc.SQLAlchemyError:
        current_app.logger.exception("health check: database unreachable")
        db.session.rollback()
        database = "unreachable"
    # Without the limit storage nobody can sign in or scan.
    limits = "ok" if storage_reachable() else "unreachable"
    healthy = database == "ok" and limits == "ok"
    return jsonify(status="ok" if healthy else "error", database=database,
                   rate_limit_storage=limits), 200 if healthy else 503


@bp.post("/language")
def set_language():
    language = request.form.get("language", "")
    if language in current_app.config["LANGUAGES"]:
        session["language"] = language
    return redirect(safe_local_path(request.form.get("next"), url_for("core.index")))
