"""Two PostgreSQL roles: the owner, which runs migrations, and the application's
role, with only what it needs. The application cannot rewrite the audit log: on
`audit_event` it may INSERT and SELECT, nothing else — not UPDATE, DELETE or
TRUNCATE, and since it owns no table it cannot ALTER them or disable a trigger.

`flask db upgrade` (as the owner, MIGRATION_DATABASE_URL) ends by applying
grant_app_role() to the role in DATABASE_URL, so new tables are covered at once;
`flask db-roles grant` does the same by hand, `flask db-roles sql` prints the SQL
that creates both roles and the database (run it as a superuser).
"""

from __future__ import annotations

import re

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy.engine import Connection, make_url

ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
FULL = "SELECT, INSERT, UPDATE, DELETE"
# Tables with less than FULL. Every other table of the schema gets FULL.
RESTRICTED = {
    "audit_event": "SELECT, INSERT",
    "audit_seal": "SELECT, INSERT",  # the hash chain over the log (flask audit seal)
    "alembic_version": "SELECT",
}


def _identifier(name: str) -> str:
    if not ROLE_NAME.match(name or ""):
        raise click.BadParameter(f"not a plain role or database name: {name!r}")
    return f'"{name}"'


def create_roles_sql(owner: str, app_role: str, database: str) -> str:
    owner, app_role, database = (_identifier(n) for n in (owner, app_role, database))
    return f"""-- Arrival: the owner (migrations) and the application's role. Run as a superuser:
--   flask db-roles sql ... | psql -U postgres
-- then set passwords:  \\password {owner[1:-1]}   and   \\password {app_role[1:-1]}
CREATE ROLE {owner} LOGIN;
CREATE ROLE {app_role} LOGIN;
CREATE DATABASE {database} OWNER {owner};
REVOKE ALL ON DATABASE {database} FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE {database} TO {app_role};
\\connect {database}
ALTER SCHEMA public OWNER TO {owner};
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO {app_role};
-- Table rights follow after each `flask db upgrade` (grant_app_role).
"""


def grant_app_role(connection: Connection, app_role: str) -> list[tuple[str, str]]:
    """Give `app_role` exactly its rights on every table and sequence of the public
    schema (run as the owner). Idempotent. Returns (table, privileges) as granted."""
    role = _identifier(app_role)
    tables = connection.scalars(sa.text(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")).all()
    connection.execute(sa.text(f"GRANT USAGE ON SCHEMA public TO {role}"))
    connection.execute(sa.text(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {role}"))
    granted = []
    for table in tables:
        privileges = RESTRICTED.get(table, FULL)
        connection.execute(sa.text(f'GRANT {privileges} ON TABLE "{table}" TO {role}'))
        granted.append((table, privileges))
    connection.execute(sa.text(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {role}"))
    connection.execute(sa.text(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}"))
    return granted


def app_role_to_grant(migration_url: str | None, app_url: str) -> str | None:
    """The application's role when migrations run as another (the owner), else None."""
    if not migration_url:
        return None
    migration, app = make_url(migration_url), make_url(app_url)
    if app.get_backend_name() != "postgresql" or not app.username:
        return None
    if app.username == migration.username:
        return None
    return app.username


db_roles_cli = AppGroup("db-roles", help="PostgreSQL: the owner and the application roles.")


@db_roles_cli.command("sql")
@click.option("--owner", default="arrival_owner", show_default=True,
              help="Owns the schema; runs migrations (MIGRATION_DATABASE_URL).")
@click.option("--app", "app_role", default="arrival_app", show_default=True,
              help="The application's role (DATABASE_URL).")
@click.option("--database", default="arrival", show_default=True)
def sql_command(owner, app_role, database):
    """Print the SQL that creates both roles and the database (for psql, as superuser)."""
    click.echo(create_roles_sql(owner, app_role, database), nl=False)


@db_roles_cli.command("grant")
@click.option("--app", "app_role", help="Default: the user of DATABASE_URL.")
def grant_command(app_role):
    """Apply the application role's table rights (as the owner: MIGRATION_DATABASE_URL)."""
    url = current_app.config.get("MIGRATION_DATABASE_URL")
    app_url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    if make_url(app_url).get_backend_name() != "postgresql":
        raise click.ClickException("only PostgreSQL has roles")
    app_role = app_role or make_url(app_url).username
    engine = sa.create_engine(url or app_url)
    try:
        with engine.begin() as connection:
            granted = grant_app_role(connection, app_role)
    finally:
        engine.dispose()
    for table, privileges in granted:
        click.echo(f"{table}: {privileges}")
