import sys

import click
from flask.cli import AppGroup

from arrival.auth import operations
from arrival.auth.permissions import Role
from arrival.core.validation import ValidationFailed
from arrival.extensions import db

users_cli = AppGroup("users", help="Manage accounts.")


def _read_password(password_stdin: bool) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


def _fail(error: ValidationFailed):
    db.session.rollback()
    raise click.ClickException(
        "; ".join(f"{field}: {' '.join(messages)}" for field, messages in error.errors.items())
    )


def _user_or_fail(username: str):
    user = operations.get_user_by_username(username)
    if user is None:
        raise click.ClickException(f"no account named {username!r}")
    return user


@users_cli.command("create")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--authority", "authority_code", help="Authority code (caseworkers only).")
@click.option("--name", "display_name", default="", help="Full name shown in the UI.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_command(username, role, authority_code, display_name, password_stdin):
    """Create an account."""
    password = _read_password(password_stdin)
    try:
        user = operations.create_user(
            username, role, password, authority_code=authority_code, display_name=display_name
        )
    except ValidationFailed as error:
        _fail(error)
    db.session.commit()
    click.echo(f"created {user.username} ({user.role})")


@users_cli.command("list")
def list_command():
    """List accounts."""
    for user in operations.list_users():
        authority = user.authority.code if user.authority else "-"
        state = "active" if user.is_enabled else "deactivated"
        click.echo(f"{user.username}\t{user.role}\t{authority}\t{state}")


@users_cli.command("deactivate")
@click.argument("username")
def deactivate_command(username):
    """Deactivate an account and end its sessions."""
    operations.set_enabled(_user_or_fail(username), False)
    db.session.commit()
    click.echo(f"deactivated {username}")


@users_cli.command("activate")
@click.argument("username")
def activate_command(username):
    """Activate an account again."""
    operations.set_enabled(_user_or_fail(username), True)
    db.session.commit()
    click.echo(f"activated {username}")


@users_cli.command("set-password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def set_password_command(username, password_stdin):
    """Set a new password and end the account's sessions."""
    user = _user_or_fail(username)
    try:
        operations.set_password(user, _read_password(password_stdin), reason="reset")
    except ValidationFailed as error:
        _fail(error)
    db.session.commit()
    click.echo(f"password set for {username}")
