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
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask, current_app

_EXTENSION_KEY = "arrival.events"

Handler = Callable[[Any], None]


class EventBus:
    def __init__(self) -> None:
        # Per event type: (handler, together) in the order of subscription; a handler
        # subscribed `together` takes a list — the events of one change at once.
        self._handlers: dict[type, list[tuple[Handler, bool]]] = defaultdict(list)

    def subscribe(self, event_type: type, handler: Handler, *, together: bool = False) -> None:
        if handler not in self.handlers(event_type):
            self._handlers[event_type].append((handler, together))

    def unsubscribe(self, event_type: type, handler: Handler) -> None:
        self._handlers[event_type] = [(h, t) for h, t in self._handlers.get(event_type, ())
                                      if h != handler]  # bound methods: equal, not identical

    def publish(self, event: object) -> None:
        self.publish_all(type(event), [event])

    def publish_all(self, event_type: type, events: list) -> None:
        for handler, together in list(self._handlers.get(event_type, ())):
            if together:
                handler(events)
            else:
                for event in events:
                    handler(event)

    def handlers(self, event_type: type) -> list[Handler]:
        return [handler for handler, _together in self._handlers.get(event_type, ())]


def init_app(app: Flask) -> None:
    app.extensions[_EXTENSION_KEY] = EventBus()


def bus(app: Flask | None = None) -> EventBus:
    return (app or current_app).extensions[_EXTENSION_KEY]


def subscribe(app: Flask, event_type: type, handler: Handler, *, together: bool = False
              ) -> None:
    """`together`: the handler takes a list of events — one for a single change, all
    of them when a change touched many records (see publish_all) — so it can react
    with one query instead of one per record."""
    bus(app).subscribe(event_type, handler, together=together)


def publish(event: object) -> None:
    """Announce an event to the handlers of the current application."""
    bus().publish(event)


def publish_all(events: Iterable[object]) -> None:
    """Announce the events of one change that touched many records (a bus leaving:
    one StayEnded per stay), all of one type. Every handler still gets every event,
    in the same transaction: one by one, or as one list if subscribed `together`.
    The change is flushed before; while the handlers run the session does not flush
    on its own (a handler's query would write the previous handler's changes, one
    round of writes per event), and it flushes once after."""
    from arrival.extensions import db

    events = list(events)
    if not events:
        return
    with db.session.no_autoflush:
        bus().publish_all(type(events[0]), events)
    db.session.flush()
