"""Server-side sign-in sessions: a random token in the browser's signed cookie, the token's hash in the store.

A cookie alone proves nothing once its session is gone: signing out deletes the session's row, a changed
password or a disabled account deletes every row of the user (:func:`end_all`, inside the change's own
transaction), and a session older than its maximum age is refused and deleted at the next sign-in. Only the
SHA-256 of a token is stored, so a copy of the database (or a backup, which leaves sessions out) holds no
usable session. Ages are measured on the machine's clock (:func:`planner.clock.machine_now`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import ColumnElement, and_, delete
from sqlalchemy.orm import Session

from planner.clock import machine_now
from planner.store.database import Store
from planner.store.tables import UserSessionRow

TOKEN_BYTES = 32
"""Random bytes of a session token (256 bits)."""


def token_hash(token: str) -> str:
    """Return the stored form of a session token: its SHA-256, in hex."""
    return hashlib.sha256(token.encode()).hexdigest()


def begin(store: Store, user_id: int, max_age: dt.timedelta) -> str:
    """Open a session for a user and return its token; sessions older than ``max_age`` are deleted meanwhile."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    moment = machine_now()

    def work(session: Session) -> None:
        session.execute(delete(UserSessionRow).where(UserSessionRow.created_at <= moment - max_age))
        session.add(UserSessionRow(token_hash=token_hash(token), user_id=user_id, created_at=moment))

    store.write(work)
    return token


def live(token: str, max_age: dt.timedelta) -> ColumnElement[bool]:
    """Return the condition that selects the session of ``token`` if it is open and younger than ``max_age``."""
    return and_(UserSessionRow.token_hash == token_hash(token), UserSessionRow.created_at > machine_now() - max_age)


def end(store: Store, token: str) -> None:
    """Close the session of ``token`` (signing out): its cookie no longer signs anyone in."""
    store.write(lambda session: session.execute(delete(UserSessionRow).where(
        UserSessionRow.token_hash == token_hash(token))))


def end_all(session: Session, user_id: int) -> None:
    """Close every session of a user, inside the caller's transaction (a changed password, a disabled account)."""
    session.execute(delete(UserSessionRow).where(UserSessionRow.user_id == user_id))
