"""Data that opens the registration form filled in, offered by other domains.

The registry owns the form (/households/new); a domain above it (the
pre-registration) adds a provider in its ``wiring.init_app``: given the value of
``?pre=`` it returns the form's data, or None. Kept per application.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app

_EXTENSION_KEY = "arrival.household_prefill"


def add_household_prefill(app: Flask, provider: Callable[[str], dict | None]) -> None:
    providers = app.extensions.setdefault(_EXTENSION_KEY, [])
    if provider not in providers:
        providers.append(provider)


def household_prefill(key: str | None) -> dict | None:
    if not key:
        return None
    for provider in current_app.extensions.get(_EXTENSION_KEY, []):
        data = provider(key)
        if data is not None:
            return data
    return None
