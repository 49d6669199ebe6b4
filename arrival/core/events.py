"""Domain events: how one domain announces what happened and others react.

The announcing domain defines its events as frozen dataclasses (in its own
``events.py``) and publishes them from its operations; other domains subscribe
in their ``wiring.init_app``. The handlers live on the application (one bus per
``create_app``), never in module-level lists, so a second application instance —
a worker process, a CLI app, a test app — reacts exactly like the first.

Handlers run synchronously, inside the same transaction as the change that
published the event: a reaction that fails rolls the change back with it, and
a rolled-back change leaves no reaction behind.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app

_EXTENSION_KEY = "arrival.events"

Handler = Callable[[Any], None]


class EventBus:
    def __init__(self) -> None:
        self._handlers: dict[type, list[Handler]] = defaultdict(list)

    def subscribe(self, event_type: type, handler: Handler) -> None:
        if handler not in self._handlers[event_type]:
            self._handlers[event_type].append(handler)

    def unsubscribe(self, event_type: type, handler: Handler) -> None:
        if handler in self._handlers.get(event_type, ()):
            self._handlers[event_type].remove(handler)

    def publish(self, event: object) -> None:
        for handler in self._handlers.get(type(event), ()):
            handler(event)

    def handlers(self, event_type: type) -> list[Handler]:
        return list(self._handlers.get(event_type, ()))


def init_app(app: Flask) -> None:
    app.extensions[_EXTENSION_KEY] = EventBus()


def bus(app: Flask | None = None) -> EventBus:
    return (app or current_app).extensions[_EXTENSION_KEY]


def subscribe(app: Flask, event_type: type, handler: Handler) -> None:
    bus(app).subscribe(event_type, handler)


def publish(event: object) -> None:
    """Announce an event to the handlers of the current application."""
    bus().publish(event)
