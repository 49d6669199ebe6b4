import click
from flask import current_app
from flask.cli import AppGroup

from arrival.demo.operations import DEMO_ACCOUNTS, ensure_demo_accounts
from arrival.extensions import db

demo_cli = AppGroup("demo", help="Demo data (development and testing only).")


@demo_cli.command("seed")
def seed_command():
    """Create the demo accounts (idempotent) and print them."""
    if not current_app.config.get("SEED_DEMO_ALLOWED"):
        raise click.ClickException("demo data are refused in this configuration (production)")
    created = ensure_demo_accounts()
    db.session.commit()
    click.echo(f"demo accounts: {len(created)} created, {len(DEMO_ACCOUNTS)} in all")
    for account in DEMO_ACCOUNTS:
        click.echo(f"  {account.username:<16} {account.password:<28} {account.role}"
                   + (f" ({account.authority})" if account.authority else ""))
