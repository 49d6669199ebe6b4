"""Security headers on every response."""

from __future__ import annotations

from flask import Flask, current_app, request

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "font-src 'self'",
        "connect-src 'self'",
        "media-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def init_app(app: Flask) -> None:
    app.after_request(_set_security_headers)


def _set_security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "no-referrer"
    headers["X-Frame-Options"] = "DENY"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    # The camera is needed by the scan station; nothing else is.
    headers["Permissions-Policy"] = "camera=(self), microphone=(), geolocation=()"
    # Over HTTPS (directly, or forwarded by a trusted proxy: see core/proxy.py) the
    # browser is told to come back only over HTTPS.
    max_age = current_app.config.get("HSTS_MAX_AGE", 0)
    if request.is_secure and max_age:
        headers["Strict-Transport-Security"] = f"max-age={int(max_age)}"
    # Pages and API answers may hold personal data: never stored. Static files
    # (CSS, scripts, fonts) hold none and are cached, which matters on weak Wi-Fi.
    if request.endpoint != "static":
        headers["Cache-Control"] = "no-store"
        headers.pop("Expires", None)
    return response
