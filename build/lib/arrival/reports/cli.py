import sys
from datetime import date
from pathlib import Path

import click
from flask.cli import AppGroup

from arrival.extensions import db
from arrival.reports import operations

sitrep_cli = AppGroup("sitrep", help="The nightly situation report (Lagebericht).")


def _day(value: str | None) -> date:
    if value is None:
        return operations.yesterday()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("use YYYY-MM-DD") from None


@sitrep_cli.command("generate")
@click.option("--date", "day", help="The local calendar day (YYYY-MM-DD); default yesterday.")
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path),
              help="Target folder; default SITREP_DIR.")
def generate_command(day, out):
    """Build the report of one day: workbook, CSVs, JSON and manifest."""
    report_day = _day(day)
    try:
        result = operations.generate(report_day, out)
    except operations.DayNotOver as error:
        click.echo(f"sitrep: {error}", err=True)
        sys.exit(2)
    except operations.ReportAlreadyRunning as error:
        click.echo(f"sitrep: {error}", err=True)
        sys.exit(3)
    except Exception as error:  # recorded as a failed run; the exit code tells cron
        click.echo(f"sitrep {report_day}: failed: {error}", err=True)
        sys.exit(1)
    click.echo(f"sitrep {report_day}: {len(result.run.files)} files in {result.folder}"
               + (" (regenerated with changed figures)" if result.run.regenerated else ""))


@sitrep_cli.command("remark")
@click.option("--date", "day", help="The report day (YYYY-MM-DD); default yesterday.")
@click.argument("text")
def remark_command(day, text):
    """Set the free-text remark printed on the cover sheet."""
    operations.set_remark(_day(day), text, None)
    db.session.commit()
    click.echo("remark saved")
