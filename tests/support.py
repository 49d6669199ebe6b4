"""Test helpers that read like what a user does: open a page, submit its form."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


class TestClient(FlaskClient):
    def csrf_token(self, path: str | None = None) -> str:
        """The token a page carries; by default from the start page, or from the
        login page when not signed in."""
        response = self.get(path or "/")
        if path is None and response.status_code == 302:
            response = self.get("/login")
        match = CSRF_META.search(response.get_data(as_text=True))
        assert match, f"no csrf-token meta tag on {path} ({response.status_code})"
        return match.group(1)

    def submit(self, path: str, data: dict | None = None, *, form_page: str | None = None,
               **kwargs):
        """POST a form the way a browser does: with the token its page carried."""
        token = self.csrf_token(form_page)
        return self.post(path, data={**(data or {}), "csrf_token": token}, **kwargs)

    def login(self, username: str, password: str, **kwargs):
        return self.submit("/login", {"username": username, "password": password}, **kwargs)

    def logout(self):
        return self.submit("/logout")

    def post_json(self, path: str, payload: dict, *, csrf: bool = True, **kwargs):
        headers = kwargs.pop("headers", {})
        if csrf:
            headers["X-CSRFToken"] = self.csrf_token()
        return self.post(path, json=payload, headers=headers, **kwargs)


def form_errors(html: str) -> list[str]:
    return re.findall(r'<ul class="errors" id="([^"]+)-error">', html)
