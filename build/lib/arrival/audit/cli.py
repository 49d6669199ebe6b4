"""flask audit seal|verify — the hash chain over the audit log."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from arrival.audit import chain
from arrival.extensions import db

audit_cli = AppGroup("audit", help="The tamper-evident audit log.")


@audit_cli.command("seal")
def seal_command() -> None:
    """Chain the events older than a few minutes (run it from cron or the nightly job)."""
    count = chain.seal()
    db.session.commit()
    click.echo(f"sealed {count} audit events")


@audit_cli.command("verify")
def verify_command() -> None:
    """Recompute the chain; exit 1 and name the first broken link when it does not hold."""
    result = chain.verify()
    if not result.intact:
        click.echo(f"BROKEN at audit event {result.broken_at}: {result.problem} "
                   f"({result.checked} events before it are intact)")
        raise SystemExit(1)
    click.echo(f"intact: {result.checked} sealed events; {result.unsealed} not sealed yet")
