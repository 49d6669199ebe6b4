"""One commit per request.

Operations only flush. A request that ends with a success status commits once;
one that ends with an error status or an exception rolls back, after which the
durable audit events (refused logins, denied pages) are written on their own.
CLI commands commit themselves at their end.
"""

from __future__ import annotations

from flask import Flask, request

from arrival.audit.operations import rewrite_durable_events
from arrival.database import sqlite_upgrade_reads, sqlite_write_intent
from arrival.extensions import db

READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def init_app(app: Flask) -> None:
    app.before_request(_declare_write_intent)
    app.after_request(_finish_transaction)
    app.teardown_request(_rollback_on_exception)


def _declare_write_intent() -> None:
    writes = request.method not in READ_ONLY_METHODS
    sqlite_write_intent.set(writes)
    sqlite_upgrade_reads.set(not writes)


def _finish_transaction(response):
    if response.status_code < 400:
        db.session.commit()
    else:
        db.session.rollback()
        rewrite_durable_events()
        db.session.commit()
    return response


def _rollback_on_exception(error) -> None:
    if error is not None:
        db.session.rollback()
    sqlite_write_intent.set(False)
    sqlite_upgrade_reads.set(False)
