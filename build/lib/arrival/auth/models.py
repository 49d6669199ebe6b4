from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from arrival.auth.permissions import Role
from arrival.catalog.models import Authority
from arrival.database import UTCDateTime, now_utc
from arrival.extensions import db

ROLE_VALUES = tuple(role.value for role in Role)


class User(UserMixin, db.Model):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-case: "Anna" and "anna" are one account.
    username: Mapped[str] = mapped_column(sa.String(64), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(120), default="")
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[str] = mapped_column(sa.String(20))
    authority_id: Mapped[int | None] = mapped_column(sa.ForeignKey("authority.id"))
    is_enabled: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, onupdate=now_utc)
    password_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Part of the key that encrypts this account's form drafts on the tablets
    # (arrival.auth.drafts); a new value on sign-out makes old drafts unreadable.
    draft_key_salt: Mapped[str | None] = mapped_column(sa.String(32))
    version: Mapped[int] = mapped_column(default=1)

    authority: Mapped[Authority | None] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.CheckConstraint(f"role IN {ROLE_VALUES!r}", name="role"),
        # A caseworker always works for exactly one authority; nobody else does.
        sa.CheckConstraint(
            "(role = 'caseworker') = (authority_id IS NOT NULL)", name="caseworker_authority"
        ),
    )

    # The raw token of the login session this object was loaded for. Flask-Login
    # keeps get_id() in the cookie, so the cookie holds a session token, never
    # the user's primary key: ending the session row ends the cookie.
    session_token = None  # str, set per request; not a column

    @property
    def is_active(self) -> bool:  # Flask-Login asks this
        return self.is_enabled

    def get_id(self) -> str | None:
        return self.session_token

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"


class LoginSession(db.Model):
    """A server-side login session: logout, deactivation and lifetime end it here,
    so a copied cookie is worthless afterwards. Only the token's hash is stored."""

    __tablename__ = "login_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str | None] = mapped_column(sa.String(30))
    client_addr: Mapped[str | None] = mapped_column(sa.String(64))
    user_agent: Mapped[str | None] = mapped_column(sa.String(200))

    user: Mapped[User] = relationship(lazy="joined")
