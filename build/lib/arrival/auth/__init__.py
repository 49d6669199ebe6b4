"""Accounts, roles, sessions and the permission table."""
