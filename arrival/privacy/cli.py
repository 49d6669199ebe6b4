"""flask privacy …: the retention sweep, access reports, the record of processing."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from arrival.core.validation import ValidationFailed
from arrival.extensions import db
from arrival.privacy import access, operations, record, render

privacy_cli = AppGroup("privacy", help="Retention, access reports, record of processing.")


@privacy_cli.command("sweep")
@click.option("--dry-run", is_flag=True, help="Count what is due, change nothing.")
@click.option("--only", default=None, help="One retention class (e.g. households).")
@click.option("--batch-size", type=int, default=None, help="Rows per transaction.")
def sweep_command(dry_run, only, batch_size):
    """Anonymise or delete what has outlived its retention period: counts first,
    then in batches (each committed and audited; a killed run resumes)."""
    try:
        result = operations.sweep(dry_run=dry_run, only=only, batch_size=batch_size,
                                  progress=click.echo)
    except ValidationFailed as error:
        raise click.ClickException(str(error)) from None
    for entry in result.classes:
        if dry_run or not entry.removes:
            click.echo(f"{entry.name}: {entry.due} {'due' if entry.removes else entry.action}"
                       f"{'' if entry.removes else ' (kept: the audit log is append-only)'}")
        else:
            click.echo(f"{entry.name}: {entry.done} {entry.action} in {entry.batches} batches")
    click.echo("dry run: nothing changed" if dry_run else "sweep done")


def _person(public_id: str):
    person = operations.person_by_public_id(public_id)
    if person is None:
        raise click.ClickException(f"no person {public_id!r}")
    return person


@privacy_cli.command("access-report")
@click.argument("public_id")
@click.option("--household", is_flag=True, help="The head's whole household.")
@click.option("--format", "file_format", type=click.Choice(["pdf", "json"]), default="pdf",
              show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
def access_report_command(public_id, household, file_format, out):
    """The Art. 15 access report of a person (by public id), audited."""
    person = _person(public_id)
    try:
        people = operations.subjects(person, household=household)
    except ValidationFailed as error:
        raise click.ClickException(str(error)) from None
    report = access.access_report(person, household=household)
    operations.log_access_report(person, people, household, file_format)
    if file_format == "json":
        out.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    else:
        out.write_bytes(render.access_report_pdf(report))
    out.chmod(0o600)
    db.session.commit()
    click.echo(f"{out}: access report of {len(people)} person(s)")


def _request(action, public_id, reason, household):
    person = _person(public_id)
    try:
        action(person, reason=reason, household=household)
    except operations.ErasureRefused as error:
        db.session.commit()
        raise click.ClickException(str(error)) from None
    except ValidationFailed as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()


@privacy_cli.command("erase")
@click.argument("public_id")
@click.option("--reason", required=True)
@click.option("--household", is_flag=True)
def erase_command(public_id, reason, household):
    """Erase (anonymise) a person or the head's household — refused under a legal hold."""
    _request(operations.erase, public_id, reason, household)
    click.echo("erased (anonymised)")


@privacy_cli.command("restrict")
@click.argument("public_id")
@click.option("--reason", required=True)
@click.option("--household", is_flag=True)
@click.option("--lift", is_flag=True, help="Lift the restriction instead.")
def restrict_command(public_id, reason, household, lift):
    """Restrict processing (Art. 18), or lift the restriction."""
    _request(operations.lift_restriction if lift else operations.restrict, public_id, reason,
             household)
    click.echo("restriction lifted" if lift else "restricted")


@privacy_cli.command("record")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="FILE.md or FILE.pdf (without: Markdown on stdout)")
def record_command(out):
    """The record of processing (Art. 30) from the code's own tables."""
    text = record.markdown()
    if out is None:
        click.echo(text, nl=False)
    elif out.suffix.lower() == ".pdf":
        out.write_bytes(render.markdown_pdf(text))
        click.echo(f"{out}")
    else:
        out.write_text(text, encoding="utf-8")
        click.echo(f"{out}")


def init_app(app: Flask) -> None:
    app.cli.add_command(privacy_cli)
