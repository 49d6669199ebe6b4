"""The one error type operations raise for bad input, mapped to form fields in
pages and to a 422 JSON body in the API."""

from __future__ import annotations


class ValidationFailed(Exception):
    def __init__(self, errors: dict[str, list[str]] | None = None, **field_messages: str):
        self.errors: dict[str, list[str]] = dict(errors or {})
        for field, message in field_messages.items():
            self.errors.setdefault(field, []).append(message)
        super().__init__("; ".join(f"{k}: {', '.join(v)}" for k, v in self.errors.items()))


class Conflict(Exception):
    """A state changed underneath the caller (stale version, taken bed …)."""

    def __init__(self, message: str, code: str = "conflict", details: dict | None = None):
        self.message = message
        self.code = code
        self.details = details or {}
        super().__init__(message)
