"""The pages of offline use (issue 14): the app's service worker, the queue list,
and the station lead's list of offline deliveries that broke a rule."""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path

from flask import Blueprint, Response, current_app, render_template, request, url_for

from arrival.core.inputs import query_int
from arrival.housing.inventory import sites
from arrival.services import offline

bp = Blueprint("offline", __name__)

# What the service worker keeps before it is needed (the app shell); pages are kept
# when they were last opened online (network first), see js/offline-worker.js.
SHELL_ASSETS = (
    "css/app.css", "css/gate.css", "js/app.js", "js/drafts.js", "js/outbox.js",
    "js/offline.js", "js/intake.js", "js/camera-scan.js", "js/station.js", "js/gate.js",
    "js/boarding.js",
    "vendor/idb/umd.js", "vendor/jsqr/jsQR.js", "vendor/noto-sans/noto-sans.css",
    "favicon.svg",
)
SHELL_PAGES = ("/households/new", "/services/station", "/gate/station", "/offline")
# Pages with an id in their path: the boarding page of a bus (issue 18). It holds the
# bus list's names: kept on the tablet like the evacuation kiosk's list, for the
# hour before departure when the Wi-Fi at the bus stop is worst.
SHELL_PAGE_PATTERNS = (r"^/transfers/batches/\d+/boarding$",)


@lru_cache(maxsize=8)
def _manifest(static_folder: str, version: str) -> tuple:
    entries = []
    for name in SHELL_ASSETS:
        path = Path(static_folder) / name
        if path.exists():
            revision = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
            entries.append({"url": f"/static/{name}", "revision": revision})
    return tuple(json.dumps(e, sort_keys=True) for e in entries)


@bp.get("/offline-worker.js")
def worker():
    """The app's service worker, from the site's root so that it may keep the pages
    of the app shell. Its text changes with the app version and the assets: a new
    version installs itself, keeps the on-device store and replaces the caches."""
    static = current_app.static_folder
    version = str(current_app.config["APP_VERSION"])
    manifest = "[" + ",".join(_manifest(static, version)) + "]"
    script = (Path(static) / "js" / "offline-worker.js").read_text(encoding="utf-8")
    config = json.dumps({"version": version, "pages": SHELL_PAGES,
                         "patterns": SHELL_PAGE_PATTERNS,
                         "prefix": url_for("static", filename="vendor/workbox/")})
    body = (f"self.ARRIVAL_SHELL = {config};\nself.ARRIVAL_MANIFEST = {manifest};\n"
            f"// version {version}\n{script}")
    response = Response(body, mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@bp.get("/offline")
def queue():
    """The queue on this tablet: the page holds nothing; js/offline.js lists the
    account's entries from the on-device store."""
    return render_template("services/offline_queue.html")


@bp.get("/services/offline-violations")
def violations():
    site_id = query_int(request.args, "site")
    rows = offline.violations(site_id=site_id)
    return render_template("services/offline_violations.html",
                           rows=[(row, offline.violation_json(row)) for row in rows],
                           sites=sites(), site_id=site_id)
