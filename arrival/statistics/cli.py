"""`flask figures close|status`: the day book's night job and its state."""

import json

import click
from flask.cli import AppGroup

from arrival.extensions import db
from arrival.statistics import daybook

figures_cli = AppGroup("figures", help="The day book of the dashboard's figures.")


@figures_cli.command("close")
def close_command():
    """Count every closed day without a row (or with a stale one) and write it."""
    closed = daybook.close_days(commit=db.session.commit)
    db.session.commit()
    if closed:
        click.echo(f"figures: closed {len(closed)} days, {closed[0]} to {closed[-1]}")
    else:
        click.echo("figures: every day is closed")


@figures_cli.command("status")
def status_command():
    """Closed and stale days, and what the night job would count."""
    click.echo(json.dumps(daybook.status(), indent=2))
