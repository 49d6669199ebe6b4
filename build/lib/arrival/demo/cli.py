import time
from datetime import timezone

import click
from flask import current_app
from flask.cli import AppGroup

from arrival.demo.operations import DEMO_ACCOUNTS, ensure_demo_accounts
from arrival.extensions import db

demo_cli = AppGroup("demo", help="Demo data (development and testing only).")


@demo_cli.command("seed")
@click.option("--persons", type=click.IntRange(0, 5_000_000), default=0,
              help="Persons to generate (0: only the demo accounts).")
@click.option("--days", type=click.IntRange(1, 3650), default=30,
              help="Days over which arrivals, stays and services are spread.")
@click.option("--seed", "seed_value", type=int, default=1, help="Same seed, same data.")
@click.option("--deliveries-per-person", type=click.FloatRange(0, 100), default=5.0)
@click.option("--if-empty", is_flag=True, help="Do nothing when households exist already.")
@click.option("--now", "now", type=click.DateTime(formats=["%Y-%m-%dT%H:%M"]), default=None,
              help="The end of the period (UTC, YYYY-MM-DDTHH:MM); default the current time. "
                   "The same seed and the same --now give the same data.")
def seed_command(persons, days, seed_value, deliveries_per_person, if_empty, now):
    """Create the demo accounts and, with --persons, a realistic data set."""
    if not current_app.config.get("SEED_DEMO_ALLOWED"):
        raise click.ClickException("demo data are refused in this configuration (production)")
    created = ensure_demo_accounts()
    db.session.commit()
    click.echo(f"demo accounts: {len(created)} created, {len(DEMO_ACCOUNTS)} in all")
    for account in DEMO_ACCOUNTS:
        click.echo(f"  {account.username:<16} {account.password:<28} {account.role}"
                   + (f" ({account.authority})" if account.authority else ""))
    if not persons:
        return
    from arrival.demo.seed import seed

    started = time.perf_counter()
    try:
        counts = seed(persons, days, seed_value, deliveries_per_person=deliveries_per_person,
                      now=now.replace(tzinfo=timezone.utc) if now else None)
    except ValueError as error:
        db.session.rollback()
        if if_empty:
            click.echo(f"demo data: skipped ({error})")
            return
        raise click.ClickException(str(error)) from error
    db.session.commit()
    seconds = time.perf_counter() - started
    click.echo(f"demo data: {counts['person']} persons, {counts['household']} households, "
               f"{counts['bed']} beds, {counts['stay']} stays, {counts['delivery']} deliveries, "
               f"{counts['clarification_item']} clarification items in {seconds:.1f} s")
