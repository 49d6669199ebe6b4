"""`flask db-roles sql` prints what a superuser runs to create the two roles."""

from __future__ import annotations


def test_the_printed_sql_creates_owner_app_role_and_database(cli):
    result = cli.invoke(args=["db-roles", "sql", "--owner", "arrival_owner", "--app",
                              "arrival_app", "--database", "arrival"])
    assert result.exit_code == 0, result.output
    sql = result.output
    assert 'CREATE ROLE "arrival_owner" LOGIN;' in sql
    assert 'CREATE ROLE "arrival_app" LOGIN;' in sql
    assert 'CREATE DATABASE "arrival" OWNER "arrival_owner";' in sql
    assert 'REVOKE ALL ON SCHEMA public FROM PUBLIC;' in sql
    assert "SUPERUSER" not in sql and "CREATEROLE" not in sql


def test_names_that_are_not_plain_identifiers_are_refused(cli):
    result = cli.invoke(args=["db-roles", "sql", "--app", 'x"; DROP TABLE audit_event; --'])
    assert result.exit_code != 0
    assert "not a plain role or database name" in result.output
