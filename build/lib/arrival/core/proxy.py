"""Behind a reverse proxy: believe its X-Forwarded-* headers, and only from as many
proxies as are configured (TRUSTED_PROXIES). Then the client's own address counts
for the login limit, and a request the proxy received over HTTPS is HTTPS to the
app (secure cookies, HSTS, Flask-WTF's referrer check)."""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix


def init_app(app: Flask) -> None:
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies,
                                x_host=proxies, x_port=proxies)
