"""Appointment pages: calendars, booking, the day list, the desk, the call-up screen."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("appointments", __name__, url_prefix="/appointments")
