"""With HTTPS terminated at a trusted proxy (X-Forwarded-Proto through ProxyFix) the
application knows it is served over HTTPS: it sends HSTS, and Flask-WTF's strict
referrer check applies to form posts. A forwarded header from an untrusted client
(no TRUSTED_PROXIES) changes nothing."""

from __future__ import annotations

import pytest

from arrival import create_app
from arrival.core import proxy

HTTPS = {"X-Forwarded-Proto": "https"}


@pytest.fixture
def proxied_app(monkeypatch):
    monkeypatch.setenv("TRUSTED_PROXIES", "1")
    return create_app("testing")


def test_https_forwarded_by_the_trusted_proxy_gets_hsts(proxied_app):
    response = proxied_app.test_client().get("/healthz", headers=HTTPS)
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"


def test_plain_http_gets_no_hsts(proxied_app):
    response = proxied_app.test_client().get("/healthz")
    assert "Strict-Transport-Security" not in response.headers


def test_a_forwarded_proto_without_a_trusted_proxy_is_ignored(monkeypatch):
    monkeypatch.delenv("TRUSTED_PROXIES", raising=False)
    app = create_app("testing")
    response = app.test_client().get("/healthz", headers=HTTPS)
    assert "Strict-Transport-Security" not in response.headers


def test_the_trusted_proxy_sets_the_client_address_and_scheme(monkeypatch, extra_route_app):
    from flask import jsonify, request

    monkeypatch.setenv("TRUSTED_PROXIES", "1")
    app = extra_route_app("/probe", "probe.seen", view=lambda: jsonify(
        scheme=request.scheme, addr=request.remote_addr, secure=request.is_secure))
    response = app.test_client().get("/probe", headers={**HTTPS, "X-Forwarded-For": "10.20.0.7"})
    assert response.json == {"scheme": "https", "addr": "10.20.0.7", "secure": True}


@pytest.fixture
def behind_one_proxy(app, monkeypatch):
    monkeypatch.setattr(app, "wsgi_app", app.wsgi_app)
    monkeypatch.setitem(app.config, "TRUSTED_PROXIES", 1)
    proxy.init_app(app)
    return app


def test_over_forwarded_https_a_post_without_referrer_is_refused(behind_one_proxy, client):
    token = client.csrf_token("/login")
    response = client.post("/login", data={"username": "x", "password": "y",
                                           "csrf_token": token}, headers=HTTPS)
    assert response.status_code == 400
    assert "abgelaufen" in response.get_data(as_text=True)


def test_over_forwarded_https_a_post_from_another_site_is_refused(behind_one_proxy, client):
    token = client.csrf_token("/login")
    response = client.post("/login", data={"username": "x", "password": "y",
                                           "csrf_token": token},
                           headers={**HTTPS, "Referer": "https://evil.example/login"})
    assert response.status_code == 400


def test_over_forwarded_https_a_post_from_the_own_page_passes(behind_one_proxy, client):
    token = client.csrf_token("/login")
    response = client.post("/login", data={"username": "x", "password": "y",
                                           "csrf_token": token},
                           headers={**HTTPS, "Referer": "https://localhost/login"})
    assert response.status_code == 401  # the check passed; the password is wrong
