"""The store's tables (SQLAlchemy 2 declarative models): scenarios, records and documents, audit, users, jobs.

Their own module so that the migrations (``planner.store.migrate``, the Alembic environment) and the
record access (``planner.store.database``) both build on them without importing each other. Every
time column is timezone-aware and defaults to :func:`planner.clock.now`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Dialect, Float, ForeignKey, Integer, String, UniqueConstraint, false
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from planner.clock import now


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware moment, stored in UTC and read back aware on every database.

    PostgreSQL keeps the zone (``timestamptz``); SQLite keeps text without it, so a value read from
    SQLite is marked UTC here instead of coming back naive. A naive value is refused on the way in.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Store a moment in UTC."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("the store keeps timezone-aware moments only")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Return a stored moment, aware, in UTC."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base of the store's tables."""


class ScenarioRow(Base):
    """One scenario: its name, title and metadata (network, speeds, notes)."""

    __tablename__ = "scenario"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    meta: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class RecordRow(Base):
    """One record of a scenario, as the validated document of its kind."""

    __tablename__ = "record"
    __table_args__ = (UniqueConstraint("scenario_id", "kind", "record_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scenario_id: Mapped[int] = mapped_column(ForeignKey("scenario.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[str] = mapped_column(String(80))
    version: Mapped[int] = mapped_column(Integer, default=1)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class AuditRow(Base):
    """One change: who made it, when, to what, and the record before and after."""

    __tablename__ = "audit"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, index=True)
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(20))
    scenario: Mapped[str] = mapped_column(String(80), index=True)
    kind: Mapped[str] = mapped_column(String(40), default="")
    record_id: Mapped[str] = mapped_column(String(80), default="")
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class UserRow(Base):
    """A user who can sign in (see ``planner.store.accounts``)."""

    __tablename__ = "user_account"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    """Set on the first administrator made at start-up: every page sends them to the change form until then."""
    jurisdiction: Mapped[str | None] = mapped_column(String(80), nullable=True)
    """Where the role applies (and below, ``planner.store.scope``); None: every scenario whole."""
    language: Mapped[str | None] = mapped_column(String(10), nullable=True)
    """The page language the user chose with the menu's switch (``zh_CN`` or ``en``); None: not chosen yet."""


class UserSessionRow(Base):
    """A signed-in browser session (see ``planner.store.sessions``): the hash of its token, whose it is, since when.

    Not backed up (``info``): a restored backup must not bring back sessions revoked since it was made.
    """

    __tablename__ = "user_session"
    __table_args__ = {"info": {"backup": False}}
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, index=True)


class LoginThrottleRow(Base):
    """Failed sign-ins of one account name or one address (see ``planner.store.throttle``).

    Not backed up (``info``): counters of the moment, forgotten a day after the last failure.
    """

    __tablename__ = "login_throttle"
    __table_args__ = {"info": {"backup": False}}
    key: Mapped[str] = mapped_column(String(160), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, index=True)


class JobRow(Base):
    """A long job (see ``planner.jobs.runner``): its parameters, progress and result, who runs it and since when.

    ``owner`` is the runner process that claimed it (``host:pid:token``) and ``heartbeat_at`` the last moment
    that runner said it was still running it: a running job whose heartbeat stopped belongs to a runner that
    is gone. ``attempts`` counts the starts, ``time_limit_s`` is enforced by the runner from outside the job,
    and ``rerun_of`` names the job this one runs again.
    """

    __tablename__ = "job"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    scenario: Mapped[str] = mapped_column(String(80), index=True)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(20), default="queued", index=True)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    message: Mapped[str] = mapped_column(String(500), default="")
    result: Mapped[Any] = mapped_column(JSON, nullable=True)
    error: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    actor: Mapped[str] = mapped_column(String(80), default="system")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, index=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    owner: Mapped[str | None] = mapped_column(String(200), nullable=True)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    time_limit_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    rerun_of: Mapped[str | None] = mapped_column(String(32), nullable=True)
