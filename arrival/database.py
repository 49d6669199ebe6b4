"""Database basics shared by every domain: the declarative base, UTC timestamps,
and the SQLite connection settings that make the embedded database safe for
several tablets at once."""

from __future__ import annotations

import contextvars
import os
import stat
from datetime import datetime, timezone
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

from arrival.core import clock

# Constraint names follow one convention so that migrations are reproducible on
# SQLite (batch mode needs names) and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


def now_utc() -> datetime:
    """The one clock (arrival.core.clock), for column defaults and older callers."""
    return clock.now()


class UTCDateTime(sa.types.TypeDecorator):
    """A timezone-aware UTC timestamp on every database.

    PostgreSQL stores ``timestamptz``; SQLite has no time zones, so values are
    stored as naive UTC and made aware again when read. Naive datetimes are refused
    on the way in: they are the classic source of one-hour errors.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use timezone-aware UTC (now_utc())")
        value = value.astimezone(timezone.utc)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


# Set per request by the transaction handling: a request that will write starts
# its SQLite transaction with BEGIN IMMEDIATE, so two tablets writing at once
# queue on the busy timeout instead of failing with "database is locked" when a
# read transaction tries to upgrade to a write.
sqlite_write_intent: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "sqlite_write_intent", default=False
)
# Set for read requests (GET): they begin deferred, so that readers run side by
# side, but most of them write too (the read-audit row, an expired session). A
# deferred transaction that has read and then writes gets SQLITE_BUSY at once —
# SQLite does not call the busy handler for an upgrade, and cannot at all when
# another worker committed since the read began (stale snapshot). So at its first
# write such a transaction ends its read part and continues as BEGIN IMMEDIATE,
# which waits on the busy timeout like every writer. What the request read before
# stays valid as a read; the write sees the newest state (PostgreSQL's READ
# COMMITTED gives read requests the same).
sqlite_upgrade_reads: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "sqlite_upgrade_reads", default=False
)

_READ_STATEMENTS = ("SELECT", "PRAGMA", "BEGIN")
# connection.info keys: how the current transaction began, and whether it may still
# be turned into an immediate one (nothing but reads since BEGIN).
_DEFERRED_READ = "arrival_sqlite_deferred_read"


_WRITES_AFTER_WITH = ("INSERT ", "UPDATE ", "DELETE ", "REPLACE ")


def _is_read(statement: str) -> bool:
    head = statement.lstrip()[:6].upper()
    if head.startswith("WITH"):  # a common table expression: a read unless it feeds DML
        upper = statement.upper()
        return not any(word in upper for word in _WRITES_AFTER_WITH)
    return head.startswith(_READ_STATEMENTS)


PRIVATE_FILE_MODE = 0o600
SQLITE_COMPANION_SUFFIXES = ("-wal", "-shm", "-journal")


def _file_of(engine: Engine) -> Path | None:
    name = engine.url.database
    if not name or name == ":memory:" or name.startswith("file:"):
        return None
    return Path(name)


def make_private(database_file: Path) -> None:
    """The database holds special-category personal data: only its owner may read it.

    A new file is created 0600 before SQLite opens it (SQLite then gives its WAL and
    shared-memory files the mode of the database file); an existing file, and its
    WAL and SHM, lose any group or other bits.
    """
    if not database_file.exists():
        database_file.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.close(os.open(database_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL,
                             PRIVATE_FILE_MODE))
        except FileExistsError:
            pass
    for path in (database_file, *(Path(f"{database_file}{s}") for s in SQLITE_COMPANION_SUFFIXES)):
        try:
            mode = stat.S_IMODE(path.stat().st_mode)
            if mode & 0o077:
                path.chmod(mode & 0o700)
        except FileNotFoundError:
            continue
        except PermissionError:  # another owner's file: SQLite itself decides
            continue


def configure_postgresql(engine: Engine, random_page_cost: float) -> None:
    """Planner settings for every connection (config POSTGRES_RANDOM_PAGE_COST)."""
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        with dbapi_connection.cursor() as cursor:
            cursor.execute(f"SET random_page_cost = {float(random_page_cost)}")
        dbapi_connection.commit()  # a SET inside a rolled-back transaction is undone


def configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    """WAL, foreign keys, busy timeout, and transactions SQLAlchemy fully controls.

    pysqlite's own transaction handling defers BEGIN and breaks SAVEPOINT; the
    documented remedy is to switch it off and emit BEGIN ourselves.
    """

    database_file = _file_of(engine)

    @event.listens_for(engine, "do_connect")
    def _create_private(_dialect, _record, _cargs, _cparams):
        if database_file is not None:
            make_private(database_file)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
        if database_file is not None:
            make_private(database_file)

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        immediate = sqlite_write_intent.get()
        connection.info[_DEFERRED_READ] = not immediate and sqlite_upgrade_reads.get()
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    @event.listens_for(engine, "before_cursor_execute")
    def _upgrade_before_first_write(connection, cursor, statement, *_args):
        if not connection.info.get(_DEFERRED_READ) or _is_read(statement):
            return
        connection.info[_DEFERRED_READ] = False
        if not connection.in_transaction() or connection.in_nested_transaction():
            return
        # Behind SQLAlchemy's back, but within what it sees as one transaction: its
        # COMMIT or ROLLBACK at the end of the request applies to the immediate one.
        cursor.execute("COMMIT")
        cursor.execute("BEGIN IMMEDIATE")

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _transaction_over(connection):
        connection.info.pop(_DEFERRED_READ, None)
