"""One commit per request.

Operations only flush. A request that ends with a success status commits once;
one that ends with an error status or an exception rolls back, after which the
callbacks registered with after_rollback() run in a transaction of their own
(the audit domain keeps refused logins and denied pages that way). CLI commands
commit themselves at their end. The one deliberate exception is the situation
report (reports.operations.generate): it commits its run record before and after
the long build, so that a failed or interrupted run stays on record.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app, request

from arrival.database import sqlite_upgrade_reads, sqlite_write_intent
from arrival.extensions import db

READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


_AFTER_ROLLBACK_KEY = "arrival.after_rollback"


def init_app(app: Flask) -> None:
    app.extensions[_AFTER_ROLLBACK_KEY] = []
    app.before_request(_declare_write_intent)
    app.after_request(_finish_transaction)
    app.teardown_request(_rollback_on_exception)


def after_rollback(app: Flask, callback: Callable[[], None]) -> None:
    """callback() runs after a failed request was rolled back, in a fresh
    transaction that is committed: for what must be kept even then (the audit
    domain re-writes refused logins and denied pages)."""
    app.extensions[_AFTER_ROLLBACK_KEY].append(callback)


def _declare_write_intent() -> None:
    writes = request.method not in READ_ONLY_METHODS
    sqlite_write_intent.set(writes)
    sqlite_upgrade_reads.set(not writes)


def _finish_transaction(response):
    if response.status_code < 400:
        db.session.commit()
    else:
        db.session.rollback()
        for callback in current_app.extensions[_AFTER_ROLLBACK_KEY]:
            callback()
        db.session.commit()
    return response


def _rollback_on_exception(error) -> None:
    if error is not None:
        db.session.rollback()
    sqlite_write_intent.set(False)
    sqlite_upgrade_reads.set(False)
