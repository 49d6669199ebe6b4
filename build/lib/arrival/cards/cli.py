from pathlib import Path

import click
from flask.cli import AppGroup

from arrival.cards import operations
from arrival.cards.render import render_cards
from arrival.extensions import db
from arrival.registry.operations import household_by_ref

cards_cli = AppGroup("cards", help="Arrival cards.")


@cards_cli.command("print")
@click.option("--household", "ref", required=True, help="Household reference (H-…)")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--id1", is_flag=True, help="One ID-1 page per card instead of A4 sheets.")
def print_command(ref, out, id1):
    """Issue new cards for every member of a household and write them as one PDF."""
    household = household_by_ref(ref)
    if household is None:
        raise click.ClickException(f"no household {ref!r} (check the reference)")
    issued = operations.issue_household_cards(household)
    data = render_cards([operations.face_for(i) for i in issued], sheet=not id1)
    # Commit first: a printed card whose token never reached the database would be
    # refused at every station; a lost file only means printing again.
    db.session.commit()
    temporary = out.with_suffix(out.suffix + ".part")
    temporary.write_bytes(data)
    temporary.replace(out)
    click.echo(f"{len(issued)} cards for {household.ref} written to {out}")
