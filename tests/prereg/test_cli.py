"""flask prereg expire: the nightly deletion, counts in the output and the log."""

from __future__ import annotations

import logging
from datetime import timedelta

import sqlalchemy as sa

from arrival.core import clock
from arrival.extensions import db
from arrival.prereg import operations
from arrival.prereg.models import PreRegistration
from tests.prereg.data import family_payload


class _Lines(logging.Handler):
    def __init__(self):
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(record.getMessage())


def test_expire_deletes_only_the_expired_and_says_how_many(app, cli):
    with app.app_context():
        for _ in range(3):
            operations.submit(family_payload(), language="uk")
        db.session.commit()
    clock.set_clock(clock.ticking_from(clock.now() + timedelta(days=5)))
    with app.app_context():
        operations.submit(family_payload(), language="uk")
        db.session.commit()
    result = cli.invoke(args=["prereg", "expire", "--dry-run"])
    assert result.output.strip() == "0 expired pre-registrations would be deleted"
    clock.set_clock(clock.ticking_from(clock.now() + timedelta(days=3)))
    assert cli.invoke(args=["prereg", "expire", "--dry-run"]).output.startswith("3 expired")
    lines, level = _Lines(), app.logger.level
    app.logger.addHandler(lines)
    app.logger.setLevel(logging.INFO)
    try:
        result = cli.invoke(args=["prereg", "expire", "--batch-size", "2"])
    finally:
        app.logger.removeHandler(lines)
        app.logger.setLevel(level)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "3 expired pre-registrations deleted"
    assert "prereg expire: 3 expired pre-registrations deleted" in lines.lines
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PreRegistration)) == 1


def test_the_nightly_privacy_sweep_deletes_expired_pre_registrations_too(app, cli):
    """The sweep (flask privacy sweep) knows pre-registrations as a data class of its
    own: expired unconverted ones go the night after they expired."""
    with app.app_context():
        operations.submit(family_payload(), language="ru")
        db.session.commit()
    clock.set_clock(clock.ticking_from(clock.now() + timedelta(days=8)))  # valid 7 days
    dry = cli.invoke(args=["privacy", "sweep", "--dry-run", "--only", "preregistrations"])
    assert dry.exit_code == 0, dry.output
    assert "preregistrations" in dry.output and "1" in dry.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PreRegistration)) == 1
    swept = cli.invoke(args=["privacy", "sweep", "--only", "preregistrations"])
    assert swept.exit_code == 0, swept.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PreRegistration)) == 0
