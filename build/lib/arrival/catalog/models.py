from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from arrival.database import UTCDateTime, now_utc
from arrival.extensions import db


class Authority(db.Model):
    """An office that owns clarification items; caseworkers belong to one."""

    __tablename__ = "authority"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    name_de: Mapped[str] = mapped_column(sa.String(200))
    name_en: Mapped[str] = mapped_column(sa.String(200))
    active: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, onupdate=now_utc)

    __table_args__ = (
        sa.CheckConstraint("kind IN ('social', 'security', 'regional')", name="kind"),
    )

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_de


class CatalogEntry(db.Model):
    """One entry of a reference list (vulnerability flag, service type, topic …).

    Entries are never deleted, because records refer to their codes; an entry that
    leaves the data file becomes inactive.
    """

    __tablename__ = "catalog_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    code: Mapped[str] = mapped_column(sa.String(60))
    title_de: Mapped[str] = mapped_column(sa.String(300))
    title_en: Mapped[str] = mapped_column(sa.String(300))
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
    attributes: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, onupdate=now_utc)

    __table_args__ = (sa.UniqueConstraint("kind", "code"),)

    def title(self, locale: str) -> str:
        return self.title_en if locale == "en" else self.title_de
