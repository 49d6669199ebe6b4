"""Alembic environment for Arrival (run through Flask-Migrate: `flask db …`)."""

import logging
from logging.config import fileConfig

import sqlalchemy as sa
from alembic import context
from flask import current_app

from arrival.database import UTCDateTime

config = context.config
if config.config_file_name and not config.attributes.get("skip_logging_config"):
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

db = current_app.extensions["migrate"].db


def render_item(type_, obj, autogen_context):
    # Migrations describe the stored type, not our Python-side decorator.
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def skip_empty_autogenerate(context_, revision, directives):
    if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
        directives[:] = []
        logger.info("No changes in schema detected.")


def configure_arguments() -> dict:
    arguments = dict(current_app.extensions["migrate"].configure_args)
    arguments.setdefault("process_revision_directives", skip_empty_autogenerate)
    arguments.update(target_metadata=db.metadata, render_item=render_item, compare_type=True)
    return arguments


def run_migrations_offline():
    context.configure(
        url=db.engine.url.render_as_string(hide_password=False), literal_binds=True,
        **configure_arguments(),
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    # Migrations run as the owner role when MIGRATION_DATABASE_URL names one; then the
    # application's role (DATABASE_URL) gets exactly its rights on the new schema.
    from arrival.core.dbroles import app_role_to_grant, grant_app_role

    migration_url = current_app.config.get("MIGRATION_DATABASE_URL")
    engine = sa.create_engine(migration_url) if migration_url else db.engine
    app_role = app_role_to_grant(migration_url, current_app.config["SQLALCHEMY_DATABASE_URI"])
    try:
        with engine.connect() as connection:
            context.configure(connection=connection, **configure_arguments())
            with context.begin_transaction():
                context.run_migrations()
                if app_role:
                    grant_app_role(connection, app_role)
    finally:
        if migration_url:
            engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
