"""Every domain's models, imported in one place so that the metadata (and
Alembic's autogenerate) sees all tables."""

from arrival.audit.models import AuditEvent
from arrival.auth.models import LoginSession, User
from arrival.catalog.models import Authority, CatalogEntry

__all__ = ["AuditEvent", "Authority", "CatalogEntry", "LoginSession", "User"]
